"""Warm workers: the ZIP table shipped with the app, and the warm-up gunicorn's master runs
before it forks (gunicorn.conf.py). The speed itself is measured in bench/first_request.py."""
from __future__ import annotations

import gc
import logging
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import zipcodes
from sqlalchemy import text

from directory import create_app
from directory.data import build_zip_table
from directory.extensions import db
from directory.services.geocoding import zip_index
from directory.services.search import results_map
from directory.warmup import warm
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_zip_table_is_what_the_pinned_zipcodes_package_holds():
    # Fails after a new `zipcodes` pin until `python -m directory.data.build_zip_table` is run.
    assert build_zip_table.TABLE.read_bytes() == build_zip_table.encode(build_zip_table.rows())


def test_the_zip_index_answers_from_the_table_without_importing_the_zipcodes_package():
    code = ("import sys; from directory.services.geocoding import zip_index as z; z.load(); "
            "assert z.find_zip('94110').city == 'San Francisco'; sys.exit('zipcodes' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=120).returncode == 0


def test_every_located_zip_of_the_package_is_in_the_index_with_its_place_and_zone():
    for record in zipcodes.list_all():
        found = zip_index.find_zip(record["zip_code"])
        assert (found.city, found.state, found.latitude, found.longitude, found.timezone) == (
            record["city"], record["state"], float(record["lat"]), float(record["long"]), record["timezone"])


@pytest.fixture
def file_app(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'warm.db'}"))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_warm_up_builds_the_index_compiles_every_template_and_leaves_no_connection_open(file_app):
    with file_app.app_context():
        db.create_all()
        db.engine.dispose()
    zip_index._index.cache_clear()
    results_map.outlines.cache_clear()
    spent = warm(file_app)
    assert set(spent) == {"zip index", "map outlines", "jurisdiction rules", "templates", "routes", "search"}
    assert zip_index._index.cache_info().currsize == 1
    assert results_map.outlines.cache_info().currsize == 1
    cached = {name for (_loader, name) in file_app.jinja_env.cache.keys()}
    assert cached == set(file_app.jinja_env.list_templates())
    with file_app.app_context():
        # A connection left in the master's pool would be shared by every forked worker.
        assert (db.engine.pool.checkedin(), db.engine.pool.checkedout()) == (0, 0)


def test_warm_up_without_a_migrated_database_logs_and_lets_the_server_start(file_app, caplog):
    with caplog.at_level(logging.WARNING, logger="directory.warmup"):
        warm(file_app)
    assert "Warm-up search skipped" in caplog.text
    with file_app.app_context():
        assert (db.engine.pool.checkedin(), db.engine.pool.checkedout()) == (0, 0)
        assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_gunicorn_config_preloads_and_warms_the_app_in_the_master_then_freezes_it(file_app):
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["preload_app"] is True
    zip_index._index.cache_clear()
    messages = []
    server = SimpleNamespace(cfg=SimpleNamespace(preload_app=True), app=SimpleNamespace(wsgi=lambda: file_app),
                             log=SimpleNamespace(info=lambda *args: messages.append(args[0] % args[1:])))
    try:
        config["when_ready"](server)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert zip_index._index.cache_info().currsize == 1
    assert messages and messages[0].startswith("Warmed up before taking requests: zip index")
