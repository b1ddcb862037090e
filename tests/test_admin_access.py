"""Who may reach the admin area: admins only; everyone else is turned away on every route
and method, and nothing changes when they try."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import AuditEvent, ListingState, Role, RosterImport, VerificationState
from tests import factories
from tests.helpers_auth import login_as
from tests.test_pages import Page, assert_accessible_layout

FORM = {"decision": "approve", "reason": "Looks fine", "override": "true", "source": "Board site",
        "jurisdiction": "US-CA", "board_status": "revoked", "note": "Board lookup today"}


@pytest.fixture
def world(app):
    practitioner = factories.create_practitioner(licences=[{
        "verification_state": VerificationState.PENDING, "verified_at": None,
        "submitted_at": datetime(2026, 1, 5, tzinfo=timezone.utc)}])
    suspended = factories.create_practitioner(listing_state=ListingState.SUSPENDED,
                                              suspension_reason="Board complaint")
    admin = factories.create_user(role=Role.ADMIN, email="admin@example.test")
    patient = factories.create_user(role=Role.PATIENT)
    roster = RosterImport(jurisdiction="US-CA", source="Board site", filename="ca.csv", sha256="0" * 64,
                          report={"lists": True})
    db.session.add(roster)
    db.session.commit()
    return {"practitioner": practitioner, "suspended": suspended, "admin": admin, "patient": patient,
            "licence_id": practitioner.licences[0].id, "import_id": roster.id}


def admin_requests(app, world):
    """(method, url) for every admin route and method, ids pointing at real rows."""
    values = {"licence_id": world["licence_id"], "practitioner_id": world["practitioner"].id,
              "import_id": world["import_id"], "report_id": 1, "review_id": 1, "action": "hide"}
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url, rule.endpoint))
    return found


def snapshot(world):
    db.session.expire_all()
    practitioner = world["practitioner"]
    return (practitioner.licences[0].verification_state, practitioner.listing_state,
            world["suspended"].listing_state,
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


def test_the_admin_area_has_the_documented_routes(app, world):
    endpoints = {e for _, _, e in admin_requests(app, world)}
    assert endpoints == {"admin.overview", "admin.queue", "admin.licence", "admin.decide", "admin.rosters",
                         "admin.expiring", "admin.practitioners", "admin.practitioner", "admin.suspend",
                         "admin.reinstate", "admin.audit", "admin.roster_import", "admin.board_status",
                         "admin.safety", "admin.safety_close", "admin.reviews_queue", "admin.review_moderate"}
    # Only these take a POST; nothing under /admin accepts PUT, PATCH or DELETE.
    posts = {e for m, _, e in admin_requests(app, world) if m != "GET"}
    assert posts == {"admin.decide", "admin.rosters", "admin.suspend", "admin.reinstate", "admin.board_status",
                     "admin.safety_close", "admin.review_moderate"}
    assert {m for m, _, _ in admin_requests(app, world)} == {"GET", "POST"}


@pytest.mark.parametrize("role", ["patient", "practitioner"])
def test_patients_and_practitioners_get_403_everywhere_and_change_nothing(app, client, world, role):
    before = snapshot(world)
    user = world["patient"] if role == "patient" else world["practitioner"].user
    login_as(client, user)
    requests = admin_requests(app, world)
    assert len(requests) == 18
    for method, url, _ in requests:
        response = client.open(url, method=method, data=FORM)
        assert response.status_code == 403, (method, url, response.status_code)
    assert snapshot(world) == before


def test_anonymous_visitors_are_sent_to_log_in(app, client, world):
    before = snapshot(world)
    for method, url, _ in admin_requests(app, world):
        response = client.open(url, method=method, data=FORM)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login?next="), (method, url)
    assert snapshot(world) == before


def test_an_admin_can_open_every_page(app, client, world):
    login_as(client, world["admin"])
    for method, url, _ in admin_requests(app, world):
        if method != "GET":
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:2000])
        assert "no-store" in response.headers["Cache-Control"]
        assert_accessible_layout(Page(response.get_data(as_text=True)))


def test_the_admin_link_is_shown_to_admins_only(app, client, world):
    assert "/admin" not in [a.get("href") for a in Page(client.get("/").get_data(as_text=True)).find("a")]
    for user in (world["patient"], world["practitioner"].user):
        login_as(client, user)
        assert "/admin" not in [a.get("href") for a in Page(client.get("/").get_data(as_text=True)).find("a")]
    login_as(client, world["admin"])
    page = Page(client.get("/").get_data(as_text=True))
    assert page.find("a", href="/admin")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_audit_log_cannot_be_changed_through_the_web(app, client, world, method):
    login_as(client, world["admin"])
    client.post(f"/admin/practitioners/{world['practitioner'].id}/suspend", data={"reason": "Test"})
    events = [(e.id, e.action, e.reason) for e in db.session.scalars(select(AuditEvent))]
    assert events
    for url in ("/admin/audit", f"/admin/audit?subject_id={events[0][0]}"):
        assert client.open(url, method=method, data={"reason": "rewritten"}).status_code == 405
    db.session.expire_all()
    assert [(e.id, e.action, e.reason) for e in db.session.scalars(select(AuditEvent))] == events


def test_unknown_ids_are_not_found(app, client, world):
    login_as(client, world["admin"])
    for url in ("/admin/licences/999999", "/admin/licences/99999999999", "/admin/practitioners/999999",
                "/admin/practitioners/99999999999"):
        assert client.get(url).status_code == 404, url
    assert client.post("/admin/licences/999999/decision", data=FORM).status_code == 404
    assert client.post("/admin/practitioners/999999/suspend", data={"reason": "x"}).status_code == 404


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_an_admin_form_posted_without_its_csrf_token_changes_nothing(csrf_app):
    world = {"practitioner": factories.create_practitioner(licences=[{
                 "verification_state": VerificationState.PENDING, "verified_at": None}]),
             "suspended": factories.create_practitioner(listing_state=ListingState.SUSPENDED),
             "admin": factories.create_user(role=Role.ADMIN)}
    db.session.commit()
    world["licence_id"] = world["practitioner"].licences[0].id
    world["import_id"] = 1  # only POST routes are sent, and none of them names an import
    before = snapshot(world)
    client = csrf_app.test_client()
    login_as(client, world["admin"])
    for method, url, _ in admin_requests(csrf_app, world):
        if method == "POST":
            response = client.post(url, data=FORM)
            assert response.status_code == 400, url
            assert "could not be sent" in response.get_data(as_text=True)
    assert snapshot(world) == before
