"""`flask create-admin EMAIL`: the only way to make an administrator."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from directory.cli.support import require_table
from directory.services.accounts import users as accounts


def _read_password() -> str:
    # Never from argv (it would land in shell history and the process list).
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line:
        raise click.UsageError("No password on standard input.")
    return line.rstrip("\r\n")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True, help="Name shown in the audit trail.")
@with_appcontext
def create_admin_command(email: str, name: str) -> None:
    """Create an administrator account for EMAIL.

    The password is asked for at a prompt, or read from the first line of standard
    input when that is not a terminal (e.g. `printf '%s\\n' "$PW" | flask create-admin a@b.c`).
    """
    require_table("user_account")
    password = _read_password()
    try:
        user = accounts.create_admin(email, password, name)
    except accounts.AccountError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created administrator {user.email} (id {user.id}).")
