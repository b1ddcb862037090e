"""The session hooks: on the app's own session and engines, once each, in the written order."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from directory import create_app, session_hooks
from directory.extensions import configure_sqlite, db
from directory.models import SearchEntry, SearchGeneration
from tests.conftest import make_config


def _names(listeners) -> list[str]:
    return [getattr(fn, "__name__", repr(fn)) for fn in listeners]


def test_every_hook_is_on_the_apps_session_in_the_written_order(app):
    session = db.session()
    for event_name in {name for name, _ in session_hooks.SESSION_HOOKS}:
        expected = [fn.__name__ for name, fn in session_hooks.SESSION_HOOKS if name == event_name]
        assert _names(getattr(session.dispatch, event_name)) == expected, event_name


def test_the_global_session_class_carries_no_hook(app):
    plain = Session(db.engine)
    try:
        for event_name, _ in session_hooks.SESSION_HOOKS:
            assert _names(getattr(plain.dispatch, event_name)) == [], event_name
    finally:
        plain.close()


def test_building_more_apps_installs_nothing_twice(app, tmp_path):
    create_app(make_config(f"sqlite:///{tmp_path / 'other.db'}"))
    session = db.session()
    assert _names(session.dispatch.after_flush) == [
        "reindex_after_flush", "note_slot_changes", "note_flushed_changes", "note_new_mail"]
    assert _names(db.engine.pool.dispatch.connect).count(configure_sqlite.__name__) <= 1


def test_a_change_is_indexed_and_counted_in_the_same_commit(app, create_practitioner):
    before = db.session.scalar(select(SearchGeneration.value))
    practitioner = create_practitioner()
    db.session.commit()
    assert db.session.scalar(select(SearchEntry.clinic_id).where(SearchEntry.practitioner_id == practitioner.id))
    assert db.session.scalar(select(SearchGeneration.value)) != before


def test_a_rolled_back_change_counts_for_nothing(app, create_practitioner):
    create_practitioner()
    db.session.commit()
    before = db.session.scalar(select(SearchGeneration.value))
    practitioner = create_practitioner(commit=False)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(SearchGeneration.value)) == before
    assert practitioner.id is not None


def test_sqlite_connections_of_the_app_enforce_foreign_keys(app, backend):
    if backend != "sqlite":
        pytest.skip("PostgreSQL always enforces foreign keys")
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
