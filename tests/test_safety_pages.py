"""Reaction reports, attendance and reviews through the pages, with every role trying."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import AppointmentStatus, ReactionReport, Role
from directory.services.safety import reports
from tests.booking_fixtures import seen_before
from tests.factories import create_practitioner, create_user
from tests.helpers_auth import login_as, logout

NOTES = "Sharp pain breathing in, Warfarinex"


@pytest.fixture
def world(app):
    doc, other = create_practitioner(display_name="Mina Park"), create_practitioner(display_name="Zhou Wei")
    alice, bob = create_user(name="Alice Moreno"), create_user(name="Bob Stone")
    admin = create_user(role=Role.ADMIN)
    db.session.commit()
    now = datetime.now(timezone.utc)
    recent = seen_before(alice, doc, now=now + timedelta(days=29))  # ended a day ago, unmarked
    recent.status = AppointmentStatus.CONFIRMED
    attended = seen_before(alice, doc, now=now)                       # completed a month ago
    db.session.commit()
    return {"doc": doc, "other": other, "alice": alice, "bob": bob, "admin": admin,
            "recent": recent, "attended": attended}


def urgent_report(client, world) -> ReactionReport:
    login_as(client, world["alice"])
    response = client.post(f"/appointments/{world['recent'].id}/reaction", data={
        "symptom_chest_pain_breathless": "mild", "symptom_bruising_bleeding": "mild", "notes": NOTES})
    assert response.status_code == 302
    logout(client)
    return db.session.scalars(select(ReactionReport)).one()


def test_the_patient_sees_urgent_advice_before_anything_else(client, world):
    login_as(client, world["alice"])
    page = client.get(f"/appointments/{world['recent'].id}/reaction")
    assert page.status_code == 200 and "Chest pain or shortness of breath" in page.get_data(as_text=True)
    response = client.post(f"/appointments/{world['recent'].id}/reaction",
                           data={"symptom_chest_pain_breathless": "moderate", "notes": NOTES}, follow_redirects=True)
    html = response.get_data(as_text=True)
    main = html[html.index('id="main"'):]
    assert main.index("Seek care now") < main.index("911") < main.index("What you reported")


def test_nothing_to_report_is_one_tap(client, world):
    login_as(client, world["alice"])
    response = client.post(f"/appointments/{world['recent'].id}/reaction", data={"nothing": "1"},
                           follow_redirects=True)
    assert "nothing to report" in response.get_data(as_text=True).lower()
    assert db.session.scalars(select(ReactionReport.level)).one().value == "none"


def test_an_unknown_severity_is_a_form_error_and_nothing_is_stored(client, world):
    login_as(client, world["alice"])
    response = client.post(f"/appointments/{world['recent'].id}/reaction", data={"symptom_nausea": "awful"})
    assert response.status_code == 400 and db.session.scalars(select(ReactionReport)).all() == []


def test_nobody_else_reads_or_files_a_report(client, world):
    report = urgent_report(client, world)
    login_as(client, world["bob"])
    assert client.get(f"/appointments/{world['recent'].id}/reaction").status_code == 404
    assert client.get(f"/appointments/{world['recent'].id}/reactions/{report.id}").status_code == 404
    login_as(client, world["other"].user)
    assert client.get(f"/practice/safety/{report.id}").status_code == 404
    assert NOTES not in client.get("/practice/safety").get_data(as_text=True)
    login_as(client, world["admin"])
    assert client.get(f"/practice/safety/{report.id}").status_code == 403
    queue_page = client.get("/admin/safety").get_data(as_text=True)
    assert "Alice Moreno" in queue_page and NOTES not in queue_page and "Warfarinex" not in queue_page


def test_the_practitioner_acknowledges_and_the_admin_closes_the_item(client, world):
    report = urgent_report(client, world)
    login_as(client, world["doc"].user)
    listing = client.get("/practice/safety").get_data(as_text=True)
    assert "Needs your note" in listing
    assert NOTES in client.get(f"/practice/safety/{report.id}").get_data(as_text=True)
    assert client.post(f"/practice/safety/{report.id}", data={"note": ""}).status_code == 400
    client.post(f"/practice/safety/{report.id}", data={"note": "Called her; sent to the ED"})
    db.session.refresh(report)
    assert report.acknowledged_at is not None
    login_as(client, world["admin"])
    client.post(f"/admin/safety/{report.id}/close", data={"reason": "Followed up by phone"})
    assert "No open urgent reports" in client.get("/admin/safety").get_data(as_text=True)


def test_the_practitioner_marks_attendance_from_the_appointment_page(client, world):
    login_as(client, world["doc"].user)
    page = client.get(f"/practice/appointments/{world['recent'].id}").get_data(as_text=True)
    assert "Record attendance" in page
    client.post(f"/practice/appointments/{world['recent'].id}/attendance", data={"attended": "no"})
    db.session.refresh(world["recent"])
    assert world["recent"].status is AppointmentStatus.NO_SHOW
    login_as(client, world["other"].user)
    assert client.post(f"/practice/appointments/{world['recent'].id}/attendance",
                       data={"attended": "yes"}).status_code == 404


def test_a_review_is_only_possible_after_an_attended_visit_and_its_text_is_escaped(client, world):
    login_as(client, world["bob"])
    assert client.get(f"/appointments/{world['attended'].id}/review").status_code == 404
    login_as(client, world["alice"])
    assert client.get(f"/appointments/{world['recent'].id}/review").status_code == 409
    client.post(f"/appointments/{world['attended'].id}/review",
                data={"rating": "5", "text": "<script>alert(1)</script> Great", "show_name": "y"})
    logout(client)
    for path in (f"/practitioners/{world['doc'].id}/reviews", f"/practitioners/{world['doc'].id}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html
    reviews_page = client.get(f"/practitioners/{world['doc'].id}/reviews").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Great" in reviews_page and "Alice M." in reviews_page
    search_page = client.get("/?near=94110").get_data(as_text=True)
    assert "5.0 out of 5 · 1 verified review" in search_page


def test_the_patient_page_offers_report_and_review_only_when_allowed(client, world):
    login_as(client, world["alice"])
    recent = client.get(f"/appointments/{world['recent'].id}").get_data(as_text=True)
    assert "Report a reaction" in recent and "I did not go" in recent and "Review Mina Park" not in recent
    attended = client.get(f"/appointments/{world['attended'].id}").get_data(as_text=True)
    assert "Review Mina Park" in attended


def test_anyone_reports_a_review_and_an_admin_hides_it_with_a_reason(client, world):
    login_as(client, world["alice"])
    client.post(f"/appointments/{world['attended'].id}/review", data={"rating": "1", "text": "Rude receptionist"})
    logout(client)
    review_id = world["doc"].id and db.session.execute(db.text("SELECT id FROM review")).scalar()
    client.post(f"/reviews/{review_id}/report", data={"reason": "Names a member of staff"})
    login_as(client, world["admin"])
    assert "Names a member of staff" in client.get("/admin/reviews").get_data(as_text=True)
    client.post(f"/admin/reviews/{review_id}/hide", data={"reason": "Personal details"})
    logout(client)
    assert "Rude receptionist" not in client.get(f"/practitioners/{world['doc'].id}/reviews").get_data(as_text=True)


def test_reports_stay_readable_to_the_patient_after_30_days_but_no_new_ones(client, world):
    assert reports.may_report(world["recent"], world["alice"])
    login_as(client, world["alice"])
    old = seen_before(world["alice"], world["doc"], now=datetime.now(timezone.utc) - timedelta(days=10))
    assert client.get(f"/appointments/{old.id}/reaction").status_code == 409
