"""What a nearby search asks for, as values, and the conditions on the search index they become.

A search is a circle on geopy's sphere (``great_circle``) plus filters. The circle is
read through a bounding box, a few 0.25-degree longitude stripes each with a latitude
range, which a B-tree on the index answers on SQLite and PostgreSQL alike; the exact
haversine distance then decides the radius and the order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_

from directory.models.search import LON_BUCKETS, SearchEntry, listed_on, lon_bucket

EARTH_RADIUS_KM = 6371.009  # geopy.distance.EARTH_RADIUS
KM_PER_MILE = 1.609344


def earth_radius(unit: str) -> float:
    return EARTH_RADIUS_KM if unit == "km" else EARTH_RADIUS_KM / KM_PER_MILE


@dataclass(frozen=True)
class Filters:
    technique: str | None = None      # technique slug
    language: str | None = None       # language name, any case
    min_years: int | None = None      # minimum years treating chronic pain
    accepting: bool | None = None     # True: only those accepting new patients
    insurance: str | None = None      # an INSURANCE name, any case
    therapy: str | None = None        # a complementary therapy slug
    max_fee_cents: int | None = None  # first-visit fee at most this (practitioners without a fee left out)
    # Only clinics whose next free first visit starts by then (``available_within`` days from now).
    available_by: datetime | None = None

    @property
    def active(self) -> bool:
        return bool(self.technique or self.language or self.min_years or self.accepting or self.insurance
                    or self.therapy or self.max_fee_cents is not None or self.available_by is not None)

    @property
    def by_clinic(self) -> bool:
        """Whether a practitioner's clinics can differ on a filter (the next free time), so that
        counting must look at every row rather than at each practitioner's primary one."""
        return self.available_by is not None


@dataclass(frozen=True)
class Circle:
    latitude: float
    longitude: float
    radius: float
    unit: str  # "mi" or "km", for the radius and the distances

    @property
    def earth_radius(self) -> float:
        return earth_radius(self.unit)

    def with_radius(self, radius: float) -> Circle:
        return replace(self, radius=radius)


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


# The SQL below is a pure function of frozen values, and building it costs about as much
# as running a small query; searches repeat (a ZIP code, a city) and the count and the page
# of one search need the same pieces, so each piece is built once.
@lru_cache(maxsize=256)
def distance_sql(circle: Circle, *, to_primary: bool = False) -> ColumnElement[float]:
    """Haversine distance from the circle's centre to an index row's clinic (or to its
    practitioner's primary clinic), in the circle's unit."""
    row_lat = SearchEntry.primary_latitude if to_primary else SearchEntry.latitude
    row_lon = SearchEntry.primary_longitude if to_primary else SearchEntry.longitude
    lat0, lon0 = math.radians(circle.latitude), math.radians(circle.longitude)
    half_dlat = func.sin((func.radians(row_lat) - lat0) / 2)
    half_dlon = func.sin((func.radians(row_lon) - lon0) / 2)
    h = half_dlat * half_dlat + math.cos(lat0) * func.cos(func.radians(row_lat)) * half_dlon * half_dlon
    return 2 * circle.earth_radius * func.asin(func.sqrt(h))


@lru_cache(maxsize=256)
def box_sql(circle: Circle) -> tuple[ColumnElement[bool], ...]:
    """Conditions every row inside the circle meets, narrowing the rows read to about the circle."""
    box = bounding_box(circle.latitude, circle.longitude, circle.radius, circle.unit)
    conditions = [SearchEntry.latitude.between(box.south, box.north)]
    buckets = box.buckets()
    if buckets is not None:
        conditions.append(SearchEntry.lon_bucket.in_(buckets))
    conditions.append(or_(*(SearchEntry.longitude.between(w, e) for w, e in box.lon_ranges)))
    return tuple(conditions)


@lru_cache(maxsize=256)
def filter_sql(filters: Filters, today: date) -> tuple[ColumnElement[bool], ...]:
    """Rows that list on ``today`` and pass the filters."""
    conditions = [listed_on(today)]
    if filters.technique:
        conditions.append(SearchEntry.techniques_key.contains(f"|{filters.technique.lower()}|"))
    if filters.language:
        conditions.append(SearchEntry.languages_key.contains(f"|{filters.language.lower()}|"))
    if filters.min_years:
        conditions.append(SearchEntry.years_chronic_pain >= filters.min_years)
    if filters.accepting:
        conditions.append(SearchEntry.accepting_new_patients.is_(True))
    if filters.insurance:
        conditions.append(SearchEntry.insurance_key.contains(f"|{filters.insurance.lower()}|"))
    if filters.therapy:
        conditions.append(SearchEntry.therapies_key.contains(f"|{filters.therapy.lower()}|"))
    if filters.max_fee_cents is not None:
        conditions.append(SearchEntry.fee_initial_cents <= filters.max_fee_cents)
    if filters.available_by is not None:
        conditions.append(SearchEntry.next_start <= filters.available_by)
    return tuple(conditions)
