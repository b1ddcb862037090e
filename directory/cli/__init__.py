"""The `flask` command groups, one module each; create_app registers them."""
from __future__ import annotations

from flask import Flask

from directory.cli.accounts import create_admin_command
from directory.cli.appointments import appointments_group
from directory.cli.demo import seed_demo_command
from directory.cli.licences import licences_group
from directory.cli.mail import mail_group
from directory.cli.search import search_group


def register(app: Flask) -> None:
    for command in (seed_demo_command, mail_group, create_admin_command, licences_group,
                    appointments_group, search_group):
        app.cli.add_command(command)
