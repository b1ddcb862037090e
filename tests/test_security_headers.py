"""Security headers on pages, errors and the API."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/", "/?near=94110", "/practitioners/999", "/api/v1/practitioners",
                                  "/api/v1/practitioners/999", "/no-such-page"])
def test_headers_on_every_kind_of_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_hsts_only_over_https(client):
    response = client.get("/", base_url="https://meridian.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_api_is_readable_cross_origin_but_pages_are_not(client):
    assert client.get("/api/v1/practitioners").headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/").headers


def test_session_cookie_flags(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_headers_and_no_store_on_pages_for_a_logged_in_practitioner(client, create_practitioner):
    from tests.helpers_auth import login_as

    practitioner = create_practitioner()
    login_as(client, practitioner.user)
    for path in ("/practice", "/practice/profile", "/practice/clinics", "/account", f"/practitioners/{practitioner.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Cache-Control"] == "no-store", path
