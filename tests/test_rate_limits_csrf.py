"""Rate limits on login, sign-up and reset; CSRF on every form that changes something."""
from __future__ import annotations

import uuid

import pytest
import redis
from sqlalchemy import select

from directory.auth.events import email_hash
from directory.extensions import db
from directory.models import User
from directory.services.accounts.passwords import hash_password

PASSWORD = "a decent password 77"


@pytest.fixture
def limited_app(make_app):
    """An app with rate limits on and small budgets, so tests reach them quickly."""
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", LOGIN_RATE_LIMIT="3 per minute",
                    SIGNUP_RATE_LIMIT="2 per minute", RESET_RATE_LIMIT="2 per minute")


def test_login_attempts_beyond_the_limit_get_429_page(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert client.post("/login", data={"email": "a@example.com", "password": "x"}).status_code == 400
    response = client.post("/login", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 429
    assert "text/html" in response.content_type
    assert "Too many attempts" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers
    # Reading the login page is not limited.
    assert client.get("/login").status_code == 200


def test_api_clients_get_a_json_429(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        client.post("/login", data={"email": "a@example.com", "password": "x"})
    response = client.post("/login", data={"email": "a@example.com", "password": "x"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_limits_are_per_client_address(limited_app):
    client = limited_app.test_client()
    for _ in range(4):
        client.post("/login", data={"email": "a@example.com", "password": "x"})
    other = client.post("/login", data={"email": "a@example.com", "password": "x"},
                        environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert other.status_code == 400


def test_one_account_is_protected_from_guesses_spread_over_many_addresses(limited_app):
    user = User(email="target@example.com", name="T", role="patient", password_hash=hash_password(PASSWORD))
    db.session.add(user)
    db.session.commit()
    client = limited_app.test_client()
    statuses = [client.post("/login", data={"email": "target@example.com", "password": f"guess {n}"},
                            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code
                for n in range(21)]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


def test_sign_up_is_limited(limited_app):
    client = limited_app.test_client()
    for n in range(2):
        client.post("/signup", data={"role": "patient", "name": "N", "email": f"n{n}@example.com",
                                     "password": PASSWORD, "confirm": PASSWORD})
        client.post("/logout")
    response = client.post("/signup", data={"role": "patient", "name": "N", "email": "n9@example.com",
                                            "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 429
    assert db.session.scalar(select(User.id).where(User.email == "n9@example.com")) is None


def test_reset_requests_are_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(2):
        assert client.post("/password/forgot", data={"email": "a@example.com"}).status_code == 302
    assert client.post("/password/forgot", data={"email": "a@example.com"}).status_code == 429


def test_limits_can_live_in_redis(make_app):
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (CI and `make test` expect it)")
    store = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    # A client address of its own keeps this test's counters apart from any other run's.
    address = "10.{}.{}.{}".format(*uuid.uuid4().bytes[:3])
    email = f"{uuid.uuid4().hex}@example.com"  # the per-account budget is shared in Redis too
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
                   LOGIN_RATE_LIMIT="2 per minute")
    try:
        client = app.test_client()
        attempt = {"data": {"email": email, "password": "x"}, "environ_base": {"REMOTE_ADDR": address}}
        assert client.post("/login", **attempt).status_code == 400
        assert client.post("/login", **attempt).status_code == 400
        # The count lives in Redis, where every worker and machine sees it.
        keys = store.keys(f"*/{address}/auth.login/*")
        assert len(keys) == 1 and int(store.get(keys[0])) == 2
        assert client.post("/login", **attempt).status_code == 429
    finally:
        for key in [*store.keys(f"*/{address}/*"), *store.keys(f"*{email_hash(email)}*")]:
            store.delete(key)


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_forms_without_a_csrf_token_are_refused(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/signup", data={"role": "patient", "name": "N", "email": "n@example.com",
                                            "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    assert db.session.scalar(select(User.id)) is None
    assert client.post("/login", data={"email": "n@example.com", "password": PASSWORD}).status_code == 400
    assert client.post("/password/forgot", data={"email": "n@example.com"}).status_code == 400


def test_a_form_with_its_token_is_accepted(csrf_app):
    import re
    client = csrf_app.test_client()
    page = client.get("/signup").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/signup", data={"csrf_token": token, "role": "patient", "name": "N",
                                            "email": "n@example.com", "password": PASSWORD,
                                            "confirm": PASSWORD})
    assert response.status_code == 302
