"""The cron side of booking: expiring holds nobody answered, and reminders a day ahead.

Both are idempotent: each row moves with a compare-and-swap, so a second run, or two runs at
once, change and email nothing twice.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus, Practitioner
from directory.services import audit
from directory.services.booking import mail as booking_mail
from directory.services.booking.transactions import now_utc, swap, write_transaction

REMINDER_HOURS = 24


def _load(appointment_ids: Iterable[int]) -> list[Appointment]:
    """The swapped rows, reloaded (the UPDATEs bypassed the session) with everything their
    emails need, in a few queries for the whole batch; in the order of ``appointment_ids``."""
    position = {appointment_id: i for i, appointment_id in enumerate(appointment_ids)}
    if not position:
        return []
    found = db.session.scalars(
        select(Appointment).where(Appointment.id.in_(list(position)))
        .options(selectinload(Appointment.practitioner).selectinload(Practitioner.user),
                 selectinload(Appointment.clinic), selectinload(Appointment.patient))
        .execution_options(populate_existing=True))
    return sorted(found, key=lambda appointment: position[appointment.id])


def expire_stale(now: datetime, practitioner_id: int | None = None) -> int:
    """Expire requests whose hold has passed, inside the caller's write transaction."""
    query = select(Appointment.id).where(Appointment.status == AppointmentStatus.REQUESTED,
                                         Appointment.hold_expires_at <= now)
    if practitioner_id is not None:
        query = query.where(Appointment.practitioner_id == practitioner_id)
    expired = [appointment_id for appointment_id in db.session.scalars(query.order_by(Appointment.id)).all()
               if swap(appointment_id, [AppointmentStatus.REQUESTED],
                       {"status": AppointmentStatus.EXPIRED, "updated_at": now},
                       Appointment.hold_expires_at <= now)]
    for appointment in _load(expired):
        audit.record("appointment.expired", "appointment", appointment.id,
                     before={"status": AppointmentStatus.REQUESTED}, after={"status": AppointmentStatus.EXPIRED})
        booking_mail.expired(appointment)
    return len(expired)


def expire_holds(*, now: datetime | None = None) -> int:
    """Expire every request whose hold has passed, freeing its slot; returns how many. Commits."""
    now = now_utc(now)
    with write_transaction():
        return expire_stale(now)


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind patients of confirmed appointments starting within REMINDER_HOURS, once each. Commits."""
    now = now_utc(now)
    with write_transaction():
        due = db.session.scalars(
            select(Appointment.id).where(Appointment.status == AppointmentStatus.CONFIRMED,
                                         Appointment.reminded_at.is_(None), Appointment.starts_at > now,
                                         Appointment.starts_at <= now + timedelta(hours=REMINDER_HOURS))
            .order_by(Appointment.starts_at, Appointment.id)).all()
        reminded = [appointment_id for appointment_id in due
                    if swap(appointment_id, [AppointmentStatus.CONFIRMED], {"reminded_at": now},
                            Appointment.reminded_at.is_(None))]
        appointments = _load(reminded)
        for appointment in appointments:
            booking_mail.reminder(appointment)
    return len(appointments)
