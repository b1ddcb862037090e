"""Exact result counts for nearby searches, in time that barely grows with density.

Primary rows (one per practitioner) that lie in cells wholly inside the circle are
added up from ``search_cell``; only cells the circle's edge crosses are counted row
by row with the exact distance. A practitioner whose primary clinic is outside the
circle (or lapsed) but another clinic inside is found through that clinic's row,
which carries the primary clinic's position and expiry. With filters the counts per
cell don't apply, and the rows that pass the filters are counted directly.
"""
from __future__ import annotations

import math
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select, text

from directory.extensions import db
from directory.models.search import SearchCell, SearchEntry
from directory.services.search import cells as geo_cells
from directory.services.search.area import Circle, Filters, box_sql, distance_sql, filter_sql

# Past this many cell rows (a radius of a few hundred miles) the per-cell sums stop
# paying for themselves and the rows are counted directly.
MAX_CELL_ROWS = 400
# Up to this many cell ranges are counted in one statement (a 100-mile circle has 434; at 758,
# a 175-mile one, SQLite found the statement too deep).
MAX_RANGES_TOGETHER = 500
# Up to this many cells are listed one by one for PostgreSQL (a 25-mile circle has about 1,500, a 50-mile one 5,600).
MAX_LISTED_CELLS = 8000


def haversine(lat1: float, lon1: float, lat2: float, lon2: float, radius_of_earth: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * radius_of_earth * math.asin(min(1.0, math.sqrt(h)))


def count_practitioners(circle: Circle, filters: Filters, today: date) -> int:
    """Distinct practitioners with a qualifying clinic inside the circle: those whose
    primary clinic qualifies, plus those found only through another clinic."""
    box = box_sql(circle)
    distance = distance_sql(circle)
    conditions = filter_sql(filters, today)
    if filters.by_clinic:
        # A practitioner's clinics differ on the filter: the primary row speaks for none but itself.
        return _count_practitioners_of(*box, *conditions, distance <= circle.radius)
    # Most second clinics sit near their primary one, well inside the circle; a box inside
    # the circle rules those out before any distance is computed.
    inner = _inner_box(circle)
    primary_outside = distance_sql(circle, to_primary=True) > circle.radius
    if inner is not None:
        (south, north), (west, east) = inner
        primary_outside = and_(or_(SearchEntry.primary_latitude < south, SearchEntry.primary_latitude > north,
                                   SearchEntry.primary_longitude < west, SearchEntry.primary_longitude > east),
                               primary_outside)
    # Every part is a scalar subquery of one statement: one round trip, which on a database
    # server costs more than most of these counts do.
    through_other = select(func.count(func.distinct(SearchEntry.practitioner_id))).where(
        SearchEntry.is_primary.is_(False), *box, or_(SearchEntry.primary_expires_on < today, primary_outside),
        *conditions, distance <= circle.radius)
    cells = None if filters.active else geo_cells.cover(
        circle.latitude, circle.longitude, circle.radius, circle.earth_radius, MAX_CELL_ROWS)
    if cells is None:
        return _sum_of(through_other, _rows(SearchEntry.is_primary.is_(True), *conditions, *box,
                                            distance <= circle.radius))
    parts = [through_other]
    if cells.inside:
        parts.append(select(func.coalesce(func.sum(SearchCell.primary_entries), 0))
                     .where(_in_ranges(SearchCell.cell, cells.inside)))
        # Cells hold rows until the licence lapses: take back those that expired since. Few
        # have: they are found by expiry, and their cells checked without the cell index
        # (SQLite would otherwise read every row of the circle through it).
        parts.append(select(-func.count()).select_from(SearchEntry).where(
            SearchEntry.expires_on < today, SearchEntry.is_primary.is_(True),
            _in_ranges(SearchEntry.cell, cells.inside, indexed=False)))
    if cells.edge:
        # The box conditions are implied by the cells; leaving them out lets the
        # database read these rows through the cell index.
        parts.append(_rows(SearchEntry.is_primary.is_(True),
                           _in_ranges(SearchEntry.cell, cells.edge, listed=True), *conditions,
                           distance <= circle.radius))
    # SQLite refuses an expression deeper than 1,000: past a couple of hundred miles the
    # cells' ranges no longer fit one statement, and each count goes on its own.
    return _sum_of(*parts, together=len(cells.inside) + len(cells.edge) <= MAX_RANGES_TOGETHER)


def _sum_of(*counts, together: bool = True) -> int:
    """The sum of these one-value queries, asked in one statement (or one each)."""
    if not together:
        return sum(db.session.scalar(count) or 0 for count in counts)
    return sum(value or 0 for value in db.session.execute(
        select(*(count.scalar_subquery() for count in counts))).one())


def _rows(*conditions):
    return select(func.count()).select_from(SearchEntry).where(*conditions)


def _in_ranges(column, ranges: list[tuple[int, int]], *, listed: bool = False,
               indexed: bool = True) -> ColumnElement[bool]:
    """``listed``: for PostgreSQL, name the cells one by one rather than as ranges.
    ``indexed=False``: test the column as a value no index serves (``cell + 0``).

    PostgreSQL weighs every index of search_entry for every BETWEEN of an OR: planning the ~70
    edge ranges of a 25-mile circle took 4 ms at 1,000,000 practitioners, more than the count
    itself, where ``cell = ANY(array)`` plans in 0.3 ms. search_cell keeps its ranges: its
    ~35 plan in 0.3 ms and read the primary key, where a list of its 1,300 cells is read by
    scanning the whole table (8 ms)."""
    # The bounds are integers computed here, so they are written into the SQL directly: a
    # hundred-odd BETWEENs as expressions with bound parameters cost milliseconds to build.
    name = f"{column.table.name}.{column.name}" if indexed else f"({column.table.name}.{column.name} + 0)"
    cells = sum(last - first + 1 for first, last in ranges)
    if listed and cells <= MAX_LISTED_CELLS and db.session.get_bind().dialect.name == "postgresql":
        return text(f"{name} = ANY('{{{','.join(str(c) for a, b in ranges for c in range(a, b + 1))}}}'::integer[])")
    return text("(" + " OR ".join(f"{name} BETWEEN {int(a)} AND {int(b)}" for a, b in ranges) + ")")


def _inner_box(circle: Circle) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """A lat/lon box wholly inside the circle, or None near a pole or the antimeridian."""
    lat0, lon0 = circle.latitude, circle.longitude
    half = math.degrees(circle.radius / circle.earth_radius / math.sqrt(2))
    if abs(lat0) + half > 80 or abs(lon0) + 2 * half / math.cos(math.radians(abs(lat0) + half)) > 179:
        return None
    half_lon = half / math.cos(math.radians(abs(lat0) + half))
    for _ in range(20):
        corners = [(lat0 + dy, lon0 + dx) for dy in (-half, half) for dx in (-half_lon, half_lon)]
        if all(haversine(lat0, lon0, lat, lon, circle.earth_radius) < circle.radius for lat, lon in corners):
            return (lat0 - half, lat0 + half), (lon0 - half_lon, lon0 + half_lon)
        half, half_lon = half * 0.9, half_lon * 0.9
    return None


def count_all(filters: Filters, today: date) -> int:
    """Distinct practitioners listed on ``today`` and passing the filters, wherever they are."""
    conditions = filter_sql(filters, today)
    if filters.by_clinic:
        return _count_practitioners_of(*conditions)
    if filters.active:
        primaries = _count_rows(SearchEntry.is_primary.is_(True), *conditions)
    else:
        # Every cell, less the primary rows whose licence expired since they were indexed.
        primaries = (db.session.scalar(select(func.coalesce(func.sum(SearchCell.primary_entries), 0))) or 0) \
            - _count_rows(SearchEntry.is_primary.is_(True), SearchEntry.expires_on < today)
    # Few rows have a lapsed primary, and an index on primary_expires_on finds them directly.
    through_other = db.session.scalar(
        select(func.count(func.distinct(SearchEntry.practitioner_id)))
        .where(SearchEntry.is_primary.is_(False), SearchEntry.primary_expires_on < today, *conditions)) or 0
    return primaries + through_other


def _count_rows(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(SearchEntry).where(*conditions)) or 0


def _count_practitioners_of(*conditions) -> int:
    return db.session.scalar(select(func.count(func.distinct(SearchEntry.practitioner_id))).where(*conditions)) or 0
