"""Importing a licensing board's roster (CSV) and re-checking that jurisdiction's licences against it.

Boards export different column names; ``detect_mapping`` recognises the usual ones.
Entries are upserted by (jurisdiction, normalised number): a row the same as stored
is left alone, entries absent from a new file are kept (an export may be partial, e.g.
one county). The same file imported twice in a row is recognised by its SHA-256 and
changes nothing at all, not even a new import record.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.models import Licence, RosterEntry, RosterImport, RosterImportResult, User
from directory.models._types import utcnow
from directory.models.licence import normalise_number
from directory.models.roster import ENTRY_OUTCOMES, LICENCE_OUTCOMES
from directory.services import audit
from directory.services.licensing import jurisdictions
from directory.services.licensing import decisions as licensing
from directory.services.licensing import review as licence_review
from directory.services.licensing.roster_csv import MAX_ERRORS, RosterFormatError, parse_roster

@dataclass(frozen=True)
class RosterReport:
    import_id: int
    rows: int
    created: int
    updated: int
    unchanged: int
    matched: int
    mismatched: int
    not_found: int
    already_imported: bool
    errors: list[str] = field(default_factory=list)


def _latest_import(code: str) -> RosterImport | None:
    return db.session.scalar(select(RosterImport).where(RosterImport.jurisdiction == code)
                             .order_by(RosterImport.imported_at.desc(), RosterImport.id.desc()).limit(1))


def _tally(licences: list[Licence], numbers: set[str]) -> dict[str, int]:
    counts = dict.fromkeys(LICENCE_OUTCOMES, 0)
    for licence in licences:
        counts[licence_review.roster_outcome(licence, numbers)] += 1
    return counts


def _licences(code: str) -> list[Licence]:
    return list(db.session.scalars(select(Licence).where(Licence.jurisdiction == code)
                                   .options(selectinload(Licence.practitioner)).order_by(Licence.id)))


def _errors(errors: list[str]) -> list[str]:
    if len(errors) <= MAX_ERRORS:
        return errors
    return [*errors[:MAX_ERRORS], f"... and {len(errors) - MAX_ERRORS} more."]


def import_roster(data: bytes, *, jurisdiction: str, source: str, filename: str, actor: User | None = None,
                  mapping: dict[str, str] | None = None, today: date | None = None) -> RosterReport:
    code = (jurisdiction or "").strip().upper()
    if jurisdictions.get(code) is None:
        raise RosterFormatError(f"Unknown jurisdiction {code or '(none)'}: use a code such as US-CA.")
    source = " ".join((source or "").split())[:200]
    if not source:
        raise RosterFormatError("Say where the roster comes from (for example the board's website and date).")
    rows, errors, mapping = parse_roster(data, mapping)
    digest = hashlib.sha256(data).hexdigest()
    latest = _latest_import(code)
    if latest is not None and latest.sha256 == digest and (latest.report or {}).get("mapping") == mapping:
        numbers = set(db.session.scalars(select(RosterEntry.number_normalized)
                                         .where(RosterEntry.jurisdiction == code)))
        return RosterReport(import_id=latest.id, rows=len(rows), created=0, updated=0, unchanged=len(rows),
                            **_tally(_licences(code), numbers), already_imported=True, errors=_errors(errors))

    now = utcnow()
    record = RosterImport(jurisdiction=code, source=source, filename=os.path.basename(filename or "")[:255],
                          sha256=digest, imported_by_id=actor.id if actor else None, imported_at=now)
    db.session.add(record)
    db.session.flush()
    entries = {e.number_normalized: e for e in db.session.scalars(
        select(RosterEntry).where(RosterEntry.jurisdiction == code))}
    by_outcome: dict[str, list[RosterEntry]] = {outcome: [] for outcome in ENTRY_OUTCOMES}
    for row in rows:
        key = normalise_number(row.number)
        values = {"number": row.number, "name": row.name, "status": row.status,
                  "expires_on": row.expires_on, "extra": row.extra}
        entry = entries.get(key)
        if entry is None:
            entries[key] = RosterEntry(jurisdiction=code, number_normalized=key, source=source,
                                       import_id=record.id, imported_at=now, **values)
            db.session.add(entries[key])
            by_outcome["created"].append(entries[key])
        elif any(getattr(entry, name) != value for name, value in values.items()):
            for name, value in {**values, "source": source, "import_id": record.id, "imported_at": now}.items():
                setattr(entry, name, value)
            by_outcome["updated"].append(entry)
        else:
            by_outcome["unchanged"].append(entry)
    db.session.flush()

    licences = _licences(code)
    results = [{"import_id": record.id, "outcome": outcome, "entry_id": entry.id, "licence_id": None,
                "message": None} for outcome, listed in by_outcome.items() for entry in listed]
    # Each re-check queries for duplicates; without this every query would first flush the
    # licences re-checked so far. One flush at the end writes them all.
    with db.session.no_autoflush:
        for licence in licences:
            before = licence.check_results
            licensing.recheck(licence, today=today, roster=entries)
            licence_review.follow_roster_checks(licence, before, actor=actor, now=now)
            outcome = licence_review.roster_outcome(licence, entries)
            results.append({"import_id": record.id, "outcome": outcome, "entry_id": None, "licence_id": licence.id,
                            "message": licence_review.roster_problem(licence) if outcome == "mismatched" else None})
    if results:
        db.session.execute(insert(RosterImportResult), results)
    counts = _tally(licences, set(entries))
    created, updated, unchanged = (len(by_outcome[outcome]) for outcome in ENTRY_OUTCOMES)
    record.rows, record.created, record.updated, record.unchanged = len(rows), created, updated, unchanged
    # "lists": this import kept its RosterImportResult rows (imports before them did not).
    record.report = {**counts, "mapping": mapping, "errors": _errors(errors), "lists": True}
    audit.record("roster.imported", "roster_import", record.id, actor=actor, after={
        "jurisdiction": code, "source": source, "filename": record.filename, "sha256": digest,
        "rows": len(rows), "created": created, "updated": updated, "unchanged": unchanged, **counts})
    db.session.commit()
    return RosterReport(import_id=record.id, rows=len(rows), created=created, updated=updated,
                        unchanged=unchanged, **counts, already_imported=False, errors=_errors(errors))


def recent_imports(limit: int = 20) -> list[RosterImport]:
    return list(db.session.scalars(select(RosterImport)
                                   .order_by(RosterImport.imported_at.desc(), RosterImport.id.desc()).limit(limit)))
