"""The search index: one row per clinic that the listing rule lets patients find.

It is derived data. Every ORM flush that touches a practitioner, clinic or licence
rebuilds the rows of the practitioners concerned in the same transaction, so the
index cannot drift from the records it summarises. Expiry is not baked in: the
row keeps the licence's expiry date and searches compare it with today's date.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

from sqlalchemy import (Boolean, Connection, Date, Float, ForeignKey, Index, Integer, String,
                        delete, event, insert, select)
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory.extensions import db
from directory.models.licence import Licence, VerificationState
from directory.models.practitioner import Clinic, ListingState, Practitioner

# Width of the longitude stripes that let a B-tree index answer a 2-D bounding box:
# a search reads a handful of (stripe, latitude-range) slices instead of a whole
# latitude band around the globe.
LON_BUCKET_DEGREES = 0.25
LON_BUCKETS = int(360 / LON_BUCKET_DEGREES)


def lon_bucket(longitude: float) -> int:
    return int(math.floor((longitude + 180.0) / LON_BUCKET_DEGREES)) % LON_BUCKETS


def pipe_key(values: Iterable[str]) -> str:
    """Encode a list as "|a|b|" so a LIKE '%|a|%' filter matches whole items only."""
    items = sorted({v.strip().lower() for v in values if v and v.strip()})
    return "|" + "|".join(items) + "|" if items else ""


class SearchEntry(db.Model):
    __tablename__ = "search_entry"
    __table_args__ = (
        Index("ix_search_entry_bbox", "lon_bucket", "latitude", "longitude", "expires_on"),
        Index("ix_search_entry_name", "sort_name", "practitioner_id"),
    )

    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinic.id", ondelete="CASCADE"), primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), index=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("licence.id", ondelete="CASCADE"), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    lon_bucket: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[date] = mapped_column(Date)
    sort_name: Mapped[str] = mapped_column(String(120))
    years_chronic_pain: Mapped[int] = mapped_column(Integer)
    accepting_new_patients: Mapped[bool] = mapped_column(Boolean)
    techniques_key: Mapped[str] = mapped_column(String(400))
    languages_key: Mapped[str] = mapped_column(String(400))


def build_entries(connection: Connection, practitioner_ids: list[int]) -> list[dict]:
    """Index rows for the given practitioners under the listing rule (DESIGN §3).

    A clinic is indexed when its practitioner is listed and holds a verified licence
    with an expiry date for the clinic's own jurisdiction; the latest-expiring such
    licence is the one shown.
    """
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
                   Licence.expires_on.is_not(None))):
        key = (lic.practitioner_id, lic.jurisdiction.upper())
        if key not in best or lic.expires_on > best[key][0]:
            best[key] = (lic.expires_on, lic.id)
    entries = []
    for clinic in connection.execute(
            select(Clinic.id, Clinic.practitioner_id, Clinic.latitude, Clinic.longitude,
                   Clinic.country, Clinic.region)
            .where(Clinic.practitioner_id.in_(list(practitioners)))):
        licence = best.get((clinic.practitioner_id, f"{clinic.country}-{clinic.region}".upper()))
        if licence is None:
            continue
        p = practitioners[clinic.practitioner_id]
        entries.append({
            "clinic_id": clinic.id, "practitioner_id": p.id, "licence_id": licence[1],
            "latitude": clinic.latitude, "longitude": clinic.longitude,
            "lon_bucket": lon_bucket(clinic.longitude), "expires_on": licence[0],
            "sort_name": p.display_name.lower(), "years_chronic_pain": p.years_chronic_pain or 0,
            "accepting_new_patients": bool(p.accepting_new_patients),
            "techniques_key": pipe_key(p.techniques or []),
            "languages_key": pipe_key(p.languages or []),
        })
    return entries


def reindex(connection: Connection, practitioner_ids: Iterable[int]) -> None:
    ids = sorted(set(practitioner_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        connection.execute(delete(SearchEntry).where(SearchEntry.practitioner_id.in_(chunk)))
        entries = build_entries(connection, chunk)
        if entries:
            connection.execute(insert(SearchEntry), entries)


def _touched_practitioners(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Practitioner) and obj.id is not None:
            ids.add(obj.id)
        elif isinstance(obj, (Clinic, Licence)) and obj.practitioner_id is not None:
            ids.add(obj.practitioner_id)
    return ids


@event.listens_for(Session, "after_flush")
def _reindex_after_flush(session: Session, _context) -> None:
    ids = _touched_practitioners(session)
    if ids:
        reindex(session.connection(), ids)
