"""Availability, time off, appointments, API tokens and idempotent API requests."""
from __future__ import annotations

import enum
from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (JSON, DDL, CheckConstraint, DateTime, ForeignKey, Index, Integer, SmallInteger,
                        String, Text, Time, UniqueConstraint, event)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.extensions import db
from directory.models._types import NEVER_REUSE_IDS, enum_column, utcnow
from directory.models.encrypted import EncryptedJSON

if TYPE_CHECKING:
    from directory.models.practitioner import Clinic, Practitioner
    from directory.models.user import User



class AvailabilityRule(db.Model):
    """One range of weekly hours at a clinic, in the clinic's local time."""
    __tablename__ = "availability_rule"
    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
                      CheckConstraint("start_time < end_time", name="range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # Monday = 0, as datetime.weekday()
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)

    clinic: Mapped[Clinic] = relationship()


class TimeOff(db.Model):
    """An absence, as a UTC interval; clinic_id None means every clinic of the practitioner."""
    __tablename__ = "time_off"
    __table_args__ = (CheckConstraint("starts_at < ends_at", name="range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id", ondelete="CASCADE"), index=True)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinic.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(200), default="")


class AppointmentKind(str, enum.Enum):
    INITIAL = "initial"
    FOLLOW_UP = "follow_up"


class AppointmentStatus(str, enum.Enum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


ACTIVE_STATUSES = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED)


class Appointment(db.Model):
    __tablename__ = "appointment"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="range"),
        Index("ix_appointment_practitioner_starts", "practitioner_id", "starts_at"),
        Index("ix_appointment_patient_starts", "patient_id", "starts_at"),
        Index("ix_appointment_status_hold", "status", "hold_expires_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id", ondelete="CASCADE"))
    # RESTRICT: a clinic with appointment history is archived, never deleted with its visits.
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id", ondelete="RESTRICT"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[AppointmentKind] = mapped_column(enum_column(AppointmentKind, "appointment_kind"))
    status: Mapped[AppointmentStatus] = mapped_column(
        enum_column(AppointmentStatus, "appointment_status"), default=AppointmentStatus.REQUESTED)
    # Health data: encrypted with the INTAKE_KEYS (authenticated, rotatable); never logged.
    # Deferred: lists, emails and the calendar feed never load (or decrypt) it.
    intake: Mapped[dict] = mapped_column(EncryptedJSON, deferred=True)
    hold_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The practitioner's message when declining; the reason given when cancelling.
    decline_message: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    rescheduled_from_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id", ondelete="SET NULL"))
    # A request to move the confirmed appointment ``replaces_id`` to this time: the confirmed one
    # stands (both slots held) until this is confirmed, when it is released in the same transaction.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id", ondelete="SET NULL"), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Attendance: the practitioner marks attended (completed) or no-show; unmarked 48 hours
    # after the end it counts as attended unless the patient said they did not come.
    attendance_marked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    patient_missed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    safety_checkin_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A session of a treatment course (numbered 1..N); None for an ordinary visit.
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("course.id", ondelete="SET NULL", use_alter=True), index=True)
    course_session: Mapped[int | None] = mapped_column(SmallInteger)
    # When the one nudge for a missed course check-in went out.
    checkin_nudged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    practitioner: Mapped[Practitioner] = relationship()
    clinic: Mapped[Clinic] = relationship()
    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    replaces: Mapped[Appointment | None] = relationship(remote_side=[id], foreign_keys=[replaces_id])


# No double booking, enforced by PostgreSQL itself: two active appointments of one
# practitioner cannot overlap. (SQLite has no exclusion constraints: the booking service
# takes the write lock first with BEGIN IMMEDIATE and re-checks.) Migration 0004 creates the same.
POSTGRES_NO_OVERLAP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE appointment ADD CONSTRAINT appointment_no_overlap EXCLUDE USING gist "
    "(practitioner_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
    "WHERE (status IN ('requested', 'confirmed'))",
]
for _statement in POSTGRES_NO_OVERLAP:
    event.listen(Appointment.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))


class ApiToken(db.Model):
    """A bearer token for the booking API; only its SHA-256 is stored."""
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class IdempotentRequest(db.Model):
    """The first answer to an API request sent with an Idempotency-Key, replayed for repeats."""
    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    # Of method, path and body: the same key with a different request is an error, not a replay.
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
