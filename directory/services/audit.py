"""The audit trail: who did what to which record, and why. Events are only ever added.

``record`` adds the event to the caller's transaction, so it is saved with the change
it describes or not at all. Before/after hold plain field values (never health data,
never email bodies).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.models import AuditEvent, User
from directory.models._types import utcnow

MAX_PER_PAGE = 200


@dataclass
class AuditFilter:
    action: str | None = None
    actor_id: int | None = None
    subject_type: str | None = None
    subject_id: int | None = None
    since: date | None = None   # inclusive, UTC days
    until: date | None = None   # inclusive, UTC days


def json_safe(value: Any) -> Any:
    """``value`` with dates as ISO strings and enums as their values, so it fits a JSON column."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def record(action: str, subject_type: str, subject_id: int | None, *, actor: User | None = None,
           before: dict | None = None, after: dict | None = None, reason: str | None = None) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None, action=action, subject_type=subject_type,
        subject_id=subject_id, before=json_safe(before) if before is not None else None,
        after=json_safe(after) if after is not None else None,
        reason=(reason or "").strip() or None, created_at=utcnow())
    db.session.add(event)
    return event


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _conditions(filters: AuditFilter) -> list:
    conditions = []
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.actor_id is not None:
        conditions.append(AuditEvent.actor_id == filters.actor_id)
    if filters.subject_type:
        conditions.append(AuditEvent.subject_type == filters.subject_type)
    if filters.subject_id is not None:
        conditions.append(AuditEvent.subject_id == filters.subject_id)
    if filters.since is not None:
        conditions.append(AuditEvent.created_at >= _day_start(filters.since))
    if filters.until is not None:
        conditions.append(AuditEvent.created_at < _day_start(filters.until + timedelta(days=1)))
    return conditions


def count(filters: AuditFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(*_conditions(filters))) or 0


def page_of(filters: AuditFilter, page: int = 1, per_page: int = 50) -> list[AuditEvent]:
    """One page of matching events, newest first."""
    page = max(1, page)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    return list(db.session.scalars(
        select(AuditEvent).where(*_conditions(filters)).options(selectinload(AuditEvent.actor))
        # Events of one transaction share a timestamp to the microsecond at best: id breaks the tie.
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * per_page).limit(per_page)))


def search(filters: AuditFilter, page: int = 1, per_page: int = 50) -> tuple[list[AuditEvent], int]:
    """One page of matching events, newest first, and how many match in all."""
    return page_of(filters, page, per_page), count(filters)


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
