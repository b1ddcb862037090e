"""`flask mail send` and `flask mail status`."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from directory.extensions import db
from directory.models import OutboxMessage
from directory.models._types import utcnow
from tests.test_mail import mail_app, queue, row, smtp  # noqa: F401  (fixtures)


def run(app, *args: str):
    result = app.test_cli_runner().invoke(args=["mail", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_send_delivers_and_prints_counts(smtp, mail_app):
    smtp.start()
    queue("a@example.com")
    queue("refused@example.com")
    db.session.commit()

    result = run(mail_app, "send")

    assert result.exit_code == 0, result.output
    assert "sent 1, will retry 0, failed 1" in result.output
    assert "last error: recipient refused: 550" in result.output
    assert [e.rcpt_tos for e in smtp.handler.envelopes] == [["a@example.com"]]


def test_send_works_through_every_batch(smtp, mail_app):
    smtp.start()
    for i in range(5):
        queue(f"p{i}@example.com")
    db.session.commit()

    result = run(mail_app, "send", "--limit", "2")

    assert "sent 5, will retry 0, failed 0" in result.output
    assert len(smtp.handler.envelopes) == 5


def test_send_while_the_server_is_down_exits_0_and_delivers_later(smtp, mail_app):
    first, second = queue("a@example.com"), queue("b@example.com")
    db.session.commit()

    down = run(mail_app, "send")

    assert down.exit_code == 0  # cron: retries are normal, not an error
    assert "sent 0, will retry 2, failed 0" in down.output
    assert "connection refused" in down.output
    assert row(first.id).attempts == 1 and row(second.id).sent_at is None

    smtp.start()
    assert "sent 0, will retry 0, failed 0" in run(mail_app, "send").output  # still backing off
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    back = run(mail_app, "send")

    assert "sent 2, will retry 0, failed 0" in back.output
    assert sorted(e.rcpt_tos[0] for e in smtp.handler.envelopes) == ["a@example.com", "b@example.com"]


def test_send_without_a_server_writes_eml_files(mail_app, tmp_path):
    mail_app.config["MAIL_SERVER"] = ""
    queue()
    db.session.commit()

    result = run(mail_app, "send")

    assert "sent 1, will retry 0, failed 0" in result.output
    assert str(tmp_path / "mail") in result.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_send_with_impossible_settings_exits_1_and_claims_nothing(smtp, mail_app):
    mail_app.config.update(MAIL_USE_SSL=True, MAIL_USE_TLS=True)
    message = queue()
    db.session.commit()
    due = row(message.id).next_attempt_at

    result = run(mail_app, "send")

    assert result.exit_code == 1
    assert "MAIL_USE_SSL" in result.output and "MAIL_USE_TLS" in result.output
    untouched = row(message.id)
    assert untouched.attempts == 0 and untouched.next_attempt_at == due


def test_status_counts_and_lists_errors_without_addresses_or_bodies(smtp, mail_app):
    smtp.start()
    queue("sent.person@example.com")
    queue("refused@example.net")
    queue("busy@example.org")
    db.session.commit()
    run(mail_app, "send")

    result = run(mail_app, "status")

    assert result.exit_code == 0, result.output
    assert "pending 1 (due now 0), sent 1, failed 1" in result.output
    assert "to @example.net, 1 attempts, failed" in result.output and "550" in result.output
    assert "to @example.org, 1 attempts, next try" in result.output and "451" in result.output
    assert "busy@" not in result.output and "refused@" not in result.output
    assert "secret-token" not in result.output
