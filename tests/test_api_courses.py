"""Course API: propose, proposal, book all-or-none (idempotent), check-in, outcomes; and who
may call each. Every answer is checked against the OpenAPI document."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import Appointment, AppointmentKind, Role
from directory.services.accounts import api_tokens
from tests import factories
from tests.api_contract import bearer, call, error_code
from tests.booking_fixtures import patient, practitioner_with_hours, request, seen_before
from tests.course_fixtures import GOALS, PLAN

COURSES = "/api/v1/courses"


def auth(user) -> dict:
    return bearer(api_tokens.create_token(user)[0])


@pytest.fixture
def world(app):
    """A practitioner (open daily) who has seen the patient; another practitioner, patient and an admin.
    The clock is real here: the seen-before visit is a month ago."""
    from datetime import datetime, timezone
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    doc = practitioner_with_hours(horizon_days=90)
    other_doc = practitioner_with_hours()
    alice, bob = patient(), patient()
    origin = seen_before(alice, doc, now=now)
    admin = factories.create_user(role=Role.ADMIN)
    db.session.commit()
    return {"doc": doc, "origin": origin, "alice": alice,
            "auth": {name: auth(user) for name, user in
                     {"doc": doc.user, "other_doc": other_doc.user, "alice": alice, "bob": bob,
                      "admin": admin}.items()}}


def propose(client, world, expected=201, **changes):
    body = {**PLAN, "appointment_id": world["origin"].id, **changes}
    return call(client, "POST", COURSES, expected, json=body, headers=world["auth"]["doc"])


def proposal(client, world, course_id):
    return call(client, "GET", f"{COURSES}/{course_id}/proposal", 200, headers=world["auth"]["alice"])["slots"]


def starts_of(slots):
    return [s["start"] or s["alternatives"][0]["start"] for s in slots]


def book(client, world, course_id, starts, expected=201, **headers):
    return call(client, "POST", f"{COURSES}/{course_id}/book", expected, json={"starts": starts},
                headers={**world["auth"]["alice"], **headers})


def answers(pain, score=4):
    return {"pain": pain, "function": [{"activity": g, "score": score} for g in GOALS]}


def test_the_whole_loop_propose_book_check_in_outcomes(client, world):
    course = propose(client, world)
    assert course["status"] == "proposed" and course["sessions"] == 10 and course["review_after"] == 5
    slots = proposal(client, world, course["id"])
    assert [s["session"] for s in slots] == list(range(1, 11))
    booked = book(client, world, course["id"], starts_of(slots))
    assert booked["status"] == "booked"
    assert [a["status"] for a in booked["appointments"]] == ["confirmed"] * 10
    first, second = booked["appointments"][:2]
    call(client, "POST", f"/api/v1/appointments/{first['id']}/check-in", 201, json=answers(7, 3),
         headers=world["auth"]["alice"])
    call(client, "POST", f"/api/v1/appointments/{second['id']}/check-in", 201, json=answers(4, 6),
         headers=world["auth"]["alice"])
    for who in ("alice", "doc"):
        result = call(client, "GET", f"{COURSES}/{course['id']}/outcomes", 200, headers=world["auth"][who])
        assert result["baseline"]["pain"] == 7 and result["pain_change"] == -3 and result["function_change"] == 3
        assert result["meaningful"] is True and [p["session"] for p in result["series"]] == [1, 2]


def test_a_taken_time_is_a_409_naming_the_session_and_nothing_is_booked(client, world):
    course = propose(client, world)
    starts = starts_of(proposal(client, world, course["id"]))
    from datetime import datetime
    # Another returning patient takes session 5's time. Sessions sit on the follow-up grid (a
    # first visit's longer grid meets it only at some hours of the day), so it is a follow-up.
    now = datetime.fromisoformat(starts[0]) - timedelta(days=2)
    other = patient()
    seen_before(other, world["doc"], now=now)
    request(other, world["doc"], datetime.fromisoformat(starts[4]), now=now, kind=AppointmentKind.FOLLOW_UP)
    body = book(client, world, course["id"], starts, 409)
    assert error_code(body) == "slot_taken" and body["error"]["sessions"] == [5]
    assert db.session.scalars(select(Appointment).where(Appointment.course_id == course["id"])).all() == []


def test_a_malformed_or_missing_time_is_a_422_and_nothing_is_booked(client, world):
    course = propose(client, world)
    starts = starts_of(proposal(client, world, course["id"]))
    body = book(client, world, course["id"], starts[:-1] + ["next tuesday"], 422)
    assert error_code(body) == "invalid_slot" and body["error"]["sessions"] == [10]
    body = book(client, world, course["id"], starts[:3], 422)
    assert error_code(body) == "invalid_slot"
    assert db.session.scalars(select(Appointment).where(Appointment.course_id == course["id"])).all() == []


def test_a_repeated_booking_with_the_same_idempotency_key_replays_the_first_answer(client, world):
    course = propose(client, world)
    starts = starts_of(proposal(client, world, course["id"]))
    first = book(client, world, course["id"], starts, **{"Idempotency-Key": "k-1"})
    again = client.post(f"{COURSES}/{course['id']}/book", json={"starts": starts},
                        headers={**world["auth"]["alice"], "Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first
    assert len(db.session.scalars(select(Appointment).where(Appointment.course_id == course["id"])).all()) == 10


@pytest.mark.parametrize("changes, field", [
    ({"sessions": 40}, "sessions"), ({"goals": ["x" * 2000]}, "goals.0"), ({"review_after": 11}, "review_after"),
    ({"goals": []}, "goals"), ({"weeks": 0}, "weeks"),
])
def test_a_bad_plan_is_a_422_naming_the_field(client, world, changes, field):
    body = propose(client, world, 422, **changes)
    assert error_code(body) == "invalid_plan" and body["error"]["field"] == field


def test_pain_11_is_a_422_and_nothing_is_saved(client, world):
    course = propose(client, world)
    booked = book(client, world, course["id"], starts_of(proposal(client, world, course["id"])))
    body = call(client, "POST", f"/api/v1/appointments/{booked['appointments'][0]['id']}/check-in", 422,
                json=answers(11), headers=world["auth"]["alice"])
    assert error_code(body) == "invalid_check_in" and body["error"]["field"] == "pain"


def test_access_matrix_for_every_course_route(client, world):
    course = propose(client, world)
    cid = course["id"]
    booked = book(client, world, cid, starts_of(proposal(client, world, cid)))
    session_id = booked["appointments"][0]["id"]
    routes = [("GET", f"{COURSES}/{cid}", None), ("GET", f"{COURSES}/{cid}/proposal", None),
              ("POST", f"{COURSES}/{cid}/book", {"starts": []}),
              ("POST", f"/api/v1/appointments/{session_id}/check-in", answers(5)),
              ("GET", f"{COURSES}/{cid}/outcomes", None),
              ("POST", COURSES, {**PLAN, "appointment_id": world["origin"].id})]
    for method, path, body in routes:
        assert client.open(path, method=method, json=body).status_code == 401, path
        for stranger in ("bob", "other_doc", "admin"):
            response = client.open(path, method=method, json=body, headers=world["auth"][stranger])
            assert response.status_code == 404, (stranger, path, response.get_data(as_text=True))
    # The practitioner reads the course and its outcomes, but only the patient books and checks in.
    for method, path, body in routes[1:4]:
        assert client.open(path, method=method, json=body, headers=world["auth"]["doc"]).status_code == 404, path
    assert client.get(f"{COURSES}/{cid}", headers=world["auth"]["doc"]).get_json()["goals"] == GOALS
    assert client.post(COURSES, json={**PLAN, "appointment_id": world["origin"].id},
                       headers=world["auth"]["alice"]).status_code == 404
