"""Notices (通知公告): a department's notices, their attachments and one receipt per recipient.

Revision ID: 0019_notices
Revises: 0018_awards
Create Date: 2026-12-02 13:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_notices'
down_revision = '0018_awards'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=60), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'published', 'withdrawn', name='notice_state', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('state_reason', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fanout_done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_notices_created_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_notices_department_id_departments')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_notices_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_published_at'), ['published_at'], unique=False)

    op.create_table('notice_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_attachments_notice_id_notices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_notice_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_notice_attachments_stored_name'))
    )
    with op.batch_alter_table('notice_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_attachments_notice_id'), ['notice_id'], unique=False)

    op.create_table('notice_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('official', 'counselor', 'center', 'operator', name='notice_recipient_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_receipts_notice_id_notices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notice_receipts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_receipts')),
    sa.UniqueConstraint('notice_id', 'user_id', name='uq_notice_receipts_user')
    )
    with op.batch_alter_table('notice_receipts', schema=None) as batch_op:
        batch_op.create_index('ix_notice_receipts_notice_region', ['notice_id', 'region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_receipts_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('notice_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_receipts_user_id'))
        batch_op.drop_index('ix_notice_receipts_notice_region')

    op.drop_table('notice_receipts')
    with op.batch_alter_table('notice_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_attachments_notice_id'))

    op.drop_table('notice_attachments')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_published_at'))
        batch_op.drop_index(batch_op.f('ix_notices_state'))
        batch_op.drop_index(batch_op.f('ix_notices_region_code'))
        batch_op.drop_index(batch_op.f('ix_notices_department_id'))

    op.drop_table('notices')
