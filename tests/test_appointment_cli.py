"""`flask appointments expire | remind | rotate-intake-keys` (rotation: tests/test_intake.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from directory import create_app
from directory.cli.appointments import appointments_group
from directory.extensions import db
from directory.models import Appointment, AppointmentKind, AppointmentStatus, AuditEvent
from directory.models._types import utcnow
from tests.booking_fixtures import INTAKE, MEDICATION, outbox, patient
from tests.conftest import make_config
from tests.factories import create_practitioner


@pytest.fixture
def cli(app):
    app.cli.add_command(appointments_group)
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["appointments", *args])


def appointment(practitioner, start, status, **values) -> Appointment:
    row = Appointment(practitioner=practitioner, clinic=practitioner.clinics[0], patient=patient(name="Ada Lovelace"),
                      starts_at=start, ends_at=start + timedelta(hours=1), kind=AppointmentKind.INITIAL,
                      status=status, intake=INTAKE, **values)
    db.session.add(row)
    db.session.commit()
    return row


def test_the_group_has_its_three_commands(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("expire", "remind", "rotate-intake-keys"):
        assert command in result.output


def test_expire_expires_stale_holds_once(app, cli):
    practitioner = create_practitioner()
    now = utcnow()
    stale = appointment(practitioner, now + timedelta(days=5), AppointmentStatus.REQUESTED,
                        hold_expires_at=now - timedelta(minutes=1))
    waiting = appointment(practitioner, now + timedelta(days=6), AppointmentStatus.REQUESTED,
                          hold_expires_at=now + timedelta(hours=1))
    result = cli("expire")
    assert result.exit_code == 0, result.output
    assert "Expired 1 request." in result.output
    mails = len(outbox())
    assert mails == 2  # the patient and the practitioner
    assert "Expired 0 requests." in cli("expire").output
    assert len(outbox()) == mails
    db.session.expire_all()
    assert (stale.status, waiting.status) == (AppointmentStatus.EXPIRED, AppointmentStatus.REQUESTED)
    expired = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "appointment.expired")).all()
    assert [e.subject_id for e in expired] == [stale.id] and expired[0].actor_id is None


def test_remind_reminds_each_confirmed_appointment_of_the_next_day_once(app, cli):
    practitioner = create_practitioner()
    now = utcnow()
    soon = appointment(practitioner, now + timedelta(hours=20), AppointmentStatus.CONFIRMED, confirmed_at=now)
    appointment(practitioner, now + timedelta(hours=30), AppointmentStatus.CONFIRMED, confirmed_at=now)
    appointment(practitioner, now + timedelta(hours=10), AppointmentStatus.REQUESTED,
                hold_expires_at=now + timedelta(hours=1))
    appointment(practitioner, now + timedelta(hours=12), AppointmentStatus.CANCELLED)
    result = cli("remind")
    assert result.exit_code == 0, result.output
    assert "Sent 1 reminder." in result.output
    assert "Sent 0 reminders." in cli("remind").output
    [reminder] = outbox()
    assert reminder.recipient == soon.patient.email
    assert reminder.subject.startswith(f"Reminder: acupuncture with {practitioner.display_name}")
    assert reminder.attachments[0]["content_type"] == "text/calendar; method=PUBLISH"
    assert MEDICATION not in reminder.body


def test_commands_explain_a_database_without_tables(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'empty.db'}", MAIL_FILE_DIR=str(tmp_path / "mail")))
    app.cli.add_command(appointments_group)
    runner = app.test_cli_runner()
    for command in ("expire", "remind", "rotate-intake-keys"):
        result = runner.invoke(args=["appointments", command])
        assert result.exit_code == 1
        assert "flask db upgrade" in result.output


def test_expire_also_purges_old_idempotent_answers_and_long_dead_tokens(app, cli):
    from directory.models import ApiToken, IdempotentRequest

    user = patient(name="Grace Hopper")
    now = utcnow()
    db.session.add_all([
        IdempotentRequest(user_id=user.id, key="old", request_hash="a" * 64, status_code=201, response={},
                          created_at=now - timedelta(hours=25)),
        IdempotentRequest(user_id=user.id, key="fresh", request_hash="b" * 64, status_code=201, response={},
                          created_at=now - timedelta(hours=1)),
        ApiToken(user_id=user.id, token_hash="c" * 64, expires_at=now - timedelta(days=31)),
        ApiToken(user_id=user.id, token_hash="d" * 64, expires_at=now + timedelta(days=10)),
    ])
    db.session.commit()
    result = cli("expire")
    assert result.exit_code == 0, result.output
    assert "Removed 1 stored API answer" in result.output and "1 long-dead API token" in result.output
    assert sorted(db.session.scalars(select(IdempotentRequest.key))) == ["fresh"]
    assert db.session.scalars(select(ApiToken.token_hash)).all() == ["d" * 64]
