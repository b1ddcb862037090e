"""The safety check-in: a day after each attended visit, the patient gets an email asking how
they feel, with a link to the reaction checklist. Run from cron with the reminders."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus
from directory.services.booking.transactions import now_utc
from directory.services.safety import mail as safety_mail
from directory.services.safety.reports import REPORT_WINDOW

CHECKIN_AFTER = timedelta(hours=24)


def send_due(now: datetime | None = None) -> int:
    """Queue the check-in for every visit that ended 24 hours ago or more (within the report
    window), once each, skipping visits marked missed. Commits."""
    now = now_utc(now)
    due = db.session.scalars(
        select(Appointment.id).where(
            Appointment.status.in_((AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED)),
            Appointment.patient_missed_at.is_(None), Appointment.safety_checkin_sent_at.is_(None),
            Appointment.ends_at <= now - CHECKIN_AFTER, Appointment.ends_at > now - REPORT_WINDOW)
        .order_by(Appointment.ends_at, Appointment.id)).all()
    sent = 0
    for appointment_id in due:
        # Claimed row by row, so two cron runs at once send each check-in once.
        claimed = db.session.execute(
            update(Appointment).where(Appointment.id == appointment_id, Appointment.safety_checkin_sent_at.is_(None))
            .values(safety_checkin_sent_at=now)).rowcount
        if claimed:
            safety_mail.safety_checkin(db.session.get(Appointment, appointment_id))
            sent += 1
        db.session.commit()
    return sent
