"""The page states the accessibility suite checks with axe: a practitioner's and an admin's."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

from PIL import Image
from playwright.sync_api import expect

from tests.browser.a11y_pages import Walk, heading, log_in
from tests.browser.a11y_world import ADMIN, PENDING_NUMBER, PRACTITIONER, World


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 320), (40, 120, 110)).save(out, format="PNG")
    return out.getvalue()


def practitioner(w: Walk, world: World) -> None:
    page = w.page
    log_in(page, w.base, PRACTITIONER)
    heading(page, "Your practice")
    w.check("practice: overview of a listed profile")

    w.visit("/practice/profile", "profile form: filled in")
    page.get_by_label("Years treating chronic pain").fill("many")
    page.get_by_label("NPI number").fill("123")
    w.submit("Save profile", "profile form: errors")

    w.visit("/practice/clinics", "clinics: two clinics")
    w.visit("/practice/clinics/new", "clinic form: empty")
    w.submit("Save clinic", "clinic form: nothing entered")
    page.get_by_label("Town or city").fill("San Francisco")
    page.get_by_label("State or province").select_option("US-CA")
    page.get_by_label("ZIP or postal code").fill("00000")
    w.submit("Save clinic", "clinic form: the address is not on the map")
    w.visit(f"/practice/clinics/{world.clinic_id}/edit", "clinic form: editing")
    w.visit(f"/practice/clinics/{world.clinic_id}/delete", "delete clinic: appointments first")
    w.visit(f"/practice/clinics/{world.spare_clinic_id}/delete", "delete clinic: confirm")

    w.visit("/practice/photo", "photo: none yet")
    photo = page.get_by_label("Photo", exact=True)
    photo.set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"})
    w.submit("Upload photo", "photo: not an image")
    photo.set_input_files({"name": "me.png", "mimeType": "image/png", "buffer": _png()})
    w.submit("Upload photo", "photo: uploaded", errors=False)
    expect(page.get_by_role("img", name="Mei Chen")).to_be_visible()
    w.visit("/practice/preview", "preview of the public profile, with photo")

    w.visit("/practice/licences", "licences: one verified")
    w.visit("/practice/licences/new", "licence form: empty")
    page.get_by_label("Issued in").select_option("US-CA")
    page.get_by_label("Credential title").fill("L.Ac.")
    page.get_by_label("Licence number").fill("12")
    page.get_by_label("Issue date").fill((date.today() - timedelta(days=900)).isoformat())
    page.get_by_label("Expiry date").fill((date.today() - timedelta(days=5)).isoformat())
    w.submit("Submit for review", "licence form: failed checks")
    page.get_by_label("Licence number").fill("")
    page.get_by_label("Expiry date").fill("soon")
    w.submit("Submit for review", "licence form: missing and malformed fields")
    w.visit(f"/practice/licences/{world.verified_licence_id}/edit", "licence form: editing a verified licence")
    w.visit(f"/practice/licences/{world.verified_licence_id}/withdraw", "withdraw licence: confirm")

    w.visit("/practice/availability", "availability: hours, time off and preview")
    hours = page.locator(f"#hours-{world.clinic_id}")
    hours.get_by_label("Monday").fill("9 till late")
    w.submit(re.compile(r"^Save hours"), "availability: hours not understood", scope=hours)
    page.get_by_label("First visit length (minutes)").fill("1000")
    w.submit("Save booking rules", "availability: booking rules out of range")
    page.get_by_label("First day").fill("someday")
    w.submit("Add time off", "availability: time off not understood")

    w.visit("/practice/appointments", "appointments inbox: a request and a confirmed visit")
    w.visit(f"/practice/appointments/{world.requested_id}", "request: intake, confirm or decline")
    w.submit("Decline the request", "request: declined without a message")
    w.visit(f"/practice/appointments/{world.confirmed_id}", "confirmed visit: cancel form")
    w.visit("/practice/calendar", "calendar feed: none yet")
    page.get_by_role("button", name="Create a calendar feed").click()
    expect(page.get_by_role("textbox", name="Feed address")).to_be_visible()
    # The script adds a copy button; pressing it selects the whole address and says what happened.
    page.get_by_role("button", name="Copy the address").click()
    expect(page.get_by_role("status").filter(has_text=re.compile("Copied|Ctrl\\+C"))).to_be_visible()
    assert page.evaluate("(() => { const f = document.getElementById('feed-url');"
                         " return f.selectionStart === 0 && f.selectionEnd === f.value.length; })()")
    w.check("calendar feed: the new address shown once")


def roster_csv() -> bytes:
    return ("License Number,Name,License Status,Expiration Date\r\n"
            f"{PENDING_NUMBER},\"Pending, Ann\",Current,01/31/2034\r\n"
            ",No Number,Active,01/31/2030\r\n").encode()


def admin(w: Walk, world: World) -> None:
    page = w.page
    log_in(page, w.base, ADMIN)
    heading(page, "Admin")
    w.check("admin: overview")
    w.visit("/admin/licences", "verification queue: one licence")
    w.visit(f"/admin/licences/{world.pending_licence_id}", "licence review: checks and decision form")
    page.get_by_label("Reject: the licence cannot be verified").check()
    w.submit("Record decision", "licence review: rejected without a reason")

    w.visit("/admin/rosters", "rosters: none imported")
    w.submit("Import roster", "rosters: nothing chosen")
    page.get_by_label("Roster file (CSV)").set_input_files(
        {"name": "ca-roster.csv", "mimeType": "text/csv", "buffer": roster_csv()})
    page.get_by_label("Jurisdiction").select_option("US-CA")
    page.get_by_label("Source").fill("California Acupuncture Board lookup")
    w.submit("Import roster", "rosters: import report", errors=False)
    expect(page.get_by_role("status")).to_contain_text("Roster imported")
    with page.expect_navigation():
        page.get_by_role("link", name="This import’s report and lists").click()
    w.check("roster import: report with its counts")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(r"licences not found: open the list")).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Licences not found"))).to_be_visible()
    w.check("roster import: the licences not found")
    w.visit(f"/admin/licences/{world.pending_licence_id}", "licence review: beside the roster row")
    # Mei's verified licence is not on that roster: back in the queue, still listed.
    w.visit("/admin/licences", "verification queue: verified licences back for review")
    w.visit(f"/admin/licences/{world.verified_licence_id}", "licence review: verified, roster check failing")
    w.submit("Record board status", "licence review: board status without a note")

    w.visit("/admin/expiring", "expiring and lapsed licences")
    w.visit("/admin/practitioners?q=Chen", "practitioners: search")
    w.visit(f"/admin/practitioners/{world.pending_practitioner_id}", "practitioner: suspend form")
    w.submit("Suspend Ann Pending", "practitioner: suspended without a reason")
    page.get_by_label("Reason").fill("Complaint under investigation.")
    w.submit("Suspend Ann Pending", "practitioner: suspended, reinstate form", errors=False)
    expect(page.get_by_role("button", name="Reinstate Ann Pending")).to_be_visible()

    w.visit("/admin/audit", "audit log: every event")
    w.visit("/admin/audit?subject_type=practitioner&since=2000-01-01", "audit log: filtered")
    w.visit("/admin/audit?since=yesterday&subject_id=x", "audit log: filters not understood", status=400)
