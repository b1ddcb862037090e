"""The committed migrations build exactly the schema the models describe."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from directory import create_app
from directory.extensions import db
from directory.models.search_spatial import include_in_autogenerate
from tests.conftest import make_config


@pytest.fixture
def empty_app(database_url, backend):
    app = create_app(make_config(database_url))
    with app.app_context():
        if backend == "postgresql":
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        yield app
        db.session.remove()
        if backend == "postgresql":
            downgrade(revision="base")
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()


def schema_differences() -> list:
    with db.engine.connect() as conn:
        # The same filter as `flask db migrate`: the optional spatial index is not in the models.
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": include_in_autogenerate})
        return compare_metadata(context, db.metadata)


def test_upgrade_builds_the_models_schema(empty_app):
    upgrade()
    assert schema_differences() == []
    tables = set(inspect(db.engine).get_table_names())
    assert {"user_account", "practitioner", "clinic", "licence", "search_entry", "geocode_cache"} <= tables


def test_downgrade_then_upgrade_round_trips(empty_app):
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert schema_differences() == []


def test_a_model_change_without_migration_is_detected(empty_app):
    upgrade()
    from sqlalchemy import Column, Integer, Table

    extra = Table("not_migrated", db.metadata, Column("id", Integer, primary_key=True))
    try:
        assert schema_differences() != []
    finally:
        db.metadata.remove(extra)


def _insert(table_name: str, **values) -> int:
    """A row with ``values`` and a plain value in every other required column (the schema as
    the database has it at this revision, not as the models describe it now)."""
    from datetime import date, datetime, timezone

    from sqlalchemy import JSON, Boolean, Date, DateTime, Enum, MetaData, Numeric, Table
    from sqlalchemy import Integer as Int

    table = Table(table_name, MetaData(), autoload_with=db.engine)
    row = {}
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key or column.server_default is not None:
            continue
        kind = column.type
        row[column.name] = (kind.enums[0] if isinstance(kind, Enum) else False if isinstance(kind, Boolean)
                            else datetime(2026, 1, 1, tzinfo=timezone.utc) if isinstance(kind, DateTime)
                            else date(2026, 1, 1) if isinstance(kind, Date) else [] if isinstance(kind, JSON)
                            else 0 if isinstance(kind, (Int, Numeric))
                            else column.name[:getattr(kind, "length", None) or 40])
    row.update(values)
    with db.engine.begin() as conn:
        return conn.execute(table.insert().values(**row).returning(table.c.id)).scalar_one()


def test_board_statuses_nobody_reported_become_not_reported_and_failing_verified_licences_return_to_the_queue(
        empty_app):
    from flask_migrate import upgrade as upgrade_to

    upgrade_to(revision="0005searchgeneration")
    user = _insert("user_account", email="p@example.test", role="practitioner")
    practitioner = _insert("practitioner", user_id=user, slug="p-1", display_name="Mei Chen")
    imported = _insert("roster_import", jurisdiction="US-CA", report={})
    for number, status in (("AC1", "Suspended"), ("AC2", "Whatever the board wrote")):
        _insert("roster_entry", jurisdiction="US-CA", number=number, number_normalized=number, status=status,
                name="Mei Chen", import_id=imported, extra={})
    failing = [{"name": "roster", "result": "fail", "message": "AC3 is not on the California roster."}]
    ids = {number: _insert("licence", practitioner_id=practitioner, jurisdiction="US-CA", number=number,
                           number_normalized=number, board_status="active", verification_state=state,
                           check_results=checks)
           for number, state, checks in (("AC1", "verified", []), ("AC2", "verified", []),
                                         ("AC3", "verified", failing), ("AC4", "pending", failing))}

    upgrade()

    with db.engine.connect() as conn:
        rows = {r.number: r for r in conn.execute(text(
            "SELECT number, board_status, board_status_source, review_requested_at FROM licence"))}
    # The only report is the roster's, for AC1; the old default "active" was nobody's.
    assert (rows["AC1"].board_status, rows["AC1"].board_status_source) == ("suspended", "roster")
    assert [rows[n].board_status for n in ("AC2", "AC3", "AC4")] == [None, None, None]
    assert [rows[n].review_requested_at is not None for n in ("AC1", "AC2", "AC3", "AC4")] == [
        False, False, True, False]
    assert len(ids) == 4
