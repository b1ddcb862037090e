"""Each search index row's next free first-visit time, kept true for every search.

The row holds the clinic's first free first-visit slot (``booking.first_free``) and the
first ``booking_clock()`` at which the mere passage of time may change it. Three things
keep it true:

1. Writes. Every transaction that changes what slots a practitioner has — an appointment
   made, confirmed, declined, cancelled or moved, weekly hours, time off, booking settings,
   a clinic's zone, the search index rows themselves — notes the practitioner; just before
   it commits, the rows are recomputed in the same transaction (under the practitioner's
   row lock on PostgreSQL, so two writers can't each compute from the other's old state).
   A changed time moves the next-free generation on: cached answers fill in next free
   times afresh at every serve anyway, and those sorted or filtered by them go.
2. Time. A search recomputes the rows it is about to show, or to sort or filter by, whose
   time has run out (``refresh_stale``), and ``flask search refresh-times`` does the same
   for the whole index ahead of time (cron, every minute), so searches seldom have to.
3. Minutes. Slots are measured from the current minute (``booking_clock``), and cached
   answers are kept per minute, so an answer is never served past the minute it was true in.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, bindparam, inspect, select, update
from sqlalchemy.orm import Session, SessionTransaction

from directory.extensions import db
from directory.models import Appointment, AvailabilityRule, Clinic, Practitioner, SearchEntry, TimeOff
from directory.models.search_sync import touched_practitioners
from directory.models.search_generation import mark_next_free_changed
from directory.services.booking.first_free import LOOKAHEAD, first_free
from directory.services.booking.scheduling import booking_clock

NOTED = "next_free_practitioners"  # key in Session.info
# What a practitioner's free first-visit slots depend on, besides their appointments,
# hours and time off (the search index rows are rebuilt, and so recomputed, on the others).
SLOT_SETTINGS = ("initial_minutes", "buffer_minutes", "min_notice_hours", "horizon_days")
BATCH = 500


def note(session: Session, practitioner_id: int) -> None:
    """For changes the flush does not see (Core ``UPDATE`` of an appointment's status)."""
    session.info.setdefault(NOTED, set()).add(practitioner_id)


def note_slot_changes(session: Session, _context) -> None:
    noted: set[int] = session.info.setdefault(NOTED, set())
    noted.update(touched_practitioners(session))  # their index rows were just rebuilt
    rule_clinics: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Appointment, TimeOff)):
            noted.update(pid for pid in (obj.practitioner_id,
                                         *inspect(obj).attrs.practitioner_id.history.deleted) if pid)
        elif isinstance(obj, AvailabilityRule):
            rule_clinics.update(cid for cid in (obj.clinic_id, *inspect(obj).attrs.clinic_id.history.deleted) if cid)
        elif isinstance(obj, Practitioner) and obj.id is not None and any(
                inspect(obj).attrs[name].history.has_changes() for name in SLOT_SETTINGS):
            noted.add(obj.id)
    if rule_clinics:
        with session.no_autoflush:
            noted.update(session.connection().scalars(
                select(Clinic.practitioner_id).where(Clinic.id.in_(sorted(rule_clinics)))))


def refresh_before_commit(session: Session) -> None:
    """Recompute the noted practitioners' rows as the last writes before the commit."""
    if session.in_nested_transaction():
        return
    session.flush()
    noted = session.info.pop(NOTED, None)
    if not noted:
        return
    connection = session.connection()
    ids = sorted(noted)
    if connection.dialect.name == "postgresql":
        connection.execute(select(Practitioner.id).where(Practitioner.id.in_(ids))
                           .order_by(Practitioner.id).with_for_update())
    if refresh(connection, ids):
        mark_next_free_changed(session)


def forget_on_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(NOTED, None)


def refresh(connection: Connection, practitioner_ids: Iterable[int], now: datetime | None = None, *,
            only_stale: bool = False) -> bool:
    """Recompute these practitioners' rows; True when a next free time a search shows changed.

    ``only_stale``: leave rows that turned fresh meanwhile alone (another transaction's
    recomputation, which may know of a booking this one's reading missed)."""
    clock = booking_clock(now)
    changed = False
    ids = sorted(set(practitioner_ids))
    for at in range(0, len(ids), BATCH):
        chunk = ids[at:at + BATCH]
        rows = connection.execute(select(SearchEntry.clinic_id, SearchEntry.next_start, SearchEntry.next_fresh_until)
                                  .where(SearchEntry.practitioner_id.in_(chunk))).all()
        if not rows:
            continue
        found = first_free(connection, chunk, clock)
        updates = []
        for clinic_id, old_start, old_fresh_until in rows:
            new = found.get(clinic_id)
            # No answer: the clinic left the practitioner's open clinics in this very transaction.
            start, fresh_until = (new.start, new.fresh_until) if new else (None, clock + LOOKAHEAD)
            if _same(old_start, start) and _same(old_fresh_until, fresh_until):
                continue
            changed = changed or not _same(old_start, start)
            updates.append({"c": clinic_id, "start": start, "fresh_until": fresh_until})
        if updates:
            statement = (update(SearchEntry).where(SearchEntry.clinic_id == bindparam("c"))
                         .values(next_start=bindparam("start"), next_fresh_until=bindparam("fresh_until")))
            if only_stale:
                statement = statement.where(SearchEntry.next_fresh_until <= clock)
            connection.execute(statement.execution_options(synchronize_session=False), updates)
    return changed


def _same(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.replace(tzinfo=None) == b.replace(tzinfo=None)  # SQLite hands back naive UTC


def stale_practitioners(conditions: Sequence[ColumnElement[bool]], now: datetime | None = None) -> list[int]:
    clock = booking_clock(now)
    # Most of the time nothing is stale anywhere (the cron job keeps ahead): one index probe
    # says so, where the conditions (a whole search circle) would read every row they cover.
    if db.session.scalar(select(SearchEntry.clinic_id).where(SearchEntry.next_fresh_until <= clock).limit(1)) is None:
        return []
    return list(db.session.scalars(select(SearchEntry.practitioner_id).distinct().where(
        *conditions, SearchEntry.next_fresh_until <= clock)))


def refresh_stale(conditions: Sequence[ColumnElement[bool]], now: datetime | None = None) -> int:
    """Bring the rows meeting ``conditions`` up to the current minute; how many practitioners it took.

    Committed at once: it is derived data, true whoever reads it, and a search's own
    transaction has nothing else to write."""
    ids = stale_practitioners(conditions, now)
    if ids:
        refresh(db.session.connection(), ids, now, only_stale=True)
        db.session.commit()
    return len(ids)


def refresh_all(now: datetime | None = None, *, batch: int = BATCH) -> int:
    """The cron job: every row whose time runs out within the next minute, a batch per commit."""
    clock = booking_clock(now)
    total, done = 0, set()
    while True:
        ids = [pid for pid in db.session.scalars(select(SearchEntry.practitioner_id).distinct()
                                                 .where(SearchEntry.next_fresh_until <= clock).limit(batch))
               if pid not in done]
        if not ids:  # every refreshed row is fresh past this clock; never loop on one that isn't
            return total
        done.update(ids)
        refresh(db.session.connection(), ids, clock, only_stale=True)
        db.session.commit()
        total += len(ids)

