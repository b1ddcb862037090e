"""What people do on the pages, as they would do it: through links, labels and buttons."""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

PASSWORD = "juniper kettle harbour"
REASON = "Low back pain that spreads to my left leg when I sit."
HISTORY = "Herniated disc in 2019."
MEDICATIONS = "Ibuprofen 400 mg when needed."


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def practice_nav(page: Page):
    return page.get_by_role("navigation", name="Your practice")


def fill_sign_up(page: Page, *, name: str, email: str, practitioner: bool) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    if practitioner:
        page.get_by_label("A licensed acupuncturist (practitioner)").check()
    else:
        expect(page.get_by_label("Looking for treatment (patient)")).to_be_checked()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to Meridian, {name}")


def fill_log_in(page: Page, email: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/")
    main_nav(page).get_by_role("link", name="Log in").click()
    fill_log_in(page, email)


def search(page: Page, base_url: str, near: str) -> None:
    page.goto(base_url + "/")
    location = page.get_by_label("Location")
    location.fill(near)
    location.press("Enter")
    page.wait_for_url(re.compile(rf"/\?near={near}"))


def results_named(page: Page, name: str):
    return page.locator(".result").filter(has=page.get_by_role("link", name=name, exact=True))


def first_slot(page: Page):
    """The first free time offered on a profile, and the UTC start its link asks for."""
    availability = page.get_by_role("region", name="Request an appointment")
    slot = availability.locator("a.slot").first
    expect(slot).to_be_visible()
    query = parse_qs(urlsplit(slot.get_attribute("href")).query)
    return slot, datetime.fromisoformat(query["start"][0])


def fill_intake(page: Page, *, reason: str = REASON) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Request an appointment")
    page.get_by_label("What would you like help with?").fill(reason)
    page.get_by_label("3 to 12 months").check()
    page.get_by_label(re.compile(r"^How bad is the pain right now")).select_option("6")
    page.get_by_label("Medical history").fill(HISTORY)
    page.get_by_label("Medicines you take now").fill(MEDICATIONS)
    page.get_by_label("I am afraid of needles").check()
