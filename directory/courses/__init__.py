"""Treatment courses in the browser: proposing a plan, booking it, check-ins and progress."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("courses", __name__)

from directory.courses import routes  # noqa: E402,F401
