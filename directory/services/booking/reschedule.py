"""Rescheduling by the patient, before the cut-off.

A confirmed visit is never given up for a mere request: the new time becomes a request that
would replace it (replacement.py), and the visit stands until the practitioner confirms the
new time. Both slots are held meanwhile, so they may not overlap each other. An unconfirmed
request is simply moved: the new time is requested and the old request withdrawn, in one
transaction, so a taken slot leaves the old request as it was.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from directory.models import ACTIVE_STATUSES, Appointment, AppointmentStatus, User
from directory.models._types import as_utc
from directory.services import audit
from directory.services.booking import mail as booking_mail
from directory.services.booking import replacement as booking_replacement
from directory.services.booking import scheduling
from directory.services.booking.jobs import expire_stale
# The request service's own building blocks: one family, split only to keep files short.
from directory.services.booking.requests import (BookingError, SlotTaken, _check_patient_change, _check_slot,
                                                 _clinic, _fresh_slots, _is_overlap, _new_appointment, _now,
                                                 _status, _swap, _Taken, valid_start)
from directory.services.booking.transactions import write_transaction


def _overlaps(appointment: Appointment, start: datetime, end: datetime) -> bool:
    buffer = timedelta(minutes=appointment.practitioner.buffer_minutes or 0)
    return start < as_utc(appointment.ends_at) + buffer and end > as_utc(appointment.starts_at) - buffer


def _refuse_overlap_with(kept: Appointment, start: datetime, end: datetime) -> None:
    if _overlaps(kept, start, end):
        raise BookingError("That time overlaps your confirmed visit (or the practitioner's break next to it). "
                           "Your confirmed visit stays booked until the new time is confirmed, so the two "
                           "cannot overlap: choose a time apart from it.")


def ignored_for_choices(appointment: Appointment, now: datetime | None = None) -> int | None:
    """Which appointment's slot counts as free when offering new times: the request being moved,
    or the move already waiting beside a confirmed visit (it would be replaced). Never the
    confirmed visit itself: it stays booked until the new time is confirmed."""
    if appointment.status is AppointmentStatus.CONFIRMED:
        waiting = booking_replacement.waiting_replacement(appointment, now)
        return waiting.id if waiting is not None else None
    return appointment.id


def reschedule(appointment: Appointment, *, patient: User, new_start: datetime, clinic_id: int | None = None,
               now: datetime | None = None) -> Appointment:
    """The new request. Raises PermissionError (not the patient's), InvalidSlot, SlotTaken or
    BookingError (too late, nothing to move, the same time, overlapping the kept visit); then
    nothing has changed. Commits."""
    now = _now(now)
    new_start = valid_start(new_start, now)
    if patient.id != appointment.patient_id:
        raise PermissionError("Only the patient can move this appointment.")
    practitioner = appointment.practitioner
    clinic = _clinic(practitioner, clinic_id or appointment.clinic_id)
    kind = appointment.kind
    try:
        with write_transaction(practitioner.id):
            old = appointment
            _check_patient_change(old, now, "reschedule")
            if as_utc(old.starts_at) == new_start and old.clinic_id == clinic.id:
                raise BookingError("That is the time you already have.")
            expire_stale(now, practitioner_id=practitioner.id)
            end = scheduling.slot_end(practitioner, new_start, kind)
            if old.status is AppointmentStatus.CONFIRMED:
                new = _request_move(old, patient, clinic, new_start, end, now)
            else:
                new = _move_request(old, patient, clinic, new_start, end, now)
    except _Taken:
        raise SlotTaken(_fresh_slots(practitioner, clinic, kind, new_start, now)) from None
    except IntegrityError as error:
        if not _is_overlap(error):
            raise
        raise SlotTaken(_fresh_slots(practitioner, clinic, kind, new_start, now)) from None
    return new


def _request_move(confirmed: Appointment, patient: User, clinic, start: datetime, end: datetime,
                  now: datetime) -> Appointment:
    """A request to replace the confirmed visit, which stays as it is."""
    _refuse_overlap_with(confirmed, start, end)
    superseded = booking_replacement.supersede_waiting(confirmed, patient=patient, now=now)
    _check_slot(confirmed.practitioner, clinic.id, start, end, confirmed.kind, now)
    new = _new_appointment(practitioner=confirmed.practitioner, clinic=clinic, patient=patient, start=start,
                           kind=confirmed.kind, intake=confirmed.intake, now=now, replaces=confirmed,
                           # A course session moved is still that session of the course.
                           course_id=confirmed.course_id, course_session=confirmed.course_session)
    audit.record("appointment.move_requested", "appointment", confirmed.id, actor=patient,
                 after={"replaced_by_id": new.id, "superseded_ids": superseded})
    booking_mail.move_requested(confirmed, new)
    return new


def _move_request(old: Appointment, patient: User, clinic, start: datetime, end: datetime,
                  now: datetime) -> Appointment:
    """An unconfirmed request moved: the old one withdrawn, the new time requested. A request that
    itself would replace a confirmed visit hands that link on."""
    kept = booking_replacement.kept_original(old)
    if kept is not None:
        if as_utc(kept.starts_at) == start and kept.clinic_id == clinic.id:
            raise BookingError("That is your confirmed time: cancel this request to keep it.")
        _refuse_overlap_with(kept, start, end)
    _check_slot(old.practitioner, clinic.id, start, end, old.kind, now, ignore_id=old.id)
    was, intake = old.status, old.intake
    released = {"status": AppointmentStatus.CANCELLED, "cancel_reason": "Moved to another time.",
                "cancelled_by_id": patient.id, "updated_at": now}
    # The new slot is claimed first; only when it overlaps the old one must the old be
    # released first, or the exclusion constraint would refuse the patient's own overlap.
    overlaps_old = start < as_utc(old.ends_at) and end > as_utc(old.starts_at)
    if overlaps_old and not _swap(old, ACTIVE_STATUSES, released):
        raise BookingError(f"This appointment is already {_status(old)}.")
    new = _new_appointment(practitioner=old.practitioner, clinic=clinic, patient=patient, start=start,
                           kind=old.kind, intake=intake, now=now, rescheduled_from_id=old.id, replaces=kept,
                           course_id=old.course_id, course_session=old.course_session)
    if not overlaps_old and not _swap(old, ACTIVE_STATUSES, released):
        raise BookingError(f"This appointment is already {_status(old)}.")
    audit.record("appointment.rescheduled", "appointment", old.id, actor=patient, before={"status": was},
                 after={"status": AppointmentStatus.CANCELLED, "rescheduled_to_id": new.id})
    booking_mail.rescheduled(old, new, kept=kept)
    return new
