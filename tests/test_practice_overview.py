"""The practitioner's overview (/practice): requests waiting with the time each lapses, today's
and the coming week's visits, each in its clinic's zone; and the count of waiting requests
in the navigation."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html import unescape as html_unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from directory.extensions import db
from directory.models import Appointment, AppointmentKind, AppointmentStatus, Role
from directory.services.booking import queries as booking_queries
from directory.services.booking import requests as booking
from directory.services.booking.calendar_files import when
from tests.booking_fixtures import INTAKE
from tests.factories import add_clinic, create_practitioner, create_user
from tests.helpers_auth import login_as
from tests.test_booking_pages import page_of, slots, world  # noqa: F401
from tests.test_pages import assert_accessible_layout

UTC = timezone.utc
LA = ZoneInfo("America/Los_Angeles")
NEW_YORK = ZoneInfo("America/New_York")
# Monday 2 March 2026, 20:00 in San Francisco: already Tuesday 04:00 in UTC.
NOW = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)


def visit(practitioner, patient, start: datetime, *, clinic=None, status=AppointmentStatus.CONFIRMED,
          hold: datetime | None = None) -> Appointment:
    appointment = Appointment(
        practitioner_id=practitioner.id, clinic_id=(clinic or practitioner.clinics[0]).id, patient_id=patient.id,
        starts_at=start, ends_at=start + timedelta(minutes=45), kind=AppointmentKind.INITIAL, status=status,
        intake=INTAKE, hold_expires_at=hold, created_at=NOW - timedelta(days=1))
    db.session.add(appointment)
    db.session.commit()
    return appointment


def local(day_offset: int, hour: int, minute: int = 0, zone: ZoneInfo = LA) -> datetime:
    day = NOW.astimezone(LA).date() + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


@pytest.fixture
def two_zones(app):
    practitioner = create_practitioner(display_name="Mei Chen")
    new_york = add_clinic(practitioner, name="Midtown", city="New York", region="NY", postal_code="10001",
                          latitude=40.75, longitude=-73.99, timezone="America/New_York")
    patient = create_user(role=Role.PATIENT, name="Pat Lee")
    db.session.commit()
    return practitioner, practitioner.clinics[0], new_york, patient


def test_the_agenda_sorts_visits_into_today_and_the_next_six_days_by_each_clinics_own_date(two_zones):
    practitioner, sf, new_york, patient = two_zones
    # 22:30 in San Francisco is Tuesday in UTC, but Monday (today) at the clinic.
    late_today = visit(practitioner, patient, local(0, 22, 30))
    this_morning = visit(practitioner, patient, local(0, 9), status=AppointmentStatus.COMPLETED)
    # In New York it is already 23:00 on Monday: Tuesday 09:00 there is tomorrow.
    tomorrow_ny = visit(practitioner, patient, local(1, 9, zone=NEW_YORK), clinic=new_york)
    sixth_day = visit(practitioner, patient, local(6, 10))
    visit(practitioner, patient, local(7, 10))                                  # a week away: not shown
    visit(practitioner, patient, local(0, 11), status=AppointmentStatus.CANCELLED)
    visit(practitioner, patient, local(-1, 11))                                 # yesterday

    agenda = booking_queries.agenda(practitioner, now=NOW)

    assert [a.id for a in agenda.today] == [this_morning.id, late_today.id]
    assert [a.id for a in agenda.week] == [tomorrow_ny.id, sixth_day.id]
    assert agenda.waiting == []


def test_waiting_requests_come_soonest_lapse_first_and_lapsed_ones_drop_out(two_zones):
    practitioner, sf, new_york, patient = two_zones
    later = visit(practitioner, patient, local(3, 10), status=AppointmentStatus.REQUESTED,
                  hold=NOW + timedelta(hours=40))
    sooner = visit(practitioner, patient, local(4, 10), status=AppointmentStatus.REQUESTED,
                   hold=NOW + timedelta(hours=2))
    visit(practitioner, patient, local(5, 10), status=AppointmentStatus.REQUESTED, hold=NOW - timedelta(minutes=1))

    agenda = booking_queries.agenda(practitioner, now=NOW)

    assert [a.id for a in agenda.waiting] == [sooner.id, later.id]
    # A request is not a visit until it is confirmed.
    assert agenda.today == [] and agenda.week == []
    assert booking_queries.count_waiting(practitioner.user, now=NOW) == 2
    assert booking_queries.count_waiting(create_practitioner().user, now=NOW) == 0


def test_counting_waiting_requests_is_one_query(two_zones):
    practitioner, _, _, patient = two_zones
    visit(practitioner, patient, local(3, 10), status=AppointmentStatus.REQUESTED, hold=NOW + timedelta(hours=4))
    user = practitioner.user
    assert user.id  # loaded before counting: only the count's own statements are measured
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert booking_queries.count_waiting(user, now=NOW) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1, statements


def between(html: str, heading: str) -> str:
    """The plain text and links of the part of the page after the h3 ``heading``, up to the next h3."""
    part = re.split(r"<h3[^>]*>", html.split(f">{heading}", 1)[1])[0]
    links = " ".join(re.findall(r'href="([^"]+)"', part))
    return " ".join(re.sub(r"<[^>]+>", " ", part).split()) + " LINKS " + links


def nav_practice_link(html: str) -> str:
    nav = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    link = re.search(r'<a href="/practice"[^>]*>(.*?)</a>', nav, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", link.group(1)).split()) if link else ""


def test_the_overview_shows_requests_with_their_deadline_and_the_visits_ahead(client, world):
    now = datetime.now(UTC)
    free = slots(world.pr)[0]
    request = booking.request_appointment(patient=world.patient, practitioner=world.pr, clinic_id=free.clinic_id,
                                          start=free.start, kind=free.kind, intake=INTAKE)
    today = visit(world.pr, create_user(role=Role.PATIENT, name="Ana Ruiz"), now)
    week = visit(world.pr, create_user(role=Role.PATIENT, name="Sam Ortiz"), now + timedelta(days=3, hours=1))
    login_as(client, world.pr.user)

    response = client.get("/practice")
    assert_accessible_layout(page_of(response))
    html = html_unescape(response.get_data(as_text=True))
    zone = world.clinic.timezone

    waiting = between(html, "Requests waiting for your answer")
    assert waiting.startswith("(1)"), waiting
    assert f"Answer by {when(request.hold_expires_at, zone)}" in waiting
    assert f"/practice/appointments/{request.id}" in waiting
    today_part = between(html, "Today")
    assert f"/practice/appointments/{today.id}" in today_part and when(today.starts_at, zone) in today_part
    assert "Sam Ortiz" not in today_part
    week_part = between(html, "The next six days")
    assert f"/practice/appointments/{week.id}" in week_part and "Ana Ruiz" not in week_part
    # The health data stays on the appointment's own page.
    assert "Warfarinex" not in html
    assert nav_practice_link(html) == "Your practice 1 request waiting"


def test_the_navigation_count_follows_the_inbox_and_shows_nothing_when_none_wait(client, world):
    login_as(client, world.pr.user)
    assert nav_practice_link(client.get("/practice/profile").get_data(as_text=True)) == "Your practice"
    for slot in slots(world.pr)[:2]:
        booking.request_appointment(patient=world.patient, practitioner=world.pr, clinic_id=slot.clinic_id,
                                    start=slot.start, kind=slot.kind, intake=INTAKE)
    html = client.get("/practice/profile").get_data(as_text=True)
    assert nav_practice_link(html) == "Your practice 2 requests waiting"


def test_a_patient_page_costs_no_count_query(client, world):
    login_as(client, world.patient)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page_of(client.get("/appointments"))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert not [s for s in statements if "count(" in s.lower()], statements
