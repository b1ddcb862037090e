"""A patient's journey in a real browser: type a ZIP, press Enter, read ranked results,
open a profile. Keyboard only where a patient would use it."""
from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import expect

from tests.factories import create_practitioner

SF = (37.7509, -122.4153)  # ZIP 94110's centroid
EARTH_RADIUS_MI = 6371.009 / 1.609344


def miles_north(miles: float) -> dict:
    return {"latitude": SF[0] + math.degrees(miles / EARTH_RADIUS_MI), "longitude": SF[1]}


@pytest.mark.browser
def test_zip_search_with_the_keyboard_shows_ranked_results_and_opens_a_profile(live_server, page):
    with live_server.app.app_context():
        # Created out of distance order so the page has to rank them.
        create_practitioner(display_name="Fiona Far", clinics=[miles_north(14.2)])
        create_practitioner(display_name="Nina Near", clinics=[miles_north(0.8)],
                            bio="Focuses on chronic low back pain after injury.")
        create_practitioner(display_name="Milo Middle", clinics=[miles_north(6.3)])
        create_practitioner(display_name="Oscar Outside", clinics=[miles_north(40.0)])

    page.goto(live_server.url + "/")
    expect(page).to_have_title(re.compile("Find a licensed acupuncturist"))
    location = page.get_by_label("Location")
    location.click()
    location.press_sequentially("94110")
    location.press("Enter")

    page.wait_for_url(re.compile(r"/\?near=94110"))
    expect(page.get_by_role("heading", level=2)).to_contain_text("3 practitioners within 25 mi of")
    names = page.locator(".result__name a")
    expect(names).to_have_text(["Nina Near", "Milo Middle", "Fiona Far"])
    expect(page.locator(".result__distance")).to_have_text(
        [re.compile(r"0\.8 mi"), re.compile(r"6\.3 mi"), re.compile(r"14\.2 mi")])
    expect(page.get_by_text("Oscar Outside")).to_have_count(0)
    expect(page).to_have_title(re.compile("3 practitioners within 25 mi"))

    # Open the nearest practitioner's profile with the keyboard.
    names.first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nina Near")
    expect(page.get_by_text("Focuses on chronic low back pain after injury.")).to_be_visible()
    expect(page.get_by_role("heading", name="Verified licences")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Licence verified \d+ \w{3} \d{4} · California")).first).to_be_visible()


@pytest.mark.browser
def test_unknown_zip_error_is_announced_next_to_the_field(live_server, page):
    page.goto(live_server.url + "/")
    # The skip link is the first thing the keyboard reaches.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    location = page.get_by_label("Location")
    location.fill("00000")
    location.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem with your search")
    error = page.locator("#near-error")
    expect(error).to_be_visible()
    expect(page.get_by_label("Location")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Location")).to_have_value("00000")
    # The summary link moves focus to the field that needs fixing.
    page.get_by_role("alert").get_by_role("link").first.click()
    expect(page.get_by_label("Location")).to_be_focused()
