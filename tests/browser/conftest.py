"""Browser journeys: the real app over HTTP on a free local port, driven by the system
Chromium through Playwright. No browser is ever downloaded."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from directory import create_app
from directory.extensions import db
# The `browser` fixture is in tests/conftest.py, shared with tests/e2e.
from tests.conftest import create_schema, make_config


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Remember each phase's report so fixtures can tell whether the test failed.
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@dataclass
class LiveServer:
    app: Flask
    url: str


def serve(tmp_path, **settings):
    """The app on 127.0.0.1:<free port>, backed by a SQLite file with the schema created, and
    ``settings`` on top of the tests' own. Insert data with ``with server.app.app_context(): ...``."""
    # Uploads and mail stay in the test's own directory, not the repository's instance/.
    app = create_app(make_config(f"sqlite:///{tmp_path / 'browser.db'}", PHOTO_DIR=str(tmp_path / "photos"),
                                 MAIL_FILE_DIR=str(tmp_path / "mail"), **settings))
    with app.app_context():
        create_schema()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(tmp_path):
    yield from serve(tmp_path)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            out = Path(request.config.rootpath) / "test-results"
            out.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
        context.close()
