"""The cron side of booking: expiring holds nobody answered, and reminders a day ahead.

Both are idempotent: each row moves with a compare-and-swap, so a second run, or two runs at
once, change and email nothing twice.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus
from directory.services import audit, booking_mail
from directory.services.booking_transactions import now_utc, swap, write_transaction

REMINDER_HOURS = 24


def _load(appointment_id: int) -> Appointment:
    return db.session.get(Appointment, appointment_id, populate_existing=True)


def expire_stale(now: datetime, practitioner_id: int | None = None) -> int:
    """Expire requests whose hold has passed, inside the caller's write transaction."""
    query = select(Appointment.id).where(Appointment.status == AppointmentStatus.REQUESTED,
                                         Appointment.hold_expires_at <= now)
    if practitioner_id is not None:
        query = query.where(Appointment.practitioner_id == practitioner_id)
    expired = 0
    for appointment_id in db.session.scalars(query.order_by(Appointment.id)).all():
        if not swap(appointment_id, [AppointmentStatus.REQUESTED],
                    {"status": AppointmentStatus.EXPIRED, "updated_at": now},
                    Appointment.hold_expires_at <= now):
            continue
        appointment = _load(appointment_id)
        audit.record("appointment.expired", "appointment", appointment_id,
                     before={"status": AppointmentStatus.REQUESTED}, after={"status": AppointmentStatus.EXPIRED})
        booking_mail.expired(appointment)
        expired += 1
    return expired


def expire_holds(*, now: datetime | None = None) -> int:
    """Expire every request whose hold has passed, freeing its slot; returns how many. Commits."""
    now = now_utc(now)
    with write_transaction():
        return expire_stale(now)


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind patients of confirmed appointments starting within REMINDER_HOURS, once each. Commits."""
    now = now_utc(now)
    sent = 0
    with write_transaction():
        due = db.session.scalars(
            select(Appointment.id).where(Appointment.status == AppointmentStatus.CONFIRMED,
                                         Appointment.reminded_at.is_(None), Appointment.starts_at > now,
                                         Appointment.starts_at <= now + timedelta(hours=REMINDER_HOURS))
            .order_by(Appointment.starts_at, Appointment.id)).all()
        for appointment_id in due:
            if swap(appointment_id, [AppointmentStatus.CONFIRMED], {"reminded_at": now},
                    Appointment.reminded_at.is_(None)):
                booking_mail.reminder(_load(appointment_id))
                sent += 1
    return sent
