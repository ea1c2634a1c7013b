"""daily: counselors' phones searchable through a keyed look-up hash, services done off the platform
(服务主体类型和数量), counselors' own yearly confirmation

Existing phones are decrypted with the app's data key and hashed with its look-up key (FUDAO_DATA_KEY,
FUDAO_LOOKUP_KEY, or the ones derived from the secret key), so run the upgrade with the production settings.

Revision ID: 0021_daily
Revises: 0020_reports
Create Date: 2026-12-02 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_daily'
down_revision = '0020_reports'
branch_labels = None
depends_on = None

counselors = sa.table('counselors', sa.column('id', sa.Integer), sa.column('phone_cipher', sa.Text),
                      sa.column('phone_hash', sa.String))
BATCH = 1000


def fill_phone_hashes(connection) -> int:
    """Hash every stored phone with the app's look-up key, in batches by id (a large directory is not read
    into memory at once). A value under another data key stays unsearchable rather than failing. Returns the
    number of rows hashed (tests/marketplace/directory/test_search_phone.py calls it on existing rows)."""
    from marketplace.crypto import fernet, lookup_hash  # the app's keys

    cipher, last, hashed = fernet(), 0, 0
    while True:
        rows = connection.execute(sa.select(counselors.c.id, counselors.c.phone_cipher)
                                  .where(counselors.c.id > last).order_by(counselors.c.id).limit(BATCH)).all()
        if not rows:
            return hashed
        updates = []
        for counselor_id, token in rows:
            try:
                phone = cipher.decrypt(token.encode()).decode() if token else None
            except Exception:  # noqa: BLE001 - InvalidToken or a malformed value
                phone = None
            if phone:
                updates.append({'b_id': counselor_id, 'v_hash': lookup_hash(phone)})
        if updates:
            connection.execute(counselors.update().where(counselors.c.id == sa.bindparam('b_id'))
                               .values(phone_hash=sa.bindparam('v_hash')), updates)
        hashed += len(updates)
        last = rows[-1][0]


def upgrade():
    with op.batch_alter_table('counselors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('self_confirmed_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('self_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_counselors_phone_hash'), ['phone_hash'], unique=False)

    fill_phone_hashes(op.get_bind())

    op.create_table('off_platform_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counselor_id', sa.Integer(), nullable=False),
    sa.Column('department_region_code', sa.String(length=12), nullable=False),
    sa.Column('entity_type', sa.Enum('cooperative', 'federation', 'family_farm', name='off_platform_entity_type', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('count >= 1 AND count <= 10000', name=op.f('ck_off_platform_services_count_range')),
    sa.ForeignKeyConstraint(['counselor_id'], ['counselors.id'], name=op.f('fk_off_platform_services_counselor_id_counselors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_region_code'], ['regions.code'], name=op.f('fk_off_platform_services_department_region_code_regions')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_off_platform_services_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_off_platform_services'))
    )
    with op.batch_alter_table('off_platform_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_off_platform_services_counselor_id'), ['counselor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_off_platform_services_department_region_code'), ['department_region_code'], unique=False)


def downgrade():
    with op.batch_alter_table('off_platform_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_off_platform_services_department_region_code'))
        batch_op.drop_index(batch_op.f('ix_off_platform_services_counselor_id'))
    op.drop_table('off_platform_services')
    with op.batch_alter_table('counselors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counselors_phone_hash'))
        batch_op.drop_column('self_confirmed_at')
        batch_op.drop_column('self_confirmed_year')
        batch_op.drop_column('phone_hash')
