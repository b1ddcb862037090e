"""Telling patient and practitioner about each change to an appointment, through the outbox.

Emails travel in the clear, so they carry who, when and where, never intake answers and
never the free text of a decline message or cancellation reason (either could hold health
details): they say a message is waiting and link to the app. Times are in the clinic's
zone, with the zone named. Each email carries the appointment's current .ics
(calendar_files.ics_attachment): a tentative event while requested, confirmed once
confirmed, METHOD:CANCEL once it has ended, so an imported event follows every change.
"""
from __future__ import annotations

from directory.models import Appointment, AppointmentStatus, User
from directory.services.booking.calendar_files import (KIND_LABELS, clinic_location, clock, first_name, ics_attachment,
                                               local, short_day)
from directory.services.booking.calendar_files import when as local_when
from directory.services.links import external_url
from directory.services.mail.outbox import queue_email

PATIENT_PAGE = "booking.appointments"
PRACTITIONER_PAGE = "practice.appointments"


def when(appointment: Appointment) -> str:
    """"Tuesday 10 March 2026, 9:00 AM PDT to 10:00 AM PDT (America/Los_Angeles)"."""
    zone = appointment.clinic.timezone
    return f"{local_when(appointment.starts_at, zone)} to {clock(appointment.ends_at, zone)} ({zone})"


def short_time(appointment: Appointment) -> str:
    """"10 Mar, 9:00 AM PDT", for subjects."""
    zone = appointment.clinic.timezone
    return f"{short_day(local(appointment.starts_at, zone).date())}, {clock(appointment.starts_at, zone)}"


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
        # Jobs run without a request: only PUBLIC_BASE_URL can make a link there.
        "link": external_url(PATIENT_PAGE if to_patient else PRACTITIONER_PAGE),
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
    zone = appointment.clinic.timezone
    return f"{local_when(appointment.hold_expires_at, zone)} ({zone})"


def confirmed(appointment: Appointment) -> None:
    _send(appointment, to_patient=True, template="appointment_confirmed",
          subject=f"Confirmed: acupuncture with {appointment.practitioner.display_name}, "
                  f"{short_time(appointment)}")
    _send(appointment, to_patient=False, template="appointment_confirmed",
          subject=f"You confirmed {first_name(appointment.patient.name)}, {short_time(appointment)}")


def _kept_when(request: Appointment) -> str | None:
    """For a move that did not happen: when the confirmed visit the patient keeps is."""
    original = request.replaces
    return when(original) if original is not None and original.status is AppointmentStatus.CONFIRMED else None


def declined(appointment: Appointment) -> None:
    has_message, kept_when = bool(appointment.decline_message), _kept_when(appointment)
    _send(appointment, to_patient=True, template="appointment_declined", has_message=has_message,
          times_link=external_url("practitioners.profile", practitioner_id=appointment.practitioner_id,
                                  kind=appointment.kind.value),
          kept_when=kept_when,
          subject=(f"{appointment.practitioner.display_name} cannot move you to {short_time(appointment)}: "
                   "your confirmed visit stands" if kept_when else
                   f"{appointment.practitioner.display_name} cannot see you at {short_time(appointment)}"))
    _send(appointment, to_patient=False, template="appointment_declined", has_message=has_message,
          kept_when=kept_when,
          subject=f"You declined {first_name(appointment.patient.name)}'s request for {short_time(appointment)}")


def cancelled(appointment: Appointment, *, by_patient: bool, withdrawn: Appointment | None = None) -> None:
    """``withdrawn``: the move that was waiting to replace this visit, cancelled with it."""
    has_reason, kept_when = bool(appointment.cancel_reason), _kept_when(appointment)
    extra = {"kept_when": kept_when, "withdrawn_when": when(withdrawn) if withdrawn is not None else None}
    whom = {True: f"acupuncture with {appointment.practitioner.display_name}",
            False: first_name(appointment.patient.name)}
    for to_patient in (True, False):
        _send(appointment, to_patient=to_patient, template="appointment_cancelled",
              by_patient=by_patient, has_reason=has_reason, **extra,
              subject=f"Cancelled: {whom[to_patient]}, {short_time(appointment)}")


def expired(appointment: Appointment) -> None:
    kept_when = _kept_when(appointment)
    _send(appointment, to_patient=True, template="appointment_expired", kept_when=kept_when,
          subject=(f"Your request to move to {short_time(appointment)} expired: your confirmed visit stands"
                   if kept_when else f"Your request to {appointment.practitioner.display_name} expired"))
    _send(appointment, to_patient=False, template="appointment_expired", kept_when=kept_when,
          subject=f"Request for {short_time(appointment)} expired without an answer")


def rescheduled(old: Appointment, new: Appointment, kept: Appointment | None = None) -> None:
    """An unconfirmed request moved; ``kept``: the confirmed visit it would replace, still booked."""
    for to_patient in (True, False):
        _send(new, to_patient=to_patient, template="appointment_rescheduled", old_when=when(old),
              kept_when=when(kept) if kept is not None else None, hold_until=_hold_text(new),
              extra_attachments=(ics_attachment(old, for_practitioner=not to_patient),),
              subject=(f"You asked to move your appointment to {short_time(new)}" if to_patient else
                       f"{first_name(new.patient.name)} asks to move to {short_time(new)}"))


def move_requested(original: Appointment, new: Appointment) -> None:
    """The patient asked to move a confirmed visit: it stands until the new time is confirmed."""
    for to_patient in (True, False):
        _send(new, to_patient=to_patient, template="appointment_move_requested", kept_when=when(original),
              hold_until=_hold_text(new),
              subject=(f"Your visit on {short_time(original)} stands until the move to {short_time(new)} "
                       "is confirmed" if to_patient else
                       f"{first_name(new.patient.name)} asks to move {short_time(original)} to {short_time(new)}"))


def moved(original: Appointment, new: Appointment) -> None:
    """The practitioner confirmed the new time; the original visit was released with it."""
    for to_patient in (True, False):
        _send(new, to_patient=to_patient, template="appointment_moved", old_when=when(original),
              extra_attachments=(ics_attachment(original, for_practitioner=not to_patient),),
              subject=(f"Moved and confirmed: acupuncture with {new.practitioner.display_name}, "
                       f"{short_time(new)}" if to_patient else
                       f"You confirmed {first_name(new.patient.name)}'s move to {short_time(new)}"))


def reminder(appointment: Appointment) -> None:
    # A course session invites its check-in (the answers stay in Meridian, never in the email).
    checkin = (external_url("courses.check_in", appointment_id=appointment.id)
               if appointment.course_id is not None else None)
    _send(appointment, to_patient=True, template="appointment_reminder", checkin_link=checkin,
          session=appointment.course_session,
          subject=f"Reminder: acupuncture with {appointment.practitioner.display_name}, "
                  f"{short_time(appointment)}")
