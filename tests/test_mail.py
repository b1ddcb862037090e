"""The mail outbox against a real SMTP server (aiosmtpd on a loopback port)."""
from __future__ import annotations

import email
import email.policy
import shutil
import smtplib
import socket
import ssl
import subprocess
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import func, select

from directory.services.mail import delivery as mailer
from directory.extensions import db
from directory.models import OutboxMessage
from directory.models._types import utcnow
from directory.services.mail import outbox as mail
from directory.services.mail.transport import as_utc

TEMPLATES = {"mail/test.txt": "Hello {{ name }},\n\nYour link: {{ link }}\n\nCafé Meridian\n"}
SECRET_LINK = "https://meridian.test/reset/secret-token-123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collector:
    """Accepts mail; refuses refused@ for good (550) and busy@ for now (451)."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return f"550 5.1.1 <{address}>: No such user here"
        if address.startswith("busy@"):
            return f"451 4.3.0 <{address}>: Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]


class SMTPServer:
    def __init__(self, port: int, **options) -> None:
        self.port = port
        self.handler = Collector()
        self.options = options
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_app(app):
    app.jinja_env.loader = ChoiceLoader([DictLoader(TEMPLATES), app.jinja_env.loader])
    return app


@pytest.fixture
def smtp(mail_app):
    """A server that is configured but not started: tests start it (or leave it down)."""
    server = SMTPServer(free_port())
    mail_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False,
                           MAIL_USE_SSL=False, MAIL_TIMEOUT_SECONDS=5.0)
    yield server
    server.stop()


@pytest.fixture
def connects(monkeypatch) -> list[tuple]:
    """Every TCP connection smtplib opens."""
    seen: list[tuple] = []
    original = smtplib.SMTP.connect

    def connect(self, host="localhost", port=0, source_address=None):
        seen.append((host, port))
        return original(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", connect)
    return seen


def queue(recipient: str = "pat@example.com", subject: str = "Your booking", **context) -> OutboxMessage:
    context.setdefault("name", "Pat")
    context.setdefault("link", SECRET_LINK)
    return mail.queue_email(recipient, subject, "test", **context)


def row(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_queued_message_is_delivered_once_with_headers_and_body(smtp, connects):
    smtp.start()
    first, second = queue(), queue("sam@example.org", subject="Reminder:\r\nBcc: evil@example.com")
    db.session.commit()

    report = mail.send_due()

    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    assert len(connects) == 1  # one connection for the batch
    by_rcpt = {tuple(e.rcpt_tos): e for e in smtp.handler.envelopes}
    assert set(by_rcpt) == {("pat@example.com",), ("sam@example.org",)}
    assert by_rcpt[("pat@example.com",)].mail_from == "no-reply@meridian.localhost"
    messages = {m["To"]: m for m in smtp.handler.messages()}
    message = messages["pat@example.com"]
    assert message["From"] == "Meridian <no-reply@meridian.localhost>"
    assert message["Subject"] == "Your booking"
    assert message["Message-ID"] == first.message_id
    assert message["Date"].datetime is not None
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == f"Hello Pat,\n\nYour link: {SECRET_LINK}\n\nCafé Meridian\n"
    # A line break in a subject cannot add headers.
    assert messages["sam@example.org"]["Subject"] == "Reminder: Bcc: evil@example.com"
    assert messages["sam@example.org"]["Bcc"] is None
    sent = row(first.id)
    assert sent.sent_at is not None and sent.last_error is None and sent.attempts == 1

    assert mail.send_due(now=utcnow() + timedelta(days=1)).claimed == 0
    assert len(smtp.handler.envelopes) == 2


def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(smtp):
    smtp.start()
    queue()
    db.session.flush()
    db.session.rollback()

    assert mail.send_due(now=utcnow() + timedelta(days=1)).claimed == 0
    assert smtp.handler.envelopes == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_nothing_is_lost_while_the_server_is_down(smtp, connects):
    queued = [queue(f"p{i}@example.com") for i in range(3)]
    db.session.commit()
    ids = [m.id for m in queued]
    before = utcnow()

    report = mail.send_due()

    assert (report.sent, report.retried, report.failed) == (0, 3, 0)
    assert len(connects) == 1  # not one timeout per message
    for message_id in ids:
        waiting = row(message_id)
        assert waiting.sent_at is None and waiting.failed_at is None
        assert waiting.attempts == 1
        assert "connection refused" in waiting.last_error
        assert as_utc(waiting.next_attempt_at) >= before + timedelta(minutes=1)
    assert mail.send_due().claimed == 0  # backing off

    # Still down an hour later: the wait doubles.
    later = utcnow() + timedelta(hours=1)
    assert mail.send_due(now=later).retried == 3
    again = row(ids[0])
    assert again.attempts == 2
    assert as_utc(again.next_attempt_at) >= later + timedelta(minutes=2)

    smtp.start()
    report = mail.send_due(now=later + timedelta(hours=2))
    assert report.sent == 3
    assert sorted(e.rcpt_tos[0] for e in smtp.handler.envelopes) == [f"p{i}@example.com" for i in range(3)]
    assert all(row(i).sent_at is not None and row(i).last_error is None for i in ids)
    assert mail.send_due(now=later + timedelta(days=1)).claimed == 0
    assert len(smtp.handler.envelopes) == 3


def test_a_server_that_never_answers_times_out_and_is_retried(mail_app):
    with socket.socket() as silent:  # accepts the TCP connection, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mail_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1],
                               MAIL_USE_TLS=False, MAIL_TIMEOUT_SECONDS=0.3)
        message = queue()
        db.session.commit()
        report = mail.send_due()
    assert report.retried == 1
    assert "timed out" in row(message.id).last_error


def test_a_permanent_refusal_fails_that_message_only(smtp):
    smtp.start()
    good = queue("a@example.com")
    refused = queue("refused@example.com")
    busy = queue("busy@example.com")
    last = queue("z@example.com")
    db.session.commit()

    report = mail.send_due()

    assert (report.sent, report.retried, report.failed) == (2, 1, 1)
    assert sorted(e.rcpt_tos[0] for e in smtp.handler.envelopes) == ["a@example.com", "z@example.com"]
    dead = row(refused.id)
    assert dead.failed_at is not None and dead.sent_at is None
    assert "550" in dead.last_error and "No such user" in dead.last_error
    later = row(busy.id)
    assert later.failed_at is None and later.attempts == 1 and "451" in later.last_error
    assert row(good.id).sent_at is not None and row(last.id).sent_at is not None
    # The refused message is never tried again; the busy one is.
    retry = mail.send_due(now=utcnow() + timedelta(days=1))
    assert (retry.retried, retry.failed, retry.claimed) == (1, 0, 1)


def test_two_senders_at_once_deliver_each_message_once(smtp, mail_app, monkeypatch):
    smtp.start()
    queued = [queue(f"p{i}@example.com") for i in range(8)]
    db.session.commit()
    ids = [m.id for m in queued]
    # Both senders read the same due rows before either claims any: only the claim can keep
    # them from sending everything twice.
    both_read = threading.Barrier(2, timeout=30)
    read = mail._due_candidates

    def read_then_wait(*args):
        rows = read(*args)
        both_read.wait()
        return rows

    monkeypatch.setattr(mail, "_due_candidates", read_then_wait)
    reports, errors = [], []

    def sender():
        with mail_app.app_context():
            try:
                reports.append(mail.send_due())
            except Exception as exc:  # surfaced below
                errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.sent for r in reports) == 8
    assert sorted(e.rcpt_tos[0] for e in smtp.handler.envelopes) == sorted(f"p{i}@example.com" for i in range(8))
    assert all(row(i).sent_at is not None for i in ids)


def test_without_a_server_mail_is_written_as_eml_files(mail_app, tmp_path):
    mail_app.config["MAIL_SERVER"] = ""
    message = queue("pat@example.com", subject="Confirmé")
    db.session.commit()

    assert mail.send_due().sent == 1

    files = list((tmp_path / "mail").iterdir())
    assert [f.name for f in files] == [f.name for f in files if f.name.endswith(f"-{message.id}.eml")]
    assert len(files) == 1  # and no temporary file left behind
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["From"] == "Meridian <no-reply@meridian.localhost>"
    assert parsed["To"] == "pat@example.com"
    assert parsed["Subject"] == "Confirmé"
    assert parsed["Message-ID"] == message.message_id
    assert parsed["Date"].datetime is not None
    assert parsed.get_content_type() == "text/plain" and parsed.get_content_charset() == "utf-8"
    assert "Café Meridian" in parsed.get_content()
    assert row(message.id).sent_at is not None


def test_after_commit_delivers_in_a_background_thread_during_a_request(smtp, mail_app, monkeypatch):
    app = mail_app
    smtp.start()
    app.config["MAIL_SEND_AFTER_COMMIT"] = True
    mailer.init_app(app)
    started = []
    original = mailer.Mailer.start
    monkeypatch.setattr(mailer.Mailer, "start", lambda self, *a: started.append(a) or original(self, *a))

    # In a request the answer must not wait for SMTP: a thread delivers.
    with app.test_request_context("/"):
        message = queue()
        db.session.commit()
    mailer.wait_for_background_sends(app, timeout=30)

    assert len(started) == 1
    assert [e.rcpt_tos for e in smtp.handler.envelopes] == [["pat@example.com"]]
    assert row(message.id).sent_at is not None


def test_outside_a_request_mail_is_delivered_before_the_commit_returns(smtp, mail_app):
    # A CLI command would exit and kill a background thread mid-delivery.
    app = mail_app
    smtp.start()
    app.config["MAIL_SEND_AFTER_COMMIT"] = True
    mailer.init_app(app)

    message = queue()
    db.session.commit()

    assert [e.rcpt_tos for e in smtp.handler.envelopes] == [["pat@example.com"]]
    assert row(message.id).sent_at is not None


def test_after_commit_waits_for_the_outer_transaction(smtp, mail_app):
    smtp.start()
    mail_app.config["MAIL_SEND_AFTER_COMMIT"] = True
    mailer.init_app(mail_app)

    queue("a@example.com")
    with db.session.begin_nested():
        queue("b@example.com")
    savepoint = db.session.begin_nested()
    queue("c@example.com")
    db.session.flush()
    savepoint.rollback()
    mailer.wait_for_background_sends(mail_app, timeout=30)
    assert smtp.handler.envelopes == []  # a savepoint is not a commit

    db.session.commit()
    mailer.wait_for_background_sends(mail_app, timeout=30)

    assert sorted(e.rcpt_tos[0] for e in smtp.handler.envelopes) == ["a@example.com", "b@example.com"]


def test_after_commit_sending_can_be_turned_off(smtp, mail_app):
    app = mail_app
    smtp.start()
    mailer.init_app(app)
    app.config["MAIL_SEND_AFTER_COMMIT"] = False

    message = queue()
    db.session.commit()
    mailer.wait_for_background_sends(app, timeout=30)

    assert smtp.handler.envelopes == []
    assert row(message.id).sent_at is None
    assert mail.send_due().sent == 1


def test_after_commit_failure_leaves_the_message_for_the_next_run(smtp, mail_app):
    app = mail_app
    app.config["MAIL_SEND_AFTER_COMMIT"] = True
    mailer.init_app(app)

    message = queue()
    db.session.commit()
    mailer.wait_for_background_sends(app, timeout=30)

    waiting = row(message.id)
    assert waiting.attempts == 1 and waiting.sent_at is None and "connection refused" in waiting.last_error
    smtp.start()
    assert mail.send_due(now=utcnow() + timedelta(hours=2)).sent == 1


def test_logs_name_the_domain_never_the_body_or_address(smtp, caplog):
    caplog.set_level("DEBUG", logger="directory")
    smtp.start()
    queue("private.person@example.com")
    queue("refused@example.net")
    db.session.commit()
    mail.send_due()
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("directory"))
    assert "@example.com" in ours and "@example.net" in ours
    assert "secret-token" not in ours
    assert "private.person" not in ours
    assert "refused@" not in ours  # the server's reply quoted the address


def test_backoff_doubles_from_a_minute_up_to_an_hour():
    for attempts, minutes in [(1, 1), (2, 2), (3, 4), (7, 60), (50, 60)]:
        delay = mail.backoff(attempts)
        assert timedelta(minutes=minutes) <= delay <= timedelta(minutes=minutes) * 1.1


def test_queue_email_refuses_an_address_that_could_inject_headers(mail_app):
    with pytest.raises(ValueError):
        queue("pat@example.com\r\nBcc: evil@example.com")
    with pytest.raises(ValueError):
        queue("not-an-address")


# --- TLS: a self-signed certificate made with the openssl command -------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed, so no test certificate can be made "
                    "(the `cryptography` package is not a dependency)")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context


def authenticator(logins: list):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"mailer", b"right-password")
        logins.append(ok)
        return AuthResult(success=ok, handled=False)
    return check


def test_starttls_with_login(smtp, mail_app, certificate, monkeypatch):
    cert, context = certificate
    logins: list[bool] = []
    # auth_require_tls (the default): the server takes a password only after STARTTLS.
    smtp.options.update(tls_context=context, require_starttls=True, authenticator=authenticator(logins))
    smtp.start()
    app = mail_app
    app.config.update(MAIL_USE_TLS=True, MAIL_USERNAME="mailer", MAIL_PASSWORD="wrong-password")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test certificate
    message = queue()
    db.session.commit()

    assert mail.send_due().retried == 1
    refused = row(message.id).last_error
    assert "login refused: 535" in refused and "wrong-password" not in refused

    app.config["MAIL_PASSWORD"] = "right-password"
    assert mail.send_due(now=utcnow() + timedelta(hours=2)).sent == 1
    # smtplib tries each mechanism the server offers before giving up on the wrong password.
    assert logins[-1] is True and len(logins) > 1 and not any(logins[:-1])
    assert [e.rcpt_tos for e in smtp.handler.envelopes] == [["pat@example.com"]]


def test_starttls_refuses_an_untrusted_certificate(smtp, mail_app, certificate, monkeypatch, tmp_path):
    _, context = certificate
    smtp.options.update(tls_context=context, require_starttls=True)
    smtp.start()
    mail_app.config["MAIL_USE_TLS"] = True
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-bundle.pem"))
    message = queue()
    db.session.commit()

    assert mail.send_due().retried == 1
    assert "CERTIFICATE_VERIFY_FAILED" in row(message.id).last_error
    assert smtp.handler.envelopes == []


def test_implicit_tls(smtp, mail_app, certificate, monkeypatch):
    cert, context = certificate
    smtp.options.update(ssl_context=context)
    smtp.start()
    mail_app.config.update(MAIL_USE_SSL=True, MAIL_USE_TLS=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    queue()
    db.session.commit()

    assert mail.send_due().sent == 1
    assert len(smtp.handler.envelopes) == 1
