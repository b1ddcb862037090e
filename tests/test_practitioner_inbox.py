"""The practitioner's side of booking: the inbox with each patient's intake, confirm, decline
and cancel, who may read an intake, and the private calendar feed."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus, AuditEvent, Role
from directory.services.booking import requests as booking
from tests.factories import create_practitioner, create_user
from tests.helpers_auth import login_as, logout
from tests.test_booking_pages import CLEAN_INTAKE, make_appointment, page_of, slots, world  # noqa: F401
from tests.test_pages import assert_accessible_layout


def request_for(world, patient=None, slot=None) -> Appointment:
    slot = slot or slots(world.pr)[0]
    return booking.request_appointment(patient=patient or world.patient, practitioner=world.pr,
                                       clinic_id=slot.clinic_id, start=slot.start, kind=slot.kind,
                                       intake=CLEAN_INTAKE)


def status_of(appointment_id: int) -> AppointmentStatus:
    db.session.expire_all()
    return db.session.get(Appointment, appointment_id).status


def intake_reads() -> list[tuple[int, int]]:
    return [(e.actor_id, e.subject_id) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "intake.read").order_by(AuditEvent.id))]


def test_inbox_lists_requests_oldest_first_and_upcoming_visits(client, world):
    free = slots(world.pr)
    second_patient = create_user(role=Role.PATIENT, name="Sam Ortiz")
    db.session.commit()
    first = request_for(world, slot=free[3])
    second = request_for(world, patient=second_patient, slot=free[0])
    confirmed = make_appointment(world.pr, create_user(role=Role.PATIENT, name="Ana Ruiz"),
                                 datetime.now(timezone.utc) + timedelta(days=20))
    login_as(client, world.pr.user)
    page = page_of(client.get("/practice/appointments"))
    assert_accessible_layout(page)
    assert page.find("a", href="/practice/appointments", **{"aria-current": "page"})
    links = [a["href"] for a in page.find("a") if re.fullmatch(r"/practice/appointments/\d+", a.get("href", ""))]
    ordered = list(dict.fromkeys(links))
    assert ordered == [f"/practice/appointments/{i}" for i in (first.id, second.id, confirmed.id)]
    assert "Pat Lee" in page.text and "Sam Ortiz" in page.text and "Ana Ruiz" in page.text
    assert "Pacific Time (America/Los_Angeles)" in page.text
    # The list shows no health data; only the detail page does.
    assert "Sciatica" not in page.text
    assert intake_reads() == []


def test_detail_shows_the_intake_and_records_the_read(client, world):
    appointment = request_for(world)
    login_as(client, world.pr.user)
    page = page_of(client.get(f"/practice/appointments/{appointment.id}"))
    assert_accessible_layout(page)
    assert "Sciatica on the left" in page.text and "Warfarin" in page.text
    assert "I take anticoagulants (blood thinners) or have a bleeding disorder" in page.text
    assert "5 out of 10" in page.text and "More than a year" in page.text
    assert intake_reads() == [(world.pr.user_id, appointment.id)]


def test_confirming_a_request(client, world):
    appointment = request_for(world)
    login_as(client, world.pr.user)
    response = client.post(f"/practice/appointments/{appointment.id}/confirm")
    assert response.status_code == 302
    assert status_of(appointment.id) is AppointmentStatus.CONFIRMED
    page = page_of(client.get(response.headers["Location"]))
    assert "Confirmed: Pat Lee" in page.text
    # Confirming twice is refused politely.
    response = client.post(f"/practice/appointments/{appointment.id}/confirm")
    page = page_of(client.get(response.headers["Location"]))
    assert "no longer waiting for an answer" in page.text
    # The patient sees it confirmed, with a calendar file.
    login_as(client, world.patient)
    mine = page_of(client.get("/appointments"))
    assert "Confirmed" in mine.text
    assert f"/appointments/{appointment.id}/calendar.ics" in [a["href"] for a in mine.find("a")]


def test_declining_needs_a_message_which_the_patient_sees(client, world):
    appointment = request_for(world)
    login_as(client, world.pr.user)
    page = page_of(client.post(f"/practice/appointments/{appointment.id}/decline", data={"message": " "}), 400)
    assert page.by_id("message-error")
    assert status_of(appointment.id) is AppointmentStatus.REQUESTED
    response = client.post(f"/practice/appointments/{appointment.id}/decline",
                           data={"message": "I am fully booked; try Dr Park nearby.\r\nSorry."})
    assert response.status_code == 302
    assert status_of(appointment.id) is AppointmentStatus.DECLINED
    # The email says only that the request was declined; the message waits in Meridian.
    page = page_of(client.get(response.headers["Location"]))
    assert "they can read your message in Meridian" in page.text and "emailed them your message" not in page.text
    login_as(client, world.patient)
    mine = page_of(client.get("/appointments"))
    assert "Declined" in mine.text and "I am fully booked; try Dr Park nearby." in mine.text


def test_a_request_whose_hold_lapsed_cannot_be_answered(client, world):
    appointment = request_for(world)
    appointment.hold_expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.session.commit()   # the expiry job has not run yet
    login_as(client, world.pr.user)
    page = page_of(client.get(f"/practice/appointments/{appointment.id}"))
    assert "Expired" in page.text
    assert not page.find("form", action=f"/practice/appointments/{appointment.id}/confirm")
    assert not page.find("form", action=f"/practice/appointments/{appointment.id}/decline")
    assert status_of(appointment.id) is AppointmentStatus.REQUESTED


def test_cancelling_a_confirmed_appointment_with_a_reason(client, world):
    appointment = request_for(world)
    booking.confirm(appointment, practitioner_user=world.pr.user)
    login_as(client, world.pr.user)
    page = page_of(client.get(f"/practice/appointments/{appointment.id}"))
    assert page.find("form", action=f"/practice/appointments/{appointment.id}/cancel")
    too_long = "x" * (booking.CANCEL_REASON_MAX + 1)
    page = page_of(client.post(f"/practice/appointments/{appointment.id}/cancel", data={"reason": too_long}), 400)
    assert page.by_id("reason-error")
    assert status_of(appointment.id) is AppointmentStatus.CONFIRMED
    response = client.post(f"/practice/appointments/{appointment.id}/cancel", data={"reason": "I am unwell."})
    assert response.status_code == 302
    assert status_of(appointment.id) is AppointmentStatus.CANCELLED
    page = page_of(client.get(response.headers["Location"]))
    assert "they can read your reason in Meridian" in page.text and "emailed the patient your reason" not in page.text
    login_as(client, world.patient)
    mine = page_of(client.get("/appointments"))
    assert "cancelled by Mei Chen" in mine.text and "I am unwell." in mine.text


def test_another_practitioner_cannot_see_or_answer_the_request(client, world):
    appointment = request_for(world)
    other = create_practitioner(display_name="Other Practitioner")
    login_as(client, other.user)
    base = f"/practice/appointments/{appointment.id}"
    assert client.get(base).status_code == 404
    for action, data in (("confirm", {}), ("decline", {"message": "no"}), ("cancel", {"reason": "no"})):
        assert client.post(f"{base}/{action}", data=data).status_code == 404, action
    assert "Pat Lee" not in page_of(client.get("/practice/appointments")).text
    assert status_of(appointment.id) is AppointmentStatus.REQUESTED
    assert intake_reads() == []


@pytest.mark.parametrize("role", [Role.PATIENT, Role.ADMIN])
def test_patients_and_admins_cannot_open_the_practitioner_pages(client, world, role):
    appointment = request_for(world)
    # The appointment's own patient included: they read their intake on their own page.
    user = world.patient if role is Role.PATIENT else create_user(role=Role.ADMIN)
    db.session.commit()
    login_as(client, user)
    for method, url in [("GET", "/practice/appointments"), ("GET", f"/practice/appointments/{appointment.id}"),
                        ("POST", f"/practice/appointments/{appointment.id}/confirm"),
                        ("GET", "/practice/calendar"), ("POST", "/practice/calendar")]:
        assert client.open(url, method=method).status_code == 403, (method, url)
    if role is Role.ADMIN:
        # Admins cannot read an intake anywhere.
        assert client.get(f"/appointments/{appointment.id}").status_code == 403
    assert status_of(appointment.id) is AppointmentStatus.REQUESTED
    assert intake_reads() == []


def feed_address(response) -> str:
    """The secret address, whole, inside the read-only text area that shows it."""
    found = re.search(r'<textarea[^>]*id="feed-url"[^>]*>([^<]*)</textarea>', response.get_data(as_text=True))
    assert found, "no feed address field"
    return found.group(1).strip()


def test_calendar_feed_is_created_shown_once_replaced_and_revoked(client, world):
    appointment = request_for(world)
    booking.confirm(appointment, practitioner_user=world.pr.user)
    login_as(client, world.pr.user)
    page = page_of(client.get("/practice/calendar"))
    assert_accessible_layout(page)
    assert "You have no calendar feed." in page.text

    response = client.post("/practice/calendar", data={"action": "create"})
    assert response.headers["Cache-Control"] == "no-store"
    page = page_of(response)
    assert_accessible_layout(page)
    url = feed_address(response)
    path = re.sub(r"^https?://[^/]+", "", url)
    assert re.fullmatch(r"/calendar/[^/]+\.ics", path)
    assert url not in page_of(client.get("/practice/calendar")).text

    logout(client)
    feed = client.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    body = feed.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in body
    assert "Pat" in body and "Sciatica" not in body and "Warfarin" not in body

    login_as(client, world.pr.user)
    new_path = re.sub(r"^https?://[^/]+", "", feed_address(client.post("/practice/calendar", data={"action": "create"})))
    assert new_path != path
    logout(client)
    assert client.get(path).status_code == 404
    assert client.get(new_path).status_code == 200

    login_as(client, world.pr.user)
    response = client.post("/practice/calendar", data={"action": "revoke"})
    assert response.status_code == 302
    assert "You have no calendar feed." in page_of(client.get("/practice/calendar")).text
    logout(client)
    assert client.get(new_path).status_code == 404


def test_an_unknown_feed_address_is_not_found(client, world):
    assert client.get("/calendar/not-a-real-secret.ics").status_code == 404
    assert client.get("/calendar/" + "x" * 500 + ".ics").status_code == 404


def test_an_unknown_calendar_action_changes_nothing(client, world):
    login_as(client, world.pr.user)
    page = page_of(client.post("/practice/calendar", data={"action": "explode"}))
    assert "You have no calendar feed." in page.text
    assert not page.find("input", id="feed-url")
