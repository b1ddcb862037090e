"""A practitioner's journey in a real browser: sign up, fill in the profile, add a clinic,
upload a photo, publish, and become searchable once a licence is verified. Plus the
clinic error path, logging out and in again, and signing up with the keyboard only."""
from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from directory.extensions import db
from directory.models import Practitioner, User
from tests.factories import add_licence

NAME = "Mei Chen"
EMAIL = "mei.chen@example.com"
PASSWORD = "juniper kettle harbour"
BIO = "I treat chronic low back pain with gentle electroacupuncture and movement advice."


def sign_up_as_practitioner(page: Page, base_url: str, *, name: str = NAME,
                            email: str = EMAIL) -> None:
    page.goto(base_url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    page.get_by_label("A licensed acupuncturist (practitioner)").check()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/practice$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your practice")


def add_clinic(page: Page, *, name: str, city: str, state: str, zip_code: str) -> None:
    page.get_by_role("navigation", name="Your practice").get_by_role("link", name="Clinics").click()
    page.get_by_role("link", name="Add a clinic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a clinic")
    page.get_by_label("Clinic name").fill(name)
    page.get_by_label("Street address").fill("3000 Mission St")
    page.get_by_label("Town or city").fill(city)
    page.get_by_label("State or province").select_option(label=state)
    page.get_by_label("ZIP or postal code").fill(zip_code)
    page.get_by_role("button", name="Save clinic").click()


def status_section(page: Page):
    return page.get_by_role("region", name="Listing status")


@pytest.mark.browser
def test_practitioner_signs_up_builds_a_profile_and_is_listed_once_licensed(live_server, page, tmp_path):
    sign_up_as_practitioner(page, live_server.url)
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to Meridian, {NAME}")
    status = status_section(page)
    expect(status).to_contain_text("Not listed yet because:")
    expect(status).to_contain_text("Your profile is a draft: it has not been published.")
    expect(status).to_contain_text("Add your credential letters")
    expect(status).to_contain_text("Write a short biography")
    expect(status).to_contain_text("Add the clinic where you see patients.")

    # The profile form.
    page.get_by_role("navigation", name="Your practice").get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit your profile")
    expect(page.get_by_label("Display name")).to_have_value(NAME)
    page.get_by_label("Credential letters").fill("L.Ac., Dipl. Ac.")
    page.get_by_label("Biography").fill(BIO)
    page.get_by_label("Years treating chronic pain").fill("12")
    page.get_by_label("Electroacupuncture", exact=True).check()
    page.get_by_label("Cupping", exact=True).check()
    page.get_by_label("Spanish", exact=True).check()
    page.get_by_label("First visit fee").fill("120")
    page.get_by_label("Follow-up visit fee").fill("95.50")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile has been saved.")

    page.reload()
    expect(page.get_by_role("status")).to_have_count(0)  # the message was shown once
    expect(page.get_by_label("Credential letters")).to_have_value("L.Ac., Dipl. Ac.")
    expect(page.get_by_label("Biography")).to_have_value(BIO)
    expect(page.get_by_label("Years treating chronic pain")).to_have_value("12")
    expect(page.get_by_label("Electroacupuncture", exact=True)).to_be_checked()
    expect(page.get_by_label("Cupping", exact=True)).to_be_checked()
    expect(page.get_by_label("Moxibustion", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Spanish", exact=True)).to_be_checked()
    expect(page.get_by_label("English", exact=True)).not_to_be_checked()
    expect(page.get_by_label("First visit fee")).to_have_value("120")
    expect(page.get_by_label("Follow-up visit fee")).to_have_value("95.50")

    # A clinic, placed on the map from its ZIP code.
    add_clinic(page, name="Mission Wellness", city="San Francisco", state="California", zip_code="94110")
    expect(page).to_have_url(re.compile(r"/practice/clinics$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Mission Wellness (San Francisco, CA) has been saved.")
    expect(page.get_by_role("status")).to_contain_text("its time zone is America/Los_Angeles")
    clinics = page.locator(".clinic-list > li")
    expect(clinics).to_have_count(1)
    expect(clinics.first).to_contain_text("America/Los_Angeles")
    expect(clinics.first).to_contain_text("no verified licence for California")

    page.get_by_role("navigation", name="Your practice").get_by_role("link", name="Overview").click()
    expect(status_section(page)).to_contain_text(
        "Mission Wellness (San Francisco, CA): no verified licence for California.")
    expect(page.get_by_role("region", name="Clinics")).to_contain_text("not shown in search")

    # A photo, generated on the fly.
    photo_file = tmp_path / "portrait.png"
    Image.new("RGB", (64, 48), (180, 120, 90)).save(photo_file)
    page.get_by_role("navigation", name="Your practice").get_by_role("link", name="Photo").click()
    page.get_by_label("Photo", exact=True).set_input_files(str(photo_file))
    page.get_by_role("button", name="Upload photo").click()
    expect(page.get_by_role("status")).to_contain_text("Your photo has been saved.")

    # The preview shows what patients will see.
    page.get_by_role("navigation", name="Your practice").get_by_role("link", name="Preview").click()
    expect(page).to_have_title(re.compile(f"Preview: {NAME}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    photo = page.get_by_role("img", name=NAME)
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0"), "the photo did not load"
    photo_response = page.request.get(live_server.url + photo.get_attribute("src"))
    assert photo_response.status == 200
    assert photo_response.headers["content-type"] == "image/jpeg"
    expect(page.get_by_text(BIO)).to_be_visible()
    fees = page.get_by_role("region", name="Fees and insurance")
    expect(fees).to_contain_text("First visit$120")
    expect(fees).to_contain_text("Follow-up visit$95.50")
    expect(page.get_by_role("list", name="Techniques")).to_contain_text("Electroacupuncture")
    expect(page.get_by_role("list", name="Languages")).to_have_text("Spanish")

    # Publishing is allowed, but without a verified licence nobody finds the profile.
    page.get_by_role("link", name="Back to your practice").click()
    page.get_by_role("button", name="Publish my profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is published.")
    status = status_section(page)
    expect(status).to_contain_text("Your profile is published, but not shown in search yet because:")
    expect(status).to_contain_text("no verified licence for California")
    expect(page.get_by_role("button", name="Unpublish my profile")).to_be_visible()

    # Our team verifies a California licence.
    with live_server.app.app_context():
        practitioner = db.session.scalars(
            select(Practitioner).join(User).where(User.email == EMAIL)).one()
        add_licence(practitioner, jurisdiction="US-CA")
        db.session.commit()

    page.reload()
    expect(status_section(page)).to_contain_text(
        "Your profile is listed and shown in search for: San Francisco, CA (Mission Wellness).")
    expect(page.get_by_role("region", name="Clinics")).to_contain_text("shown in search")
    expect(page.get_by_role("region", name="Clinics")).not_to_contain_text("not shown in search")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Find a practitioner").click()
    location = page.get_by_label("Location")
    location.fill("94110")
    location.press("Enter")
    page.wait_for_url(re.compile(r"/\?near=94110"))
    expect(page.locator(".result__name a")).to_have_text([NAME])


@pytest.mark.browser
def test_clinic_with_a_zip_in_another_state_is_refused_beside_the_field(live_server, page):
    sign_up_as_practitioner(page, live_server.url)
    add_clinic(page, name="Mission Wellness", city="San Francisco", state="California", zip_code="94110")
    expect(page.get_by_role("status")).to_contain_text("has been saved")

    add_clinic(page, name="Midtown", city="San Francisco", state="California", zip_code="10001")
    message = "ZIP code 10001 is in New York, not California. Check the ZIP code and the state."
    expect(page).to_have_title(re.compile("^Error: Add a clinic"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem with this clinic")
    expect(summary).to_contain_text(message)
    zip_field = page.get_by_label("ZIP or postal code")
    expect(zip_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#postal_code-error")).to_have_text(f"Error: {message}")
    expect(zip_field).to_have_accessible_description(re.compile(re.escape(message)))
    # What was typed is kept so it can be corrected.
    expect(zip_field).to_have_value("10001")
    expect(page.get_by_label("Clinic name")).to_have_value("Midtown")
    expect(page.get_by_label("State or province")).to_have_value("US-CA")
    # The summary's link takes the user to the field.
    summary.get_by_role("link", name=message).click()
    expect(zip_field).to_be_focused()

    page.get_by_role("link", name="Cancel").click()
    expect(page.locator(".clinic-list > li")).to_have_count(1)
    expect(page.get_by_role("heading", level=2, name="Mission Wellness")).to_be_visible()
    expect(page.get_by_text("Midtown")).to_have_count(0)


@pytest.mark.browser
def test_logging_out_closes_the_practice_until_logging_in_again(live_server, page):
    sign_up_as_practitioner(page, live_server.url)

    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You have logged out.")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()

    page.goto(live_server.url + "/practice")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fpractice"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_role("status")).to_contain_text("Please log in to continue.")

    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/practice$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your practice")
    expect(status_section(page)).to_contain_text("Not listed yet because:")


@pytest.mark.browser
def test_sign_up_with_the_keyboard_only(live_server, page):
    page.goto(live_server.url + "/signup")
    patient = page.get_by_label("Looking for treatment (patient)")
    practitioner = page.get_by_label("A licensed acupuncturist (practitioner)")
    expect(patient).to_be_checked()

    # The radio group is the first control; arrows move within it and Space chooses.
    patient.focus()
    page.keyboard.press("ArrowDown")
    expect(practitioner).to_be_focused()
    page.keyboard.press("Space")
    expect(practitioner).to_be_checked()
    expect(patient).not_to_be_checked()

    page.keyboard.press("Tab")
    expect(page.get_by_label("Your name")).to_be_focused()
    page.keyboard.type("Ana Ruiz")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type("ana.ruiz@example.com")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Type the password again")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/practice$"))
    expect(page.get_by_role("status")).to_contain_text("Welcome to Meridian, Ana Ruiz")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your practice")
