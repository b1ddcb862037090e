"""Account security: an email version that makes every email-change link single-use

Revision ID: 0008accountsecurity
Revises: 0007bookingintegrity
Create Date: 2026-12-07 10:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008accountsecurity'
down_revision = '0007bookingintegrity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email_version')
