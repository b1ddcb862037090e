"""The practitioner's own pages: profile, clinics, publishing, preview and who may use them."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import (Appointment, AppointmentKind, AppointmentStatus, Clinic, ListingState,
                              Practitioner, Role, VerificationState)
from directory.services.search import nearby as geo
from tests.factories import add_clinic, add_licence, create_practitioner, create_user
from tests.helpers_auth import login_as
from tests.test_pages import Page, assert_accessible_layout

SF = (37.7509, -122.4153)


def new_practitioner(**overrides) -> Practitioner:
    """What sign-up leaves behind: a draft with a name and nothing else."""
    values = {"clinics": [], "licences": [], "listing_state": ListingState.DRAFT, "credentials": "",
              "bio": "", "techniques": [], "complementary_therapies": [], "languages": [],
              "fee_initial_cents": None, "fee_follow_up_cents": None, "years_chronic_pain": 0}
    values.update(overrides)
    return create_practitioner(**values)


@pytest.fixture
def me(app, client):
    practitioner = new_practitioner(display_name="Mei Chen")
    login_as(client, practitioner.user)
    return practitioner


def page_of(response, status: int = 200) -> Page:
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return Page(response.get_data(as_text=True))


def clinic_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Clinic))


PROFILE = {
    "display_name": "Dr. Mei Chen", "credentials": "L.Ac., Dipl. Ac. (NCCAOM)",
    "bio": "I treat chronic low back pain.\n\nFirst visits last ninety minutes.",
    "years_chronic_pain": "12", "back_pain_focus": "Sciatica and disc problems",
    "techniques": ["electroacupuncture", "cupping"], "complementary_therapies": ["exercise"],
    "languages": ["English", "Mandarin"], "insurance": ["Aetna", "HSA/FSA"],
    "fee_currency": "USD", "fee_initial_cents": "120.50", "fee_follow_up_cents": "$1,000",
    "sliding_scale": "true", "npi": "1234567893", "nccaom_id": "12345",
    "cnt_certificate_on": "2020-05-01",
}


# --- profile -------------------------------------------------------------------------

def test_profile_form_shows_every_field_with_labels(client, me):
    page = page_of(client.get("/practice/profile"))
    assert_accessible_layout(page)
    for name in ("display_name", "credentials", "bio", "years_chronic_pain", "back_pain_focus",
                 "fee_initial_cents", "fee_follow_up_cents", "npi", "nccaom_id", "cnt_certificate_on"):
        assert page.by_id(name)
    legends = " ".join(page.text.split())
    for group in ("Techniques", "Complementary therapies", "Languages", "Insurance accepted"):
        assert group in legends
    assert len(page.find("input", type="checkbox", name="languages")) == 14
    assert page.by_id("display_name")["value"] == "Mei Chen"


def test_profile_edit_saves_every_field_and_preview_shows_them(client, me):
    slug = me.slug
    response = client.post("/practice/profile", data=PROFILE)
    assert response.status_code == 302 and response.headers["Location"].endswith("/practice/profile")
    assert "Your profile has been saved." in page_of(client.get("/practice/profile")).text

    db.session.refresh(me)
    assert me.display_name == "Dr. Mei Chen"
    assert me.slug == slug  # renaming keeps the address patients may have saved
    assert me.years_chronic_pain == 12
    assert me.techniques == ["electroacupuncture", "cupping"]
    assert me.languages == ["English", "Mandarin"] and me.insurance == ["Aetna", "HSA/FSA"]
    assert (me.fee_initial_cents, me.fee_follow_up_cents) == (12050, 100000)
    assert me.sliding_scale is True and me.accepting_new_patients is False  # box left unticked
    assert (me.npi, me.nccaom_id, me.cnt_certificate_on) == ("1234567893", "12345", date(2020, 5, 1))

    form = page_of(client.get("/practice/profile"))
    assert form.by_id("fee_initial_cents")["value"] == "120.50"
    assert form.by_id("fee_follow_up_cents")["value"] == "1000"
    assert {a["value"] for a in form.find("input", name="techniques", checked=True)} == \
        {"electroacupuncture", "cupping"}

    preview = page_of(client.get("/practice/preview"))
    for text in ("Dr. Mei Chen", "L.Ac., Dipl. Ac. (NCCAOM)", "I treat chronic low back pain.",
                 "First visits last ninety minutes.", "12 years treating chronic pain",
                 "Sciatica and disc problems", "Electroacupuncture", "Cupping", "Therapeutic exercise",
                 "Mandarin", "Aetna", "$120.50", "$1,000", "Sliding scale", "1234567893", "12345",
                 "Not accepting new patients"):
        assert text in preview.text, text


def test_blank_fees_and_optional_numbers_are_allowed(client, me):
    data = {**PROFILE, "fee_initial_cents": "", "fee_follow_up_cents": " ", "npi": "", "nccaom_id": "",
            "cnt_certificate_on": ""}
    assert client.post("/practice/profile", data=data).status_code == 302
    db.session.refresh(me)
    assert me.fee_initial_cents is None and me.fee_follow_up_cents is None
    assert me.npi is None and me.nccaom_id is None and me.cnt_certificate_on is None
    assert "Ask the clinic" in page_of(client.get("/practice/preview")).text


@pytest.mark.parametrize("field, value, message", [
    ("display_name", "   ", "Enter your display name."),
    ("display_name", "x" * 121, "at most 120"),
    ("years_chronic_pain", "71", "from 0 to 70"),
    ("years_chronic_pain", "-1", "from 0 to 70"),
    ("years_chronic_pain", "ten", "from 0 to 70"),
    ("years_chronic_pain", "", "0 if less than one"),
    ("fee_initial_cents", "-5", "cannot be negative"),
    ("fee_initial_cents", "12.345", "like 120 or 120.50"),
    ("fee_follow_up_cents", "abc", "like 120 or 120.50"),
    ("fee_follow_up_cents", "999999", "at most $2,000"),
    ("npi", "123456789", "exactly 10 digits"),
    ("npi", "12345678AB", "exactly 10 digits"),
    ("nccaom_id", "0123", "3 to 6 digits"),
    ("nccaom_id", "1234567", "3 to 6 digits"),
    ("cnt_certificate_on", (date.today() + timedelta(days=1)).isoformat(), "cannot be in the future"),
    ("cnt_certificate_on", "2020-13-45", "year-month-day"),
    ("techniques", ["cupping", "bloodletting"], "Choose from the options"),
    ("languages", ["Klingon"], "Choose from the options"),
    ("fee_currency", "EUR", "Not a valid choice"),
])
def test_invalid_profile_values_show_an_error_beside_the_field_and_save_nothing(
        client, me, field, value, message):
    before = (me.display_name, me.years_chronic_pain, me.credentials, me.techniques)
    page = page_of(client.post("/practice/profile", data={**PROFILE, field: value}), 400)
    error = page.by_id(f"{field}-error")
    assert error
    assert message in page.text
    assert page.find("div", role="alert"), "no error summary"
    if field not in ("techniques", "languages"):
        control = page.by_id(field)
        assert f"{field}-error" in control.get("aria-describedby", "")
        assert control.get("aria-invalid") == "true"
    assert page.text.count(message) >= 2  # in the summary and beside the field
    db.session.expire_all()
    me = db.session.get(Practitioner, me.id)
    assert (me.display_name, me.years_chronic_pain, me.credentials, me.techniques) == before


def test_control_characters_are_refused_not_stored(client, me):
    page = page_of(client.post("/practice/profile", data={**PROFILE, "display_name": "Mei\x07Chen"}), 400)
    assert "Remove the control characters" in page.text and page.by_id("display_name-error")
    page = page_of(client.post("/practice/clinics/new", data={**CLINIC, "name": "A\x1bB"}), 400)
    assert page.by_id("name-error")
    db.session.expire_all()
    assert db.session.get(Practitioner, me.id).display_name == "Mei Chen"
    assert clinic_count() == 0
    # Line breaks in the biography are fine.
    assert client.post("/practice/profile", data={**PROFILE, "bio": "One.\r\n\r\nTwo."}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Practitioner, me.id).bio == "One.\n\nTwo."


def test_a_published_profile_keeps_its_required_fields(client, app):
    listed = create_practitioner(display_name="Listed One")
    login_as(client, listed.user)
    page = page_of(client.post("/practice/profile", data={**PROFILE, "credentials": "", "bio": ""}), 400)
    assert "a published profile shows them" in page.text
    db.session.expire_all()
    assert db.session.get(Practitioner, listed.id).credentials == "L.Ac."


# --- clinics -------------------------------------------------------------------------

CLINIC = {"name": "Mission Acupuncture", "address": "2400 Mission St", "city": "San Francisco",
          "jurisdiction": "US-CA", "postal_code": "94110", "phone": "(415) 555-0100"}


def test_add_clinic_geocodes_it_and_it_appears_in_search_once_listed(client, me):
    page = page_of(client.get("/practice/clinics/new"))
    assert_accessible_layout(page)
    assert page.find("optgroup", label="Canada")

    response = client.post("/practice/clinics/new", data=CLINIC)
    assert response.status_code == 302 and response.headers["Location"].endswith("/practice/clinics")
    clinic = db.session.scalars(select(Clinic)).one()
    assert clinic.practitioner_id == me.id
    assert (clinic.city, clinic.region, clinic.country, clinic.postal_code) == ("San Francisco", "CA", "US", "94110")
    assert clinic.latitude == pytest.approx(SF[0], abs=0.01)
    assert clinic.longitude == pytest.approx(SF[1], abs=0.01)
    assert clinic.timezone == "America/Los_Angeles"
    assert clinic.geocoded_by == "zip" and clinic.geocoded_at is not None

    listing = page_of(client.get("/practice/clinics"))
    assert_accessible_layout(listing)
    assert "San Francisco, CA 94110" in listing.text  # where the geocoder placed it
    assert "time zone is America/Los_Angeles" in listing.text
    assert "No licence for California has been submitted." in listing.text

    # Not in search: a draft with no licence. Complete, license and publish it.
    assert geo.search(SF).total == 0
    client.post("/practice/profile", data=PROFILE)
    db.session.refresh(me)
    add_licence(me, jurisdiction="US-CA")
    db.session.commit()
    assert client.post("/practice/listing", data={"action": "publish"}).status_code == 302
    hits = geo.search(SF).hits
    assert [(h.practitioner.id, h.clinic.id) for h in hits] == [(me.id, clinic.id)]
    dashboard = page_of(client.get("/practice"))
    assert "Your profile is listed and shown in search for: San Francisco, CA" in dashboard.text


def test_address_that_cannot_be_located_saves_nothing_and_says_so(client, me):
    page = page_of(client.post("/practice/clinics/new", data={**CLINIC, "postal_code": "00000",
                                                            "city": "Nowhereville"}), 400)
    assert page.by_id("address-error")
    assert "We could not find ZIP code 00000. Check the ZIP code." in page.text
    assert page.by_id("address-fields")["aria-describedby"] == "address-error"
    assert clinic_count() == 0
    assert page.by_id("city")["value"] == "Nowhereville"  # what was typed is kept


def test_zip_code_from_another_state_is_refused(client, me):
    page = page_of(client.post("/practice/clinics/new", data={**CLINIC, "postal_code": "10001"}), 400)
    assert "ZIP code 10001 is in New York, not California" in page.text
    assert page.by_id("postal_code-error")
    assert clinic_count() == 0


@pytest.mark.parametrize("overrides, field, message", [
    ({"postal_code": "9411"}, "postal_code", "5-digit ZIP code"),
    ({"postal_code": "94110-12"}, "postal_code", "5-digit ZIP code"),
    ({"postal_code": ""}, "postal_code", "Enter the ZIP or postal code."),
    ({"city": ""}, "city", "Enter the town or city."),
    ({"jurisdiction": ""}, "jurisdiction", "Choose the state or province."),
    ({"jurisdiction": "US-ZZ"}, "jurisdiction", "from the list"),
    ({"phone": "call me"}, "phone", "Use only digits"),
    ({"phone": "555"}, "phone", "with area code"),
])
def test_invalid_clinic_fields(client, me, overrides, field, message):
    page = page_of(client.post("/practice/clinics/new", data={**CLINIC, **overrides}), 400)
    assert page.by_id(f"{field}-error")
    assert message in page.text
    assert clinic_count() == 0


def test_a_canadian_clinic_is_refused_while_search_covers_only_the_united_states(client, me):
    page = page_of(client.post("/practice/clinics/new", data={
        **CLINIC, "city": "Toronto", "jurisdiction": "CA-ON", "postal_code": "m5v2t6"}), 400)
    assert page.by_id("jurisdiction-error")
    assert ("Patients can search only for places in the United States here, so they could not find a "
            "clinic in Canada") in page.text
    assert clinic_count() == 0


def test_with_a_network_geocoder_search_finds_canada_so_a_canadian_clinic_gets_its_postal_code_checked(
        app, client, me):
    app.config.update(GEOCODER="nominatim", NOMINATIM_DOMAIN="127.0.0.1:9")  # never reached
    page = page_of(client.post("/practice/clinics/new", data={
        **CLINIC, "city": "Toronto", "jurisdiction": "CA-ON", "postal_code": "94110"}), 400)
    assert page.by_id("postal_code-error")
    assert "like K1A 0B1" in page.text
    assert clinic_count() == 0


def test_edit_clinic_regeocodes_and_a_failed_edit_keeps_the_old_place(client, me):
    client.post("/practice/clinics/new", data=CLINIC)
    clinic = db.session.scalars(select(Clinic)).one()
    url = f"/practice/clinics/{clinic.id}/edit"
    form = page_of(client.get(url))
    assert form.by_id("postal_code")["value"] == "94110"
    assert form.find("option", value="US-CA", selected=True)

    assert client.post(url, data={**CLINIC, "city": "Los Angeles", "postal_code": "90012",
                                  "name": "Downtown"}).status_code == 302
    db.session.refresh(clinic)
    assert (clinic.name, clinic.city, clinic.postal_code) == ("Downtown", "Los Angeles", "90012")
    assert clinic.latitude == pytest.approx(34.06, abs=0.05)
    moved = (clinic.latitude, clinic.longitude, clinic.timezone, clinic.geocoded_at)

    page = page_of(client.post(url, data={**CLINIC, "city": "Nowhere", "postal_code": "00000"}), 400)
    assert "We could not find ZIP code 00000" in page.text
    db.session.expire_all()
    clinic = db.session.get(Clinic, clinic.id)
    assert (clinic.name, clinic.city, clinic.postal_code) == ("Downtown", "Los Angeles", "90012")
    assert (clinic.latitude, clinic.longitude, clinic.timezone, clinic.geocoded_at) == moved


def test_changing_only_the_name_does_not_geocode_again(client, me, monkeypatch):
    client.post("/practice/clinics/new", data=CLINIC)
    clinic = db.session.scalars(select(Clinic)).one()
    from directory.services.geocoding import locate as geocoding

    def refuse(*_args, **_kwargs):
        raise AssertionError("geocoded an unchanged address")
    monkeypatch.setattr(geocoding, "locate_address", refuse)
    assert client.post(f"/practice/clinics/{clinic.id}/edit", data={**CLINIC, "name": "New name"}).status_code == 302
    db.session.refresh(clinic)
    assert clinic.name == "New name"


def test_delete_clinic_asks_first(client, me):
    client.post("/practice/clinics/new", data=CLINIC)
    clinic = db.session.scalars(select(Clinic)).one()
    confirm = page_of(client.get(f"/practice/clinics/{clinic.id}/delete"))
    assert_accessible_layout(confirm)
    assert "Delete Mission Acupuncture?" in confirm.h1[0]
    assert confirm.find("form", method="post")
    assert clinic_count() == 1
    response = client.post(f"/practice/clinics/{clinic.id}/delete")
    assert response.status_code == 302
    assert clinic_count() == 0
    assert "Mission Acupuncture (San Francisco, CA) has been deleted." in page_of(client.get("/practice/clinics")).text


def _appointment(clinic: Clinic, status: AppointmentStatus, starts_in: timedelta) -> Appointment:
    start = datetime.now(timezone.utc).replace(microsecond=0) + starts_in
    appointment = Appointment(
        practitioner_id=clinic.practitioner_id, clinic_id=clinic.id, patient_id=create_user().id,
        starts_at=start, ends_at=start + timedelta(minutes=45), kind=AppointmentKind.FOLLOW_UP,
        status=status, intake={"reason": "test"})
    db.session.add(appointment)
    db.session.commit()
    return appointment


def test_a_clinic_with_upcoming_appointments_is_not_deleted(client, me):
    clinic = add_clinic(me, name="Mission")
    db.session.commit()
    _appointment(clinic, AppointmentStatus.REQUESTED, timedelta(days=2))
    _appointment(clinic, AppointmentStatus.CONFIRMED, timedelta(days=3))
    _appointment(clinic, AppointmentStatus.CANCELLED, timedelta(days=4))  # not counted
    url = f"/practice/clinics/{clinic.id}/delete"

    confirm = page_of(client.get(url))
    assert_accessible_layout(confirm)
    assert "2 upcoming appointments at this clinic are requested or confirmed." in confirm.text
    assert confirm.find("a", href="/practice/appointments")
    assert not confirm.find("form", action=url)

    refused = page_of(client.post(url), 409)
    assert ("Mission (San Francisco, CA) has 2 upcoming appointments requested or confirmed, booked at this "
            "address and time zone. Decline or cancel them (the patient is emailed each time) before removing "
            "the clinic") in refused.text
    assert clinic_count() == 1
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 3


def test_a_clinic_whose_appointments_are_over_or_cancelled_is_archived_not_deleted(client, me):
    clinic = add_clinic(me, name="Mission")
    db.session.commit()
    _appointment(clinic, AppointmentStatus.CONFIRMED, -timedelta(days=2))  # seen already
    _appointment(clinic, AppointmentStatus.DECLINED, timedelta(days=2))
    confirm = page_of(client.get(f"/practice/clinics/{clinic.id}/delete"))
    assert "upcoming appointment" not in confirm.text
    assert "it is archived rather than deleted" in confirm.text
    assert client.post(f"/practice/clinics/{clinic.id}/delete").status_code == 302
    assert clinic_count() == 1
    db.session.refresh(clinic)
    assert clinic.archived_at is not None
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 2


def test_a_clinic_without_a_name_is_named_by_its_place_once(client, me):
    clinic = add_clinic(me, name="")
    db.session.commit()
    for url in ("/practice", "/practice/clinics", "/practice/availability"):
        text = page_of(client.get(url)).text
        assert "San Francisco, San Francisco" not in text, url
        assert "San Francisco, CA" in text, url
    assert client.post(f"/practice/clinics/{clinic.id}/delete").status_code == 302
    assert "San Francisco, CA has been deleted." in page_of(client.get("/practice/clinics")).text


# --- ownership and roles -------------------------------------------------------------

def test_another_practitioners_clinic_is_not_found(client, app):
    owner = create_practitioner(display_name="Owner")
    clinic = owner.clinics[0]
    before = (clinic.name, clinic.city, clinic.postal_code, clinic.latitude)
    intruder = new_practitioner(display_name="Intruder")
    login_as(client, intruder.user)
    for url in (f"/practice/clinics/{clinic.id}/edit", f"/practice/clinics/{clinic.id}/delete"):
        assert client.get(url).status_code == 404
        assert client.post(url, data={**CLINIC, "name": "Hijacked"}).status_code == 404
    for url in ("/practice/clinics/99999999999/edit", "/practice/clinics/0/delete"):
        assert client.get(url).status_code == 404
    db.session.expire_all()
    clinic = db.session.get(Clinic, clinic.id)
    assert clinic is not None and clinic.practitioner_id == owner.id
    assert (clinic.name, clinic.city, clinic.postal_code, clinic.latitude) == before
    # The intruder's own pages show nothing of the owner's.
    assert "Owner" not in page_of(client.get("/practice/clinics")).text
    assert "Owner" not in page_of(client.get("/practice/preview")).text


def _practice_requests(clinic_id: int) -> list[tuple[str, str]]:
    return [("GET", "/practice"), ("POST", "/practice/listing"), ("GET", "/practice/profile"),
            ("POST", "/practice/profile"), ("GET", "/practice/preview"), ("GET", "/practice/clinics"),
            ("GET", "/practice/clinics/new"), ("POST", "/practice/clinics/new"),
            ("GET", f"/practice/clinics/{clinic_id}/edit"), ("POST", f"/practice/clinics/{clinic_id}/edit"),
            ("GET", f"/practice/clinics/{clinic_id}/delete"), ("POST", f"/practice/clinics/{clinic_id}/delete"),
            ("GET", "/practice/photo"), ("POST", "/practice/photo"), ("POST", "/practice/photo/delete"),
            # The licence pages (tests/test_practice_licences.py has their own tests).
            ("GET", "/practice/licences"), ("GET", "/practice/licences/new"), ("POST", "/practice/licences/new"),
            ("GET", "/practice/licences/1/edit"), ("POST", "/practice/licences/1/edit"),
            ("GET", "/practice/licences/1/withdraw"), ("POST", "/practice/licences/1/withdraw"),
            # The availability page (tests/test_availability_pages.py has its own tests).
            ("GET", "/practice/availability"), ("POST", f"/practice/availability/clinics/{clinic_id}/hours"),
            ("POST", "/practice/availability/settings"), ("POST", "/practice/availability/time-off"),
            ("POST", "/practice/availability/time-off/1/remove"),
            # Appointments and the calendar feed (tests/test_practitioner_inbox.py has their own tests).
            ("GET", "/practice/appointments"), ("GET", "/practice/appointments/1"),
            ("POST", "/practice/appointments/1/confirm"), ("POST", "/practice/appointments/1/decline"),
            ("POST", "/practice/appointments/1/cancel"), ("GET", "/practice/calendar"),
            ("POST", "/practice/calendar")]


def test_every_practice_route_is_covered_by_this_list(app):
    listed = {rule.rule.replace("<int:clinic_id>", "1").replace("<int:licence_id>", "1")
              .replace("<int:time_off_id>", "1").replace("<int:appointment_id>", "1")
              for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("practice.")}
    assert listed == {url for _method, url in _practice_requests(1)}


@pytest.mark.parametrize("role", [Role.PATIENT, Role.ADMIN])
def test_patients_and_admins_are_forbidden_everywhere(client, app, role):
    clinic = create_practitioner().clinics[0]
    user = create_user(role=role)
    db.session.commit()
    login_as(client, user)
    for method, url in _practice_requests(clinic.id):
        response = client.open(url, method=method, data=CLINIC if method == "POST" else None)
        assert response.status_code == 403, (method, url)
    assert clinic_count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, app):
    clinic = create_practitioner().clinics[0]
    for method, url in _practice_requests(clinic.id):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login"), (method, url)
    assert clinic_count() == 1


# --- publishing and status -----------------------------------------------------------

def test_draft_dashboard_explains_why_it_is_not_listed(client, me):
    page = page_of(client.get("/practice"))
    assert_accessible_layout(page)
    assert "Not listed yet because:" in page.text
    assert "Your profile is a draft: it has not been published." in page.text
    assert "Add your credential letters" in page.text
    assert "Add the clinic where you see patients." in page.text
    assert page.find("a", href="/practice/clinics/new")
    assert page.find("a", href="/practice/profile")


def test_publishing_an_incomplete_profile_is_refused_with_the_reasons(client, me):
    page = page_of(client.post("/practice/listing", data={"action": "publish"}), 409)
    assert "Your profile cannot be published yet." in page.text
    assert "Write a short biography" in page.text
    db.session.refresh(me)
    assert me.listing_state is ListingState.DRAFT


def test_publish_and_unpublish(client, app):
    practitioner = create_practitioner(listing_state=ListingState.DRAFT)
    login_as(client, practitioner.user)
    assert geo.search(SF).total == 0
    assert client.post("/practice/listing", data={"action": "publish"}).status_code == 302
    assert "Your profile is published." in page_of(client.get("/practice")).text
    db.session.refresh(practitioner)
    assert practitioner.listing_state is ListingState.LISTED
    assert geo.search(SF).total == 1
    assert client.get(f"/practitioners/{practitioner.id}").status_code == 200

    assert client.post("/practice/listing", data={"action": "unpublish"}).status_code == 302
    db.session.refresh(practitioner)
    assert practitioner.listing_state is ListingState.DRAFT
    assert geo.search(SF).total == 0
    assert client.get(f"/practitioners/{practitioner.id}").status_code == 404
    assert page_of(client.post("/practice/listing", data={"action": "flip"}), 400)


def test_a_suspended_practitioner_cannot_publish_or_unpublish(client, app):
    practitioner = create_practitioner(listing_state=ListingState.SUSPENDED)
    login_as(client, practitioner.user)
    dashboard = page_of(client.get("/practice"))
    assert "An administrator has suspended your listing." in dashboard.text
    assert not dashboard.find("form", action="/practice/listing")
    for action in ("publish", "unpublish"):
        page = page_of(client.post("/practice/listing", data={"action": action}), 409)
        assert "suspended by an administrator" in page.text
        db.session.refresh(practitioner)
        assert practitioner.listing_state is ListingState.SUSPENDED


def test_a_suspended_practitioner_is_told_why_their_clinics_are_not_shown(client, app):
    practitioner = create_practitioner(listing_state=ListingState.SUSPENDED)
    login_as(client, practitioner.user)
    text = page_of(client.get("/practice/clinics")).text
    assert "Not shown: an administrator has suspended your listing." in text
    assert "not published" not in text


def test_a_draft_practitioners_clinics_are_not_shown_until_published(client, app):
    practitioner = create_practitioner(listing_state=ListingState.DRAFT)
    login_as(client, practitioner.user)
    assert "Not shown: your profile is not published." in page_of(client.get("/practice/clinics")).text


def test_listed_practitioner_sees_where_they_are_shown_and_where_not(client, app):
    practitioner = create_practitioner(
        clinics=[{"name": "Mission"}, {"name": "Midtown", "city": "New York", "region": "NY",
                                       "postal_code": "10001", "latitude": 40.75, "longitude": -73.99}],
        licences=[{"jurisdiction": "US-CA"},
                  {"jurisdiction": "US-NY", "verification_state": VerificationState.PENDING}])
    login_as(client, practitioner.user)
    page = page_of(client.get("/practice"))
    assert "Your profile is listed and shown in search for: San Francisco, CA (Mission)." in page.text
    assert ("Midtown (New York, NY): no verified licence for New York. "
            "Your New York licence is waiting for review by our team.") in page.text


# --- preview -------------------------------------------------------------------------

def test_preview_of_an_unlisted_profile(client, me):
    add_clinic(me, name="Mission")
    me.bio = "Gentle needling."
    db.session.commit()
    assert client.get(f"/practitioners/{me.id}").status_code == 404
    page = page_of(client.get("/practice/preview"))
    assert_accessible_layout(page)
    assert "Preview — this is how patients will see your profile." in page.text
    assert "Not listed yet:" in page.text
    assert "no verified licence for California" in page.text
    assert "Gentle needling." in page.text and "Mission" in page.text
    assert "Not shown in search" in page.text
    assert "No verified licence yet." in page.text


def test_preview_marks_which_clinics_are_shown(client, app):
    practitioner = create_practitioner(
        clinics=[{"name": "Mission"}, {"name": "Midtown", "city": "New York", "region": "NY",
                                       "postal_code": "10001", "latitude": 40.75, "longitude": -73.99}])
    practitioner.licences[-1].verification_state = VerificationState.REJECTED  # the NY one
    db.session.commit()
    login_as(client, practitioner.user)
    page = page_of(client.get("/practice/preview"))
    assert page.text.count("Shown in search") == 1 and page.text.count("Not shown in search") == 1
    public = page_of(client.get(f"/practitioners/{practitioner.id}"))
    assert "Midtown" not in public.text and "Preview" not in public.text


def test_preview_lists_current_licences_by_place_name(client, app):
    practitioner = create_practitioner(licences=[
        {"jurisdiction": "US-NY"}, {"jurisdiction": "US-CA"},
        {"jurisdiction": "US-AZ", "verification_state": VerificationState.PENDING}])
    login_as(client, practitioner.user)
    text = page_of(client.get("/practice/preview")).text
    licences = text[text.index("Verified licences"):]
    assert licences.index("California") < licences.index("New York")
    assert "Arizona" not in licences


def test_a_practitioner_account_without_a_profile_gets_not_found(client, app):
    user = create_user(role=Role.PRACTITIONER)
    db.session.commit()
    login_as(client, user)
    assert client.get("/practice").status_code == 404
