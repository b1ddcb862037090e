"""The profile's week as laid out by a real browser: on a desktop the seven day columns stand
side by side, left to right from the week's first day; on a phone the days stack, nothing is
wider than the screen, every time can be seen and tapped, and the first leads to its request."""
from __future__ import annotations

import re
from datetime import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from directory.extensions import db
from directory.models import Role
from directory.services.accounts.passwords import hash_password
from tests.booking_fixtures import open_every_day
from tests.browser.a11y_support import axe_violations
from tests.factories import create_practitioner, create_user

pytestmark = pytest.mark.browser

PASSWORD = "juniper kettle harbour"
PATIENT = "pat.week@example.com"


@pytest.fixture
def profile_url(live_server) -> str:
    with live_server.app.app_context():
        practitioner = create_practitioner(display_name="Mei Chen", clinics=[
            {"name": "Mission", "city": "San Francisco"},
            {"name": "Midtown", "city": "New York", "region": "NY", "postal_code": "10001",
             "latitude": 40.75, "longitude": -73.99, "timezone": "America/New_York"}])
        for clinic in practitioner.clinics:
            # 07:00-20:00: ten first visits a day, more than a column holds.
            open_every_day(clinic, start=time(7), end=time(20))
        create_user(role=Role.PATIENT, email=PATIENT, name="Pat Week", password_hash=hash_password(PASSWORD))
        db.session.commit()
        return f"{live_server.url}/practitioners/{practitioner.id}"


def columns(page: Page, clinic: str):
    week = page.get_by_role("region", name=clinic).locator("ol.week")
    return week.locator(":scope > li")


def test_on_a_desktop_the_seven_days_stand_side_by_side_in_order(page: Page, profile_url):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(profile_url)
    for clinic in ("Mission (San Francisco, CA)", "Midtown (New York, NY)"):
        days = columns(page, clinic)
        expect(days).to_have_count(7)
        boxes = [days.nth(n).bounding_box() for n in range(7)]
        assert all(box["y"] == pytest.approx(boxes[0]["y"], abs=1) for box in boxes), boxes
        assert all(a["x"] + a["width"] <= b["x"] for a, b in zip(boxes, boxes[1:])), boxes
        headings = [days.nth(n).get_by_role("heading", level=4) for n in range(7)]
        tops = [h.bounding_box()["y"] for h in headings]
        assert max(tops) - min(tops) < 1
        # The first column is today; each holds its times under its heading, in a column.
        expect(headings[0]).to_have_accessible_name(re.compile(r"^Today, "))
        times = days.nth(3).locator("a.slot")
        expect(times).to_have_count(8)
        slot_boxes = [times.nth(n).bounding_box() for n in range(8)]
        assert all(a["x"] == pytest.approx(b["x"], abs=1) and a["y"] < b["y"]
                   for a, b in zip(slot_boxes, slot_boxes[1:]))
        assert headings[3].bounding_box()["y"] < slot_boxes[0]["y"]
        assert boxes[3]["x"] <= slot_boxes[0]["x"] <= boxes[3]["x"] + boxes[3]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert not axe_violations(Axe(), page)


@pytest.mark.parametrize("width", [360, 390, 414])
def test_on_a_phone_the_days_stack_and_every_time_is_in_reach(browser: Browser, profile_url, width):
    context = browser.new_context(viewport={"width": width, "height": 844}, locale="en-US",
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(profile_url)
        # Against the width asked for: a mobile browser widens innerWidth to fit a page too wide.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        days = columns(page, "Mission (San Francisco, CA)")
        expect(days).to_have_count(7)
        boxes = [days.nth(n).bounding_box() for n in range(7)]
        assert all(a["y"] + a["height"] <= b["y"] + 1 for a, b in zip(boxes, boxes[1:])), "days not stacked"
        slots = page.get_by_role("region", name="Request an appointment").locator("a.slot")
        assert slots.count() > 20
        for n in range(slots.count()):
            box = slots.nth(n).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (n, box)
            assert box["height"] >= 24 and box["width"] >= 24   # WCAG 2.5.8 target size
        assert not axe_violations(Axe(), page)
        first = slots.first
        first.scroll_into_view_if_needed()
        start = re.search(r"start=([^&]+)", first.get_attribute("href")).group(1)
        first.tap()
        expect(page).to_have_url(re.compile(r"/login\?next="))
        page.get_by_label("Email address").fill(PATIENT)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Request an appointment")
        expect(page).to_have_url(re.compile(rf"/appointments/new\?.*start={re.escape(start)}"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
