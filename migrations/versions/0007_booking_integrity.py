"""Booking integrity: a move of a confirmed visit is a request linked to it (replaces_id);
clinics with history are archived (archived_at) and an appointment's clinic cannot be deleted
under it (ON DELETE RESTRICT); SQLite never reuses the id of any table the audit log points at.

Revision ID: 0007bookingintegrity
Revises: 0005searchgeneration
"""
from alembic import op
import sqlalchemy as sa

revision = '0007bookingintegrity'
down_revision = '0005searchgeneration'
branch_labels = None
depends_on = None

# Every table whose ids the audit log names (subject or actor). SQLite only: PostgreSQL
# sequences never hand out an id twice. The table is rebuilt (batch "recreate") with
# AUTOINCREMENT; env.py turns foreign keys off for the run, so the rebuild deletes nothing.
AUDITED_TABLES = ("user_account", "practitioner", "clinic", "licence", "roster_import", "appointment",
                  "audit_event")
# Rebuilding audit_event drops its triggers with the old table: the same as 0003 creates.
SQLITE_AUDIT_TRIGGERS = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
]


def _rebuild(table: str, autoincrement: bool):
    sqlite = op.get_bind().dialect.name == "sqlite"
    return op.batch_alter_table(table, recreate="always" if sqlite else "auto",
                                table_kwargs={"sqlite_autoincrement": autoincrement})


def _rebuild_the_others(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in AUDITED_TABLES:
        if table not in ("clinic", "appointment"):
            with _rebuild(table, autoincrement):
                pass
    for statement in SQLITE_AUDIT_TRIGGERS:
        op.execute(statement)


def upgrade():
    with _rebuild("clinic", True) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
    with _rebuild("appointment", True) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_appointment_replaces_id'), ['replaces_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_appointment_replaces_id_appointment'), 'appointment',
                                    ['replaces_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint('fk_appointment_clinic_id_clinic', type_='foreignkey')
        batch_op.create_foreign_key('fk_appointment_clinic_id_clinic', 'clinic', ['clinic_id'], ['id'],
                                    ondelete='RESTRICT')
    _rebuild_the_others(True)


def downgrade():
    with _rebuild("appointment", False) as batch_op:
        batch_op.drop_constraint('fk_appointment_clinic_id_clinic', type_='foreignkey')
        batch_op.create_foreign_key('fk_appointment_clinic_id_clinic', 'clinic', ['clinic_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.drop_constraint(batch_op.f('fk_appointment_replaces_id_appointment'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_appointment_replaces_id'))
        batch_op.drop_column('replaces_id')
    with _rebuild("clinic", False) as batch_op:
        batch_op.drop_column('archived_at')
    _rebuild_the_others(False)
