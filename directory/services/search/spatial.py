"""Which candidate filter the nearby search uses, and the spatial one in SQL.

``SEARCH_SPATIAL_INDEX``: ``auto`` (the default) uses the spatial index where it exists
only if ``SPATIAL_INDEX_BY_DEFAULT`` says it pays, which it does not at present, so it is
the portable query; ``on`` uses the index wherever it exists; ``off`` always uses the
portable bounding box. Without the index (SQLite, or PostgreSQL without the ``cube``
extension) every mode is the portable query.
"""
from __future__ import annotations

import math

from flask import current_app
from sqlalchemy import ColumnElement, text

from directory.config import SEARCH_SPATIAL_MODES as SPATIAL_MODES  # re-exported for bench/tests
from directory.config import check_spatial_mode
from directory.extensions import db
from directory.models.search import SearchEntry
from directory.models.search_spatial import spatial_index_present, sphere_point_sql

# What "auto" does where the index exists. Off: at 1M practitioners on PostgreSQL 15 the
# spatial path was slower at p50 and p95 (bench/RESULTS-postgres-scale.md). Counting the
# practitioners found through a second clinic reads every row in the 3-D box and its heap
# page, where the portable B-tree reads only non-lead rows and never leaves the index.
SPATIAL_INDEX_BY_DEFAULT = False

# Whether each database (by URL) has the spatial index: looked up at its first search,
# so a process started before `flask search spatial-index` keeps the portable query until restarted.
_spatial_index_by_database: dict[str, bool] = {}


def spatial_index_available() -> bool:
    """Whether the current database has the spatial index (cached per database URL)."""
    key = db.engine.url.render_as_string(hide_password=True)
    if key not in _spatial_index_by_database:
        _spatial_index_by_database[key] = spatial_index_present(db.session.connection())
    return _spatial_index_by_database[key]


def forget_spatial_index() -> None:
    """Look the spatial index up again at the next search (after creating or dropping it)."""
    _spatial_index_by_database.clear()


def uses_spatial_index() -> bool:
    """Whether searches now pick candidates through the spatial index rather than the stripes."""
    mode = check_spatial_mode(current_app.config.get("SEARCH_SPATIAL_INDEX", "auto"))
    if mode == "off" or (mode == "auto" and not SPATIAL_INDEX_BY_DEFAULT):
        return False
    return spatial_index_available()


def sphere_box(lat: float, lon: float, angular: float) -> ColumnElement[bool]:
    """Rows whose unit-sphere point lies in the cube around the origin that holds every
    point within ``angular`` radians of it.

    Such a point is within the chord 2 sin(angular/2) of the origin, so within that much
    along each axis; the slack covers rounding here and in the database.
    """
    half = 2 * math.sin(min(math.pi, angular) / 2) * (1 + 1e-12) + 1e-9
    phi, lam = math.radians(lat), math.radians(lon)
    centre = (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))
    # The corners are floats computed here, written into the SQL as geo_count writes its
    # cell ranges; the point must be the index's own expression for the planner to use it.
    low = ", ".join(repr(float(c - half)) for c in centre)
    high = ", ".join(repr(float(c + half)) for c in centre)
    return text(f"cube(ARRAY[{low}]::float8[], ARRAY[{high}]::float8[]) "
                f"@> {sphere_point_sql(SearchEntry.__tablename__ + '.')}")
