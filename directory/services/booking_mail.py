"""Telling patient and practitioner about each change to an appointment, through the outbox.

Emails travel in the clear, so they carry who, when and where, never intake answers and
never the free text of a decline message or cancellation reason (either could hold health
details): they say a message is waiting and link to the app. Times are in the clinic's
zone, with the zone named. Each email carries the appointment's current .ics
(calendar_files.ics_attachment): a tentative event while requested, confirmed once
confirmed, METHOD:CANCEL once it has ended, so an imported event follows every change.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, url_for
from werkzeug.routing import BuildError

from directory.models import Appointment, User
from directory.services.calendar_files import KIND_LABELS, clinic_location, first_name, ics_attachment
from directory.services.mail import queue_email
from directory.services.mail_transport import as_utc

PATIENT_PAGE = "booking.appointments"
PRACTITIONER_PAGE = "practice.appointments"


def _clock(moment: datetime) -> str:
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def local_times(starts_at: datetime, ends_at: datetime, zone_name: str) -> str:
    """"Tuesday, March 10, 2026, 9:00 AM to 10:00 AM PDT (America/Los_Angeles)"."""
    zone = ZoneInfo(zone_name)
    start, end = as_utc(starts_at).astimezone(zone), as_utc(ends_at).astimezone(zone)
    return (f"{start:%A, %B} {start.day}, {start.year}, {_clock(start)} to {_clock(end)} "
            f"{end.tzname()} ({zone_name})")


def short_time(appointment: Appointment) -> str:
    """"Mar 10, 9:00 AM PDT", for subjects."""
    start = as_utc(appointment.starts_at).astimezone(ZoneInfo(appointment.clinic.timezone))
    return f"{start:%b} {start.day}, {_clock(start)} {start.tzname()}"


def when(appointment: Appointment) -> str:
    return local_times(appointment.starts_at, appointment.ends_at, appointment.clinic.timezone)


def _link(endpoint: str) -> str | None:
    # Jobs run without a request: only PUBLIC_BASE_URL can make a link there.
    base = current_app.config.get("PUBLIC_BASE_URL")
    try:
        if base:
            return base.rstrip("/") + current_app.url_map.bind("localhost").build(endpoint)
        if has_request_context():
            return url_for(endpoint, _external=True)
    except BuildError:
        pass
    return None


def _context(appointment: Appointment, *, to_patient: bool) -> dict:
    practitioner = appointment.practitioner
    return {
        "to_patient": to_patient,
        "name": (appointment.patient.name if to_patient else practitioner.display_name) or "there",
        "practitioner_name": practitioner.display_name,
        "patient_first_name": first_name(appointment.patient.name),
        "kind": KIND_LABELS[appointment.kind],
        "when": when(appointment),
        "location": clinic_location(appointment.clinic),
        "phone": appointment.clinic.phone,
        "link": _link(PATIENT_PAGE if to_patient else PRACTITIONER_PAGE),
    }


def _send(appointment: Appointment, *, to_patient: bool, subject: str, template: str,
          extra_attachments: tuple[dict, ...] = (), **context) -> None:
    recipient: User = appointment.patient if to_patient else appointment.practitioner.user
    attachments = [ics_attachment(appointment, for_practitioner=not to_patient), *extra_attachments]
    queue_email(recipient.email, subject, template, attachments=attachments,
                **_context(appointment, to_patient=to_patient), **context)


def requested(appointment: Appointment) -> None:
    name = appointment.practitioner.display_name
    _send(appointment, to_patient=True, template="appointment_requested",
          subject=f"Request sent to {name} for {short_time(appointment)}", hold_until=_hold_text(appointment))
    _send(appointment, to_patient=False, template="appointment_requested",
          subject=f"New appointment request for {short_time(appointment)}",
          hold_until=_hold_text(appointment))


def _hold_text(appointment: Appointment) -> str | None:
    if appointment.hold_expires_at is None:
        return None
    zone = ZoneInfo(appointment.clinic.timezone)
    moment = as_utc(appointment.hold_expires_at).astimezone(zone)
    return f"{moment:%A, %B} {moment.day}, {_clock(moment)} {moment.tzname()} ({appointment.clinic.timezone})"


def confirmed(appointment: Appointment) -> None:
    _send(appointment, to_patient=True, template="appointment_confirmed",
          subject=f"Confirmed: acupuncture with {appointment.practitioner.display_name}, "
                  f"{short_time(appointment)}")
    _send(appointment, to_patient=False, template="appointment_confirmed",
          subject=f"You confirmed {first_name(appointment.patient.name)}, {short_time(appointment)}")


def declined(appointment: Appointment) -> None:
    has_message = bool(appointment.decline_message)
    _send(appointment, to_patient=True, template="appointment_declined", has_message=has_message,
          subject=f"{appointment.practitioner.display_name} cannot see you at {short_time(appointment)}")
    _send(appointment, to_patient=False, template="appointment_declined", has_message=has_message,
          subject=f"You declined {first_name(appointment.patient.name)}'s request for {short_time(appointment)}")


def cancelled(appointment: Appointment, *, by_patient: bool) -> None:
    has_reason = bool(appointment.cancel_reason)
    whom = {True: f"acupuncture with {appointment.practitioner.display_name}",
            False: first_name(appointment.patient.name)}
    for to_patient in (True, False):
        _send(appointment, to_patient=to_patient, template="appointment_cancelled",
              by_patient=by_patient, has_reason=has_reason,
              subject=f"Cancelled: {whom[to_patient]}, {short_time(appointment)}")


def expired(appointment: Appointment) -> None:
    _send(appointment, to_patient=True, template="appointment_expired",
          subject=f"Your request to {appointment.practitioner.display_name} expired")
    _send(appointment, to_patient=False, template="appointment_expired",
          subject=f"Request for {short_time(appointment)} expired without an answer")


def rescheduled(old: Appointment, new: Appointment) -> None:
    for to_patient in (True, False):
        _send(new, to_patient=to_patient, template="appointment_rescheduled", old_when=when(old),
              extra_attachments=(ics_attachment(old, for_practitioner=not to_patient),),
              subject=(f"You asked to move your appointment to {short_time(new)}" if to_patient else
                       f"{first_name(new.patient.name)} asks to move to {short_time(new)}"))


def reminder(appointment: Appointment) -> None:
    _send(appointment, to_patient=True, template="appointment_reminder",
          subject=f"Reminder: acupuncture with {appointment.practitioner.display_name}, "
                  f"{short_time(appointment)}")
