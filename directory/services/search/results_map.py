"""The map beside search results, drawn on the server: the search circle, its origin,
numbered pins matching the list, over the state and county lines shipped with the app.

It needs no network and no JavaScript (a street map may enhance it in the browser). The
projection is equirectangular about the origin: east-west distances scaled by the cosine of
the origin's latitude, which over a search circle (500 miles at most) stays close enough to
the true distances for a picture; the circle itself is drawn through points at the exact
great-circle distance on the search's sphere (``area.earth_radius``).
"""
from __future__ import annotations

import gzip
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from directory.data.build_us_outlines import OUTLINES
from directory.services.search.area import KM_PER_MILE, earth_radius
from directory.services.search.nearby import Page

SIZE = 400.0          # the drawing's longer side, in SVG user units
MARGIN = 0.08         # around the circle, as a share of its width
MIN_HALF_SPAN = 0.25  # in the search's unit: a tiny radius still shows its streets' county
CIRCLE_POINTS = 96
GRID_DEGREES = 1      # cells of the outline index
DETAIL = 0.75         # SVG units: closer points of a line are dropped (a wide view has many)
COUNTY_LINES_KM = 500  # wider views show state lines only: thousands of county lines are clutter


@dataclass(frozen=True)
class Pin:
    number: int          # the result's number in the list
    latitude: float
    longitude: float
    label: str           # practitioner and clinic
    anchor: str          # id of the result's card on the page


@dataclass(frozen=True)
class DrawnPin:
    number: int
    x: float
    y: float
    label: str
    anchor: str


@dataclass(frozen=True)
class ResultsMap:
    width: float
    height: float
    state_lines: str     # SVG path data
    county_lines: str
    circle: str
    origin_x: float
    origin_y: float
    pins: tuple[DrawnPin, ...]
    latitude: float      # the origin, the radius and the pins again, for a street map in the browser
    longitude: float
    radius_metres: float
    located: tuple[Pin, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"

    def street_map(self) -> dict:
        """What static/js/results-map.js reads (the template writes it as JSON)."""
        return {"origin": [self.latitude, self.longitude], "radius": self.radius_metres,
                "pins": [{"number": p.number, "lat": p.latitude, "lon": p.longitude, "label": p.label,
                          "anchor": p.anchor} for p in self.located]}


def anchor(number: int) -> str:
    # Not "result-<n>": the cards' headings already use that for practitioner ids.
    return f"result-number-{number}"


def for_page(results: Page | None) -> ResultsMap | None:
    """The map of a page of results, or None when there is nothing to map."""
    if results is None or results.origin is None or results.radius is None or not results.hits:
        return None
    first = (results.page - 1) * results.per_page + 1
    pins = [Pin(first + i, hit.clinic.latitude, hit.clinic.longitude,
                f"{hit.practitioner.display_name}, {hit.clinic.name}", anchor(first + i))
            for i, hit in enumerate(results.hits)]
    return draw(results.origin, results.radius, results.unit, pins)


# Outlines ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outlines:
    state: tuple[tuple[float, ...], ...]    # pieces: west, south, east, north, lon, lat, lon, lat...
    county: tuple[tuple[float, ...], ...]
    grid: dict[tuple[int, int], tuple[tuple[str, int], ...]]  # cell -> (kind, piece index)


def _cells(west: float, south: float, east: float, north: float) -> Iterable[tuple[int, int]]:
    for lat in range(math.floor(south / GRID_DEGREES), math.floor(north / GRID_DEGREES) + 1):
        for lon in range(math.floor(west / GRID_DEGREES), math.floor(east / GRID_DEGREES) + 1):
            yield lat, lon


@lru_cache(maxsize=1)
def outlines() -> Outlines:
    """The shipped state and county lines, indexed by 1-degree cell (loaded once per process;
    gunicorn's master loads it before forking, see ``directory/warmup.py``)."""
    data = json.loads(gzip.decompress(OUTLINES.read_bytes()))
    grid: dict[tuple[int, int], list[tuple[str, int]]] = defaultdict(list)
    kinds = {}
    for kind in ("state", "county"):
        kinds[kind] = tuple(tuple(piece) for piece in data[kind])
        for i, piece in enumerate(kinds[kind]):
            for cell in _cells(*piece[:4]):
                grid[cell].append((kind, i))
    return Outlines(kinds["state"], kinds["county"], {cell: tuple(found) for cell, found in grid.items()})


def _pieces_in(box: tuple[float, float, Sequence[tuple[float, float]]],
               kinds: tuple[str, ...]) -> dict[str, list[tuple[float, ...]]]:
    """Pieces whose box meets the latitude range and any of the longitude ranges."""
    south, north, lon_ranges = box
    found = outlines()
    chosen: dict[str, set[int]] = {"state": set(), "county": set()}
    for west, east in lon_ranges:
        for cell in _cells(west, south, east, north):
            for kind, i in found.grid.get(cell, ()):
                if kind in kinds:
                    chosen[kind].add(i)
    pieces = {"state": found.state, "county": found.county}
    return {kind: [pieces[kind][i] for i in sorted(indexes)
                   if pieces[kind][i][1] <= north and pieces[kind][i][3] >= south
                   and any(pieces[kind][i][0] <= east and pieces[kind][i][2] >= west for west, east in lon_ranges)]
            for kind, indexes in chosen.items()}


# Geometry ---------------------------------------------------------------------------------

def destination(origin: tuple[float, float], bearing: float, distance: float, unit: str) -> tuple[float, float]:
    """The point at ``distance`` along the great circle leaving ``origin`` at ``bearing`` degrees."""
    lat1, lon1 = math.radians(origin[0]), math.radians(origin[1])
    angle, theta = distance / earth_radius(unit), math.radians(bearing)
    lat2 = math.asin(min(1.0, max(-1.0, math.sin(lat1) * math.cos(angle)
                                  + math.cos(lat1) * math.sin(angle) * math.cos(theta))))
    lon2 = lon1 + math.atan2(math.sin(theta) * math.sin(angle) * math.cos(lat1),
                             math.cos(angle) - math.sin(lat1) * math.sin(lat2))
    return math.degrees(lat2), (math.degrees(lon2) + 540) % 360 - 180


def circle_points(origin: tuple[float, float], radius: float, unit: str) -> list[tuple[float, float]]:
    return [destination(origin, 360 * i / CIRCLE_POINTS, radius, unit) for i in range(CIRCLE_POINTS)]


def _east_of(lon: float, lon0: float) -> float:
    """Degrees east of ``lon0``, between -180 and 180: the antimeridian is no edge."""
    return (lon - lon0 + 540) % 360 - 180


class _Projection:
    """Latitude/longitude to distances (in the search's unit) east and north of the origin,
    then to SVG units inside the view."""

    def __init__(self, origin: tuple[float, float], unit: str):
        self.lat0, self.lon0 = origin
        self.per_degree = math.radians(earth_radius(unit))
        # Never zero, so a view at a pole still has a width.
        self.cos = max(math.cos(math.radians(self.lat0)), 1e-6)
        self.west = self.east = self.south = self.north = 0.0  # the view, set by fit
        self.scale = 1.0

    def local(self, lat: float, lon: float) -> tuple[float, float]:
        return (_east_of(lon, self.lon0) * self.cos * self.per_degree, (lat - self.lat0) * self.per_degree)

    def fit(self, points: Sequence[tuple[float, float]]) -> tuple[float, float]:
        """Frame the local points with a margin; the drawing's width and height."""
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        half = max(MIN_HALF_SPAN, (max(xs) - min(xs)) / 2, (max(ys) - min(ys)) / 2)
        pad = 2 * half * MARGIN
        west, east = min(min(xs), -MIN_HALF_SPAN) - pad, max(max(xs), MIN_HALF_SPAN) + pad
        south, north = min(min(ys), -MIN_HALF_SPAN) - pad, max(max(ys), MIN_HALF_SPAN) + pad
        self.west, self.east, self.south, self.north = west, east, south, north
        self.scale = SIZE / max(east - west, north - south)
        return round((east - west) * self.scale, 1), round((north - south) * self.scale, 1)

    def screen(self, local: tuple[float, float]) -> tuple[float, float]:
        return (local[0] - self.west) * self.scale, (self.north - local[1]) * self.scale

    def box(self) -> tuple[float, float, list[tuple[float, float]]]:
        """The view as a latitude range and longitude ranges (split at the antimeridian)."""
        south = max(-90.0, self.lat0 + self.south / self.per_degree)
        north = min(90.0, self.lat0 + self.north / self.per_degree)
        west = self.west / (self.cos * self.per_degree)
        east = self.east / (self.cos * self.per_degree)
        if south <= -89.0 or north >= 89.0 or east - west >= 360:
            return south, north, [(-180.0, 180.0)]
        west, east = self.lon0 + west, self.lon0 + east
        if west < -180:
            return south, north, [(west + 360, 180.0), (-180.0, east)]
        if east > 180:
            return south, north, [(west, 180.0), (-180.0, east - 360)]
        return south, north, [(west, east)]


def _path(points: Iterable[tuple[float, float]], closed: bool = False) -> str:
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points) + ("Z" if closed else "")


def _lines(pieces: list[tuple[float, ...]], projection: _Projection) -> str:
    paths = []
    for piece in pieces:
        run: list[tuple[float, float]] = []
        previous = None
        for i in range(4, len(piece), 2):
            lon, lat = piece[i], piece[i + 1]
            east = _east_of(lon, projection.lon0)
            if previous is not None and abs(east - previous) > 180 and len(run) > 1:
                paths.append(_path(run))  # the piece crosses the far side of the world: break it
                run = []
            previous = east
            point = projection.screen(projection.local(lat, lon))
            if len(run) > 1 and i < len(piece) - 2 and abs(point[0] - run[-1][0]) + abs(point[1] - run[-1][1]) < DETAIL:
                continue
            run.append(point)
        if len(run) > 1:
            paths.append(_path(run))
    return "".join(paths)


def draw(origin: tuple[float, float], radius: float, unit: str, pins: Sequence[Pin]) -> ResultsMap:
    projection = _Projection(origin, unit)
    ring = [projection.local(lat, lon) for lat, lon in circle_points(origin, radius, unit)]
    located = [projection.local(pin.latitude, pin.longitude) for pin in pins]
    width, height = projection.fit([*ring, *located, (0.0, 0.0)])
    wide = SIZE / projection.scale * (KM_PER_MILE if unit == "mi" else 1.0) > COUNTY_LINES_KM
    lines = _pieces_in(projection.box(), ("state",) if wide else ("state", "county"))
    origin_x, origin_y = projection.screen((0.0, 0.0))
    return ResultsMap(
        width=width, height=height,
        state_lines=_lines(lines["state"], projection),
        county_lines=_lines(lines["county"], projection),
        circle=_path((projection.screen(p) for p in ring), closed=True),
        origin_x=round(origin_x, 1), origin_y=round(origin_y, 1),
        pins=tuple(DrawnPin(pin.number, round(x, 1), round(y, 1), pin.label, pin.anchor)
                   for pin, (x, y) in zip(pins, map(projection.screen, located))),
        latitude=origin[0], longitude=origin[1],
        radius_metres=radius * (KM_PER_MILE if unit == "mi" else 1.0) * 1000,
        located=tuple(pins),
    )
