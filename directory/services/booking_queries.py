"""Reading appointments: lists for the patient and the practitioner, and the intake, which only
the patient and the appointment's practitioner may read (admins included: no)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import defer, selectinload

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus, Practitioner, User
from directory.services import audit
from directory.services.booking_transactions import now_utc as _now


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


def _listing(*conditions, order) -> list[Appointment]:
    # The intake stays encrypted in lists: it is decrypted only by read_intake.
    return list(db.session.scalars(
        select(Appointment).where(*conditions).order_by(*order)
        .options(defer(Appointment.intake), selectinload(Appointment.practitioner),
                 selectinload(Appointment.clinic), selectinload(Appointment.patient))))


def appointments_for_patient(patient: User) -> list[Appointment]:
    """Every appointment and request of the patient, latest start first."""
    return _listing(Appointment.patient_id == patient.id, order=(Appointment.starts_at.desc(), Appointment.id.desc()))


def inbox(practitioner: Practitioner, now: datetime | None = None) -> list[Appointment]:
    """Requests still waiting for an answer (hold not expired), oldest request first."""
    now = _now(now)
    return _listing(Appointment.practitioner_id == practitioner.id,
                    Appointment.status == AppointmentStatus.REQUESTED,
                    or_(Appointment.hold_expires_at.is_(None), Appointment.hold_expires_at > now),
                    order=(Appointment.created_at, Appointment.id))


def upcoming(practitioner: Practitioner, now: datetime | None = None) -> list[Appointment]:
    """Confirmed appointments that have not ended, soonest first."""
    now = _now(now)
    return _listing(Appointment.practitioner_id == practitioner.id,
                    Appointment.status == AppointmentStatus.CONFIRMED, Appointment.ends_at > now,
                    order=(Appointment.starts_at, Appointment.id))
