"""`flask licences ...`: the group, and `check FILE` (screen a CSV of licences; saves nothing).

Other licence commands (import-roster, lapse) add themselves to ``licences_group``.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import with_appcontext
from sqlalchemy import inspect

from directory.extensions import db
from directory.services import licence_checks
from directory.services.licence_checks import FAIL, CheckResult, LicenceRecord

licences_group = click.Group("licences", help="Check, verify and maintain practitioners' licences.")

REQUIRED_COLUMNS = ("name", "jurisdiction", "title", "number", "issued", "expires")
OPTIONAL_COLUMNS = ("npi", "nccaom_id")
_DATE_COLUMNS = {"issued": "issued_on", "expires": "expires_on"}


def _stop(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(row number, values by lower-case column name) of each non-blank data row. Blank rows are
    skipped but counted, so row n is still the spreadsheet's line n + 1."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        _stop(f"cannot read {path}: {error.strerror or error}")
    except UnicodeDecodeError:
        _stop(f"{path} is not UTF-8 text: save the spreadsheet as CSV UTF-8.")
    if not text.strip():
        _stop(f"{path} is empty: expected a header row {','.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}.")
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in next(reader)]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            _stop(f"{path} has no column {', '.join(missing)}: the header row must name the columns "
                  f"{','.join(REQUIRED_COLUMNS)} (and optionally {','.join(OPTIONAL_COLUMNS)}).")
        rows = [(n, {column: (values[i].strip() if i < len(values) else "") for i, column in enumerate(header)})
                for n, values in enumerate(reader, start=1) if any(v.strip() for v in values)]
    except csv.Error as error:
        _stop(f"{path} is not a readable CSV file: {error}")
    return rows


def _parse_date(value: str) -> date | None:
    if not value:
        return None
    # Only the documented form: fromisoformat alone would also take "20240101" and week dates.
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError(value)
    return date.fromisoformat(value)


def _check_row(row: dict[str, str], today: date) -> list[CheckResult]:
    dates: dict[str, date | None] = {}
    unreadable: list[CheckResult] = []
    for column, field in _DATE_COLUMNS.items():
        try:
            dates[field] = _parse_date(row.get(column, ""))
        except ValueError:
            dates[field] = None
            unreadable.append(CheckResult("dates", FAIL, f"{column} {row[column]!r} is not a date: use YYYY-MM-DD.",
                                          field))
    record = LicenceRecord(
        name=row.get("name", ""), jurisdiction=row.get("jurisdiction", ""), title=row.get("title", ""),
        number=row.get("number", ""), issued_on=dates["issued_on"], expires_on=dates["expires_on"],
        npi=row.get("npi") or None, nccaom_id=row.get("nccaom_id") or None)
    results = licence_checks.run_checks(record, today=today)
    if not unreadable:
        return results
    skip = tuple(r.field for r in unreadable)
    required = licence_checks.check_required(record, skip=skip)
    return required + unreadable + [r for r in results if r.name != "required" and
                                    not (r.name == "dates" and r.result == licence_checks.PASS)]


@licences_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Check as of this date (YYYY-MM-DD) instead of today.")
@with_appcontext
def check_command(file: Path, today) -> None:
    """Run the automatic licence checks on each row of a CSV FILE and print one JSON object
    per row; nothing is saved.

    Columns (header row required, any order, extra columns ignored): name, jurisdiction
    (e.g. US-CA), title, number, issued, expires (dates as YYYY-MM-DD), and optionally npi
    and nccaom_id. Each line printed is
    {"row": n, "verdict": "pass"|"warn"|"fail", "checks": [{"name", "result", "message"}]},
    n counting data rows from 1. Exits 0 when the file was read, even if rows fail; 2 when
    it cannot be read or lacks a required column.
    """
    if not inspect(db.engine).has_table("licence"):
        raise click.ClickException("The database has no tables yet: run `flask db upgrade` first.")
    rows = _read_rows(file)
    if not rows:
        click.echo(f"{file} has a header but no licence rows: nothing to check.", err=True)
        return
    as_of = today.date() if today else date.today()
    try:
        for number, row in rows:
            results = _check_row(row, as_of)
            click.echo(json.dumps({
                "row": number, "verdict": licence_checks.verdict(results),
                "checks": [{"name": r.name, "result": r.result, "message": r.message} for r in results]}))
    finally:
        # The checks only read; make sure no half-made change could ever be flushed from here.
        db.session.rollback()
