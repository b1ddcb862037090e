"""What the CLI commands share."""
from __future__ import annotations

import click
from sqlalchemy import inspect

from directory.extensions import db


def require_table(name: str) -> None:
    """Stop with a clear message (not a traceback) on a database that was never migrated."""
    if not inspect(db.engine).has_table(name):
        raise click.ClickException("The database has no tables yet: run `flask db upgrade` first.")
