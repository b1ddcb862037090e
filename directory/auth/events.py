"""Authentication events for the log: who and from where, never passwords, tokens or
full email addresses (a failed login for an unknown address is logged by a hash)."""
from __future__ import annotations

import hashlib
import logging

from flask import has_request_context, request

from directory.models import User

log = logging.getLogger("directory.auth")


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:12]


def record(event: str, *, user: User | None = None, email: str | None = None, ip: str | None = None) -> None:
    """``ip`` when recording after the answer, outside the request."""
    who = f"user={user.id}" if user is not None else f"email_hash={email_hash(email or '')}"
    if ip is None and has_request_context():
        ip = request.remote_addr
    log.info("auth event=%s %s ip=%s", event, who, ip or "-")
