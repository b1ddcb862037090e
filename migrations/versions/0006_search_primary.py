"""Search index: lead becomes is_primary (the practitioner's primary clinic); no cube index

Revision ID: 0006searchprimary
Revises: 0005searchgeneration
Create Date: 2026-12-07 10:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006searchprimary'
down_revision = '0005searchgeneration'
branch_labels = None
depends_on = None

RENAMES = (('lead', 'is_primary'), ('lead_latitude', 'primary_latitude'),
           ('lead_longitude', 'primary_longitude'), ('lead_expires_on', 'primary_expires_on'))


def _indexes(flag, lat, lon, expires, prefix):
    return (
        (f'ix_search_entry_{prefix}_bbox',
         ['lon_bucket', flag, 'latitude', 'longitude', 'expires_on', 'practitioner_id', lat, lon, expires]),
        ('ix_search_entry_cell', ['cell', flag, 'expires_on', 'latitude', 'longitude']),
        (f'ix_search_entry_{prefix}_expires_on', [expires]),
    )


OLD_INDEXES = _indexes('lead', 'lead_latitude', 'lead_longitude', 'lead_expires_on', 'lead')
NEW_INDEXES = _indexes('is_primary', 'primary_latitude', 'primary_longitude', 'primary_expires_on', 'primary')


def _rename(drop, renames, create, entries):
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        for name, _columns in drop:
            batch_op.drop_index(name)
        for old, new in renames:
            batch_op.alter_column(old, new_column_name=new)
    # A second batch: in the first, the new names are not yet columns an index can name.
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        for name, columns in create:
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table('search_cell', schema=None) as batch_op:
        batch_op.alter_column(entries[0], new_column_name=entries[1])


def upgrade():
    # `flask search spatial-index` (now removed) built this GiST index on request; it
    # slowed every write to the index. The cube extension stays: other objects may use it.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_search_entry_sphere')
    _rename(OLD_INDEXES, RENAMES, NEW_INDEXES, ('lead_entries', 'primary_entries'))


def downgrade():
    _rename(NEW_INDEXES, [(new, old) for old, new in RENAMES], OLD_INDEXES, ('primary_entries', 'lead_entries'))
