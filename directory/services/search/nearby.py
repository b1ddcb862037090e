"""Nearby search: listed practitioners ranked by great-circle distance.

The database does the work. The search area (``search.area``) narrows the rows read from
the search index to about the circle, the exact haversine distance decides the radius
and the order, ``search.counting`` gives the exact total, and only the requested page is
loaded into Python.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import ColumnElement, select

from directory.extensions import db
from directory.models import Clinic, Licence, Practitioner, SearchEntry
from directory.services.search.area import Circle, Filters, box_sql, distance_sql, filter_sql
from directory.services.search.counting import count_all, count_practitioners

UNITS = ("mi", "km")
MAX_RADIUS = {"mi": 500.0, "km": 800.0}


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


class IndexRow(NamedTuple):
    """One practitioner of a page, at the clinic it is shown at."""
    practitioner_id: int
    clinic_id: int
    licence_id: int
    distance: float | None


def search(origin: tuple[float, float] | None, *, radius: float = 25.0, unit: str = "mi",
           filters: Filters = Filters(), page: int = 1, per_page: int = 20,
           today: date | None = None) -> Page:
    """One result per practitioner, at its nearest qualifying clinic.

    With an origin: practitioners within ``radius`` ordered by distance (then name).
    Without: every listed practitioner ordered by name, distance None.
    """
    today = today or date.today()
    offset = (page - 1) * per_page
    if origin is None:
        total = count_all(filters, today)
        rows = by_name(filters, today, offset=offset, per_page=per_page) if offset < total else []
        return Page(hits=_load_hits(rows), total=total, page=page, per_page=per_page, unit=unit)
    circle = Circle(origin[0], origin[1], radius, unit)
    total = count_practitioners(circle, filters, today)
    rows = []
    if offset < total:
        rows = nearest(circle, filters, today, offset=offset, per_page=per_page, total=total)
    return Page(hits=_load_hits(rows), total=total, page=page, per_page=per_page,
                radius=radius, unit=unit, origin=origin)


def nearest(circle: Circle, filters: Filters, today: date, *, offset: int, per_page: int,
            total: int) -> list[IndexRow]:
    """The page's rows by distance, reading only a little more than the page from the index.

    ``total`` is how many practitioners the whole circle holds. Rows within a smaller
    radius r are exactly the nearest ones whenever there are enough of them. Matches crowd
    towards city centres, so the search starts with an r that would hold a quarter of the
    rows needed were they spread evenly, and doubles it until it holds enough: each round
    reads only what its circle holds.
    """
    distance = distance_sql(circle)
    conditions = filter_sql(filters, today)
    order_by = (distance, SearchEntry.sort_name, SearchEntry.practitioner_id, SearchEntry.clinic_id)
    wanted = offset + per_page
    reach = circle.radius if total <= wanted else circle.radius * math.sqrt(wanted / total) / 2
    while True:
        rows = _first_per_practitioner(
            [*conditions, *box_sql(circle.with_radius(reach)), distance <= reach],
            order_by=order_by, distance=distance, offset=offset, per_page=per_page)
        if len(rows) == per_page or reach >= circle.radius:
            return rows
        reach = min(circle.radius, reach * 2)


def by_name(filters: Filters, today: date, *, offset: int, per_page: int) -> list[IndexRow]:
    """The page's rows by name, wherever the practitioners are."""
    return _first_per_practitioner(
        filter_sql(filters, today),
        order_by=(SearchEntry.sort_name, SearchEntry.practitioner_id, SearchEntry.clinic_id),
        distance=None, offset=offset, per_page=per_page)


def _first_per_practitioner(conditions: Sequence[ColumnElement[bool]], *,
                            order_by: tuple[ColumnElement, ...], distance: ColumnElement[float] | None,
                            offset: int, per_page: int) -> list[IndexRow]:
    """Rows of the page, one per practitioner, without sorting every match.

    The database keeps a top-N of index rows in the given order; later rows of a
    practitioner already seen are dropped here. Most practitioners have one clinic,
    so one round usually suffices; otherwise the window doubles.
    """
    wanted = offset + per_page
    limit = wanted * 2 + 10
    columns = [SearchEntry.practitioner_id, SearchEntry.clinic_id, SearchEntry.licence_id]
    if distance is not None:
        columns.append(distance.label("distance"))
    while True:
        rows = db.session.execute(select(*columns).where(*conditions).order_by(*order_by).limit(limit)).all()
        seen: set[int] = set()
        unique: list[IndexRow] = []
        for row in rows:
            if row[0] not in seen:
                seen.add(row[0])
                unique.append(IndexRow(row[0], row[1], row[2], row[3] if distance is not None else None))
        if len(unique) >= wanted or len(rows) < limit:
            return unique[offset:wanted]
        limit *= 2


def _load_hits(rows: list[IndexRow]) -> list[Hit]:
    if not rows:
        return []
    practitioners = {p.id: p for p in db.session.scalars(
        select(Practitioner).where(Practitioner.id.in_([r.practitioner_id for r in rows])))}
    clinics = {c.id: c for c in db.session.scalars(
        select(Clinic).where(Clinic.id.in_([r.clinic_id for r in rows])))}
    licences = {lic.id: lic for lic in db.session.scalars(
        select(Licence).where(Licence.id.in_([r.licence_id for r in rows])))}
    return [Hit(practitioners[r.practitioner_id], clinics[r.clinic_id], licences[r.licence_id],
                None if r.distance is None else float(r.distance)) for r in rows]
