"""The search index: one row per clinic that the listing rule lets patients find.

It is derived data. Every ORM flush that touches a practitioner, clinic or licence
rebuilds the rows of the practitioners concerned in the same transaction, so the
index cannot drift from the records it summarises. Expiry is not baked in: the
row keeps the licence's expiry date and searches compare it with today's date.

Each practitioner has one "lead" row, its first indexed clinic; the other rows
carry the lead's position and expiry. ``search_cell`` counts lead rows per small
lat/lon cell, so a search adds up the cells that lie wholly inside its circle
instead of visiting every row, and counting the results of a dense city costs about
the same as counting those of a small town. The counts change by deltas
(``n = n + d``), which stay right when transactions touch one cell at once.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import date

from sqlalchemy import (Boolean, Connection, Date, Float, ForeignKey, Index, Integer, String,
                        delete, insert, inspect, select, update)
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.extensions import db
from directory.models.licence import Licence, VerificationState
from directory.models.practitioner import Clinic, ListingState, Practitioner

# Width of the longitude stripes that let a B-tree index answer a 2-D bounding box:
# a search reads a handful of (stripe, latitude-range) slices instead of a whole
# latitude band around the globe.
LON_BUCKET_DEGREES = 0.25
LON_BUCKETS = int(360 / LON_BUCKET_DEGREES)


# Cells for the pre-aggregated counts: 0.02 degrees is about 1.4 miles of latitude.
CELL_DEGREES = 0.02
CELL_COLUMNS = int(round(360 / CELL_DEGREES))
CELL_ROWS = int(round(180 / CELL_DEGREES))


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
        Index("ix_search_entry_bbox", "lon_bucket", "latitude", "longitude", "expires_on"),
        Index("ix_search_entry_name", "sort_name", "practitioner_id"),
        # Covers the count of practitioners found only through a second clinic. "lead"
        # is not a leading column anywhere: an index led by a two-valued column
        # tempts the planner into reading half the table.
        Index("ix_search_entry_lead_bbox", "lon_bucket", "lead", "latitude", "longitude",
              "expires_on", "practitioner_id", "lead_latitude", "lead_longitude", "lead_expires_on"),
        Index("ix_search_entry_cell", "cell", "lead", "expires_on", "latitude", "longitude"),
        Index("ix_search_entry_expires_on", "expires_on"),
        Index("ix_search_entry_lead_expires_on", "lead_expires_on"),
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
    # The practitioner's first indexed clinic; counting lead rows counts practitioners.
    lead: Mapped[bool] = mapped_column(Boolean)
    lead_latitude: Mapped[float] = mapped_column(Float)
    lead_longitude: Mapped[float] = mapped_column(Float)
    lead_expires_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    sort_name: Mapped[str] = mapped_column(String(120))
    years_chronic_pain: Mapped[int] = mapped_column(Integer)
    accepting_new_patients: Mapped[bool] = mapped_column(Boolean)
    techniques_key: Mapped[str] = mapped_column(String(400))
    languages_key: Mapped[str] = mapped_column(String(400))


class SearchCell(db.Model):
    __tablename__ = "search_cell"

    cell: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    lead_entries: Mapped[int] = mapped_column(Integer, default=0)


def build_entries(connection: Connection, practitioner_ids: list[int],
                  today: date | None = None) -> list[dict]:
    """Index rows for the given practitioners under the listing rule (DESIGN §3).

    A clinic is indexed when its practitioner is listed and holds a verified licence
    for the clinic's own jurisdiction that has not expired; the latest-expiring such
    licence is the one shown.
    """
    today = today or date.today()
    if not practitioner_ids:
        return []
    practitioners = {
        row.id: row for row in connection.execute(
            select(Practitioner.id, Practitioner.display_name, Practitioner.years_chronic_pain,
                   Practitioner.accepting_new_patients, Practitioner.techniques,
                   Practitioner.languages)
            .where(Practitioner.id.in_(practitioner_ids),
                   Practitioner.listing_state == ListingState.LISTED))
    }
    if not practitioners:
        return []
    best: dict[tuple[int, str], tuple[date, int]] = {}
    for lic in connection.execute(
            select(Licence.id, Licence.practitioner_id, Licence.jurisdiction, Licence.expires_on)
            .where(Licence.practitioner_id.in_(list(practitioners)),
                   Licence.verification_state == VerificationState.VERIFIED,
                   Licence.is_licence.is_(True),  # a certification never lists
                   Licence.expires_on >= today)):
        key = (lic.practitioner_id, lic.jurisdiction.upper())
        if key not in best or lic.expires_on > best[key][0]:
            best[key] = (lic.expires_on, lic.id)
    entries: list[dict] = []
    for clinic in connection.execute(
            select(Clinic.id, Clinic.practitioner_id, Clinic.latitude, Clinic.longitude,
                   Clinic.country, Clinic.region)
            .where(Clinic.practitioner_id.in_(list(practitioners)), Clinic.archived_at.is_(None))):
        licence = best.get((clinic.practitioner_id, f"{clinic.country}-{clinic.region}".upper()))
        if licence is None:
            continue
        p = practitioners[clinic.practitioner_id]
        entries.append({
            "clinic_id": clinic.id, "practitioner_id": p.id, "licence_id": licence[1],
            "latitude": clinic.latitude, "longitude": clinic.longitude,
            "lon_bucket": lon_bucket(clinic.longitude), "expires_on": licence[0],
            "cell": cell_of(clinic.latitude, clinic.longitude),
            "sort_name": p.display_name.lower(), "years_chronic_pain": p.years_chronic_pain or 0,
            "accepting_new_patients": bool(p.accepting_new_patients),
            "techniques_key": pipe_key(p.techniques or []),
            "languages_key": pipe_key(p.languages or []),
        })
    leads: dict[int, dict] = {}
    for entry in sorted(entries, key=lambda e: e["clinic_id"]):
        lead = leads.setdefault(entry["practitioner_id"], entry)
        entry.update(lead=entry is lead, lead_latitude=lead["latitude"],
                     lead_longitude=lead["longitude"], lead_expires_on=lead["expires_on"])
    return entries


def lead_cells(connection: Connection, practitioner_ids: list[int]) -> Counter[int]:
    """How many lead rows each cell holds for these practitioners, as indexed now."""
    counts: Counter[int] = Counter()
    for start in range(0, len(practitioner_ids), 500):
        chunk = practitioner_ids[start:start + 500]
        counts.update(connection.scalars(
            select(SearchEntry.cell).where(SearchEntry.practitioner_id.in_(chunk),
                                           SearchEntry.lead.is_(True))))
    return counts


def reindex(connection: Connection, practitioner_ids: Iterable[int], today: date | None = None,
            previous: Counter[int] | None = None) -> None:
    """Rebuild the index rows of these practitioners and adjust the cell counts.

    ``previous`` is what ``lead_cells`` returned before rows may have vanished by
    a database cascade (a deleted clinic or practitioner); read now when omitted.
    """
    ids = sorted(set(practitioner_ids))
    deltas: Counter[int] = Counter()
    deltas.subtract(previous if previous is not None else lead_cells(connection, ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        connection.execute(delete(SearchEntry).where(SearchEntry.practitioner_id.in_(chunk)))
        entries = build_entries(connection, chunk, today)
        if entries:
            connection.execute(insert(SearchEntry), entries)
        deltas.update(entry["cell"] for entry in entries if entry["lead"])
    _apply_cell_deltas(connection, deltas)


def _apply_cell_deltas(connection: Connection, deltas: Counter[int]) -> None:
    changed = {cell: d for cell, d in deltas.items() if d}
    if not changed:
        return
    existing = set(connection.scalars(select(SearchCell.cell).where(SearchCell.cell.in_(list(changed)))))
    missing = [{"cell": c, "lead_entries": 0} for c in changed if c not in existing]
    if missing:
        _insert_ignoring_duplicates(connection, missing)
    for delta, cells in _group_by_delta(changed).items():
        connection.execute(update(SearchCell).where(SearchCell.cell.in_(cells))
                           .values(lead_entries=SearchCell.lead_entries + delta))


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


# What build_entries reads: a change to anything else (a bio, a photo, a licence's stored
# check results or reminder dates) leaves the index as it is and costs no rebuild.
INDEXED_COLUMNS = {
    Practitioner: ("listing_state", "display_name", "years_chronic_pain", "accepting_new_patients",
                   "techniques", "languages"),
    Clinic: ("practitioner_id", "practitioner", "latitude", "longitude", "country", "region", "archived_at"),
    Licence: ("practitioner_id", "practitioner", "jurisdiction", "verification_state", "is_licence",
              "expires_on"),
}


def _changes_index(obj, state) -> bool:
    if state.pending or state.deleted or obj in state.session.deleted:
        return True
    return any(state.attrs[name].history.has_changes() for name in INDEXED_COLUMNS[type(obj)])


def _touched_practitioners(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, (Practitioner, Clinic, Licence)):
            continue
        state = inspect(obj)
        if not _changes_index(obj, state):
            continue
        if isinstance(obj, Practitioner):
            if obj.id is not None:
                ids.add(obj.id)
            continue
        ids.update(pid for pid in (obj.practitioner_id, *state.attrs.practitioner_id.history.deleted)
                   if pid is not None)
        # A new clinic or licence added through the relationship has no practitioner_id until
        # the flush; read the already-loaded parent rather than loading one per row.
        parent = state.dict.get("practitioner")
        if parent is not None and parent.id is not None:
            ids.add(parent.id)
    return ids


def remember_indexed_cells(session: Session, _context, _instances) -> None:
    with session.no_autoflush:
        ids = sorted(_touched_practitioners(session))
        if ids:
            session.info["search_previous_cells"] = (set(ids), lead_cells(session.connection(), ids))


def reindex_after_flush(session: Session, _context) -> None:
    known, previous = session.info.pop("search_previous_cells", (set(), Counter()))
    ids = _touched_practitioners(session) | known
    if ids:
        reindex(session.connection(), ids, previous=previous)


def forget_failed_flush(session: Session, _previous_transaction) -> None:
    session.info.pop("search_previous_cells", None)
