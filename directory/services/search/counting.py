"""Exact result counts for nearby searches, in time that barely grows with density.

Lead rows (one per practitioner) that lie in cells wholly inside the circle are
added up from ``search_cell``; only cells the circle's edge crosses are counted row
by row with the exact distance. A practitioner whose lead clinic is outside the
circle (or lapsed) but another clinic inside is found through that clinic's row,
which carries the lead's position. With filters the counts per cell don't apply,
and the rows that pass the filters are counted directly.
"""
from __future__ import annotations

import math
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select, text

from directory.extensions import db
from directory.models.search import SearchCell, SearchEntry
from directory.services.search import cells as geo_cells

# Past this many cell rows (a radius of a few hundred miles) the per-cell sums stop
# paying for themselves and the rows are counted directly.
MAX_CELL_ROWS = 400


def haversine(lat1: float, lon1: float, lat2: float, lon2: float, radius_of_earth: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * radius_of_earth * math.asin(min(1.0, math.sqrt(h)))


def count_practitioners(*, origin, radius, earth_radius, distance, lead_distance, filtered: bool,
                        filter_conditions, within: list[ColumnElement[bool]], today: date) -> int:
    """Distinct practitioners with a qualifying clinic inside the circle: those whose
    lead clinic qualifies, plus those found only through another clinic.

    ``within`` is the bounding-box conditions followed by the distance condition.
    """
    # Most second clinics sit near their lead, well inside the circle; a box inside
    # the circle rules those out before any distance is computed.
    inner = _inner_box(origin, radius, earth_radius)
    lead_outside = lead_distance > radius
    if inner is not None:
        (south, north), (west, east) = inner
        lead_outside = and_(or_(SearchEntry.lead_latitude < south, SearchEntry.lead_latitude > north,
                                SearchEntry.lead_longitude < west, SearchEntry.lead_longitude > east),
                            lead_outside)
    through_other = db.session.scalar(
        select(func.count(func.distinct(SearchEntry.practitioner_id)))
        .where(SearchEntry.lead.is_(False), *within[:-1],
               or_(SearchEntry.lead_expires_on < today, lead_outside),
               *filter_conditions, within[-1])) or 0
    cells = None if filtered else geo_cells.cover(origin[0], origin[1], radius, earth_radius, MAX_CELL_ROWS)
    if cells is None:
        return through_other + _count_rows(SearchEntry.lead.is_(True), *filter_conditions, *within)
    inside_total = 0
    if cells.inside:
        inside_total = db.session.scalar(
            select(func.coalesce(func.sum(SearchCell.lead_entries), 0))
            .where(_in_ranges(SearchCell.cell, cells.inside))) or 0
    # Cells hold rows until the licence lapses: take back those that expired since.
    stale = sum(1 for cell in db.session.scalars(
        select(SearchEntry.cell).where(SearchEntry.expires_on < today, SearchEntry.lead.is_(True)))
        if any(first <= cell <= last for first, last in cells.inside))
    # The box conditions are implied by the cells; leaving them out lets the
    # database read these rows through the cell index.
    on_edge = 0
    if cells.edge:
        on_edge = _count_rows(SearchEntry.lead.is_(True), _in_ranges(SearchEntry.cell, cells.edge),
                              *filter_conditions, distance <= radius)
    return through_other + inside_total - stale + on_edge


def _in_ranges(column, ranges: list[tuple[int, int]]) -> ColumnElement[bool]:
    # A hundred-odd BETWEENs as SQLAlchemy expressions with bound parameters cost
    # milliseconds to build; the bounds are integers computed here, so they are
    # written into the SQL directly.
    name = f"{column.table.name}.{column.name}"
    return text("(" + " OR ".join(f"{name} BETWEEN {int(a)} AND {int(b)}" for a, b in ranges) + ")")


def _inner_box(origin, radius: float, earth_radius: float):
    """A lat/lon box wholly inside the circle, or None near a pole or the antimeridian."""
    lat0, lon0 = origin
    half = math.degrees(radius / earth_radius / math.sqrt(2))
    if abs(lat0) + half > 80 or abs(lon0) + 2 * half / math.cos(math.radians(abs(lat0) + half)) > 179:
        return None
    half_lon = half / math.cos(math.radians(abs(lat0) + half))
    for _ in range(20):
        corners = [(lat0 + dy, lon0 + dx) for dy in (-half, half) for dx in (-half_lon, half_lon)]
        if all(haversine(lat0, lon0, lat, lon, earth_radius) < radius for lat, lon in corners):
            return (lat0 - half, lat0 + half), (lon0 - half_lon, lon0 + half_lon)
        half, half_lon = half * 0.9, half_lon * 0.9
    return None


def count_all(conditions, today: date, filtered: bool) -> int:
    """Distinct listed practitioners passing ``conditions``, wherever they are."""
    if filtered:
        leads = _count_rows(SearchEntry.lead.is_(True), *conditions)
    else:
        # Every cell, less the lead rows whose licence expired since they were indexed.
        leads = (db.session.scalar(select(func.coalesce(func.sum(SearchCell.lead_entries), 0))) or 0) \
            - _count_rows(SearchEntry.lead.is_(True), SearchEntry.expires_on < today)
    # Few rows have a lapsed lead, and an index on lead_expires_on finds them directly.
    through_other = db.session.scalar(
        select(func.count(func.distinct(SearchEntry.practitioner_id)))
        .where(SearchEntry.lead.is_(False), SearchEntry.lead_expires_on < today, *conditions)) or 0
    return leads + through_other


def _count_rows(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(SearchEntry).where(*conditions)) or 0
