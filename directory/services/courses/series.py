"""Booking a course: every chosen time claimed in one transaction, all or none.

The same guarantee as a single booking (booking_transactions.write_transaction: BEGIN
IMMEDIATE on SQLite, the practitioner row lock and the exclusion constraint on PostgreSQL):
each session is re-checked under the lock after the ones before it were inserted, so two
sessions of one course cannot overlap either. Any taken or invalid time rolls the whole
transaction back and names the sessions at fault. Sessions are confirmed appointments (the
practitioner proposed them), follow-up visits, numbered 1..N, carrying the first visit's intake.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from directory.extensions import db
from directory.models import (ACTIVE_STATUSES, Appointment, AppointmentKind, AppointmentStatus, Course,
                              CourseStatus, User)
from directory.models._types import as_utc
from directory.services import audit
from directory.services.booking import scheduling
from directory.services.booking.requests import EXCLUSION_VIOLATION, InvalidSlot, _conflicts, valid_start
from directory.services.booking.jobs import expire_stale
from directory.services.booking.transactions import now_utc, write_transaction
from directory.services.courses import mail

KIND = AppointmentKind.FOLLOW_UP
BOOKABLE = (CourseStatus.PROPOSED, CourseStatus.BOOKED, CourseStatus.UNDER_REVIEW)


class SeriesError(Exception):
    """``sessions`` maps each session at fault to a message; ``code`` is slot_taken or invalid_slot."""

    def __init__(self, code: str, sessions: dict[int, str], message: str) -> None:
        super().__init__(message)
        self.code, self.sessions, self.message = code, sessions, message


class CourseStateError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def booked_sessions(course: Course) -> dict[int, Appointment]:
    """The live appointment of each session (a cancelled session is not booked), by number."""
    found = db.session.scalars(select(Appointment).where(
        Appointment.course_id == course.id,
        Appointment.status.in_((*ACTIVE_STATUSES, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)))
        .order_by(Appointment.course_session, Appointment.starts_at))
    booked: dict[int, Appointment] = {}
    for appointment in found:
        # A new time waiting to replace a confirmed session does not stand in for it until
        # the practitioner confirms the move (which cancels the original).
        waiting = appointment.replaces_id is not None and appointment.status is AppointmentStatus.REQUESTED
        if appointment.course_session not in booked or not waiting:
            booked[appointment.course_session] = appointment
    return booked


def sessions_of(course: Course) -> list[Appointment]:
    """Every appointment of the course, live or cancelled, by session then time."""
    return list(db.session.scalars(select(Appointment).where(Appointment.course_id == course.id)
                                   .order_by(Appointment.course_session, Appointment.starts_at, Appointment.id)))


def first_unbooked(course: Course) -> int | None:
    """The first session number never booked (a course books its sessions in one go, or the
    extra ones after an extension); None when every session has been booked once."""
    numbers = {a.course_session for a in sessions_of(course)}
    missing = [n for n in range(1, course.sessions + 1) if n not in numbers]
    return missing[0] if missing else None


def _parse(starts: Sequence, first: int, count: int, now: datetime) -> list[datetime]:
    if len(starts) != count:
        raise SeriesError("invalid_slot", {}, f"Choose one time for each of the {count} sessions "
                                              f"({len(starts)} given).")
    parsed, problems = [], {}
    for i, value in enumerate(starts):
        session = first + i
        try:
            parsed.append(valid_start(value, now))
        except InvalidSlot as error:
            problems[session] = error.message
            parsed.append(None)
    for i in range(1, len(parsed)):
        if parsed[i] is not None and parsed[i - 1] is not None and parsed[i] <= parsed[i - 1]:
            problems.setdefault(first + i, "Each session must come after the one before it.")
    if problems:
        raise SeriesError("invalid_slot", problems, _summary(problems, "cannot be booked at the time given"))
    return parsed


def _summary(problems: dict[int, str], what: str) -> str:
    names = ", ".join(str(n) for n in sorted(problems))
    return f"Session{'s' if len(problems) > 1 else ''} {names} {what}. Nothing was booked."


def book(course: Course, *, patient: User, starts: Sequence[datetime], now: datetime | None = None,
         on_booked: Callable[[list[Appointment]], None] | None = None) -> list[Appointment]:
    """Book every not-yet-booked session at ``starts`` (in session order). PermissionError for
    anyone but the course's patient; CourseStateError when nothing is bookable; SeriesError
    (nothing booked) when a time is invalid or taken. ``on_booked`` runs inside the transaction."""
    if patient.id != course.patient_id:
        raise PermissionError("Only the course's patient can book it.")
    now = now_utc(now)
    if course.status not in BOOKABLE:
        raise CourseStateError(f"This course is {course.status.value.replace('_', ' ')}: nothing can be booked.")
    first = first_unbooked(course)
    if first is None:
        raise CourseStateError("Every session of this course is booked already.")
    parsed = _parse(list(starts), first, course.sessions - first + 1, now)
    practitioner, origin = course.practitioner, course.origin
    intake = origin.intake
    try:
        with write_transaction(practitioner.id):
            expire_stale(now, practitioner_id=practitioner.id)
            created, taken, invalid = [], {}, {}
            for i, start in enumerate(parsed):
                session = first + i
                end = scheduling.slot_end(practitioner, start, KIND)
                if _conflicts(practitioner, start, end, None):
                    taken[session] = "This time was just taken."
                    continue
                if not scheduling.is_free(practitioner, course.clinic_id, start, KIND, now=now):
                    invalid[session] = "This time is not one of the practitioner's free slots."
                    continue
                appointment = Appointment(
                    practitioner_id=practitioner.id, clinic_id=course.clinic_id, patient_id=patient.id,
                    starts_at=start, ends_at=end, kind=KIND, status=AppointmentStatus.CONFIRMED, intake=intake,
                    confirmed_at=now, course_id=course.id, course_session=session, created_at=now, updated_at=now)
                db.session.add(appointment)
                db.session.flush()
                created.append(appointment)
            if invalid:
                raise SeriesError("invalid_slot", invalid, _summary(invalid, "cannot be booked at the time given"))
            if taken:
                raise SeriesError("slot_taken", taken, _summary(taken, "were just taken by someone else"
                                                                if len(taken) > 1 else "was just taken by someone else"))
            before = course.status
            if course.status is CourseStatus.PROPOSED:
                course.status, course.booked_at = CourseStatus.BOOKED, now
            course.updated_at = now
            for appointment in created:
                audit.record("appointment.confirmed", "appointment", appointment.id, actor=patient,
                             after={"status": AppointmentStatus.CONFIRMED, "course_id": course.id,
                                    "course_session": appointment.course_session,
                                    "starts_at": as_utc(appointment.starts_at)})
            audit.record("course.booked", "course", course.id, actor=patient, before={"status": before},
                         after={"status": course.status, "sessions": [a.id for a in created]})
            mail.booked(course, created)
            if on_booked is not None:
                on_booked(created)
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) != EXCLUSION_VIOLATION:
            raise
        raise SeriesError("slot_taken", {}, "One of these times was just taken by someone else. "
                                            "Nothing was booked.") from None
    return created
