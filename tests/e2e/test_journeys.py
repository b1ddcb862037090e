"""The whole product as its people use it, over gunicorn and a migrated database: a practitioner
builds a practice, an admin verifies the licence against an imported roster, a patient finds
her, requests a time and gets it confirmed, and when the licence expires she leaves search.
Each person has a browser of their own; each step saves screenshots when it fails."""
from __future__ import annotations

import json
import re
import time
import urllib.request
from datetime import date, timedelta, timezone
from email import message_from_bytes, policy

import pytest
from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select, text

from directory.extensions import db
from directory.models import Licence, VerificationState
from tests.e2e import ui
from tests.e2e.ui import PASSWORD, main_nav, practice_nav

pytestmark = pytest.mark.e2e

NAME, EMAIL = "Mei Chen", "mei.chen@example.com"
ADMIN_EMAIL = "rae.reviewer@example.com"
PATIENT, PATIENT_EMAIL = "Pat Lee", "pat.lee@example.com"
BIO = "I treat chronic low back pain with gentle electroacupuncture and movement advice."
CLINIC = "Mission Wellness"


def build_practice(page, base_url: str, issued: date, expires: date) -> None:
    page.goto(base_url + "/")
    main_nav(page).get_by_role("link", name="Sign up").click()
    ui.fill_sign_up(page, name=NAME, email=EMAIL, practitioner=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your practice")

    practice_nav(page).get_by_role("link", name="Profile").click()
    page.get_by_label("Credential letters").fill("L.Ac., Dipl. Ac.")
    page.get_by_label("Biography").fill(BIO)
    page.get_by_label("Years treating chronic pain").fill("12")
    page.get_by_label("Electroacupuncture", exact=True).check()
    page.get_by_label("English", exact=True).check()
    page.get_by_label("First visit fee").fill("120")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile has been saved.")

    practice_nav(page).get_by_role("link", name="Clinics").click()
    page.get_by_role("link", name="Add a clinic").click()
    page.get_by_label("Clinic name").fill(CLINIC)
    page.get_by_label("Street address").fill("3000 Mission St")
    page.get_by_label("Town or city").fill("San Francisco")
    page.get_by_label("State or province").select_option(label="California")
    page.get_by_label("ZIP or postal code").fill("94110")
    page.get_by_role("button", name="Save clinic").click()
    expect(page.get_by_role("status")).to_contain_text("its time zone is America/Los_Angeles")

    practice_nav(page).get_by_role("link", name="Licences").click()
    page.get_by_role("link", name="Add a licence").click()
    page.get_by_label("Issued in").select_option("US-CA")
    page.get_by_label("Credential title").fill("L.Ac.")
    page.get_by_label("Licence number").fill("AC 24680")
    page.get_by_label("Issue date").fill(issued.isoformat())
    page.get_by_label("Expiry date").fill(expires.isoformat())
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text("Submitted for review.")

    practice_nav(page).get_by_role("link", name="Availability").click()
    hours = page.get_by_role("group", name=re.compile(CLINIC))
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        hours.get_by_label(day, exact=True).fill("09:00-12:00, 13:00-17:00")
    page.get_by_role("button", name=re.compile(r"^Save hours")).click()
    expect(page.get_by_role("status")).to_contain_text("Weekly hours saved for")
    page.reload()
    expect(page.get_by_label("Wednesday", exact=True)).to_have_value("09:00-12:00, 13:00-17:00")

    practice_nav(page).get_by_role("link", name="Overview").click()
    page.get_by_role("button", name="Publish my profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is published.")
    expect(page.get_by_role("region", name="Listing status")).to_contain_text(
        "no verified licence for California")


def verify_licence(page, server, tmp_path, expires: date) -> None:
    out = server.flask("create-admin", ADMIN_EMAIL, "--name", "Rae Reviewer", stdin=PASSWORD + "\n")
    assert f"Created administrator {ADMIN_EMAIL}" in out
    roster = tmp_path / "ca-roster.csv"
    us_date = expires.strftime("%m/%d/%Y")
    roster.write_text("License Number,Name,Status,Expiration Date,City\n"
                      f"AC 24680,\"CHEN, MEI\",Active,{us_date},San Francisco\n"
                      f"AC 13579,\"ORTIZ, ANA\",Active,{us_date},Oakland\n"
                      f"AC 11223,\"BROWN, SAM\",Delinquent,{us_date},Fresno\n")

    ui.log_in(page, server.url, ADMIN_EMAIL)
    main_nav(page).get_by_role("link", name="Admin").click()
    expect(page.get_by_text("1 licence waiting for verification")).to_be_visible()
    admin_nav = page.get_by_role("navigation", name="Admin")
    admin_nav.get_by_role("link", name="Rosters").click()
    page.get_by_label("Roster file (CSV)").set_input_files(str(roster))
    page.get_by_label("Jurisdiction").select_option("US-CA")
    page.get_by_label("Source").fill("California Acupuncture Board licence lookup")
    page.get_by_role("button", name="Import roster").click()
    report = page.get_by_role("status").filter(has_text="Roster imported")
    expect(report).to_contain_text(re.compile(r"Rows read\s*3"))
    expect(report).to_contain_text(re.compile(r"Licences matched\s*1"))

    admin_nav.get_by_role("link", name="Verification queue").click()
    row = page.get_by_role("row").filter(has_text=NAME)
    expect(row).to_contain_text("AC 24680")
    expect(row).to_contain_text("All passed")
    row.get_by_role("link", name=re.compile("Review")).click()
    expect(page.get_by_role("table", name=re.compile("board roster"))).to_contain_text("CHEN, MEI")
    checks = page.get_by_role("table", name="Every automatic check on this licence")
    expect(checks.get_by_role("row").filter(has_text="Board roster")).to_contain_text(
        "Found on the California roster")
    expect(checks).not_to_contain_text("Fail")
    page.get_by_label("Approve: the licence is verified").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("was approved")


def request_and_confirm(patient, practitioner, base_url: str):
    """The patient finds the practitioner, signs up on the way and requests the first free
    time; the practitioner confirms it. Returns the profile URL and the chosen UTC start."""
    ui.search(patient, base_url, "94110")
    expect(patient.get_by_role("heading", level=2)).to_contain_text("1 practitioner within 25 mi")
    result = ui.results_named(patient, NAME)
    expect(result).to_contain_text(re.compile(r"Licence verified \d+ \w{3} \d{4} · California"))
    result.get_by_role("link", name=NAME).click()
    expect(patient.get_by_role("heading", level=1)).to_have_text(NAME)
    profile_url = patient.url
    slot, start = ui.first_slot(patient)
    expect(patient.get_by_role("region", name="Request an appointment")).to_contain_text("America/Los_Angeles")
    slot.click()
    expect(patient).to_have_url(re.compile(r"/login\?next="))
    patient.get_by_role("link", name="Create an account").click()
    ui.fill_sign_up(patient, name=PATIENT, email=PATIENT_EMAIL, practitioner=False)
    ui.fill_intake(patient)
    patient.get_by_role("button", name="Send request").click()
    expect(patient).to_have_url(re.compile(r"/appointments$"))
    expect(patient.get_by_role("status")).to_contain_text(f"has been sent to {NAME}")
    expect(patient.get_by_role("region", name="Upcoming")).to_contain_text("Requested")

    practitioner.goto(base_url + "/practice")
    practice_nav(practitioner).get_by_role("link", name="Appointments").click()
    waiting = practitioner.get_by_role("region", name="Requests waiting for your answer")
    waiting.get_by_role("link", name=re.compile(rf"^{PATIENT}")).click()
    expect(practitioner.get_by_role("region", name="Intake")).to_contain_text(ui.REASON)
    practitioner.get_by_role("button", name="Confirm the appointment").click()
    expect(practitioner.get_by_role("status")).to_contain_text(f"Confirmed: {PATIENT}")
    return profile_url, start


def download_ics(patient) -> str:
    main_nav(patient).get_by_role("link", name="My appointments").click()
    upcoming = patient.get_by_role("region", name="Upcoming")
    expect(upcoming).to_contain_text("Confirmed")
    with patient.expect_download() as download:
        upcoming.get_by_role("link", name=re.compile(r"Add to your calendar")).click()
    assert download.value.suggested_filename.endswith(".ics")
    return download.value.path().read_text()


def assert_calendar_file(ics: str, start) -> None:
    assert ics.startswith("BEGIN:VCALENDAR")
    events = Calendar.from_ical(ics).walk("VEVENT")
    assert len(events) == 1
    # Written in the clinic's zone (with its VTIMEZONE) or in UTC: either way the same instant
    # as the slot the patient chose, which the page's link gave in UTC.
    dtstart = events[0]["DTSTART"]
    in_utc = dtstart.to_ical().decode().endswith("Z")
    assert in_utc or dtstart.params.get("TZID") == "America/Los_Angeles", dtstart.to_ical()
    assert in_utc or "TZID:America/Los_Angeles" in ics  # the zone is defined in the file
    assert dtstart.dt.astimezone(timezone.utc) == start.astimezone(timezone.utc)
    assert events[0].get("STATUS") == "CONFIRMED"
    for private in (ui.REASON, ui.HISTORY, ui.MEDICATIONS, "afraid of needles"):
        assert private not in ics


def wait_for_mail(folder, to: str, subject: str, seconds: float = 10.0) -> None:
    """The server's MAIL_FILE_DIR (a folder of this test) gets the message. It is written by a
    background thread right after the commit, so it may lag the page a little."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in folder.glob("*.eml"):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == to and str(message["Subject"]).startswith(subject):
                return
        time.sleep(0.2)
    pytest.fail(f"no email to {to} about {subject!r} in the server's mail folder")


def api_search_names(base_url: str, near: str, times: int = 12) -> set[str]:
    """Names in anonymous API answers, asked several times so that every worker answers
    (and keeps the answer in its cache)."""
    found: set[str] = set()
    for _ in range(times):
        with urllib.request.urlopen(f"{base_url}/api/v1/practitioners?near={near}&radius=25") as answer:
            found.update(r["name"] for r in json.load(answer)["results"])
    return found


@pytest.mark.browser
def test_practice_verification_booking_and_lapse(server, server_db, new_page, steps, tmp_path):
    practitioner, admin, patient = new_page(), new_page(), new_page()
    issued = date.today() - timedelta(days=200)
    expires = date.today() + timedelta(days=500)

    with steps("1. practitioner builds a practice", practitioner=practitioner):
        build_practice(practitioner, server.url, issued, expires)

    with steps("2. admin imports a roster and approves", admin=admin, practitioner=practitioner):
        verify_licence(admin, server, tmp_path, expires)
        practitioner.goto(server.url + "/practice")
        expect(practitioner.get_by_role("region", name="Listing status")).to_contain_text(
            f"Your profile is listed and shown in search for: San Francisco, CA ({CLINIC}).")

    with steps("3. patient requests a time and it is confirmed", patient=patient, practitioner=practitioner):
        profile_url, start = request_and_confirm(patient, practitioner, server.url)
        assert_calendar_file(download_ics(patient), start)
        wait_for_mail(server.mail_dir, PATIENT_EMAIL, f"Confirmed: acupuncture with {NAME}")

    with steps("5. the licence lapses and she leaves search", patient=patient):
        assert NAME in api_search_names(server.url, "94110")  # now cached by the workers
        with server_db.app_context():
            # Stands for time passing: the licence form refuses an expiry in the past, so the
            # expiry moves back directly, as the calendar would have moved forward.
            db.session.execute(text("UPDATE licence SET expires_on = :day WHERE number_normalized = 'AC24680'"),
                               {"day": date.today() - timedelta(days=1)})
            db.session.commit()
        assert "1 licence lapsed" in server.flask("licences", "lapse")
        wait_for_mail(server.mail_dir, EMAIL, "Your California licence AC 24680 has lapsed")
        with server_db.app_context():
            state = db.session.scalar(select(Licence.verification_state)
                                      .where(Licence.number_normalized == "AC24680"))
            assert state is VerificationState.LAPSED
        # The lapse ran in another process: no worker may answer from what it cached before.
        assert NAME not in api_search_names(server.url, "94110")
        ui.search(patient, server.url, "94110")
        expect(patient.get_by_role("heading", level=2)).to_contain_text("0 practitioners within 25 mi")
        expect(ui.results_named(patient, NAME)).to_have_count(0)
        response = patient.goto(profile_url)
        assert response is not None and response.status == 404
