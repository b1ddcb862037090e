"""Public practitioner profiles."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_login import current_user

from directory.services import presenters
from directory.services.reviews import reviews
from directory.booking import display as booking_display
from directory.extensions import db
from directory.models import AppointmentKind, Practitioner
from directory.services import photos
from directory.services.search import profiles
from directory.services.booking import queries as booking_queries

bp = Blueprint("practitioners", __name__, url_prefix="/practitioners")

NOT_LISTED = ("There is no listed practitioner at this address. They may have left the "
              "directory, or their licence may be awaiting renewal or verification.")
NO_SUCH_VISITS = ("You cannot request this kind of visit with this practitioner: first visits only while "
                  "they accept new patients, follow-ups only once they have seen you. Go back to their "
                  "profile to see the times you can request.")


@bp.get("/<int:practitioner_id>")
def profile(practitioner_id: int):
    found = profiles.listed_profile(practitioner_id)
    if found is None:
        abort(404, description=NOT_LISTED)
    licences = sorted(found.licences,
                      key=lambda lic: (presenters.jurisdiction_name(lic.jurisdiction), lic.id))
    practitioner = found.practitioner
    kinds = booking_queries.kinds_allowed(current_user, practitioner)
    kind = _chosen_kind(kinds)
    week = booking_display.week_page(practitioner, found.clinics, request.args.get("week"))
    slot_groups = booking_display.slots_by_clinic(
        practitioner, found.clinics, kind, slot_url=booking_display.slot_url(practitioner),
        day_url=booking_display.day_url(practitioner, kind), days=booking_display.WEEK,
        offset_days=week.number * booking_display.WEEK, per_day=booking_display.GRID_PER_DAY,
        every_day=True) if kind is not None else []
    return render_template("practitioners/profile.html", practitioner=practitioner,
                           clinics=found.clinics, licences=licences,
                           certifications=found.certifications,
                           slot_groups=slot_groups, kind=kind, kinds=kinds, week=week,
                           rating=reviews.summary(practitioner.id))


def _chosen_kind(kinds: list[AppointmentKind]) -> AppointmentKind | None:
    """The visit kind asked for when allowed; otherwise a follow-up for returning patients."""
    asked = booking_display.parse_kind(request.args.get("kind"))
    if asked in kinds:
        return asked
    if AppointmentKind.FOLLOW_UP in kinds:
        return AppointmentKind.FOLLOW_UP
    return kinds[0] if kinds else None


@bp.get("/<int:practitioner_id>/slots")
def slots(practitioner_id: int):
    """Every free time on one day at one clinic (the profile shows the first few per day)."""
    found = profiles.listed_profile(practitioner_id)
    if found is None:
        abort(404, description=NOT_LISTED)
    clinic = next((c for c in found.clinics if c.id == booking_queries.parse_id(request.args.get("clinic"))), None)
    if clinic is None:
        abort(404, description="This practitioner has no clinic at this address.")
    day = booking_display.parse_day(request.args.get("date"))
    if day is None:
        abort(400, description="Choose a day from the practitioner's profile.")
    practitioner = found.practitioner
    kind = booking_display.parse_kind(request.args.get("kind") or "initial")
    if kind not in booking_queries.kinds_allowed(current_user, practitioner):
        abort(404, description=NO_SUCH_VISITS)
    groups = [booking_display.ClinicSlots(clinic, clinic.timezone, booking_display.day_slots(
        practitioner, clinic, day, kind, booking_display.slot_url(practitioner)))]
    return render_template("booking/day.html", practitioner=practitioner, clinic=clinic, day=day,
                           kind=kind, groups=groups)


@bp.get("/<int:practitioner_id>/photo/<key>")
def photo(practitioner_id: int, key: str):
    """A listed practitioner's photo for everyone; an unlisted one's for its owner only
    (the preview). The key changes with every upload, so a listed photo never goes stale."""
    found = profiles.listed_profile(practitioner_id)
    if found is not None:
        practitioner, public = found.practitioner, True
    else:
        practitioner = (db.session.get(Practitioner, practitioner_id)
                        if 0 < practitioner_id <= profiles.MAX_ID else None)
        owner = (practitioner is not None and current_user.is_authenticated
                 and practitioner.user_id == current_user.id)
        if not owner:
            abort(404)
        public = False
    path = photos.photo_path(current_app.config["PHOTO_DIR"], key)
    if practitioner.photo_key != key or path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=photos.CONTENT_TYPE, conditional=True, etag=True)
    response.headers["Cache-Control"] = ("public, max-age=31536000, immutable" if public
                                         else "private, no-store")
    return response
