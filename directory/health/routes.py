"""Liveness for load balancers and uptime checks: is the app up and can it reach its database?"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from directory.extensions import db, limiter

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except DBAPIError as exc:
        # The class name only: a driver message can quote connection details.
        log.warning("health check: database unreachable (%s)", type(exc.orig).__name__)
        db.session.rollback()
        response = jsonify({"status": "unavailable", "database": "unreachable"})
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response
    response = jsonify({"status": "ok", "database": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response
