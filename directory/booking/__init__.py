"""Appointments for patients: requesting a slot with an intake, "My appointments", and the
practitioner's calendar feed (public by its secret address)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("booking", __name__)

# The view modules add their routes to ``bp`` when imported.
from directory.booking import patient_routes, routes  # noqa: E402,F401
