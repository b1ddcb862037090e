"""Booking: availability, time off, appointments, API tokens, idempotent requests

Revision ID: 0004booking
Revises: 0003licensing
Create Date: 2026-11-25 01:41:05.066383

"""
from alembic import op
import sqlalchemy as sa

from directory.models.booking import POSTGRES_NO_OVERLAP


# revision identifiers, used by Alembic.
revision = '0004booking'
down_revision = '0003licensing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('idempotent_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_idempotent_request_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_request')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotent_request_user_id'))
    )
    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('initial', 'follow_up', name='appointment_kind'), nullable=False),
    sa.Column('status', sa.Enum('requested', 'confirmed', 'declined', 'cancelled', 'expired', 'completed', 'no_show', name='appointment_status'), nullable=False),
    sa.Column('intake', sa.Text(), nullable=False),  # EncryptedJSON: Fernet tokens
    sa.Column('hold_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_message', sa.Text(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('rescheduled_from_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_appointment_range')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['user_account.id'], name=op.f('fk_appointment_cancelled_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_appointment_clinic_id_clinic'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'], name=op.f('fk_appointment_patient_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_appointment_practitioner_id_practitioner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rescheduled_from_id'], ['appointment.id'], name=op.f('fk_appointment_rescheduled_from_id_appointment'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index('ix_appointment_patient_starts', ['patient_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_appointment_practitioner_starts', ['practitioner_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_appointment_status_hold', ['status', 'hold_expires_at'], unique=False)

    op.create_table('availability_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.CheckConstraint('start_time < end_time', name=op.f('ck_availability_rule_range')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_availability_rule_weekday')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_availability_rule_clinic_id_clinic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_rule'))
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_NO_OVERLAP:  # btree_gist + the exclusion constraint
            op.execute(statement)

    with op.batch_alter_table('availability_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_availability_rule_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('time_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_time_off_range')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_time_off_clinic_id_clinic'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_time_off_practitioner_id_practitioner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_off'))
    )
    with op.batch_alter_table('time_off', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_time_off_practitioner_id'), ['practitioner_id'], unique=False)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=True))

    with op.batch_alter_table('practitioner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('initial_minutes', sa.Integer(), server_default='60', nullable=False))
        batch_op.add_column(sa.Column('follow_up_minutes', sa.Integer(), server_default='45', nullable=False))
        batch_op.add_column(sa.Column('buffer_minutes', sa.Integer(), server_default='15', nullable=False))
        batch_op.add_column(sa.Column('min_notice_hours', sa.Integer(), server_default='24', nullable=False))
        batch_op.add_column(sa.Column('horizon_days', sa.Integer(), server_default='60', nullable=False))
        batch_op.add_column(sa.Column('calendar_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_practitioner_calendar_token_hash'), ['calendar_token_hash'])



def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('attachments')

    with op.batch_alter_table('practitioner', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_practitioner_calendar_token_hash'), type_='unique')
        batch_op.drop_column('calendar_token_hash')
        batch_op.drop_column('horizon_days')
        batch_op.drop_column('min_notice_hours')
        batch_op.drop_column('buffer_minutes')
        batch_op.drop_column('follow_up_minutes')
        batch_op.drop_column('initial_minutes')

    with op.batch_alter_table('time_off', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_time_off_practitioner_id'))

    op.drop_table('time_off')
    with op.batch_alter_table('availability_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_availability_rule_clinic_id'))

    op.drop_table('availability_rule')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_status_hold')
        batch_op.drop_index('ix_appointment_practitioner_starts')
        batch_op.drop_index('ix_appointment_patient_starts')
        batch_op.drop_index(batch_op.f('ix_appointment_clinic_id'))

    op.drop_table('appointment')
    if op.get_bind().dialect.name == "postgresql":
        # Enum types outlive their table on PostgreSQL.
        op.execute("DROP TYPE IF EXISTS appointment_kind")
        op.execute("DROP TYPE IF EXISTS appointment_status")
    op.drop_table('idempotent_request')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
