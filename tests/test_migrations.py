"""The committed migrations build exactly the schema the models describe."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from directory import create_app
from directory.extensions import db
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
        context = MigrationContext.configure(conn, opts={"compare_type": True})
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
