"""Every route of the app, tried by every kind of visitor: who gets in, who is turned away,
and that no state-changing form works without its CSRF token."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory import create_app
from directory.extensions import db
from directory.models import Clinic, ListingState, Practitioner, Role
from tests import factories
from tests.conftest import RequestScopedClient, make_config
from tests.helpers_auth import login_as

PUBLIC, ANONYMOUS, LOGGED_IN, PRACTITIONER, ADMIN = "public", "anonymous", "logged-in", "practitioner", "admin"

# Who each endpoint is for. A new route fails test_every_route_is_classified until it is added.
ACCESS = {
    "static": PUBLIC,
    "search.index": PUBLIC,
    "practitioners.profile": PUBLIC,
    "practitioners.photo": PUBLIC,
    "api.practitioners": PUBLIC,
    "api.practitioner": PUBLIC,
    "api.openapi": PUBLIC,
    "auth.signup": ANONYMOUS,
    "auth.login": ANONYMOUS,
    "auth.forgot_password": ANONYMOUS,
    "auth.reset_password": ANONYMOUS,
    "auth.logout": LOGGED_IN,
    "account.settings": LOGGED_IN,
    "account.change_password": LOGGED_IN,
    "account.change_email": LOGGED_IN,
    "account.confirm_email": LOGGED_IN,
    "practice.dashboard": PRACTITIONER,
    "practice.listing": PRACTITIONER,
    "practice.profile": PRACTITIONER,
    "practice.preview": PRACTITIONER,
    "practice.photo": PRACTITIONER,
    "practice.photo_delete": PRACTITIONER,
    "practice.clinics": PRACTITIONER,
    "practice.clinic_new": PRACTITIONER,
    "practice.clinic_edit": PRACTITIONER,
    "practice.clinic_delete": PRACTITIONER,
    "practice.licences": PRACTITIONER,
    "practice.licence_new": PRACTITIONER,
    "practice.licence_edit": PRACTITIONER,
    "practice.licence_withdraw": PRACTITIONER,
    "admin.overview": ADMIN,
    "admin.queue": ADMIN,
    "admin.licence": ADMIN,
    "admin.decide": ADMIN,
    "admin.rosters": ADMIN,
    "admin.expiring": ADMIN,
    "admin.practitioners": ADMIN,
    "admin.practitioner": ADMIN,
    "admin.suspend": ADMIN,
    "admin.reinstate": ADMIN,
    "admin.audit": ADMIN,
}


@pytest.fixture
def world(app):
    """Two practitioners (A unlisted with a clinic and a photo key, B listed), a patient, an admin."""
    a = factories.create_practitioner(listing_state=ListingState.DRAFT, photo_key="a" * 32)
    b = factories.create_practitioner()
    patient = factories.create_user(role=Role.PATIENT)
    admin = factories.create_user(role=Role.ADMIN)
    db.session.commit()
    return {"a": a, "b": b, "patient": patient, "admin": admin, "a_clinic": a.clinics[0].id}


def _value(name: str, world) -> object:
    return {"clinic_id": world["a_clinic"], "practitioner_id": world["a"].id, "token": "x.y.z",
            "licence_id": world["a"].licences[0].id,
            "key": world["a"].photo_key, "filename": "css/site.css"}[name]


def requests(app, world, *, only: str | None = None):
    """(method, url, endpoint) for every route and method, ids pointing at practitioner A's things."""
    for rule in app.url_map.iter_rules():
        if only and ACCESS.get(rule.endpoint) != only:
            continue
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(_value(m.group(1), world)), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url, rule.endpoint


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - ACCESS.keys() == set(), "add the new routes to ACCESS"
    assert ACCESS.keys() - endpoints == set(), "ACCESS names routes that no longer exist"


def test_anonymous_visitors_are_sent_to_log_in(app, client, world):
    for group in (LOGGED_IN, PRACTITIONER, ADMIN):
        for method, url, endpoint in requests(app, world, only=group):
            response = client.open(url, method=method)
            if endpoint == "auth.logout":
                assert response.status_code == 302 and "/login" not in response.headers["Location"]
                continue
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/login?next="), (method, url)


@pytest.mark.parametrize("role", ["patient", "admin"])
def test_patients_and_admins_cannot_open_practitioner_pages(app, client, world, role):
    login_as(client, world[role])
    for method, url, _ in requests(app, world, only=PRACTITIONER):
        assert client.open(url, method=method).status_code == 403, (method, url)


@pytest.mark.parametrize("role", ["patient", "practitioner"])
def test_patients_and_practitioners_cannot_open_admin_pages(app, client, world, role):
    login_as(client, world["b"].user if role == "practitioner" else world[role])
    for method, url, _ in requests(app, world, only=ADMIN):
        assert client.open(url, method=method).status_code == 403, (method, url)


def test_a_practitioner_cannot_read_or_change_another_practitioners_things(app, client, world):
    before = {c.id: (c.name, c.address, c.latitude) for c in db.session.scalars(select(Clinic))}
    login_as(client, world["b"].user)
    for method, url, endpoint in requests(app, world, only=PRACTITIONER):
        if "<" in next(r.rule for r in app.url_map.iter_rules() if r.endpoint == endpoint):
            response = client.open(url, method=method, data={"name": "Taken over", "address": "1 Evil St",
                                                              "city": "Reno", "region": "NV",
                                                              "postal_code": "89501"})
            assert response.status_code == 404, (method, url)
    db.session.expire_all()
    after = {c.id: (c.name, c.address, c.latitude) for c in db.session.scalars(select(Clinic))}
    assert after == before


def test_an_unlisted_practitioners_profile_and_photo_are_hidden_from_others(app, client, world):
    a = world["a"]
    for viewer in (None, world["patient"], world["b"].user, world["admin"]):
        if viewer is not None:
            login_as(client, viewer)
        assert client.get(f"/practitioners/{a.id}").status_code == 404
        assert client.get(f"/practitioners/{a.id}/photo/{a.photo_key}").status_code == 404


def test_logged_in_users_are_sent_away_from_sign_up_and_login(app, client, world):
    login_as(client, world["patient"])
    for url in ("/signup", "/login"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/", url


@pytest.fixture
def csrf_client(database_url, backend, tmp_path):
    app = create_app(make_config(database_url, WTF_CSRF_ENABLED=True, MAIL_FILE_DIR=str(tmp_path / "mail"),
                                 PHOTO_DIR=str(tmp_path / "photos")))
    app.test_client_class = RequestScopedClient
    with app.app_context():
        if backend == "postgresql":
            db.drop_all()
        db.create_all()
        yield app
        db.session.remove()
        if backend == "postgresql":
            db.drop_all()
        db.engine.dispose()


def test_no_state_changing_request_works_without_its_csrf_token(csrf_client):
    app = csrf_client
    owner = factories.create_practitioner(listing_state=ListingState.DRAFT)
    db.session.commit()
    admin = factories.create_user(role=Role.ADMIN)
    db.session.commit()
    world = {"a": owner, "a_clinic": owner.clinics[0].id}
    owner.photo_key = "b" * 32
    db.session.commit()
    before = (owner.listing_state, owner.display_name, len(owner.clinics), owner.user.session_version)
    client = app.test_client()
    posts = [(m, u, e) for m, u, e in requests(app, world) if m not in ("GET",)
             and not e.startswith("api.")]
    assert posts, "no state-changing routes found"
    for method, url, endpoint in posts:
        if ACCESS[endpoint] in (LOGGED_IN, PRACTITIONER):
            login_as(client, owner.user)
        elif ACCESS[endpoint] == ADMIN:
            login_as(client, admin)
        else:
            client = app.test_client()
        response = client.open(url, method=method, data={"display_name": "Changed", "name": "Changed",
                                                         "email": "new@example.com"})
        assert response.status_code == 400, (method, url, response.status_code)
        assert "could not be sent" in response.get_data(as_text=True)
    db.session.expire_all()
    owner = db.session.get(Practitioner, owner.id)
    assert (owner.listing_state, owner.display_name, len(owner.clinics),
            owner.user.session_version) == before
