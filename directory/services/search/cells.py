"""Which cells of the count grid lie wholly inside a search circle, and which on its edge.

Pure geometry, row by row of the grid: at a fixed latitude the distance from the
origin grows with the longitude difference, so for each row the cells inside form
one run of columns around the origin's longitude, and the cells the edge may cross
form a run on either side of it. Runs are returned as ranges of cell numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from directory.models.search import CELL_COLUMNS, CELL_DEGREES, CELL_ROWS, cell_row

CellRange = tuple[int, int]  # first and last cell number, inclusive


@dataclass(frozen=True)
class CellCover:
    inside: list[CellRange]
    edge: list[CellRange]


def _reach(phi: float, phi0: float, angular: float) -> float | None:
    """Largest longitude difference (degrees) within ``angular`` radians of the origin at
    latitude ``phi`` (radians); None when no point of that latitude is that close."""
    den = math.cos(phi) * math.cos(phi0)
    if den <= 1e-15:  # a pole: every longitude is the same point
        return 180.0 if abs(phi - phi0) <= angular else None
    x = (math.cos(angular) - math.sin(phi) * math.sin(phi0)) / den
    if x > 1:
        return None
    return 180.0 if x <= -1 else math.degrees(math.acos(x))


def _wrapped(first: int, last: int) -> list[tuple[int, int]]:
    """Column runs that may run past either end of the grid, as in-range pieces."""
    if last < first:
        return []
    if last - first + 1 >= CELL_COLUMNS:
        return [(0, CELL_COLUMNS - 1)]
    a, b = first % CELL_COLUMNS, last % CELL_COLUMNS
    return [(a, b)] if a <= b else [(a, CELL_COLUMNS - 1), (0, b)]


def cover(lat0: float, lon0: float, radius: float, earth_radius: float,
          max_rows: int) -> CellCover | None:
    """Cells wholly inside the circle, and cells that may hold points of it but are
    not wholly inside. None when the circle spans more than ``max_rows`` rows."""
    inner = (radius * (1 - 1e-12) - 1e-9) / earth_radius
    # A tenth of a cell of slack keeps every cell the edge might cross, whatever the
    # rounding: those rows are then tested one by one with the exact distance.
    outer = (radius + 0.1 * math.radians(CELL_DEGREES) * earth_radius) / earth_radius
    phi0 = math.radians(lat0)
    south = max(-90.0, lat0 - math.degrees(outer))
    north = min(90.0, lat0 + math.degrees(outer))
    first_row, last_row = cell_row(south), cell_row(north)
    if last_row - first_row + 1 > max_rows:
        return None
    origin_column = (lon0 + 180.0) / CELL_DEGREES  # unwrapped, fractional
    inside: list[CellRange] = []
    edge: list[CellRange] = []
    for row in range(first_row, min(last_row, CELL_ROWS - 1) + 1):
        s = -90.0 + row * CELL_DEGREES
        n = s + CELL_DEGREES
        edges = [math.radians(s), math.radians(n)]
        nearest = math.radians(min(max(lat0, s), n))
        reach_out = [r for r in (_reach(p, phi0, outer) for p in (*edges, nearest)) if r is not None]
        if not reach_out:
            continue
        out = max(reach_out)
        lo_out = math.floor(origin_column - out / CELL_DEGREES)
        # Never more than one turn of the globe, so no column is listed twice.
        hi_out = min(math.floor(origin_column + out / CELL_DEGREES), lo_out + CELL_COLUMNS - 1)
        reach_in = [_reach(p, phi0, inner) for p in edges]
        runs_edge = [(lo_out, hi_out)]
        if None not in reach_in:
            m = min(reach_in)
            if m >= 180.0:
                lo_in, hi_in = lo_out, hi_out
            else:
                lo_in = max(lo_out, math.ceil(origin_column - m / CELL_DEGREES))
                hi_in = min(hi_out, math.floor(origin_column + m / CELL_DEGREES) - 1)
            if lo_in <= hi_in:
                inside += [(row * CELL_COLUMNS + a, row * CELL_COLUMNS + b) for a, b in _wrapped(lo_in, hi_in)]
                runs_edge = [(lo_out, lo_in - 1), (hi_in + 1, hi_out)]
        for first, last in runs_edge:
            edge += [(row * CELL_COLUMNS + a, row * CELL_COLUMNS + b) for a, b in _wrapped(first, last)]
    return CellCover(inside, edge)
