"""Email-change links work once: not again after the address has changed back."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import OutboxMessage
from directory.services.accounts.passwords import hash_password
from tests.helpers_auth import login_as

PASSWORD = "first password of mine"


@pytest.fixture
def user(create_user):
    user = create_user(email="a@example.com", name="Kim", password_hash=hash_password(PASSWORD))
    db.session.commit()
    return user


def change_link(client, new_email: str) -> str:
    assert client.post("/account/email", data={"email-new_email": new_email,
                                                "email-password": PASSWORD}).status_code == 302
    body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == new_email)
                              .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"https?://[^/\s]+(/account/email/confirm/\S+)", body).group(1)


def confirm(client, user, path: str) -> int:
    # Each change ends no session, but a fresh login keeps the test independent of that.
    login_as(client, user)
    return client.post(path).status_code


def test_a_used_link_does_not_work_again_after_the_address_changes_back(client, user):
    login_as(client, user)
    a_to_b = change_link(client, "b@example.com")
    assert confirm(client, user, a_to_b) == 302
    db.session.refresh(user)
    assert user.email == "b@example.com"

    b_to_a = change_link(client, "a@example.com")
    assert confirm(client, user, b_to_a) == 302
    db.session.refresh(user)
    assert user.email == "a@example.com"

    login_as(client, user)
    assert client.get(a_to_b).status_code == 400
    assert confirm(client, user, a_to_b) == 400
    db.session.refresh(user)
    assert user.email == "a@example.com"


def test_an_unused_link_issued_before_another_change_is_spent_by_that_change(client, user):
    login_as(client, user)
    to_b = change_link(client, "b@example.com")
    to_c = change_link(client, "c@example.com")
    assert confirm(client, user, to_c) == 302
    # The address moves back to a@: the to_b link names a@ as its starting point again.
    back = change_link(client, "a@example.com")
    assert confirm(client, user, back) == 302
    assert confirm(client, user, to_b) == 400
    db.session.refresh(user)
    assert user.email == "a@example.com"
