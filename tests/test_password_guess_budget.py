"""One budget of failed password checks per account, whichever way the password is presented:
the web login, POST /api/v1/tokens, and the password and email change forms."""
from __future__ import annotations

import pytest

from directory.extensions import db
from directory.models import Role, User
from directory.services.accounts.passwords import hash_password
from tests.helpers_auth import login_as

PASSWORD = "a decent password 77"
EMAIL = "target@example.com"
TOKENS = "/api/v1/tokens"


@pytest.fixture
def limited(make_app):
    # Per-address budgets large enough never to be the one that answers 429 here.
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                   LOGIN_RATE_LIMIT="1000 per minute")
    user = User(email=EMAIL, name="T", role=Role.PATIENT, password_hash=hash_password(PASSWORD))
    db.session.add(user)
    db.session.commit()
    return app, user


def address(n: int) -> dict:
    return {"REMOTE_ADDR": f"198.51.100.{n % 250 + 1}"}


def web_guess(client, n: int) -> int:
    return client.post("/login", data={"email": EMAIL, "password": f"guess {n}"},
                       environ_base=address(n)).status_code


def api_guess(client, n: int) -> int:
    return client.post(TOKENS, json={"email": EMAIL.upper(), "password": f"guess {n}"},
                       environ_base=address(n)).status_code


def test_after_web_logins_spend_the_budget_the_api_issues_no_token(limited):
    app, _ = limited
    client = app.test_client()
    guesser = app.test_client()  # not logged in
    assert [web_guess(guesser, n) for n in range(20)] == [400] * 20
    response = client.post(TOKENS, json={"email": EMAIL, "password": PASSWORD}, environ_base=address(99))
    assert response.status_code == 429
    assert "token" not in (response.get_json() or {})


def test_after_api_guesses_spend_the_budget_the_web_login_is_refused(limited):
    app, _ = limited
    client = app.test_client()
    assert [api_guess(client, n) for n in range(20)] == [401] * 20
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD}, environ_base=address(99))
    assert response.status_code == 429


def test_guesses_through_both_ways_add_up_to_one_budget(limited):
    app, _ = limited
    client = app.test_client()
    statuses = [web_guess(client, n) if n % 2 else api_guess(client, n) for n in range(21)]
    assert statuses[:20] == [401, 400] * 10
    assert statuses[20] == 429


def test_a_wrong_current_password_in_the_account_forms_spends_the_same_budget(limited):
    app, user = limited
    client = app.test_client()
    login_as(client, user)
    for n in range(10):
        assert client.post("/account/password", data={"pw-current_password": f"guess {n}",
                                                       "pw-password": "a new strong passphrase 9",
                                                       "pw-confirm": "a new strong passphrase 9"}).status_code == 400
        assert client.post("/account/email", data={"email-new_email": "new@example.com",
                                                    "email-password": f"guess {n}"}).status_code == 400
    assert client.post("/account/email", data={"email-new_email": "new@example.com",
                                                "email-password": PASSWORD}).status_code == 429
    other = app.test_client()
    assert other.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 429
    assert other.post(TOKENS, json={"email": EMAIL, "password": PASSWORD}).status_code == 429


def test_successful_logins_and_malformed_requests_spend_nothing(limited):
    app, _ = limited
    client = app.test_client()
    for n in range(25):
        assert client.post("/login", data={"email": EMAIL, "password": PASSWORD},
                           environ_base=address(n)).status_code == 302
        assert client.post(TOKENS, json={"email": EMAIL}, environ_base=address(n)).status_code == 400
    guesser = app.test_client()  # not logged in
    assert [web_guess(guesser, n) for n in range(20)] == [400] * 20
