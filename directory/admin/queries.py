"""Read-only lookups and display helpers for the admin pages. Every change goes through
directory.services.licensing.decisions / rosters, which audit it; nothing here writes."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.models import Licence, ListingState, Practitioner, User, VerificationState
from directory.models._types import as_utc
from directory.services.licensing.expiry import FIRST_REMINDER_DAYS, LAST_REMINDER_DAYS

STATE_LABELS = {
    VerificationState.PENDING: "Pending",
    VerificationState.VERIFIED: "Verified",
    VerificationState.REJECTED: "Rejected",
    VerificationState.NEEDS_CHANGES: "Changes requested",
    VerificationState.LAPSED: "Lapsed",
}
LISTING_LABELS = {ListingState.DRAFT: "Draft (not published)", ListingState.LISTED: "Published",
                  ListingState.SUSPENDED: "Suspended"}


@dataclass(frozen=True)
class Pages:
    """What templates/macros.html ``pagination`` needs."""
    page: int
    pages: int
    total: int

    @classmethod
    def of(cls, page: int, per_page: int, total: int) -> Pages:
        return cls(page=page, pages=max(1, math.ceil(total / per_page)), total=total)


def page_number(value: str | None) -> int:
    """?page= as given when it is a sensible whole number; anything else is page 1."""
    # isdigit() alone also accepts "²" and other digits int() refuses.
    if value and len(value) <= 6 and value.isascii() and value.isdigit():
        return max(1, int(value))
    return 1


def check_counts(results: list[dict] | None) -> Counter:
    return Counter(r.get("result") for r in results or [] if isinstance(r, dict))


def has_failed_check(results: list[dict] | None) -> bool:
    return check_counts(results)["fail"] > 0


def timestamp(value: datetime | None) -> str:
    """2026-03-12 14:05 UTC: the audit log is read across time zones, so one zone for all."""
    return "" if value is None else as_utc(value).strftime("%Y-%m-%d %H:%M UTC")


def days_until(day: date | None, today: date) -> int | None:
    return None if day is None else (day - today).days


def reminders_sent(licence: Licence) -> str:
    if licence.reminded_14_at is not None:
        return f"{FIRST_REMINDER_DAYS} and {LAST_REMINDER_DAYS} days"
    return f"{FIRST_REMINDER_DAYS} days" if licence.reminded_60_at is not None else "None yet"


def count_pending() -> int:
    return db.session.scalar(select(func.count()).select_from(Licence).where(
        Licence.verification_state == VerificationState.PENDING)) or 0


def count_suspended() -> int:
    return db.session.scalar(select(func.count()).select_from(Practitioner).where(
        Practitioner.listing_state == ListingState.SUSPENDED)) or 0


def find_licence(licence_id: int) -> Licence | None:
    return db.session.get(Licence, licence_id) if 0 < licence_id <= 2**31 - 1 else None


def find_practitioner(practitioner_id: int) -> Practitioner | None:
    return db.session.get(Practitioner, practitioner_id) if 0 < practitioner_id <= 2**31 - 1 else None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def search_practitioners(q: str | None, page: int, per_page: int = 25) -> tuple[list[Practitioner], Pages]:
    query = select(Practitioner).join(User, Practitioner.user_id == User.id)
    if q:
        pattern = _like(q)
        query = query.where(or_(func.lower(Practitioner.display_name).like(pattern, escape="\\"),
                                func.lower(User.name).like(pattern, escape="\\"),
                                func.lower(User.email).like(pattern, escape="\\")))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = Pages.of(page, per_page, total)
    page = min(page, pages.pages)
    # The list shows each practitioner's email, licences and clinics.
    rows = db.session.scalars(query.options(selectinload(Practitioner.user), selectinload(Practitioner.licences),
                                            selectinload(Practitioner.clinics))
                              .order_by(func.lower(Practitioner.display_name), Practitioner.id)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), Pages(page=page, pages=pages.pages, total=total)
