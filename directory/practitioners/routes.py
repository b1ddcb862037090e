"""Public practitioner profiles."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from directory import presenters
from directory.services import profiles

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
                           clinics=found.clinics, licences=licences, p=presenters)
