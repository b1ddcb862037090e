"""Search index: next free first-visit time, fee, insurance, therapies and rating per row;
a next-free generation beside the search generation

Revision ID: 0013searchnextfree
Revises: 0012safetyreviews
Create Date: 2026-12-07 13:00:00

Existing rows get their keys from the practitioner and their rating from shown reviews;
their next free time starts out as not yet computed (fresh until 1970), which the first
search or ``flask search refresh-times`` fills in.
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0013searchnextfree'
down_revision = '0012safetyreviews'
branch_labels = None
depends_on = None

NEW_COLUMNS = ('insurance_key', 'therapies_key', 'fee_initial_cents', 'rating_average', 'rating_count',
               'next_start', 'next_fresh_until')


def _pipe_key(values) -> str:
    # As models.search.pipe_key at the time of this migration.
    if isinstance(values, str):
        values = json.loads(values or "[]")
    items = sorted({v.strip().lower() for v in values or [] if v and v.strip()})
    return "|" + "|".join(items) + "|" if items else ""


def upgrade():
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('insurance_key', sa.String(length=400), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('therapies_key', sa.String(length=400), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('fee_initial_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rating_average', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('rating_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_start', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_fresh_until', sa.DateTime(timezone=True), nullable=False,
                                      server_default='1970-01-01 00:00:00'))
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        for name in ('insurance_key', 'therapies_key', 'rating_count', 'next_fresh_until'):
            batch_op.alter_column(name, server_default=None)
        batch_op.create_index('ix_search_entry_next_fresh_until', ['next_fresh_until'], unique=False)

    with op.batch_alter_table('search_generation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_free_value', sa.BigInteger(), nullable=False, server_default='0'))
    with op.batch_alter_table('search_generation', schema=None) as batch_op:
        batch_op.alter_column('next_free_value', server_default=None)

    connection = op.get_bind()
    practitioners = connection.execute(sa.text(
        "SELECT p.id, p.insurance, p.complementary_therapies, p.fee_initial_cents FROM practitioner p "
        "WHERE p.id IN (SELECT practitioner_id FROM search_entry)")).all()
    ratings = dict((pid, (avg, count)) for pid, avg, count in connection.execute(sa.text(
        "SELECT practitioner_id, avg(rating), count(*) FROM review WHERE hidden_at IS NULL "
        "GROUP BY practitioner_id")))
    update = sa.text("UPDATE search_entry SET insurance_key = :insurance, therapies_key = :therapies, "
                     "fee_initial_cents = :fee, rating_average = :average, rating_count = :count "
                     "WHERE practitioner_id = :pid")
    rows = []
    for pid, insurance, therapies, fee in practitioners:
        average, count = ratings.get(pid, (None, 0))
        rows.append({"pid": pid, "insurance": _pipe_key(insurance), "therapies": _pipe_key(therapies), "fee": fee,
                     "average": None if average is None else round(float(average), 1), "count": count})
    for at in range(0, len(rows), 1000):
        connection.execute(update, rows[at:at + 1000])


def downgrade():
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_search_entry_next_fresh_until')
    with op.batch_alter_table('search_generation', schema=None) as batch_op:
        batch_op.drop_column('next_free_value')
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        for name in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
