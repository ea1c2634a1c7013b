"""optimistic locking (lock_version on records two people edit) and number counters per series

Revision ID: 0012_locking_numbering
Revises: 0011_outbox
Create Date: 2026-12-02 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_locking_numbering'
down_revision = '0011_outbox'
branch_labels = None
depends_on = None

VERSIONED = ('counselors', 'entities', 'service_centers', 'offerings', 'needs', 'agreements')


def upgrade():
    op.create_table(
        'number_counters',
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('prefix', sa.String(length=32), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'prefix', name=op.f('pk_number_counters')),
    )
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('lock_version')
    op.drop_table('number_counters')
