"""Nearby search: listed practitioners ranked by great-circle distance.

The database does the work. The search area (``search.area``) narrows the rows read from
the search index to about the circle, the exact haversine distance decides the radius
and the order, ``search.counting`` gives the exact total, and only the requested page is
loaded into Python.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, func, null, select

from directory.extensions import db
from directory.models import Clinic, Licence, Practitioner, SearchEntry
from directory.models._types import as_utc
from directory.services.booking.scheduling import booking_clock
from directory.services.search import next_free
from directory.services.search.area import Circle, Filters, box_sql, distance_sql, filter_sql
from directory.services.search.counting import count_all, count_practitioners

UNITS = ("mi", "km")
MAX_RADIUS = {"mi": 500.0, "km": 800.0}


SORTS = ("distance", "soonest", "rating", "price")


@dataclass(frozen=True)
class Hit:
    practitioner: Practitioner
    clinic: Clinic
    licence: Licence
    distance: float | None  # in the search's unit; None when no origin was given
    # The clinic's first free first-visit slot (aware UTC), exactly the profile's first; None: none
    # within the booking horizon (or no new patients).
    next_available: datetime | None = None


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
    next_start: datetime | None = None
    next_fresh_until: datetime | None = None


ROW_COLUMNS = (SearchEntry.practitioner_id, SearchEntry.clinic_id, SearchEntry.licence_id)
NEXT_COLUMNS = (SearchEntry.next_start, SearchEntry.next_fresh_until)


def search(origin: tuple[float, float] | None, *, radius: float = 25.0, unit: str = "mi",
           filters: Filters = Filters(), page: int = 1, per_page: int = 20, sort: str = "distance",
           today: date | None = None, now: datetime | None = None) -> Page:
    """One result per practitioner, at its nearest qualifying clinic.

    With an origin: practitioners within ``radius`` ordered by ``sort`` (then distance, then
    name); without: every listed practitioner ordered by ``sort`` then name, distance None.
    Every sort finds the same practitioners, at the same clinics, with the same total.
    """
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}")
    today = today or date.today()
    offset = (page - 1) * per_page
    circle = None if origin is None else Circle(origin[0], origin[1], radius, unit)
    if sort == "soonest" or filters.available_by is not None:
        # What is sorted or filtered by must be true now for the whole area, not only the page.
        area = () if circle is None else (*box_sql(circle), distance_sql(circle) <= circle.radius)
        next_free.refresh_stale([*area, *filter_sql(replace(filters, available_by=None), today)], now)
    if circle is None:
        total = count_all(filters, today)
    else:
        total = count_practitioners(circle, filters, today)
    rows: list[IndexRow] = []
    if offset < total:
        if sort != "distance":
            rows = ranked(circle, filters, today, sort, offset=offset, per_page=per_page)
        elif circle is None:
            rows = by_name(filters, today, offset=offset, per_page=per_page)
        else:
            rows = nearest(circle, filters, today, offset=offset, per_page=per_page, total=total)
    hits = _load_hits(_fresh(rows, now))
    if circle is None:
        return Page(hits=hits, total=total, page=page, per_page=per_page, unit=unit)
    return Page(hits=hits, total=total, page=page, per_page=per_page, radius=radius, unit=unit, origin=origin)


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
    columns = [*ROW_COLUMNS, (distance if distance is not None else null()).label("distance"), *NEXT_COLUMNS]
    while True:
        rows = db.session.execute(select(*columns).where(*conditions).order_by(*order_by).limit(limit)).all()
        seen: set[int] = set()
        unique: list[IndexRow] = []
        for row in rows:
            if row[0] not in seen:
                seen.add(row[0])
                unique.append(IndexRow(*row))
        if len(unique) >= wanted or len(rows) < limit:
            return unique[offset:wanted]
        limit *= 2


def ranked(circle: Circle | None, filters: Filters, today: date, sort: str, *, offset: int,
           per_page: int) -> list[IndexRow]:
    """The page's rows by next free time, rating or fee: each practitioner at the clinic the
    distance search shows (its nearest; without an origin, its first), then sorted.

    Rows come in the final order (key, distance, name, practitioner), the database keeping
    only the top few; a row counts when its clinic is the one its practitioner is shown at, so
    each practitioner takes the place of that clinic's row. Most practitioners have one clinic,
    so one round usually suffices; otherwise the window doubles. Ranking every row of the
    circle per practitioner (a window function) took three times as long.
    """
    conditions = list(filter_sql(filters, today))
    distance: ColumnElement = null()
    if circle is not None:
        distance = distance_sql(circle)
        conditions += [*box_sql(circle), distance <= circle.radius]
    keys = {
        "soonest": (SearchEntry.next_start.asc().nulls_last(),),
        "rating": (SearchEntry.rating_average.desc().nulls_last(), SearchEntry.rating_count.desc()),
        "price": (SearchEntry.fee_initial_cents.asc().nulls_last(),),
    }[sort]
    then = (distance,) if circle is not None else ()
    # Only columns of the box index are read for the whole circle.
    candidates = select(SearchEntry.practitioner_id, SearchEntry.clinic_id, distance.label("distance"),
                        SearchEntry.next_start).where(*conditions).order_by(
        *keys, *then, SearchEntry.sort_name, SearchEntry.practitioner_id, SearchEntry.clinic_id)
    wanted = offset + per_page
    limit = wanted * 2 + 10
    shown: dict[int, int] = {}
    while True:
        rows = db.session.execute(candidates.limit(limit)).all()
        unknown = {row.practitioner_id for row in rows} - shown.keys()
        if unknown:
            shown.update(_shown_clinics(unknown, conditions, distance if circle is not None else None))
        page = [row for row in rows if shown[row.practitioner_id] == row.clinic_id]
        if len(page) >= wanted or len(rows) < limit:
            break
        limit *= 2
    page = page[offset:wanted]
    if not page:
        return []
    # The page's own rows give their licence and freshness by key.
    extra = {clinic_id: (licence_id, fresh_until) for clinic_id, licence_id, fresh_until in db.session.execute(
        select(SearchEntry.clinic_id, SearchEntry.licence_id, SearchEntry.next_fresh_until)
        .where(SearchEntry.clinic_id.in_([row.clinic_id for row in page])))}
    return [IndexRow(row.practitioner_id, row.clinic_id, extra[row.clinic_id][0], row.distance, row.next_start,
                     extra[row.clinic_id][1]) for row in page]


def _shown_clinics(practitioner_ids: set[int], conditions: Sequence[ColumnElement[bool]],
                   distance: ColumnElement[float] | None) -> dict[int, int]:
    """Each practitioner's clinic among the rows meeting ``conditions``: the nearest (then the
    lowest id), or without a distance the lowest id, as the distance search shows it."""
    best: dict[int, tuple] = {}
    for pid, clinic_id, miles in db.session.execute(
            select(SearchEntry.practitioner_id, SearchEntry.clinic_id,
                   (distance if distance is not None else null()).label("distance"))
            .where(SearchEntry.practitioner_id.in_(sorted(practitioner_ids)), *conditions)):
        rank = (miles, clinic_id) if distance is not None else (clinic_id,)
        if pid not in best or rank < best[pid]:
            best[pid] = rank
    return {pid: rank[-1] for pid, rank in best.items()}


def _fresh(rows: list[IndexRow], now: datetime | None) -> list[IndexRow]:
    """The rows with next free times true at this minute, recomputing those whose time ran out."""
    clock = booking_clock(now)
    stale = [r for r in rows if r.next_fresh_until is None or as_utc(r.next_fresh_until) <= clock]
    if not stale:
        return rows
    next_free.refresh_stale([SearchEntry.clinic_id.in_([r.clinic_id for r in stale])], now)
    times = dict(db.session.execute(select(SearchEntry.clinic_id, SearchEntry.next_start)
                                    .where(SearchEntry.clinic_id.in_([r.clinic_id for r in stale]))).all())
    return [r._replace(next_start=times.get(r.clinic_id)) if r in stale else r for r in rows]


def _load_hits(rows: list[IndexRow]) -> list[Hit]:
    if not rows:
        return []
    # One statement for the three (a round trip to a database server costs more than the
    # rows): each practitioner of the page with its one shown clinic and licence.
    found = {p.id: (p, c, lic) for p, c, lic in db.session.execute(
        select(Practitioner, Clinic, Licence)
        .join(Clinic, Clinic.practitioner_id == Practitioner.id)
        .join(Licence, Licence.practitioner_id == Practitioner.id)
        .where(Clinic.id.in_([r.clinic_id for r in rows]), Licence.id.in_([r.licence_id for r in rows])))}
    return [Hit(*found[r.practitioner_id], None if r.distance is None else float(r.distance),
                None if r.next_start is None else as_utc(r.next_start)) for r in rows]
