"""Treatment courses: course, check_in, course_decision; appointments as course sessions

Revision ID: 0011courses
Revises: 0009boardstatus
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011courses'
down_revision = '0009boardstatus'
branch_labels = None
depends_on = None

STATUSES = ('proposed', 'booked', 'under_review', 'stopped', 'completed')


def upgrade():
    op.create_table('course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practitioner_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('origin_appointment_id', sa.Integer(), nullable=False),
    sa.Column('sessions', sa.SmallInteger(), nullable=False),
    sa.Column('weeks', sa.SmallInteger(), nullable=False),
    sa.Column('review_after', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='course_status'), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_notice_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('sessions BETWEEN 2 AND 40', name=op.f('ck_course_sessions')),
    sa.CheckConstraint('weeks BETWEEN 1 AND 26', name=op.f('ck_course_weeks')),
    sa.CheckConstraint('review_after BETWEEN 1 AND sessions', name=op.f('ck_course_review_after')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_course_clinic_id_clinic'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['origin_appointment_id'], ['appointment.id'], name=op.f('fk_course_origin_appointment_id_appointment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['user_account.id'], name=op.f('fk_course_patient_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['practitioner_id'], ['practitioner.id'], name=op.f('fk_course_practitioner_id_practitioner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course'))
    )
    op.create_index('ix_course_patient', 'course', ['patient_id', 'created_at'], unique=False)
    op.create_index('ix_course_practitioner', 'course', ['practitioner_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_course_origin_appointment_id'), 'course', ['origin_appointment_id'], unique=False)
    op.create_table('check_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('session', sa.SmallInteger(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_check_in_appointment_id_appointment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_check_in_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in')),
    sa.UniqueConstraint('course_id', 'session', name=op.f('uq_check_in_course_id'))
    )
    op.create_index(op.f('ix_check_in_appointment_id'), 'check_in', ['appointment_id'], unique=False)
    op.create_table('course_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('record', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_decision_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_course_decision_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_decision'))
    )
    op.create_index(op.f('ix_course_decision_course_id'), 'course_decision', ['course_id'], unique=False)
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('course_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('course_session', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('checkin_nudged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_appointment_course_id'), ['course_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_appointment_course_id_course'), 'course', ['course_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_appointment_course_id_course'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_appointment_course_id'))
        batch_op.drop_column('checkin_nudged_at')
        batch_op.drop_column('course_session')
        batch_op.drop_column('course_id')
    op.drop_index(op.f('ix_course_decision_course_id'), table_name='course_decision')
    op.drop_table('course_decision')
    op.drop_index(op.f('ix_check_in_appointment_id'), table_name='check_in')
    op.drop_table('check_in')
    op.drop_index(op.f('ix_course_origin_appointment_id'), table_name='course')
    op.drop_index('ix_course_practitioner', table_name='course')
    op.drop_index('ix_course_patient', table_name='course')
    op.drop_table('course')
    sa.Enum(name='course_status').drop(op.get_bind(), checkfirst=True)
