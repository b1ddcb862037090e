"""Column helpers shared by the models."""
from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import Enum


# Table options for every table the audit log points at: SQLite's AUTOINCREMENT never hands a
# deleted row's id to a new row, so one id in the trail always means one record (PostgreSQL's
# sequences never reuse ids anyway).
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime. SQLite hands back naive ones, and everything the app writes is UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def enum_column(cls: type[enum.Enum], name: str) -> Enum:
    """A named database enum that stores each member's value ("needs_changes"), not its name."""
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e], validate_strings=True)
