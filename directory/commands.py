"""CLI commands, registered on the app by create_app."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    pass
