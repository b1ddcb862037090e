"""After a visit, in a real browser: the patient reports an urgent reaction and sees the urgent
advice first; the practitioner acknowledges it with a note; the admin sees the queue item
without the patient's words."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Page, expect

from directory.extensions import db
from directory.models import AppointmentStatus, Role
from directory.services.accounts.passwords import hash_password
from tests.booking_fixtures import seen_before
from tests.factories import create_practitioner, create_user

PASSWORD = "juniper kettle harbour"
NOTES = "Tight chest when I breathe in, since this morning"


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()


@pytest.mark.browser
def test_an_urgent_reaction_reaches_the_practitioner_and_the_admin_queue(live_server, page):
    with live_server.app.app_context():
        user = create_user(role=Role.PRACTITIONER, email="mei@example.com", name="Mei Chen",
                           password_hash=hash_password(PASSWORD))
        practitioner = create_practitioner(user=user, display_name="Mei Chen")
        patient = create_user(role=Role.PATIENT, email="pat@example.com", name="Pat Lee",
                              password_hash=hash_password(PASSWORD))
        create_user(role=Role.ADMIN, email="rae@example.com", name="Rae Admin", password_hash=hash_password(PASSWORD))
        visit = seen_before(patient, practitioner, now=datetime.now(timezone.utc) + timedelta(days=29))
        visit.status = AppointmentStatus.CONFIRMED
        db.session.commit()
        visit_id = visit.id

    # The patient finds the visit and reports chest pain.
    log_in(page, live_server.url, "pat@example.com")
    page.goto(f"{live_server.url}/appointments/{visit_id}")
    page.get_by_role("link", name="Report a reaction after this visit").click()
    page.get_by_role("group", name="Chest pain or shortness of breath").get_by_label("Mild").check()
    page.get_by_label("Anything else your practitioner should know?").fill(NOTES)
    page.get_by_role("button", name="Send my report").click()

    # The urgent advice comes first: the page's first heading and an alert.
    expect(page.get_by_role("heading", level=1)).to_have_text("Seek care now")
    expect(page.get_by_role("alert")).to_contain_text("call 911")
    first_text = page.locator("main").inner_text().strip().splitlines()[0]
    assert first_text == "Seek care now"
    log_out(page)

    # The practitioner sees it newest first and acknowledges it with a note.
    log_in(page, live_server.url, "mei@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Safety").click()
    row = page.get_by_role("row").filter(has_text="Pat Lee")
    expect(row).to_contain_text("Urgent")
    expect(row).to_contain_text("Needs your note")
    row.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text(NOTES)
    page.get_by_label("What you did or advised").fill("Called Pat; she is on her way to the ED.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("Acknowledged")
    log_out(page)

    # The admin sees the open item, acknowledged, but never what the patient wrote.
    log_in(page, live_server.url, "rae@example.com")
    page.goto(f"{live_server.url}/admin/safety")
    item = page.get_by_role("row").filter(has_text="Pat Lee")
    expect(item).to_contain_text("Mei Chen")
    expect(item).to_contain_text("Yes")
    expect(page.locator("main")).not_to_contain_text("Tight chest")
