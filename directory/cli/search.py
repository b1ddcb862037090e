"""`flask search spatial-index`: the optional PostgreSQL spatial index, on demand."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from directory.cli.support import require_table
from directory.extensions import db
from directory.models.search_spatial import INDEX_NAME, create_spatial_index, drop_spatial_index


@click.group("search")
def search_group() -> None:
    """Nearby-search maintenance."""


@search_group.command("spatial-index")
@click.option("--drop", is_flag=True, help="Drop the index instead of creating it.")
@with_appcontext
def spatial_index_command(drop: bool) -> None:
    """Create (or drop) the cube GiST index on the search index, PostgreSQL only.

    Searches use it only with SEARCH_SPATIAL_INDEX=on, after an app restart. It is not
    built by default: at a million practitioners it was slower than the portable query
    (README, "Performance and reliability"). Building it blocks writes to the search
    index while it runs (about 40 s at a million practitioners).
    """
    require_table("search_entry")
    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("The spatial index needs PostgreSQL; on SQLite search uses its "
                                   "portable bounding box.")
    with db.engine.begin() as connection:
        if drop:
            drop_spatial_index(connection)
            click.echo(f"dropped {INDEX_NAME} (if it existed)")
            return
        if not create_spatial_index(connection):
            raise click.ClickException("The index could not be created: the cube extension is missing "
                                       "or this role may not create it (see the warning above).")
    click.echo(f"{INDEX_NAME} is in place; set SEARCH_SPATIAL_INDEX=on and restart the app to use it")
