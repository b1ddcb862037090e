"""The page states of safety reports and reviews that the accessibility suite checks with axe:
the patient's, the practitioner's and the admin's."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.a11y_pages import Walk, heading, log_in
from tests.browser.a11y_world import ADMIN, PATIENT, PRACTITIONER, World


def patient(w: Walk, world: World) -> None:
    page = w.page
    log_in(page, w.base, PATIENT)
    visit = f"/appointments/{world.past_visit_id}"
    w.visit(f"{visit}/reaction", "reaction checklist: empty")
    page.get_by_role("group", name="Something else (describe it below)").get_by_label("Mild").check()
    w.submit("Send my report", "reaction checklist: something else without a description")
    page.get_by_role("group", name="Chest pain or shortness of breath").get_by_label("Mild").check()
    page.get_by_label("Anything else your practitioner should know?").fill("Tight chest since this morning")
    w.submit("Send my report", "reaction advice: urgent", errors=False)
    heading(page, "Seek care now")
    w.visit(f"/appointments/{world.confirmed_id}/reaction", "reaction checklist: not a past visit", status=409)
    w.visit(f"/appointments/{world.attended_visit_id}/review", "review form: empty")
    w.submit("Publish my review", "review form: no rating")
    w.visit(f"/appointments/{world.past_visit_id}/review", "review: not attended yet", status=409)
    page.goto(w.base + f"/appointments/{world.attended_visit_id}/review")
    page.get_by_label("4 — good").check()
    page.get_by_label("Your review (optional)").fill("Careful and kind.")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish my review").click()
    heading(page, "Reviews of Mei Chen")
    w.check("reviews of a practitioner: one review")


def practitioner(w: Walk, world: World) -> None:
    page = w.page
    log_in(page, w.base, PRACTITIONER)
    w.visit("/practice/safety", "safety reports: one urgent")
    page.locator("table.safety-table a").first.click()
    heading(page, "Reaction report from Pat Lee")
    w.check("reaction report: needs acknowledging")
    w.submit("Acknowledge", "reaction report: acknowledgement without a note")
    w.visit("/practice/reviews", "your reviews: one to answer")
    expect(page.get_by_label("Your public reply to Pat L.")).to_be_visible()


def admin(w: Walk, world: World) -> None:
    log_in(w.page, w.base, ADMIN)
    w.visit("/admin/safety", "safety queue: one urgent report")
    w.visit("/admin/reviews", "reported reviews: none")
