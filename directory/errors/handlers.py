"""Error pages for people, JSON errors for API clients."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from directory.extensions import db

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "unprocessable", 429: "rate_limited",
    500: "internal_error", 503: "service_unavailable",
}


# The app's own words for an abort() without a description: Werkzeug's defaults talk about
# "the server" and "read-protected resources".
MESSAGES = {
    400: "Something in this request was not right. Go back, check the link or the form, and try again.",
    401: "Log in to open this page.",
    403: "Your account cannot open this page.",
    404: "There is nothing at this address. The link may be old or mistyped.",
    405: "This address does not accept that kind of request.",
    413: "What was sent is too large.",
    429: "Too many requests in a short time. Wait a moment and try again.",
    500: "The request could not be completed.",
}
TITLES = {403: "Not available to your account"}


def _message(error: HTTPException) -> str:
    status = error.code or 500
    if not error.description or error.description == type(error).description:
        return MESSAGES.get(status, error.name)
    return error.description


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
        response = json_error(status, CODES.get(status, "error"), _message(error))
    else:
        response = make_response(render_template(
            "errors/error.html", status=status, title=TITLES.get(status, error.name),
            message=_message(error)), status)
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


def _handle_database_unavailable(error: Exception):
    # A lost connection or a locked/unreachable database is temporary: say so with a 503
    # and Retry-After instead of a 500. The class name only: driver messages can carry SQL
    # parameters, and those can be health details.
    orig = getattr(error, "orig", None)
    log.warning("database unavailable on %s %s: %s", request.method, _route(), type(orig or error).__name__)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool replaces it on next checkout
        db.session.close()
    unavailable = ServiceUnavailable("The service is briefly unavailable. Please try again in a moment.")
    try:
        response = _handle_http(unavailable)
    except (OperationalError, InterfaceError):
        # The page itself needed the database (the logged-in user): answer without it.
        response = make_response(unavailable.description, 503, {"Content-Type": "text/plain; charset=utf-8"})
    response.headers["Retry-After"] = "5"
    return response


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(OperationalError, _handle_database_unavailable)
    app.register_error_handler(InterfaceError, _handle_database_unavailable)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
