"""Whether a visit happened: the practitioner marks attended or no-show; a confirmed visit
nobody marked counts as attended 48 hours after its end, unless the patient said they did
not come. Only attended visits lead to safety check-ins, reaction reports and reviews."""
from __future__ import annotations

from datetime import datetime, timedelta

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus, User
from directory.models._types import as_utc
from directory.services import audit
from directory.services.booking.transactions import now_utc

ASSUMED_AFTER = timedelta(hours=48)


class AttendanceError(ValueError):
    pass


def has_ended(appointment: Appointment, now: datetime | None = None) -> bool:
    return as_utc(appointment.ends_at) <= now_utc(now)


def outcome(appointment: Appointment, now: datetime | None = None) -> AppointmentStatus | None:
    """COMPLETED, NO_SHOW, or None while it is not (yet) known."""
    if appointment.status in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
        return appointment.status
    if (appointment.status is AppointmentStatus.CONFIRMED and appointment.patient_missed_at is None
            and as_utc(appointment.ends_at) + ASSUMED_AFTER <= now_utc(now)):
        return AppointmentStatus.COMPLETED
    return None


def was_attended(appointment: Appointment, now: datetime | None = None) -> bool:
    return outcome(appointment, now) is AppointmentStatus.COMPLETED


def may_follow_up(appointment: Appointment, now: datetime | None = None) -> bool:
    """A past visit that was, or may yet count as, attended: a confirmed one that has ended
    and that nobody marked missed, or one marked attended. (A reaction can start before the
    48 hours are up.)"""
    if appointment.status is AppointmentStatus.COMPLETED:
        return True
    return (appointment.status is AppointmentStatus.CONFIRMED and appointment.patient_missed_at is None
            and has_ended(appointment, now))


def may_mark(appointment: Appointment, now: datetime | None = None) -> bool:
    return (appointment.status in (AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)
            and as_utc(appointment.starts_at) <= now_utc(now))


def may_say_missed(appointment: Appointment, now: datetime | None = None) -> bool:
    return (appointment.status is AppointmentStatus.CONFIRMED and appointment.attendance_marked_at is None
            and has_ended(appointment, now) and outcome(appointment, now) is None)


def mark(appointment: Appointment, *, attended: bool, by: User, now: datetime | None = None) -> None:
    """The practitioner's answer, once the visit has started; they may correct it. Commits."""
    now = now_utc(now)
    if by.id != appointment.practitioner.user_id:
        raise PermissionError("Only the appointment's practitioner can mark attendance.")
    if appointment.status not in (AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED,
                                  AppointmentStatus.NO_SHOW):
        raise AttendanceError("Only a confirmed visit can be marked attended or missed.")
    if as_utc(appointment.starts_at) > now:
        raise AttendanceError("A visit can be marked attended or missed once it has started.")
    before = appointment.status
    appointment.status = AppointmentStatus.COMPLETED if attended else AppointmentStatus.NO_SHOW
    appointment.attendance_marked_at = now
    audit.record("appointment.attendance", "appointment", appointment.id, actor=by,
                 before={"status": before}, after={"status": appointment.status})
    db.session.commit()


def patient_missed(appointment: Appointment, *, by: User, now: datetime | None = None) -> None:
    """The patient says they did not come, before the practitioner marked it. Commits."""
    now = now_utc(now)
    if by.id != appointment.patient_id:
        raise PermissionError("Only the appointment's patient can say they missed it.")
    if appointment.attendance_marked_at is not None or appointment.status is not AppointmentStatus.CONFIRMED:
        raise AttendanceError("Your practitioner has already recorded this visit.")
    if not has_ended(appointment, now):
        raise AttendanceError("This visit has not happened yet: cancel it instead.")
    appointment.patient_missed_at = now
    appointment.status = AppointmentStatus.NO_SHOW
    audit.record("appointment.patient_missed", "appointment", appointment.id, actor=by,
                 before={"status": AppointmentStatus.CONFIRMED}, after={"status": AppointmentStatus.NO_SHOW})
    db.session.commit()
