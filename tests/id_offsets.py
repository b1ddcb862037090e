"""Every table numbers its rows in a block of its own, so ids of different tables never coincide.

In a fresh database every table would count from 1, and the factories create a
practitioner's user just before the practitioner: both got id 1, so an access check that
compared a user id with a practitioner id passed every test. With the blocks below a
practitioner is 2000001 and its user 1000001, and such a mix-up fails the tests that
exercise the check. The first tables are the ones access checks compare; the rest follow
in name order.
"""
from __future__ import annotations

from sqlalchemy import Integer, MetaData, Table, text
from sqlalchemy.engine import Connection

BLOCK = 1_000_000
FIRST = ("user_account", "practitioner", "clinic", "licence", "appointment")


def numbered_tables(metadata: MetaData) -> list[Table]:
    """Tables whose id the database assigns: one integer key column that is not a reference."""
    found = []
    for table in metadata.tables.values():
        key = list(table.primary_key.columns)
        if (len(key) == 1 and isinstance(key[0].type, Integer) and not key[0].foreign_keys
                and key[0].autoincrement in (True, "auto")):
            found.append(table)
    rank = {name: i for i, name in enumerate(FIRST)}
    return sorted(found, key=lambda t: (rank.get(t.name, len(FIRST)), t.name))


def starts(metadata: MetaData) -> dict[str, int]:
    """The last id before each table's first: its first row gets this plus one."""
    return {table.name: (i + 1) * BLOCK for i, table in enumerate(numbered_tables(metadata))}


def prepare(metadata: MetaData) -> None:
    """Before create_all: SQLite keeps a table's counter (sqlite_sequence) only for
    AUTOINCREMENT tables; otherwise it numbers from the largest id present. PostgreSQL
    ignores this option. (AUTOINCREMENT also never reuses a deleted row's id: no test
    relies on reuse, and production, migrated without it, never promises either.)"""
    for table in numbered_tables(metadata):
        table.dialect_kwargs["sqlite_autoincrement"] = True


def apply(connection: Connection, metadata: MetaData, only: set[str] | None = None) -> None:
    """After create_all, on the empty tables: start each table's ids in its block."""
    for table in numbered_tables(metadata):
        name, start = table.name, starts(metadata)[table.name]
        if only is not None and name not in only:
            continue
        if connection.dialect.name == "sqlite":
            connection.execute(text("DELETE FROM sqlite_sequence WHERE name = :name"), {"name": name})
            connection.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
                               {"name": name, "seq": start})
        else:
            column = next(iter(table.primary_key.columns)).name
            sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:name, :column)"),
                                         {"name": name, "column": column})
            if sequence is None:
                raise RuntimeError(f"{name}.id has no sequence: tests/id_offsets.py cannot offset it")
            connection.execute(text("SELECT setval(CAST(:sequence AS regclass), :next, false)"),
                               {"sequence": sequence, "next": start + 1})
