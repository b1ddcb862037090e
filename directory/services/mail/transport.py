"""How an outbox message leaves the building: over SMTP, or as an .eml file on disk.

Transports turn every failure into ``TemporaryFailure`` (try again later) or
``PermanentFailure`` (the server refused this message for good), each with a short
description that never contains the message body or the SMTP password.
"""
from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Protocol

from directory.models._types import as_utc

ERROR_LENGTH = 300


class MailConfigError(RuntimeError):
    """The mail settings cannot work (checked before anything is claimed)."""


class TemporaryFailure(Exception):
    def __init__(self, description: str, *, connection_lost: bool = False) -> None:
        super().__init__(description)
        self.description = description[:ERROR_LENGTH]
        # The transport is unusable for the rest of the batch (server down, dropped us).
        self.connection_lost = connection_lost


class PermanentFailure(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description[:ERROR_LENGTH]


@dataclass(frozen=True)
class Outgoing:
    id: int
    message_id: str
    recipient: str
    subject: str
    body: str
    created_at: datetime
    # ({"filename", "content_type", "content"}, ...) with text content
    attachments: tuple[dict, ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.created_at:%Y%m%dT%H%M%S%fZ}-{self.id}.eml"


def sender_address(config) -> str:
    _, address = parseaddr(config.get("MAIL_FROM") or "")
    if "@" not in address:
        raise MailConfigError(f"MAIL_FROM must contain an email address, not {config.get('MAIL_FROM')!r}")
    return address


def build_message(outgoing: Outgoing, sender: str) -> EmailMessage:
    """An RFC 5322 text/plain message; raises PermanentFailure when the row cannot make one."""
    message = EmailMessage()
    try:
        message["From"] = sender
        message["To"] = outgoing.recipient
        message["Subject"] = outgoing.subject
        message["Date"] = format_datetime(as_utc(outgoing.created_at))
        message["Message-ID"] = outgoing.message_id
        # RFC 3834: tells vacation responders not to answer.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(outgoing.body, charset="utf-8")
        for attachment in outgoing.attachments:
            _attach(message, attachment)
    except (ValueError, TypeError, KeyError) as exc:
        raise PermanentFailure(f"cannot build the message: {exc}") from None
    return message


def _attach(message: EmailMessage, attachment: dict) -> None:
    # "text/calendar; method=CANCEL": calendar clients read the method from the content type.
    content_type, *parameters = (part.strip() for part in attachment["content_type"].split(";"))
    maintype, _, subtype = content_type.partition("/")
    if maintype != "text" or not subtype:
        raise ValueError(f"only text attachments are supported, not {content_type!r}")
    params = dict(p.partition("=")[::2] for p in parameters if "=" in p)
    message.add_attachment(attachment["content"], subtype=subtype, filename=attachment["filename"],
                           params=params)


class Transport(Protocol):
    def open(self) -> None: ...
    def deliver(self, message: EmailMessage, outgoing: Outgoing) -> None: ...
    def close(self) -> None: ...


class FileTransport:
    """Writes each message to <dir>/<created>-<id>.eml; a retry rewrites the same file."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TemporaryFailure(f"cannot create {self.directory}: {exc.strerror or exc}",
                                   connection_lost=True) from None

    def deliver(self, message: EmailMessage, outgoing: Outgoing) -> None:
        target = self.directory / outgoing.file_name
        try:
            # Same directory, so os.replace is atomic: a reader never sees half a file.
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(message.as_bytes())
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise TemporaryFailure(f"cannot write {target.name}: {exc.strerror or exc}") from None

    def close(self) -> None:
        pass


class SMTPTransport:
    """One connection for the whole batch, opened by ``open``."""

    def __init__(self, config) -> None:
        self.host = config["MAIL_SERVER"]
        self.port = int(config.get("MAIL_PORT") or 0)
        self.use_ssl = bool(config.get("MAIL_USE_SSL"))
        self.use_tls = bool(config.get("MAIL_USE_TLS"))
        self.username = config.get("MAIL_USERNAME") or ""
        self._password = config.get("MAIL_PASSWORD") or ""
        self.timeout = float(config.get("MAIL_TIMEOUT_SECONDS") or 10.0)
        if self.use_ssl and self.use_tls:
            raise MailConfigError("MAIL_USE_SSL (implicit TLS) and MAIL_USE_TLS (STARTTLS) "
                                  "are alternatives: set only one")
        if not 0 < self.port < 65536:
            raise MailConfigError(f"MAIL_PORT must be a port number, not {self.port}")
        self._smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        # Verifies the server's certificate and name; a private CA can be trusted with SSL_CERT_FILE.
        context = ssl.create_default_context()
        smtp: smtplib.SMTP | None = None
        try:
            if self.use_ssl:
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            smtp.ehlo()
            if self.use_tls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self._password)
        except (smtplib.SMTPException, OSError) as exc:
            if smtp is not None:
                smtp.close()
            raise TemporaryFailure(f"{self.host}:{self.port}: {describe(exc)}", connection_lost=True) from None
        self._smtp = smtp

    def deliver(self, message: EmailMessage, outgoing: Outgoing) -> None:
        assert self._smtp is not None, "open() first"
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code = min((code for code, _ in exc.recipients.values()), default=0)
            if 500 <= code < 600:
                raise PermanentFailure(describe(exc)) from None
            raise TemporaryFailure(describe(exc)) from None
        except smtplib.SMTPSenderRefused as exc:
            # Our MAIL FROM was refused: a setup problem that would refuse every message.
            raise TemporaryFailure(describe(exc), connection_lost=True) from None
        except smtplib.SMTPNotSupportedError as exc:
            # e.g. a non-ASCII address and a server without SMTPUTF8: retrying will not help.
            raise PermanentFailure(describe(exc)) from None
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(describe(exc)) from None
            raise TemporaryFailure(describe(exc)) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(describe(exc), connection_lost=True) from None
        if refused:  # only possible with several recipients; we send one per message
            raise PermanentFailure(f"recipient refused: {refused}")

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def transport_for(config) -> Transport:
    sender_address(config)
    if not config.get("MAIL_SERVER"):
        directory = config.get("MAIL_FILE_DIR")
        if not directory:
            raise MailConfigError("MAIL_FILE_DIR is not set and there is no MAIL_SERVER")
        return FileTransport(directory)
    return SMTPTransport(config)


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())


def describe(exc: BaseException) -> str:
    """A one-line reason for last_error: codes and server replies, never our own data."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = "; ".join(f"{code} {_text(reply)}" for code, reply in exc.recipients.values())
        return f"recipient refused: {replies}"[:ERROR_LENGTH]
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused: {exc.smtp_code} {_text(exc.smtp_error)}"[:ERROR_LENGTH]
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"sender refused: {exc.smtp_code} {_text(exc.smtp_error)}"[:ERROR_LENGTH]
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"[:ERROR_LENGTH]
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"server disconnected{': ' + _text(str(exc)) if str(exc) else ''}"[:ERROR_LENGTH]
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"[:ERROR_LENGTH]
    if isinstance(exc, OSError):
        return _text(exc.strerror or str(exc) or type(exc).__name__)[:ERROR_LENGTH]
    return f"{type(exc).__name__}: {_text(str(exc))}"[:ERROR_LENGTH]
