"""Requesting an appointment: the slot link from a profile, the intake form, what happens
when the slot is gone or a red flag is reported; and the practitioner's calendar feed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Callable, TypeVar

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from directory.booking import bp, display
from directory.booking.forms import IntakeForm
from directory.models import AppointmentKind, Clinic, Practitioner, Role
from directory.services.booking import requests as booking
from directory.services.booking import calendar_files
from directory.services.booking import intake
from directory.services.search import profiles
from directory.services.booking import scheduling
from directory.web import config_limit, form_errors
from directory.services.booking import queries as booking_queries

F = TypeVar("F", bound=Callable)

ONLY_PATIENTS = ("Only patient accounts can request and manage appointments. You are logged in with a "
                 "practitioner or administrator account: log out, then log in or sign up as a patient.")
BAD_LINK = ("This link to an appointment time is incomplete or damaged. Go back to the practitioner's "
            "profile and choose a time again.")
NOT_LISTED = ("There is no listed practitioner at this address. They may have left the directory, or "
              "their licence may be awaiting renewal or verification.")
NO_CLINIC = "This practitioner does not take appointments at that clinic through Meridian."
SLOT_FIELDS = ("practitioner", "clinic", "start", "kind")


def patient_required(view: F) -> F:
    """Anonymous visitors log in (or sign up) and come back here; other roles get a clear 403."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            flash("Log in or create a patient account to continue. You will come straight back here.", "info")
            return redirect(url_for("auth.login", next=_return_path()))
        if current_user.role is not Role.PATIENT:
            abort(403, description=ONLY_PATIENTS)
        return view(*args, **kwargs)
    return wrapped  # type: ignore[return-value]


def _return_path() -> str:
    if request.method == "GET":
        return request.full_path.rstrip("?")
    if request.endpoint == "booking.request":
        # A session that ran out while filling in the intake: back to the same slot.
        return url_for("booking.new", **{k: request.form.get(k, "") for k in SLOT_FIELDS})
    return url_for("booking.appointments")


@dataclass(frozen=True)
class Target:
    practitioner: Practitioner
    clinic: Clinic
    clinics: list[Clinic]    # every clinic of the profile, for fresh slots elsewhere
    start: datetime
    kind: AppointmentKind


def _target(values) -> Target:
    practitioner_id, clinic_id = booking_queries.parse_id(values.get("practitioner")), booking_queries.parse_id(values.get("clinic"))
    start, kind = display.parse_start(values.get("start")), display.parse_kind(values.get("kind") or "initial")
    if practitioner_id is None or clinic_id is None or start is None or kind is None:
        abort(400, description=BAD_LINK)
    found = profiles.listed_profile(practitioner_id)
    if found is None:
        abort(404, description=NOT_LISTED)
    clinic = next((c for c in found.clinics if c.id == clinic_id), None)
    if clinic is None:
        abort(404, description=NO_CLINIC)
    return Target(found.practitioner, clinic, found.clinics, start, kind)


def _unavailable(target: Target, *, title: str, message: str, kind: AppointmentKind | None,
                 fresh: list[scheduling.Slot] | None = None, status: int = 409):
    """The chosen time cannot be had: say why and offer other times (never an error page)."""
    groups = []
    if kind is not None:
        if fresh is None:
            groups = display.slots_by_clinic(target.practitioner, [target.clinic], kind,
                                           slot_url=display.slot_url(target.practitioner),
                                           day_url=display.day_url(target.practitioner, kind))
        else:
            link, day = display.slot_url(target.practitioner), display.day_url(target.practitioner, kind)
            groups = [display.ClinicSlots(c, c.timezone, display.group_by_day(
                [s for s in fresh if s.clinic_id == c.id], c.timezone, link,
                lambda d, c=c: day(c, d))) for c in target.clinics]
            groups = [g for g in groups if g.days]
    return render_template("booking/unavailable.html", title=title, message=message, target=target,
                           groups=groups), status


def _refusal(target: Target):
    """Why this patient cannot have this kind of visit here, as a page; None when they can."""
    allowed = booking_queries.kinds_allowed(current_user, target.practitioner)
    if target.kind in allowed:
        return None
    name = target.practitioner.display_name
    if not allowed:
        return _unavailable(target, title=f"{name} is not taking new patients",
                            message=f"{name} is not accepting new patients at the moment, so a first "
                                    "visit cannot be requested. Search for another practitioner nearby.",
                            kind=None)
    if target.kind is AppointmentKind.FOLLOW_UP:
        return _unavailable(target, title="Choose a time for a first visit",
                            message=f"A follow-up visit is for patients {name} has already seen. "
                                    "Choose a time for a first visit instead.",
                            kind=AppointmentKind.INITIAL)
    return _unavailable(target, title="Choose a time for a follow-up visit",
                        message=f"{name} is not accepting new patients at the moment, but you have been "
                                "seen before: choose a time for a follow-up visit.",
                        kind=AppointmentKind.FOLLOW_UP)


def _intake_page(form: IntakeForm, target: Target, errors: dict[str, str], status: int = 200):
    return render_template("booking/new.html", form=form, target=target, errors=errors, kinds=booking_queries.kinds_allowed(current_user, target.practitioner)), status


@bp.get("/appointments/new")
@patient_required
def new():
    target = _target(request.args)
    refusal = _refusal(target)
    if refusal is not None:
        return refusal
    if not scheduling.is_free(target.practitioner, target.clinic.id, target.start, target.kind):
        return _unavailable(target, title="This time is no longer available",
                            message="Someone else may have requested it, or it is now too close to "
                                    "book. Choose another time:", kind=target.kind)
    form = IntakeForm(formdata=None, practitioner=target.practitioner.id, clinic=target.clinic.id,
                      start=display.iso_utc(target.start), kind=target.kind.value)
    return _intake_page(form, target, {})


def _error_field(key: str) -> str:
    # The service names nested answers "safety.pregnancy"; the form has one field per group.
    return key.split(".", 1)[0]


@bp.post("/appointments/new", endpoint="request")
@config_limit("BOOKING_RATE_LIMIT")
@patient_required
def request_slot():
    form = IntakeForm()
    target = _target(request.form)
    refusal = _refusal(target)
    if refusal is not None:
        return refusal
    # A red flag stops everything, whatever else is missing from the form.
    reported = form.reported_red_flags()
    if reported:
        return _urgent([intake.RED_FLAGS[key] for key in reported])
    errors: dict[str, str] = {}
    clean = None
    if form.validate_on_submit():
        try:
            # No red flag can be left here: any ticked one was answered above.
            clean = intake.validate_intake(form.values())
        except intake.IntakeError as exc:
            errors = {_error_field(k): m for k, m in exc.errors.items()}
    errors = {**form_errors(form), **errors}
    if errors or clean is None:
        return _intake_page(form, target, errors, 400)
    try:
        appointment = booking.request_appointment(
            patient=current_user._get_current_object(), practitioner=target.practitioner,
            clinic_id=target.clinic.id, start=target.start, kind=target.kind, intake=clean)
    except booking.SlotTaken as taken:
        return _unavailable(target, title="This slot was just taken",
                            message="Another patient requested this time a moment before you. Nothing "
                                    "has been booked for you. Choose another time:",
                            kind=target.kind, fresh=list(taken.fresh_slots))
    except booking.InvalidSlot:
        return _unavailable(target, title="This time is no longer available",
                            message="It is now too close to book, or the practitioner's hours have "
                                    "changed. Nothing has been booked. Choose another time:",
                            kind=target.kind)
    except booking.BookingError as exc:
        return _unavailable(target, title="Your request was not sent", message=exc.message, kind=target.kind)
    zone = appointment.clinic.timezone
    flash(f"Your request for {calendar_files.when(appointment.starts_at, zone)} has been sent to "
          f"{target.practitioner.display_name}. We will email you when they answer.", "success")
    return redirect(url_for("booking.appointments"))


def _urgent(flags: list[str]):
    """Symptoms that need a doctor today, not acupuncture: nothing is booked."""
    return render_template("booking/urgent.html", flags=flags), 200


@bp.get("/calendar/<secret>.ics")
def feed(secret: str):
    """A practitioner's confirmed appointments for their calendar app, by secret address."""
    practitioner = calendar_files.practitioner_for_calendar_token(secret)
    if practitioner is None:
        abort(404, description="There is no calendar at this address. It may have been turned off "
                               "or replaced with a new one.")
    return Response(calendar_files.calendar_feed(practitioner), mimetype="text/calendar",
                    headers={"Cache-Control": "private, no-store",
                             "Content-Disposition": 'inline; filename="meridian-appointments.ics"'})
