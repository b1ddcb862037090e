"""Asking for a password reset: the answer reveals nothing (not even by its timing) and the
link in the email points only at this site."""
from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select

from directory.extensions import db
from directory.models import OutboxMessage
from directory.services.accounts.passwords import hash_password


@pytest.fixture
def user(create_user):
    user = create_user(email="rosa@example.com", name="Rosa", password_hash=hash_password("an old password 1"))
    db.session.commit()
    return user


def reset_links() -> list[str]:
    bodies = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id)).all()
    return [m.group(0) for body in bodies for m in re.finditer(r"https?://\S+/password/reset/\S+", body)]


def answer_without_closing(app, email: str):
    """The answer as the client has it the moment it arrives: the server has not yet closed
    the response (closing is when after-answer work runs)."""
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0].upper())

    client = FlaskClient(app, app.response_class)
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        with app.app_context():
            response = client.post("/password/forgot", data={"email": email})
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return response, statements


def test_known_and_unknown_addresses_do_the_same_database_work_before_the_answer(app, user):
    known, known_work = answer_without_closing(app, "rosa@example.com")
    unknown, unknown_work = answer_without_closing(app, "nobody@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known_work == unknown_work == []
    assert reset_links() == []  # nothing queued yet: it happens once the answer is out
    known.close()
    unknown.close()
    assert len(reset_links()) == 1


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "localhost.evil.example:80"])
def test_without_a_public_base_url_a_foreign_host_header_never_reaches_the_link(app, client, user, host):
    app.config["PUBLIC_BASE_URL"] = ""
    client.post("/password/forgot", data={"email": "rosa@example.com"}, headers={"Host": host})
    [link] = reset_links()
    assert link.startswith("http://localhost/password/reset/")


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000"])
def test_without_a_public_base_url_a_loopback_host_is_used_as_sent(app, client, user, host):
    app.config["PUBLIC_BASE_URL"] = ""
    client.post("/password/forgot", data={"email": "rosa@example.com"}, headers={"Host": host})
    [link] = reset_links()
    assert link.startswith(f"http://{host}/password/reset/")


def test_the_public_base_url_wins_over_any_host(app, client, user):
    app.config["PUBLIC_BASE_URL"] = "https://meridian.example"
    client.post("/password/forgot", data={"email": "rosa@example.com"}, headers={"Host": "127.0.0.1:8000"})
    [link] = reset_links()
    assert link.startswith("https://meridian.example/password/reset/")
