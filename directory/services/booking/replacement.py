"""A move of a confirmed visit, while it waits: the new time is a request linked to the confirmed
appointment it would replace (``replaces_id``), and both slots are held meanwhile.

The confirmed visit stands until the practitioner confirms the new time; then it is released
(cancelled, saying why) in the same transaction as the confirmation. If the new time is declined,
lapses or is withdrawn, nothing else changes: the patient keeps the visit they had. A patient has
at most one move waiting per visit: asking again replaces the waiting one.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus, User
from directory.models._types import as_utc
from directory.services import audit
from directory.services.booking import mail as booking_mail
from directory.services.booking.transactions import now_utc, swap

MOVED_REASON = "Moved to another time, confirmed by the practitioner."
SUPERSEDED_REASON = "Replaced by a newer request to move the same visit."
WITHDRAWN_REASON = "The visit it would have replaced was cancelled."


class OriginalGone(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def waiting_replacement(original: Appointment, now: datetime | None = None) -> Appointment | None:
    """The request still waiting to replace this confirmed appointment, if any."""
    if original.id is None or original.status is not AppointmentStatus.CONFIRMED:
        return None
    return db.session.scalars(
        select(Appointment).where(Appointment.replaces_id == original.id,
                                  Appointment.status == AppointmentStatus.REQUESTED,
                                  or_(Appointment.hold_expires_at.is_(None),
                                      Appointment.hold_expires_at > now_utc(now)))
        .order_by(Appointment.id.desc()).limit(1)).first()


def kept_original(request: Appointment) -> Appointment | None:
    """For a move that was declined, lapsed or withdrawn: the confirmed visit the patient keeps."""
    original = request.replaces
    return original if original is not None and original.status is AppointmentStatus.CONFIRMED else None


def _waiting_ids(original: Appointment, now: datetime) -> list[int]:
    # A lapsed request is left for the expiry job: it expired, nobody cancelled it.
    return list(db.session.scalars(select(Appointment.id).where(
        Appointment.replaces_id == original.id, Appointment.status == AppointmentStatus.REQUESTED,
        or_(Appointment.hold_expires_at.is_(None), Appointment.hold_expires_at > now))))


def _cancel(request_id: int, reason: str, by: User | None, now: datetime) -> bool:
    return swap(request_id, [AppointmentStatus.REQUESTED],
                {"status": AppointmentStatus.CANCELLED, "cancel_reason": reason,
                 "cancelled_by_id": by.id if by is not None else None, "updated_at": now})


def supersede_waiting(original: Appointment, *, patient: User, now: datetime) -> list[int]:
    """Inside the move's write transaction: cancel the moves already waiting for ``original``,
    freeing their slots before the new one is checked. Their emails are the new move's."""
    superseded = [request_id for request_id in _waiting_ids(original, now)
                  if _cancel(request_id, SUPERSEDED_REASON, patient, now)]
    for request_id in superseded:
        audit.record("appointment.cancelled", "appointment", request_id, actor=patient,
                     before={"status": AppointmentStatus.REQUESTED},
                     after={"status": AppointmentStatus.CANCELLED, "superseded": True})
    return superseded


def withdraw_waiting(original: Appointment, *, by: User, now: datetime) -> Appointment | None:
    """Inside a cancellation's write transaction: a move waiting to replace the cancelled visit
    goes with it. Returns the withdrawn request (its time is named in the cancellation emails)."""
    withdrawn = None
    for request_id in _waiting_ids(original, now):
        if _cancel(request_id, WITHDRAWN_REASON, by, now):
            audit.record("appointment.cancelled", "appointment", request_id, actor=by,
                         before={"status": AppointmentStatus.REQUESTED},
                         after={"status": AppointmentStatus.CANCELLED, "original_cancelled": original.id})
            withdrawn = db.session.get(Appointment, request_id, populate_existing=True)
    return withdrawn


def release_replaced(request: Appointment, *, actor: User, now: datetime) -> Appointment:
    """Inside the confirmation's write transaction, once ``request`` is confirmed: release the
    visit it replaces. Raises OriginalGone (the caller rolls the confirmation back) when that
    visit is no longer confirmed or has begun."""
    original = db.session.get(Appointment, request.replaces_id, populate_existing=True)
    if original is None or now >= as_utc(original.starts_at) or not swap(
            original.id, [AppointmentStatus.CONFIRMED],
            {"status": AppointmentStatus.CANCELLED, "cancel_reason": MOVED_REASON,
             "cancelled_by_id": request.patient_id, "updated_at": now}):
        raise OriginalGone("The visit this request would replace is no longer booked, so the move "
                           "cannot be confirmed. Decline it, or ask the patient to book a new time.")
    swap(request.id, [AppointmentStatus.CONFIRMED], {"rescheduled_from_id": original.id})
    db.session.expire(original)
    db.session.expire(request)
    audit.record("appointment.rescheduled", "appointment", original.id, actor=actor,
                 before={"status": AppointmentStatus.CONFIRMED},
                 after={"status": AppointmentStatus.CANCELLED, "rescheduled_to_id": request.id})
    booking_mail.moved(original, request)
    return original
