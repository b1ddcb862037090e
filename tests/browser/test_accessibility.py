"""Accessibility: axe-core (WCAG 2.1 A/AA and best practice) on every page template in every
state a user can reach, as a visitor, a patient, a practitioner and an admin; errors that
are announced and lead to their fields; and the search and booking journeys by keyboard only.

A new page template fails this suite until a state of it is added to the walks in
a11y_pages.py / a11y_staff_pages.py (see a11y_support.page_templates for what counts as a page)."""
from __future__ import annotations

import re
import warnings

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser import a11y_safety_pages, a11y_world
from tests.browser.a11y_course_pages import courses
from tests.browser.a11y_pages import Walk, log_in, patient, visitor
from tests.browser.a11y_staff_pages import admin, practitioner
from tests.browser.a11y_support import (AxeAudit, TemplateLog, axe_violations, error_link_problems, page_templates,
                                        skip_browser_validation)
from tests.browser.a11y_world import PASSWORD, PATIENT, PRACTITIONER

pytestmark = pytest.mark.browser


def new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    return context


def test_every_page_template_passes_axe_in_every_state(live_server, browser):
    with live_server.app.app_context():
        world = a11y_world.build()
    walks = [lambda w: visitor(w, world, live_server.app), lambda w: patient(w, world),
             lambda w: practitioner(w, world), lambda w: admin(w, world),
             lambda w: a11y_safety_pages.patient(w, world), lambda w: a11y_safety_pages.practitioner(w, world),
             lambda w: a11y_safety_pages.admin(w, world), lambda w: courses(w, world)]
    with TemplateLog(live_server.app) as log:
        audit = AxeAudit(log)
        for walk in walks:  # one browser context (one login) per role
            context = new_context(browser)
            try:
                walk(Walk(context.new_page(), live_server.url, audit))
            finally:
                context.close()
        rendered = log.rendered()

    pages = page_templates()
    assert len(pages) > 30, sorted(pages)  # the discovery itself works
    never_rendered = sorted(pages - rendered)
    unchecked = sorted(pages - set(audit.checked))
    assert not never_rendered and not unchecked, (
        f"page templates without an axe check: never rendered {never_rendered}, rendered but not checked "
        f"{unchecked}. Add a state of each to the walks in tests/browser/a11y_*pages.py.")
    assert not audit.unlinked_errors, "\n".join(audit.unlinked_errors)
    blocking = audit.blocking()
    assert not blocking, (f"{len(blocking)} serious or critical axe violations "
                          f"(all {len(audit.findings)} findings, worst first):\n{audit.report()}")
    if audit.findings:
        warnings.warn(f"minor or moderate axe findings:\n{audit.report()}", stacklevel=1)


def test_the_checks_report_what_they_should(page):
    # Guards the guard: a bad option or a failed injection would otherwise pass every page.
    page.set_content('<!doctype html><html lang="en"><head><title>Bad</title></head><body><main>'
                     '<h1>Bad page</h1><input type="text"><p style="color:#bbb">Faint text</p>'
                     '<img src="data:,"></main></body></html>')
    found = {v["id"]: v["impact"] for v in axe_violations(Axe(), page)}
    assert found.get("label") == "critical" and found.get("image-alt") == "critical", found
    assert found.get("color-contrast") == "serious", found

    page.set_content('<div class="error-summary"><ul><li><a href="#email">Enter your email</a></li>'
                     '<li>Something else</li></ul></div><input id="email"><p class="field__error">Enter your email</p>')
    problems = " | ".join(error_link_problems(page))
    for expected in ("neither an alert nor focused", '"Something else" links to nothing',
                     "#email is not described by its error", '#email lacks aria-invalid="true"'):
        assert expected in problems, problems


def follow_error_link_by_keyboard(page: Page, field: Locator) -> None:
    """Tab from the top of the page to the error summary's link to ``field``, follow it
    and land on the field."""
    link = page.locator(".error-summary").locator(f"a[href='#{field.evaluate('element => element.id')}']")
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(field).to_be_focused()


def assert_errors_announced_and_linked(page: Page, expected_links: int) -> None:
    summary = page.locator(".error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()  # read out first, and Tab goes on to its links
    expect(summary.locator("a")).to_have_count(expected_links)
    assert error_link_problems(page) == []


def test_form_errors_are_announced_and_lead_to_their_fields(live_server, page):
    with live_server.app.app_context():
        world = a11y_world.build()

    page.goto(live_server.url + "/login")
    skip_browser_validation(page)
    page.get_by_role("button", name="Log in").click()
    assert_errors_announced_and_linked(page, 2)
    expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
    follow_error_link_by_keyboard(page, page.get_by_label("Email address"))

    page.goto(live_server.url + "/signup")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again").fill("a different passphrase")
    skip_browser_validation(page)
    page.get_by_role("button", name="Create account").click()
    assert_errors_announced_and_linked(page, 3)  # name, email address, confirmation
    follow_error_link_by_keyboard(page, page.get_by_label("Your name"))

    log_in(page, live_server.url, PATIENT)
    page.goto(f"{live_server.url}/practitioners/{world.practitioner_id}")
    page.locator("a.slot").first.click()
    skip_browser_validation(page)
    page.get_by_role("button", name="Send request").click()
    assert_errors_announced_and_linked(page, 3)  # reason, how long, how bad
    expect(page.locator("fieldset#pain_duration")).to_have_attribute(
        "aria-describedby", re.compile(r"\bpain_duration-error\b"))
    follow_error_link_by_keyboard(page, page.get_by_label("What would you like help with?"))
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()

    log_in(page, live_server.url, PRACTITIONER)
    page.goto(live_server.url + "/practice/licences/new")
    page.get_by_label("Issued in").select_option("US-CA")
    page.get_by_label("Credential title").fill("L.Ac.")
    page.get_by_label("Licence number").fill("12")
    page.get_by_label("Expiry date").fill("2001-01-01")
    skip_browser_validation(page)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".error-summary a").first).to_be_visible()
    assert error_link_problems(page) == []
    expect(page.locator(".error-summary")).to_have_attribute("role", "alert")
    expect(page.locator(".error-summary")).to_be_focused()
    number = page.get_by_label("Licence number")
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Expiry date")).to_have_attribute("aria-invalid", "true")
    follow_error_link_by_keyboard(page, number)


def tab_to(page: Page, target: Locator, limit: int = 80) -> None:
    """Press Tab until ``target`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} never received the focus in {limit} presses of Tab")


def assert_focus_visible(target: Locator) -> None:
    style = target.evaluate("""element => {
        const s = getComputedStyle(element);
        return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow};
    }""")
    ring = style["outline"] != "none" and style["width"] not in ("0px", "")
    assert ring or style["shadow"] != "none", f"no visible focus style on {target}: {style}"


def test_search_with_the_keyboard_only(live_server, page):
    with live_server.app.app_context():
        world = a11y_world.build()
    page.goto(live_server.url + "/")
    tab_to(page, page.get_by_label("Location"))
    page.keyboard.type("94110")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/\?near=94110"))
    result = page.locator(".result__name a", has_text="Mei Chen")
    tab_to(page, result)
    assert_focus_visible(result)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/practitioners/{world.practitioner_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mei Chen")


def test_booking_with_the_keyboard_only(live_server, page):
    with live_server.app.app_context():
        world = a11y_world.build()
    page.goto(live_server.url + "/login")
    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type(PATIENT)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="My appointments")).to_be_visible()

    page.goto(f"{live_server.url}/practitioners/{world.practitioner_id}")
    slot = page.get_by_role("region", name="Request an appointment").locator("a.slot").first
    tab_to(page, slot)
    assert_focus_visible(slot)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request an appointment")

    tab_to(page, page.get_by_label("What would you like help with?"))
    page.keyboard.type("Low back pain that is worse after sitting.")
    page.keyboard.press("Tab")  # into the "how long" radio group: arrows move and choose
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("3 to 12 months")).to_be_checked()
    pain = page.get_by_label(re.compile(r"^How bad is the pain right now"))
    tab_to(page, pain)
    page.keyboard.type("6")
    expect(pain).to_have_value("6")
    needles = page.get_by_label("I am afraid of needles")
    tab_to(page, needles)
    page.keyboard.press("Space")
    expect(needles).to_be_checked()
    send = page.get_by_role("button", name="Send request")
    tab_to(page, send)
    assert_focus_visible(send)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/appointments$"))
    expect(page.get_by_role("status")).to_contain_text("has been sent to Mei Chen")
    expect(page.get_by_role("region", name="Upcoming")).to_contain_text("Requested")
