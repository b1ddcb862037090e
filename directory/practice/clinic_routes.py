"""The practitioner's clinic locations: list, add, edit, and delete (or archive, when visits
were ever booked there)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from directory.auth.access import current_practitioner, own_or_404
from directory.models import Clinic, Practitioner
from directory.practice import bp
from directory.practice.forms import ClinicForm
from directory.services.search import listing_status
from directory.services.practice import editing as practice
from directory.web import ConfirmForm, form_errors

# The service names the model's fields; the form chooses state and country together.
_FORM_FIELD = {"region": "jurisdiction", "country": "jurisdiction"}


@bp.get("/clinics")
def clinics():
    practitioner = current_practitioner()
    status = listing_status.listing_status(practitioner)
    return render_template("practice/clinics.html", practitioner=practitioner, status=status)


def _details(form: ClinicForm) -> practice.ClinicDetails:
    return practice.ClinicDetails(
        name=form.name.data or "", address=form.address.data or "", city=form.city.data,
        region=form.region, country=form.country,
        postal_code=practice.normalise_postal_code(form.country, form.postal_code.data),
        phone=form.phone.data or "")


def _clinic_form(practitioner: Practitioner, clinic: Clinic | None):
    form = ClinicForm(obj=clinic)
    errors: dict[str, str] = {}
    affected = []
    if form.validate_on_submit():
        try:
            saved = practice.save_clinic(practitioner, _details(form), clinic)
        except practice.ClinicInUse as exc:
            errors["location"], affected = exc.message, exc.appointments
        except practice.ClinicError as exc:
            errors[_FORM_FIELD.get(exc.field, exc.field) if exc.field else "location"] = exc.message
        else:
            if saved.place is None:
                flash(f"{saved.clinic.label} has been saved.", "success")
            else:
                flash(f"{saved.clinic.label} has been saved. We placed it at "
                      f"{practice.place_label(saved.place)}; its time zone is {saved.clinic.timezone}.",
                      "success")
            return redirect(url_for(".clinics"))
    errors = {**form_errors(form), **errors}
    status = 409 if affected else 400 if errors else 200
    return render_template("practice/clinic_form.html", form=form, errors=errors, clinic=clinic,
                           affected=affected), status


@bp.route("/clinics/new", methods=["GET", "POST"])
def clinic_new():
    return _clinic_form(current_practitioner(), None)


@bp.route("/clinics/<int:clinic_id>/edit", methods=["GET", "POST"])
def clinic_edit(clinic_id: int):
    practitioner = current_practitioner()
    return _clinic_form(practitioner, own_or_404(Clinic, clinic_id, practitioner_id=practitioner.id,
                                                 archived_at=None))


@bp.route("/clinics/<int:clinic_id>/delete", methods=["GET", "POST"])
def clinic_delete(clinic_id: int):
    practitioner = current_practitioner()
    clinic = own_or_404(Clinic, clinic_id, practitioner_id=practitioner.id, archived_at=None)
    errors: dict[str, str] = {}
    if request.method == "POST":  # CSRFProtect has checked the token
        label = clinic.label
        try:
            archived = practice.delete_clinic(practitioner, clinic)
        except practice.ClinicError as exc:
            errors["clinic"] = exc.message
        else:
            flash(f"{label} has been archived: patients no longer find or book it, and its past "
                  "appointments keep their address." if archived else f"{label} has been deleted.", "success")
            return redirect(url_for(".clinics"))
    status = listing_status.listing_status(practitioner)
    shown = clinic.id in status.shown_clinic_ids
    return render_template("practice/clinic_delete.html", clinic=clinic, form=ConfirmForm(formdata=None),
                           shown=shown, last_shown=shown and len(status.shown_clinics) == 1, errors=errors,
                           appointments=practice.open_appointments(clinic),
                           archive=practice.has_history(clinic)), 409 if errors else 200
