"""Small helpers shared by the HTML blueprints."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_wtf import FlaskForm


def form_errors(form: FlaskForm) -> dict[str, str]:
    """The first message of each field with an error, in the form's field order."""
    return {name: messages[0] for name, messages in form.errors.items() if messages
            and isinstance(messages[0], str)}


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site; None for anything that could leave it
    (absolute URLs, scheme-relative ``//host``, backslash tricks, control characters)."""
    if not target or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email. PUBLIC_BASE_URL, when set, wins over the request's
    Host header, which a client controls."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
