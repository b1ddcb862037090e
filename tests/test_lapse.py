"""Expiry: the daily lapse (which unlists at once) and the 60- and 14-day reminders, each sent once."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import OutboxMessage, SearchEntry, VerificationState
from directory.services.search import nearby as geo
from directory.services.licensing import decisions as licensing
from directory.services.licensing import expiry as licence_expiry
from tests.factories import add_licence, create_practitioner
from tests.test_admin import statements_during
from tests.test_licensing import GOOD, SF, admin, assert_listed, events, mails_to  # noqa: F401

TODAY = date.today()


def practitioner_with(expires_on: date, **licence):
    return create_practitioner(display_name="Jane Q. Doe",
                               licences=[{"number": "AC12345", "expires_on": expires_on, **licence}])


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


# --- lapse ------------------------------------------------------------------------------

def test_an_expired_licence_lapses_and_unlists(client):
    jane = practitioner_with(TODAY)
    [licence] = jane.licences
    # Valid through its expiry date: not lapsed on that day.
    assert licence_expiry.lapse_expired(today=TODAY) == 0
    assert_listed(client, jane, True)

    assert licence_expiry.lapse_expired(today=TODAY + timedelta(days=1)) == 1
    assert licence.verification_state is VerificationState.LAPSED
    assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == 0
    assert geo.search(SF, radius=25, today=TODAY).total == 0
    assert_listed(client, jane, False)
    [event] = events("licence.lapsed")
    assert event.actor_id is None and event.subject_id == licence.id and event.reason is None
    assert event.before == {"verification_state": "verified", "expires_on": TODAY.isoformat()}
    assert event.after == {"verification_state": "lapsed", "expires_on": TODAY.isoformat()}
    [mail] = mails_to(jane.user)
    assert "lapsed" in mail.subject and "AC12345" in mail.subject
    assert "no longer shown in search" in mail.body
    assert licence_expiry.lapsed() == [licence]


def test_lapse_is_idempotent(app):
    jane = practitioner_with(TODAY - timedelta(days=3))
    assert licence_expiry.lapse_expired() == 1
    before = (len(events()), outbox_count())
    assert licence_expiry.lapse_expired() == 0
    assert licence_expiry.lapse_expired(today=TODAY + timedelta(days=30)) == 0
    assert (len(events()), outbox_count()) == before
    assert jane.licences[0].verification_state is VerificationState.LAPSED


@pytest.mark.parametrize("state", [VerificationState.PENDING, VerificationState.NEEDS_CHANGES,
                                   VerificationState.REJECTED])
def test_only_verified_licences_lapse(app, state):
    jane = practitioner_with(TODAY - timedelta(days=3), verification_state=state, verified_at=None)
    assert licence_expiry.lapse_expired() == 0
    assert jane.licences[0].verification_state is state
    assert events() == []


def test_lapse_handles_many_practitioners_and_leaves_current_ones(app):
    expired = [practitioner_with(TODAY - timedelta(days=n)) for n in (1, 2, 30)]
    current = practitioner_with(TODAY + timedelta(days=5))
    assert licence_expiry.lapse_expired() == 3
    assert {p.licences[0].verification_state for p in expired} == {VerificationState.LAPSED}
    assert current.licences[0].verification_state is VerificationState.VERIFIED
    assert [lic.id for lic in licence_expiry.lapsed()] == [p.licences[0].id for p in expired]


def test_lapse_reads_the_same_way_for_one_or_many_practitioners(app):
    def reads(count: int) -> int:
        for _ in range(count):
            practitioner_with(TODAY - timedelta(days=2))
        statements = statements_during(lambda: licence_expiry.lapse_expired())
        return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))

    assert reads(1) == reads(3)


def test_a_lapsed_licence_renewed_with_new_dates_goes_back_to_the_queue(client, admin):  # noqa: F811
    jane = practitioner_with(TODAY - timedelta(days=2))
    [licence] = jane.licences
    licence_expiry.lapse_expired()
    renewed = replace(GOOD, number="AC12345", issued_on=TODAY - timedelta(days=2),
                      expires_on=TODAY + timedelta(days=700))
    licensing.update_licence(licence, renewed, actor=jane.user)
    assert licence.verification_state is VerificationState.PENDING
    assert events("licence.updated")[0].after["verification_state"] == "pending"
    licensing.approve(licence, admin=admin)
    assert_listed(client, jane, True)


# --- reminders ----------------------------------------------------------------------------

def test_reminders_go_once_at_60_and_once_at_14_days(app):
    expiry = TODAY + timedelta(days=90)
    jane = practitioner_with(expiry)
    [licence] = jane.licences
    sent = []
    for days_before in range(90, -1, -1):
        if licence_expiry.send_expiry_reminders(today=expiry - timedelta(days=days_before)):
            sent.append(days_before)
        # A second run on the same day sends nothing more.
        assert licence_expiry.send_expiry_reminders(today=expiry - timedelta(days=days_before)) == 0
    assert sent == [60, 14]
    first, last = mails_to(jane.user)
    assert "expires in 60 days" in first.subject and "AC12345" in first.subject
    assert "expires in 14 days" in last.subject
    assert expiry.strftime("%Y") in last.body and "renewed" in last.body
    assert licence.reminded_60_at is not None and licence.reminded_14_at is not None
    assert events() == []  # reminders change no state worth auditing


def test_both_reminders_due_at_once_send_only_the_nearer(app):
    jane = practitioner_with(TODAY + timedelta(days=10))
    assert licence_expiry.send_expiry_reminders() == 1
    [mail] = mails_to(jane.user)
    assert "in 10 days" in mail.subject
    assert jane.licences[0].reminded_60_at is not None and jane.licences[0].reminded_14_at is not None
    for day in range(1, 12):
        assert licence_expiry.send_expiry_reminders(today=TODAY + timedelta(days=day)) == 0


def test_no_reminder_for_unverified_far_off_or_expired_licences(app):
    practitioner_with(TODAY + timedelta(days=30), verification_state=VerificationState.PENDING, verified_at=None)
    practitioner_with(TODAY + timedelta(days=61))
    practitioner_with(TODAY - timedelta(days=1))
    assert licence_expiry.send_expiry_reminders() == 0
    assert outbox_count() == 0


def test_a_renewed_licence_gets_fresh_reminders(app, admin):  # noqa: F811
    jane = practitioner_with(TODAY + timedelta(days=10))
    [licence] = jane.licences
    licence_expiry.send_expiry_reminders()
    renewed = replace(GOOD, issued_on=TODAY - timedelta(days=1), expires_on=TODAY + timedelta(days=700))
    licensing.update_licence(licence, renewed, actor=jane.user)
    assert licence.reminded_60_at is None and licence.reminded_14_at is None
    licensing.approve(licence, admin=admin)
    assert licence_expiry.send_expiry_reminders(today=renewed.expires_on - timedelta(days=60)) == 1
    assert licence_expiry.send_expiry_reminders(today=renewed.expires_on - timedelta(days=14)) == 1
    assert len(mails_to(jane.user)) == 4  # first 14-day reminder, approval, then the renewal's two


def test_expiring_lists_verified_licences_within_the_window_soonest_first(app):
    later = practitioner_with(TODAY + timedelta(days=59)).licences[0]
    sooner = practitioner_with(TODAY).licences[0]
    practitioner_with(TODAY + timedelta(days=61))
    practitioner_with(TODAY + timedelta(days=5), verification_state=VerificationState.PENDING, verified_at=None)
    practitioner_with(TODAY - timedelta(days=1))
    assert licence_expiry.expiring() == [sooner, later]
    assert licence_expiry.expiring(days=30) == [sooner]


# --- the daily command ----------------------------------------------------------------------

@pytest.fixture
def cli(app):
    import directory.cli.licences  # noqa: F401  (adds the commands to the group)
    from directory.cli.licences import licences_group
    if "licences" not in app.cli.commands:
        app.cli.add_command(licences_group)
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["licences", *args])


def test_lapse_command_lapses_reminds_and_is_idempotent(cli):
    jane = practitioner_with(TODAY + timedelta(days=20))
    add_licence(jane, number="AC54321", expires_on=TODAY + timedelta(days=100))
    db.session.commit()
    day = (TODAY + timedelta(days=40)).isoformat()
    result = cli("lapse", "--today", day)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{day}: 1 licence lapsed, 1 reminder queued."
    again = cli("lapse", "--today", day)
    assert again.output.strip() == f"{day}: 0 licences lapsed, 0 reminders queued."
    assert [lic.verification_state for lic in jane.licences] == [VerificationState.LAPSED,
                                                                 VerificationState.VERIFIED]


def test_lapse_command_defaults_to_today_and_checks_the_date(cli):
    practitioner_with(TODAY - timedelta(days=1))
    result = cli("lapse")
    assert result.exit_code == 0 and f"{TODAY.isoformat()}: 1 licence lapsed" in result.output
    bad = cli("lapse", "--today", "31/12/2026")
    assert bad.exit_code == 2 and "Invalid value" in bad.output


def test_the_lapse_mail_says_when_a_renewal_keeps_the_listing(client):
    jane = practitioner_with(TODAY - timedelta(days=1))
    add_licence(jane, number="AC54321", expires_on=TODAY + timedelta(days=700))
    db.session.commit()
    assert licence_expiry.lapse_expired() == 1
    assert_listed(client, jane, True)
    [mail] = mails_to(jane.user)
    assert "Your other verified California licence keeps your clinics there in search." in mail.body
