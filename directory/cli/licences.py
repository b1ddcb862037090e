"""`flask licences ...`: `check FILE` (screen a CSV of licences; saves nothing),
`import-roster` (a board's roster) and `lapse` (daily, from cron)."""
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
from directory.services.licensing import checks as licence_checks
from directory.services.licensing import expiry as licence_expiry
from directory.services.licensing import roster_csv, rosters
from directory.services.licensing.checks import FAIL, CheckResult, LicenceRecord

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


@licences_group.command("import-roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--jurisdiction", required=True, help="ISO 3166-2 code of the board's jurisdiction, e.g. US-CA.")
@click.option("--source", required=True, help='Where the roster comes from, e.g. "CA Acupuncture Board, 2026-03-01".')
@with_appcontext
def import_roster_command(file: str, jurisdiction: str, source: str) -> None:
    """Import a board roster (CSV) and re-check that jurisdiction's licences against it.

    Columns are recognised by their usual names (License Number, Name or First/Last
    Name, Status, Expiration Date); other columns are kept. Importing the same file
    again changes nothing.
    """
    with open(file, "rb") as handle:
        data = handle.read()
    try:
        report = rosters.import_roster(data, jurisdiction=jurisdiction, source=source, filename=file)
    except roster_csv.RosterFormatError as error:
        raise click.ClickException(error.message) from None
    if report.already_imported:
        click.echo(f"This file was already imported (import {report.import_id}): nothing changed.")
    click.echo(f"Rows: {report.rows} ({report.created} new, {report.updated} updated, "
               f"{report.unchanged} unchanged)")
    click.echo(f"Licences in {jurisdiction.strip().upper()}: {report.matched} matched, "
               f"{report.mismatched} mismatched, {report.not_found} not found")
    for error in report.errors:
        click.echo(f"  {error}")


@licences_group.command("lapse")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if on this date (YYYY-MM-DD); default today.")
@with_appcontext
def lapse_command(today) -> None:
    """Lapse expired licences (which unlists them) and send the 60- and 14-day expiry reminders.

    Run it daily; running it again the same day changes nothing and sends nothing.
    """
    day: date = today.date() if today else date.today()
    lapsed = licence_expiry.lapse_expired(today=day)
    reminded = licence_expiry.send_expiry_reminders(today=day)
    click.echo(f"{day.isoformat()}: {lapsed} licence{'' if lapsed == 1 else 's'} lapsed, "
               f"{reminded} reminder{'' if reminded == 1 else 's'} queued.")
