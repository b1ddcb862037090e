"""A treatment course end to end in a real browser: the practitioner proposes a plan from a
visit, the patient books all its sessions at once, answers two check-ins and sees the chart."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from directory.extensions import db
from directory.models import Role
from directory.services.accounts.passwords import hash_password
from tests.booking_fixtures import practitioner_with_hours, seen_before
from tests.factories import create_user

PASSWORD = "juniper kettle harbour"
PRACTITIONER_EMAIL = "mei.chen@example.com"
PATIENT_EMAIL = "pat.lee@example.com"


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()


def answer(page: Page, pain: str, score: str) -> None:
    page.get_by_role("group", name=re.compile("^Your back pain")).get_by_label(pain, exact=True).check()
    for goal in ("Walking 30 minutes", "Sitting through a work day"):
        page.get_by_role("group", name=re.compile(f"^{goal}")).get_by_label(score, exact=True).check()
    page.get_by_role("button", name="Save my check-in").click()
    expect(page.get_by_role("status")).to_contain_text("your check-in is saved")


@pytest.mark.browser
def test_practitioner_proposes_patient_books_the_course_checks_in_twice_and_sees_the_chart(live_server, page):
    with live_server.app.app_context():
        user = create_user(role=Role.PRACTITIONER, email=PRACTITIONER_EMAIL, name="Mei Chen",
                           password_hash=hash_password(PASSWORD))
        practitioner = practitioner_with_hours(user=user, display_name="Mei Chen", horizon_days=90)
        pat = create_user(role=Role.PATIENT, email=PATIENT_EMAIL, name="Pat Lee",
                          password_hash=hash_password(PASSWORD))
        db.session.commit()
        visit = seen_before(pat, practitioner, now=datetime.now(timezone.utc) - timedelta(days=1))
        visit_url = f"{live_server.url}/practice/appointments/{visit.id}"

    log_in(page, live_server.url, PRACTITIONER_EMAIL)
    page.goto(visit_url)
    page.get_by_role("link", name="Propose a treatment plan").click()
    page.get_by_label("Activity 1").fill("Walking 30 minutes")
    page.get_by_label("Activity 2").fill("Sitting through a work day")
    page.get_by_label("Advice on complementary care").fill("Walk daily; core exercises twice a week.")
    page.get_by_role("button", name="Propose the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Treatment plan for Pat Lee")
    log_out(page)

    log_in(page, live_server.url, PATIENT_EMAIL)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    page.get_by_role("link", name=re.compile("With Mei Chen")).click()
    expect(page.get_by_text("about half of the patients reached a meaningful improvement")).to_be_visible()
    page.get_by_role("link", name="Book all 10 sessions").click()
    expect(page.get_by_role("group", name="Session 10")).to_be_visible()
    page.get_by_role("button", name="Book all 10 sessions").click()
    expect(page.get_by_role("status")).to_contain_text("Your course is booked")

    page.get_by_role("link", name="Check in for session 1", exact=True).click()
    answer(page, "7", "3")
    page.get_by_role("link", name="Check in for session 2", exact=True).click()
    answer(page, "4", "6")
    expect(page.locator(".course-summary")).to_have_text(
        "Your pain is 3 points (43%) lower than when you started — a meaningful improvement. "
        "Daily activities are 3 points easier on average — a meaningful improvement.")
    chart = page.get_by_role("img", name="Pain and daily activities at each check-in")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(2)
    table = page.get_by_role("table", name=re.compile("^Check-ins"))
    expect(table.get_by_role("row")).to_have_count(3)

    # The same sessions are on "My appointments", each with its check-in link.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My appointments").click()
    expect(page.get_by_role("link", name="Check in for session 10")).to_be_visible()
