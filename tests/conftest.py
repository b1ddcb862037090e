"""Fixtures: a fresh database per test, on SQLite and, when TEST_DATABASE_URL is set,
on PostgreSQL too (every database test runs once per backend)."""
from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from directory import create_app
from directory.extensions import db
from tests import factories, id_offsets

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def _worker_database(url: str) -> str:
    """Under pytest-xdist (`make test` runs one worker per CPU) every worker gets a database of
    its own beside TEST_DATABASE_URL's, created here and dropped when the worker finishes:
    each test drops and creates its tables, so two workers must never share one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{worker}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parts._replace(path="/" + name))


ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "")
WORKER_URL = _worker_database(ADMIN_URL)
PG_URL = WORKER_URL.replace("postgresql://", "postgresql+psycopg://", 1)


def pytest_sessionfinish(session, exitstatus):
    if WORKER_URL and WORKER_URL != ADMIN_URL:
        import psycopg
        from psycopg import sql

        name = urlsplit(WORKER_URL).path.lstrip("/")
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def make_config(database_url: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "GEOCODER": "offline",
        # Tests that exercise these turn them back on.
        "RATELIMIT_ENABLED": False,
        "MAIL_SEND_AFTER_COMMIT": False,
        # A fixed test key (Fernet.generate_key() format): health data is always encrypted.
        "INTAKE_KEYS": ["q2Jx0m1m6J4y8H3nM8l1pQ9sX3vV5kR7tB0wC2eA4dE="],
    }
    config.update(extra)
    return config


class RequestScopedClient(FlaskClient):
    """Each request gets its own app context, as under a real server. Otherwise every request
    of a test shares the fixture's context: its ``g`` (where Flask-Login caches the user, so a
    logged-out cookie would still pass) and its database session (so a view could read objects
    the test never committed)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # A server sends the whole body, then closes the response: that runs the work a view
        # left for after its answer (web.after_answer).
        response.make_sequence()
        response.close()
        return response


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}" if backend == "sqlite" else PG_URL


@contextmanager
def running_app(database_url: str, backend: str, tmp_path, **extra):
    """An app on a fresh schema, with its app context pushed; dropped again afterwards."""
    app = create_app(make_config(database_url, MAIL_FILE_DIR=str(tmp_path / "mail"),
                                 PHOTO_DIR=str(tmp_path / "photos"), **extra))
    app.test_client_class = RequestScopedClient
    with app.app_context():
        if backend == "postgresql":
            db.drop_all()
        create_schema()
        try:
            yield app
        finally:
            db.session.remove()
            if backend == "postgresql":
                db.drop_all()
            db.engine.dispose()


def create_schema() -> None:
    """create_all, with each table's ids in a block of its own (tests/id_offsets.py)."""
    id_offsets.prepare(db.metadata)
    db.create_all()
    with db.engine.begin() as connection:
        id_offsets.apply(connection, db.metadata)


@pytest.fixture
def app(database_url, backend, tmp_path):
    with running_app(database_url, backend, tmp_path) as app:
        yield app


@pytest.fixture
def make_app(database_url, backend, tmp_path):
    """For tests that need settings of their own: ``make_app(RATELIMIT_ENABLED=True)``."""
    with ExitStack() as stack:
        yield lambda **extra: stack.enter_context(running_app(database_url, backend, tmp_path, **extra))


@pytest.fixture
def client(app):
    return app.test_client()


def clear_database() -> None:
    """Empty every table (for property tests that need a clean slate per example)."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        if table.name == "search_generation":
            continue  # one row the schema provides; the deletes below give it a new value
        if table.name == "audit_event":
            # Append-only (database triggers refuse DELETE): recreate it when it has rows.
            if db.session.execute(select(func.count()).select_from(table)).scalar():
                db.session.commit()
                table.drop(db.engine)
                table.create(db.engine)
                with db.engine.begin() as connection:
                    id_offsets.apply(connection, db.metadata, only={table.name})
            continue
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def create_practitioner(app):
    return factories.create_practitioner


@pytest.fixture
def create_user(app):
    return factories.create_user


@pytest.fixture(scope="session")
def browser():
    """The system Chromium under Playwright, shared by tests/browser and tests/e2e: the sync
    API allows one Playwright at a time in a thread. No browser is ever downloaded."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}. Install it with the system package manager "
                    "(e.g. `apt-get install chromium`); the browser tests never download one.",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            yield browser
        finally:
            browser.close()
