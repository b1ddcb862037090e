"""Treatment courses: a plan of several sessions grown from a first visit, the patient's
check-ins before each session, and the practitioner's decisions at the review.

Goals, advice, check-in answers and decisions are health data: each lives in one
EncryptedJSON column (the intake's keys), deferred so lists never decrypt it. Only the
course's patient and practitioner read them, through services.courses.access, which audits.
Sessions are ordinary appointments whose ``course_id`` points here (see models.booking).
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.extensions import db
from directory.models._types import enum_column, utcnow
from directory.models.encrypted import EncryptedJSON

if TYPE_CHECKING:
    from directory.models.booking import Appointment
    from directory.models.practitioner import Clinic, Practitioner
    from directory.models.user import User


class CourseStatus(str, enum.Enum):
    PROPOSED = "proposed"
    BOOKED = "booked"
    UNDER_REVIEW = "under_review"
    STOPPED = "stopped"
    COMPLETED = "completed"


class ReviewDecision(str, enum.Enum):
    CONTINUE = "continue"
    CHANGE = "change"
    REFER = "refer"
    STOP = "stop"
    EXTEND = "extend"


class Course(db.Model):
    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("sessions BETWEEN 2 AND 40", name="sessions"),
        CheckConstraint("weeks BETWEEN 1 AND 26", name="weeks"),
        CheckConstraint("review_after BETWEEN 1 AND sessions", name="review_after"),
        Index("ix_course_patient", "patient_id", "created_at"),
        Index("ix_course_practitioner", "practitioner_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id", ondelete="CASCADE"))
    # The first visit the plan grew from; not one of the sessions.
    origin_appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), index=True)
    sessions: Mapped[int] = mapped_column(SmallInteger)
    weeks: Mapped[int] = mapped_column(SmallInteger)
    review_after: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[CourseStatus] = mapped_column(enum_column(CourseStatus, "course_status"),
                                                 default=CourseStatus.PROPOSED)
    # {"goals": [str, ...], "advice": str}
    plan: Mapped[dict] = mapped_column(EncryptedJSON, deferred=True)
    booked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_notice_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    practitioner: Mapped[Practitioner] = relationship()
    patient: Mapped[User] = relationship()
    clinic: Mapped[Clinic] = relationship()
    origin: Mapped[Appointment] = relationship(foreign_keys=[origin_appointment_id])


class CheckIn(db.Model):
    """One answer per course session; answering again replaces it."""
    __tablename__ = "check_in"
    __table_args__ = (UniqueConstraint("course_id", "session"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    session: Mapped[int] = mapped_column(SmallInteger)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), index=True)
    # {"pain": 0..10, "function": [{"activity": str, "score": 0..10}], "global_change": -3..3 | None}
    answers: Mapped[dict] = mapped_column(EncryptedJSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CourseDecision(db.Model):
    """What the practitioner decided at the review (or when extending), with their reason."""
    __tablename__ = "course_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # {"decision": ReviewDecision value, "reason": str, "meaningful": bool, "added_sessions": int}
    record: Mapped[dict] = mapped_column(EncryptedJSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
