"""Search generation: a value that changes with every change a search answer shows

Revision ID: 0005searchgeneration
Revises: 0004booking
Create Date: 2026-12-06 23:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005searchgeneration'
down_revision = '0004booking'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('search_generation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_generation'))
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0}])


def downgrade():
    op.drop_table('search_generation')
