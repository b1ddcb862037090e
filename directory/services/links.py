"""Absolute links for emails, with or without a request."""
from __future__ import annotations

from flask import current_app, has_request_context, url_for
from werkzeug.routing import BuildError


def external_url(endpoint: str, **values) -> str | None:
    """PUBLIC_BASE_URL + the endpoint's path when configured (a client controls the Host
    header, so it wins); else the request's own address; None in a job without either."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    try:
        if base:
            return base.rstrip("/") + current_app.url_map.bind("localhost").build(endpoint, values)
        if has_request_context():
            return url_for(endpoint, _external=True, **values)
    except BuildError:
        pass
    return None
