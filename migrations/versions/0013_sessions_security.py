"""security: server-side sessions, sign-in throttles (no lockout), TOTP second factor, users' phones encrypted

Existing phones are encrypted with the app's data key (FUDAO_DATA_KEY, or the one derived from the secret
key) and hashed with its look-up key, so run the upgrade with the production settings. The downgrade
decrypts them back.

Revision ID: 0013_sessions_security
Revises: 0012_locking_numbering
Create Date: 2026-12-02 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_sessions_security'
down_revision = '0012_locking_numbering'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id', sa.Integer), sa.column('phone', sa.String),
                 sa.column('phone_cipher', sa.Text), sa.column('phone_hash', sa.String),
                 sa.column('phone_masked', sa.String))


def upgrade():
    from marketplace.crypto import encrypt, lookup_hash  # the app's keys
    from marketplace.masking import mask_phone

    op.create_table('server_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('expiry', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_server_sessions')),
    sa.UniqueConstraint('session_id', name=op.f('uq_server_sessions_session_id'))
    )
    with op.batch_alter_table('server_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_server_sessions_expiry'), ['expiry'], unique=False)
        batch_op.create_index(batch_op.f('ix_server_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles'))
    )
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=255), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    # SQLite's batch mode rebuilds the table and cannot carry the expression index: drop and recreate it.
    op.drop_index('uq_users_username_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_cipher', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('phone_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('phone_masked', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('totp_secret_cipher', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_phone_hash'), ['phone_hash'], unique=False)

    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.phone).where(users.c.phone.is_not(None))).all()
    for user_id, phone in rows:
        phone = phone.strip()
        if phone:
            connection.execute(users.update().where(users.c.id == user_id).values(
                phone_cipher=encrypt(phone), phone_hash=lookup_hash(phone), phone_masked=mask_phone(phone)))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('phone')
        batch_op.drop_column('failed_login_count')
        batch_op.drop_column('locked_until')
    op.create_index('uq_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)


def downgrade():
    from marketplace.crypto import decrypt

    op.drop_index('uq_users_username_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_login_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))

    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.phone_cipher)
                              .where(users.c.phone_cipher.is_not(None))).all()
    for user_id, cipher in rows:
        connection.execute(users.update().where(users.c.id == user_id).values(phone=decrypt(cipher)))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_phone_hash'))
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret_cipher')
        batch_op.drop_column('phone_masked')
        batch_op.drop_column('phone_hash')
        batch_op.drop_column('phone_cipher')
    op.create_index('uq_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)

    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    op.drop_table('login_throttles')
    with op.batch_alter_table('server_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_server_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_server_sessions_expiry'))
    op.drop_table('server_sessions')
