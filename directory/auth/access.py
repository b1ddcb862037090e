"""Who may open a route: role checks used by every blueprint that needs a login."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from directory.extensions import db, login_manager
from directory.models import Practitioner, Role
from directory.services.search.profiles import MAX_ID

F = TypeVar("F", bound=Callable)
M = TypeVar("M")


def role_required(*roles: Role) -> Callable[[F], F]:
    """Anonymous visitors are sent to log in (401 for API clients); a logged-in user
    without one of ``roles`` gets 403."""
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403, description=wrong_role_message(roles))
            return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return decorator


ROLE_PAGES = {Role.PATIENT: "patients", Role.PRACTITIONER: "practitioners", Role.ADMIN: "administrators"}


def wrong_role_message(roles: tuple[Role, ...]) -> str:
    allowed = " and ".join(ROLE_PAGES[r] for r in roles)
    return (f"This page is for {allowed}, and you are logged in with a {current_user.role.value} "
            "account. Use the links at the top of the page to reach your own pages, or log out "
            "and log in with another account.")


def current_practitioner() -> Practitioner:
    """The logged-in practitioner's own profile (404 if the account has none)."""
    practitioner = db.session.scalars(
        select(Practitioner).where(Practitioner.user_id == current_user.id)).first()
    if practitioner is None:
        abort(404)
    return practitioner


def own_or_404(model: type[M], object_id: int, **owner: Any) -> M:
    """Row ``object_id`` of ``model`` when its columns match ``owner`` (e.g.
    ``practitioner_id=practitioner.id``); anyone else's is "not found", so ids reveal nothing."""
    found = (db.session.scalars(select(model).filter_by(id=object_id, **owner)).first()
             if 0 < object_id <= MAX_ID else None)
    if found is None:
        abort(404)
    return found
