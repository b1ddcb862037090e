"""The rest of the admin area: roster import, the expiry list, practitioners with
suspension, and the audit log's filters."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import AuditEvent, ListingState, Practitioner, Role, RosterImport, VerificationState
from tests.factories import create_practitioner, create_user
from tests.helpers_auth import login_as
from tests.test_admin import events, found_near_94110, page_of, pending_licence, statements_during
from tests.test_pages import assert_accessible_layout


@pytest.fixture
def admin(app, client):
    user = create_user(role=Role.ADMIN, email="reviewer@example.test", name="Rae Reviewer")
    db.session.commit()
    login_as(client, user)
    return user


# --- rosters -------------------------------------------------------------------------

def roster_csv(expires: date) -> bytes:
    return (f"License Number,Name,License Status,Expiration Date,County\r\n"
            f"AC 12345,\"Chen, Mei\",Current,{expires:%m/%d/%Y},San Francisco\r\n"
            f"AC54321,Jo Other,Delinquent,01/31/2027,Alameda\r\n"
            f",No Number,Active,01/31/2027,Marin\r\n").encode()


def upload(client, data: bytes | None, *, filename: str = "ca-roster.csv", jurisdiction: str = "US-CA",
           source: str = "California Acupuncture Board lookup, March 2026"):
    form = {"jurisdiction": jurisdiction, "source": source}
    if data is not None:
        form["roster"] = (io.BytesIO(data), filename)
    return client.post("/admin/rosters", data=form, content_type="multipart/form-data")


def test_roster_import_reports_what_it_found_and_a_second_import_changes_nothing(client, admin):
    licence = pending_licence("Mei Chen")
    page = page_of(client.get("/admin/rosters"))
    assert_accessible_layout(page)
    assert page.find("optgroup") and page.find("option", value="US-CA")
    assert "No roster has been imported yet." in page.text

    page = page_of(upload(client, roster_csv(licence.expires_on)))
    for text in ("Roster imported", "Rows read 2", "New entries 2", "Updated entries 0", "Unchanged entries 0",
                 "Licences matched 1", "Licences mismatched 0", "Licences not found 0"):
        assert text in page.text, text
    assert "already imported" not in page.text
    assert "Rows that could not be read (1)" in page.text and "Row 4: no licence number; skipped." in page.text
    assert "ca-roster.csv" in page.text  # in the recent imports
    [event] = events("roster.imported")
    assert event.actor_id == admin.id

    # The licence's review page now shows the roster row and a passing roster check.
    review = page_of(client.get(f"/admin/licences/{licence.id}"))
    assert "Chen, Mei" in review.text and "Found on the California roster" in review.text

    page = page_of(upload(client, roster_csv(licence.expires_on)))
    assert "This file was already imported, so nothing changed." in page.text
    assert "New entries 0" in page.text and "Unchanged entries 2" in page.text
    assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 1
    assert len(events("roster.imported")) == 1


@pytest.mark.parametrize("data,form,field,message", [
    (b"Foo,Bar\r\n1,2\r\n", {}, "roster", "No column was recognised"),
    (b"", {}, "roster", "The file is empty."),
    (None, {}, "roster", "Choose the CSV file to import."),
    (b"License Number,Name,Status\r\nAC1,A,Active\r\n", {"source": "  "}, "source", "Say where the roster came from"),
    (b"License Number,Name,Status\r\nAC1,A,Active\r\n", {"jurisdiction": ""}, "jurisdiction", "Choose the jurisdiction"),
    (b"License Number,Name,Status\r\nAC1,A,Active\r\n", {"jurisdiction": "US-XX"}, "jurisdiction", "Not a valid choice"),
])
def test_a_bad_roster_is_a_form_error_and_imports_nothing(client, admin, data, form, field, message):
    page = page_of(upload(client, data, **form), 400)
    assert message in page.text
    assert page.by_id(field).get("aria-invalid") == "true"
    assert "The roster was not imported" in page.text
    assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 0


def test_a_roster_over_the_size_limit_is_refused_beside_the_field(app, client, admin):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    page = page_of(upload(client, b"License Number,Name,Status\r\n" + b"AC1,A,Active\r\n" * 400), 413)
    assert "The file is larger than 4 KB." in page.text
    assert page.by_id("roster").get("aria-invalid") == "true"
    assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 0


def test_a_roster_row_with_a_null_byte_is_reported_not_a_server_error(client, admin):
    data = b"License Number,Name,License Status\r\nAC10001,Jane\x00Doe,Active\r\nAC10002,Ken Ito,Active\r\n"
    page = page_of(upload(client, data))
    assert "Row 2: control characters (such as a null byte) in Name; skipped." in page.text
    assert "New entries 1" in page.text


def test_binary_garbage_is_not_a_server_error(client, admin):
    response = upload(client, bytes(range(256)) * 50, filename="photo.jpg")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 0


# --- expiring ------------------------------------------------------------------------

def test_expiring_lists_licences_within_60_days_soonest_first_and_the_lapsed(client, admin):
    today = date.today()
    later = create_practitioner(display_name="Late Expiry", licences=[{"expires_on": today + timedelta(days=59)}])
    sooner = create_practitioner(display_name="Soon Expiry", licences=[{"expires_on": today + timedelta(days=9)}])
    create_practitioner(display_name="Safe Expiry", licences=[{"expires_on": today + timedelta(days=61)}])
    pending_licence("Pending Person", number="AC20000", expires_on=today + timedelta(days=5))
    lapsed = create_practitioner(display_name="Lapsed Person", licences=[
        {"verification_state": VerificationState.LAPSED, "expires_on": today - timedelta(days=2)}])

    response = client.get("/admin/expiring")
    page = page_of(response)
    assert_accessible_layout(page)
    html = response.get_data(as_text=True)
    expiring, lapsed_part = html.split('id="lapsed-title"')
    assert re.findall(r"Soon Expiry|Late Expiry", expiring) == ["Soon Expiry", "Late Expiry"]
    assert "Safe Expiry" not in html and "Pending Person" not in html
    assert "Lapsed Person" in lapsed_part and "Lapsed Person" not in expiring
    assert f'/admin/licences/{lapsed.licences[0].id}"' in lapsed_part
    assert f'/admin/licences/{sooner.licences[0].id}"' in expiring and later.display_name in expiring
    assert "2 verified licences, soonest first." in page.text


# --- practitioners, suspension -------------------------------------------------------

@pytest.mark.parametrize("page", ["²", "١", "9" * 7, "0", "-1"])
def test_an_odd_page_number_is_the_first_page(client, admin, page):
    create_practitioner(display_name="Only One")
    assert "Only One" in page_of(client.get("/admin/practitioners", query_string={"page": page})).text
    assert "Audit log" in page_of(client.get("/admin/audit", query_string={"page": page})).text


def test_the_practitioner_list_runs_the_same_queries_for_one_or_many(client, admin):
    create_practitioner(display_name="Ada One")

    def listing():
        assert client.get("/admin/practitioners").status_code == 200

    one = len(statements_during(listing))
    for n in range(4):
        create_practitioner(display_name=f"Person {n}", clinics=[{}, {"city": "Oakland"}])
    assert len(statements_during(listing)) == one


def test_practitioners_search_by_name_or_email_with_pages(client, admin):
    for n in range(30):
        create_practitioner(display_name=f"Bulk Person {n:02d}", commit=False)
    create_practitioner(display_name="Mei Chen", user=create_user(role=Role.PRACTITIONER, email="mei@clinic.test"))
    db.session.commit()

    page = page_of(client.get("/admin/practitioners"))
    assert_accessible_layout(page)
    assert "31 practitioners" in page.text and "Bulk Person 24" in page.text and "Bulk Person 25" not in page.text
    assert page.find("a", href="/admin/practitioners?page=2")
    page = page_of(client.get("/admin/practitioners?page=2"))
    assert "Bulk Person 25" in page.text and "Mei Chen" in page.text and "Bulk Person 00" not in page.text

    for q in ("mei", "MEI@CLINIC"):
        page = page_of(client.get(f"/admin/practitioners?q={q}"))
        assert "1 practitioner matching" in page.text and "Mei Chen" in page.text
    for q in ("%", "_", "nobody"):
        assert "0 practitioners" in page_of(client.get("/admin/practitioners", query_string={"q": q})).text
    page_of(client.get("/admin/practitioners?q=a%00b"), 400)
    page_of(client.get("/admin/practitioners?page=abc"))


def test_suspend_and_reinstate_need_a_reason_and_change_search_at_once(client, admin):
    practitioner = create_practitioner(display_name="Mei Chen")
    url = f"/admin/practitioners/{practitioner.id}"
    assert practitioner.id in found_near_94110(client)
    page = page_of(client.get(url))
    assert_accessible_layout(page)
    assert "Published" in page.text and "AC" in page.text

    page = page_of(client.post(url + "/suspend", data={"reason": "  "}), 400)
    assert "Write the reason: it is kept in the audit log." in page.text
    assert practitioner.id in found_near_94110(client) and events() == []

    reason = "Board opened an investigation (case 2026-114)."
    response = client.post(url + "/suspend", data={"reason": reason})
    assert response.status_code == 302 and response.headers["Location"] == url
    assert practitioner.id not in found_near_94110(client)
    page = page_of(client.get(url))
    assert "has been suspended" in page.text and reason in page.text and "Suspended" in page.text
    [event] = events("practitioner.suspended")
    assert event.reason == reason and event.actor_id == admin.id

    page = page_of(client.post(url + "/suspend", data={"reason": "Again"}), 409)
    assert "already suspended" in page.text
    page_of(client.post(url + "/reinstate", data={"reason": ""}), 400)
    assert practitioner.id not in found_near_94110(client)

    response = client.post(url + "/reinstate", data={"reason": "Investigation closed."})
    assert response.status_code == 302
    assert practitioner.id in found_near_94110(client)
    db.session.expire_all()
    assert db.session.get(Practitioner, practitioner.id).listing_state is ListingState.LISTED
    assert [e.action for e in events()] == ["practitioner.suspended", "practitioner.reinstated"]
    page = page_of(client.post(url + "/reinstate", data={"reason": "Again"}), 409)
    assert "not suspended" in page.text


# --- audit log -----------------------------------------------------------------------

def add_event(action: str, subject_type: str, subject_id: int, actor, when: datetime, reason: str | None = None):
    db.session.add(AuditEvent(actor_id=actor.id if actor else None, action=action, subject_type=subject_type,
                              subject_id=subject_id, before={"state": "pending"}, after={"state": "verified"},
                              reason=reason, created_at=when))


def actions_shown(response) -> list[str]:
    return re.findall(r"<td><code>([^<]+)</code></td>", response.get_data(as_text=True))


@pytest.fixture
def trail(admin):
    other = create_user(role=Role.ADMIN, email="Other.Admin@example.test")
    day = datetime(2026, 2, 1, 12, 0, tzinfo=timezone.utc)
    add_event("licence.approved", "licence", 5, admin, day, "Looks right")
    add_event("licence.rejected", "licence", 6, other, day + timedelta(days=1), "Wrong state")
    add_event("practitioner.suspended", "practitioner", 5, other, day + timedelta(days=2), "Complaint")
    add_event("licence.lapsed", "licence", 5, None, day + timedelta(days=3))
    db.session.commit()
    return {"admin": admin, "other": other}


def test_the_audit_log_is_newest_first_and_filters(client, trail):
    response = client.get("/admin/audit")
    assert_accessible_layout(page_of(response))
    assert actions_shown(response) == ["licence.lapsed", "practitioner.suspended", "licence.rejected",
                                       "licence.approved"]
    page = page_of(response)
    assert "System" in page.text and "Complaint" in page.text and "state: verified" in page.text
    assert [o["value"] for o in page.find("option")] == [
        "", "licence.approved", "licence.lapsed", "licence.rejected", "practitioner.suspended"]

    cases = {
        "action=licence.rejected": ["licence.rejected"],
        "actor=other.admin%40EXAMPLE.test": ["practitioner.suspended", "licence.rejected"],
        f"actor={trail['admin'].id}": ["licence.approved"],
        "subject_type=licence&subject_id=5": ["licence.lapsed", "licence.approved"],
        "subject_type=Practitioner": ["practitioner.suspended"],
        "since=2026-02-02&until=2026-02-03": ["practitioner.suspended", "licence.rejected"],
        "until=2026-02-01": ["licence.approved"],
        "action=&actor=&subject_type=&subject_id=&since=&until=": ["licence.lapsed", "practitioner.suspended",
                                                                   "licence.rejected", "licence.approved"],
    }
    for query, expected in cases.items():
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code == 200, query
        assert actions_shown(response) == expected, query


@pytest.mark.parametrize("query,message", [
    ("since=yesterday", "Enter a date as YYYY-MM-DD"),
    ("until=9999-12-31", "between the year 2000 and 2999"),
    ("since=2026-03-01&until=2026-02-01", "The to date must be on or after the from date."),
    ("actor=nobody%40example.test", "No account has that email address."),
    ("actor=Robert%27);DROP", "Enter an email address or an account id."),
    ("actor=99999999999999", "Enter an email address or an account id."),
    ("subject_id=abc", "Enter the subject's id as a whole number"),
    ("subject_id=-1", "Enter the subject's id as a whole number"),
    ("subject_type=licence;drop", "Enter a subject type such as"),
    ("action=licence.deleted", "Choose an action from the list."),
])
def test_bad_audit_filters_are_form_errors(client, trail, query, message):
    response = client.get(f"/admin/audit?{query}")
    page = page_of(response, 400)
    assert message in page.text
    assert "There is a problem with the filters" in page.text
    assert actions_shown(response) == []


def test_the_audit_log_is_paginated(client, admin):
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for n in range(60):
        add_event(f"test.event{n:02d}", "licence", n + 1, admin, start + timedelta(minutes=n))
    db.session.commit()
    first = client.get("/admin/audit")
    assert actions_shown(first)[:2] == ["test.event59", "test.event58"] and len(actions_shown(first)) == 50
    assert "60 events" in page_of(first).text
    second = client.get("/admin/audit?page=2")
    assert actions_shown(second) == [f"test.event{n:02d}" for n in range(9, -1, -1)]
    assert actions_shown(client.get("/admin/audit?page=99")) == actions_shown(second)
    assert actions_shown(client.get("/admin/audit?page=x")) == actions_shown(first)
    filtered = client.get("/admin/audit?subject_type=licence&page=2")
    assert 'href="/admin/audit?subject_type=licence"' in filtered.get_data(as_text=True)
