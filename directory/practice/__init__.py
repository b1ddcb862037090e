"""The practitioner's own pages: profile, clinics, licences, photo, preview and listing status."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("practice", __name__, url_prefix="/practice")

# The view modules add their routes to ``bp`` when imported.
from directory.practice import clinic_routes, licence_routes, routes  # noqa: E402,F401
from directory.practice import availability_routes  # noqa: E402,F401
from directory.practice import appointment_routes  # noqa: E402,F401
