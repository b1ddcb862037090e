"""Attendance, reaction reports and reviews over the API; every answer checked against the
OpenAPI document (tests.api_contract)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from directory.extensions import db
from directory.models import AppointmentStatus, Role
from directory.services.accounts import api_tokens
from tests.api_contract import bearer, call, error_code
from tests.booking_fixtures import seen_before
from tests.factories import create_practitioner, create_user

URGENT = {"symptoms": [{"code": "chest_pain_breathless", "severity": "mild"}], "notes": "Sharp when breathing in"}


def token_for(user) -> dict:
    return bearer(api_tokens.create_token(user)[0])


@pytest.fixture
def world(app):
    doc, other = create_practitioner(display_name="Mina Park"), create_practitioner(display_name="Zhou Wei")
    alice, bob = create_user(name="Alice Moreno"), create_user(name="Bob")
    admin = create_user(role=Role.ADMIN)
    db.session.commit()
    now = datetime.now(timezone.utc)
    visit = seen_before(alice, doc, now=now)                      # ended 30 days ago: attended
    recent = seen_before(alice, doc, now=now + timedelta(days=29))  # ended a day ago
    recent.status = AppointmentStatus.CONFIRMED
    db.session.commit()
    return {"doc": doc, "other": other, "alice": alice, "bob": bob, "visit": visit, "recent": recent,
            "alice_auth": token_for(alice), "bob_auth": token_for(bob), "doc_auth": token_for(doc.user),
            "other_auth": token_for(other.user), "admin_auth": token_for(admin)}


def reactions(world) -> str:
    return f"/api/v1/appointments/{world['recent'].id}/reactions"


def test_a_patient_reports_an_urgent_reaction_and_gets_the_advice_at_once(client, world):
    body = call(client, "POST", reactions(world), 201, json=URGENT, headers=world["alice_auth"])
    assert body["triage"] == "urgent" and "911" in body["advice"]


def test_nothing_to_report_is_recorded_as_triage_none(client, world):
    body = call(client, "POST", reactions(world), 201, json={"symptoms": []}, headers=world["alice_auth"])
    assert body["triage"] == "none"


@pytest.mark.parametrize("payload, field", [
    ({"symptoms": [{"code": "broken", "severity": "mild"}]}, "symptoms[0].code"),
    ({"symptoms": [{"code": "nausea", "severity": "awful"}]}, "symptoms[0].severity"),
    ({"symptoms": "nausea"}, "symptoms"),
    ({}, "symptoms"),
    ({"symptoms": [], "notes": 5}, "notes"),
])
def test_bad_codes_and_severities_are_400_naming_the_field(client, world, payload, field):
    body = call(client, "POST", reactions(world), 400, json=payload, headers=world["alice_auth"])
    assert error_code(body) == "invalid_parameter" and body["error"]["field"] == field


def test_only_that_patient_and_practitioner_read_reports_never_an_admin(client, world):
    call(client, "POST", reactions(world), 201, json=URGENT, headers=world["alice_auth"])
    mine = call(client, "GET", reactions(world), 200, headers=world["alice_auth"])
    theirs = call(client, "GET", reactions(world), 200, headers=world["doc_auth"])
    assert mine == theirs and mine["reactions"][0]["notes"] == "Sharp when breathing in"
    call(client, "GET", reactions(world), 404, headers=world["bob_auth"])
    call(client, "GET", reactions(world), 404, headers=world["other_auth"])
    assert error_code(call(client, "GET", reactions(world), 403, headers=world["admin_auth"])) == "forbidden"


def test_nobody_reports_on_someone_elses_or_an_unattended_visit(client, world):
    call(client, "POST", reactions(world), 404, json=URGENT, headers=world["bob_auth"])
    call(client, "POST", reactions(world), 403, json=URGENT, headers=world["doc_auth"])
    world["recent"].status = AppointmentStatus.NO_SHOW
    db.session.commit()
    call(client, "POST", reactions(world), 404, json=URGENT, headers=world["alice_auth"])


@pytest.mark.parametrize("method, path", [
    ("POST", "/api/v1/appointments/1/reactions"), ("GET", "/api/v1/appointments/1/reactions"),
    ("POST", "/api/v1/appointments/1/attendance"), ("POST", "/api/v1/appointments/1/review"),
])
def test_anonymous_callers_get_401_on_every_new_token_route(client, app, method, path):
    response = client.open(path, method=method, json={})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "authentication_required"


def test_the_practitioner_marks_attendance_and_every_answer_then_says_completed_or_no_show(client, world):
    path = f"/api/v1/appointments/{world['recent'].id}"
    assert call(client, "POST", path + "/attendance", 200, json={"attended": False},
                headers=world["doc_auth"])["status"] == "no_show"
    assert call(client, "POST", path + "/attendance", 200, json={"attended": True},
                headers=world["doc_auth"])["status"] == "completed"
    assert call(client, "GET", path, 200, headers=world["alice_auth"])["status"] == "completed"
    call(client, "POST", path + "/attendance", 404, json={"attended": True}, headers=world["other_auth"])
    call(client, "POST", path + "/attendance", 403, json={"attended": True}, headers=world["alice_auth"])
    call(client, "POST", path + "/attendance", 400, json={"attended": "yes"}, headers=world["doc_auth"])


def test_an_unmarked_visit_shows_completed_48_hours_after_its_end(client, world):
    body = call(client, "GET", f"/api/v1/appointments/{world['visit'].id}", 200, headers=world["alice_auth"])
    assert body["status"] == "completed"


def test_a_review_needs_an_attended_visit_of_ones_own_and_one_per_90_days(client, world):
    path = f"/api/v1/appointments/{world['visit'].id}/review"
    call(client, "POST", path, 404, json={"rating": 5}, headers=world["bob_auth"])
    call(client, "POST", f"/api/v1/appointments/{world['recent'].id}/review", 404, json={"rating": 5},
         headers=world["alice_auth"])  # not attended yet: within 48 hours and unmarked
    assert call(client, "POST", path, 400, json={"rating": 9}, headers=world["alice_auth"])["error"]["field"] == "rating"
    body = call(client, "POST", path, 201, json={"rating": 4, "text": "<b>Kind</b>"}, headers=world["alice_auth"])
    assert body["author"] == "Alice M." and body["text"] == "<b>Kind</b>"
    call(client, "POST", path, 409, json={"rating": 5}, headers=world["alice_auth"])


def test_reviews_and_the_rating_are_public(client, world):
    call(client, "POST", f"/api/v1/appointments/{world['visit'].id}/review", 201, json={"rating": 4},
         headers=world["alice_auth"])
    page = call(client, "GET", f"/api/v1/practitioners/{world['doc'].id}/reviews", 200)
    assert (page["average"], page["count"], len(page["results"])) == (4.0, 1, 1)
    profile = call(client, "GET", f"/api/v1/practitioners/{world['doc'].id}", 200)
    assert profile["rating"] == {"average": 4.0, "count": 1}
    results = call(client, "GET", "/api/v1/practitioners?near=94110", 200)["results"]
    ratings = {r["id"]: r["rating"] for r in results}
    assert ratings[world["doc"].id] == {"average": 4.0, "count": 1} and ratings[world["other"].id] is None
    call(client, "GET", f"/api/v1/practitioners/{world['doc'].id}/reviews?page=0", 400)
    call(client, "GET", "/api/v1/practitioners/999999/reviews", 404)
