"""Nearby search: listed practitioners ranked by great-circle distance.

The database does the work. A bounding box, expressed as a few longitude stripes
each with a latitude range, reads a narrow slice of the search index; the exact
haversine distance (the same sphere geopy's ``great_circle`` uses) then decides
the radius and the order. Only the requested page is loaded into Python.

On PostgreSQL with the optional spatial index (``models.search_spatial``), a box
around the origin in 3-D space can pick the candidates instead of the stripes; the
haversine still decides, so both paths return the same results. Whether it is used
follows ``SEARCH_SPATIAL_INDEX``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select

from directory.extensions import db
from directory.models import Clinic, Licence, Practitioner, SearchEntry
from directory.models.search import LON_BUCKETS, lon_bucket
from directory.services.search.spatial import sphere_box, uses_spatial_index
from directory.services.search.counting import count_all, count_practitioners

EARTH_RADIUS_KM = 6371.009  # geopy.distance.EARTH_RADIUS
KM_PER_MILE = 1.609344
UNITS = ("mi", "km")
MAX_RADIUS = {"mi": 500.0, "km": 800.0}


def earth_radius(unit: str) -> float:
    return EARTH_RADIUS_KM if unit == "km" else EARTH_RADIUS_KM / KM_PER_MILE


@dataclass(frozen=True)
class Filters:
    technique: str | None = None      # technique slug
    language: str | None = None       # language name, any case
    min_years: int | None = None      # minimum years treating chronic pain
    accepting: bool | None = None     # True: only those accepting new patients

    @property
    def active(self) -> bool:
        return bool(self.technique or self.language or self.min_years or self.accepting)


@dataclass(frozen=True)
class Hit:
    practitioner: Practitioner
    clinic: Clinic
    licence: Licence
    distance: float | None  # in the search's unit; None when no origin was given


@dataclass
class Page:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    radius: float | None = None
    unit: str = "mi"
    origin: tuple[float, float] | None = field(default=None)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


@dataclass(frozen=True)
class BoundingBox:
    south: float
    north: float
    lon_ranges: tuple[tuple[float, float], ...]  # west..east pairs, split at the antimeridian

    def buckets(self) -> list[int] | None:
        """Longitude stripes the box covers, or None when it spans (nearly) all of them."""
        found: set[int] = set()
        for west, east in self.lon_ranges:
            first, last = lon_bucket(west), lon_bucket(min(east, 179.999999))
            found.update(range(first, last + 1))
        return None if len(found) > LON_BUCKETS // 2 else sorted(found)


def bounding_box(lat: float, lon: float, radius: float, unit: str) -> BoundingBox:
    """Smallest lat/lon box holding every point within ``radius`` of the origin."""
    angular = radius / earth_radius(unit)
    margin = 1e-9
    south = lat - math.degrees(angular) - margin
    north = lat + math.degrees(angular) + margin
    if south <= -90 or north >= 90 or angular >= math.pi / 2:
        return BoundingBox(max(south, -90.0), min(north, 90.0), ((-180.0, 180.0),))
    dlon = math.degrees(math.asin(min(1.0, math.sin(angular) / math.cos(math.radians(lat))))) + margin
    west, east = lon - dlon, lon + dlon
    if west < -180:
        ranges = ((west + 360, 180.0), (-180.0, east))
    elif east > 180:
        ranges = ((west, 180.0), (-180.0, east - 360))
    else:
        ranges = ((west, east),)
    return BoundingBox(south, north, ranges)


def distance_expression(lat: float, lon: float, unit: str, lead: bool = False) -> ColumnElement[float]:
    """Haversine distance from the origin to an index row (or its lead clinic), in ``unit``, as SQL."""
    row_lat = SearchEntry.lead_latitude if lead else SearchEntry.latitude
    row_lon = SearchEntry.lead_longitude if lead else SearchEntry.longitude
    lat0, lon0 = math.radians(lat), math.radians(lon)
    half_dlat = func.sin((func.radians(row_lat) - lat0) / 2)
    half_dlon = func.sin((func.radians(row_lon) - lon0) / 2)
    h = half_dlat * half_dlat + math.cos(lat0) * func.cos(func.radians(row_lat)) * half_dlon * half_dlon
    return 2 * earth_radius(unit) * func.asin(func.sqrt(h))


def _filter_conditions(filters: Filters, today: date) -> list[ColumnElement[bool]]:
    conditions = [SearchEntry.expires_on >= today]
    if filters.technique:
        conditions.append(SearchEntry.techniques_key.contains(f"|{filters.technique.lower()}|"))
    if filters.language:
        conditions.append(SearchEntry.languages_key.contains(f"|{filters.language.lower()}|"))
    if filters.min_years:
        conditions.append(SearchEntry.years_chronic_pain >= filters.min_years)
    if filters.accepting:
        conditions.append(SearchEntry.accepting_new_patients.is_(True))
    return conditions


def _box_conditions(box: BoundingBox) -> list[ColumnElement[bool]]:
    conditions = [SearchEntry.latitude.between(box.south, box.north)]
    buckets = box.buckets()
    if buckets is not None:
        conditions.append(SearchEntry.lon_bucket.in_(buckets))
    conditions.append(or_(*(SearchEntry.longitude.between(w, e) for w, e in box.lon_ranges)))
    return conditions


def _candidates(lat: float, lon: float, radius: float, unit: str, spatial: bool) -> list[ColumnElement[bool]]:
    """Conditions every row within ``radius`` meets, narrowing the rows read to about the circle."""
    if spatial:
        return [sphere_box(lat, lon, radius / earth_radius(unit))]
    return _box_conditions(bounding_box(lat, lon, radius, unit))


def search(origin: tuple[float, float] | None, *, radius: float = 25.0, unit: str = "mi",
           filters: Filters = Filters(), page: int = 1, per_page: int = 20,
           today: date | None = None) -> Page:
    """One result per practitioner, at its nearest qualifying clinic.

    With an origin: practitioners within ``radius`` ordered by distance (then name).
    Without: every listed practitioner ordered by name, distance None.
    """
    today = today or date.today()
    offset = (page - 1) * per_page
    conditions = _filter_conditions(filters, today)
    if origin is None:
        total = count_all(conditions, today, filters.active)
        rows = _by_name(conditions, offset, per_page) if offset < total else []
        return Page(hits=_load_hits(rows), total=total, page=page, per_page=per_page, unit=unit)
    lat, lon = origin
    spatial = uses_spatial_index()
    box_conditions = _candidates(lat, lon, radius, unit, spatial)
    distance = distance_expression(lat, lon, unit)
    total = count_practitioners(
        origin=origin, radius=radius, earth_radius=earth_radius(unit), distance=distance,
        lead_distance=distance_expression(lat, lon, unit, lead=True),
        filtered=filters.active,
        filter_conditions=conditions, within=[*box_conditions, distance <= radius], today=today)
    rows = []
    if offset < total:
        rows = _nearest(lat, lon, unit, radius, distance, conditions, offset, per_page, total, spatial)
    return Page(hits=_load_hits(rows), total=total, page=page, per_page=per_page,
                radius=radius, unit=unit, origin=origin)


def _nearest(lat, lon, unit, radius, distance, conditions, offset, per_page, total, spatial):
    """The page's rows, reading only a little more than the page from the index.

    Rows within a smaller radius r are exactly the nearest ones whenever there are
    enough of them. Matches crowd towards city centres, so the search starts with
    an r that would hold a quarter of the rows needed were they spread evenly, and
    doubles it until it holds enough: each round reads only what its circle holds.
    """
    wanted = offset + per_page
    reach = radius if total <= wanted else radius * math.sqrt(wanted / total) / 2
    while True:
        rows = _by_distance(distance, [*conditions, *_candidates(lat, lon, reach, unit, spatial),
                                       distance <= reach], offset, per_page)
        if len(rows) == per_page or reach >= radius:
            return rows
        reach = min(radius, reach * 2)


def _by_distance(distance, conditions, offset: int, per_page: int) -> list[tuple]:
    return _first_per_practitioner(
        distance.label("distance"),
        (distance, SearchEntry.sort_name, SearchEntry.practitioner_id, SearchEntry.clinic_id),
        conditions, offset, per_page)


def _by_name(conditions, offset: int, per_page: int) -> list[tuple]:
    return _first_per_practitioner(
        None, (SearchEntry.sort_name, SearchEntry.practitioner_id, SearchEntry.clinic_id),
        conditions, offset, per_page)


def _first_per_practitioner(distance, order_by, conditions, offset: int, per_page: int) -> list[tuple]:
    """Rows of the page, one per practitioner, without sorting every match.

    The database keeps a top-N of index rows in the given order; later rows of a
    practitioner already seen are dropped here. Most practitioners have one clinic,
    so one round usually suffices; otherwise the window doubles.
    """
    wanted = offset + per_page
    limit = wanted * 2 + 10
    columns = [SearchEntry.practitioner_id, SearchEntry.clinic_id, SearchEntry.licence_id]
    if distance is not None:
        columns.append(distance)
    while True:
        rows = db.session.execute(select(*columns).where(*conditions).order_by(*order_by).limit(limit)).all()
        seen: set[int] = set()
        unique = []
        for row in rows:
            if row[0] not in seen:
                seen.add(row[0])
                unique.append((row[0], row[1], row[2], row[3] if distance is not None else None))
        if len(unique) >= wanted or len(rows) < limit:
            return unique[offset:wanted]
        limit *= 2


def _load_hits(rows) -> list[Hit]:
    if not rows:
        return []
    practitioners = {p.id: p for p in db.session.scalars(
        select(Practitioner).where(Practitioner.id.in_([r[0] for r in rows])))}
    clinics = {c.id: c for c in db.session.scalars(select(Clinic).where(Clinic.id.in_([r[1] for r in rows])))}
    licences = {lic.id: lic for lic in db.session.scalars(
        select(Licence).where(Licence.id.in_([r[2] for r in rows])))}
    return [Hit(practitioners[p], clinics[c], licences[lic], None if d is None else float(d))
            for p, c, lic, d in rows]
