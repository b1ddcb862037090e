"""JSON representations of slots and appointments. No intake, ever: these bodies are
stored for Idempotency-Key replays and travel through logs and caches of API clients.

Times a person acts on (a slot, an appointment) carry the clinic's own UTC offset, so that
"09:00-08:00" reads as the wall-clock time at the clinic; the IANA zone is given beside
them. Deadlines (hold expiry, token expiry) are UTC with a "Z"."""
from __future__ import annotations

from datetime import datetime

from flask import url_for

from directory.api.serializers import iso_datetime
from directory.models import Appointment, AppointmentStatus, Clinic, User
from directory.services.booking import queries as booking_queries
from directory.services.booking import replacement as booking_replacement
from directory.services.booking.calendar_files import local


def local_iso(value: datetime, zone: str) -> str:
    return local(value, zone).isoformat(timespec="seconds")


def slot(value, clinic: Clinic) -> dict:
    return {"start": local_iso(value.start, clinic.timezone), "end": local_iso(value.end, clinic.timezone),
            "clinic_id": value.clinic_id, "kind": value.kind.value, "timezone": clinic.timezone}


def _is_practitioner_of(appointment: Appointment, user: User) -> bool:
    return appointment.practitioner.user_id == user.id


def _may_cancel(appointment: Appointment, user: User, now: datetime) -> bool:
    if _is_practitioner_of(appointment, user):
        return booking_queries.practitioner_may_cancel(appointment, now)
    return booking_queries.patient_may_change(appointment, now)


def _replaced_by(appointment: Appointment, status: AppointmentStatus, now: datetime) -> int | None:
    if status is not AppointmentStatus.CONFIRMED:
        return None
    waiting = booking_replacement.waiting_replacement(appointment, now)
    return waiting.id if waiting is not None else None


def _action(name: str, appointment: Appointment) -> str:
    return url_for(f"api.appointment_{name}", appointment_id=str(appointment.id), _external=True)


def appointment(appt: Appointment, viewer: User, now: datetime) -> dict:
    """``links`` name what ``viewer`` may do now; null when that action is not open to them.
    A request whose hold has lapsed is "expired" here even before the expiry job has run."""
    zone = appt.clinic.timezone
    status = booking_queries.shown_status(appt, now)
    answerable = status is AppointmentStatus.REQUESTED and _is_practitioner_of(appt, viewer)
    return {
        "id": appt.id,
        "status": status.value,
        "start": local_iso(appt.starts_at, zone),
        "end": local_iso(appt.ends_at, zone),
        "timezone": zone,
        "kind": appt.kind.value,
        "clinic_id": appt.clinic_id,
        "practitioner_id": appt.practitioner_id,
        "hold_expires_at": iso_datetime(appt.hold_expires_at)
        if status is AppointmentStatus.REQUESTED else None,
        "decline_message": appt.decline_message if status is AppointmentStatus.DECLINED else None,
        "replaces": appt.replaces_id,
        "replaced_by": _replaced_by(appt, status, now),
        "links": {
            "self": url_for("api.appointment", appointment_id=str(appt.id), _external=True),
            "practitioner": url_for("api.practitioner", practitioner_id=str(appt.practitioner_id),
                                    _external=True),
            "cancel": _action("cancel", appt) if _may_cancel(appt, viewer, now) else None,
            "confirm": _action("confirm", appt) if answerable else None,
            "decline": _action("decline", appt) if answerable else None,
        },
    }
