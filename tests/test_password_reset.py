"""Password reset by email: one hour, one use, and no hint of who has an account."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import OutboxMessage
from directory.services.accounts.passwords import hash_password, verify_password

OLD = "an old password that works"
NEW = "a brand new passphrase 42"


@pytest.fixture
def user(create_user):
    user = create_user(email="rosa@example.com", name="Rosa", password_hash=hash_password(OLD))
    db.session.commit()
    return user


def reset_link(recipient: str = "rosa@example.com") -> str:
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                                  .order_by(OutboxMessage.id)).all()
    assert messages, "no email was queued"
    match = re.search(r"https?://\S+/password/reset/\S+", messages[-1].body)
    assert match, messages[-1].body
    return match.group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_reset_from_request_to_new_password(app, client, user):
    response = client.post("/password/forgot", data={"email": "Rosa@Example.com"}, follow_redirects=True)
    assert "If an account uses that address" in response.get_data(as_text=True)
    link = reset_link()
    assert link.startswith("http://localhost/password/reset/")
    assert client.get(path_of(link)).status_code == 200

    response = client.post(path_of(link), data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW)
    assert client.post("/login", data={"email": "rosa@example.com", "password": NEW}).status_code == 302


def test_unknown_and_known_addresses_get_the_same_answer(app, client, user):
    known = client.post("/password/forgot", data={"email": "rosa@example.com"}, follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    recipients = db.session.scalars(select(OutboxMessage.recipient)).all()
    assert recipients == ["rosa@example.com"]


def test_a_used_link_does_not_work_again(app, client, user):
    client.post("/password/forgot", data={"email": "rosa@example.com"})
    link = path_of(reset_link())
    client.post(link, data={"password": NEW, "confirm": NEW})
    again = client.post(link, data={"password": "attacker's choice 999", "confirm": "attacker's choice 999"})
    assert again.status_code == 400
    assert "This link no longer works" in again.get_data(as_text=True)
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW)


def test_an_older_link_dies_when_the_password_changes(app, client, user):
    client.post("/password/forgot", data={"email": "rosa@example.com"})
    first = path_of(reset_link())
    client.post("/password/forgot", data={"email": "rosa@example.com"})
    second = path_of(reset_link())
    assert client.post(second, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert client.get(first).status_code == 400


def test_a_link_expires_after_an_hour(app, client, user, monkeypatch):
    client.post("/password/forgot", data={"email": "rosa@example.com"})
    link = path_of(reset_link())
    later = app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] + 60
    import time
    monkeypatch.setattr("itsdangerous.timed.TimestampSigner.get_timestamp",
                        lambda self: int(time.time()) + later)
    response = client.post(link, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 400
    db.session.refresh(user)
    assert verify_password(user.password_hash, OLD)


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "eyJ1Ijo.forged.sig", "%00"])
def test_forged_or_garbled_tokens_are_refused(app, client, user, token):
    assert client.get(f"/password/reset/{token}").status_code == 400
    assert client.post(f"/password/reset/{token}", data={"password": NEW, "confirm": NEW}).status_code == 400


def test_the_new_password_must_meet_the_policy(app, client, user):
    client.post("/password/forgot", data={"email": "rosa@example.com"})
    link = path_of(reset_link())
    response = client.post(link, data={"password": "12345678", "confirm": "12345678"})
    assert response.status_code == 400
    assert "most commonly used" in response.get_data(as_text=True)
    # The failed attempt did not use the link up.
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302


def test_reset_logs_out_every_session(app, client, user):
    other = app.test_client()
    assert other.post("/login", data={"email": "rosa@example.com", "password": OLD}).status_code == 302
    client.post("/password/forgot", data={"email": "rosa@example.com"})
    client.post(path_of(reset_link()), data={"password": NEW, "confirm": NEW})
    assert other.get("/account").status_code == 302


def test_reset_links_use_the_public_base_url_not_the_host_header(app, client, user):
    app.config["PUBLIC_BASE_URL"] = "https://meridian.example"
    client.post("/password/forgot", data={"email": "rosa@example.com"},
                headers={"Host": "attacker.example"})
    assert reset_link().startswith("https://meridian.example/password/reset/")


def test_the_email_tells_how_long_the_link_works(app, client, user):
    client.post("/password/forgot", data={"email": "rosa@example.com"})
    body = db.session.scalars(select(OutboxMessage.body)).one()
    assert "within 60 minutes" in body
    assert "works once" in body
