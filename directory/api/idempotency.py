"""Idempotency-Key for POST /appointments: a retried request gets the first answer
instead of a second booking.

The key is claimed (a row with status 0) before the booking is attempted and committed
on its own, so two copies of one request racing each other cannot both book: the second
finds the claim and is told to retry. Only outcomes that depend on the state of the
database are stored (201, slot_taken, invalid_slot); the rest (validation, intake, red
flags) follow from the body alone and are simply computed again, so nothing derived from
health data is kept. The request is identified by an HMAC of its method, path and JSON
body, keyed with SECRET_KEY, so the stored hash says nothing about the intake either."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta

from flask import current_app, jsonify, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from directory.api.booking_params import ParamError
from directory.errors.handlers import json_error
from directory.extensions import db
from directory.models import IdempotentRequest, User
from directory.models._types import as_utc, utcnow
from directory.services.accounts import api_tokens

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
IN_PROGRESS = 0
# A claim this old belongs to a request that died mid-way: it may be taken over.
STALE_CLAIM = timedelta(minutes=2)
# After this a key may be used again for a new request (and `flask appointments expire` purges it).
KEEP_FOR = api_tokens.IDEMPOTENCY_KEEP_FOR


def header_key() -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    if not 1 <= len(raw) <= MAX_KEY_LENGTH or not all(" " <= ch <= "~" for ch in raw):
        raise ParamError(HEADER, f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters "
                                 "(a UUID is a good choice).")
    return raw


def request_hash(body: dict) -> str:
    canonical = json.dumps([request.method, request.path, body], sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return hmac.new(current_app.config["SECRET_KEY"].encode(), canonical.encode(), hashlib.sha256).hexdigest()


def _replay(row: IdempotentRequest):
    response = jsonify(row.response)
    response.status_code = row.status_code
    response.headers["Idempotent-Replayed"] = "true"
    location = (row.response.get("links") or {}).get("self") if row.status_code == 201 else None
    if location:
        response.headers["Location"] = location
    return response


def claim(user: User, key: str, digest: str, *, now: datetime | None = None):
    """The claimed row, or the response to send instead (a replay or an error)."""
    now = now or utcnow()
    for _ in range(3):
        row = db.session.scalar(select(IdempotentRequest).where(
            IdempotentRequest.user_id == user.id, IdempotentRequest.key == key))
        if row is not None:
            age = now - as_utc(row.created_at)
            expired = age > KEEP_FOR or (row.status_code == IN_PROGRESS and age > STALE_CLAIM)
            if not expired:
                if not hmac.compare_digest(row.request_hash, digest):
                    return json_error(422, "idempotency_mismatch",
                                      f"This {HEADER} was already used for a different request. "
                                      "Use a new key for a new request.")
                if row.status_code == IN_PROGRESS:
                    break
                return _replay(row)
            db.session.execute(delete(IdempotentRequest).where(
                IdempotentRequest.id == row.id, IdempotentRequest.created_at == row.created_at))
            db.session.commit()
            continue
        row = IdempotentRequest(user_id=user.id, key=key, request_hash=digest, status_code=IN_PROGRESS,
                                response={}, created_at=now)
        db.session.add(row)
        try:
            db.session.commit()
            return row
        except IntegrityError:
            # The same key, claimed a moment ago by a concurrent copy of this request.
            db.session.rollback()
    return json_error(409, "idempotency_in_progress",
                      f"A request with this {HEADER} is still being processed. Retry in a few seconds.")


def record(row: IdempotentRequest, status: int, body: dict) -> None:
    """Store the answer in the session's current transaction (uncommitted)."""
    row.status_code, row.response = status, body


def finish(row: IdempotentRequest, status: int, body: dict) -> None:
    record(row, status, body)
    db.session.commit()


def release(row: IdempotentRequest) -> None:
    """Forget a claim whose outcome is not stored, so the key can be retried."""
    db.session.rollback()
    db.session.execute(delete(IdempotentRequest).where(IdempotentRequest.id == row.id))
    db.session.commit()
