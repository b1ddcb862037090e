"""Reading appointments: lists for the patient and the practitioner, one appointment for its
patient or its practitioner, its status as shown and what may still be done with it, which
kinds of visit a patient may book, and the intake, which only the patient and the
appointment's practitioner may read (admins included: no)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.models import ACTIVE_STATUSES, Appointment, AppointmentKind, AppointmentStatus, Practitioner, User
from directory.models._types import as_utc
from directory.services import audit
from directory.services.booking import attendance
from directory.services.booking.transactions import now_utc as _now
from directory.services.search.profiles import MAX_ID

_ID = re.compile(r"[0-9]{1,12}")


def parse_id(text: str | None) -> int | None:
    """An id from a URL or a form: ASCII digits only, so "1e3", " 7", "²" or "٣" name nothing
    instead of being coerced (or making int() raise)."""
    if not text or not _ID.fullmatch(text) or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)


def read_intake(appointment: Appointment, *, reader: User) -> dict:
    """The intake, for its patient or the appointment's practitioner only (not admins). Every
    read, and every refused attempt, writes an audit event; commits."""
    if reader.id not in (appointment.patient_id, appointment.practitioner.user_id):
        audit.record("intake.read_denied", "appointment", appointment.id, actor=reader)
        db.session.commit()
        raise PermissionError("Only the patient and their practitioner can read this intake.")
    intake = appointment.intake
    audit.record("intake.read", "appointment", appointment.id, actor=reader)
    db.session.commit()
    return intake


def patient_deadline(appointment: Appointment) -> datetime | None:
    """Until when the patient may cancel or move it online: the cut-off before a confirmed
    appointment; an unanswered request can be withdrawn or moved until it starts."""
    start = as_utc(appointment.starts_at)
    if appointment.status == AppointmentStatus.REQUESTED:
        return start
    if appointment.status == AppointmentStatus.CONFIRMED:
        return start - timedelta(hours=current_app.config["CANCEL_CUTOFF_HOURS"])
    return None


def shown_status(appointment: Appointment, now: datetime | None = None) -> AppointmentStatus:
    """A request whose hold has lapsed is expired, even before the expiry job has run; a
    confirmed visit nobody marked is completed 48 hours after its end (attendance.outcome)."""
    if (appointment.status is AppointmentStatus.REQUESTED and appointment.hold_expires_at is not None
            and as_utc(appointment.hold_expires_at) <= _now(now)):
        return AppointmentStatus.EXPIRED
    return attendance.outcome(appointment, now) or appointment.status


def patient_may_change(appointment: Appointment, now: datetime | None = None) -> bool:
    """Whether the patient may still cancel or move it online (see patient_deadline)."""
    now = _now(now)
    deadline = patient_deadline(appointment)
    return (deadline is not None and now < deadline
            and shown_status(appointment, now) is not AppointmentStatus.EXPIRED)


def practitioner_may_cancel(appointment: Appointment, now: datetime | None = None) -> bool:
    now = _now(now)
    return shown_status(appointment, now) in ACTIVE_STATUSES and now < as_utc(appointment.starts_at)


def _get(appointment_id: int | None) -> Appointment | None:
    if appointment_id is None or not 0 < appointment_id <= MAX_ID:
        return None
    return db.session.get(Appointment, appointment_id)


def patients_appointment(appointment_id: int | None, patient: User) -> Appointment | None:
    """The patient's own appointment; None for anyone else's, so ids reveal nothing."""
    found = _get(appointment_id)
    return found if found is not None and found.patient_id == patient.id else None


def practitioners_appointment(appointment_id: int | None, practitioner_user: User) -> Appointment | None:
    """An appointment with the practitioner whose account is ``practitioner_user``; else None."""
    found = _get(appointment_id)
    return found if found is not None and found.practitioner.user_id == practitioner_user.id else None


def follow_up_allowed(patient: User, practitioner: Practitioner) -> bool:
    """A follow-up is for someone this practitioner has already seen or agreed to see."""
    if not patient.is_authenticated:
        return False
    return bool(db.session.scalar(select(exists().where(
        Appointment.patient_id == patient.id, Appointment.practitioner_id == practitioner.id,
        Appointment.status.in_((AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED))))))


def kinds_allowed(patient: User, practitioner: Practitioner) -> list[AppointmentKind]:
    """First visits while the practitioner accepts new patients; follow-ups for returning ones."""
    kinds = [AppointmentKind.INITIAL] if practitioner.accepting_new_patients else []
    if follow_up_allowed(patient, practitioner):
        kinds.append(AppointmentKind.FOLLOW_UP)
    return kinds


def _listing(*conditions, order, load=()) -> list[Appointment]:
    # The intake is a deferred column: lists never decrypt it (read_intake does).
    return list(db.session.scalars(
        select(Appointment).where(*conditions).order_by(*order)
        .options(selectinload(Appointment.clinic), *(selectinload(relation) for relation in load))))


def _shown_as(status: AppointmentStatus | None, now: datetime | None) -> tuple:
    """Appointments whose booking.shown_status is ``status``: a request whose hold has lapsed
    counts as expired even before the expiry job has run."""
    if status is None:
        return ()
    now = _now(now)
    lapsed = and_(Appointment.status == AppointmentStatus.REQUESTED, Appointment.hold_expires_at <= now)
    if status is AppointmentStatus.REQUESTED:
        return (Appointment.status == status,
                or_(Appointment.hold_expires_at.is_(None), Appointment.hold_expires_at > now))
    if status is AppointmentStatus.EXPIRED:
        return (or_(Appointment.status == status, lapsed),)
    return (Appointment.status == status,)


def appointments_for_patient(patient: User, status: AppointmentStatus | None = None,
                             now: datetime | None = None) -> list[Appointment]:
    """Every appointment and request of the patient (or those shown as ``status``), soonest first."""
    return _listing(Appointment.patient_id == patient.id, *_shown_as(status, now),
                    order=(Appointment.starts_at, Appointment.id), load=(Appointment.practitioner,))


def appointments_for_practitioner(practitioner_user: User, status: AppointmentStatus | None = None,
                                  now: datetime | None = None) -> list[Appointment]:
    """Every appointment with the practitioner whose account this is (or those shown as
    ``status``), soonest first."""
    return _listing(Appointment.practitioner.has(Practitioner.user_id == practitioner_user.id),
                    *_shown_as(status, now), order=(Appointment.starts_at, Appointment.id),
                    load=(Appointment.practitioner,))


def inbox(practitioner: Practitioner, now: datetime | None = None) -> list[Appointment]:
    """Requests still waiting for an answer (hold not expired), oldest request first."""
    now = _now(now)
    return _listing(Appointment.practitioner_id == practitioner.id,
                    Appointment.status == AppointmentStatus.REQUESTED,
                    or_(Appointment.hold_expires_at.is_(None), Appointment.hold_expires_at > now),
                    order=(Appointment.created_at, Appointment.id), load=(Appointment.patient,))


def upcoming(practitioner: Practitioner, now: datetime | None = None) -> list[Appointment]:
    """Confirmed appointments that have not ended, soonest first."""
    now = _now(now)
    return _listing(Appointment.practitioner_id == practitioner.id,
                    Appointment.status == AppointmentStatus.CONFIRMED, Appointment.ends_at > now,
                    order=(Appointment.starts_at, Appointment.id), load=(Appointment.patient,))


def count_waiting(practitioner_user: User, now: datetime | None = None) -> int:
    """How many requests wait for this practitioner's answer (the inbox's length), in one
    query: it runs on every page a practitioner opens, for the count in the navigation."""
    return db.session.scalar(
        select(func.count(Appointment.id)).join(Practitioner, Appointment.practitioner_id == Practitioner.id)
        .where(Practitioner.user_id == practitioner_user.id, *_shown_as(AppointmentStatus.REQUESTED, now))) or 0


@dataclass(frozen=True)
class Agenda:
    waiting: list[Appointment]   # requests to answer, the one that lapses first first
    today: list[Appointment]     # visits on the clinic's local today, earliest first
    week: list[Appointment]      # confirmed visits on the six local days after that


AGENDA_DAYS = 7
_TODAY_STATUSES = (AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)


def agenda(practitioner: Practitioner, now: datetime | None = None) -> Agenda:
    """What the practitioner's overview shows. Days are each clinic's own: a visit belongs to
    "today" when it starts on today's date in its clinic's zone."""
    now = _now(now)
    never = datetime.max.replace(tzinfo=timezone.utc)
    waiting = sorted(inbox(practitioner, now),
                     key=lambda a: (as_utc(a.hold_expires_at) if a.hold_expires_at else never, a.id))
    # A day either side covers every zone's local days; the exact cut is made per clinic below.
    near = _listing(Appointment.practitioner_id == practitioner.id, Appointment.status.in_(_TODAY_STATUSES),
                    Appointment.starts_at >= now - timedelta(days=1),
                    Appointment.starts_at < now + timedelta(days=AGENDA_DAYS + 1),
                    order=(Appointment.starts_at, Appointment.id), load=(Appointment.patient,))
    today, week = [], []
    for appointment in near:
        zone = ZoneInfo(appointment.clinic.timezone)
        offset = (as_utc(appointment.starts_at).astimezone(zone).date() - now.astimezone(zone).date()).days
        if offset == 0:
            today.append(appointment)
        elif 0 < offset < AGENDA_DAYS and appointment.status is AppointmentStatus.CONFIRMED:
            week.append(appointment)
    return Agenda(waiting=waiting, today=today, week=week)
