"""counselors: one key to the appointing department (id, region code) instead of two; no index on status alone.

`counselors.department_region_code` is a copy of the appointing department's region (every jurisdiction
filter reads it). It was checked against `regions` only, and `department_id` against `departments` apart, so
nothing kept the copy equal to the department's region. One key, (department_id, department_region_code) →
departments (id, region_code), keeps it equal (a department's region code changing carries over), and an
inserted counselor is checked by one foreign-key trigger instead of two (a 30,000-row import: 30,000 checks
fewer). The region is still a real one: departments.region_code references regions. Rows whose copy differs
(none that the code writes) take the department's region first.

`ix_counselors_status` is dropped: `ix_counselors_status_name` (status, name, id) and
`ix_counselors_status_region` (status, region_code) begin with status and serve the same look-ups; one index
fewer to maintain on every insert and status change.

Revision ID: 0024_counselor_keys
Revises: 0023_public_sms
Create Date: 2026-12-04 01:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024_counselor_keys'
down_revision = '0023_public_sms'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE counselors SET department_region_code = (SELECT d.region_code FROM departments d "
               "WHERE d.id = counselors.department_id) WHERE department_region_code <> (SELECT d.region_code "
               "FROM departments d WHERE d.id = counselors.department_id)")
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_departments_id'), ['id', 'region_code'])
    with op.batch_alter_table('counselors', schema=None) as batch_op:
        batch_op.drop_index('ix_counselors_status')
        batch_op.drop_constraint('fk_counselors_department_id_departments', type_='foreignkey')
        batch_op.drop_constraint('fk_counselors_department_region_code_regions', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_counselors_department_id_departments'), 'departments',
                                    ['department_id', 'department_region_code'], ['id', 'region_code'],
                                    onupdate='CASCADE')


def downgrade():
    with op.batch_alter_table('counselors', schema=None) as batch_op:
        batch_op.drop_constraint('fk_counselors_department_id_departments', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_counselors_department_region_code_regions'), 'regions',
                                    ['department_region_code'], ['code'])
        batch_op.create_foreign_key(batch_op.f('fk_counselors_department_id_departments'), 'departments',
                                    ['department_id'], ['id'])
        batch_op.create_index('ix_counselors_status', ['status'], unique=False)
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_departments_id'), type_='unique')
