"""The verification queue and the licence decisions an admin makes there, with their
effect on search, the audit trail and the practitioner's mail."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select

from directory.extensions import db
from directory.models import (AuditEvent, Licence, OutboxMessage, Role, RosterEntry, RosterImport,
                              VerificationState)
from directory.services import audit
from tests.factories import add_licence, create_practitioner, create_user
from tests.helpers_auth import login_as
from tests.test_pages import Page, assert_accessible_layout


@pytest.fixture
def admin(app, client):
    user = create_user(role=Role.ADMIN, email="reviewer@example.test", name="Rae Reviewer")
    db.session.commit()
    login_as(client, user)
    return user


def pending_licence(name: str = "Mei Chen", *, submitted: datetime | None = None, number: str = "AC12345",
                    **overrides) -> Licence:
    """A listed practitioner with a San Francisco clinic whose only licence awaits review."""
    practitioner = create_practitioner(display_name=name, licences=[], commit=False)
    licence = add_licence(practitioner, number=number, verification_state=VerificationState.PENDING,
                          verified_at=None, submitted_at=submitted or datetime.now(timezone.utc), **overrides)
    db.session.commit()
    return licence


def found_near_94110(client) -> list[int]:
    response = client.get("/api/v1/practitioners?near=94110")
    assert response.status_code == 200
    return [r["id"] for r in response.get_json()["results"]]


def page_of(response, status: int = 200) -> Page:
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return Page(response.get_data(as_text=True))


def events(action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    return list(db.session.scalars(query.where(AuditEvent.action == action) if action else query))


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def statements_during(call) -> list[str]:
    """The SQL statements ``call`` runs, starting from an empty identity map."""
    db.session.expire_all()
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


def state_of(licence: Licence) -> VerificationState:
    db.session.expire_all()
    return db.session.get(Licence, licence.id).verification_state


# --- the queue -----------------------------------------------------------------------

def test_queue_lists_pending_licences_oldest_first_with_a_verdict_summary(client, admin):
    day = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)
    third = pending_licence("Cara Third", submitted=day + timedelta(days=2), number="AC10003")
    first = pending_licence("Ada First", submitted=day, number="AC10001", check_results=[
        {"name": "number_format", "result": "fail", "message": "Bad number", "field": "number"},
        {"name": "roster", "result": "warn", "message": "Expiry differs", "field": "expires_on"},
        {"name": "dates", "result": "warn", "message": "Odd dates", "field": "expires_on"}])
    second = pending_licence("Bo Second", submitted=day + timedelta(days=1), number="AC10002", check_results=[
        {"name": "required", "result": "pass", "message": "All there", "field": None}])
    create_practitioner(display_name="Vera Verified")

    page = page_of(client.get("/admin/licences"))
    assert_accessible_layout(page)
    reviewed = [a["href"] for a in page.find("a") if re.fullmatch(r"/admin/licences/\d+", a.get("href", ""))]
    assert reviewed == [f"/admin/licences/{lic.id}" for lic in (first, second, third)]
    assert "3 licences waiting, oldest first." in page.text
    assert "Vera Verified" not in page.text
    assert "1 failed 2 warnings" in page.text and "All passed" in page.text
    for text in ("Ada First", "California (US-CA)", "L.Ac.", "AC10001", "2026-01-01 09:00 UTC"):
        assert text in page.text


def test_overview_counts_what_needs_attention(client, admin):
    pending_licence("Ada Pending", number="AC10001")
    soon = create_practitioner(display_name="Sol Soon", licences=[
        {"expires_on": date.today() + timedelta(days=20)}])
    create_practitioner(display_name="Lou Lapsed", licences=[
        {"verification_state": VerificationState.LAPSED, "expires_on": date.today() - timedelta(days=3)}])
    create_practitioner(display_name="Sue Suspended", listing_state="suspended")
    page = page_of(client.get("/admin"))
    assert_accessible_layout(page)
    for text in ("1 licence waiting for verification", "1 verified licence expiring within 60 days",
                 "1 lapsed licence", "1 suspended practitioner", "Ada Pending"):
        assert text in page.text
    assert soon.display_name not in page.text  # counted, not named


def test_the_queue_and_overview_run_the_same_queries_for_one_or_many_licences(client, admin):
    pending_licence("Ada One", number="AC10001")

    def pages():
        assert client.get("/admin/licences").status_code == 200
        assert client.get("/admin").status_code == 200

    one = len(statements_during(pages))
    for n in range(2, 6):
        pending_licence(f"Person {n}", number=f"AC1000{n}")
    create_practitioner(display_name="Sol Soon", licences=[{"expires_on": date.today() + timedelta(days=20)}])
    assert len(statements_during(pages)) == one


# --- the review page -----------------------------------------------------------------

CHECKS = [
    {"name": "required", "result": "pass", "message": "All required fields are filled in.", "field": None},
    {"name": "dates", "result": "pass", "message": "The dates are consistent.", "field": None},
    {"name": "jurisdiction", "result": "pass", "message": "California licenses acupuncture.", "field": None},
    {"name": "number_format", "result": "pass", "message": "The number has the California format.", "field": None},
    {"name": "npi", "result": "fail", "message": "The NPI check digit is wrong.", "field": "npi"},
    {"name": "nccaom_id", "result": "pass", "message": "The NCCAOM id looks right.", "field": "nccaom_id"},
    {"name": "duplicate", "result": "pass", "message": "No other practitioner holds it.", "field": None},
    {"name": "roster", "result": "warn", "message": "The roster gives another expiry.", "field": "expires_on"},
]


def test_review_page_shows_the_licence_beside_every_check_the_roster_row_and_history(client, admin):
    licence = pending_licence(check_results=CHECKS)
    practitioner = licence.practitioner
    practitioner.npi, practitioner.nccaom_id = "1234567890", "12345"
    imported = RosterImport(jurisdiction="US-CA", source="CA board lookup", filename="ca.csv", sha256="0" * 64)
    db.session.add(imported)
    db.session.flush()
    db.session.add(RosterEntry(jurisdiction="US-CA", number="AC 12345", number_normalized="AC12345",
                               name="CHEN, MEI", status="Current", expires_on=date(2027, 6, 30),
                               extra={"County": "San Francisco"}, source="CA board lookup", import_id=imported.id))
    audit.record("licence.submitted", "licence", licence.id, actor=practitioner.user, after={"number": "AC12345"})
    db.session.commit()

    page = page_of(client.get(f"/admin/licences/{licence.id}"))
    assert_accessible_layout(page)
    for check in CHECKS:
        assert check["message"] in page.text
    for text in ("NPI check digit", "Board roster", "1 failed 1 warning",
                 "CHEN, MEI", "Current", "30 Jun 2027", "County", "CA board lookup",
                 "1234567890", "12345", "San Francisco, California (US-CA)", "Pending",
                 "licence.submitted", practitioner.user.email):
        assert text in page.text, text
    # A check failed, so the form offers the override.
    assert page.by_id("override") and page.find("textarea", id="reason")
    assert [r["value"] for r in page.find("input", type="radio")] == ["approve", "reject", "request_changes"]


def test_the_override_is_offered_only_when_a_check_failed(client, admin):
    licence = pending_licence(check_results=CHECKS[:4])
    page = page_of(client.get(f"/admin/licences/{licence.id}"))
    assert not page.find("input", id="override")
    assert "No roster row has this number." in page.text


# --- decisions -----------------------------------------------------------------------

def test_approving_lists_the_practitioner_at_once_and_is_audited(client, admin):
    licence = pending_licence()
    assert licence.practitioner.id not in found_near_94110(client)

    response = client.post(f"/admin/licences/{licence.id}/decision", data={"decision": "approve"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/licences"
    assert "Mei Chen's L.Ac. AC12345 (California) was approved" in page_of(client.get("/admin/licences")).text

    assert state_of(licence) is VerificationState.VERIFIED
    stored = db.session.get(Licence, licence.id)
    assert stored.verified_by_id == admin.id and stored.verified_at is not None
    assert licence.practitioner_id in found_near_94110(client)
    [event] = events("licence.approved")
    assert event.actor_id == admin.id and event.subject_id == licence.id
    assert outbox_count() == 1


@pytest.mark.parametrize("decision,state,action", [
    ("reject", VerificationState.REJECTED, "licence.rejected"),
    ("request_changes", VerificationState.NEEDS_CHANGES, "licence.changes_requested"),
])
def test_reject_and_request_changes_need_a_reason_that_is_emailed(client, admin, decision, state, action):
    licence = pending_licence()
    for blank in ("", "   \n  "):
        page = page_of(client.post(f"/admin/licences/{licence.id}/decision",
                                   data={"decision": decision, "reason": blank}), 400)
        assert "Write the reason: it is emailed to the practitioner." in page.text
        assert page.by_id("reason").get("aria-invalid") == "true"
        assert page.find("input", type="radio", value=decision, checked=True)
    assert state_of(licence) is VerificationState.PENDING
    assert events() == [] and outbox_count() == 0

    reason = "The certificate photo is unreadable; please upload a clearer copy."
    response = client.post(f"/admin/licences/{licence.id}/decision", data={"decision": decision, "reason": reason})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/licences"
    assert state_of(licence) is state
    assert db.session.get(Licence, licence.id).decision_reason == reason
    [event] = events(action)
    assert event.reason == reason and event.actor_id == admin.id
    [mail] = db.session.scalars(select(OutboxMessage)).all()
    assert mail.recipient == licence.practitioner.user.email and reason in mail.body
    assert licence.practitioner_id not in found_near_94110(client)


def test_a_decision_must_be_chosen(client, admin):
    licence = pending_licence()
    for data in ({}, {"decision": "delete"}, {"reason": "Because"}):
        page = page_of(client.post(f"/admin/licences/{licence.id}/decision", data=data), 400)
        assert "Choose approve, reject or ask for changes." in page.text
    assert state_of(licence) is VerificationState.PENDING and events() == []


def test_approval_with_a_failing_check_needs_a_written_override(client, admin):
    # California documents its number format, so this number fails the check.
    licence = pending_licence(number="ZZ1")
    url = f"/admin/licences/{licence.id}/decision"

    page = page_of(client.post(url, data={"decision": "approve"}), 400)
    assert "A check fails" in page.text and "The decision was not recorded" in page.text
    assert page.by_id("override")  # offered now that the failure is known
    assert "number_format" not in page.text and "Number format" in page.text
    assert state_of(licence) is VerificationState.PENDING

    page = page_of(client.post(url, data={"decision": "approve", "override": "true", "reason": " "}), 400)
    assert "Write why you are approving although a check failed." in page.text
    assert state_of(licence) is VerificationState.PENDING
    assert events() == [] and licence.practitioner_id not in found_near_94110(client)

    reason = "Old-format number confirmed by phone with the board on 3 March."
    response = client.post(url, data={"decision": "approve", "override": "true", "reason": reason})
    assert response.status_code == 302
    assert state_of(licence) is VerificationState.VERIFIED
    [event] = events("licence.approved_with_override")
    assert event.reason == reason and event.actor_id == admin.id
    assert "number_format" in str(event.after)
    assert licence.practitioner_id in found_near_94110(client)


def test_deciding_a_licence_that_is_not_pending_changes_nothing(client, admin):
    practitioner = create_practitioner(display_name="Vera Verified")
    licence = practitioner.licences[0]
    page = page_of(client.post(f"/admin/licences/{licence.id}/decision",
                               data={"decision": "reject", "reason": "Second thoughts"}), 409)
    assert "This licence is no longer pending (it is verified), so nothing was changed." in page.text
    assert state_of(licence) is VerificationState.VERIFIED and events() == []
    assert practitioner.id in found_near_94110(client)
    # Its page says so instead of offering a decision.
    page = page_of(client.get(f"/admin/licences/{licence.id}"))
    assert "This licence is not waiting for a decision: it is verified." in page.text
    assert not page.find("input", type="radio")


def test_review_page_runs_the_checks_of_a_pending_licence_that_has_none(client, admin):
    # Loaded in bulk (like the demo data) with nothing stored, and an expiry now past.
    expired = date.today() - timedelta(days=3)
    licence = pending_licence(check_results=[], expires_on=expired)
    page = page_of(client.get(f"/admin/licences/{licence.id}"))
    assert f"Dates Fail This expired on {expired.isoformat()}." in page.text
    assert "1 failed" in page.text and page.by_id("override")
    # Opening a page changes nothing: the checks were shown, not stored.
    db.session.expire_all()
    assert db.session.get(Licence, licence.id).check_results == []
    assert events() == []


def test_the_queue_says_when_a_licence_has_not_been_checked(client, admin):
    pending_licence("Nell Unchecked", check_results=[])
    page = page_of(client.get("/admin/licences"))
    assert "Not checked yet" in page.text and "All passed" not in page.text
