"""Search to booking in a real browser: a patient searches, follows a card's next free time and
requests exactly that time; the next search shows the following free time instead."""
from __future__ import annotations

import re
from datetime import datetime, time, timezone

import pytest
from playwright.sync_api import Page, expect

from directory.extensions import db
from directory.models import Appointment, Role
from directory.services.accounts.passwords import hash_password
from directory.services.booking import availability as booking_availability
from directory.services.booking.calendar_files import when
from tests.browser.test_booking_browser import PASSWORD, fill_login
from tests.factories import create_practitioner, create_user

PATIENT_EMAIL = "rosa.diaz@example.com"


def next_free_link(page: Page, name: str):
    card = page.get_by_role("article", name=name)
    return card.locator(".result__next a")


@pytest.mark.browser
def test_a_patient_books_the_next_free_time_shown_on_a_search_card(live_server, page):
    with live_server.app.app_context():
        practitioner = create_practitioner(display_name="Ana Soto", min_notice_hours=2)
        booking_availability.set_weekly_hours(practitioner.clinics[0], {d: [(time(9), time(17))] for d in range(7)})
        create_user(role=Role.PATIENT, email=PATIENT_EMAIL, name="Rosa Diaz", password_hash=hash_password(PASSWORD))
        db.session.commit()
        clinic_zone = practitioner.clinics[0].timezone

    page.goto(f"{live_server.url}/?near=94110&sort=soonest")
    link = next_free_link(page, "Ana Soto")
    shown = " ".join(link.inner_text().split())
    expect(page.get_by_role("article", name="Ana Soto")).to_contain_text("Accepting new patients")
    link.click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    fill_login(page, PATIENT_EMAIL)

    expect(page.get_by_role("heading", level=1)).to_have_text("Request an appointment")
    chosen = page.get_by_role("region", name="Your chosen time")
    expect(chosen).to_contain_text("Ana Soto")
    page.get_by_label("What would you like help with?").fill("Stiff lower back every morning.")
    page.get_by_label("3 to 12 months").check()
    page.get_by_label(re.compile(r"^How bad is the pain right now")).select_option("5")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("status")).to_contain_text("has been sent to Ana Soto")

    with live_server.app.app_context():
        visit = db.session.scalars(db.select(Appointment)).one()
        booked = when(visit.starts_at.replace(tzinfo=visit.starts_at.tzinfo or timezone.utc), clinic_zone)
    assert booked == shown  # the very time the card offered

    page.goto(f"{live_server.url}/?near=94110&sort=soonest")
    later = " ".join(next_free_link(page, "Ana Soto").inner_text().split())
    assert later != shown
    assert datetime.now(timezone.utc).year >= 2026
