"""Public practitioner profiles."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory import presenters
from directory.extensions import db
from directory.models import Licence, ListingState, Practitioner, SearchEntry

bp = Blueprint("practitioners", __name__, url_prefix="/practitioners")

NOT_LISTED = ("There is no listed practitioner at this address. They may have left the "
              "directory, or their licence may be awaiting renewal or verification.")


@bp.get("/<int:practitioner_id>")
def profile(practitioner_id: int):
    today = date.today()
    # The search index already applies the listing rule per clinic; only its
    # expiry check depends on today's date.
    listed_clinic_ids = set(db.session.scalars(
        select(SearchEntry.clinic_id).where(SearchEntry.practitioner_id == practitioner_id,
                                            SearchEntry.expires_on >= today)))
    if not listed_clinic_ids:
        abort(404, description=NOT_LISTED)
    practitioner = db.session.scalar(
        select(Practitioner)
        .where(Practitioner.id == practitioner_id, Practitioner.listing_state == ListingState.LISTED)
        .options(selectinload(Practitioner.clinics), selectinload(Practitioner.licences)))
    if practitioner is None:
        abort(404, description=NOT_LISTED)

    clinics = [c for c in practitioner.clinics if c.id in listed_clinic_ids]
    licences: list[Licence] = sorted(
        (lic for lic in practitioner.licences if lic.is_current(today)),
        key=lambda lic: (presenters.jurisdiction_name(lic.jurisdiction), lic.id))
    return render_template("practitioners/profile.html", practitioner=practitioner,
                           clinics=clinics, licences=licences, p=presenters)
