"""Open availability for aggregators: the SMART Scheduling Links `$bulk-publish` manifest
and its NDJSON files (no login; read-only)."""
from __future__ import annotations

from flask import Blueprint

from directory.extensions import limiter

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
# An aggregator polls the manifest and every file about once a minute (the spec asks no
# more often); this leaves room for one client's whole set with retries, per address.
limiter.limit("300 per minute")(bp)

# The view modules add their routes to ``bp`` when imported.
from directory.fhir import routes  # noqa: E402,F401
