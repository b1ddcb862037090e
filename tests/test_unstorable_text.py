"""Text no database or page can hold (a lone UTF-16 surrogate, invalid UTF-8) and JSON nested
deeper than any request needs: refused at the edge with a 400 naming the field, never a 500;
and text of that kind stored before the edge refused it still renders."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from directory.extensions import db
from directory.models import Appointment, AppointmentKind, AppointmentStatus
from directory.models._types import utcnow
from tests.api_contract import bearer, error_code
from tests.factories import create_practitioner, create_user
from tests.helpers_auth import login_as
from directory.services.accounts import api_tokens

SURROGATE = "\ud800"
INTAKE = {"reason": "Aching lower back", "pain_duration": "over_1_year", "pain_score": 6,
          "medical_history": "", "medications": "", "safety": {}, "red_flags": {}}


def raw_json(value) -> bytes:
    # json.dumps writes a lone surrogate as the escape "\ud800", as a hostile client would.
    return json.dumps(value).encode()


@pytest.fixture
def people(app):
    doc = create_practitioner(display_name="Mina Park")
    patient = create_user(name="Alice")
    db.session.commit()
    return {"doc": doc, "patient": patient,
            "patient_auth": bearer(api_tokens.create_token(patient)[0]),
            "doc_auth": bearer(api_tokens.create_token(doc.user)[0])}


def requested(people, intake=INTAKE) -> Appointment:
    start = utcnow() + timedelta(days=5)
    appointment = Appointment(practitioner_id=people["doc"].id, clinic_id=people["doc"].clinics[0].id,
                              patient_id=people["patient"].id, starts_at=start,
                              ends_at=start + timedelta(hours=1), kind=AppointmentKind.INITIAL,
                              status=AppointmentStatus.REQUESTED, intake=intake,
                              hold_expires_at=start - timedelta(days=1))
    db.session.add(appointment)
    db.session.commit()
    return appointment


def post_json(client, path, body: bytes, auth=None):
    return client.post(path, data=body, content_type="application/json", headers=auth or {})


def assert_refused(response, field):
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    answer = response.get_json()
    assert error_code(answer) == "invalid_parameter"
    assert answer["error"]["field"] == field


def test_a_lone_surrogate_in_an_intake_is_refused_naming_the_field(client, people):
    body = {"practitioner_id": people["doc"].id, "clinic_id": people["doc"].clinics[0].id,
            "start": "2030-01-07T10:00:00-08:00", "kind": "initial",
            "intake": {**INTAKE, "reason": "back" + SURROGATE}}
    assert_refused(post_json(client, "/api/v1/appointments", raw_json(body), people["patient_auth"]),
                   "intake.reason")
    assert db.session.query(Appointment).count() == 0


def test_a_lone_surrogate_in_a_token_request_is_refused(client, people):
    response = post_json(client, "/api/v1/tokens", raw_json({"email": "a@example.com",
                                                             "password": "x" + SURROGATE}))
    assert_refused(response, "password")
    assert_refused(post_json(client, "/api/v1/tokens", raw_json({"email" + SURROGATE: "a"})), "body")


@pytest.mark.parametrize("action,field", [("decline", "message"), ("cancel", "reason")])
def test_a_lone_surrogate_in_a_decline_message_or_cancel_reason_is_refused(client, people, action, field):
    appointment = requested(people)
    auth = people["doc_auth"] if action == "decline" else people["patient_auth"]
    response = post_json(client, f"/api/v1/appointments/{appointment.id}/{action}",
                         raw_json({field: "sorry " + SURROGATE}), auth)
    assert_refused(response, field)
    db.session.refresh(appointment)
    assert appointment.status is AppointmentStatus.REQUESTED


@pytest.mark.parametrize("path", ["/api/v1/tokens", "/api/v1/appointments",
                                  "/api/v1/appointments/{id}/decline"])
def test_json_nested_400_levels_deep_is_a_400_not_a_500(client, people, path):
    path = path.format(id=requested(people).id)
    body = b'{"message": ' + b"[" * 400 + b"]" * 400 + b"}"
    assert len(body) < 1024
    auth = people["doc_auth"] if path.endswith("decline") else people["patient_auth"]
    assert_refused(post_json(client, path, body, auth), "body")


def test_a_shallow_nesting_that_a_request_needs_still_works(client, people):
    body = {"email": "nobody@example.com", "password": "not the password", "extra": [[[{"a": [1]}]]]}
    assert post_json(client, "/api/v1/tokens", raw_json(body)).status_code == 401


@pytest.mark.parametrize("encoded", ["%ED%A0%80", "%FF", "%C3%28"])
def test_a_form_field_that_is_not_utf8_is_refused_naming_the_field(client, people, encoded):
    response = client.post("/login", data=f"email=a%40example.com&password=x{encoded}",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "The form field &#39;password&#39; is not valid UTF-8 text" in response.get_data(as_text=True)


def test_an_ordinary_form_with_accents_still_works(client, people):
    response = client.post("/login", data="email=a%40example.com&password=caf%C3%A9+cr%C3%A8me",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400  # wrong password, but read as text: the form answers
    assert "not valid UTF-8" not in response.get_data(as_text=True)
    assert "The email address or password is not correct." in response.get_data(as_text=True)


def test_an_intake_stored_with_a_surrogate_before_the_fix_still_renders_for_both_sides(client, people):
    appointment = requested(people, intake={**INTAKE, "reason": "back" + SURROGATE + "pain"})
    for user, path in [(people["patient"], f"/appointments/{appointment.id}"),
                       (people["doc"].user, f"/practice/appointments/{appointment.id}")]:
        login_as(client, user)
        response = client.get(path)
        assert response.status_code == 200, path
        assert "back\ufffdpain" in response.get_data(as_text=True)
