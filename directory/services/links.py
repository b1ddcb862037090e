"""Absolute links for emails, with or without a request."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from werkzeug.routing import BuildError


def _loopback(host: str) -> bool:
    try:
        name = (urlsplit("//" + host).hostname or "").rstrip(".")
    except ValueError:
        return False
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def base_url() -> str | None:
    """Where links point: PUBLIC_BASE_URL when configured (production requires it). Without it
    (development) the request's own address, but only a loopback one: the Host header is the
    client's to choose, and a reset link must never point at a host an attacker named."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if not has_request_context():
        return None
    # url_for reads the request's scheme and Host header (no `request` in a service).
    parts = urlsplit(url_for("static", filename="", _external=True))
    if _loopback(parts.netloc):
        return f"{parts.scheme}://{parts.netloc}"
    return "http://localhost"


def external_url(endpoint: str, *, base: str | None = None, **values) -> str | None:
    """``base`` (default: base_url()) + the endpoint's path; None in a job without either."""
    base = base or base_url()
    if base is None:
        return None
    try:
        return base + current_app.url_map.bind("localhost").build(endpoint, values)
    except BuildError:
        return None
