"""Log a test client in as a user without going through the login form."""
from __future__ import annotations

import time

from directory.models import User


def login_as(client, user: User) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["login_at"] = time.time()


def logout(client) -> None:
    with client.session_transaction() as session:
        session.clear()
