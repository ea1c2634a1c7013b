"""matching_models.report: every training run's report (window, counts, scores with intervals, decision)

Revision ID: 0015_matching_reports
Revises: 0013_sessions_security
Create Date: 2026-12-02 01:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_matching_reports'
down_revision = '0013_sessions_security'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matching_models', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))


def downgrade():
    with op.batch_alter_table('matching_models', schema=None) as batch_op:
        batch_op.drop_column('report')
