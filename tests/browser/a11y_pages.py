"""The page states the accessibility suite checks with axe: a visitor's and a patient's.
Each step reaches a state the way a user would (a link, a form) or by its address, checks
that the state is the one meant, then hands the page to axe."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.a11y_support import AxeAudit, error_link_problems, skip_browser_validation
from tests.browser.a11y_world import PASSWORD, PATIENT, World


@dataclass
class Walk:
    page: Page
    base: str
    audit: AxeAudit

    def visit(self, path: str, state: str, status: int = 200) -> None:
        response = self.page.goto(self.base + path)
        answered = response.status if response is not None else None
        assert answered == status, f"{state}: {path} answered {answered}, not {status}"
        self.audit.check(self.page, state)

    def check(self, state: str) -> None:
        self.audit.check(self.page, state)

    def submit(self, button: str | re.Pattern, state: str, *, errors: bool = True, scope=None) -> None:
        """Send the form whose button is named ``button``; with ``errors``, expect the server
        to send the form back with its problems shown."""
        skip_browser_validation(self.page)
        with self.page.expect_navigation():
            (scope or self.page).get_by_role("button", name=button, exact=isinstance(button, str)).click()
        if errors:
            expect(self.page.locator(".error-summary, .field__error").first).to_be_visible()
            self.audit.unlinked_errors += [f"{state}: {problem}" for problem in error_link_problems(self.page)]
        self.audit.check(self.page, state)


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out")).to_be_visible()


def heading(page: Page, text: str | re.Pattern) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def visitor(w: Walk, world: World, app: Flask) -> None:
    page = w.page
    w.visit("/", "search: nothing searched yet")
    w.visit("/?near=94110&per_page=1", "search: results over several pages, with their map")
    expect(page.get_by_role("navigation", name="Results pages")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^Map of result 1 within"))).to_be_visible()
    w.visit("/?near=10001", "search: no results, with suggestions")
    expect(page.locator(".empty-state")).to_be_visible()
    w.visit("/?near=94110&page=99", "search: past the last page of results")
    w.visit("/?near=00000&min_years=lots", "search: unknown ZIP and a bad filter", status=200)
    expect(page.get_by_role("alert")).to_contain_text("There is a problem with your search")
    w.visit("/?near=Seatle,+WA", "search: a misspelt city, with the place meant")
    expect(page.get_by_role("navigation", name="Search instead near")).to_contain_text("Seattle, WA")
    w.visit("/?near=Birmingham,+AL", "search: a state that does not license acupuncture")
    expect(page.locator("#unlicensed-state")).to_contain_text("Alabama does not license")

    profile = f"/practitioners/{world.practitioner_id}"
    w.visit(profile, "profile: free times to request")
    w.visit(f"{profile}/slots?clinic={world.clinic_id}&date={world.slot_day.isoformat()}&kind=initial",
            "profile: every free time on one day")
    # Choosing a time sends a visitor to log in first.
    page.goto(w.base + profile)
    page.get_by_role("region", name="Request an appointment").locator("a.slot").first.click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    w.check("login: asked to log in before requesting a time")

    w.visit("/privacy", "privacy policy")
    w.visit("/terms", "terms of use")
    w.visit("/login", "login: empty")
    w.submit("Log in", "login: nothing entered")
    page.get_by_label("Email address").fill(PATIENT)
    page.get_by_label("Password").fill("not the password")
    w.submit("Log in", "login: wrong password")

    w.visit("/signup", "signup: empty")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_label("Password", exact=True).fill("short")
    w.submit("Create account", "signup: errors")

    w.visit("/password/forgot", "forgot password: empty")
    w.submit("Send the link", "forgot password: no address")
    page.get_by_label("Email address").fill(PATIENT)
    w.submit("Send the link", "forgot password: link sent", errors=False)
    expect(page.get_by_role("status")).to_be_visible()
    w.visit(f"/password/reset/{world.reset_token}", "reset password: empty")
    page.get_by_label("New password").fill("harbour juniper kettle")
    page.get_by_label("Type the password again").fill("something else entirely")
    w.submit("Change password", "reset password: passwords differ")
    w.visit("/password/reset/not-a-token", "reset password: link no longer works", status=400)

    w.visit("/no-such-page", "error 404", status=404)
    # A form sent without its CSRF token (the suite runs with CSRF checks off: turn them on).
    page.goto(w.base + "/login")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page.get_by_role("button", name="Log in").click()
        heading(page, "Bad Request")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    w.check("error 400: form without its CSRF token")

    # A new patient signs up and has no appointments yet.
    page.goto(w.base + "/signup")
    page.get_by_label("Your name").fill("Sam New")
    page.get_by_label("Email address").fill("sam.new@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome")
    w.check("signed up: welcome message")
    w.visit("/appointments", "appointments: none yet")
    expect(page.get_by_text("You have no upcoming appointments.")).to_be_visible()

    # Sam closes the new account again: the form's errors, then the closed page.
    w.visit("/account/close", "close account: nothing to cancel first")
    w.submit("Close my account", "close account: box not ticked, no password")
    page.get_by_label("I understand that this cannot be undone").check()
    page.get_by_label("Your password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Close my account").click()
    heading(page, "Your account is closed")
    w.check("account closed")


def patient(w: Walk, world: World) -> None:
    page = w.page
    log_in(page, w.base, PATIENT)
    w.visit("/appointments", "appointments: requested, confirmed and declined")
    w.visit(f"/appointments/{world.requested_id}", "appointment: details and intake")
    # A reason is optional (as in the API), and the field's maxlength keeps it short: the form
    # has no error state a browser can reach. Not sent: the confirmed visit is used below.
    w.visit(f"/appointments/{world.confirmed_id}/cancel", "cancel: empty")
    w.visit(f"/appointments/{world.requested_id}/reschedule", "reschedule: choose a new time")
    page.locator("a.slot").first.click()
    expect(page.get_by_role("button", name="Move my appointment")).to_be_visible()
    w.check("reschedule: confirm the new time")

    # Requesting a time: the intake, its errors, the red-flag stop, and the request sent.
    page.goto(f"{w.base}/practitioners/{world.practitioner_id}")
    page.get_by_role("region", name="Request an appointment").locator("a.slot").first.click()
    heading(page, "Request an appointment")
    slot_url = page.url
    w.check("intake: empty")
    w.submit("Send request", "intake: nothing answered")
    page.get_by_label("New loss of bladder or bowel control").check()
    w.submit("Send request", "intake: red flag, seek urgent care", errors=False)
    heading(page, "Seek urgent medical care now")
    page.goto(slot_url)
    page.get_by_label("What would you like help with?").fill("Low back pain when sitting.")
    page.get_by_label("More than a year").check()
    page.get_by_label(re.compile(r"^How bad is the pain right now")).select_option("5")
    w.submit("Send request", "appointments: request just sent", errors=False)
    expect(page.get_by_role("status")).to_contain_text("has been sent to Mei Chen")

    taken = re.sub(r"start=[^&]+", f"start={world.taken_start}", slot_url)
    assert taken != slot_url
    page.goto(taken)
    heading(page, "This time is no longer available")
    w.check("request: the time is taken, other times offered")
    w.visit("/appointments/new?practitioner=x", "error 400: damaged link to a time", status=400)
    w.visit("/practice", "error 403: a patient on a practitioner page", status=403)

    w.visit("/account", "account: empty")
    section = page.get_by_role("region", name="Change your password")
    section.get_by_label("Current password").fill("wrong password")
    w.submit("Change password", "account: password not changed", scope=section)
    section = page.get_by_role("region", name="Change your email address")
    section.get_by_label("New email address").fill("not an address")
    w.submit("Send confirmation link", "account: email not changed", scope=section)
    w.visit("/account/close", "close account: upcoming visits to cancel first")
    w.visit(f"/account/email/confirm/{world.email_token}", "account: confirm the new email address")
    w.visit("/account/email/confirm/not-a-token", "account: email link no longer works", status=400)
    w.visit("/logout", "log out: confirm")
