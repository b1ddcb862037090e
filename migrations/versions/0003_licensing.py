"""Licensing: rosters, audit trail, licence decisions and reminders, suspension

Revision ID: 0003licensing
Revises: 0002accounts
Create Date: 2026-11-25 01:14:43.766789

"""
from alembic import op
import sqlalchemy as sa

from directory.models.audit import POSTGRES_TRIGGERS, SQLITE_TRIGGERS


# revision identifiers, used by Alembic.
revision = '0003licensing'
down_revision = '0002accounts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_event_actor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_event_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_audit_event_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('roster_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction', sa.String(length=6), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user_account.id'], name=op.f('fk_roster_import_imported_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_import'))
    )
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_import_jurisdiction'), ['jurisdiction'], unique=False)

    op.create_table('roster_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction', sa.String(length=6), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('number_normalized', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['roster_import.id'], name=op.f('fk_roster_entry_import_id_roster_import'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_entry')),
    sa.UniqueConstraint('jurisdiction', 'number_normalized', name=op.f('uq_roster_entry_jurisdiction'))
    )
    with op.batch_alter_table('roster_entry', schema=None) as batch_op:
        batch_op.create_index('ix_roster_entry_import', ['import_id'], unique=False)

    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_licence', sa.Boolean(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decision_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reminded_60_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminded_14_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_licence_queue', ['verification_state', 'submitted_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_licence_decided_by_id_user_account'), 'user_account', ['decided_by_id'], ['id'], ondelete='SET NULL')

    # Licences already waiting joined the queue when they were created.
    op.execute("UPDATE licence SET submitted_at = created_at")
    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.alter_column('submitted_at', existing_type=sa.DateTime(timezone=True), nullable=False)

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(statement)

    with op.batch_alter_table('practitioner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspension_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('practitioner', schema=None) as batch_op:
        batch_op.drop_column('suspension_reason')
        batch_op.drop_column('suspended_at')

    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_licence_decided_by_id_user_account'), type_='foreignkey')
        batch_op.drop_index('ix_licence_queue')
        batch_op.drop_column('reminded_14_at')
        batch_op.drop_column('reminded_60_at')
        batch_op.drop_column('decision_reason')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('is_licence')

    with op.batch_alter_table('roster_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_entry_import')

    op.drop_table('roster_entry')
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_import_jurisdiction'))

    op.drop_table('roster_import')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_subject')
        batch_op.drop_index('ix_audit_event_created_at')
        batch_op.drop_index(batch_op.f('ix_audit_event_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
