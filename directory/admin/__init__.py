"""The admin area: licence verification, rosters, expiry, practitioners and the audit log."""
from __future__ import annotations

from flask import Blueprint

from directory.auth.access import role_required
from directory.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required(Role.ADMIN)
def _admins_only():
    # Runs before every view of the blueprint, so no admin route can be added without it.
    return None


# The view modules add their routes to ``bp`` when imported.
from directory.admin import audit_routes, people_routes, roster_routes, routes, safety_routes  # noqa: E402,F401
