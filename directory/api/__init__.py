"""The JSON API under /api/v1: search, profiles, free times, tokens and appointments."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

# The view modules add their routes to ``bp`` when imported.
from directory.api import booking_routes, course_routes, routes, safety_routes  # noqa: E402,F401
