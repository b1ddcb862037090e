"""The practitioner's dashboard, profile form, preview, photo and publishing."""
from __future__ import annotations

from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from directory.auth.access import current_practitioner, role_required
from directory.models import ListingState, Practitioner, Role
from directory.practice import bp
from directory.practice.forms import ListingForm, PhotoForm, ProfileForm
from directory.services import photos
from directory.services.search import listing_status
from directory.services.practice import editing as practice
from directory.services.search import profiles
from directory.services.booking import queries as booking_queries
from directory.web import ConfirmForm, config_limit, form_errors


@bp.before_request
@role_required(Role.PRACTITIONER)
def _practitioners_only():
    # Every page here is the practitioner's own: the check runs before any view,
    # so no route can be added without it.
    return None


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    # The body is over MAX_CONTENT_LENGTH and was not read. This can be raised before the
    # role check (CSRF reads the form first), so only a practitioner gets the photo page.
    if (request.endpoint == "practice.photo" and current_user.is_authenticated
            and current_user.role is Role.PRACTITIONER and current_user.practitioner is not None):
        limit = photos.size_text(current_app.config["PHOTO_MAX_BYTES"])
        return _photo_page(current_user.practitioner, PhotoForm(formdata=None),
                           {"photo": f"The photo is larger than {limit}. Choose a smaller file."}, 413)
    return render_template("errors/error.html", status=413, title="Too much data",
                           message="The form sent more data than we accept. Go back and try again "
                                   "with less."), 413


def _status_page(practitioner: Practitioner, *, refusal: practice.ListingRefused | None = None,
                 code: int = 200):
    status = listing_status.listing_status(practitioner)
    return render_template("practice/dashboard.html", practitioner=practitioner, status=status,
                           agenda=booking_queries.agenda(practitioner), refusal=refusal,
                           listing_form=ListingForm(formdata=None)), code


@bp.get("")
def dashboard():
    return _status_page(current_practitioner())


@bp.post("/listing")
def listing():
    practitioner = current_practitioner()
    form = ListingForm()
    action = form.action.data if form.validate_on_submit() else None
    try:
        if action == "publish":
            practice.publish(practitioner)
            flash("Your profile is published.", "success")
        elif action == "unpublish":
            practice.unpublish(practitioner)
            flash("Your profile is unpublished: patients no longer find it in search.", "success")
        else:
            return _status_page(practitioner, refusal=practice.ListingRefused(
                "Use the Publish or Unpublish button below."), code=400)
    except practice.ListingRefused as refusal:
        return _status_page(practitioner, refusal=refusal, code=409)
    return redirect(url_for(".dashboard"))


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    practitioner = current_practitioner()
    form = ProfileForm(obj=practitioner)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            practice.update_profile(practitioner, form.values())
        except practice.ProfileError as exc:
            errors = exc.errors
        else:
            flash("Your profile has been saved.", "success")
            return redirect(url_for(".profile"))
    errors = {**form_errors(form), **errors}
    return render_template("practice/profile.html", form=form, errors=errors, practitioner=practitioner,
                           published=practitioner.listing_state is ListingState.LISTED), \
        400 if errors else 200


@bp.get("/preview")
def preview():
    practitioner = current_practitioner()
    today = date.today()
    status = listing_status.listing_status(practitioner, today)
    return render_template("practitioners/profile.html", practitioner=practitioner,
                           clinics=list(practitioner.clinics),
                           licences=profiles.shown_licences(practitioner, today),
                           certifications=profiles.certifications(practitioner, today), preview=status)


def _photo_page(practitioner: Practitioner, form: PhotoForm, errors: dict[str, str], code: int = 200):
    return render_template("practice/photo.html", form=form, errors=errors, practitioner=practitioner,
                           delete_form=ConfirmForm(formdata=None),
                           max_size=photos.size_text(current_app.config["PHOTO_MAX_BYTES"])), code


@bp.route("/photo", methods=["GET", "POST"])
@config_limit("PHOTO_RATE_LIMIT")  # each upload is decoded: up to ~110 MB for a second
def photo():
    practitioner = current_practitioner()
    form = PhotoForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            photos.replace_photo(practitioner, form.photo.data.stream,
                                 photo_dir=current_app.config["PHOTO_DIR"],
                                 max_bytes=current_app.config["PHOTO_MAX_BYTES"])
        except photos.PhotoRejected as exc:
            errors["photo"] = exc.message
        else:
            flash("Your photo has been saved.", "success")
            return redirect(url_for(".photo"))
    errors = {**form_errors(form), **errors}
    return _photo_page(practitioner, form, errors, 400 if errors else 200)


@bp.post("/photo/delete")
def photo_delete():
    practitioner = current_practitioner()
    # CSRFProtect has checked the form's token before this runs.
    had_photo = practitioner.photo_key is not None
    photos.remove_photo(practitioner, photo_dir=current_app.config["PHOTO_DIR"])
    if had_photo:
        flash("Your photo has been removed.", "success")
    return redirect(url_for(".photo"))
