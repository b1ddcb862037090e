"""The search index: one row per clinic that the listing rule lets patients find.

It is derived data. Every ORM flush that touches a practitioner, clinic or licence
rebuilds the rows of the practitioners concerned in the same transaction, so the
index cannot drift from the records it summarises. Expiry is not baked in: the
row keeps the licence's expiry date and searches compare it with today's date.

Each practitioner has one primary row, its first indexed clinic; the other rows
carry the primary clinic's position and expiry. ``search_cell`` counts primary rows per
small lat/lon cell, so a search adds up the cells that lie wholly inside its circle
instead of visiting every row, and counting the results of a dense city costs about
the same as counting those of a small town. The counts change by deltas
(``n = n + d``), which stay right when transactions touch one cell at once.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timezone

from sqlalchemy import (Boolean, ColumnElement, Connection, Date, DateTime, Float, ForeignKey, Index, Integer,
                        Row, String, delete, func, insert, select, update)
from sqlalchemy.orm import Mapped, mapped_column

from directory.extensions import db
from directory.models import listing
from directory.models.licence import Licence
from directory.models.practitioner import Clinic, Practitioner
from directory.models.review import Review

# Width of the longitude stripes that let a B-tree index answer a 2-D bounding box:
# a search reads a handful of (stripe, latitude-range) slices instead of a whole
# latitude band around the globe.
LON_BUCKET_DEGREES = 0.25
LON_BUCKETS = int(360 / LON_BUCKET_DEGREES)


# Cells for the pre-aggregated counts: 0.02 degrees is about 1.4 miles of latitude.
CELL_DEGREES = 0.02
CELL_COLUMNS = int(round(360 / CELL_DEGREES))
CELL_ROWS = int(round(180 / CELL_DEGREES))

# A row's next free time is unknown until ``services.search.next_free`` fills it in: a row
# fresh until the distant past is recomputed before anything reads it.
NOT_YET_COMPUTED = datetime(1970, 1, 1, tzinfo=timezone.utc)


def lon_bucket(longitude: float) -> int:
    return int(math.floor((longitude + 180.0) / LON_BUCKET_DEGREES)) % LON_BUCKETS


def cell_row(latitude: float) -> int:
    return min(CELL_ROWS - 1, int(math.floor((latitude + 90.0) / CELL_DEGREES)))


def cell_column(longitude: float) -> int:
    return int(math.floor((longitude + 180.0) / CELL_DEGREES)) % CELL_COLUMNS


def cell_of(latitude: float, longitude: float) -> int:
    return cell_row(latitude) * CELL_COLUMNS + cell_column(longitude)


def pipe_key(values: Iterable[str]) -> str:
    """Encode a list as "|a|b|" so a LIKE '%|a|%' filter matches whole items only."""
    items = sorted({v.strip().lower() for v in values if v and v.strip()})
    return "|" + "|".join(items) + "|" if items else ""


class SearchEntry(db.Model):
    __tablename__ = "search_entry"
    __table_args__ = (
        # The box, then what a sorted or filtered search reads of every row in its circle: such
        # a search ranks the whole circle, and from this index alone it needs no table reads
        # (half its time at 100,000 practitioners on SQLite). clinic_id rides along as the key.
        Index("ix_search_entry_bbox", "lon_bucket", "latitude", "longitude", "expires_on", "practitioner_id",
              "next_start", "sort_name", "fee_initial_cents", "rating_average", "rating_count"),
        Index("ix_search_entry_name", "sort_name", "practitioner_id"),
        # Covers the count of practitioners found only through a second clinic. "is_primary"
        # is not a leading column anywhere: an index led by a two-valued column
        # tempts the planner into reading half the table.
        Index("ix_search_entry_primary_bbox", "lon_bucket", "is_primary", "latitude", "longitude",
              "expires_on", "practitioner_id", "primary_latitude", "primary_longitude", "primary_expires_on"),
        Index("ix_search_entry_cell", "cell", "is_primary", "expires_on", "latitude", "longitude"),
        Index("ix_search_entry_expires_on", "expires_on"),
        Index("ix_search_entry_primary_expires_on", "primary_expires_on"),
        # Finds the rows whose next free time ran out, anywhere, in a few page reads.
        Index("ix_search_entry_next_fresh_until", "next_fresh_until"),
    )

    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinic.id", ondelete="CASCADE"), primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), index=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("licence.id", ondelete="CASCADE"), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    lon_bucket: Mapped[int] = mapped_column(Integer)
    cell: Mapped[int] = mapped_column(Integer)
    # The practitioner's first indexed clinic; counting primary rows counts practitioners.
    is_primary: Mapped[bool] = mapped_column(Boolean)
    primary_latitude: Mapped[float] = mapped_column(Float)
    primary_longitude: Mapped[float] = mapped_column(Float)
    primary_expires_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    sort_name: Mapped[str] = mapped_column(String(120))
    years_chronic_pain: Mapped[int] = mapped_column(Integer)
    accepting_new_patients: Mapped[bool] = mapped_column(Boolean)
    techniques_key: Mapped[str] = mapped_column(String(400))
    languages_key: Mapped[str] = mapped_column(String(400))
    insurance_key: Mapped[str] = mapped_column(String(400), default="")
    therapies_key: Mapped[str] = mapped_column(String(400), default="")
    fee_initial_cents: Mapped[int | None] = mapped_column(Integer)
    # Shown reviews of the practitioner (``services.reviews``): None and 0 when there are none.
    rating_average: Mapped[float | None] = mapped_column(Float)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    # The clinic's first free first-visit slot (None: none within the booking horizon) and the
    # first booking_clock() at which time alone may have changed it; see services.search.next_free.
    next_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_fresh_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=NOT_YET_COMPUTED)


class SearchCell(db.Model):
    __tablename__ = "search_cell"

    cell: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    primary_entries: Mapped[int] = mapped_column(Integer, default=0)


def listed_on(today: date) -> ColumnElement[bool]:
    """Index rows that still list on ``today``: a row holds every other part of the listing
    rule (``models.listing``) as of its build, and the licence's expiry for this one."""
    return SearchEntry.expires_on >= today


def build_entries(connection: Connection, practitioner_ids: list[int],
                  today: date | None = None) -> list[dict]:
    """Index rows for the given practitioners: one per clinic the listing rule shows
    (``models.listing``), under the latest-expiring licence that lists it."""
    today = today or date.today()
    if not practitioner_ids:
        return []
    practitioners = {
        row.id: row for row in connection.execute(
            select(Practitioner.id, Practitioner.display_name, Practitioner.years_chronic_pain,
                   Practitioner.accepting_new_patients, Practitioner.techniques,
                   Practitioner.languages, Practitioner.insurance, Practitioner.complementary_therapies,
                   Practitioner.fee_initial_cents)
            .where(Practitioner.id.in_(practitioner_ids), listing.is_published_sql()))
    }
    if not practitioners:
        return []
    ratings = {row[0]: (round(float(row[1]), 1), row[2]) for row in connection.execute(
        select(Review.practitioner_id, func.avg(Review.rating), func.count())
        .where(Review.practitioner_id.in_(list(practitioners)), Review.hidden_at.is_(None))
        .group_by(Review.practitioner_id))}
    # Every (clinic, licence that lists it) pair; the clinic keeps the latest-expiring one.
    best: dict[int, Row] = {}
    for pair in connection.execute(
            select(Clinic.id, Clinic.practitioner_id, Clinic.latitude, Clinic.longitude,
                   Licence.id.label("licence_id"), Licence.expires_on)
            .join(Licence, listing.licence_lists_clinic_sql(today))
            .where(Clinic.practitioner_id.in_(list(practitioners)))):
        kept = best.get(pair.id)
        if kept is None or (pair.expires_on, -pair.licence_id) > (kept.expires_on, -kept.licence_id):
            best[pair.id] = pair
    entries: list[dict] = []
    for clinic in best.values():
        p = practitioners[clinic.practitioner_id]
        rating_average, rating_count = ratings.get(p.id, (None, 0))
        entries.append({
            "clinic_id": clinic.id, "practitioner_id": p.id, "licence_id": clinic.licence_id,
            "latitude": clinic.latitude, "longitude": clinic.longitude,
            "lon_bucket": lon_bucket(clinic.longitude), "expires_on": clinic.expires_on,
            "cell": cell_of(clinic.latitude, clinic.longitude),
            "sort_name": p.display_name.lower(), "years_chronic_pain": p.years_chronic_pain or 0,
            "accepting_new_patients": bool(p.accepting_new_patients),
            "techniques_key": pipe_key(p.techniques or []),
            "languages_key": pipe_key(p.languages or []),
            "insurance_key": pipe_key(p.insurance or []),
            "therapies_key": pipe_key(p.complementary_therapies or []),
            "fee_initial_cents": p.fee_initial_cents,
            "rating_average": rating_average, "rating_count": rating_count,
            "next_start": None, "next_fresh_until": NOT_YET_COMPUTED,
        })
    primaries: dict[int, dict] = {}
    for entry in sorted(entries, key=lambda e: e["clinic_id"]):
        primary = primaries.setdefault(entry["practitioner_id"], entry)
        entry.update(is_primary=entry is primary, primary_latitude=primary["latitude"],
                     primary_longitude=primary["longitude"], primary_expires_on=primary["expires_on"])
    return entries


def primary_cells(connection: Connection, practitioner_ids: list[int]) -> Counter[int]:
    """How many primary rows each cell holds for these practitioners, as indexed now."""
    counts: Counter[int] = Counter()
    for start in range(0, len(practitioner_ids), 500):
        chunk = practitioner_ids[start:start + 500]
        counts.update(connection.scalars(
            select(SearchEntry.cell).where(SearchEntry.practitioner_id.in_(chunk),
                                           SearchEntry.is_primary.is_(True))))
    return counts


def reindex(connection: Connection, practitioner_ids: Iterable[int], today: date | None = None,
            previous: Counter[int] | None = None) -> None:
    """Rebuild the index rows of these practitioners and adjust the cell counts.

    ``previous`` is what ``primary_cells`` returned before rows may have vanished by
    a database cascade (a deleted clinic or practitioner); read now when omitted.
    """
    ids = sorted(set(practitioner_ids))
    deltas: Counter[int] = Counter()
    deltas.subtract(previous if previous is not None else primary_cells(connection, ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        connection.execute(delete(SearchEntry).where(SearchEntry.practitioner_id.in_(chunk)))
        entries = build_entries(connection, chunk, today)
        if entries:
            connection.execute(insert(SearchEntry), entries)
        deltas.update(entry["cell"] for entry in entries if entry["is_primary"])
    _apply_cell_deltas(connection, deltas)


def _apply_cell_deltas(connection: Connection, deltas: Counter[int]) -> None:
    changed = {cell: d for cell, d in deltas.items() if d}
    if not changed:
        return
    existing = set(connection.scalars(select(SearchCell.cell).where(SearchCell.cell.in_(list(changed)))))
    missing = [{"cell": c, "primary_entries": 0} for c in changed if c not in existing]
    if missing:
        _insert_ignoring_duplicates(connection, missing)
    for delta, cells in _group_by_delta(changed).items():
        connection.execute(update(SearchCell).where(SearchCell.cell.in_(cells))
                           .values(primary_entries=SearchCell.primary_entries + delta))


def _group_by_delta(changed: dict[int, int]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for cell, delta in changed.items():
        groups.setdefault(delta, []).append(cell)
    return groups


def _insert_ignoring_duplicates(connection: Connection, rows: list[dict]) -> None:
    # Another transaction may create the same cell concurrently; either row will do.
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        connection.execute(pg_insert(SearchCell).on_conflict_do_nothing(), rows)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        connection.execute(sqlite_insert(SearchCell).on_conflict_do_nothing(), rows)

