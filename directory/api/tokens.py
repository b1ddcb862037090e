"""Bearer-token authentication for the booking API (RFC 6750)."""
from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import g, request

from directory.errors.handlers import json_error
from directory.models import ApiToken, Role, User
from directory.services.accounts import api_tokens

F = TypeVar("F", bound=Callable)
REALM = 'Bearer realm="meridian"'


def unauthorized(code: str, message: str):
    response = json_error(401, code, message)
    if code == "invalid_token":
        response.headers["WWW-Authenticate"] = f'{REALM}, error="invalid_token"'
    else:
        response.headers["WWW-Authenticate"] = REALM
    return response


def bearer_secret(header: str | None) -> str | None:
    """The token in an ``Authorization: Bearer <token>`` header; None when there is no such header."""
    if not header:
        return None
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


def token_required(*roles: Role) -> Callable[[F], F]:
    """401 without a live token, 403 when its account has none of ``roles`` (any role when
    none are given). The view finds the caller in ``g.api_user`` and the token in ``g.api_token``."""
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            secret = bearer_secret(request.headers.get("Authorization"))
            if secret is None:
                return unauthorized("authentication_required",
                                    "Send an API token: Authorization: Bearer <token> "
                                    "(create one with POST /api/v1/tokens).")
            found = api_tokens.active_token(secret)
            if found is None:
                return unauthorized("invalid_token", "This API token is invalid, expired or revoked. "
                                                     "Create a new one with POST /api/v1/tokens.")
            token, user = found
            if roles and user.role not in roles:
                names = " or ".join(r.value for r in roles)
                return json_error(403, "forbidden", f"Only a {names} account may do this.")
            g.api_token, g.api_user = token, user
            return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return decorator


def current_api_user() -> User:
    return g.api_user


def current_api_token() -> ApiToken:
    return g.api_token
