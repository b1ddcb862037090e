"""Reading a board's roster file: the delimiter, the header row and which column is which
are detected (boards name them differently), dates in the usual formats, and every row that
cannot be read reported with its line number rather than saved."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from directory.models.licence import normalise_number

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
