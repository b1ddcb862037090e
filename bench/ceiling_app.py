"""The real app plus two routes that answer without the database: the load test's ceiling.

    gunicorn --pythonpath . bench.ceiling_app:app

``create_app()`` builds the app exactly as ``wsgi.py`` does (configuration from the
environment, middleware, security headers, sessions, error handlers). On top of it:

- ``GET /api/__ceiling`` answers the bytes and content type of one real search API response
  (``CEILING_QUERY``), with the search API's Cache-Control;
- ``GET /__ceiling/page`` answers the bytes of the real search page for the same query.

Both are captured once per worker, on the first request to either route, through the app's
own test client (the real views, the real database); after that no request touches the
database, so the two routes measure what gunicorn + Flask + the middleware cost on their
own. They sit under the same URL prefixes as the real routes so that the same after-request
branches (CORS header for /api/) run. Production code is not changed: wsgi.py has no such
routes.
"""
from __future__ import annotations

import os
import threading

from flask import Response

from directory import create_app

# A dense search with a full first page: the most common kind of answer.
CEILING_QUERY = os.environ.get("CEILING_QUERY", "near=10001&radius=25")
SOURCES = {"api": "/api/v1/practitioners", "page": "/"}
# Links inside the captured body name this host, as the real answers to the load test do.
BASE_URL = os.environ.get("CEILING_BASE_URL", "http://localhost")

app = create_app()
_captured: dict[str, tuple[bytes, str, str | None]] = {}
_lock = threading.Lock()


def _capture() -> dict[str, tuple[bytes, str, str | None]]:
    with _lock:
        if not _captured:
            client = app.test_client()
            for name, path in SOURCES.items():
                real = client.get(f"{path}?{CEILING_QUERY}", base_url=BASE_URL)
                if real.status_code != 200:
                    raise RuntimeError(f"capturing {path}?{CEILING_QUERY} answered {real.status_code}")
                _captured[name] = (real.get_data(), real.content_type, real.headers.get("Cache-Control"))
    return _captured


def _answer(name: str) -> Response:
    body, content_type, cache_control = (_captured or _capture())[name]
    response = Response(body, content_type=content_type)
    if cache_control:
        response.headers["Cache-Control"] = cache_control
    return response


@app.get("/api/__ceiling")
def ceiling_api() -> Response:
    return _answer("api")


@app.get("/__ceiling/page")
def ceiling_page() -> Response:
    return _answer("page")
