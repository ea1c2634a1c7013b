"""Text messages as a notification channel (the event of each notification, SMS choices, sent messages) and
indexes for the public directory and catalogue filters.

Revision ID: 0023_public_sms
Revises: 0022_providers
Create Date: 2026-12-02 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_public_sms'
down_revision = '0022_providers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('sms_state', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_notifications_sms_state', ['sms_state', 'user_id'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sms_events', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preferences'))
    )
    op.create_table('sms_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('phone_masked', sa.String(length=20), nullable=False),
    sa.Column('body', sa.String(length=300), nullable=False),
    sa.Column('is_digest', sa.Boolean(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name=op.f('ck_sms_messages_status')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sms_messages_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages'))
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index('ix_sms_messages_user_created', ['user_id', 'created_at'], unique=False)
    with op.batch_alter_table('counselors', schema=None) as batch_op:
        batch_op.create_index('ix_counselors_status_name', ['status', 'name', 'id'], unique=False)
        batch_op.create_index('ix_counselors_status_region', ['status', 'region_code'], unique=False)
    with op.batch_alter_table('service_centers', schema=None) as batch_op:
        batch_op.create_index('ix_service_centers_public', ['status', 'region_code', 'name', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('service_centers', schema=None) as batch_op:
        batch_op.drop_index('ix_service_centers_public')
    with op.batch_alter_table('counselors', schema=None) as batch_op:
        batch_op.drop_index('ix_counselors_status_region')
        batch_op.drop_index('ix_counselors_status_name')
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_messages_user_created')
    op.drop_table('sms_messages')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_sms_state')
        batch_op.drop_column('sms_state')
        batch_op.drop_column('event')
