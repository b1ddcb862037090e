"""Booking API: slots, appointment requests (idempotent), the caller's appointments and their
status changes. Every answer is checked against the OpenAPI document (tests.api_contract)."""
from __future__ import annotations

import json
import re
import threading
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from directory.api import idempotency
from directory.extensions import db
from directory.models import ACTIVE_STATUSES, Appointment, IdempotentRequest, ListingState, Role
from directory.services.accounts import api_tokens
from directory.services.booking import scheduling
from tests.api_contract import bearer, call, check, error_code
from tests.booking_fixtures import seen_before
from tests.helpers_auth import login_as
from tests.factories import create_practitioner, create_user

LA = ZoneInfo("America/Los_Angeles")
APPOINTMENTS = "/api/v1/appointments"
INTAKE = {"reason": "Aching lower back since a move", "pain_duration": "over_1_year", "pain_score": 6,
          "medical_history": "Herniated disc L4-L5", "medications": "Ibuprofen as needed",
          "safety": {"needle_fear": True}, "red_flags": {}}
HEALTH_WORDS = ["Aching", "Herniated", "Ibuprofen", "needle_fear"]


def open_every_day(practitioner) -> None:
    for clinic in practitioner.clinics:
        scheduling.set_weekly_hours(clinic, {day: [(time(9), time(17))] for day in range(7)})


def token_for(user) -> dict:
    return bearer(api_tokens.create_token(user)[0])


@pytest.fixture
def world(app):
    """A listed practitioner open 09:00-17:00 daily in San Francisco, a second one, and two patients."""
    doc = create_practitioner(display_name="Mina Park")
    other = create_practitioner(display_name="Zhou Wei")
    open_every_day(doc)
    open_every_day(other)
    alice, bob = create_user(name="Alice"), create_user(name="Bob")
    db.session.commit()
    return {"doc": doc, "other": other, "alice": alice, "bob": bob,
            "alice_auth": token_for(alice), "bob_auth": token_for(bob),
            "doc_auth": token_for(doc.user), "other_auth": token_for(other.user)}


def la_today() -> date:
    return datetime.now(LA).date()


def slots(client, practitioner_id, expected=200, **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return call(client, "GET", f"/api/v1/practitioners/{practitioner_id}/slots?{query}", expected)


def a_slot(client, practitioner, kind="initial", day_offset=3) -> dict:
    start = (la_today() + timedelta(days=day_offset)).isoformat()
    return slots(client, practitioner.id, start=start, days=1, kind=kind)["slots"][0]


def request_body(practitioner, slot, **changes) -> dict:
    body = {"practitioner_id": practitioner.id, "clinic_id": slot["clinic_id"], "start": slot["start"],
            "kind": slot["kind"], "intake": INTAKE}
    body.update(changes)
    return body


def book(client, auth, body, expected=201, headers=None) -> dict:
    return call(client, "POST", APPOINTMENTS, expected, json=body, headers={**auth, **(headers or {})})


def active_count(practitioner) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Appointment).where(
        Appointment.practitioner_id == practitioner.id, Appointment.status.in_(ACTIVE_STATUSES)))


# --- slots -------------------------------------------------------------------------

def test_slots_contract_in_the_clinic_offset(client, world):
    day = la_today() + timedelta(days=3)
    body = slots(client, world["doc"].id, start=day.isoformat(), days=1)
    starts = [(s["kind"], s["start"][11:16]) for s in body["slots"]]
    assert [t for k, t in starts if k == "initial"] == ["09:00", "10:15", "11:30", "12:45", "14:00", "15:15"]
    assert [t for k, t in starts if k == "follow_up"][:3] == ["09:00", "10:00", "11:00"]
    first = body["slots"][0]
    offset = datetime.combine(day, time(9), LA).strftime("%z")
    assert first["start"] == f"{day.isoformat()}T09:00:00{offset[:3]}:{offset[3:]}"
    assert first["timezone"] == "America/Los_Angeles"
    assert first["clinic_id"] == world["doc"].clinics[0].id
    start, end = datetime.fromisoformat(first["start"]), datetime.fromisoformat(first["end"])
    assert end - start == timedelta(minutes=60 if first["kind"] == "initial" else 45)
    assert [s["start"] for s in body["slots"]] == sorted(s["start"] for s in body["slots"])


def test_slot_filters_and_defaults(client, world):
    doc = world["doc"]
    everything = slots(client, doc.id)["slots"]
    # Default: 14 days from today; the first day is within the 24-hour notice.
    days = {s["start"][:10] for s in everything}
    assert min(days) > la_today().isoformat()
    assert max(days) == (la_today() + timedelta(days=13)).isoformat()
    assert {s["kind"] for s in slots(client, doc.id, kind="follow_up")["slots"]} == {"follow_up"}
    assert slots(client, doc.id, clinic_id=doc.clinics[0].id)["slots"] == everything
    longer = slots(client, doc.id, days=60)["slots"]
    assert len(longer) > len(everything)
    assert slots(client, doc.id, start=(la_today() - timedelta(days=30)).isoformat(), days=5)["slots"] == []


def test_booked_slot_disappears(client, world):
    slot = a_slot(client, world["doc"])
    book(client, world["alice_auth"], request_body(world["doc"], slot))
    day = slot["start"][:10]
    assert slot not in slots(client, world["doc"].id, start=day, days=1)["slots"]


@pytest.mark.parametrize("raw", ["0", "424242", "99999999999999999999", "-1", "abc", "1e3", "%20"])
def test_slots_of_unknown_practitioner_are_404(client, world, raw):
    response = client.get(f"/api/v1/practitioners/{raw}/slots")
    assert response.status_code == 404 and error_code(response.get_json()) == "not_found"


def test_slots_of_unlisted_practitioner_are_404(client, world):
    hidden = create_practitioner(listing_state=ListingState.SUSPENDED)
    open_every_day(hidden)
    assert error_code(slots(client, hidden.id, 404)) == "not_found"


@pytest.mark.parametrize(("field", "value"), [
    ("start", "2026-02-30"), ("start", "20261201"), ("start", "2026-W49-1"), ("start", "tomorrow"),
    ("start", "9999-12-31"), ("start", "0001-01-01"), ("start", "2026-12-01T09:00"),
    ("days", "0"), ("days", "61"), ("days", "-1"), ("days", "1.5"), ("days", "x"), ("days", "9" * 40),
    ("kind", "massage"), ("kind", "INITIAL"), ("clinic_id", "0"), ("clinic_id", "abc"), ("clinic_id", "9" * 30),
])
def test_slot_parameters(client, world, field, value):
    body = slots(client, world["doc"].id, 400, **{field: value})
    assert error_code(body) == "invalid_parameter" and body["error"]["field"] == field


def test_slots_at_another_practitioners_clinic(client, world):
    body = slots(client, world["doc"].id, 400, clinic_id=world["other"].clinics[0].id)
    assert body["error"]["field"] == "clinic_id"


# --- requesting --------------------------------------------------------------------

def test_request_contract(client, world):
    doc, slot = world["doc"], a_slot(client, world["doc"])
    response = client.post(APPOINTMENTS, json=request_body(doc, slot), headers=world["alice_auth"])
    body = check(response, "POST", APPOINTMENTS)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    assert response.headers["Location"] == body["links"]["self"]
    assert body["status"] == "requested"
    assert (body["start"], body["kind"], body["clinic_id"]) == (slot["start"], "initial", slot["clinic_id"])
    assert body["end"] == slot["end"] and body["practitioner_id"] == doc.id
    assert body["timezone"] == "America/Los_Angeles" and body["hold_expires_at"].endswith("Z")
    assert body["links"]["cancel"] and body["links"]["confirm"] is None and body["links"]["decline"] is None
    assert not any(word in json.dumps(body) for word in HEALTH_WORDS)
    assert call(client, "GET", body["links"]["self"], 200, headers=world["alice_auth"]) == body


def test_start_may_use_any_offset(client, world):
    seen_before(world["alice"], world["doc"], datetime.now(timezone.utc))
    slot = a_slot(client, world["doc"], kind="follow_up")
    utc = datetime.fromisoformat(slot["start"]).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    body = book(client, world["alice_auth"], request_body(world["doc"], slot, start=utc))
    assert body["start"] == slot["start"] and body["kind"] == "follow_up"


def test_slot_taken_gives_fresh_slots(client, world):
    doc, slot = world["doc"], a_slot(client, world["doc"])
    book(client, world["alice_auth"], request_body(doc, slot))
    body = book(client, world["bob_auth"], request_body(doc, slot), 409)
    assert error_code(body) == "slot_taken"
    fresh = body["error"]["details"]["fresh_slots"]
    assert fresh and slot not in fresh and all(s["kind"] == "initial" for s in fresh)
    assert active_count(doc) == 1


def test_invalid_intake_lists_every_field(client, world):
    doc, slot = world["doc"], a_slot(client, world["doc"])
    intake = {**INTAKE, "reason": "", "pain_score": 11, "safety": {"tattoos": True}}
    body = book(client, world["alice_auth"], request_body(doc, slot, intake=intake), 422)
    assert error_code(body) == "invalid_intake"
    assert {d["field"] for d in body["error"]["details"]} == {"intake.reason", "intake.pain_score",
                                                              "intake.safety"}
    assert active_count(doc) == 0


def test_red_flag_stops_the_request(client, world):
    doc, slot = world["doc"], a_slot(client, world["doc"])
    intake = {**INTAKE, "red_flags": {"saddle_numbness": True}}
    body = book(client, world["alice_auth"], request_body(doc, slot, intake=intake), 422)
    assert error_code(body) == "red_flag"
    assert "urgent medical care" in body["error"]["message"]
    assert [d["message"] for d in body["error"]["details"]] == [
        "Numbness in the groin, buttocks or inner thighs (saddle area)"]
    assert active_count(doc) == 0


def test_invalid_slots(client, world):
    doc, other, auth = world["doc"], world["other"], world["alice_auth"]
    seen_before(world["alice"], doc, datetime.now(timezone.utc))  # so that follow-ups are hers to request
    slot = a_slot(client, doc)
    start = datetime.fromisoformat(slot["start"])
    draft = create_practitioner(listing_state=ListingState.DRAFT)
    open_every_day(draft)
    today_nine = datetime.combine(la_today(), time(9), LA).isoformat()
    far = datetime.combine(la_today() + timedelta(days=70), time(9), LA).isoformat()
    cases = [
        (request_body(doc, slot, start=(start + timedelta(minutes=5)).isoformat()), "start"),
        (request_body(doc, slot, kind="follow_up", start=(start + timedelta(minutes=75)).isoformat()), "start"),
        (request_body(doc, slot, start=today_nine), "start"),          # within the minimum notice
        (request_body(doc, slot, start=far), "start"),                 # beyond the horizon
        (request_body(doc, slot, start="2999-01-01T09:00:00Z"), "start"),
        (request_body(doc, slot, start="9999-12-31T23:30:00+00:00"), "start"),
        (request_body(doc, slot, start="0001-01-01T00:00:00Z"), "start"),
        (request_body(doc, slot, clinic_id=other.clinics[0].id), "clinic_id"),
        (request_body(doc, slot, practitioner_id=draft.id, clinic_id=draft.clinics[0].id), "practitioner_id"),
        (request_body(doc, slot, practitioner_id=2_000_000_000), "practitioner_id"),
    ]
    for body, field in cases:
        result = book(client, auth, body, 422)
        assert error_code(result) == "invalid_slot" and result["error"]["field"] == field, body
    assert active_count(doc) == 0 and active_count(draft) == 0


BAD_FIELDS = [
    ("practitioner_id", None), ("practitioner_id", "1"), ("practitioner_id", True), ("practitioner_id", 1.0),
    ("practitioner_id", 10**30), ("practitioner_id", -4), ("clinic_id", []), ("clinic_id", 0),
    ("start", None), ("start", 20261201), ("start", "2026-12-01T09:00:00"), ("start", "2026-12-01"),
    ("start", "2026-02-30T09:00:00Z"), ("start", "9999-12-31T23:59:59-14:00"),
    ("start", "0001-01-01T00:00:00+14:00"), ("start", "next tuesday"), ("start", "2026-12-01T09:00:00Z" + "0" * 50),
    ("kind", "massage"), ("kind", None), ("kind", ["initial"]), ("intake", "missing"),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS)
def test_malformed_fields(client, world, field, value):
    slot = a_slot(client, world["doc"])
    body = request_body(world["doc"], slot)
    if value == "missing":
        del body[field]
    else:
        body[field] = value
    result = book(client, world["alice_auth"], body, 400)
    assert error_code(result) == "invalid_parameter" and result["error"]["field"] == field


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b"null", b"\xc3\x28", b'{"a": Infinity}',
                                 b"{" * 3000 + b"}" * 3000])
def test_malformed_bodies(client, world, raw):
    result = call(client, "POST", APPOINTMENTS, 400, data=raw, content_type="application/json",
                  headers=world["alice_auth"])
    assert error_code(result) == "invalid_parameter" and result["error"]["field"] == "body"


def test_a_nul_anywhere_in_the_body_is_refused_naming_its_field(client, world):
    result = call(client, "POST", APPOINTMENTS, 400, data=b'{"practitioner_id": 1, "x": "\\u0000"}',
                  content_type="application/json", headers=world["alice_auth"])
    assert error_code(result) == "invalid_parameter" and result["error"]["field"] == "x"


def test_nul_in_intake_is_refused(client, world):
    slot = a_slot(client, world["doc"])
    body = request_body(world["doc"], slot, intake={**INTAKE, "reason": "back\x00pain"})
    assert book(client, world["alice_auth"], body, 400)["error"]["field"] == "intake.reason"


@pytest.mark.parametrize("score", ["9" * 5000, "²", "١٠"])
def test_odd_pain_score_strings(client, world, score):
    slot = a_slot(client, world["doc"])
    body = request_body(world["doc"], slot, intake={**INTAKE, "pain_score": score})
    assert error_code(book(client, world["alice_auth"], body, 422)) == "invalid_intake"


def test_requests_need_a_patient_token(client, world):
    slot = a_slot(client, world["doc"])
    body = request_body(world["doc"], slot)
    assert error_code(call(client, "POST", APPOINTMENTS, 401, json=body)) == "authentication_required"
    assert error_code(book(client, bearer("forged"), body, 401)) == "invalid_token"
    assert error_code(book(client, world["other_auth"], body, 403)) == "forbidden"
    assert active_count(world["doc"]) == 0


# --- idempotency -------------------------------------------------------------------

def test_replay_returns_the_first_answer(client, world):
    doc, slot = world["doc"], a_slot(client, world["doc"])
    key = {"Idempotency-Key": "5f0c2c1e-8d5e-4c57-9f3e-2f1c8f7b9a10"}
    first = book(client, world["alice_auth"], request_body(doc, slot), headers=key)
    response = client.post(APPOINTMENTS, json=request_body(doc, slot), headers={**world["alice_auth"], **key})
    assert response.status_code == 201 and response.headers["Idempotent-Replayed"] == "true"
    assert check(response, "POST", APPOINTMENTS) == first
    assert response.headers["Location"] == first["links"]["self"]
    assert active_count(doc) == 1
    stored = db.session.scalars(select(IdempotentRequest)).one()
    # No health data in what is kept for replays.
    assert stored.response == first and not any(w in json.dumps(stored.response) for w in HEALTH_WORDS)
    # The same key with another request is refused; another user's key is their own.
    other = request_body(doc, a_slot(client, doc, day_offset=4))
    assert error_code(book(client, world["alice_auth"], other, 422, headers=key)) == "idempotency_mismatch"
    book(client, world["bob_auth"], other, 201, headers=key)


def test_replayed_conflict_and_unstored_outcomes(client, world):
    doc, slot = world["doc"], a_slot(client, world["doc"])
    book(client, world["alice_auth"], request_body(doc, slot))
    key = {"Idempotency-Key": "bob-1"}
    first = book(client, world["bob_auth"], request_body(doc, slot), 409, headers=key)
    assert book(client, world["bob_auth"], request_body(doc, slot), 409, headers=key) == first
    # Intake outcomes follow from the body alone: not stored, the key stays free.
    red = request_body(doc, slot, intake={**INTAKE, "red_flags": {"fever": True}})
    book(client, world["bob_auth"], red, 422, headers={"Idempotency-Key": "bob-2"})
    assert db.session.scalar(select(IdempotentRequest).where(IdempotentRequest.key == "bob-2")) is None


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve", "tab\there"])
def test_malformed_idempotency_key(client, world, key):
    slot = a_slot(client, world["doc"])
    body = book(client, world["alice_auth"], request_body(world["doc"], slot), 400,
                headers={"Idempotency-Key": key})
    assert body["error"]["field"] == "Idempotency-Key"


# --- the caller's appointments and changes -----------------------------------------

@pytest.fixture
def requested(client, world):
    slot = a_slot(client, world["doc"])
    return book(client, world["alice_auth"], request_body(world["doc"], slot))


def test_lists_show_only_ones_own(client, world, requested):
    book(client, world["bob_auth"], request_body(world["doc"], a_slot(client, world["doc"], day_offset=5)))
    earlier = book(client, world["alice_auth"], request_body(world["doc"], a_slot(client, world["doc"],
                                                                                  day_offset=2)))
    mine = call(client, "GET", APPOINTMENTS, 200, headers=world["alice_auth"])["appointments"]
    assert [a["id"] for a in mine] == [earlier["id"], requested["id"]]  # by start
    inbox = call(client, "GET", APPOINTMENTS, 200, headers=world["doc_auth"])["appointments"]
    assert len(inbox) == 3 and inbox[1]["id"] == requested["id"]
    assert inbox[0]["links"]["confirm"] and inbox[0]["links"]["decline"]
    assert call(client, "GET", APPOINTMENTS, 200, headers=world["other_auth"])["appointments"] == []
    assert call(client, "GET", APPOINTMENTS + "?status=confirmed", 200,
                headers=world["doc_auth"])["appointments"] == []
    assert call(client, "GET", APPOINTMENTS + "?status=weird", 400, headers=world["doc_auth"])["error"][
        "field"] == "status"


def test_other_peoples_appointments_are_404(client, world, requested):
    url = requested["links"]["self"]
    for auth in (world["bob_auth"], world["other_auth"]):
        assert error_code(call(client, "GET", url, 404, headers=auth)) == "not_found"
        assert error_code(call(client, "POST", url + "/cancel", 404, headers=auth)) == "not_found"
    for action in ("confirm", "decline"):
        call(client, "POST", f"{url}/{action}", 404, headers=world["other_auth"], json={"message": "No"})
    for raw in ("0", "999999", "abc", "9" * 30):
        call(client, "GET", f"{APPOINTMENTS}/{raw}", 404, headers=world["alice_auth"])
    assert active_count(world["doc"]) == 1


def test_confirm(client, world, requested):
    url = requested["links"]["self"]
    assert error_code(call(client, "POST", url + "/confirm", 403, headers=world["alice_auth"])) == "forbidden"
    body = call(client, "POST", url + "/confirm", 200, headers=world["doc_auth"])
    assert body["status"] == "confirmed" and body["hold_expires_at"] is None
    assert body["links"]["confirm"] is None and body["links"]["cancel"]
    assert error_code(call(client, "POST", url + "/confirm", 409, headers=world["doc_auth"])) == "invalid_state"
    assert error_code(call(client, "POST", url + "/decline", 409, headers=world["doc_auth"],
                           json={"message": "Sorry"})) == "invalid_state"
    assert call(client, "GET", url, 200, headers=world["alice_auth"])["status"] == "confirmed"


def test_confirm_after_the_hold_expired(client, world, requested):
    appointment = db.session.get(Appointment, requested["id"])
    appointment.hold_expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.session.commit()
    url = requested["links"]["self"]
    assert error_code(call(client, "POST", url + "/confirm", 409, headers=world["doc_auth"])) == "invalid_state"


def test_a_lapsed_hold_reads_as_expired_before_the_job_runs(client, world, requested):
    appointment = db.session.get(Appointment, requested["id"])
    appointment.hold_expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.session.commit()
    url = requested["links"]["self"]
    for auth in (world["doc_auth"], world["alice_auth"]):
        body = call(client, "GET", url, 200, headers=auth)
        assert body["status"] == "expired" and body["hold_expires_at"] is None
        assert body["links"] == {**body["links"], "confirm": None, "decline": None, "cancel": None}

    def listed(status, auth):
        return [a["id"] for a in call(client, "GET", f"{APPOINTMENTS}?status={status}", 200,
                                      headers=world[auth])["appointments"]]
    for auth in ("doc_auth", "alice_auth"):
        assert listed("expired", auth) == [requested["id"]] and listed("requested", auth) == []


@pytest.mark.parametrize("body", [None, {}, {"message": ""}, {"message": "   "}, {"message": 5},
                                  {"message": "x" * 2001}])
def test_decline_needs_a_message(client, world, requested, body):
    url = requested["links"]["self"] + "/decline"
    kwargs = {} if body is None else {"json": body}
    result = call(client, "POST", url, 400, headers=world["doc_auth"], **kwargs)
    assert result["error"]["field"] in {"message", "body"}


def test_decline(client, world, requested):
    url = requested["links"]["self"]
    body = call(client, "POST", url + "/decline", 200, headers=world["doc_auth"],
                json={"message": "I am away that week; try the week after."})
    assert body["status"] == "declined" and body["decline_message"].startswith("I am away")
    assert body["links"] == {**body["links"], "cancel": None, "confirm": None, "decline": None}
    assert active_count(world["doc"]) == 0


def test_patient_cancels(client, world, requested):
    url = requested["links"]["self"] + "/cancel"
    assert call(client, "POST", url, 200, headers=world["alice_auth"], json={"reason": "Feeling better"})[
        "status"] == "cancelled"
    assert error_code(call(client, "POST", url, 409, headers=world["alice_auth"])) == "invalid_state"
    assert active_count(world["doc"]) == 0


def test_practitioner_cancels_without_a_body(client, world, requested):
    call(client, "POST", requested["links"]["self"] + "/confirm", 200, headers=world["doc_auth"])
    body = call(client, "POST", requested["links"]["self"] + "/cancel", 200, headers=world["doc_auth"])
    assert body["status"] == "cancelled"


def test_patient_cannot_cancel_after_the_cut_off(app, client, world, requested):
    call(client, "POST", requested["links"]["self"] + "/confirm", 200, headers=world["doc_auth"])
    app.config["CANCEL_CUTOFF_HOURS"] = 24 * 365
    assert call(client, "GET", requested["links"]["self"], 200, headers=world["alice_auth"])["links"][
        "cancel"] is None
    assert error_code(call(client, "POST", requested["links"]["self"] + "/cancel", 409,
                           headers=world["alice_auth"])) == "invalid_state"


def test_cancel_reason_is_checked(client, world, requested):
    url = requested["links"]["self"] + "/cancel"
    for body in ({"reason": 7}, {"reason": "x" * 1001}):
        assert call(client, "POST", url, 400, headers=world["alice_auth"], json=body)["error"]["field"] == "reason"
    call(client, "POST", url, 400, headers=world["alice_auth"], data=b"{", content_type="application/json")


def test_admin_has_no_appointments(client, world):
    admin = create_user(role=Role.ADMIN)
    db.session.commit()
    assert error_code(call(client, "GET", APPOINTMENTS, 403, headers=token_for(admin))) == "forbidden"


# --- rate limit, concurrency, fuzzing ----------------------------------------------

@pytest.fixture
def limited(make_app):
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", BOOKING_RATE_LIMIT="2 per minute")


def test_booking_requests_are_rate_limited(limited):
    client, patient = limited.test_client(), create_user()
    db.session.commit()
    auth = token_for(patient)
    for _ in range(2):
        book(client, auth, {}, 400)
    assert error_code(book(client, auth, {}, 429)) == "rate_limited"
    # Reading is not limited.
    call(client, "GET", APPOINTMENTS, 200, headers=auth)


def test_twenty_patients_race_for_one_slot(app, world):
    doc, slot = world["doc"], a_slot(app.test_client(), world["doc"])
    patients = [create_user() for _ in range(20)]
    db.session.commit()
    tokens = [token_for(p) for p in patients]
    body = request_body(doc, slot)  # built here: ORM objects belong to this thread's session
    barrier = threading.Barrier(len(tokens))
    results: list = [None] * len(tokens)

    def attempt(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(APPOINTMENTS, json=body, headers=tokens[n])
        results[n] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 19, results
    assert all(body["error"]["code"] == "slot_taken" for status, body in results if status == 409)
    assert active_count(doc) == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**40, max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)
FIELDS = ["practitioner_id", "clinic_id", "start", "kind", "intake"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5),
       intake=st.dictionaries(st.sampled_from(list(INTAKE) + ["x"]), json_values, max_size=7))
def test_fuzzed_requests_never_fail(client, world, changes, intake):
    slot = a_slot(client, world["doc"])
    body = {**request_body(world["doc"], slot, intake={**INTAKE, **intake}), **changes}
    response = client.post(APPOINTMENTS, json=body, headers=world["bob_auth"])
    assert response.status_code in (201, 400, 409, 422), response.get_data(as_text=True)
    check(response, "POST", APPOINTMENTS)
    if response.status_code == 201:
        call(client, "POST", response.get_json()["links"]["self"] + "/cancel", 200, headers=world["bob_auth"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(["start", "days", "kind", "clinic_id", "x"]),
                              st.text(max_size=20), max_size=4))
def test_fuzzed_slot_queries_never_fail(client, world, params):
    response = client.get(f"/api/v1/practitioners/{world['doc'].id}/slots", query_string=params)
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    check(response, "GET", f"/api/v1/practitioners/{world['doc'].id}/slots")


def test_practitioner_not_accepting_new_patients_offers_follow_ups_only(client, world):
    doc = world["doc"]
    doc.accepting_new_patients = False
    db.session.commit()
    day = (la_today() + timedelta(days=3)).isoformat()
    offered = slots(client, doc.id, start=day, days=1)["slots"]
    assert offered and {s["kind"] for s in offered} == {"follow_up"}
    assert slots(client, doc.id, start=day, days=1, kind="initial")["slots"] == []
    start = datetime.combine(la_today() + timedelta(days=3), time(9), LA).isoformat()
    body = request_body(doc, offered[0], kind="initial", start=start)
    result = book(client, world["alice_auth"], body, 422)
    assert error_code(result) == "invalid_slot" and result["error"]["field"] == "kind"
    # A follow-up is for a patient the practitioner has seen: not for Alice yet.
    result = book(client, world["alice_auth"], request_body(doc, offered[0]), 422)
    assert error_code(result) == "invalid_slot" and result["error"]["field"] == "kind"
    assert active_count(doc) == 0
    seen_before(world["alice"], doc, datetime.now(timezone.utc))
    book(client, world["alice_auth"], request_body(doc, offered[0]))


PUBLIC_API = {"api.practitioners", "api.practitioner", "api.openapi", "api.slots", "api.create_token",
              "api.practitioner_reviews"}


def test_a_session_cookie_opens_no_token_route(app, client, world, requested):
    """The API is exempt from CSRF: only a bearer token may authenticate it, never a cookie."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")
             and r.endpoint not in PUBLIC_API]
    assert {r.endpoint for r in rules} == {
        "api.revoke_token", "api.request_appointment", "api.appointments", "api.appointment",
        "api.appointment_cancel", "api.appointment_confirm", "api.appointment_decline",
        "api.course_create", "api.course", "api.course_proposal", "api.course_book",
        "api.appointment_check_in", "api.course_outcomes", "api.report_reaction", "api.reactions",
        "api.mark_attendance", "api.write_review"}
    for user in (world["alice"], world["doc"].user):
        login_as(client, user)
        for rule in rules:
            url = rule.rule.replace("<appointment_id>", str(requested["id"])).replace("<course_id>", "1")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                response = client.open(url, method=method, json={"message": "No", **request_body(
                    world["doc"], a_slot(client, world["doc"], day_offset=6))})
                assert response.status_code == 401, (method, url)
                assert error_code(check(response, method, url)) == "authentication_required"
    assert active_count(world["doc"]) == 1


def test_every_api_route_is_documented(app, client):
    doc = call(client, "GET", "/api/v1/openapi.json", 200)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            methods = {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}
            assert methods <= set(doc["paths"][path]), path
            for method in methods:
                operation = doc["paths"][path][method]
                assert (operation.get("security") == [{"bearerAuth": []}]) == \
                    (rule.endpoint not in PUBLIC_API), path
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_a_claim_in_progress_is_not_booked_twice(client, world):
    doc, slot = world["doc"], a_slot(client, world["doc"])
    body = request_body(doc, slot)
    alice = world["alice"]
    with client.application.test_request_context("/api/v1/appointments", method="POST"):
        digest = idempotency.request_hash(body)
    db.session.add(IdempotentRequest(user_id=alice.id, key="k1", request_hash=digest, status_code=0,
                                     response={}, created_at=datetime.now(timezone.utc)))
    db.session.commit()
    result = book(client, world["alice_auth"], body, 409, headers={"Idempotency-Key": "k1"})
    assert error_code(result) == "idempotency_in_progress" and active_count(doc) == 0
    # A claim left behind by a request that died is taken over after a while.
    row = db.session.scalars(select(IdempotentRequest)).one()
    row.created_at = datetime.now(timezone.utc) - timedelta(minutes=3)
    db.session.commit()
    first = book(client, world["alice_auth"], body, 201, headers={"Idempotency-Key": "k1"})
    assert book(client, world["alice_auth"], body, 201, headers={"Idempotency-Key": "k1"}) == first
    assert active_count(doc) == 1


class WorkerKilled(BaseException):
    """Stands for a SIGKILL: nothing in the app handles it."""


def test_a_crash_after_the_booking_leaves_its_answer_stored(client, world, monkeypatch):
    # A worker killed between the booking's commit and storing the answer (bench/storm.py
    # --kill-worker) must not leave the key claimed with no answer while the appointment exists:
    # the retry would be told "in progress", then "slot taken" for the patient's own slot.
    doc, slot = world["doc"], a_slot(client, world["doc"])
    body, key = request_body(doc, slot), {"Idempotency-Key": "k-crash"}

    def killed(*_args) -> None:
        raise WorkerKilled()

    monkeypatch.setattr(idempotency, "finish", killed)
    with pytest.raises(WorkerKilled):
        client.post(APPOINTMENTS, json=body, headers={**world["alice_auth"], **key})
    monkeypatch.undo()
    assert active_count(doc) == 1
    replay = client.post(APPOINTMENTS, json=body, headers={**world["alice_auth"], **key})
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["id"] == db.session.scalars(select(Appointment.id)).one()


def test_concurrent_copies_of_one_request_book_once(app, world):
    doc, slot = world["doc"], a_slot(app.test_client(), world["doc"])
    body, auth = request_body(doc, slot), {**world["alice_auth"], "Idempotency-Key": "same"}
    barrier, results = threading.Barrier(5), []

    def attempt() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(APPOINTMENTS, json=body, headers=auth)
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=attempt) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created = [b for status, b in results if status == 201]
    assert created and all(b == created[0] for b in created), results
    assert all(b["error"]["code"] == "idempotency_in_progress" for status, b in results if status == 409)
    assert {status for status, _ in results} <= {201, 409}
    assert active_count(doc) == 1
