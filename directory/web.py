"""Small helpers shared by the HTML blueprints."""
from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Response, after_this_request, current_app, g
from flask_wtf import FlaskForm
from wtforms.validators import StopValidation

from directory.auth.events import email_hash
from directory.extensions import limiter
from directory.services import links

log = logging.getLogger(__name__)

TOO_MANY = "Too many attempts from your connection. Please wait a few minutes and try again."


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


def strip(value):
    """A WTForms filter: surrounding spaces are never meant."""
    return value.strip() if isinstance(value, str) else value


def plain_text(multiline: bool = False):
    """A WTForms validator refusing control characters: nobody types them, and PostgreSQL
    cannot store a NUL."""
    # Browsers send a textarea's line breaks as CRLF.
    allowed = {"\n", "\r", "\t"} if multiline else set()

    def check(form, field):
        if isinstance(field.data, str) and any(
                unicodedata.category(c) == "Cc" and c not in allowed for c in field.data):
            raise StopValidation("Remove the control characters (such as a null byte) from this text.")
    return check


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: confirmations and one-click actions."""


def config_limit(setting: str):
    """A rate limit on POSTs whose budget is the app setting ``setting`` (e.g. LOGIN_RATE_LIMIT)."""
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"], error_message=TOO_MANY)


# Failed password checks an account tolerates an hour, from any address, shared by every way
# of presenting its password (web login, POST /api/v1/tokens, password and email change):
# budgets of their own would add up.
ACCOUNT_GUESS_LIMIT = "20 per hour"


def account_guess_limit(email_of: Callable[[], str]):
    """Counts a request against the account ``email_of()`` names (by a hash of the email) when
    the view called password_refused(); refuses every way in once the budget is spent."""
    return limiter.shared_limit(ACCOUNT_GUESS_LIMIT, scope="account-password-guesses",
                                key_func=lambda: "login-email:" + email_hash(email_of()),
                                methods=["POST"], error_message=TOO_MANY,
                                deduct_when=lambda _response: g.get("password_refused", False))


def password_refused() -> None:
    """The password this request presented was wrong: spend one of the account's guesses."""
    g.password_refused = True


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email sent while answering a request."""
    url = links.external_url(endpoint, **values)
    assert url is not None  # there is always a request here
    return url


def after_answer(work: Callable[..., object], *args) -> None:
    """Run ``work(*args)`` once this request's answer has been sent (when the server closes
    the response), in an app context of its own: the client cannot time it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                work(*args)
            except Exception:
                log.exception("%s after answering failed", getattr(work, "__name__", "work"))

    @after_this_request
    def attach(response: Response) -> Response:
        response.call_on_close(run)
        return response
