"""My appointments: every request and its status, the intake I wrote, cancelling and
rescheduling before the cut-off, and a calendar file for confirmed visits."""
from __future__ import annotations

from datetime import date, datetime

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from directory.booking import bp, display
from directory.booking.forms import CancelForm
from directory.booking.routes import patient_required
from directory.models import Appointment, AppointmentStatus, Clinic
from directory.models._types import as_utc, utcnow
from directory.services.booking import requests as booking
from directory.services.booking import calendar_files
from directory.services.booking import queries as booking_queries
from directory.services.booking import attendance, intake
from directory.services.booking import reschedule as booking_reschedule
from directory.services.reviews import reviews
from directory.services.safety import reports as safety_reports
from directory.services.search import profiles
from directory.services.booking import scheduling
from directory.web import ConfirmForm, form_errors

TOO_LATE = ("It is less than {hours} hours before this appointment, so it can no longer be changed "
            "online. Please call the clinic.")


def _me():
    return current_user._get_current_object()


@bp.get("/appointments")
@patient_required
def appointments():
    now = utcnow()
    mine = booking_queries.appointments_for_patient(_me(), now=now)  # soonest first
    upcoming = [a for a in mine if display.is_upcoming(a, now)]
    others = [a for a in reversed(mine) if not display.is_upcoming(a, now)]
    return render_template("booking/appointments.html", upcoming=upcoming, others=others, now=now,
                           cutoff_hours=current_app.config["CANCEL_CUTOFF_HOURS"])


@bp.get("/appointments/<int:appointment_id>")
@patient_required
def appointment(appointment_id: int):
    found = display.own_appointment(appointment_id, _me())
    answers = booking_queries.read_intake(found, reader=_me())
    return render_template("booking/appointment.html", appointment=found, answers=answers,
                           labels=intake, may_change=booking_queries.patient_may_change(found),
                           may_report=safety_reports.may_report(found, _me()),
                           reaction_reports=safety_reports.for_appointment(found),
                           may_review=reviews.may_review(found, _me()),
                           may_say_missed=attendance.may_say_missed(found),
                           cutoff_hours=current_app.config["CANCEL_CUTOFF_HOURS"])


@bp.route("/appointments/<int:appointment_id>/cancel", methods=["GET", "POST"])
@patient_required
def cancel(appointment_id: int):
    found = display.own_appointment(appointment_id, _me())
    hours = current_app.config["CANCEL_CUTOFF_HOURS"]
    form = CancelForm()
    problem = None
    if not booking_queries.patient_may_change(found):
        problem = _why_unchangeable(found, hours)
    elif form.validate_on_submit():
        try:
            booking.cancel(found, by=_me(), reason=form.reason.data or "")
        except booking.BookingError as exc:
            problem = exc.message
        else:
            flash(f"Your appointment on {calendar_files.when(found.starts_at, found.clinic.timezone)} is cancelled. "
                  f"{found.practitioner.display_name} has been told.", "success")
            return redirect(url_for("booking.appointments"))
    errors = form_errors(form)
    status = 409 if problem and request.method == "POST" else 400 if errors else 200
    return render_template("booking/cancel.html", appointment=found, form=form, errors=errors,
                           problem=problem), status


def _why_unchangeable(found: Appointment, hours: int) -> str:
    shown = booking_queries.shown_status(found)
    if shown not in (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED):
        return f"This appointment is {display.STATUS_LABELS[shown].lower()}: there is nothing to change."
    return TOO_LATE.format(hours=hours)


def _slot_url(found: Appointment):
    return lambda slot: url_for("booking.reschedule", appointment_id=found.id, clinic=slot.clinic_id,
                                start=display.iso_utc(slot.start))


@bp.route("/appointments/<int:appointment_id>/reschedule", methods=["GET", "POST"])
@patient_required
def reschedule(appointment_id: int):
    """Without ``start``: choose a new time. With it: confirm the move; the POST makes it."""
    found = display.own_appointment(appointment_id, _me())
    if not booking_queries.patient_may_change(found):
        problem = _why_unchangeable(found, current_app.config["CANCEL_CUTOFF_HOURS"])
        return _reschedule_page(found, problem=problem), 409 if request.method == "POST" else 200
    values = request.form if request.method == "POST" else request.args
    clinics = _bookable_clinics(found)
    clinic = next((c for c in clinics if c.id == booking_queries.parse_id(values.get("clinic"))), None)
    new_start = display.parse_start(values.get("start"))
    if clinic is None or new_start is None:
        return _reschedule_page(found, groups=_choices(found, clinics, clinic, display.parse_day(values.get("date"))))
    form = ConfirmForm()
    if request.method == "GET":
        if scheduling.is_free(found.practitioner, clinic.id, new_start, found.kind,
                              ignore_appointment_id=booking_reschedule.ignored_for_choices(found)):
            return _reschedule_page(found, form=form, clinic=clinic, new_start=new_start)
        return _reschedule_page(found, problem="That time is no longer available. Choose another time:",
                                groups=_choices(found, clinics)), 409
    was_confirmed = found.status is AppointmentStatus.CONFIRMED
    try:
        moved = booking_reschedule.reschedule(found, patient=_me(), new_start=new_start, clinic_id=clinic.id)
    except booking.SlotTaken:
        problem = "This slot was just taken by another patient. Your appointment has not changed. " \
                  "Choose another time:"
    except booking.InvalidSlot:
        problem = "That time is no longer available. Your appointment has not changed. Choose another time:"
    except booking.BookingError as exc:
        problem = exc.message
    else:
        name, new_when = found.practitioner.display_name, calendar_files.when(moved.starts_at, moved.clinic.timezone)
        flash(f"Your request to move to {new_when} has been sent to {name}. Your confirmed time stays booked "
              f"until {name} confirms the new one; if they decline or do not answer, you keep it."
              if was_confirmed else
              f"Your request for {new_when} has been sent to {name}, and your previous request is withdrawn.",
              "success")
        return redirect(url_for("booking.appointments"))
    return _reschedule_page(found, problem=problem, groups=_choices(found, clinics)), 409


def _reschedule_page(found: Appointment, *, problem: str | None = None, groups=(), form=None,
                     clinic: Clinic | None = None, new_start: datetime | None = None):
    return render_template("booking/reschedule.html", appointment=found, problem=problem, groups=groups,
                           form=form, clinic=clinic, new_start=new_start)


def _choices(found: Appointment, clinics: list[Clinic], clinic: Clinic | None = None,
             day: date | None = None) -> list[display.ClinicSlots]:
    """Free times for the same kind of visit: one whole day at one clinic, or the next two weeks.
    Times next to the current one are free to move to; the current one itself is left out."""
    current = as_utc(found.starts_at)
    ignored = booking_reschedule.ignored_for_choices(found)

    def keep(slot: scheduling.Slot) -> bool:
        return not (slot.start == current and slot.clinic_id == found.clinic_id)

    if clinic is not None and day is not None:
        return [display.ClinicSlots(clinic, clinic.timezone, display.day_slots(
            found.practitioner, clinic, day, found.kind, _slot_url(found), ignore_appointment_id=ignored,
            keep=keep))]
    return display.slots_by_clinic(
        found.practitioner, clinics, found.kind, slot_url=_slot_url(found),
        day_url=lambda c, d: url_for("booking.reschedule", appointment_id=found.id, clinic=c.id,
                                     date=d.isoformat()),
        ignore_appointment_id=ignored, keep=keep)


def _bookable_clinics(found: Appointment) -> list[Clinic]:
    listed = profiles.listed_profile(found.practitioner_id)
    return listed.clinics if listed is not None else []


@bp.get("/appointments/<int:appointment_id>/calendar.ics")
@patient_required
def ics(appointment_id: int):
    found = display.own_appointment(appointment_id, _me())
    if found.status is not AppointmentStatus.CONFIRMED:
        abort(404, description="A calendar file is available once the practitioner has confirmed the appointment.")
    return Response(calendar_files.ics_for(found), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="appointment-{found.id}.ics"',
                             "Cache-Control": "private, no-store"})
