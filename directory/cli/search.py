"""`flask search refresh-times` (for cron): next free times brought up to date ahead of searches."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from directory.cli.support import require_table
from directory.services.search import next_free


@click.group("search")
def search_group() -> None:
    """Maintain the search index."""


@search_group.command("refresh-times")
@with_appcontext
def refresh_times_command() -> None:
    """Recompute every next free first-visit time that the passing of time has made stale.

    Searches recompute the ones they show anyway, so results are right without it; run it
    from cron every minute so that searches seldom have to. Prints how many practitioners
    it recomputed.
    """
    require_table("search_entry")
    click.echo(f"Recomputed the next free times of {next_free.refresh_all()} practitioners.")
