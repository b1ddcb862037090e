"""Changing the password or the email address of an account."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import OutboxMessage
from directory.services.accounts.passwords import hash_password, verify_password

OLD = "first password of mine"
NEW = "second password of mine"


@pytest.fixture
def user(create_user):
    user = create_user(email="kim@example.com", name="Kim", password_hash=hash_password(OLD))
    db.session.commit()
    return user


@pytest.fixture
def logged_in(client, user):
    assert client.post("/login", data={"email": "kim@example.com", "password": OLD}).status_code == 302
    return client


def mails_to(address: str) -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id)).all()


def change_password(client, current=OLD, new=NEW, confirm=None):
    return client.post("/account/password", data={
        "pw-current_password": current, "pw-password": new, "pw-confirm": confirm or new})


def test_password_change_keeps_this_session_and_ends_the_others(app, logged_in, user):
    other = app.test_client()
    other.post("/login", data={"email": "kim@example.com", "password": OLD})
    assert other.get("/account").status_code == 200

    response = change_password(logged_in)
    assert response.status_code == 302
    assert logged_in.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW)
    assert "password" in mails_to("kim@example.com")[-1].subject.lower()


@pytest.mark.parametrize("current, new, confirm, message", [
    ("not my password", NEW, None, "Your current password is not correct."),
    (OLD, "qwertyuiop", None, "most commonly used"),
    (OLD, NEW, "different", "The two passwords do not match."),
    (OLD, "kim", None, "Use at least 8 characters"),
])
def test_password_change_errors_leave_the_password_alone(app, logged_in, user, current, new, confirm, message):
    response = change_password(logged_in, current, new, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert verify_password(user.password_hash, OLD)


def confirmation_path(address: str) -> str:
    body = mails_to(address)[-1].body
    match = re.search(r"https?://[^/\s]+(/account/email/confirm/\S+)", body)
    assert match, body
    return match.group(1)


def test_email_change_happens_only_after_the_new_address_confirms(app, logged_in, user):
    response = logged_in.post("/account/email", data={"email-new_email": "Kim.New@Example.com",
                                                      "email-password": OLD})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email == "kim@example.com"

    path = confirmation_path("kim.new@example.com")
    assert "kim.new@example.com" in logged_in.get(path).get_data(as_text=True)
    assert logged_in.post(path).status_code == 302
    db.session.refresh(user)
    assert user.email == "kim.new@example.com"
    assert "kim.new@example.com" in mails_to("kim@example.com")[-1].body
    # The link is spent: the account's address is no longer the one it was issued for.
    assert logged_in.get(path).status_code == 400


def test_email_change_needs_the_current_password(app, logged_in, user):
    response = logged_in.post("/account/email", data={"email-new_email": "x@example.com",
                                                      "email-password": "wrong"})
    assert response.status_code == 400
    assert "Your current password is not correct." in response.get_data(as_text=True)
    assert mails_to("x@example.com") == []


def test_email_change_to_a_taken_address_reveals_nothing_to_the_requester(app, logged_in, user, create_user):
    create_user(email="taken@example.com")
    db.session.commit()
    response = logged_in.post("/account/email", data={"email-new_email": "taken@example.com",
                                                      "email-password": OLD}, follow_redirects=True)
    assert "We have sent a confirmation link to taken@example.com" in response.get_data(as_text=True)
    notice = mails_to("taken@example.com")[-1]
    assert "already belongs to a Meridian account" in notice.body
    assert "/account/email/confirm/" not in notice.body


def test_a_confirmation_link_works_only_for_the_account_that_asked(app, logged_in, user, create_user):
    logged_in.post("/account/email", data={"email-new_email": "mine@example.com", "email-password": OLD})
    path = confirmation_path("mine@example.com")
    create_user(email="eve@example.com", password_hash=hash_password("eve's own password"))
    db.session.commit()
    eve = app.test_client()
    eve.post("/login", data={"email": "eve@example.com", "password": "eve's own password"})
    assert eve.get(path).status_code == 400
    assert eve.post(path).status_code == 400
    db.session.refresh(user)
    assert user.email == "kim@example.com"


def test_settings_need_a_login(app, client):
    for method, path in (("get", "/account"), ("post", "/account/password"), ("post", "/account/email")):
        response = getattr(client, method)(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_a_password_change_error_is_shown_beside_its_field(app, logged_in):
    body = change_password(logged_in, confirm="different").get_data(as_text=True)
    assert 'href="#pw-confirm"' in body
    assert 'id="pw-confirm-error"' in body
    assert 'aria-describedby="pw-confirm-error"' in body and 'aria-invalid="true"' in body
