"""security: the remaining plain phone columns encrypted at rest like the counselors' and the accounts' phones

entities.contact_phone, entity_claims.contact_phone, service_centers.contact_phone, agreements.entity_phone and
agreements.provider_phone each become `<name>_cipher` (Fernet), `<name>_hash` (keyed look-up hash) and
`<name>_masked`. Existing values are encrypted with the app's data key (FUDAO_DATA_KEY, or the one derived
from the secret key) and hashed with its look-up key, so run the upgrade with the production settings. The
downgrade decrypts them back.

Revision ID: 0017_entity_phones_encrypted
Revises: 0016_training
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_entity_phones_encrypted'
down_revision = '0016_training'
branch_labels = None
depends_on = None

COLUMNS = (('entities', 'contact_phone'), ('entity_claims', 'contact_phone'), ('service_centers', 'contact_phone'),
           ('agreements', 'entity_phone'), ('agreements', 'provider_phone'))


def _table(name, column):
    return sa.table(name, sa.column('id', sa.Integer), sa.column(column, sa.String),
                    sa.column(f'{column}_cipher', sa.Text), sa.column(f'{column}_hash', sa.String),
                    sa.column(f'{column}_masked', sa.String))


def upgrade():
    from marketplace.crypto import fernet, lookup_hash  # the app's keys
    from marketplace.masking import mask_phone

    cipher = fernet()
    connection = op.get_bind()
    for name, column in COLUMNS:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column(f'{column}_cipher', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column(f'{column}_hash', sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column(f'{column}_masked', sa.String(length=20), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{name}_{column}_hash'), [f'{column}_hash'], unique=False)
        table = _table(name, column)
        rows = connection.execute(sa.select(table.c.id, table.c[column]).where(table.c[column].is_not(None))).all()
        for row_id, phone in rows:
            connection.execute(table.update().where(table.c.id == row_id).values({
                f'{column}_cipher': cipher.encrypt(phone.encode()).decode(),
                f'{column}_hash': lookup_hash(phone) if phone else None,
                f'{column}_masked': mask_phone(phone)}))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column(column)


def downgrade():
    from marketplace.crypto import decrypt

    connection = op.get_bind()
    for name, column in reversed(COLUMNS):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.String(length=20), nullable=True))
        table = _table(name, column)
        rows = connection.execute(sa.select(table.c.id, table.c[f'{column}_cipher'])
                                  .where(table.c[f'{column}_cipher'].is_not(None))).all()
        for row_id, token in rows:
            connection.execute(table.update().where(table.c.id == row_id).values({column: decrypt(token)}))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{name}_{column}_hash'))
            batch_op.drop_column(f'{column}_masked')
            batch_op.drop_column(f'{column}_hash')
            batch_op.drop_column(f'{column}_cipher')
        if (name, column) in (('entities', 'contact_phone'), ('entity_claims', 'contact_phone')):
            with op.batch_alter_table(name, schema=None) as batch_op:
                batch_op.alter_column(column, existing_type=sa.String(length=20), nullable=False,
                                      server_default=None)
