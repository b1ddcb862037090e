"""Response headers that every page and API answer carries, and the text every form may send."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl

from flask import Flask, Response, abort, current_app, request, session
from markupsafe import Markup

from directory.config import map_tile_origin


def content_security_policy(tile_origin: str = "") -> str:
    """The policy; a street map's tiles (MAP_TILE_URL) are the only images from elsewhere."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: {tile_origin}".rstrip(),
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


_SURROGATE = re.compile("[\ud800-\udfff]")


def _secure_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.extensions["content_security_policy"])
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if "_user_id" in session:
        # Pages for a logged-in user may hold personal details: no shared or back-button copies.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if request.path.startswith("/api/") and request.method in ("GET", "HEAD"):
        # Public, read-only data: browser-based integrations may read it too.
        headers.setdefault("Access-Control-Allow-Origin", "*")
    return response


def retry_after_only_when_refused(response: Response) -> Response:
    # Flask-Limiter sets Retry-After on every answer (its window's reset); on a 201 or a 200 it
    # reads as "come back later" to clients that honour it. It means that only on 429 and 503.
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def encodable(text: str) -> bool:
    """False for text holding a lone UTF-16 surrogate (JSON's "\\ud800"): it cannot be
    written out as UTF-8, so storing it would break every page that shows it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _undecodable_field(raw: bytes) -> str | None:
    # Werkzeug keeps a field's invalid UTF-8 as literal "%ED%A0%80" text (and drops a
    # body with raw invalid bytes altogether), so decode strictly here to notice it.
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "form"
    for key, value in parse_qsl(text, keep_blank_values=True, errors="surrogateescape"):
        for part in (key, value):
            if not encodable(part):
                return key if encodable(key) else "form"
    return None


def _refuse_unstorable_text() -> None:
    # No form field has a use for U+0000, PostgreSQL cannot store it in text, and it
    # slips past validators that check for other control characters. Text that is not
    # valid UTF-8 is refused too: no browser sends it. (Query strings are only read,
    # never stored: each view already answers odd ones with its own errors.)
    if request.method not in ("POST", "PUT", "PATCH") or request.mimetype not in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        return
    if request.mimetype == "application/x-www-form-urlencoded":
        field = _undecodable_field(request.get_data(cache=True))
        if field is not None:
            abort(400, description=f"The form field {field!r} is not valid UTF-8 text. "
                                   "Retype it and send the form again.")
    for key, values in request.form.lists():
        for value in [key, *values]:
            if "\x00" in value:
                abort(400, description="The form contains a null character (U+0000), which no field accepts.")
            # Multipart fields arrive decoded with U+FFFD for bytes that were not UTF-8.
            if not encodable(value) or (request.mimetype == "multipart/form-data" and "\ufffd" in value):
                abort(400, description=f"The form field {key!r} is not valid UTF-8 text. "
                                       "Retype it and send the form again.")


def printable(value):
    """Jinja's finalize: text stored before unencodable input was refused (a lone surrogate)
    is shown with U+FFFD in its place instead of failing the whole page."""
    # A scan, not an encode: this runs for every {{ }} of every page.
    if isinstance(value, str) and _SURROGATE.search(value):
        fixed = _SURROGATE.sub("\ufffd", value)
        return Markup(fixed) if isinstance(value, Markup) else fixed
    return value


def init_app(app: Flask) -> None:
    # Here as well as in config: settings handed to create_app (tests) skip the environment's checks.
    tile_origin = map_tile_origin(app.config.get("MAP_TILE_URL", ""), app.config.get("MAP_TILE_ATTRIBUTION", ""))
    app.extensions["content_security_policy"] = content_security_policy(tile_origin)
    app.before_request(_refuse_unstorable_text)
    # Set before any template compiles: Jinja builds finalize into the compiled code.
    app.jinja_env.finalize = printable
    app.after_request(_secure_headers)
