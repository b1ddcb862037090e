"""The practitioner's own pages: profile, clinics, licences, photo, preview and listing status."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from directory.services.booking import queries as booking_queries

bp = Blueprint("practice", __name__, url_prefix="/practice")


@bp.app_context_processor
def _waiting_requests():
    # A function, not a number: only a practitioner's navigation calls it, so other pages
    # and emails cost no query.
    def waiting_requests() -> int:
        return booking_queries.count_waiting(current_user) if current_user.is_authenticated else 0
    return {"waiting_requests": waiting_requests}


# The view modules add their routes to ``bp`` when imported.
from directory.practice import clinic_routes, licence_routes, routes  # noqa: E402,F401
from directory.practice import availability_routes  # noqa: E402,F401
from directory.practice import appointment_routes  # noqa: E402,F401
