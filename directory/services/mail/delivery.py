"""Send new mail right after the commit that queued it, without making the request wait.

Session events note the OutboxMessage rows each flush inserts; when the outermost
transaction commits, a daemon thread delivers those rows with its own app context and
session (outside a request, e.g. in a CLI command, they are delivered before returning). Whatever the thread cannot deliver stays in the outbox for `flask mail send`.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, has_app_context, has_request_context
from sqlalchemy.orm import Session, SessionTransaction

from directory.models import OutboxMessage
from directory.services.mail import outbox as mail

log = logging.getLogger(__name__)

_NEW_IDS = "mail_outbox_new_ids"


class Mailer:
    """Per-app state: the delivery threads still running, so tests and shutdown can wait."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self, app: Flask, ids: list[int]) -> threading.Thread:
        thread = threading.Thread(target=_deliver, args=(app, ids), name="mail-after-commit", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()
        return thread

    def wait(self, timeout: float | None = None) -> None:
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)


def init_app(app: Flask) -> None:
    app.extensions.setdefault("mailer", Mailer())


def wait_for_background_sends(app: Flask, timeout: float | None = None) -> None:
    mailer = app.extensions.get("mailer")
    if mailer is not None:
        mailer.wait(timeout)


def _deliver(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            mail.send_due(limit=len(ids), ids=ids)
        except Exception:
            # Never the message itself: bodies can hold password-reset links.
            log.exception("sending mail %s after commit failed; `flask mail send` will retry", ids)


def note_new_mail(session: Session, _context) -> None:
    ids = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if ids:
        session.info.setdefault(_NEW_IDS, []).extend(ids)


def send_new_mail(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction may still roll back
    ids = session.info.pop(_NEW_IDS, None)
    if not ids or not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    mailer = app.extensions.get("mailer")
    if mailer is None or not app.config.get("MAIL_SEND_AFTER_COMMIT"):
        return
    if has_request_context():
        mailer.start(app, ids)
    else:
        # A command (e.g. `flask licences lapse`) would exit and kill a daemon thread
        # mid-delivery, leaving its claimed rows to wait out the claim: send inline.
        _deliver(app, ids)


def forget_new_mail(session: Session, transaction: SessionTransaction) -> None:
    # After a commit the ids are already gone; after a rollback the rows are.
    if transaction.parent is None:
        session.info.pop(_NEW_IDS, None)
