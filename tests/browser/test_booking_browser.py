"""Booking end to end in a real browser: a patient picks a free time on a profile, logs in on
the way, fills in the intake and sends the request; the practitioner reads it and confirms;
the patient then sees the appointment confirmed."""
from __future__ import annotations

import re
from datetime import time

import pytest
from playwright.sync_api import Page, expect

from directory.extensions import db
from directory.models import Role
from directory.services.booking import scheduling
from directory.services.accounts.passwords import hash_password
from tests.factories import create_practitioner, create_user

PASSWORD = "juniper kettle harbour"
PRACTITIONER_EMAIL = "mei.chen@example.com"
PATIENT_EMAIL = "pat.lee@example.com"
REASON = "Low back pain that spreads to my left leg when I sit."


def fill_login(page: Page, email: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_out(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You have logged out.")


@pytest.mark.browser
def test_a_patient_requests_a_slot_and_sees_it_confirmed(live_server, page):
    with live_server.app.app_context():
        user = create_user(role=Role.PRACTITIONER, email=PRACTITIONER_EMAIL, name="Mei Chen",
                           password_hash=hash_password(PASSWORD))
        practitioner = create_practitioner(user=user, display_name="Mei Chen")
        scheduling.set_weekly_hours(practitioner.clinics[0], {day: [(time(9), time(17))] for day in range(7)})
        create_user(role=Role.PATIENT, email=PATIENT_EMAIL, name="Pat Lee", password_hash=hash_password(PASSWORD))
        db.session.commit()
        profile_url = f"{live_server.url}/practitioners/{practitioner.id}"

    # The profile offers free times in the clinic's zone; choosing one asks the visitor to log in.
    page.goto(profile_url)
    availability = page.get_by_role("region", name="Request an appointment")
    expect(availability).to_contain_text("Pacific Time (America/Los_Angeles)")
    first_slot = availability.locator("a.slot").first
    # "Request 9:00 AM PST on Thursday 26 November 2026": the time and the day, as the list shows them.
    label = re.fullmatch(r"Request (.+) on (.+)", " ".join(first_slot.inner_text().split()))
    assert label is not None
    chosen = f"{label.group(2)}, {label.group(1)}"
    first_slot.click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    fill_login(page, PATIENT_EMAIL)

    # Back on the chosen time, with the intake.
    expect(page.get_by_role("heading", level=1)).to_have_text("Request an appointment")
    expect(page.get_by_role("region", name="Your chosen time")).to_contain_text("Mei Chen")
    page.get_by_label("What would you like help with?").fill(REASON)
    page.get_by_label("3 to 12 months").check()
    page.get_by_label(re.compile(r"^How bad is the pain right now")).select_option("6")
    page.get_by_label("Medical history").fill("Herniated disc in 2019.")
    page.get_by_label("Medicines you take now").fill("Ibuprofen 400 mg when needed.")
    page.get_by_label("I am afraid of needles").check()
    page.get_by_role("button", name="Send request").click()

    expect(page).to_have_url(re.compile(r"/appointments$"))
    expect(page.get_by_role("status")).to_contain_text("has been sent to Mei Chen")
    upcoming = page.get_by_role("region", name="Upcoming")
    expect(upcoming).to_contain_text("Requested")
    expect(upcoming).to_contain_text("Mei Chen")
    log_out(page)

    # The practitioner reads the intake and confirms.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    fill_login(page, PRACTITIONER_EMAIL)
    page.get_by_role("navigation", name="Your practice").get_by_role("link", name="Appointments").click()
    requests = page.get_by_role("region", name="Requests waiting for your answer")
    expect(requests).to_contain_text("Pat Lee")
    requests.get_by_role("link", name=re.compile(r"^Pat Lee")).click()
    expect(page.get_by_role("region", name="Intake")).to_contain_text(REASON)
    expect(page.get_by_role("region", name="Intake")).to_contain_text("I am afraid of needles")
    page.get_by_role("button", name="Confirm the appointment").click()
    expect(page.get_by_role("status")).to_contain_text("Confirmed: Pat Lee")
    log_out(page)

    # The patient sees it confirmed, at the time they chose.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    fill_login(page, PATIENT_EMAIL)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My appointments").click()
    upcoming = page.get_by_role("region", name="Upcoming")
    expect(upcoming).to_contain_text("Confirmed")
    expect(upcoming).to_contain_text(chosen)
    expect(upcoming.get_by_role("link", name=re.compile(r"Add to your calendar"))).to_be_visible()
