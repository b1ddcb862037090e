"""An optional spatial index on the search index, for PostgreSQL with the ``cube`` extension.

Each indexed clinic's position becomes a point on the unit sphere (x, y, z), and a GiST
index over that point answers "which rows lie in this 3-D box" for any box: a search
asks for the cube around its origin whose half-side is the chord of its radius, which
holds every point of the circle, at the poles and across the antimeridian alike, and
the exact haversine then decides as on the portable path.

``cube`` ships with the server (contrib) and is a trusted extension since PostgreSQL 13,
so a database owner can create it without being a superuser. Where it is missing or may
not be created, nothing here fails: the index is simply not made and search keeps its
portable bounding box.

The index is opt-in (`flask search spatial-index`), not part of the migrations: at a
million practitioners it made searches slower, cost 72 MB and 10-15 % on every write
to the search index, and building it locks the table for about 40 s
(bench/RESULTS-postgres-scale.md).

The point is written with built-in functions and ``cube(float8[])`` rather than
earthdistance's ``ll_to_earth``: that function's body names ``earth()`` and its type
without a schema, so restoring a ``pg_dump`` (which runs with an empty search_path)
cannot rebuild an index on it (PostgreSQL 15, earthdistance 1.1). This expression dumps
schema-qualified and restores.
"""
from __future__ import annotations

import logging

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

EXTENSION = "cube"
INDEX_NAME = "ix_search_entry_sphere"
# Raised by CREATE EXTENSION when the role may not create it: then the index is skipped.
INSUFFICIENT_PRIVILEGE = "42501"


def sphere_point_sql(prefix: str = "") -> str:
    """The unit-sphere position of a search_entry row, as SQL; ``prefix`` qualifies the columns.

    Queries must spell the same expression as the index for the planner to use it.
    """
    lat, lon = f"radians({prefix}latitude)", f"radians({prefix}longitude)"
    return f"cube(ARRAY[cos({lat}) * cos({lon}), cos({lat}) * sin({lon}), sin({lat})])"


def create_spatial_index(connection: Connection) -> bool:
    """Create the extension and the GiST index when PostgreSQL allows it; True when it exists.

    Both statements run inside a savepoint, so a refusal leaves the surrounding
    transaction (``create_all`` or a migration) usable.
    """
    if connection.dialect.name != "postgresql":
        return False
    available = connection.scalar(
        text("SELECT count(*) FROM pg_available_extensions WHERE name = :name"), {"name": EXTENSION})
    if not available:
        log.warning("search: the %s extension is not installed on this server; "
                 "nearby search uses the portable bounding box", EXTENSION)
        return False
    try:
        with connection.begin_nested():
            connection.execute(text(f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}"))
            connection.execute(text(f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON search_entry "
                                    f"USING gist (({sphere_point_sql()}))"))
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        log.warning("search: not allowed to create the %s extension (%s); "
                    "nearby search uses the portable bounding box", EXTENSION, error.orig)
        return False
    return True


def drop_spatial_index(connection: Connection) -> None:
    """Drop the index (the extension stays: other objects may use it)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP INDEX IF EXISTS {INDEX_NAME}"))


def spatial_index_present(connection: Connection) -> bool:
    """Whether this database has the spatial index on search_entry (and its extension)."""
    if connection.dialect.name != "postgresql":
        return False
    return bool(connection.scalar(text(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = :extension)"
        " AND EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema()"
        " AND tablename = 'search_entry' AND indexname = :index)"),
        {"extension": EXTENSION, "index": INDEX_NAME}))


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object``: the spatial index exists on some databases and not others,
    so autogenerate neither drops it where it exists nor adds it to the models."""
    return not (type_ == "index" and name == INDEX_NAME)
