"""The practitioner's licence pages: submitting, the automatic checks beside each field,
editing a verified licence, withdrawing, and who may touch which licence."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import AuditEvent, Licence, ListingState, Role, VerificationState
from directory.services.search import nearby as geo
from directory.services.licensing import decisions as licensing
from tests.factories import add_clinic, add_licence, create_practitioner, create_user
from tests.helpers_auth import login_as
from tests.test_pages import Page, assert_accessible_layout

TODAY = date.today()
SF = (37.7509, -122.4153)
VALID = {"jurisdiction": "US-CA", "title": "L.Ac.", "number": "AC12345",
         "issued_on": (TODAY - timedelta(days=365)).isoformat(),
         "expires_on": (TODAY + timedelta(days=365)).isoformat()}
BIRMINGHAM = {"name": "Magic City", "city": "Birmingham", "region": "AL", "postal_code": "35203",
              "latitude": 33.5186, "longitude": -86.8104, "timezone": "America/Chicago"}


@pytest.fixture
def me(app, client):
    """Listed, complete, with a San Francisco clinic, but no licence yet: not in search."""
    practitioner = create_practitioner(display_name="Mei Chen", licences=[])
    login_as(client, practitioner.user)
    return practitioner


def page_of(response, status: int = 200) -> Page:
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return Page(response.get_data(as_text=True))


def licences_of(practitioner) -> list[Licence]:
    db.session.expire_all()
    return list(db.session.scalars(select(Licence).where(Licence.practitioner_id == practitioner.id)))


def audit_actions(subject_id: int | None = None) -> list[str]:
    query = select(AuditEvent.action).where(AuditEvent.subject_type == "licence").order_by(AuditEvent.id)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id)
    return list(db.session.scalars(query))


def api_names(client) -> list[str]:
    response = client.get("/api/v1/practitioners?near=94110")
    assert response.status_code == 200
    return [r["name"] for r in response.get_json()["results"]]


def field_messages(page: Page, field: str, kind: str) -> list[dict]:
    return [a for _, a in page.elements if a.get("id", "").startswith(f"{field}-{kind}-")]


# --- the pages -----------------------------------------------------------------------

def test_empty_list_and_the_form_are_accessible(client, me):
    listing = page_of(client.get("/practice/licences"))
    assert_accessible_layout(listing)
    assert listing.find("a", href="/practice/licences", **{"aria-current": "page"})
    assert "You have not added a licence yet." in listing.text
    assert listing.find("a", href="/practice/licences/new")
    assert listing.find("a", href="/practice/profile#npi")

    form = page_of(client.get("/practice/licences/new"))
    assert_accessible_layout(form)
    for group in ("United States", "Canada", "Australia"):
        assert form.find("optgroup", label=group), group
    assert form.find("option", value="US-CA") and form.find("option", value="US-AL")
    assert form.by_id("title")["list"] == "title-options"
    assert form.find("option", value="EAMP")  # Washington's title is offered
    assert form.find("details")  # the table of accepted titles, without JavaScript
    for name in ("jurisdiction", "title", "number", "issued_on", "expires_on"):
        assert form.by_id(name)


def test_the_form_can_be_prefilled_with_a_jurisdiction(client, me):
    page = page_of(client.get("/practice/licences/new?jurisdiction=us-wa"))
    assert page.find("option", value="US-WA", selected=True)
    assert "Accepted in Washington:" in page.text
    assert not page.find("option", selected=True, value="US-ZZ")
    assert page_of(client.get("/practice/licences/new?jurisdiction=US-ZZ")).find("option", value="", selected=True)


# --- submitting ----------------------------------------------------------------------

def test_a_valid_licence_is_submitted_for_review(client, me):
    response = client.post("/practice/licences/new", data=VALID)
    assert response.status_code == 302
    [licence] = licences_of(me)
    assert response.headers["Location"].endswith(f"/practice/licences#licence-{licence.id}")
    assert licence.verification_state is VerificationState.PENDING
    assert (licence.jurisdiction, licence.title, licence.number) == ("US-CA", "L.Ac.", "AC12345")
    assert (licence.issued_on, licence.expires_on) == (TODAY - timedelta(days=365), TODAY + timedelta(days=365))
    assert audit_actions(licence.id) == ["licence.submitted"]

    page = page_of(client.get("/practice/licences"))
    assert_accessible_layout(page)
    assert ("Submitted for review. An administrator will check it against the records of the regulator, "
            "California Acupuncture Board.") in page.text
    card = page.by_id(f"licence-{licence.id}")
    assert card
    for text in ("California licence", "Pending review", "L.Ac.", "AC12345",
                 "Clinic, San Francisco: not shown in search", "Automatic checks"):
        assert text in page.text, text
    assert "Pass" in page.text  # the stored check results are listed
    assert page.find("a", href=f"/practice/licences/{licence.id}/edit")
    assert page.find("a", href=f"/practice/licences/{licence.id}/withdraw")
    # Pending licences do not list anyone.
    assert geo.search(SF).total == 0


def test_failing_checks_are_shown_beside_their_fields_and_nothing_is_saved(client, me):
    me.npi = "1234567890"  # wrong check digit
    db.session.commit()
    data = {**VALID, "title": "Wizard", "number": "XX1",
            "expires_on": (TODAY - timedelta(days=2)).isoformat()}
    page = page_of(client.post("/practice/licences/new", data=data), 400)
    assert_accessible_layout(page)
    assert page.h1 == ["Add a licence"]
    summary = page.find("div", role="alert")
    assert summary
    for field in ("title", "number", "expires_on"):
        fails = field_messages(page, field, "fail")
        assert fails, f"no failed check beside {field}"
        assert f"{field}-fail-1" in page.by_id(field)["aria-describedby"]
        assert page.by_id(field).get("aria-invalid") == "true"
    # The NPI is a profile field: its failure is listed with a link to fix it there.
    assert page.by_id("other-checks")
    assert page.find("a", href="/practice/profile#npi")
    # Each failure is in the summary too, linking to its field.
    for field in ("title", "number", "expires_on"):
        assert any(a.get("href") == f"#{field}" for a in page.find("a")), field
    # What was typed is kept.
    assert page.by_id("number")["value"] == "XX1"
    assert page.find("option", value="US-CA", selected=True)
    assert licences_of(me) == [] and audit_actions() == []


def test_blank_form_reports_each_required_field(client, me):
    page = page_of(client.post("/practice/licences/new", data={}), 400)
    for field in ("jurisdiction", "title", "number", "expires_on"):
        assert field_messages(page, field, "fail"), field
    assert licences_of(me) == []


@pytest.mark.parametrize("field, value, message", [
    ("issued_on", "2024-13-45", "year-month-day"),
    ("expires_on", "next year", "year-month-day"),
    ("jurisdiction", "US-ZZ", "from the list"),
    ("number", "AC\x0712345", "control characters"),
    ("number", "A" * 41, "at most 40"),
])
def test_malformed_values_get_an_error_beside_the_field(client, me, field, value, message):
    page = page_of(client.post("/practice/licences/new", data={**VALID, field: value}), 400)
    assert page.by_id(f"{field}-error")
    assert message in page.text
    assert licences_of(me) == []


def test_a_warning_does_not_block_submission(client, me):
    # New York's number format is not documented: an unusual number only warns.
    data = {**VALID, "jurisdiction": "US-NY", "number": "NY_0001"}
    add_clinic(me, name="Midtown", city="New York", region="NY", postal_code="10001",
               latitude=40.7484, longitude=-73.9967, timezone="America/New_York")
    db.session.commit()
    response = client.post("/practice/licences/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [licence] = licences_of(me)
    assert licence.verification_state is VerificationState.PENDING
    assert any(r["result"] == "warn" and r["name"] == "number_format" for r in licence.check_results)
    page = page_of(client.get("/practice/licences"))
    assert "Accepted with a warning:" in page.text
    assert "Warning" in page.text


def test_warnings_are_shown_with_the_failures_when_something_else_fails(client, me):
    data = {**VALID, "jurisdiction": "US-NY", "number": "NY_0001", "title": "Wizard"}
    page = page_of(client.post("/practice/licences/new", data=data), 400)
    assert field_messages(page, "title", "fail")
    assert field_messages(page, "number", "warn")
    assert not field_messages(page, "number", "fail")
    assert licences_of(me) == []


# --- editing -------------------------------------------------------------------------

def test_editing_a_verified_licence_sends_it_back_to_review_and_unlists_at_once(client, app):
    practitioner = create_practitioner(display_name="Verified Vera")
    licence = practitioner.licences[0]
    login_as(client, practitioner.user)
    assert geo.search(SF).total == 1 and api_names(client) == ["Verified Vera"]

    url = f"/practice/licences/{licence.id}/edit"
    form = page_of(client.get(url))
    assert_accessible_layout(form)
    assert form.by_id("verified-warning")
    assert "sends it back to review" in form.text
    assert form.by_id("number")["value"] == licence.number
    assert form.find("option", value="US-CA", selected=True)

    data = {"jurisdiction": "US-CA", "title": licence.title, "number": licence.number,
            "issued_on": licence.issued_on.isoformat(), "expires_on": licence.expires_on.isoformat()}
    # Saving without a change keeps it verified.
    assert client.post(url, data=data).status_code == 302
    assert licences_of(practitioner)[0].verification_state is VerificationState.VERIFIED
    assert "It stays verified." in page_of(client.get("/practice/licences")).text

    assert client.post(url, data={**data, "number": "AC54321"}).status_code == 302
    [licence] = licences_of(practitioner)
    assert licence.verification_state is VerificationState.PENDING and licence.number == "AC54321"
    assert geo.search(SF).total == 0 and api_names(client) == []
    assert "licence.updated" in audit_actions(licence.id)
    page = page_of(client.get("/practice/licences"))
    assert "Until it is approved again, patients do not find you at your clinics in California." in page.text
    assert "Pending review" in page.text


def test_a_failed_edit_changes_nothing(client, app):
    practitioner = create_practitioner()
    licence = practitioner.licences[0]
    before = (licence.number, licence.expires_on, licence.verification_state)
    login_as(client, practitioner.user)
    data = {"jurisdiction": "US-CA", "title": "L.Ac.", "number": "AC54321",
            "issued_on": licence.issued_on.isoformat(), "expires_on": (TODAY - timedelta(days=1)).isoformat()}
    page = page_of(client.post(f"/practice/licences/{licence.id}/edit", data=data), 400)
    assert field_messages(page, "expires_on", "fail")
    assert "Your changes were not saved" in page.text
    [licence] = licences_of(practitioner)
    assert (licence.number, licence.expires_on, licence.verification_state) == before
    assert geo.search(SF).total == 1


def test_each_review_state_reads_in_plain_words(client, me):
    add_licence(me, jurisdiction="US-CA", verification_state=VerificationState.NEEDS_CHANGES,
                decision_reason="The expiry date is not on the board's record.", verified_at=None)
    add_licence(me, jurisdiction="US-NY", verification_state=VerificationState.REJECTED,
                decision_reason="No such licence at the New York board.", verified_at=None)
    add_licence(me, jurisdiction="US-WA", verification_state=VerificationState.LAPSED,
                expires_on=date(2025, 3, 1))
    add_licence(me, jurisdiction="US-OR", verified_at=date(2026, 1, 12))
    add_licence(me, jurisdiction="CA-ON", title="R.Ac.", verification_state=VerificationState.PENDING)
    db.session.commit()
    page = page_of(client.get("/practice/licences"))
    for text in ("Changes requested: The expiry date is not on the board's record.",
                 "Rejected: No such licence at the New York board.",
                 "Lapsed on 1 Mar 2025", "Verified on 12 Jan 2026", "Pending review",
                 "No clinic in Oregon yet.", "Ontario registration"):
        assert text in page.text, text


def test_a_licence_with_changes_requested_is_resubmitted_from_its_edit_page(client, me):
    client.post("/practice/licences/new", data=VALID)
    [licence] = licences_of(me)
    licensing.request_changes(licence, admin=create_user(role=Role.ADMIN),
                              reason="The number on the certificate is AC12346.")
    url = f"/practice/licences/{licence.id}/edit"
    form = page_of(client.get(url))
    assert "Changes requested: The number on the certificate is AC12346." in form.text
    assert not form.find("div", id="verified-warning")
    assert client.post(url, data={**VALID, "number": "AC12346"}).status_code == 302
    [licence] = licences_of(me)
    assert licence.verification_state is VerificationState.PENDING and licence.number == "AC12346"
    assert licence.decision_reason is None
    assert "Submitted for review." in page_of(client.get("/practice/licences")).text


# --- withdrawing ---------------------------------------------------------------------

def test_withdraw_asks_first_then_removes_the_licence_and_the_listing(client, app):
    practitioner = create_practitioner(display_name="Withdrawing Will")
    licence_id = practitioner.licences[0].id
    login_as(client, practitioner.user)
    url = f"/practice/licences/{licence_id}/withdraw"
    confirm = page_of(client.get(url))
    assert_accessible_layout(confirm)
    assert confirm.h1 == ["Withdraw your California licence?"]
    assert "Patients will no longer find you at: Clinic (San Francisco, CA)." in confirm.text
    assert len(licences_of(practitioner)) == 1

    assert client.post(url).status_code == 302
    assert licences_of(practitioner) == []
    assert audit_actions(licence_id) == ["licence.withdrawn"]
    assert geo.search(SF).total == 0
    page = page_of(client.get("/practice/licences"))
    assert "has been withdrawn." in page.text


# --- ownership and roles -------------------------------------------------------------

def test_another_practitioners_licence_is_not_found_and_unchanged(client, app):
    owner = create_practitioner(display_name="Owner")
    licence = owner.licences[0]
    before = (licence.number, licence.verification_state, licence.expires_on)
    intruder = create_practitioner(display_name="Intruder", licences=[])
    login_as(client, intruder.user)
    for url in (f"/practice/licences/{licence.id}/edit", f"/practice/licences/{licence.id}/withdraw"):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={**VALID, "number": "AC99999"}).status_code == 404, url
    for url in ("/practice/licences/99999999999/edit", "/practice/licences/0/withdraw"):
        assert client.get(url).status_code == 404
    [licence] = licences_of(owner)
    assert (licence.number, licence.verification_state, licence.expires_on) == before
    assert audit_actions() == []
    assert "Owner" not in page_of(client.get("/practice/licences")).text


@pytest.mark.parametrize("role", [Role.PATIENT, Role.ADMIN])
def test_patients_and_admins_are_forbidden(client, app, role):
    licence = create_practitioner().licences[0]
    user = create_user(role=role)
    db.session.commit()
    login_as(client, user)
    for method in ("GET", "POST"):
        for url in ("/practice/licences", "/practice/licences/new", f"/practice/licences/{licence.id}/edit",
                    f"/practice/licences/{licence.id}/withdraw"):
            if method == "POST" and url == "/practice/licences":
                continue
            assert client.open(url, method=method, data=VALID).status_code == 403, (method, url)
    assert db.session.scalar(select(func.count()).select_from(Licence)) == 1


# --- certifications ------------------------------------------------------------------

def test_an_alabama_credential_is_a_certification_that_never_lists(client, app):
    practitioner = create_practitioner(display_name="Alabama Al", clinics=[BIRMINGHAM], licences=[])
    login_as(client, practitioner.user)
    data = {**VALID, "jurisdiction": "US-AL", "title": "Dipl. Ac. (NCCAOM)", "number": "123456"}
    response = client.post("/practice/licences/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    [licence] = licences_of(practitioner)
    assert licence.is_licence is False
    page = page_of(client.get("/practice/licences"))
    assert "Submitted for review as a certification." in page.text
    assert ("Certification only — Alabama does not license acupuncture; it will not list you") in page.text

    # Even once an administrator verifies it, it lists nobody.
    licensing.approve(licence, admin=create_user(role=Role.ADMIN))
    assert licences_of(practitioner)[0].verification_state is VerificationState.VERIFIED
    assert geo.search((33.5186, -86.8104)).total == 0
    assert client.get(f"/practitioners/{practitioner.id}").status_code == 404
    dashboard = page_of(client.get("/practice"))
    assert "Alabama does not license acupuncture" in dashboard.text
    assert not dashboard.find("a", href="/practice/licences/new?jurisdiction=US-AL")


def test_a_verified_certification_is_labelled_on_the_public_profile(client, app):
    practitioner = create_practitioner(display_name="Both Bea")
    add_licence(practitioner, jurisdiction="US-AL", is_licence=False, title="Dipl. Ac. (NCCAOM)",
                number="123456")
    db.session.commit()
    page = page_of(client.get(f"/practitioners/{practitioner.id}"))
    assert "Certification — not a state licence" in page.text
    assert "123456" in page.text
    assert page.text.count("Licence verified") == 1  # the badge is for the California licence only


# --- links from the listing status ---------------------------------------------------

def test_the_dashboard_links_to_the_licence_pages(client, me):
    dashboard = page_of(client.get("/practice"))
    assert dashboard.find("a", href="/practice/licences/new?jurisdiction=US-CA")
    form = page_of(client.get("/practice/licences/new?jurisdiction=US-CA"))
    assert form.find("option", value="US-CA", selected=True)

    client.post("/practice/licences/new", data=VALID)
    [licence] = licences_of(me)
    dashboard = page_of(client.get("/practice"))
    assert dashboard.find("a", href=f"/practice/licences#licence-{licence.id}")

    licensing.request_changes(licence, admin=create_user(role=Role.ADMIN), reason="Wrong number.")
    dashboard = page_of(client.get("/practice"))
    assert dashboard.find("a", href=f"/practice/licences/{licence.id}/edit")
    assert me.listing_state is ListingState.LISTED
