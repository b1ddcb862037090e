"""Exact result counts for nearby searches, in time that barely grows with density.

Solo rows (practitioners with one indexed clinic) that lie in cells wholly inside
the circle are added up from ``search_cell``; only cells the circle's edge crosses
are counted row by row with the exact distance. Practitioners with several clinics
are few and are counted distinctly. With filters the counts per cell don't apply,
and the rows that pass the filters are counted directly.
"""
from __future__ import annotations

import math
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select

from directory.extensions import db
from directory.models.search import (CELL_COLUMNS, CELL_DEGREES, SearchCell, SearchEntry, cell_column,
                                     cell_row)

# Past this many cell rows (a radius of a few hundred miles) the per-cell sums stop
# paying for themselves and the rows are counted directly.
MAX_CELL_ROWS = 400


def haversine(lat1: float, lon1: float, lat2: float, lon2: float, radius_of_earth: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * radius_of_earth * math.asin(min(1.0, math.sqrt(h)))


def count_practitioners(*, origin, radius, earth_radius, box, distance, filtered: bool,
                        filter_conditions, within: list[ColumnElement[bool]], today: date) -> int:
    """Distinct practitioners with a qualifying clinic inside the circle."""
    multi = db.session.scalar(
        select(func.count(func.distinct(SearchEntry.practitioner_id)))
        .where(SearchEntry.solo.is_(False), *filter_conditions, *within)) or 0
    if filtered:
        return multi + _count_rows(SearchEntry.solo.is_(True), *filter_conditions, *within)
    cells = _cells_in_box(box)
    if cells is None:
        return multi + _count_rows(SearchEntry.solo.is_(True), *filter_conditions, *within)
    lat0, lon0 = origin
    inside: set[int] = set()
    edge: list[int] = []
    inside_total = 0
    # A cell is surely outside when even the point of it nearest the origin in
    # latitude and longitude lies beyond the radius by more than the cell's size.
    slack = 2 * math.radians(CELL_DEGREES) * earth_radius
    for cell, entries in cells:
        if _farthest_corner(cell, lat0, lon0, earth_radius) <= radius * (1 - 1e-12) - 1e-9:
            inside.add(cell)
            inside_total += entries
        elif _clamped_distance(cell, lat0, lon0, earth_radius) <= radius + slack:
            edge.append(cell)
    # Cells hold rows until the licence lapses: take back those that expired since.
    stale = sum(1 for cell in db.session.scalars(
        select(SearchEntry.cell).where(SearchEntry.expires_on < today, SearchEntry.solo.is_(True)))
        if cell in inside)
    # The box conditions are implied by the cells; leaving them out lets the
    # database read these rows through the cell index.
    on_edge = sum(_count_rows(SearchEntry.solo.is_(True), SearchEntry.cell.in_(edge[i:i + 500]),
                              *filter_conditions, distance <= radius)
                  for i in range(0, len(edge), 500))
    return multi + inside_total - stale + on_edge


def _count_rows(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(SearchEntry).where(*conditions)) or 0


def _cells_in_box(box) -> list[tuple[int, int]] | None:
    first, last = cell_row(box.south), cell_row(box.north)
    if last - first + 1 > MAX_CELL_ROWS:
        return None
    column_ranges = [(cell_column(w), cell_column(min(e, 180.0 - 1e-9))) for w, e in box.lon_ranges]
    ranges = [SearchCell.cell.between(row * CELL_COLUMNS + a, row * CELL_COLUMNS + b)
              for row in range(first, last + 1) for a, b in column_ranges]
    result: list = []
    for i in range(0, len(ranges), 200):
        result += db.session.execute(
            select(SearchCell.cell, SearchCell.solo_entries)
            .where(or_(*ranges[i:i + 200]), SearchCell.solo_entries > 0)).all()
    return result


def _cell_bounds(cell: int) -> tuple[float, float]:
    row, column = divmod(cell, CELL_COLUMNS)
    return -90.0 + row * CELL_DEGREES, -180.0 + column * CELL_DEGREES


def _clamped_distance(cell: int, lat0: float, lon0: float, earth_radius: float) -> float:
    south, west = _cell_bounds(cell)
    lat = min(max(lat0, south), south + CELL_DEGREES)
    # Longitudes compare modulo 360 so cells across the antimeridian clamp the short way.
    offset = (lon0 - west + 180.0) % 360.0 - 180.0
    lon = west + min(max(offset, 0.0), CELL_DEGREES)
    return haversine(lat0, lon0, lat, lon, earth_radius)


def _farthest_corner(cell: int, lat0: float, lon0: float, earth_radius: float) -> float:
    # Along a parallel or a meridian the distance from a point has no interior
    # maximum, so the farthest point of a lat/lon cell is one of its corners.
    south, west = _cell_bounds(cell)
    return max(haversine(lat0, lon0, lat, lon, earth_radius)
               for lat in (south, min(90.0, south + CELL_DEGREES))
               for lon in (west, west + CELL_DEGREES))
