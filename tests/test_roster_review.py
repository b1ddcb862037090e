"""What a board has said about a licence, and what a roster import leaves for an admin:
board status "not reported" until a roster or an admin reports one; every count of an
import's report opens its list; verified licences whose roster check starts failing go back
to the queue with the failing check shown, and stay listed until an admin decides."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import AuditEvent, BoardStatus, Licence, RosterImport, VerificationState
from directory.services.licensing import decisions as licensing
from directory.services.licensing.review import board_status_from_roster
from directory.services.licensing.rosters import import_roster
from tests.factories import add_licence, create_practitioner
from tests.test_admin import admin, found_near_94110, outbox_count, page_of, pending_licence  # noqa: F401
from tests.test_pages import assert_accessible_layout

EXPIRY = date.today() + timedelta(days=300)
HEADER = "License Number,Name,License Status,Expiration Date\r\n"


def roster(*rows: tuple[str, str, str]) -> bytes:
    return (HEADER + "".join(f'{n},"{name}",{status},{EXPIRY:%m/%d/%Y}\r\n' for n, name, status in rows)).encode()


def run(data: bytes, actor=None):
    return import_roster(data, jurisdiction="US-CA", source="California board lookup", filename="ca.csv",
                         actor=actor)


def verified(name: str, number: str) -> Licence:
    practitioner = create_practitioner(display_name=name, licences=[{"number": number, "expires_on": EXPIRY}])
    return practitioner.licences[0]


def fresh(licence: Licence) -> Licence:
    db.session.expire_all()
    return db.session.get(Licence, licence.id)


def text_of(client, url: str, status: int = 200) -> str:
    page = page_of(client.get(url), status)
    assert_accessible_layout(page)
    return page.text


# --- board status -------------------------------------------------------------------------

@pytest.mark.parametrize("words, status", [
    ("Active", BoardStatus.ACTIVE), ("CURRENT", BoardStatus.ACTIVE), ("Clear", BoardStatus.ACTIVE),
    ("Active - Probation", BoardStatus.PROBATION), ("Not Active", BoardStatus.INACTIVE),
    ("Revoked", BoardStatus.REVOKED), ("Expired", BoardStatus.EXPIRED), ("Delinquent", BoardStatus.DELINQUENT),
    ("Pending review", None), ("", None),
])
def test_a_rosters_words_become_a_board_status_or_none(words, status):
    assert board_status_from_roster(words) is status


def test_a_licence_no_board_has_reported_on_shows_not_reported(client, admin):
    licence = pending_licence()
    assert licence.board_status is None
    text = text_of(client, f"/admin/licences/{licence.id}")
    assert "Board status Not reported" in text
    assert "Board status Active" not in text


def test_a_roster_row_reports_the_board_status_and_says_so(client, admin):
    licence = pending_licence("Mei Chen", number="AC12345")
    run(roster(("AC12345", "CHEN, MEI", "Suspended"), ("AC99999", "Someone Else", "Gibberish")))
    licence = fresh(licence)
    assert (licence.board_status, licence.board_status_source) == (BoardStatus.SUSPENDED, "roster")
    assert "Board status Suspended (from the board roster" in text_of(client, f"/admin/licences/{licence.id}")


def test_words_the_roster_uses_that_we_do_not_know_leave_it_not_reported(client, admin):
    licence = pending_licence("Mei Chen", number="AC12345")
    run(roster(("AC12345", "CHEN, MEI", "Pending review")))
    assert fresh(licence).board_status is None


def test_an_admin_records_the_board_status_with_where_they_saw_it(client, admin):
    licence = pending_licence()
    url = f"/admin/licences/{licence.id}/board-status"
    page = page_of(client.post(url, data={"board_status": "revoked", "note": ""}), 400)
    assert_accessible_layout(page)
    assert "Say where you saw this status" in page.text and "Board status Not reported" in page.text
    assert fresh(licence).board_status is None
    assert client.post(url, data={"board_status": "sacked", "note": "x"}).status_code == 400

    response = client.post(url, data={"board_status": "revoked", "note": "Board lookup, 7 Dec"})
    assert response.status_code == 302
    licence = fresh(licence)
    assert (licence.board_status, licence.board_status_source) == (BoardStatus.REVOKED, "admin")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "licence.board_status_recorded")).one()
    assert event.reason == "Board lookup, 7 Dec" and event.actor_id == admin.id
    assert "Revoked (recorded by an admin" in text_of(client, f"/admin/licences/{licence.id}")


def test_the_newer_report_wins_and_an_unchanged_roster_does_not_undo_an_admins_record(client, admin):
    licence = pending_licence("Mei Chen", number="AC12345")
    run(roster(("AC12345", "CHEN, MEI", "Active")))
    client.post(f"/admin/licences/{licence.id}/board-status", data={"board_status": "suspended", "note": "Call"})
    # The same rows again (another file: a new import), nothing changed on the board's side.
    run(roster(("AC12345", "CHEN, MEI", "Active"), ("AC22222", "Other Person", "Active")))
    assert fresh(licence).board_status is BoardStatus.SUSPENDED
    # The board's row changes: that is newer than the admin's record.
    run(roster(("AC12345", "CHEN, MEI", "Revoked")))
    licence = fresh(licence)
    assert (licence.board_status, licence.board_status_source) == (BoardStatus.REVOKED, "roster")


def test_a_new_licence_number_forgets_the_old_numbers_board_status(app):
    licence = verified("Mei Chen", "AC12345")
    licence.board_status, licence.board_status_source = BoardStatus.ACTIVE, "admin"
    licence.board_status_at = datetime.now(timezone.utc)
    db.session.commit()
    data = licensing.LicenceInput(licence.jurisdiction, licence.title, "AC54321", licence.issued_on,
                                  licence.expires_on)
    licensing.update_licence(licence, data, actor=licence.practitioner.user)
    assert fresh(licence).board_status is None


# --- the import's lists -----------------------------------------------------------------------

@pytest.fixture
def imported(app):
    """Four licences of US-CA against one roster: matched, mismatched (name), not found
    (verified) and not found (pending)."""
    matched = verified("Mei Chen", "AC10001")
    mismatched = verified("Ana Ruiz", "AC10002")
    missing = verified("Bo Brown", "AC10003")
    pending = pending_licence("Cy Pending", number="AC10004")
    report = run(roster(("AC10001", "CHEN, MEI", "Active"), ("AC10002", "SMITH, JOHN", "Active"),
                        ("AC20000", "NEW, PERSON", "Active")))
    return report, matched, mismatched, missing, pending


def test_every_count_of_the_report_links_to_its_list(client, admin, imported):
    report, matched, mismatched, missing, pending = imported
    assert (report.matched, report.mismatched, report.not_found, report.created) == (1, 1, 2, 3)
    page = page_of(client.get(f"/admin/rosters/{report.import_id}"))
    assert_accessible_layout(page)
    links = {a["href"] for a in page.find("a")}
    for name in ("rows", "created", "matched", "mismatched", "not_found"):
        assert f"/admin/rosters/{report.import_id}?list={name}#list-title" in links, name

    def listed(name: str) -> list[int]:
        html = client.get(f"/admin/rosters/{report.import_id}?list={name}").get_data(as_text=True)
        return [int(i) for i in re.findall(r'href="/admin/licences/(\d+)"', html)]

    assert listed("matched") == [matched.id]
    assert listed("mismatched") == [mismatched.id]
    assert sorted(listed("not_found")) == sorted([missing.id, pending.id])
    text = text_of(client, f"/admin/rosters/{report.import_id}?list=mismatched")
    assert "Licences mismatched (1)" in text and "'SMITH, JOHN', not 'Ana Ruiz'" in text
    text = text_of(client, f"/admin/rosters/{report.import_id}?list=created")
    assert all(n in text for n in ("AC10001", "AC10002", "AC20000"))
    assert client.get(f"/admin/rosters/{report.import_id}?list=everything").status_code == 404
    assert client.get("/admin/rosters/999999").status_code == 404


def test_the_report_after_an_upload_and_the_recent_imports_link_their_counts(client, admin, imported):
    report = imported[0]
    response = client.post("/admin/rosters", data={
        "roster": (io.BytesIO(roster(("AC10001", "CHEN, MEI", "Active"))), "ca.csv"),
        "jurisdiction": "US-CA", "source": "Board lookup again"}, content_type="multipart/form-data")
    page = page_of(response)
    newest = db.session.scalars(select(RosterImport).order_by(RosterImport.id.desc())).first()
    links = {a["href"] for a in page.find("a")}
    assert f"/admin/rosters/{newest.id}?list=not_found#list-title" in links
    assert f"/admin/rosters/{report.import_id}?list=mismatched#list-title" in links  # the recent imports table


def test_an_import_from_before_lists_were_kept_says_so(client, admin):
    old = RosterImport(jurisdiction="US-CA", source="Old", filename="old.csv", sha256="0" * 64, rows=5,
                       report={"matched": 2, "mismatched": 0, "not_found": 3})
    db.session.add(old)
    db.session.commit()
    text = text_of(client, f"/admin/rosters/{old.id}?list=not_found")
    assert "made before imports kept their lists" in text


# --- verified licences whose roster check now fails ----------------------------------------------

def test_verified_licences_failing_the_roster_go_back_to_the_queue_with_the_check_shown_and_stay_listed(
        client, admin, imported):
    report, matched, mismatched, missing, pending = imported
    for licence in (mismatched, missing):
        licence = fresh(licence)
        assert licence.verification_state is VerificationState.VERIFIED
        assert licence.review_requested_at is not None
    assert fresh(matched).review_requested_at is None
    # Still listed: patients keep finding them until an admin decides.
    assert {mismatched.practitioner_id, missing.practitioner_id} <= set(found_near_94110(client))

    html = client.get("/admin/licences").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'href="/admin/licences/(\d+)"', html)]
    assert order[:2] == sorted([mismatched.id, missing.id]) and order[2:] == [pending.id]
    text = text_of(client, "/admin/licences")
    assert "4 licences waiting" not in text and "3 licences waiting" in text
    assert "Verified and listed, but the roster check fails" in text
    assert "AC10003 is not on the California roster." in text

    text = text_of(client, f"/admin/licences/{missing.id}")
    assert "verified and still listed, but its board roster check now fails" in text
    assert "AC10003 is not on the California roster." in text
    requested = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "licence.review_requested")).all()
    assert sorted(e.subject_id for e in requested) == sorted([mismatched.id, missing.id])


def test_an_admin_keeps_a_flagged_licence_verified_with_a_reason_and_it_is_not_flagged_again(
        client, admin, imported):
    report, matched, mismatched, missing, pending = imported
    mail_before = outbox_count()
    url = f"/admin/licences/{missing.id}/decision"
    assert client.post(url, data={"decision": "approve"}).status_code == 400  # a check fails: a reason is needed
    response = client.post(url, data={"decision": "approve", "override": "y",
                                      "reason": "The board's export covers one county only."})
    assert response.status_code == 302
    licence = fresh(missing)
    assert licence.verification_state is VerificationState.VERIFIED and licence.review_requested_at is None
    assert outbox_count() == mail_before  # nothing new to tell the practitioner
    assert missing.practitioner_id in found_near_94110(client)
    # The same roster (as another file) still fails it: it was already looked at.
    run(roster(("AC10001", "CHEN, MEI", "Active"), ("AC10002", "SMITH, JOHN", "Active"),
               ("AC20000", "NEW, PERSON", "Active"), ("AC20001", "ANOTHER, ONE", "Active")))
    assert fresh(missing).review_requested_at is None


def test_rejecting_a_flagged_licence_takes_it_out_of_search(client, admin, imported):
    report, matched, mismatched, missing, pending = imported
    response = client.post(f"/admin/licences/{mismatched.id}/decision",
                           data={"decision": "reject", "reason": "The board lists this number for someone else."})
    assert response.status_code == 302
    licence = fresh(mismatched)
    assert licence.verification_state is VerificationState.REJECTED and licence.review_requested_at is None
    assert mismatched.practitioner_id not in found_near_94110(client)


def test_a_later_roster_that_passes_the_licence_takes_it_out_of_the_queue(client, admin, imported):
    report, matched, mismatched, missing, pending = imported
    run(roster(("AC10001", "CHEN, MEI", "Active"), ("AC10002", "RUIZ, ANA", "Active"),
               ("AC10003", "BROWN, BO", "Active")))
    assert fresh(mismatched).review_requested_at is None and fresh(missing).review_requested_at is None
    cleared = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "licence.review_cleared")).all()
    assert sorted(e.subject_id for e in cleared) == sorted([mismatched.id, missing.id])


def test_a_decided_licence_that_is_not_flagged_still_cannot_be_decided_again(client, admin, imported):
    matched = imported[1]
    response = client.post(f"/admin/licences/{matched.id}/decision", data={"decision": "reject", "reason": "x"})
    assert response.status_code == 409
    assert fresh(matched).verification_state is VerificationState.VERIFIED


def test_the_factories_licence_starts_with_no_board_status(app):
    practitioner = create_practitioner(licences=[])
    licence = add_licence(practitioner)
    db.session.commit()
    assert fresh(licence).board_status is None
