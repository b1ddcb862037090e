"""Schemathesis against the OpenAPI document, in process (WSGI), on every backend: whatever
it sends, the API never answers 5xx, and every answer has a documented status, content type
and headers, and a body that matches its schema exactly (additionalProperties false on every
object, as in tests.api_contract).

Two passes per operation over one seeded app per backend (the state each request leaves
behind is part of what is tested):
- coverage: schemathesis' deterministic probes (boundary values, missing and wrong-typed
  fields and parameters, odd methods and content types), sent with a real token;
- fuzzing: random valid and invalid requests. Random ids would almost never name a real
  practitioner, appointment or free slot, so Hypothesis also decides per request whether to
  aim it at the seeded world (a real id, a real free slot with a valid intake, the real login)
  and who sends it: the patient, the practitioner, nobody, or whatever Authorization header
  schemathesis generated."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)
from sqlalchemy import select

from directory.api.openapi import document
from directory.extensions import db
from directory.models import Appointment, AppointmentKind, Practitioner
from directory.services.accounts import api_tokens
from directory.services.booking import requests as booking
from directory.services.booking import scheduling
from directory.services.accounts.passwords import hash_password
from tests.booking_fixtures import INTAKE
from tests.conftest import BACKENDS, PG_URL, running_app
from tests.factories import add_clinic, create_practitioner, create_user
from tests.test_api import _strict

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
PASSWORD = "fuzzing-is-a-long-walk-2026"
DOCUMENTED = {f"{method.upper()} {path}" for path, item in document()["paths"].items() for method in item}
PRACTITIONER_ONLY = {"POST /appointments/{appointment_id}/confirm", "POST /appointments/{appointment_id}/decline"}
NYC = {"city": "New York", "region": "NY", "postal_code": "10001", "latitude": 40.7506,
       "longitude": -73.9972, "timezone": "America/New_York"}
# Examples per operation and pass; POST /tokens verifies an Argon2 hash per request, so fewer.
FUZZ_CONFIG = {"generation": {"max-examples": 60, "deterministic": True, "database": "none"},
               "operations": [{"include-name": "POST /tokens", "generation": {"max-examples": 20}}]}
ONLY_FUZZING = {"phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}}}
ONLY_COVERAGE = {"phases": {"examples": {"enabled": False}, "fuzzing": {"enabled": False}}}
# The document the app serves (test_every_documented_operation_is_fuzzed checks it is this one).
fuzzing = schemathesis.openapi.from_dict(
    _strict(document()), config=schemathesis.Config.from_dict({**FUZZ_CONFIG, **ONLY_FUZZING}))
coverage = schemathesis.openapi.from_dict(
    _strict(document()), config=schemathesis.Config.from_dict({**FUZZ_CONFIG, **ONLY_COVERAGE}))
# The app and its database are built once per backend and module and shared by every example
# on purpose (see the module notes), which Hypothesis would otherwise warn about.
SHARED_APP = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                            HealthCheck.too_slow])


def _seed() -> dict:
    """Listed practitioners around 94110 and 10001 with weekday hours, a patient with a
    password and appointments in several states, and another patient's appointment."""
    mei = create_practitioner(display_name="Mei Lin Chen", techniques=["cupping", "electroacupuncture"],
                              languages=["English", "Mandarin"])
    add_clinic(mei, name="Chelsea annex", **NYC)
    create_practitioner(display_name="Ana Ortiz", clinics=[NYC], languages=["Spanish"],
                        accepting_new_patients=False)
    create_practitioner(display_name="Sam Okafor", clinics=[{"postal_code": "94103", "latitude": 37.7725,
                                                            "longitude": -122.4091}])
    for practitioner in db.session.scalars(select(Practitioner)):
        for clinic in practitioner.clinics:
            scheduling.set_weekly_hours(clinic, {day: [(time(9), time(17))] for day in range(6)})
    patient = create_user(email="fuzz.patient@example.test", name="Pat Fuzz",
                          password_hash=hash_password(PASSWORD))
    other = create_user(name="Other Patient")
    db.session.commit()
    now = datetime.now(timezone.utc)
    free = scheduling.free_slots(mei, start=now.date() + timedelta(days=2), days=7,
                                 kind=AppointmentKind.INITIAL, now=now)
    booked = [booking.request_appointment(patient=who, practitioner=mei, clinic_id=slot.clinic_id,
                                          start=slot.start, kind=slot.kind, intake=INTAKE, now=now)
              for who, slot in zip([patient, patient, patient, other], free[::3])]
    booking.confirm(booked[1], practitioner_user=mei.user, now=now)
    booking.cancel(booked[2], by=patient, reason="Feeling better", now=now)
    return {"patient": patient, "practitioner": mei.user, "mei": mei}


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp_path / 'test.db'}" if request.param == "sqlite" else PG_URL
    with running_app(url, request.param, tmp_path) as app:
        yield {"app": app, **_seed()}


def test_every_documented_operation_is_fuzzed(world):
    """parametrize() makes one test per operation schemathesis reads from the document: that
    must be every operation the app serves in it (test_api_booking checks that every API route
    is documented), so a new endpoint is fuzzed as soon as it exists."""
    served = world["app"].test_client().get("/api/v1/openapi.json").get_json()
    assert served == document()
    assert len(DOCUMENTED) == sum(len(item) for item in served["paths"].values()) == 12
    for schema in (fuzzing, coverage):
        assert {result.ok().label for result in schema.get_all_operations()} == DOCUMENTED


def _token(world, caller: str) -> str:
    # A fresh token for every request: DELETE /tokens/current revokes the one it is sent with.
    return f"Bearer {api_tokens.create_token(world[caller])[0]}"


def _send(case, world) -> None:
    db.session.rollback()
    with world["app"].app_context():
        # Its own app context and database session, as under a real server.
        case.call_and_validate(checks=CHECKS, app=world["app"])


@coverage.parametrize()
@SHARED_APP
def test_coverage_probes_conform(case, world):
    # Probes about the Authorization header itself keep theirs; the rest authenticate for real.
    if (case.headers or {}).get("Authorization") == "Bearer ":
        caller = "practitioner" if case.operation.label in PRACTITIONER_ONLY else "patient"
        case.headers["Authorization"] = _token(world, caller)
    _send(case, world)


def _pick(data, items: list):
    """One of ``items``, which change as the examples book and cancel: drawing a position rather
    than sampled_from(items) keeps what Hypothesis draws the same when it replays an example."""
    return items[data.draw(st.integers(min_value=0, max_value=2**16), label="pick") % len(items)]


def _aim(case, data, world) -> None:
    """Perhaps point the generated request at real data (see the module notes)."""
    params = case.path_parameters or {}
    if "practitioner_id" in params and data.draw(st.booleans(), label="a real practitioner"):
        params["practitioner_id"] = _pick(data, sorted(db.session.scalars(select(Practitioner.id))))
    if "appointment_id" in params and data.draw(st.booleans(), label="a real appointment"):
        params["appointment_id"] = _pick(data, sorted(db.session.scalars(select(Appointment.id))))
    if not isinstance(case.body, dict):
        return
    label = case.operation.label
    if label == "POST /tokens" and data.draw(st.booleans(), label="the real login"):
        case.body.update(email=world["patient"].email, password=PASSWORD)
    if label == "POST /appointments":
        aim = data.draw(st.sampled_from(["book a free slot", "a free slot", "as generated"]), label="aim")
        if aim != "as generated":
            now = datetime.now(timezone.utc)
            free = scheduling.free_slots(world["mei"], start=now.date(), days=14, now=now)
            slot = _pick(data, free)
            case.body.update(practitioner_id=world["mei"].id, clinic_id=slot.clinic_id,
                             start=slot.start.isoformat(), kind=slot.kind.value)
            if aim == "book a free slot":
                case.body["intake"] = INTAKE


@fuzzing.parametrize()
@fuzzing.given(data=st.data())
@SHARED_APP
def test_fuzzed_requests_conform(case, data, world):
    _aim(case, data, world)
    # The caller the operation is meant for first: Hypothesis draws early choices more often.
    expected = "practitioner" if case.operation.label in PRACTITIONER_ONLY else "patient"
    callers = [expected, *{"patient", "practitioner"} - {expected}, "nobody", "as generated"]
    caller = data.draw(st.sampled_from(callers), label="caller")
    if caller != "as generated":
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        if caller != "nobody":
            case.headers["Authorization"] = _token(world, caller)
    _send(case, world)
