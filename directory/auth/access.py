"""Who may open a route: role checks used by every blueprint that needs a login."""
from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import abort
from flask_login import current_user

from directory.extensions import db, login_manager
from directory.models import Practitioner, Role
from sqlalchemy import select

F = TypeVar("F", bound=Callable)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Anonymous visitors are sent to log in (401 for API clients); a logged-in user
    without one of ``roles`` gets 403."""
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return decorator


def current_practitioner() -> Practitioner:
    """The logged-in practitioner's own profile (404 if the account has none)."""
    practitioner = db.session.scalars(
        select(Practitioner).where(Practitioner.user_id == current_user.id)).first()
    if practitioner is None:
        abort(404)
    return practitioner
