"""Verified reviews: writing one after an attended visit, reading them on a profile,
the practitioner's reply and reporting a review to the admins."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reviews", __name__)

# The view modules add their routes to ``bp`` when imported.
from directory.reviews import routes  # noqa: E402,F401
