"""Licence verification end to end in a real browser: a practitioner submits a licence,
an admin approves it from the queue, and a visitor then finds the practitioner in search."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from directory.extensions import db
from directory.models import ListingState, Role
from directory.services.accounts.passwords import hash_password
from tests.factories import create_practitioner, create_user

PASSWORD = "juniper kettle harbour"
PRACTITIONER_EMAIL = "mei.chen@example.com"
ADMIN_EMAIL = "admin@example.com"


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_out(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You have logged out.")


def search_94110(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("Location").fill("94110")
    page.get_by_label("Location").press("Enter")
    page.wait_for_url(re.compile(r"/\?near=94110"))


@pytest.mark.browser
def test_a_submitted_licence_approved_by_an_admin_lists_the_practitioner(live_server, page):
    with live_server.app.app_context():
        user = create_user(role=Role.PRACTITIONER, email=PRACTITIONER_EMAIL, name="Mei Chen",
                           password_hash=hash_password(PASSWORD))
        create_practitioner(display_name="Mei Chen", user=user, licences=[], listing_state=ListingState.LISTED)
        create_user(role=Role.ADMIN, email=ADMIN_EMAIL, name="Rae Reviewer", password_hash=hash_password(PASSWORD))
        db.session.commit()
    issued = date.today() - timedelta(days=200)
    expires = date.today() + timedelta(days=500)

    # Without a verified licence nobody finds her.
    search_94110(page, live_server.url)
    expect(page.get_by_role("link", name="Mei Chen")).to_have_count(0)

    # The practitioner submits her California licence.
    log_in(page, live_server.url, PRACTITIONER_EMAIL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your practice")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin")).to_have_count(0)
    page.get_by_role("navigation", name="Your practice").get_by_role("link", name="Licences").click()
    page.get_by_role("link", name="Add a licence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a licence")
    page.get_by_label("Issued in").select_option("US-CA")
    page.get_by_label("Credential title").fill("L.Ac.")
    page.get_by_label("Licence number").fill("AC 24680")
    page.get_by_label("Issue date").fill(issued.isoformat())
    page.get_by_label("Expiry date").fill(expires.isoformat())
    page.get_by_role("button", name="Submit for review").click()
    expect(page).to_have_url(re.compile(r"/practice/licences"))
    expect(page.get_by_role("status")).to_contain_text("Submitted for review.")
    log_out(page)

    # An admin finds it in the queue and approves it.
    log_in(page, live_server.url, ADMIN_EMAIL)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Admin")
    expect(page.get_by_text("1 licence waiting for verification")).to_be_visible()
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Verification queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verification queue")
    row = page.get_by_role("row").filter(has_text="Mei Chen")
    expect(row).to_contain_text("AC 24680")
    expect(row).to_contain_text("All passed")
    row.get_by_role("link", name=re.compile("Review")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Review Mei Chen.s licence"))
    checks = page.get_by_role("table", name="Every automatic check on this licence")
    expect(checks).to_contain_text("Number format")
    expect(checks).to_contain_text("Pass")
    expect(page.get_by_label("Approve although a check failed")).to_have_count(0)
    page.get_by_label("Approve: the licence is verified").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page).to_have_url(re.compile(r"/admin/licences$"))
    expect(page.get_by_role("status")).to_contain_text("was approved")
    expect(page.get_by_text("No licence is waiting for verification.")).to_be_visible()
    log_out(page)

    # A visitor now finds her near 94110.
    search_94110(page, live_server.url)
    result = page.locator(".result").filter(has_text="Mei Chen")
    expect(result).to_have_count(1)
    expect(result).to_contain_text(re.compile(r"Licence verified \d+ \w{3} \d{4} · California"))
