"""The practitioner's availability: weekly hours per clinic, booking settings, time off and
a preview of the slots they produce. One page, several forms; a form with a problem is
shown again on that page with its errors, and nothing of it is saved."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from wtforms import SelectChoice

from directory.auth.access import current_practitioner, own_or_404
from directory.models import Clinic, Practitioner, TimeOff
from directory.practice import bp
from directory.practice.availability_forms import HOURS_HINT, HoursForm, SettingsForm, TimeOffForm
from directory.services.booking import schedule_view
from directory.services.booking import scheduling
from directory.services.booking.scheduling import DAY_KEYS
from directory.web import form_errors

PREVIEW_DAYS = 14


def _prefix(clinic_id: int) -> str:
    return f"clinic-{clinic_id}"


def _time_off_form(practitioner: Practitioner, *, submitted: bool) -> TimeOffForm:
    form = TimeOffForm() if submitted else TimeOffForm(formdata=None)
    form.clinic_id.choices = [SelectChoice("", "All clinics")] + [
        SelectChoice(str(c.id), c.label) for c in practitioner.clinics]
    return form


def _time_off_rows(practitioner: Practitioner) -> list[dict]:
    clinics = {c.id: c for c in practitioner.clinics}
    every_zone = [scheduling.zone(c.timezone) for c in clinics.values()]
    rows = []
    for entry in scheduling.upcoming_time_off(practitioner):
        clinic = clinics.get(entry.clinic_id)
        zones = [scheduling.zone(clinic.timezone)] if clinic else every_zone
        if not zones:
            continue
        first, last = scheduling.time_off_days(entry, zones)
        rows.append({"entry": entry, "first": first, "last": last,
                     "where": clinic.label if clinic else "All clinics"})
    return rows


def _page(practitioner: Practitioner, *, hours_form: HoursForm | None = None, hours_clinic_id: int | None = None,
          settings_form: SettingsForm | None = None, time_off_form: TimeOffForm | None = None,
          errors: dict[str, str] | None = None, error_form=None, code: int = 200):
    clinics = []
    hours = scheduling.weekly_hours(practitioner)
    for clinic in practitioner.clinics:
        form = hours_form if clinic.id == hours_clinic_id else HoursForm.initial(
            hours[clinic.id], _prefix(clinic.id))
        field_errors = {k: v for k, v in (errors or {}).items() if k in form._fields} \
            if form is hours_form else {}
        clinics.append({"clinic": clinic, "form": form, "zone": schedule_view.zone_label(clinic.timezone),
                        "errors": field_errors})
    settings_form = settings_form or SettingsForm(formdata=None, obj=practitioner)
    time_off_form = time_off_form or _time_off_form(practitioner, submitted=False)
    errors = errors or {}
    return render_template(
        "practice/availability.html", practitioner=practitioner, clinics=clinics,
        settings_form=settings_form, settings_errors=errors if error_form is settings_form else {},
        time_off_form=time_off_form, time_off_errors=errors if error_form is time_off_form else {},
        time_off_rows=_time_off_rows(practitioner),
        preview=schedule_view.upcoming_by_clinic(practitioner, days=PREVIEW_DAYS), preview_days=PREVIEW_DAYS,
        errors=errors, error_form=error_form, hours_hint=HOURS_HINT,
        step_hint=_step_hint(practitioner)), code


def _step_hint(practitioner: Practitioner) -> str:
    buffer = practitioner.buffer_minutes
    return (f"Slots start at the beginning of each range of your hours, then every visit length plus "
            f"the {buffer}-minute buffer: every {practitioner.initial_minutes + buffer} minutes for first "
            f"visits and every {practitioner.follow_up_minutes + buffer} minutes for follow-ups.")


@bp.get("/availability")
def availability():
    return _page(current_practitioner())


@bp.post("/availability/clinics/<int:clinic_id>/hours")
def availability_hours(clinic_id: int):
    practitioner = current_practitioner()
    clinic = own_or_404(Clinic, clinic_id, practitioner_id=practitioner.id, archived_at=None)
    form = HoursForm(prefix=_prefix(clinic.id))
    if form.validate_on_submit():
        try:
            scheduling.set_weekly_hours(clinic, form.hours())
        except scheduling.AvailabilityError as exc:
            found = exc.errors
        else:
            flash(f"Weekly hours saved for {clinic.label}.", "success")
            return redirect(url_for(".availability", _anchor=f"hours-{clinic.id}"))
    else:
        # Every day's problem at once: what could not be read, and the rules over what could.
        found = {**scheduling.hours_errors(form.hours()), **form_errors(form)}
    errors = {key: found[key] for key in [*DAY_KEYS, *found] if key in found}
    return _page(practitioner, hours_form=form, hours_clinic_id=clinic.id, errors=errors, error_form=form,
                 code=400)


@bp.post("/availability/settings")
def availability_settings():
    practitioner = current_practitioner()
    form = SettingsForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            scheduling.update_settings(practitioner, **form.values())
        except scheduling.AvailabilityError as exc:
            errors = exc.errors
        else:
            flash("Booking settings saved.", "success")
            return redirect(url_for(".availability", _anchor="settings"))
    errors = {**form_errors(form), **errors}
    return _page(practitioner, settings_form=form, errors=errors, error_form=form, code=400)


@bp.post("/availability/time-off")
def time_off_add():
    practitioner = current_practitioner()
    form = _time_off_form(practitioner, submitted=True)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        first = form.first_day.data
        try:
            scheduling.add_time_off(practitioner, first_day=first, last_day=form.last_day.data or first,
                                    clinic_id=form.chosen_clinic_id, note=form.note.data or "")
        except scheduling.AvailabilityError as exc:
            errors = exc.errors
        else:
            flash("Time off added: no slots are offered on those days.", "success")
            return redirect(url_for(".availability", _anchor="time-off"))
    errors = {**form_errors(form), **errors}
    return _page(practitioner, time_off_form=form, errors=errors, error_form=form, code=400)


@bp.post("/availability/time-off/<int:time_off_id>/remove")
def time_off_remove(time_off_id: int):
    practitioner = current_practitioner()
    entry = own_or_404(TimeOff, time_off_id, practitioner_id=practitioner.id)
    scheduling.remove_time_off(entry)
    flash("Time off removed.", "success")
    return redirect(url_for(".availability", _anchor="time-off"))
