"""End-to-end fixtures: the real app under gunicorn (two workers) on a free loopback port,
its database migrated by `flask db upgrade`, on SQLite and (with TEST_DATABASE_URL) on a
PostgreSQL database of its own; and people's browsers (``browser`` is in tests/conftest.py)."""
from __future__ import annotations

import os
from itertools import count
from pathlib import Path

import pytest

from directory import create_app
from directory.extensions import db
from tests.conftest import BACKENDS, make_config
from tests.e2e.helpers import Server, Steps, app_environment, driver_url, fresh_database, running_server

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
# The journeys sign up four people and log in a dozen times from one address within a minute;
# the production budgets (5 sign-ups, 10 logins, 10 booking requests a minute) would stop them.
# The rate limits themselves are proven in test_rate_limit_workers.py.
JOURNEY_LIMITS = {"LOGIN_RATE_LIMIT": "200 per minute", "SIGNUP_RATE_LIMIT": "200 per minute",
                  "BOOKING_RATE_LIMIT": "200 per minute"}
_databases = count(1)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # A failing test shows the log of every server it used (gunicorn's and the app's stderr).
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, Server):
                report.sections.append((f"gunicorn log ({value.url})", value.log_text()[-20_000:]))


@pytest.fixture(scope="session", params=BACKENDS)
def e2e_backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def server(e2e_backend, tmp_path_factory):
    """One server per backend, on a database nobody else uses, shared by the journey and the
    race (their people, places and licences do not overlap) to start gunicorn once."""
    folder = tmp_path_factory.mktemp(f"e2e-{e2e_backend}")
    name = f"meridian_e2e_{os.getpid()}_{next(_databases)}"
    with fresh_database(e2e_backend, folder, TEST_DATABASE_URL, name) as url:
        env = app_environment(url, folder, **JOURNEY_LIMITS)
        with running_server(env, folder) as live:
            yield live


@pytest.fixture(scope="session")
def server_db(server):
    """An app in this test process on the server's database, to arrange data and read the
    outcome (``with server_db.app_context(): ...``)."""
    app = create_app(make_config(driver_url(server.env["DATABASE_URL"])))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def new_page(browser):
    """``new_page()``: a page in a browser context of its own, as a separate person's browser."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US",
                                      accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def steps(request) -> Steps:
    return Steps(request.node.name, Path(request.config.rootpath) / "test-results" / "e2e")
