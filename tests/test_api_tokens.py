"""API tokens: creation, bearer authentication, expiry, revocation and rate limits."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from directory.extensions import db
from directory.models import ApiToken, Role
from directory.models._types import utcnow
from directory.services.accounts import api_tokens
from directory.services.accounts.passwords import hash_password
from tests.api_contract import bearer, call, error_code

PASSWORD = "a decent password 77"
HASH = hash_password(PASSWORD)
TOKENS = "/api/v1/tokens"
MINE = "/api/v1/appointments"


@pytest.fixture
def patient(create_user):
    user = create_user(email="pat@example.test", password_hash=HASH)
    db.session.commit()
    return user


def new_token(client, email="pat@example.test", password=PASSWORD) -> str:
    body = call(client, "POST", TOKENS, 201, json={"email": email, "password": password})
    return body["token"]


def test_create_token_and_use_it(client, patient):
    response = client.post(TOKENS, json={"email": " PAT@example.test ", "password": PASSWORD})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    call(client, "GET", MINE, 200, headers=bearer(body["token"]))
    stored = db.session.scalars(select(ApiToken)).one()
    # Only the SHA-256 is kept: the database holds nothing that authenticates.
    assert stored.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    dump = " ".join(str(row) for row in db.session.execute(text("SELECT * FROM api_token")))
    assert body["token"] not in dump
    expires = stored.expires_at.replace(tzinfo=None) - stored.created_at.replace(tzinfo=None)
    assert expires == timedelta(hours=720)
    assert body["expires_at"].endswith("Z")


def test_each_token_is_different(client, patient):
    assert new_token(client) != new_token(client)


@pytest.mark.parametrize(("email", "password"), [
    ("pat@example.test", "wrong password 77"),
    ("nobody@example.test", PASSWORD),
    ("pat@example.test", "x" * 300),
])
def test_wrong_credentials_get_one_answer(client, patient, email, password):
    body = call(client, "POST", TOKENS, 401, json={"email": email, "password": password})
    assert body == {"error": {"code": "invalid_credentials",
                              "message": "The email address or password is not correct."}}


def test_deactivated_account_gets_no_token_and_its_tokens_stop(client, patient):
    secret = new_token(client)
    patient.active = False
    db.session.commit()
    assert error_code(call(client, "POST", TOKENS, 401, json={"email": patient.email, "password": PASSWORD})) \
        == "invalid_credentials"
    assert error_code(call(client, "GET", MINE, 401, headers=bearer(secret))) == "invalid_token"


@pytest.mark.parametrize("body", [
    b"", b"{", b"[1, 2]", b'"pat"', b"null", b"\xff\xfe", b'{"email": NaN, "password": "x"}',
    b"[" * 5000 + b"]" * 5000,
    b'{"email": "pat@example.test"}', b'{"password": "x"}', b'{"email": 5, "password": "x"}',
    b'{"email": "pat@example.test", "password": 12345678}', b'{"email": "pat@example.test", "password": ""}',
    b'{"email": "pat@example.test\\u0000", "password": "x"}', b'{"email": "' + b"a" * 300 + b'", "password": "x"}',
])
def test_malformed_token_requests(client, patient, body):
    result = call(client, "POST", TOKENS, 400, data=body, content_type="application/json")
    assert error_code(result) == "invalid_parameter"
    assert result["error"]["field"] in {"body", "email", "password"}


def test_oversized_body_is_refused(client):
    big = b'{"email": "' + b"a" * 70_000 + b'", "password": "x"}'
    assert error_code(call(client, "POST", TOKENS, 413, data=big, content_type="application/json")) \
        == "payload_too_large"


# --- bearer authentication ---------------------------------------------------------

@pytest.mark.parametrize(("headers", "code"), [
    ({}, "authentication_required"),
    ({"Authorization": "Basic cGF0OnB3"}, "authentication_required"),
    ({"Authorization": "Bearer"}, "invalid_token"),
    ({"Authorization": "Bearer not-a-token"}, "invalid_token"),
    ({"Authorization": "Bearer " + "x" * 5000}, "invalid_token"),
    ({"Authorization": "Bearer tök€n"}, "invalid_token"),
])
def test_missing_or_invalid_token_is_401_with_challenge(client, patient, headers, code):
    response = client.get(MINE, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="meridian"')
    assert ('error="invalid_token"' in response.headers["WWW-Authenticate"]) == (code == "invalid_token")
    assert error_code(call(client, "GET", MINE, 401, headers=headers)) == code


def test_scheme_is_case_insensitive(client, patient):
    secret = new_token(client)
    call(client, "GET", MINE, 200, headers={"Authorization": f"bearer {secret}"})


def test_expired_token(client, patient):
    secret, _ = api_tokens.create_token(patient, now=utcnow() - timedelta(hours=721))
    assert error_code(call(client, "GET", MINE, 401, headers=bearer(secret))) == "invalid_token"
    fresh, _ = api_tokens.create_token(patient, now=utcnow() - timedelta(hours=719))
    call(client, "GET", MINE, 200, headers=bearer(fresh))


def test_revoke_current_token(client, patient):
    secret, other = new_token(client), new_token(client)
    call(client, "DELETE", "/api/v1/tokens/current", 204, headers=bearer(secret))
    assert error_code(call(client, "GET", MINE, 401, headers=bearer(secret))) == "invalid_token"
    assert error_code(call(client, "DELETE", "/api/v1/tokens/current", 401, headers=bearer(secret))) \
        == "invalid_token"
    # Only that token: the account's other tokens keep working.
    call(client, "GET", MINE, 200, headers=bearer(other))


def test_revoke_needs_a_token(client):
    assert error_code(call(client, "DELETE", "/api/v1/tokens/current", 401)) == "authentication_required"


def test_password_change_ends_earlier_tokens(client, patient):
    secret = new_token(client)
    patient.password_changed_at = utcnow() + timedelta(seconds=1)
    db.session.commit()
    assert error_code(call(client, "GET", MINE, 401, headers=bearer(secret))) == "invalid_token"


def test_wrong_role_is_403(client, create_user):
    admin = create_user(role=Role.ADMIN, email="admin@example.test", password_hash=HASH)
    db.session.commit()
    secret = new_token(client, email=admin.email)
    assert error_code(call(client, "GET", MINE, 403, headers=bearer(secret))) == "forbidden"


def test_last_used_is_recorded_at_most_once_a_minute(app, patient):
    secret, token = api_tokens.create_token(patient)
    start = utcnow()

    def last_used():
        db.session.expire_all()
        value = db.session.get(ApiToken, token.id).last_used_at
        return value.replace(tzinfo=None)

    assert api_tokens.active_token(secret, now=start)[1].id == patient.id
    assert last_used() == start.replace(tzinfo=None)
    api_tokens.active_token(secret, now=start + timedelta(seconds=59))
    assert last_used() == start.replace(tzinfo=None)
    later = start + timedelta(seconds=61)
    api_tokens.active_token(secret, now=later)
    assert last_used() == later.replace(tzinfo=None)


def test_active_token_refuses_unknown_and_revoked(app, patient):
    secret, token = api_tokens.create_token(patient)
    assert api_tokens.active_token("nope") is None and api_tokens.active_token("") is None
    api_tokens.revoke(token)
    first = token.revoked_at
    api_tokens.revoke(token)
    assert token.revoked_at == first
    assert api_tokens.active_token(secret) is None


# --- rate limits -------------------------------------------------------------------

@pytest.fixture
def limited_client(make_app):
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                    LOGIN_RATE_LIMIT="3 per minute").test_client()


def test_token_requests_are_rate_limited(limited_client):
    for _ in range(3):
        call(limited_client, "POST", TOKENS, 401, json={"email": "a@example.test", "password": "x"})
    response = limited_client.post(TOKENS, json={"email": "a@example.test", "password": "x"})
    assert "Retry-After" in response.headers
    assert error_code(call(limited_client, "POST", TOKENS, 429,
                           json={"email": "a@example.test", "password": "x"})) == "rate_limited"
    # Another address has its own budget.
    call(limited_client, "POST", TOKENS, 401, json={"email": "a@example.test", "password": "x"},
         environ_base={"REMOTE_ADDR": "203.0.113.9"})


def test_guesses_at_one_account_from_many_addresses_are_limited(limited_client):
    statuses = [limited_client.post(TOKENS, json={"email": "target@example.test", "password": f"guess {n}"},
                                    environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code
                for n in range(21)]
    assert statuses == [401] * 20 + [429]
