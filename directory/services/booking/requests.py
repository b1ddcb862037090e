"""Appointment requests and what happens to them: request, confirm, decline, cancel
(rescheduling: reschedule; a move waiting beside a confirmed visit: replacement;
expiry and reminders: jobs); and who may read an intake.

No double booking: every change runs in booking_transactions.write_transaction (BEGIN
IMMEDIATE on SQLite, the exclusion constraint and a practitioner row lock on PostgreSQL) and
re-checks overlap there before inserting; state changes are compare-and-swaps on the status.
Each change writes an audit event (facts only: never intake, messages or reasons) and emails
both sides (booking_mail).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from directory.extensions import db
from directory.models import (ACTIVE_STATUSES, Appointment, AppointmentKind, AppointmentStatus, Clinic,
                              ListingState, Practitioner, Role, User)
from directory.models._types import as_utc
from directory.services import audit
from directory.services.booking import mail as booking_mail
from directory.services.booking import replacement as booking_replacement
from directory.services.booking import scheduling
from directory.services.booking.transactions import now_utc as _now
from directory.services.booking.jobs import expire_stale
from directory.services.booking.queries import follow_up_allowed, patient_deadline
from directory.services.booking.transactions import swap, write_transaction
from directory.services.booking.intake import validate_intake

FRESH_SLOT_DAYS = 14
# The longest cancellation reason and decline message: forms, API and service share them.
CANCEL_REASON_MAX = 1000
DECLINE_MESSAGE_MAX = 2000
# A start further than this from now is nobody's slot, and date arithmetic near the years 1 and
# 9999 overflows: such a time is refused before anything computes with it.
MAX_START_DISTANCE = timedelta(days=3660)
EXCLUSION_VIOLATION = "23P01"


class SlotTaken(Exception):
    def __init__(self, fresh_slots: list) -> None:
        self.message = "This slot was just taken. Please choose another time."
        super().__init__(self.message)
        self.fresh_slots = fresh_slots


class InvalidSlot(ValueError):
    def __init__(self, message: str = "That time is not one of this practitioner's free slots.") -> None:
        super().__init__(message)
        self.message = message


class BookingError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class KindRefused(BookingError):
    """This patient may not request this kind of visit with this practitioner."""


class _Taken(Exception):
    """Raised inside the write transaction so that it rolls back before fresh slots are computed."""


def valid_start(value: datetime, now: datetime | None = None) -> datetime:
    """``value`` in UTC; InvalidSlot unless it is a time with its UTC offset within
    MAX_START_DISTANCE of now."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidSlot("Give the start time with its UTC offset.")
    try:
        start = value.astimezone(timezone.utc)
    except OverflowError:
        raise InvalidSlot() from None
    if abs(start - _now(now)) > MAX_START_DISTANCE:
        raise InvalidSlot()
    return start


def _conflicts(practitioner: Practitioner, start: datetime, end: datetime, ignore_id: int | None) -> bool:
    """An active appointment within the buffer of [start, end): the re-check under the lock."""
    buffer = timedelta(minutes=practitioner.buffer_minutes or 0)
    query = select(Appointment.id).where(
        Appointment.practitioner_id == practitioner.id, Appointment.status.in_(ACTIVE_STATUSES),
        Appointment.starts_at < end + buffer, Appointment.ends_at > start - buffer)
    if ignore_id is not None:
        query = query.where(Appointment.id != ignore_id)
    return db.session.scalar(query.limit(1)) is not None


def _check_slot(practitioner: Practitioner, clinic_id: int, start: datetime, end: datetime,
                kind: AppointmentKind, now: datetime, ignore_id: int | None = None) -> None:
    if _conflicts(practitioner, start, end, ignore_id):
        raise _Taken()
    if not scheduling.is_free(practitioner, clinic_id, start, kind, now=now, ignore_appointment_id=ignore_id):
        raise InvalidSlot()


def _fresh_slots(practitioner: Practitioner, clinic: Clinic, kind: AppointmentKind, start: datetime,
                 now: datetime) -> list:
    zone = ZoneInfo(clinic.timezone)
    first = max(start.astimezone(zone).date(), now.astimezone(zone).date())
    return scheduling.free_slots(practitioner, start=first, days=FRESH_SLOT_DAYS, kind=kind,
                                 clinic_id=clinic.id, now=now)


def _is_overlap(error: IntegrityError) -> bool:
    return getattr(error.orig, "sqlstate", None) == EXCLUSION_VIOLATION


def _hold_until(practitioner: Practitioner, start: datetime, now: datetime,
                replaces: Appointment | None = None) -> datetime:
    hold = min(now + timedelta(hours=current_app.config["HOLD_HOURS"]),
               start - timedelta(hours=practitioner.min_notice_hours or 0))
    # A move is answered before the visit it would replace begins, or the patient keeps that visit.
    return hold if replaces is None else min(hold, as_utc(replaces.starts_at))


def _facts(appointment: Appointment) -> dict:
    return {"status": appointment.status, "starts_at": as_utc(appointment.starts_at),
            "ends_at": as_utc(appointment.ends_at), "kind": appointment.kind,
            "clinic_id": appointment.clinic_id, "practitioner_id": appointment.practitioner_id}


def _kind(kind) -> AppointmentKind:
    try:
        return AppointmentKind(kind)
    except ValueError:
        raise InvalidSlot("Choose an initial or a follow-up visit.") from None


def _clinic(practitioner: Practitioner, clinic_id: int) -> Clinic:
    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None or clinic.practitioner_id != practitioner.id or clinic.archived_at is not None:
        raise InvalidSlot("That clinic is not one of this practitioner's.")
    return clinic


def _new_appointment(*, practitioner: Practitioner, clinic: Clinic, patient: User, start: datetime,
                     kind: AppointmentKind, intake: dict, now: datetime,
                     rescheduled_from_id: int | None = None, replaces: Appointment | None = None,
                     course_id: int | None = None, course_session: int | None = None) -> Appointment:
    end = scheduling.slot_end(practitioner, start, kind)
    appointment = Appointment(
        practitioner=practitioner, clinic=clinic, patient=patient, starts_at=start, ends_at=end, kind=kind,
        status=AppointmentStatus.REQUESTED, intake=intake,
        hold_expires_at=_hold_until(practitioner, start, now, replaces),
        rescheduled_from_id=rescheduled_from_id, replaces_id=replaces.id if replaces is not None else None,
        course_id=course_id, course_session=course_session,
        created_at=now, updated_at=now)
    db.session.add(appointment)
    db.session.flush()
    audit.record("appointment.requested", "appointment", appointment.id, actor=patient,
                 after={**_facts(appointment), "rescheduled_from_id": rescheduled_from_id,
                        "replaces_id": appointment.replaces_id})
    return appointment


def _check_kind(patient: User, practitioner: Practitioner, kind: AppointmentKind) -> None:
    """The rule of kinds_allowed, asking the database only about follow-ups."""
    name = practitioner.display_name
    if kind is AppointmentKind.INITIAL and not practitioner.accepting_new_patients:
        raise KindRefused(f"{name} is not accepting new patients at the moment.")
    if kind is AppointmentKind.FOLLOW_UP and not follow_up_allowed(patient, practitioner):
        raise KindRefused(f"A follow-up visit is for patients {name} has already seen. "
                          "Request a first visit instead.")


def request_appointment(*, patient: User, practitioner: Practitioner, clinic_id: int, start: datetime,
                        kind: AppointmentKind, intake: dict, now: datetime | None = None,
                        on_booked: Callable[[Appointment], None] | None = None) -> Appointment:
    """Raises PermissionError (not a patient account), RedFlag / IntakeError (intake.py), InvalidSlot,
    KindRefused (a first visit while not accepting new patients; a follow-up for someone not
    seen before), BookingError (not bookable) or SlotTaken. Commits. ``on_booked`` runs inside
    the booking's transaction, so that what it writes is committed with the appointment or not
    at all (the API stores its Idempotency-Key answer there: a crash after the commit must not
    leave the key claimed with no answer while the appointment exists)."""
    if patient.role != Role.PATIENT:
        raise PermissionError("Only patient accounts can request appointments.")
    clean = validate_intake(intake)
    now = _now(now)
    start, kind = valid_start(start, now), _kind(kind)
    if practitioner.listing_state != ListingState.LISTED:
        raise BookingError(f"{practitioner.display_name} is not taking appointments through Meridian at the moment.")
    _check_kind(patient, practitioner, kind)
    clinic = _clinic(practitioner, clinic_id)
    try:
        with write_transaction(practitioner.id):
            expire_stale(now, practitioner_id=practitioner.id)
            _check_slot(practitioner, clinic.id, start, scheduling.slot_end(practitioner, start, kind), kind, now)
            appointment = _new_appointment(practitioner=practitioner, clinic=clinic, patient=patient,
                                           start=start, kind=kind, intake=clean, now=now)
            booking_mail.requested(appointment)
            if on_booked is not None:
                on_booked(appointment)
    except _Taken:
        raise SlotTaken(_fresh_slots(practitioner, clinic, kind, start, now)) from None
    except IntegrityError as error:
        if not _is_overlap(error):
            raise
        raise SlotTaken(_fresh_slots(practitioner, clinic, kind, start, now)) from None
    return appointment


def _swap(appointment: Appointment, from_statuses, values: dict, *conditions) -> bool:
    changed = swap(appointment.id, from_statuses, values, *conditions)
    db.session.expire(appointment)  # the UPDATE bypassed the session: reload on next access
    return changed


def _status(appointment: Appointment) -> str:
    return appointment.status.value.replace("_", " ")


def _not_waiting(appointment: Appointment) -> str:
    if appointment.status == AppointmentStatus.REQUESTED:
        return "The hold on this request has expired, so it can no longer be confirmed or declined."
    return f"This request is no longer waiting for an answer: it is {_status(appointment)}."


def _require_practitioner(appointment: Appointment, user: User) -> None:
    if appointment.practitioner.user_id != user.id:
        raise PermissionError("Only the appointment's practitioner can do this.")


def confirm(appointment: Appointment, *, practitioner_user: User, now: datetime | None = None) -> None:
    now = _now(now)
    _require_practitioner(appointment, practitioner_user)
    with write_transaction(appointment.practitioner_id):
        if not _swap(appointment, [AppointmentStatus.REQUESTED],
                     {"status": AppointmentStatus.CONFIRMED, "confirmed_at": now, "updated_at": now},
                     or_(Appointment.hold_expires_at.is_(None), Appointment.hold_expires_at > now)):
            raise BookingError(_not_waiting(appointment))
        audit.record("appointment.confirmed", "appointment", appointment.id, actor=practitioner_user,
                     before={"status": AppointmentStatus.REQUESTED}, after=_facts(appointment))
        if appointment.replaces_id is None:
            booking_mail.confirmed(appointment)
            return
        # A move: the visit it replaces is released in this same transaction, or nothing happens.
        try:
            booking_replacement.release_replaced(appointment, actor=practitioner_user, now=now)
        except booking_replacement.OriginalGone as gone:
            raise BookingError(gone.message) from None


def _message(text: str | None, what: str, max_length: int) -> str | None:
    text = (text or "").strip()
    if len(text) > max_length:
        raise BookingError(f"Keep the {what} to {max_length} characters or fewer.")
    return text or None


def decline(appointment: Appointment, *, practitioner_user: User, message: str, now: datetime | None = None) -> None:
    now = _now(now)
    _require_practitioner(appointment, practitioner_user)
    message = _message(message, "message", DECLINE_MESSAGE_MAX)
    with write_transaction(appointment.practitioner_id):
        # Answering is bound to the hold, as confirming is: a lapsed request shows as expired.
        if not _swap(appointment, [AppointmentStatus.REQUESTED],
                     {"status": AppointmentStatus.DECLINED, "decline_message": message, "updated_at": now},
                     or_(Appointment.hold_expires_at.is_(None), Appointment.hold_expires_at > now)):
            raise BookingError(_not_waiting(appointment))
        audit.record("appointment.declined", "appointment", appointment.id, actor=practitioner_user,
                     before={"status": AppointmentStatus.REQUESTED}, after={"status": AppointmentStatus.DECLINED})
        booking_mail.declined(appointment)


def _check_patient_change(appointment: Appointment, now: datetime, verb: str) -> None:
    deadline = patient_deadline(appointment)
    if deadline is None:
        raise BookingError(f"This appointment is {_status(appointment)}: there is nothing to {verb}.")
    if now >= deadline:
        hours = current_app.config["CANCEL_CUTOFF_HOURS"]
        phone = f" on {appointment.clinic.phone}" if appointment.clinic.phone else ""
        raise BookingError(f"It is too late to {verb} online: that closes {hours} hours before a confirmed "
                           f"appointment. Please call the clinic{phone}.")


def cancel(appointment: Appointment, *, by: User, reason: str = "", now: datetime | None = None) -> None:
    """The patient until the cut-off (an unanswered request until it starts); the practitioner
    until it starts. Anyone else: PermissionError."""
    now = _now(now)
    by_patient = by.id == appointment.patient_id
    if not by_patient and by.id != appointment.practitioner.user_id:
        raise PermissionError("Only the patient or the practitioner can cancel this appointment.")
    reason = _message(reason, "reason", CANCEL_REASON_MAX)
    with write_transaction(appointment.practitioner_id):
        if by_patient:
            _check_patient_change(appointment, now, "cancel")
        elif appointment.status not in ACTIVE_STATUSES or now >= as_utc(appointment.starts_at):
            raise BookingError("Only a requested or confirmed appointment that has not started can be cancelled.")
        before = appointment.status
        if not _swap(appointment, ACTIVE_STATUSES, {"status": AppointmentStatus.CANCELLED, "cancel_reason": reason,
                                                    "cancelled_by_id": by.id, "updated_at": now}):
            raise BookingError(f"This appointment is already {_status(appointment)}.")
        audit.record("appointment.cancelled", "appointment", appointment.id, actor=by,
                     before={"status": before}, after={"status": AppointmentStatus.CANCELLED})
        # A move waiting to replace this visit has nothing left to replace.
        withdrawn = booking_replacement.withdraw_waiting(appointment, by=by, now=now)
        booking_mail.cancelled(appointment, by_patient=by_patient, withdrawn=withdrawn)
