"""After a visit: the patient's reaction checklist and its advice, attendance, and the
practitioner's safety view."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("safety", __name__)

# The view modules add their routes to ``bp`` when imported.
from directory.safety import patient_routes, practice_routes  # noqa: E402,F401
