"""Bearer tokens for the booking API. Only a token's SHA-256 is stored: a copy of the
database opens no account. A token stops working when it expires, is revoked, its
account is deactivated, or the account's password changes after it was issued."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from directory.extensions import db
from directory.models import ApiToken, IdempotentRequest, User
from directory.models._types import as_utc, utcnow

# Recording every use would turn each API read into a write; a minute is precise enough
# to tell a live token from an abandoned one.
LAST_USED_PRECISION = timedelta(minutes=1)
# token_urlsafe(32) gives 43 characters; anything much longer is not one of ours.
MAX_SECRET_LENGTH = 100


def token_hash(secret: str) -> str:
    """What is stored of a secret token (API tokens, calendar feed addresses)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, *, now: datetime | None = None) -> tuple[str, ApiToken]:
    """A new token for ``user``: the secret (shown once, never stored) and its row. Commits."""
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=token_hash(secret), created_at=now,
                     expires_at=now + timedelta(hours=current_app.config["API_TOKEN_HOURS"]))
    db.session.add(token)
    db.session.commit()
    return secret, token


def active_token(secret: str, *, now: datetime | None = None) -> tuple[ApiToken, User] | None:
    """The live token with this secret and its account, or None. Records its use (at most
    once a minute)."""
    if not secret or len(secret) > MAX_SECRET_LENGTH or not secret.isascii():
        return None
    now = now or utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if token is None or token.revoked_at is not None or as_utc(token.expires_at) <= now:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    if user.password_changed_at is not None and as_utc(user.password_changed_at) > as_utc(token.created_at):
        return None
    if token.last_used_at is None or now - as_utc(token.last_used_at) >= LAST_USED_PRECISION:
        # One conditional UPDATE in its own short transaction: concurrent requests with
        # the same token do not conflict, and SQLite takes its write lock without first
        # holding a read snapshot.
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.id == token.id,
                   or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_PRECISION))
            .values(last_used_at=now)
            .execution_options(synchronize_session=False))
        db.session.commit()
    return token, user


def revoke(token: ApiToken, *, now: datetime | None = None) -> None:
    """Commits. Revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.session.commit()


# An Idempotency-Key is honoured this long; then the stored answer may go.
IDEMPOTENCY_KEEP_FOR = timedelta(hours=24)
# Expired or revoked tokens are kept a while for the record, then removed.
DEAD_TOKEN_KEEP_FOR = timedelta(days=30)


def purge(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete stored idempotent answers past their window and long-dead tokens; the counts."""
    now = now or utcnow()
    answers = db.session.execute(delete(IdempotentRequest).where(
        IdempotentRequest.created_at < now - IDEMPOTENCY_KEEP_FOR)).rowcount
    cutoff = now - DEAD_TOKEN_KEEP_FOR
    tokens = db.session.execute(delete(ApiToken).where(
        or_(ApiToken.expires_at < cutoff, ApiToken.revoked_at < cutoff))).rowcount
    db.session.commit()
    return answers, tokens
