"""Course pages: propose, read the plan, book it, check in, see progress; and only that patient
and that practitioner get in (a 404 for everyone else, admins included)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import Appointment, AuditEvent, CheckIn, Course, Role
from tests import factories
from tests.booking_fixtures import patient, practitioner_with_hours, seen_before
from tests.course_fixtures import GOALS, PLAN
from tests.helpers_auth import login_as, logout
from directory.services.courses import plans, series


@pytest.fixture
def world(app):
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    doc = practitioner_with_hours(horizon_days=90)
    alice = patient(name="Alice Moreno")
    origin = seen_before(alice, doc, now=now)
    strangers = {"bob": patient(), "other_doc": practitioner_with_hours().user,
                 "admin": factories.create_user(role=Role.ADMIN)}
    db.session.commit()
    return {"doc": doc, "alice": alice, "origin": origin, **strangers}


def form_for_plan(**changes):
    return {"sessions": "10", "weeks": "7", "review_after": "5", "goal_1": GOALS[0], "goal_2": GOALS[1],
            "goal_3": GOALS[2], "advice": PLAN["advice"], **changes}


def propose(client, world) -> Course:
    login_as(client, world["doc"].user)
    response = client.post(f"/courses/new/{world['origin'].id}",
                           data={**form_for_plan(), "clinic": str(world["origin"].clinic_id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    logout(client)
    return db.session.scalars(select(Course)).one()


def book(client, world, course) -> list[Appointment]:
    login_as(client, world["alice"])
    page = client.get(f"/courses/{course.id}/book").get_data(as_text=True)
    chosen = {name: value for name, value in re.findall(r'<input checked id="[^"]+" name="(session_\d+)"[^>]*value="([^"]+)"', page)}
    assert len(chosen) == 10, page
    assert client.post(f"/courses/{course.id}/book", data=chosen).status_code == 302
    return series.sessions_of(course)


def check_in(client, session_id, pain, score, **extra):
    data = {"pain": str(pain), **{f"goal_{i}": str(score) for i in range(3)}, **extra}
    return client.post(f"/appointments/{session_id}/check-in", data=data)


def test_practitioner_proposes_and_patient_books_checks_in_and_sees_progress(client, world):
    course = propose(client, world)
    login_as(client, world["alice"])
    plan_page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "about half of the patients reached a meaningful improvement" in plan_page
    assert "session 5" in plan_page and GOALS[0] in plan_page and "Book all 10 sessions" in plan_page
    sessions = book(client, world, course)
    assert [a.course_session for a in sessions] == list(range(1, 11))
    assert check_in(client, sessions[0].id, 7, 3).status_code == 302
    assert check_in(client, sessions[1].id, 4, 6).status_code == 302
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "Your pain is 3 points (43%) lower than when you started — a meaningful improvement." in page
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and svg.count("<polyline") == 2 and "<rect" in svg
    table = re.findall(r"<tr><th scope=\"row\">(\d)[^<]*</th><td>[^<]*</td><td>(\d+)</td><td>([\d.]+)</td>", page)
    assert table == [("1", "7", "3"), ("2", "4", "6")]
    login_as(client, world["doc"].user)
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "The patient&#39;s pain is 3 points (43%) lower" in page and "No check-ins due yet" in page


def test_a_pain_of_11_is_refused_beside_the_field(client, world):
    course = propose(client, world)
    sessions = book(client, world, course)
    response = check_in(client, sessions[0].id, 11, 3)
    assert response.status_code == 400
    assert 'id="pain-error"' in response.get_data(as_text=True)
    assert db.session.scalars(select(CheckIn)).all() == []


def test_an_activity_of_2000_characters_is_refused_beside_the_field(client, world):
    login_as(client, world["doc"].user)
    response = client.post(f"/courses/new/{world['origin'].id}",
                           data={**form_for_plan(goal_1="x" * 2000), "clinic": str(world["origin"].clinic_id)})
    assert response.status_code == 400 and 'id="goal_1-error"' in response.get_data(as_text=True)
    assert db.session.scalars(select(Course)).all() == []


def test_only_that_patient_and_that_practitioner_get_in(client, world):
    course = propose(client, world)
    sessions = book(client, world, course)
    logout(client)
    urls = [("GET", f"/courses/{course.id}"), ("GET", f"/courses/{course.id}/book"),
            ("POST", f"/courses/{course.id}/book"), ("GET", f"/appointments/{sessions[0].id}/check-in"),
            ("POST", f"/appointments/{sessions[0].id}/check-in"), ("POST", f"/courses/{course.id}/decision"),
            ("GET", f"/courses/new/{world['origin'].id}"), ("POST", f"/courses/new/{world['origin'].id}")]
    for method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for name in ("bob", "other_doc", "admin"):
        login_as(client, world[name])
        for method, url in urls:
            assert client.open(url, method=method, data={"pain": "3", "decision": "stop"}).status_code == 404, \
                (name, url)
        listing = client.get("/courses")
        assert listing.status_code == 404 if name == "admin" else f'/courses/{course.id}"' not in listing.get_data(
            as_text=True)
    # The practitioner may not book or check in for the patient; the patient may not decide.
    login_as(client, world["doc"].user)
    for method, url in urls[1:5]:
        assert client.open(url, method=method).status_code == 404, url
    login_as(client, world["alice"])
    assert client.post(f"/courses/{course.id}/decision", data={"decision": "stop"}).status_code == 404
    assert db.session.scalars(select(CheckIn)).all() == []
    denied_reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "course.read")).all()
    assert {e.actor_id for e in denied_reads} <= {world["alice"].id, world["doc"].user_id}


def test_my_appointments_links_each_session_to_its_check_in(client, world):
    course = propose(client, world)
    sessions = book(client, world, course)
    page = client.get("/appointments").get_data(as_text=True)
    assert f"/appointments/{sessions[0].id}/check-in" in page


def test_the_practitioner_stops_the_course_at_review_and_the_rest_is_cancelled(client, world):
    course = propose(client, world)
    book(client, world, course)
    login_as(client, world["doc"].user)
    response = client.post(f"/courses/{course.id}/decision", data={"decision": "stop", "reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert {a.status.value for a in series.sessions_of(course)} == {"cancelled"}
    assert plans.course_for(course.id, world["doc"].user).status.value == "stopped"
