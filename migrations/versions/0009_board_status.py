"""Board status only as a roster or an admin reported it; verified licences back in the queue
when their roster check fails; each roster import keeps its lists

Revision ID: 0009boardstatus
Revises: 0008accountsecurity
Create Date: 2026-12-07 10:20:00

Existing board statuses: until now nothing but the column's default ("active") and the demo
seed ever wrote one (a roster import did not set it, and admins had no way to), so no stored
value is a board's report. Every licence becomes "not reported" (NULL), except one whose
number is on an imported roster: it takes the status that roster row states, dated when the
row was imported. Verified licences whose stored roster check already fails are put back in
the queue. Imports made before this keep their counts but no lists.
"""
import json
import re
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009boardstatus'
down_revision = '0008accountsecurity'
branch_labels = None
depends_on = None

STATUSES = ('active', 'inactive', 'delinquent', 'expired', 'probation', 'suspended', 'revoked', 'surrendered',
            'retired')
# A copy of services/licence_review.py's words as of this revision: a migration must not
# change meaning when the code does.
BOARD_WORDS = (
    ('revoked', {'revoked', 'revocation'}), ('surrendered', {'surrendered', 'surrender'}),
    ('suspended', {'suspended', 'suspension'}), ('retired', {'retired'}), ('delinquent', {'delinquent'}),
    ('expired', {'expired', 'lapsed'}),
    ('inactive', {'inactive', 'cancelled', 'canceled', 'void', 'null', 'denied', 'terminated', 'closed',
                  'deceased', 'not'}),
    ('probation', {'probation', 'probationary', 'restricted', 'conditions', 'conditional', 'limited'}),
    ('active', {'active', 'current', 'clear', 'valid', 'licensed', 'registered', 'renewed', 'good'}),
)


def _board_status(text):
    words = set(re.findall(r'[a-z]+', (text or '').casefold()))
    return next((status for status, known in BOARD_WORDS if words & known), None)


def _roster_fails(results):
    if isinstance(results, str):
        results = json.loads(results or '[]')
    return any(isinstance(r, dict) and r.get('name') == 'roster' and r.get('result') == 'fail'
               for r in results or [])


def upgrade():
    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.alter_column('board_status', existing_type=sa.Enum(*STATUSES, name='board_status'),
                              nullable=True)
        batch_op.add_column(sa.Column('board_status_source', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('board_status_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('review_requested_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('roster_import_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('licence_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['roster_entry.id'], name=op.f('fk_roster_import_result_entry_id_roster_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_id'], ['roster_import.id'], name=op.f('fk_roster_import_result_import_id_roster_import'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['licence_id'], ['licence.id'], name=op.f('fk_roster_import_result_licence_id_licence'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_import_result'))
    )
    with op.batch_alter_table('roster_import_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_import_result_licence_id'), ['licence_id'], unique=False)
        batch_op.create_index('ix_roster_import_result_outcome', ['import_id', 'outcome'], unique=False)

    connection = op.get_bind()
    connection.execute(sa.text('UPDATE licence SET board_status = NULL'))
    reported = connection.execute(sa.text(
        'SELECT licence.id, roster_entry.status, roster_entry.imported_at FROM licence '
        'JOIN roster_entry ON roster_entry.jurisdiction = licence.jurisdiction '
        'AND roster_entry.number_normalized = licence.number_normalized')).all()
    for licence_id, status, imported_at in reported:
        board_status = _board_status(status)
        if board_status is not None:
            connection.execute(sa.text(
                "UPDATE licence SET board_status = :status, board_status_source = 'roster', "
                'board_status_at = :at WHERE id = :id'), {'status': board_status, 'at': imported_at, 'id': licence_id})
    now = datetime.now(timezone.utc)
    verified = connection.execute(sa.text(
        "SELECT id, check_results FROM licence WHERE verification_state = 'verified'")).all()
    for licence_id, results in verified:
        if _roster_fails(results):
            connection.execute(sa.text('UPDATE licence SET review_requested_at = :now WHERE id = :id'),
                               {'now': now, 'id': licence_id})


def downgrade():
    with op.batch_alter_table('roster_import_result', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_import_result_outcome')
        batch_op.drop_index(batch_op.f('ix_roster_import_result_licence_id'))
    op.drop_table('roster_import_result')
    # The earlier schema cannot say "not reported": it gets back its old default.
    op.execute("UPDATE licence SET board_status = 'active' WHERE board_status IS NULL")
    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.drop_column('review_requested_at')
        batch_op.drop_column('board_status_at')
        batch_op.drop_column('board_status_source')
        batch_op.alter_column('board_status', existing_type=sa.Enum(*STATUSES, name='board_status'),
                              nullable=False)
