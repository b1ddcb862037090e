"""The profile as laid out by a real browser: on a 390 px phone the licence, fee and insurance
panels come before the time buttons and nothing is wider than the screen; on a wide screen
the times sit under the main column beside the side panels; the week links page through."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.booking_fixtures import open_every_day
from tests.factories import create_practitioner


def top(page: Page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


@pytest.fixture
def profile_url(live_server) -> str:
    with live_server.app.app_context():
        practitioner = create_practitioner(insurance=["Aetna", "Kaiser"])
        for clinic in practitioner.clinics:
            open_every_day(clinic)
        return f"{live_server.url}/practitioners/{practitioner.id}"


@pytest.mark.browser
def test_on_a_phone_fees_insurance_and_licences_come_before_the_times(browser, profile_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    try:
        page = context.new_page()
        page.goto(profile_url)
        first_slot = top(page, "a.slot")
        assert top(page, "#licences") < first_slot
        assert top(page, "#fees") < first_slot
        assert page.get_by_text("Aetna").bounding_box()["y"] < first_slot
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


@pytest.mark.browser
def test_on_a_wide_screen_the_times_sit_under_the_main_column(page, profile_url):
    page.goto(profile_url)
    times, side, main = (page.locator(s).bounding_box() for s in (".profile__times", ".profile__side",
                                                                   ".profile__main"))
    assert times["x"] == pytest.approx(main["x"], abs=2)
    assert times["x"] + times["width"] <= side["x"]
    # Straight under the main column, beside the side panels, not below the whole side column.
    assert times["y"] == pytest.approx(main["y"] + main["height"], abs=40)
    assert times["y"] < side["y"] + side["height"]
    page.get_by_role("link", name="Later week").first.click()
    expect(page).to_have_url(re.compile(r"week=1"))
    expect(page.get_by_text("Week 2 of")).to_have_count(2)
