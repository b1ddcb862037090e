"""The course pages the accessibility suite checks: a practitioner proposes a plan from Pat's
confirmed visit (with errors first), Pat reads it, books it, checks in (with errors first)
and sees the chart; the practitioner sees progress and the decision form."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.a11y_pages import Walk, heading, log_in
from tests.browser.a11y_world import PATIENT, PRACTITIONER, World


def courses(w: Walk, world: World) -> None:
    page = w.page
    log_in(page, w.base, PRACTITIONER)
    page.goto(f"{w.base}/practice/appointments/{world.confirmed_id}")
    page.get_by_role("link", name="Propose a treatment plan").click()
    heading(page, "Propose a treatment plan")
    w.check("course proposal: empty")
    page.get_by_label("Number of sessions").fill("40")
    w.submit("Propose the plan", "course proposal: errors")
    page.get_by_label("Number of sessions").fill("10")
    page.get_by_label("Activity 1").fill("Walking 30 minutes")
    page.get_by_label("Activity 2").fill("Sleeping through the night")
    w.submit("Propose the plan", "course: proposed, as the practitioner sees it", errors=False)
    course_url = page.url
    w.visit("/courses", "courses: one proposed")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()

    log_in(page, w.base, PATIENT)
    page.goto(course_url)
    w.check("course: the plan in plain language, to book")
    page.get_by_role("link", name=re.compile("Book all 10 sessions")).click()
    heading(page, "Book your treatment course")
    w.check("course booking: proposed times")
    w.submit("Book all 10 sessions", "course: booked, no check-ins yet", errors=False)
    page.get_by_role("link", name="Check in for session 1", exact=True).click()
    heading(page, "Check-in for session 1")
    w.check("check-in: empty")
    w.submit("Save my check-in", "check-in: nothing answered")
    page.get_by_role("group", name=re.compile("^Your back pain")).get_by_label("7", exact=True).check()
    for name in ("Walking 30 minutes", "Sleeping through the night"):
        page.get_by_role("group", name=re.compile(f"^{name}")).get_by_label("3", exact=True).check()
    w.submit("Save my check-in", "course: baseline recorded", errors=False)
    expect(page.get_by_role("status")).to_contain_text("your check-in is saved")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()

    log_in(page, w.base, PRACTITIONER)
    page.goto(course_url)
    expect(page.get_by_role("heading", name="Record a decision")).to_be_visible()
    w.check("course: booked, as the practitioner sees it, with the decision form")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
