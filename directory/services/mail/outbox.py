"""The mail outbox: email is queued with the change that caused it and delivered later.

``queue_email`` adds a row to the caller's transaction, so a rollback drops the mail
too. ``send_due`` claims due rows with a compare-and-swap on ``next_attempt_at``
(plain SQL, so SQLite and PostgreSQL behave alike) and commits the claim before
talking to the server: two senders never deliver one message twice, and the claim of
a sender that dies expires after ``LEASE``. Delivery is at least once: a crash between
the server's OK and our commit sends again, with the same Message-ID.
"""
from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr

from flask import current_app, render_template
from sqlalchemy import func, select, update

from directory.extensions import db
from directory.models import OutboxMessage
from directory.models._types import as_utc, utcnow
from directory.services.mail.transport import (
    MailConfigError,
    Outgoing,
    PermanentFailure,
    TemporaryFailure,
    build_message,
    transport_for,
)

__all__ = ["MailConfigError", "OutboxStatus", "Problem", "SendReport", "backoff", "outbox_status",
           "queue_email", "send_due"]

log = logging.getLogger(__name__)

# A claimed row is due again after this long, in case its sender died mid-batch.
LEASE = timedelta(minutes=30)
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
JITTER = 0.1


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0  # failed for now: due again after a backoff
    failed: int = 0   # refused for good
    released: int = 0  # claimed but left for the next run because the batch ran long
    last_error: str | None = None

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed + self.released

    def add(self, other: SendReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.released += other.released
        self.last_error = other.last_error or self.last_error


@dataclass(frozen=True)
class Problem:
    id: int
    recipient_domain: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    failed_at: datetime | None


@dataclass
class OutboxStatus:
    pending: int
    due: int
    sent: int
    failed: int
    problems: list[Problem] = field(default_factory=list)


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "?"


def _message_id_domain() -> str:
    address = parseaddr(current_app.config.get("MAIL_FROM") or "")[1]
    return _domain(address) if "@" in address else "meridian.localhost"


def queue_email(recipient: str, subject: str, template: str, attachments: list[dict] | None = None,
                **context) -> OutboxMessage:
    """Render templates/mail/<template>.txt and add the message to the session, uncommitted.

    ``attachments``: [{"filename", "content_type", "content"}] with text content, e.g. an .ics."""
    recipient = recipient.strip()
    if "@" not in recipient or len(recipient) > 254 or any(c in recipient for c in "\r\n"):
        raise ValueError("not a deliverable email address")
    # MAIL_FROM is a no-reply address: emails point people at the support mailbox instead.
    context.setdefault("support_email", current_app.config["SUPPORT_EMAIL"])
    body = render_template(f"mail/{template}.txt", **context)
    now = utcnow()
    message = OutboxMessage(
        message_id=make_msgid(domain=_message_id_domain()), recipient=recipient,
        subject=" ".join(subject.split())[:200], body=body, attachments=attachments or None, created_at=now,
        attempts=0, next_attempt_at=now)
    db.session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failures: 1, 2, 4... minutes, at most an hour."""
    delay = min(BACKOFF_FIRST * 2 ** (min(attempts, 20) - 1), BACKOFF_MAX)
    # Jitter keeps messages that failed together from all retrying in the same second.
    return delay * (1 + random.uniform(0, JITTER))


def _pending():
    return (OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))


def _due_candidates(now: datetime, limit: int, ids: Collection[int] | None) -> list[tuple[int, datetime]]:
    query = (select(OutboxMessage.id, OutboxMessage.next_attempt_at)
             .where(*_pending(), OutboxMessage.next_attempt_at <= now)
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    return [(row.id, row.next_attempt_at) for row in db.session.execute(query)]


def _claim(candidates: list[tuple[int, datetime]], until: datetime) -> list[int]:
    claimed = []
    # Ascending ids: concurrent claimers lock rows in one order, so PostgreSQL cannot deadlock.
    for row_id, seen in sorted(candidates):
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.next_attempt_at == seen, *_pending())
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(row_id)
    db.session.commit()
    return claimed


def _load(ids: list[int]) -> list[tuple[Outgoing, int]]:
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.message_id, OutboxMessage.recipient, OutboxMessage.subject,
               OutboxMessage.body, OutboxMessage.created_at, OutboxMessage.attempts, OutboxMessage.attachments)
        .where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)).all()
    return [(Outgoing(r.id, r.message_id, r.recipient, r.subject, r.body, as_utc(r.created_at),
                      tuple(r.attachments or ())), r.attempts)
            for r in rows]


def _record(row_id: int, **values) -> None:
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def send_due(limit: int = 100, now: datetime | None = None, *,
             ids: Collection[int] | None = None) -> SendReport:
    """Deliver up to ``limit`` due messages (only ``ids`` when given) over one connection.

    Commits: the claim first, then each outcome. Raises MailConfigError before claiming
    anything when the settings cannot work.
    """
    config = current_app.config
    transport = transport_for(config)
    sender = config["MAIL_FROM"]
    now = as_utc(now) if now else utcnow()
    lease = max(LEASE, timedelta(seconds=20 * float(config.get("MAIL_TIMEOUT_SECONDS") or 10)))
    report = SendReport()
    claimed = _claim(_due_candidates(now, limit, ids), now + lease)
    if not claimed:
        return report
    # Stop well before the lease ends, so no other sender can claim what we are still sending.
    deadline = time.monotonic() + lease.total_seconds() / 2
    down: str | None = None
    try:
        transport.open()
    except TemporaryFailure as failure:
        down = failure.description
        log.warning("mail transport unavailable: %s", down)
    try:
        for outgoing, attempts in _load(claimed):
            if down is None and time.monotonic() > deadline:
                _record(outgoing.id, next_attempt_at=now)
                report.released += 1
                continue
            if down is not None:
                # The server is unreachable: don't wait out a timeout per message.
                _retry(outgoing, attempts, down, now, report)
                continue
            try:
                transport.deliver(build_message(outgoing, sender), outgoing)
            except TemporaryFailure as failure:
                _retry(outgoing, attempts, failure.description, now, report)
                if failure.connection_lost:
                    down = failure.description
            except PermanentFailure as failure:
                error = _scrub(failure.description, outgoing.recipient)
                _record(outgoing.id, attempts=attempts + 1, last_attempt_at=now, failed_at=now,
                        last_error=error)
                report.failed += 1
                report.last_error = error
                log.error("mail %s to @%s refused for good: %s", outgoing.message_id,
                          _domain(outgoing.recipient), error)
            except Exception:
                # A bug in one message must not hold up the others; it is retried later.
                log.exception("mail %s: unexpected error while sending", outgoing.message_id)
                _retry(outgoing, attempts, "unexpected error (see the application log)", now, report)
            else:
                _record(outgoing.id, attempts=attempts + 1, last_attempt_at=now, sent_at=now,
                        last_error=None)
                report.sent += 1
                log.info("mail %s sent to @%s", outgoing.message_id, _domain(outgoing.recipient))
    finally:
        transport.close()
    return report


def _scrub(error: str, recipient: str) -> str:
    # Servers often quote the address back ("<pat@example.com>: no such user").
    return re.sub(re.escape(recipient), "<recipient>", error, flags=re.IGNORECASE)


def _retry(outgoing: Outgoing, attempts: int, error: str, now: datetime, report: SendReport) -> None:
    error = _scrub(error, outgoing.recipient)
    delay = backoff(attempts + 1)
    _record(outgoing.id, attempts=attempts + 1, last_attempt_at=now, next_attempt_at=now + delay,
            last_error=error)
    report.retried += 1
    report.last_error = error
    log.warning("mail %s to @%s not sent, retry in %d s: %s", outgoing.message_id,
                _domain(outgoing.recipient), delay.total_seconds(), error)


def outbox_status(now: datetime | None = None, problems: int = 5) -> OutboxStatus:
    """Counts, and the latest messages with an error (addresses reduced to their domain)."""
    now = as_utc(now) if now else utcnow()

    def count(*where) -> int:
        return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(*where)) or 0

    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.attempts, OutboxMessage.last_error,
               OutboxMessage.next_attempt_at, OutboxMessage.failed_at)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.last_attempt_at.desc(), OutboxMessage.id.desc()).limit(problems)).all()
    return OutboxStatus(
        pending=count(*_pending()),
        due=count(*_pending(), OutboxMessage.next_attempt_at <= now),
        sent=count(OutboxMessage.sent_at.is_not(None)),
        failed=count(OutboxMessage.failed_at.is_not(None)),
        problems=[Problem(r.id, _domain(r.recipient), r.attempts, r.last_error,
                          None if r.failed_at else as_utc(r.next_attempt_at),
                          as_utc(r.failed_at) if r.failed_at else None) for r in rows])
