"""JSON representations of slots and appointments. No intake, ever: these bodies are
stored for Idempotency-Key replays and travel through logs and caches of API clients.

Times a person acts on (a slot, an appointment) carry the clinic's own UTC offset, so that
"09:00-08:00" reads as the wall-clock time at the clinic; the IANA zone is given beside
them. Deadlines (hold expiry, token expiry) are UTC with a "Z"."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import url_for

from directory.api.serializers import iso_datetime
from directory.models import ACTIVE_STATUSES, Appointment, AppointmentStatus, Clinic, User
from directory.services import booking


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def local_iso(value: datetime, zone: str) -> str:
    return _utc(value).astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def slot(value, clinic: Clinic) -> dict:
    return {"start": local_iso(value.start, clinic.timezone), "end": local_iso(value.end, clinic.timezone),
            "clinic_id": value.clinic_id, "kind": value.kind.value, "timezone": clinic.timezone}


def _is_practitioner_of(appointment: Appointment, user: User) -> bool:
    return appointment.practitioner.user_id == user.id


def _may_cancel(appointment: Appointment, user: User, now: datetime) -> bool:
    if appointment.status not in ACTIVE_STATUSES:
        return False
    if _is_practitioner_of(appointment, user):
        return now < _utc(appointment.starts_at)
    deadline = booking.patient_deadline(appointment)
    return deadline is not None and now < deadline


def _action(name: str, appointment: Appointment) -> str:
    return url_for(f"api.appointment_{name}", appointment_id=str(appointment.id), _external=True)


def appointment(appt: Appointment, viewer: User, now: datetime) -> dict:
    """``links`` name what ``viewer`` may do now; null when that action is not open to them."""
    zone = appt.clinic.timezone
    answerable = appt.status is AppointmentStatus.REQUESTED and _is_practitioner_of(appt, viewer)
    return {
        "id": appt.id,
        "status": appt.status.value,
        "start": local_iso(appt.starts_at, zone),
        "end": local_iso(appt.ends_at, zone),
        "timezone": zone,
        "kind": appt.kind.value,
        "clinic_id": appt.clinic_id,
        "practitioner_id": appt.practitioner_id,
        "hold_expires_at": iso_datetime(appt.hold_expires_at)
        if appt.status is AppointmentStatus.REQUESTED else None,
        "decline_message": appt.decline_message if appt.status is AppointmentStatus.DECLINED else None,
        "links": {
            "self": url_for("api.appointment", appointment_id=str(appt.id), _external=True),
            "practitioner": url_for("api.practitioner", practitioner_id=str(appt.practitioner_id),
                                    _external=True),
            "cancel": _action("cancel", appt) if _may_cancel(appt, viewer, now) else None,
            "confirm": _action("confirm", appt) if answerable else None,
            "decline": _action("decline", appt) if answerable else None,
        },
    }
