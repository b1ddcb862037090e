"""The practitioner's appointments: the inbox of requests, each with the patient's intake,
confirm / decline / cancel, upcoming visits, and the private calendar feed."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from directory.auth.access import current_practitioner
from directory.booking import display
from directory.booking.forms import CalendarForm, CancelForm, DeclineForm
from directory.models import Appointment, Practitioner
from directory.practice import bp
from directory.services.booking import requests as booking
from directory.services.booking import calendar_files
from directory.services.booking import queries as booking_queries
from directory.services.booking import attendance, intake
from directory.services.booking import replacement as booking_replacement
from directory.services.safety import reports as safety_reports
from directory.safety.forms import AttendanceForm
from directory.web import external_url, form_errors


def _me():
    return current_user._get_current_object()


@bp.get("/appointments")
def appointments():
    practitioner = current_practitioner()
    return render_template("practice/appointments.html", practitioner=practitioner,
                           requests=booking_queries.inbox(practitioner), upcoming=booking_queries.upcoming(practitioner))


def _detail(practitioner: Practitioner, found: Appointment, *, decline_form=None, cancel_form=None,
            errors: dict[str, str] | None = None, status: int = 200):
    # Every view of the intake is a read of health data: the service audits it.
    answers = booking_queries.read_intake(found, reader=_me())
    return render_template("practice/appointment.html", practitioner=practitioner, appointment=found,
                           answers=answers, labels=intake, errors=errors or {},
                           patient_reports=safety_reports.for_practitioner(practitioner.id, patient_id=found.patient_id),
                           may_mark=attendance.may_mark(found), attendance_form=AttendanceForm(formdata=None),
                           decline_form=decline_form or DeclineForm(formdata=None),
                           cancel_form=cancel_form or CancelForm(formdata=None)), status


@bp.get("/appointments/<int:appointment_id>")
def appointment(appointment_id: int):
    practitioner = current_practitioner()
    return _detail(practitioner, display.practitioners_appointment(appointment_id, _me()))


def _after(found: Appointment, message: str):
    flash(message, "success")
    return redirect(url_for(".appointment", appointment_id=found.id))


def _refused(found: Appointment, exc: booking.BookingError):
    flash(exc.message, "error")
    return redirect(url_for(".appointment", appointment_id=found.id))


@bp.post("/appointments/<int:appointment_id>/confirm")
def appointment_confirm(appointment_id: int):
    found = display.practitioners_appointment(appointment_id, _me())
    replaced = booking_replacement.kept_original(found)
    try:
        booking.confirm(found, practitioner_user=_me())
    except booking.BookingError as exc:
        return _refused(found, exc)
    released = (f" Their earlier visit, {calendar_files.when(replaced.starts_at, replaced.clinic.timezone)}, is "
                "released." if replaced is not None else "")
    return _after(found, f"Confirmed: {found.patient.name}, "
                         f"{calendar_files.when(found.starts_at, found.clinic.timezone)}.{released} "
                         "We have emailed the patient.")


@bp.post("/appointments/<int:appointment_id>/decline")
def appointment_decline(appointment_id: int):
    practitioner = current_practitioner()
    found = display.practitioners_appointment(appointment_id, _me())
    form = DeclineForm()
    if not form.validate_on_submit():
        return _detail(practitioner, found, decline_form=form, errors=form_errors(form), status=400)
    try:
        booking.decline(found, practitioner_user=_me(), message=form.message.data)
    except booking.BookingError as exc:
        return _refused(found, exc)
    return _after(found, f"Declined: {found.patient.name}'s request. We have emailed them to say so; "
                         "they can read your message in Meridian.")


@bp.post("/appointments/<int:appointment_id>/cancel")
def appointment_cancel(appointment_id: int):
    practitioner = current_practitioner()
    found = display.practitioners_appointment(appointment_id, _me())
    form = CancelForm()
    if not form.validate_on_submit():
        return _detail(practitioner, found, cancel_form=form, errors=form_errors(form), status=400)
    try:
        booking.cancel(found, by=_me(), reason=form.reason.data or "")
    except booking.BookingError as exc:
        return _refused(found, exc)
    told = "; they can read your reason in Meridian." if form.reason.data else "."
    return _after(found, f"Cancelled: {found.patient.name}, {calendar_files.when(found.starts_at, found.clinic.timezone)}. "
                         f"We have emailed the patient{told}")


@bp.route("/calendar", methods=["GET", "POST"])
def calendar():
    """The secret feed address is shown once, on the page that creates it; only its hash is kept."""
    practitioner = current_practitioner()
    form = CalendarForm()
    secret_url = None
    if form.validate_on_submit():
        if form.action.data == "create":
            secret_url = external_url("booking.feed", secret=calendar_files.new_calendar_token(practitioner))
        elif form.action.data == "revoke":
            calendar_files.revoke_calendar_token(practitioner)
            flash("Your calendar feed is turned off. Calendars subscribed to it stop updating.", "success")
            return redirect(url_for(".calendar"))
    response = current_app.make_response(render_template(
        "practice/calendar.html", practitioner=practitioner, form=CalendarForm(formdata=None),
        secret_url=secret_url, has_feed=practitioner.calendar_token_hash is not None))
    response.headers["Cache-Control"] = "no-store"
    return response

