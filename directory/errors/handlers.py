"""Error pages for people, JSON errors for API clients."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from directory.extensions import db

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "unprocessable", 429: "rate_limited",
    500: "internal_error",
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def json_error(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _handle_http(error: HTTPException):
    status = error.code or 500
    if wants_json():
        response = json_error(status, CODES.get(status, "error"), error.description or error.name)
    else:
        response = make_response(render_template(
            "errors/error.html", status=status, title=error.name, message=error.description), status)
    # Keep protocol headers such as Allow (405) and Retry-After (429).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _route() -> str:
    # The URL rule, not the path: paths such as /password/reset/<token> and
    # /calendar/<secret>.ics carry secrets that must not reach the log.
    return request.url_rule.rule if request.url_rule is not None else "(no route)"


def _handle_csrf(error: CSRFError):
    log.info("csrf check failed on %s %s: %s", request.method, _route(), error.description)
    error.description = ("This form could not be sent: it has expired or did not come from this site. "
                         "Go back, reload the page and try again.")
    return _handle_http(error)


def _handle_unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, _route())
    # A failed flush leaves the session unusable; the error page must still render.
    db.session.rollback()
    return _handle_http(InternalServerError())


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
