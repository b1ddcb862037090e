"""Safety and reviews: attendance on appointments, reaction reports, reviews and their reports

Revision ID: 0012safetyreviews
Revises: 0011courses
Create Date: 2026-12-07 10:19:06.000195

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012safetyreviews'
down_revision = '0011courses'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reaction_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('none', 'self_care', 'contact_practitioner', 'urgent', name='triage_level'), nullable=False),
    sa.Column('moderate_or_severe', sa.Boolean(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledgement', sa.Text(), nullable=True),
    sa.Column('admin_closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('admin_closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['user_account.id'], name=op.f('fk_reaction_report_acknowledged_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['admin_closed_by_id'], ['user_account.id'], name=op.f('fk_reaction_report_admin_closed_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_reaction_report_appointment_id_appointment'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'], name=op.f('fk_reaction_report_patient_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_reaction_report_practitioner_id_practitioner'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reaction_report')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('reaction_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reaction_report_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_index('ix_reaction_report_open_urgent', ['level', 'admin_closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reaction_report_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('ix_reaction_report_practitioner_created', ['practitioner_id', 'created_at'], unique=False)

    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('visit_month', sa.Date(), nullable=False),
    sa.Column('measured_change', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_review_rating')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_review_appointment_id_appointment'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'], name=op.f('fk_review_patient_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_review_practitioner_id_practitioner'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review')),
    sa.UniqueConstraint('appointment_id', name=op.f('uq_review_appointment_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('ix_review_practitioner_created', ['practitioner_id', 'created_at'], unique=False)

    op.create_table('review_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_review_flag_reporter_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_flag_review_id_review'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_flag')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('review_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_flag_review_id'), ['review_id'], unique=False)

    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendance_marked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('patient_missed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('safety_checkin_sent_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_column('safety_checkin_sent_at')
        batch_op.drop_column('patient_missed_at')
        batch_op.drop_column('attendance_marked_at')

    with op.batch_alter_table('review_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_flag_review_id'))

    op.drop_table('review_flag')
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index('ix_review_practitioner_created')
        batch_op.drop_index(batch_op.f('ix_review_patient_id'))

    op.drop_table('review')
    with op.batch_alter_table('reaction_report', schema=None) as batch_op:
        batch_op.drop_index('ix_reaction_report_practitioner_created')
        batch_op.drop_index(batch_op.f('ix_reaction_report_patient_id'))
        batch_op.drop_index('ix_reaction_report_open_urgent')
        batch_op.drop_index(batch_op.f('ix_reaction_report_appointment_id'))

    op.drop_table('reaction_report')
    # Enum types outlive their table on PostgreSQL.
    sa.Enum(name='triage_level').drop(op.get_bind(), checkfirst=True)
