"""Bearer tokens for the booking API. Only a token's SHA-256 is stored: a copy of the
database opens no account. A token stops working when it expires, is revoked, its
account is deactivated, or the account's password changes after it was issued."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import delete, or_, select, update

from directory.extensions import db
from directory.models import ApiToken, IdempotentRequest, User
from directory.models._types import utcnow

# Recording every use would turn each API read into a write; a minute is precise enough
# to tell a live token from an abandoned one.
LAST_USED_PRECISION = timedelta(minutes=1)
# token_urlsafe(32) gives 43 characters; anything much longer is not one of ours.
MAX_SECRET_LENGTH = 100


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def create_token(user: User, *, now: datetime | None = None) -> tuple[str, ApiToken]:
    """A new token for ``user``: the secret (shown once, never stored) and its row. Commits."""
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=_hash(secret), created_at=now,
                     expires_at=now + timedelta(hours=current_app.config["API_TOKEN_HOURS"]))
    db.session.add(token)
    db.session.commit()
    return secret, token


def active_token(secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token with this secret, or None. Records its use (at most once a minute)."""
    if not secret or len(secret) > MAX_SECRET_LENGTH or not secret.isascii():
        return None
    now = now or utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(secret)))
    if token is None or token.revoked_at is not None or _aware(token.expires_at) <= now:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    changed = _aware(user.password_changed_at)
    if changed is not None and changed > _aware(token.created_at):
        return None
    last_used = _aware(token.last_used_at)
    if last_used is None or now - last_used >= LAST_USED_PRECISION:
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
    return token


def user_for_token(secret: str, *, now: datetime | None = None) -> User | None:
    token = active_token(secret, now=now)
    return None if token is None else db.session.get(User, token.user_id)


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
