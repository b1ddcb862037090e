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
from directory.models import (Licence, ListingState, Practitioner, RosterEntry, RosterImport, RosterImportResult, User,
                              VerificationState)
from directory.models.roster import ENTRY_OUTCOMES
from directory.models._types import as_utc
from directory.services.licensing.expiry import FIRST_REMINDER_DAYS, LAST_REMINDER_DAYS
from directory.services.licensing import review as licence_review

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
    """Licences in the verification queue: pending, or verified with a roster check now failing."""
    return licence_review.count_in_queue()


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


# The lists behind a roster import's counts, as the report links to them.
ROSTER_LISTS = {"rows": "Every row read", "created": "New roster entries", "updated": "Updated roster entries",
                "unchanged": "Unchanged roster entries", "matched": "Licences matched",
                "mismatched": "Licences mismatched", "not_found": "Licences not found"}


def find_import(import_id: int) -> RosterImport | None:
    return db.session.get(RosterImport, import_id) if 0 < import_id <= 2**31 - 1 else None


def import_list(record: RosterImport, outcome: str, page: int, per_page: int = 100) -> tuple[list, Pages]:
    """One list of an import's report, a page at a time: (result, roster entry) rows for the
    entry lists, (result, licence) rows for the licence lists."""
    entries = outcome == "rows" or outcome in ENTRY_OUTCOMES
    joined = RosterEntry if entries else Licence
    on = RosterImportResult.entry_id == RosterEntry.id if joined is RosterEntry else \
        RosterImportResult.licence_id == Licence.id
    where = (RosterImportResult.import_id == record.id,
             RosterImportResult.outcome.in_(ENTRY_OUTCOMES) if outcome == "rows" else RosterImportResult.outcome == outcome)
    total = db.session.scalar(select(func.count()).select_from(RosterImportResult).where(*where)) or 0
    pages = Pages.of(page, per_page, total)
    page = min(page, pages.pages)
    order = (RosterEntry.number_normalized,) if joined is RosterEntry else (Licence.number_normalized, Licence.id)
    query = select(RosterImportResult, joined).join(joined, on).where(*where).order_by(*order)
    if joined is Licence:
        query = query.options(selectinload(Licence.practitioner))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return [tuple(row) for row in rows], Pages(page=page, pages=pages.pages, total=total)
