"""Sign-up, login and logout through the real forms, and what a session cookie is worth."""
from __future__ import annotations

import logging
import re
import time

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import ListingState, OutboxMessage, Practitioner, Role, User
from directory.services.accounts.passwords import hash_password

PASSWORD = "correct horse battery staple"


def signup(client, **overrides):
    data = {"role": "patient", "name": "Ana Patient", "email": "ana@example.com",
            "password": PASSWORD, "confirm": PASSWORD}
    data.update(overrides)
    return client.post("/signup", data=data)


def login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


@pytest.fixture
def patient(create_user):
    user = create_user(email="pat@example.com", name="Pat", password_hash=hash_password(PASSWORD))
    db.session.commit()
    return user


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_patient_signs_up_and_is_logged_in(app, client):
    response = signup(client)
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "ana@example.com")).one()
    assert user.role is Role.PATIENT
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    page = client.get("/account")
    assert page.status_code == 200
    assert "ana@example.com" in page.get_data(as_text=True)
    welcome = db.session.scalars(select(OutboxMessage)).one()
    assert welcome.recipient == "ana@example.com"


def test_practitioner_sign_up_creates_a_draft_profile(app, client):
    response = signup(client, role="practitioner", name="Dr. Lin Wei", email="Lin@Example.com")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/practice")
    practitioner = db.session.scalars(select(Practitioner)).one()
    assert practitioner.user.email == "lin@example.com"
    assert practitioner.display_name == "Dr. Lin Wei"
    assert practitioner.slug == "dr-lin-wei"
    assert practitioner.listing_state is ListingState.DRAFT


def test_two_practitioners_with_one_name_get_distinct_slugs(app, client):
    signup(client, role="practitioner", name="Sam Lee", email="sam1@example.com")
    client.post("/logout")
    signup(client, role="practitioner", name="Sam Lee", email="sam2@example.com")
    slugs = sorted(db.session.scalars(select(Practitioner.slug)))
    assert slugs == ["sam-lee", "sam-lee-2"]


@pytest.mark.parametrize("overrides, field, message", [
    ({"email": "not-an-email"}, "email", "Enter an email address like name@example.com."),
    ({"email": ""}, "email", "Enter your email address."),
    ({"name": "   "}, "name", "Enter your name."),
    ({"name": "Ana\x07\x1b[31m"}, "name", "Remove the control characters"),
    ({"password": "short", "confirm": "short"}, "password", "Use at least 8 characters"),
    ({"password": "password1", "confirm": "password1"}, "password", "most commonly used passwords"),
    ({"password": "ana@example.com", "confirm": "ana@example.com"}, "password",
     "Don&#39;t use your email address"),
    ({"password": "x" * 257, "confirm": "x" * 257}, "password", "at most 256 characters"),
    ({"confirm": "something else"}, "confirm", "The two passwords do not match."),
    ({"role": "admin"}, "role", "Choose whether you are a patient or a practitioner."),
])
def test_sign_up_rejects_bad_input_with_a_message_and_creates_nothing(app, client, overrides, field, message):
    response = signup(client, **overrides)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body
    assert 'role="alert"' in body
    assert db.session.scalar(select(User.id)) is None
    assert db.session.scalar(select(OutboxMessage.id)) is None


def test_sign_up_with_a_taken_email_says_so_without_creating_a_second_account(app, client, patient):
    response = signup(client, email="PAT@example.com ")
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(User)).all()) == 1


def test_login_with_the_right_password_starts_a_session(app, client, patient):
    response = login(client, "PAT@example.com")
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    db.session.refresh(patient)
    assert patient.last_login_at is not None


@pytest.mark.parametrize("email, password", [
    ("pat@example.com", "wrong password here"),
    ("nobody@example.com", PASSWORD),
])
def test_failed_login_gives_one_message_whatever_was_wrong(app, client, patient, email, password):
    response = login(client, email, password)
    assert response.status_code == 400
    assert "The email address or password is not correct." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_deactivated_account_cannot_log_in(app, client, patient):
    patient.active = False
    db.session.commit()
    assert login(client, "pat@example.com").status_code == 400


def test_login_follows_a_local_next_but_never_an_outside_one(app, client, patient):
    assert login(client, "pat@example.com", next="/account").headers["Location"] == "/account"
    client.post("/logout")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        response = login(client, "pat@example.com", next=target)
        assert response.headers["Location"] == "/", target
        client.post("/logout")


def test_login_page_for_a_protected_page_comes_back_to_it(app, client, patient):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login?next=%2Faccount" in response.headers["Location"]


def test_login_replaces_the_session_so_a_planted_cookie_is_worthless(app, client, patient):
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    login(client, "pat@example.com")
    with client.session_transaction() as s:
        assert "planted" not in s


def test_logout_ends_the_session_even_for_a_copied_cookie(app, client, patient):
    login(client, "pat@example.com")
    stolen = session_cookie(client)
    assert client.post("/logout").status_code == 302
    assert client.get("/account").status_code == 302

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_by_get_only_asks_for_confirmation(app, client, patient):
    login(client, "pat@example.com")
    page = client.get("/logout")
    assert page.status_code == 200
    assert client.get("/account").status_code == 200


def test_an_idle_session_expires(app, client, patient, monkeypatch):
    login(client, "pat@example.com")
    cookie = session_cookie(client)
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    # Flask rejects a cookie whose signature is older than the idle limit: move the clock on.
    monkeypatch.setattr("itsdangerous.timed.TimestampSigner.get_timestamp",
                        lambda self: int(time.time()) + idle + 5)
    stale = app.test_client()
    stale.set_cookie("session", cookie)
    assert stale.get("/account").status_code == 302


def test_activity_keeps_a_session_alive(app, client, patient, monkeypatch):
    login(client, "pat@example.com")
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    monkeypatch.setattr("itsdangerous.timed.TimestampSigner.get_timestamp",
                        lambda self: int(time.time()) + idle - 60)
    assert client.get("/account").status_code == 200  # re-signed "now" (idle - 60 s on)
    monkeypatch.setattr("itsdangerous.timed.TimestampSigner.get_timestamp",
                        lambda self: int(time.time()) + 2 * idle - 120)
    assert client.get("/account").status_code == 200


def test_a_session_ends_after_its_maximum_age_however_active(app, client, patient):
    login(client, "pat@example.com")
    with client.session_transaction() as s:
        s["login_at"] = time.time() - app.config["SESSION_MAX_HOURS"] * 3600 - 1
    assert client.get("/account").status_code == 302


def test_outdated_password_hash_is_upgraded_at_login(app, client, create_user):
    from argon2 import PasswordHasher
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    user = create_user(email="old@example.com", password_hash=weak)
    db.session.commit()
    assert login(client, "old@example.com").status_code == 302
    db.session.refresh(user)
    assert user.password_hash != weak
    assert "m=65536" in user.password_hash
    client.post("/logout")
    assert login(client, "old@example.com").status_code == 302


def test_auth_events_are_logged_without_secrets(app, client, patient, caplog):
    caplog.set_level(logging.INFO, logger="directory.auth")
    login(client, "pat@example.com", "a wrong guess 123")
    login(client, "pat@example.com")
    client.post("/logout")
    text = caplog.text
    assert "event=login_failed" in text and "event=login " in text and "event=logout" in text
    assert f"user={patient.id}" in text
    assert PASSWORD not in text and "a wrong guess" not in text
    assert "pat@example.com" not in text


def test_logged_in_pages_are_not_cached(app, client, patient):
    login(client, "pat@example.com")
    for path in ("/account", "/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_session_cookie_is_httponly_and_lax(app, client, patient):
    response = login(client, "pat@example.com")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("field", ["name", "email", "password"])
def test_a_null_character_anywhere_is_refused_cleanly(app, client, field):
    response = signup(client, **{field: "ana\x00x"})
    assert response.status_code == 400
    assert "null character" in response.get_data(as_text=True)
    assert db.session.scalar(select(User.id)) is None


def test_every_error_summary_link_has_a_target(app, client):
    body = signup(client, role="admin", email="", name="").get_data(as_text=True)
    targets = re.findall(r'<li><a href="#([^"]+)"', body)
    assert "role" in targets
    for target in targets:
        assert f'id="{target}"' in body, target
