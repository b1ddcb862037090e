"""The licence state machine: each transition, its effect on search at once, its audit event and its mail."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import (AuditEvent, Licence, ListingState, OutboxMessage, Role, SearchEntry,
                              VerificationState)
from directory.services.search import nearby as geo
from directory.services.licensing import decisions as licensing
from directory.services.licensing import expiry as licence_expiry
from directory.services.licensing import review as licence_review
from directory.services.licensing import suspension
from directory.services.licensing.checks import FAIL, PASS
from directory.services.licensing.decisions import ChecksFailed, DecisionError, LicenceInput
from tests.factories import add_clinic, add_licence, create_practitioner, create_user

TODAY = date.today()
SF = (37.7509, -122.4153)
GOOD = LicenceInput(jurisdiction="US-CA", title="L.Ac.", number="AC12345",
                    issued_on=TODAY - timedelta(days=400), expires_on=TODAY + timedelta(days=300))


# --- helpers shared with the other licence test modules --------------------------------

def found_in_search(practitioner) -> bool:
    return practitioner.id in {hit.practitioner.id for hit in geo.search(SF, radius=25).hits}


def found_in_api(client, practitioner) -> bool:
    body = client.get("/api/v1/practitioners?near=94110").get_json()
    return practitioner.id in {r["id"] for r in body["results"]}


def assert_listed(client, practitioner, expected: bool) -> None:
    assert found_in_search(practitioner) is expected
    assert found_in_api(client, practitioner) is expected
    indexed = db.session.scalar(select(func.count()).select_from(SearchEntry)
                                .where(SearchEntry.practitioner_id == practitioner.id))
    assert bool(indexed) is expected


def events(action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def mails_to(user) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)
                                   .order_by(OutboxMessage.id)))


def new_practitioner(**overrides):
    """Listed, with a San Francisco clinic and no licence yet."""
    return create_practitioner(**{"display_name": "Jane Q. Doe", "licences": [], **overrides})


@pytest.fixture
def admin(app):
    user = create_user(role=Role.ADMIN, name="Ada Admin")
    db.session.commit()
    return user


@pytest.fixture
def jane(app):
    return new_practitioner()


def submitted(practitioner, data: LicenceInput = GOOD) -> Licence:
    return licensing.submit_licence(practitioner, data, actor=practitioner.user)


# --- submission ---------------------------------------------------------------------

def test_submission_is_pending_and_does_not_list(client, jane):
    licence = submitted(jane)
    assert licence.verification_state is VerificationState.PENDING
    assert (licence.country, licence.jurisdiction, licence.number_normalized) == ("US", "US-CA", "AC12345")
    assert licence.is_licence and licence.submitted_at is not None
    assert {r["name"] for r in licence.check_results} >= {"required", "dates", "number_format", "duplicate"}
    assert all(r["result"] != FAIL for r in licence.check_results)
    assert_listed(client, jane, False)
    [event] = events("licence.submitted")
    assert event.actor_id == jane.user.id and event.subject_type == "licence" and event.subject_id == licence.id
    assert event.before is None
    assert event.after["number"] == "AC12345" and event.after["verification_state"] == "pending"
    assert event.after["expires_on"] == GOOD.expires_on.isoformat()


def test_input_is_tidied(jane):
    licence = submitted(jane, replace(GOOD, jurisdiction=" us-ca ", title="lac", number=" ac-12 345 "))
    assert (licence.jurisdiction, licence.title, licence.number, licence.number_normalized) == (
        "US-CA", "L.Ac.", "ac-12 345", "AC12345")


def test_a_failing_check_blocks_submission_and_saves_nothing(jane):
    with pytest.raises(ChecksFailed) as failure:
        submitted(jane, replace(GOOD, number="12345"))
    failing = [r for r in failure.value.results if r.result == FAIL]
    assert [(r.name, r.field) for r in failing] == [("number_format", "number")]
    assert "12345" in str(failure.value)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Licence)) == 0
    assert events() == []


def test_check_input_reports_without_saving(jane):
    results = licensing.check_input(jane, replace(GOOD, expires_on=TODAY - timedelta(days=1)))
    assert any(r.name == "dates" and r.result == FAIL and r.field == "expires_on" for r in results)
    assert db.session.scalar(select(func.count()).select_from(Licence)) == 0


def test_another_practitioners_number_is_refused(jane):
    create_practitioner(licences=[{"number": "AC12345"}])
    with pytest.raises(ChecksFailed) as failure:
        submitted(jane)
    assert [r.name for r in failure.value.results if r.result == FAIL] == ["duplicate"]


# --- decisions ----------------------------------------------------------------------

def test_approval_lists_at_once_and_is_audited_and_mailed(client, jane, admin):
    licence = submitted(jane)
    licensing.approve(licence, admin=admin)
    assert licence.verification_state is VerificationState.VERIFIED
    assert licence.verified_by_id == admin.id and licence.decided_by_id == admin.id
    assert licence.verified_at is not None and licence.decision_reason is None
    assert_listed(client, jane, True)
    [event] = events("licence.approved")
    assert (event.actor_id, event.subject_id, event.reason) == (admin.id, licence.id, None)
    assert event.before == {"verification_state": "pending"} and event.after == {"verification_state": "verified"}
    [mail] = mails_to(jane.user)
    assert "verified" in mail.subject and "AC12345" in mail.subject
    assert "Patients can now find you in search" in mail.body and "California" in mail.body


def test_only_a_pending_licence_can_be_decided(jane, admin):
    licence = submitted(jane)
    licensing.approve(licence, admin=admin)
    for decide in (lambda: licensing.approve(licence, admin=admin),
                   lambda: licensing.reject(licence, admin=admin, reason="No"),
                   lambda: licensing.request_changes(licence, admin=admin, reason="No")):
        with pytest.raises(DecisionError, match="already verified"):
            decide()
    assert len(events("licence.approved")) == 1 and len(mails_to(jane.user)) == 1


def test_approval_is_refused_while_a_check_fails_unless_overridden(client, jane, admin):
    licence = submitted(jane)
    # Someone else records the same number after submission: the duplicate check now fails.
    create_practitioner(licences=[{"number": "AC12345"}])
    with pytest.raises(DecisionError) as refusal:
        licensing.approve(licence, admin=admin)
    assert "override reason" in refusal.value.message and "AC12345" in refusal.value.message
    db.session.expire_all()
    assert licence.verification_state is VerificationState.PENDING
    # The checks were re-run at decision time and stored, so the review page shows why.
    assert any(r["name"] == "duplicate" and r["result"] == FAIL for r in licence.check_results)
    assert events("licence.approved") == [] and mails_to(jane.user) == []
    assert_listed(client, jane, False)

    with pytest.raises(DecisionError):
        licensing.approve(licence, admin=admin, override_reason="   ")
    licensing.approve(licence, admin=admin, override_reason="Board confirmed by phone: the other record is a typo.")
    assert licence.verification_state is VerificationState.VERIFIED
    assert licence.decision_reason == "Board confirmed by phone: the other record is a typo."
    [event] = events("licence.approved_with_override")
    assert event.reason == licence.decision_reason and event.after["overridden_checks"] == ["duplicate"]
    assert_listed(client, jane, True)


@pytest.mark.parametrize("decide, state, action, subject", [
    (licensing.reject, VerificationState.REJECTED, "licence.rejected", "not verified"),
    (licensing.request_changes, VerificationState.NEEDS_CHANGES, "licence.changes_requested", "Changes needed"),
])
def test_reject_and_request_changes_need_a_reason_that_is_mailed(client, jane, admin, decide, state, action,
                                                                   subject):
    licence = submitted(jane)
    for blank in ("", "   \n"):
        with pytest.raises(DecisionError, match="reason"):
            decide(licence, admin=admin, reason=blank)
    assert licence.verification_state is VerificationState.PENDING and events(action) == []
    decide(licence, admin=admin, reason="The number on the certificate you uploaded ends in 46 & not 45.")
    assert licence.verification_state is state
    assert licence.decision_reason.startswith("The number on the certificate")
    assert licence.decided_by_id == admin.id and licence.verified_at is None
    assert_listed(client, jane, False)
    [event] = events(action)
    assert event.actor_id == admin.id and event.reason == licence.decision_reason
    assert event.before == {"verification_state": "pending"} and event.after == {"verification_state": state.value}
    [mail] = mails_to(jane.user)
    assert subject in mail.subject
    assert "ends in 46 & not 45." in mail.body


def test_a_certification_can_be_approved_but_never_lists(client, admin):
    alabama = {"name": "Birmingham", "city": "Birmingham", "region": "AL", "postal_code": "35203",
               "latitude": 33.5186, "longitude": -86.8104, "timezone": "America/Chicago"}
    practitioner = new_practitioner(clinics=[alabama])
    data = replace(GOOD, jurisdiction="US-AL", title="Dipl. Ac. (NCCAOM)", number="123456")
    licence = licensing.submit_licence(practitioner, data, actor=practitioner.user)
    assert licence.is_licence is False
    assert any(r["name"] == "jurisdiction" and r["result"] == "warn" for r in licence.check_results)
    licensing.approve(licence, admin=admin)
    assert licence.verification_state is VerificationState.VERIFIED
    assert geo.search((33.5186, -86.8104), radius=25).total == 0
    assert "certification" in mails_to(practitioner.user)[0].body


# --- the practitioner's edits ------------------------------------------------------------

def test_editing_a_verified_licence_sends_it_back_to_pending_and_unlists_at_once(client, jane, admin):
    licence = submitted(jane)
    licensing.approve(licence, admin=admin)
    first_submission = licence.submitted_at
    assert_listed(client, jane, True)

    licensing.update_licence(licence, replace(GOOD, number="AC54321"), actor=jane.user)
    assert licence.verification_state is VerificationState.PENDING
    assert licence.submitted_at > first_submission
    assert licence.verified_at is None and licence.verified_by_id is None and licence.decided_at is None
    assert_listed(client, jane, False)
    [event] = events("licence.updated")
    assert event.actor_id == jane.user.id
    assert event.before == {"number": "AC12345", "verification_state": "verified"}
    assert event.after == {"number": "AC54321", "verification_state": "pending"}
    assert licence in licence_review.pending_queue()


@pytest.mark.parametrize("change", [
    {"jurisdiction": "US-NY", "number": "012345"}, {"title": "Licensed Acupuncturist"},
    {"issued_on": TODAY - timedelta(days=401)}, {"expires_on": TODAY + timedelta(days=301)},
])
def test_any_verified_field_change_needs_a_new_review(jane, admin, change):
    licence = submitted(jane)
    licensing.approve(licence, admin=admin)
    licensing.update_licence(licence, replace(GOOD, **change), actor=jane.user)
    assert licence.verification_state is VerificationState.PENDING


def test_saving_a_verified_licence_unchanged_keeps_it_verified(client, jane, admin):
    licence = submitted(jane)
    licensing.approve(licence, admin=admin)
    licensing.update_licence(licence, replace(GOOD, number="ac-12345", title="LAc"), actor=jane.user)
    assert licence.verification_state is VerificationState.VERIFIED
    assert_listed(client, jane, True)
    # Only the number's spelling changed: recorded, but no new review.
    [event] = events("licence.updated")
    assert event.before == {"number": "AC12345"} and event.after == {"number": "ac-12345"}
    licensing.update_licence(licence, replace(GOOD, number="ac-12345"), actor=jane.user)
    assert len(events("licence.updated")) == 1


@pytest.mark.parametrize("decide", [licensing.reject, licensing.request_changes])
def test_editing_a_refused_licence_resubmits_it(jane, admin, decide):
    licence = submitted(jane)
    decide(licence, admin=admin, reason="Please attach the right number.")
    decided_at = licence.decided_at
    licensing.update_licence(licence, replace(GOOD, number="AC12346"), actor=jane.user)
    assert licence.verification_state is VerificationState.PENDING
    assert licence.decision_reason is None and licence.decided_by_id is None
    assert licence.submitted_at > decided_at
    assert licence_review.pending_queue() == [licence]


def test_a_failing_edit_changes_nothing(client, jane, admin):
    licence = submitted(jane)
    licensing.approve(licence, admin=admin)
    with pytest.raises(ChecksFailed):
        licensing.update_licence(licence, replace(GOOD, expires_on=TODAY - timedelta(days=2)), actor=jane.user)
    db.session.rollback()
    db.session.expire_all()
    assert licence.verification_state is VerificationState.VERIFIED and licence.expires_on == GOOD.expires_on
    assert events("licence.updated") == []
    assert_listed(client, jane, True)


def test_editing_a_pending_licence_keeps_its_place_in_the_queue(jane):
    first = submitted(jane)
    other = submitted(new_practitioner(display_name="Ken Ito"), replace(GOOD, number="AC22222"))
    place = first.submitted_at
    licensing.update_licence(first, replace(GOOD, number="AC12399"), actor=jane.user)
    assert first.submitted_at == place
    assert licence_review.pending_queue() == [first, other]
    assert licence_review.pending_queue(limit=1) == [first]


def test_withdrawing_removes_the_licence_and_the_listing(client, admin):
    practitioner = create_practitioner(display_name="Jane Q. Doe")
    [licence] = practitioner.licences
    licence_id = licence.id
    assert_listed(client, practitioner, True)
    licensing.withdraw_licence(licence, actor=practitioner.user)
    assert db.session.get(Licence, licence_id) is None
    assert_listed(client, practitioner, False)
    [event] = events("licence.withdrawn")
    assert event.subject_id == licence_id and event.actor_id == practitioner.user.id
    assert event.before["verification_state"] == "verified" and event.after is None


# --- suspension -----------------------------------------------------------------------

def test_suspension_and_reinstatement(client, admin):
    practitioner = create_practitioner(display_name="Jane Q. Doe")
    assert_listed(client, practitioner, True)
    with pytest.raises(DecisionError, match="reason"):
        suspension.suspend(practitioner, admin=admin, reason=" ")
    assert practitioner.listing_state is ListingState.LISTED

    suspension.suspend(practitioner, admin=admin, reason="Board reports a pending disciplinary case.")
    assert practitioner.listing_state is ListingState.SUSPENDED and practitioner.suspended_at is not None
    assert practitioner.suspension_reason == "Board reports a pending disciplinary case."
    assert_listed(client, practitioner, False)
    with pytest.raises(DecisionError, match="already suspended"):
        suspension.suspend(practitioner, admin=admin, reason="again")
    [event] = events("practitioner.suspended")
    assert (event.actor_id, event.subject_type, event.subject_id) == (admin.id, "practitioner", practitioner.id)
    assert event.before == {"listing_state": "listed"} and event.after == {"listing_state": "suspended"}
    assert event.reason == "Board reports a pending disciplinary case."
    assert "pending disciplinary case" in mails_to(practitioner.user)[-1].body

    with pytest.raises(DecisionError, match="reason"):
        suspension.reinstate(practitioner, admin=admin, reason="")
    suspension.reinstate(practitioner, admin=admin, reason="The board closed the case.")
    assert practitioner.listing_state is ListingState.LISTED
    assert practitioner.suspended_at is None and practitioner.suspension_reason is None
    assert_listed(client, practitioner, True)
    [event] = events("practitioner.reinstated")
    assert event.before == {"listing_state": "suspended"} and event.after == {"listing_state": "listed"}
    assert event.reason == "The board closed the case."
    assert "closed the case" in mails_to(practitioner.user)[-1].body
    with pytest.raises(DecisionError, match="not suspended"):
        suspension.reinstate(practitioner, admin=admin, reason="again")


def test_reinstating_a_suspended_draft_leaves_it_a_draft(client, admin):
    practitioner = create_practitioner(listing_state=ListingState.DRAFT)
    suspension.suspend(practitioner, admin=admin, reason="Fake credentials reported.")
    suspension.reinstate(practitioner, admin=admin, reason="Report was wrong.")
    assert practitioner.listing_state is ListingState.DRAFT
    assert_listed(client, practitioner, False)


# --- the whole journey -----------------------------------------------------------------

def test_full_state_machine_with_an_audit_event_per_transition(client, admin):
    jane = new_practitioner()
    licence = submitted(jane)
    assert_listed(client, jane, False)
    licensing.request_changes(licence, admin=admin, reason="Upload the renewed certificate.")
    assert_listed(client, jane, False)
    licensing.update_licence(licence, replace(GOOD, expires_on=TODAY + timedelta(days=200)), actor=jane.user)
    assert licence.verification_state is VerificationState.PENDING
    licensing.reject(licence, admin=admin, reason="The board has no such licence.")
    licensing.update_licence(licence, GOOD, actor=jane.user)
    licensing.approve(licence, admin=admin)
    assert_listed(client, jane, True)
    licensing.update_licence(licence, replace(GOOD, issued_on=TODAY - timedelta(days=30)), actor=jane.user)
    assert_listed(client, jane, False)
    licensing.approve(licence, admin=admin)
    assert_listed(client, jane, True)
    suspension.suspend(jane, admin=admin, reason="Complaint under review.")
    assert_listed(client, jane, False)
    suspension.reinstate(jane, admin=admin, reason="Complaint dismissed.")
    assert_listed(client, jane, True)
    assert licence_expiry.lapse_expired(today=GOOD.expires_on + timedelta(days=1)) == 1
    assert licence.verification_state is VerificationState.LAPSED

    assert [(e.action, e.actor_id) for e in events()] == [
        ("licence.submitted", jane.user.id), ("licence.changes_requested", admin.id),
        ("licence.updated", jane.user.id), ("licence.rejected", admin.id), ("licence.updated", jane.user.id),
        ("licence.approved", admin.id), ("licence.updated", jane.user.id), ("licence.approved", admin.id),
        ("practitioner.suspended", admin.id), ("practitioner.reinstated", admin.id), ("licence.lapsed", None),
    ]
    states = [(e.before or {}).get("verification_state") for e in events() if e.subject_type == "licence"]
    assert states == [None, "pending", "needs_changes", "pending", "rejected", "pending", "verified",
                      "pending", "verified"]
    assert [r["result"] for r in licence.check_results if r["name"] == "required"] == [PASS]


def test_audit_snapshots_hold_no_health_or_mail_content(jane, admin):
    licence = submitted(jane)
    licensing.reject(licence, admin=admin, reason="Wrong number.")
    for event in events():
        keys = set(event.before or {}) | set(event.after or {})
        assert keys <= set(licensing.AUDITED_FIELDS) | {"practitioner_id", "overridden_checks"}


def test_a_second_clinic_state_needs_its_own_licence(client, admin):
    jane = new_practitioner()
    add_clinic(jane, name="Midtown", city="New York", region="NY", postal_code="10001",
               latitude=40.7484, longitude=-73.9967, timezone="America/New_York")
    add_licence(jane, jurisdiction="US-NY", verification_state=VerificationState.PENDING, verified_at=None)
    db.session.commit()
    licensing.approve(jane.licences[0], admin=admin, override_reason="test data number")
    assert geo.search((40.7484, -73.9967), radius=5).total == 1
    # A New York licence does not list the San Francisco clinic.
    assert not found_in_search(jane) and not found_in_api(client, jane)


def test_mail_links_use_the_public_address_only_when_configured(app, jane, admin):
    licensing.approve(submitted(jane), admin=admin)
    assert "Log in to Meridian to see your licences." in mails_to(jane.user)[-1].body
    app.config["PUBLIC_BASE_URL"] = "https://meridian.example"
    licensing.reject(submitted(jane, replace(GOOD, number="AC12399")), admin=admin, reason="No such number.")
    assert "Log in at https://meridian.example/login to see your licences." in mails_to(jane.user)[-1].body
