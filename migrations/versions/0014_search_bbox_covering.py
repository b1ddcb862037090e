"""Search index: the box index also covers what sorted and filtered searches rank

Revision ID: 0014searchbboxcover
Revises: 0013searchnextfree
Create Date: 2026-12-07 17:20:00

``sort=soonest|rating|price`` and ``available_within`` read every row of the search circle;
with these columns in the box index they read no table rows.
"""
from alembic import op


revision = '0014searchbboxcover'
down_revision = '0013searchnextfree'
branch_labels = None
depends_on = None

OLD = ['lon_bucket', 'latitude', 'longitude', 'expires_on']
NEW = OLD + ['practitioner_id', 'next_start', 'sort_name', 'fee_initial_cents', 'rating_average', 'rating_count']


def upgrade():
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_search_entry_bbox')
        batch_op.create_index('ix_search_entry_bbox', NEW, unique=False)


def downgrade():
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_search_entry_bbox')
        batch_op.create_index('ix_search_entry_bbox', OLD, unique=False)
