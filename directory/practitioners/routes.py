"""Public practitioner profiles."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, send_file
from flask_login import current_user

from directory import presenters
from directory.extensions import db
from directory.models import Practitioner
from directory.services import photos, profiles

bp = Blueprint("practitioners", __name__, url_prefix="/practitioners")

NOT_LISTED = ("There is no listed practitioner at this address. They may have left the "
              "directory, or their licence may be awaiting renewal or verification.")


@bp.get("/<int:practitioner_id>")
def profile(practitioner_id: int):
    found = profiles.listed_profile(practitioner_id)
    if found is None:
        abort(404, description=NOT_LISTED)
    licences = sorted(found.licences,
                      key=lambda lic: (presenters.jurisdiction_name(lic.jurisdiction), lic.id))
    return render_template("practitioners/profile.html", practitioner=found.practitioner,
                           clinics=found.clinics, licences=licences,
                           certifications=found.certifications, p=presenters)


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
