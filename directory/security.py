"""Response headers that every page and API answer carries."""
from __future__ import annotations

from flask import Flask, Response, abort, request, session

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def _secure_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
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


def _refuse_nul_characters() -> None:
    # No form field has a use for U+0000, PostgreSQL cannot store it in text, and it
    # slips past validators that check for other control characters. (Query strings
    # are only read, never stored: each view already answers odd ones with its own errors.)
    if request.method not in ("POST", "PUT", "PATCH") or request.mimetype not in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        return
    if any("\x00" in key or any("\x00" in value for value in values)
           for key, values in request.form.lists()):
        abort(400, description="The form contains a null character (U+0000), which no field accepts.")


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_characters)
    app.after_request(_secure_headers)
