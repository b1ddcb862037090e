"""Every main page fits a 390 px wide phone: nothing makes the page itself scroll sideways
(wide tables scroll inside their own wrapper instead)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from directory.services.licensing import rosters
from tests.browser import a11y_world
from tests.browser.a11y_pages import log_in
from tests.browser.a11y_staff_pages import roster_csv
from tests.browser.a11y_world import ADMIN, PATIENT, PRACTITIONER

pytestmark = pytest.mark.browser

PHONE = 390
WIDTH_JS = "() => document.scrollingElement.scrollWidth"


def phone_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": PHONE, "height": 844}, locale="en-US",
                                  device_scale_factor=1, is_mobile=True, has_touch=True)
    # The first search loads the offline place index: slow on a busy machine.
    context.set_default_timeout(30_000)
    return context.new_page()


def too_wide(page: Page, base: str, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
        width = page.evaluate(WIDTH_JS)
        if width > PHONE:
            found.append(f"{path}: {width} px")
    return found


def test_the_main_pages_fit_a_390_px_phone(live_server, browser):
    with live_server.app.app_context():
        world = a11y_world.build()
        # A roster that leaves verified licences failing: the queue's longest rows.
        imported = rosters.import_roster(roster_csv(), jurisdiction="US-CA", source="Board lookup",
                                         filename="ca.csv").import_id
    profile = f"/practitioners/{world.practitioner_id}"
    roles = [
        (None, ["/", "/?near=94110", profile,
                f"{profile}/slots?clinic={world.clinic_id}&date={world.slot_day.isoformat()}&kind=initial",
                "/login", "/signup", "/password/forgot"]),
        (PATIENT, ["/appointments", f"/appointments/{world.requested_id}",
                   f"/appointments/{world.confirmed_id}/cancel", f"/appointments/{world.requested_id}/reschedule",
                   "/account"]),
        (PRACTITIONER, ["/practice", "/practice/profile", "/practice/clinics", "/practice/availability",
                        "/practice/appointments", f"/practice/appointments/{world.requested_id}",
                        "/practice/licences", "/practice/calendar", "/practice/preview"]),
        (ADMIN, ["/admin", "/admin/licences", f"/admin/licences/{world.pending_licence_id}",
                 f"/admin/licences/{world.verified_licence_id}", "/admin/rosters", f"/admin/rosters/{imported}",
                 f"/admin/rosters/{imported}?list=not_found", f"/admin/rosters/{imported}?list=rows",
                 "/admin/expiring", "/admin/practitioners?q=e", "/admin/audit"]),
    ]
    problems = []
    for email, paths in roles:
        page = phone_page(browser)
        try:
            if email:
                log_in(page, live_server.url, email)
            problems += too_wide(page, live_server.url, paths)
        finally:
            page.context.close()
    assert not problems, "wider than the phone:\n" + "\n".join(problems)


def test_the_width_check_sees_a_page_that_is_too_wide(browser):
    # Guards the guard: the measurement must notice content wider than the viewport.
    page = phone_page(browser)
    try:
        page.set_content('<!doctype html><html><head><meta name="viewport" content="width=device-width">'
                         '</head><body><div style="width:600px">wide</div></body></html>')
        assert page.evaluate(WIDTH_JS) > PHONE
    finally:
        page.context.close()
