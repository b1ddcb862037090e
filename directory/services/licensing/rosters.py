"""Importing a licensing board's roster (CSV) and re-checking that jurisdiction's licences against it.

Boards export different column names; ``detect_mapping`` recognises the usual ones.
Entries are upserted by (jurisdiction, normalised number): a row the same as stored
is left alone, entries absent from a new file are kept (an export may be partial, e.g.
one county). The same file imported twice in a row is recognised by its SHA-256 and
changes nothing at all, not even a new import record.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime

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

REQUIRED = ("number", "name", "status")
# Most specific first: a file with both "License Number" and "Number" means the former.
ALIASES = {
    "number": ("License Number", "Licence Number", "LicenseNumber", "License No", "Licence No", "License #",
               "Lic #", "Lic No", "Lic Number", "Registration Number", "Registration No", "Number"),
    "name": ("Name", "Full Name", "Licensee Name", "Licensee", "Registrant Name", "Practitioner Name"),
    "first_name": ("First Name", "FirstName", "Given Name", "First"),
    "middle_name": ("Middle Name", "MiddleName", "Middle Initial", "Middle", "MI"),
    "last_name": ("Last Name", "LastName", "Surname", "Family Name", "Last"),
    "status": ("License Status", "Licence Status", "Registration Status", "Status"),
    "expires_on": ("License Expiration Date", "Licence Expiry Date", "Expiration Date", "Expiry Date",
                   "Exp Date", "Expiration", "Expires", "Expires On", "Expiry"),
}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y")
DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_ROWS = 10
MAX_ERRORS = 100
# Control characters other than tab and line breaks: no board writes them, and PostgreSQL
# cannot store a NUL, so a row holding one is reported rather than saved.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


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


class RosterFormatError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class _Row:
    line: int
    number: str
    name: str
    status: str
    expires_on: date | None
    extra: dict[str, str]


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9#]", "", header.lower().replace("licence", "license"))


def detect_mapping(headers: list[str]) -> dict[str, str]:
    """Our field -> their column, for the columns recognised. With no single name column,
    "first_name"/"last_name" (and "middle_name") stand in for "name"."""
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(_key(header), header)
    mapping = {}
    for ours, aliases in ALIASES.items():
        for alias in aliases:
            if _key(alias) in by_key:
                mapping[ours] = by_key[_key(alias)]
                break
    if "name" in mapping or not {"first_name", "last_name"} <= mapping.keys():
        for part in ("first_name", "middle_name", "last_name"):
            mapping.pop(part, None)
    return mapping


def _missing(mapping: dict[str, str]) -> list[str]:
    has = set(mapping) | ({"name"} if {"first_name", "last_name"} <= mapping.keys() else set())
    return [f for f in REQUIRED if f not in has]


def _describe_missing(missing: list[str]) -> str:
    words = {"number": "the licence number", "name": "the licensee's name (or first and last name)",
             "status": "the licence status"}
    parts = [words[m] for m in missing]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _decode(data: bytes) -> str:
    # Older board exports are often Windows-1252 (curly quotes in "O’Brien"), else Latin-1,
    # which never fails to decode.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _header(cell: str) -> str:
    return _CONTROL.sub("", cell).strip()


def parse_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _find_header(rows: list[list[str]], given: dict[str, str] | None) -> tuple[int, dict[str, str]] | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headers = [_header(h) for h in row]
        if given and not set(given.values()) <= set(headers):
            continue
        mapping = {**detect_mapping(headers), **(given or {})}
        if not _missing(mapping):
            return index, mapping
    return None


def _table(text: str, given: dict[str, str] | None) -> tuple[list[list[str]], int, dict[str, str]]:
    first_rows = None
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
        except csv.Error as error:
            raise RosterFormatError(f"This is not a readable CSV file ({error}).") from None
        first_rows = first_rows or [r for r in rows if any(c.strip() for c in r)]
        found = _find_header(rows, given)
        if found:
            return rows, *found
    if not first_rows:
        raise RosterFormatError("The file is empty.")
    # The likeliest header: the widest of the first rows (title lines above it are narrow).
    widest = max(first_rows[:HEADER_SEARCH_ROWS], key=lambda r: sum(1 for c in r if c.strip()))
    headers = [_header(h) for h in widest]
    found = ", ".join(h for h in headers if h)
    if given:
        absent = sorted(set(given.values()) - set(headers))
        if absent:
            raise RosterFormatError(f"The file has no column named {', '.join(absent)}. Columns found: {found}.")
    missing = _missing(detect_mapping(headers))
    raise RosterFormatError(f"No column was recognised for {_describe_missing(missing)}. Columns found: {found}.")


def parse_roster(data: bytes, mapping: dict[str, str] | None = None
                 ) -> tuple[list[_Row], list[str], dict[str, str]]:
    """The file's rows (by normalised number, the last of duplicates kept), errors, and the mapping used."""
    rows, header_index, mapping = _table(_decode(data), mapping)
    headers = [_header(h) for h in rows[header_index]]
    mapped = set(mapping.values())
    found: dict[str, _Row] = {}
    errors: list[str] = []
    for offset, raw in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not any(c.strip() for c in raw):
            continue
        cells = {h: (raw[i].strip() if i < len(raw) else "") for i, h in enumerate(headers) if h}
        garbled = [h for h, value in cells.items() if _CONTROL.search(value)]
        if garbled:
            errors.append(f"Row {offset}: control characters (such as a null byte) in {', '.join(garbled)}; "
                          "skipped.")
            continue
        number = cells.get(mapping["number"], "")
        if not normalise_number(number):
            errors.append(f"Row {offset}: no licence number; skipped.")
            continue
        if len(number) > 40:
            errors.append(f"Row {offset}: the licence number is longer than 40 characters; skipped.")
            continue
        if "name" in mapping:
            name = cells.get(mapping["name"], "")
        else:
            name = " ".join(cells.get(mapping[p], "") for p in ("first_name", "middle_name", "last_name")
                            if p in mapping and cells.get(mapping[p]))
        expires_on = None
        if "expires_on" in mapping:
            try:
                expires_on = parse_date(cells.get(mapping["expires_on"], ""))
            except ValueError as bad:
                errors.append(f"Row {offset}: expiration date '{bad}' not understood "
                              "(use YYYY-MM-DD or MM/DD/YYYY); kept without one.")
        key = normalise_number(number)
        if key in found:
            errors.append(f"Row {offset}: number {number} already appeared on row {found[key].line}; "
                          "the later row is used.")
        found[key] = _Row(offset, number, name[:200], cells.get(mapping["status"], "")[:40], expires_on,
                          {h: v for h, v in cells.items() if h not in mapped})
    return list(found.values()), errors, mapping


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
