"""Reading the booking API's JSON bodies and query parameters: every malformed input
becomes a 400 naming the field at fault, never an exception."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from typing import Any

from flask import jsonify, request

from directory.models import AppointmentKind
from directory.security import encodable
from directory.services.search.profiles import MAX_ID

# An intake is a few thousand characters at most; nothing the API takes comes close.
MAX_BODY_BYTES = 64 * 1024
MAX_DAYS = 60
DEFAULT_DAYS = 14
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ID_PATTERN = re.compile(r"[0-9]{1,12}")
KINDS = [k.value for k in AppointmentKind]
# The deepest field a request has (an intake's safety answers) is 3 levels down.
MAX_DEPTH = 8
_NO_BODY = object()
_CACHE_KEY = "meridian.api_json"


class ParamError(ValueError):
    def __init__(self, field: str, message: str, status: int = 400, code: str = "invalid_parameter"):
        super().__init__(message)
        self.field, self.message, self.status, self.code = field, message, status, code

    def response(self):
        response = jsonify({"error": {
            "code": self.code, "message": self.message, "field": self.field,
            "details": [{"field": self.field, "code": self.code, "message": self.message}]}})
        response.status_code = self.status
        return response


def _check_values(body: dict) -> None:
    """Refuse text no field can store, naming where it is (``intake.reason``), and nesting
    deeper than any request needs. A loop, not recursion: a 1 KB body can nest 500 deep."""
    stack: list[tuple[Any, str, int]] = [(body, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParamError("body", f"The request body nests objects or lists more than "
                                     f"{MAX_DEPTH} levels deep; no field needs that.")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, path or "body")
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            _check_text(value, path or "body")


def _check_text(text: str, field: str) -> None:
    if "\x00" in text:
        raise ParamError(field, f"{field} contains a null character (U+0000), which no field accepts.")
    if not encodable(text):
        raise ParamError(field, f"{field} contains a lone UTF-16 surrogate (such as \\ud800), which is "
                                "not a character: send the text as valid Unicode.")


def json_body(*, required: bool = True) -> dict:
    """The request's JSON object, parsed once per request (a rate-limit key reads it too);
    {} for an empty body when not required. The Content-Type is not checked: clients
    authenticate with a bearer token, not a cookie, so a cross-site form post gains nothing."""
    cached = request.environ.get(_CACHE_KEY, _NO_BODY)
    if cached is _NO_BODY:
        try:
            cached = _parse_body(required)
        except ParamError as error:
            cached = error
        request.environ[_CACHE_KEY] = cached
    if isinstance(cached, ParamError):
        raise cached
    return cached


def _parse_body(required: bool) -> dict:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ParamError("body", f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.",
                         status=413, code="payload_too_large")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise ParamError("body", f"The request body is larger than {MAX_BODY_BYTES // 1024} KB.",
                         status=413, code="payload_too_large")
    if not raw.strip():
        if required:
            raise ParamError("body", "Send a JSON object in the request body.")
        return {}
    try:
        # Python's parser accepts NaN and Infinity; JSON does not.
        body = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ParamError("body", "The request body is not valid JSON (UTF-8).") from None
    if not isinstance(body, dict):
        raise ParamError("body", "The request body must be a JSON object.")
    _check_values(body)
    return body


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def body_id(body: dict, field: str) -> int:
    value = body.get(field)
    # bool is an int in Python; 3.0 is not an id either.
    if type(value) is not int:
        raise ParamError(field, f"{field} must be a whole number.")
    if not 0 < value <= MAX_ID:
        raise ParamError(field, f"{field} must be between 1 and {MAX_ID}.")
    return value


def body_kind(body: dict, field: str = "kind") -> AppointmentKind:
    value = body.get(field)
    if not isinstance(value, str) or value not in KINDS:
        raise ParamError(field, f"{field} must be one of: {', '.join(KINDS)}.")
    return AppointmentKind(value)


def body_datetime(body: dict, field: str) -> datetime:
    """An ISO 8601 date-time with a UTC offset ("Z" or "+hh:mm"), returned in UTC."""
    value = body.get(field)
    message = f"{field} must be an ISO 8601 date-time with its UTC offset, e.g. 2026-12-01T09:00:00-08:00."
    if not isinstance(value, str) or not 16 <= len(value) <= 40 or not DATE_PATTERN.match(value):
        raise ParamError(field, message)
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise ParamError(field, message) from None


def body_text(body: dict, field: str, *, max_length: int, required: bool = False) -> str:
    value = body.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ParamError(field, f"{field} must be a string.")
    value = value.strip()
    if required and not value:
        raise ParamError(field, f"{field} must not be empty.")
    if len(value) > max_length:
        raise ParamError(field, f"{field} must be at most {max_length} characters.")
    return value


def query_date(field: str, default: date, today: date) -> date:
    raw = request.args.get(field, "")
    if raw == "":
        return default
    message = f"{field} must be a date, YYYY-MM-DD."
    if not DATE_PATTERN.fullmatch(raw):
        raise ParamError(field, message)
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ParamError(field, message) from None
    # Far-off years would only overflow date arithmetic; nobody books there.
    if abs((value - today).days) > 366 * 2:
        raise ParamError(field, f"{field} must be within two years of today.")
    return value


def query_int(field: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(field, "")
    if raw == "":
        return default
    if not ID_PATTERN.fullmatch(raw) or not minimum <= int(raw) <= maximum:
        raise ParamError(field, f"{field} must be a whole number from {minimum} to {maximum}.")
    return int(raw)


def query_choice(field: str, choices: list[str]) -> str | None:
    raw = request.args.get(field, "")
    if raw == "":
        return None
    if raw not in choices:
        raise ParamError(field, f"{field} must be one of: {', '.join(choices)}.")
    return raw

