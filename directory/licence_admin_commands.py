"""`flask licences import-roster` and `flask licences lapse` (daily, from cron)."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from directory.licence_commands import licences_group
from directory.services import licensing, rosters


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
    except rosters.RosterFormatError as error:
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
    lapsed = licensing.lapse_expired(today=day)
    reminded = licensing.send_expiry_reminders(today=day)
    click.echo(f"{day.isoformat()}: {lapsed} licence{'' if lapsed == 1 else 's'} lapsed, "
               f"{reminded} reminder{'' if reminded == 1 else 's'} queued.")
