"""The health check, and what people and API clients see when the database is unreachable."""
from __future__ import annotations

import logging
import socket

import pytest

from directory import create_app
from tests.conftest import make_config


def test_healthz_reports_ok_with_its_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def _closed_port() -> int:
    # A port nothing listens on: bind, read, close.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


UNREACHABLE = {
    "sqlite": lambda tmp_path: f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}",
    "postgresql": lambda tmp_path: f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/none",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def unreachable_app(request, tmp_path):
    app = create_app(make_config(UNREACHABLE[request.param](tmp_path),
                                 SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True,
                                                            "connect_args": {"connect_timeout": 2}}
                                 if request.param == "postgresql" else {}))
    return app


def test_healthz_says_503_when_the_database_is_unreachable(unreachable_app):
    response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert response.headers["Retry-After"] == "5"


def test_pages_and_api_answer_503_not_500_without_a_database(unreachable_app, caplog):
    client = unreachable_app.test_client()
    with caplog.at_level(logging.WARNING, logger="directory"):
        page = client.get("/?near=10001")
        api = client.get("/api/v1/practitioners?near=10001")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "briefly unavailable" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "service_unavailable"
    # Logged as a warning naming the route and the error class, never the driver's message.
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "database unavailable on GET /" in logged
    assert "no-such-dir" not in logged and "127.0.0.1" not in logged
