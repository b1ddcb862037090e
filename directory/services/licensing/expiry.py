"""Expiry: the daily lapse of expired licences and the reminders before it.

Both are safe to run any number of times a day: a lapsed licence is no longer
verified, and each reminder is marked sent (``reminded_60_at``, ``reminded_14_at``)
in the transaction that queues it. Re-reading with FOR UPDATE SKIP LOCKED on
PostgreSQL keeps two overlapping runs from mailing one practitioner twice.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.models import Licence, Practitioner, VerificationState
from directory.models._types import utcnow
from directory.services import audit
from directory.services.licensing.mail import licence_label, tell_practitioner

FIRST_REMINDER_DAYS = 60
LAST_REMINDER_DAYS = 14


def _locked(query, *, with_licences: bool = False) -> list[Licence]:
    practitioner = selectinload(Licence.practitioner)
    loads = [practitioner.selectinload(Practitioner.user)]
    if with_licences:
        loads.append(practitioner.selectinload(Practitioner.licences))
    return list(db.session.scalars(query.options(*loads).with_for_update(skip_locked=True, of=Licence)))


def lapse_expired(*, today: date | None = None) -> int:
    """Move verified licences that expired before ``today`` to lapsed; how many moved."""
    today = today or date.today()
    licences = _locked(
        select(Licence).where(Licence.verification_state == VerificationState.VERIFIED,
                              Licence.expires_on < today).order_by(Licence.id), with_licences=True)
    for licence in licences:
        licence.verification_state = VerificationState.LAPSED
        audit.record("licence.lapsed", "licence", licence.id, actor=None,
                     before={"verification_state": VerificationState.VERIFIED, "expires_on": licence.expires_on},
                     after={"verification_state": VerificationState.LAPSED, "expires_on": licence.expires_on})
        # A renewal verified separately keeps the clinics listed: say so rather than alarm.
        covered = any(other is not licence and other.jurisdiction == licence.jurisdiction
                      and other.is_current(today) for other in licence.practitioner.licences)
        tell_practitioner(licence.practitioner, f"Your {licence_label(licence)} has lapsed", "licence_lapsed",
                          licence=licence, is_licence=licence.is_licence, covered=covered)
    db.session.commit()
    return len(licences)


def send_expiry_reminders(*, today: date | None = None) -> int:
    """Remind practitioners 60 and 14 days before a verified licence expires; how many emails."""
    today = today or date.today()
    first_due = Licence.reminded_60_at.is_(None) & (
        Licence.expires_on <= today + timedelta(days=FIRST_REMINDER_DAYS))
    last_due = Licence.reminded_14_at.is_(None) & (
        Licence.expires_on <= today + timedelta(days=LAST_REMINDER_DAYS))
    licences = _locked(
        select(Licence).where(Licence.verification_state == VerificationState.VERIFIED,
                              Licence.expires_on >= today, first_due | last_due).order_by(Licence.id))
    now = utcnow()
    for licence in licences:
        days = (licence.expires_on - today).days
        # One email even when both are due (e.g. approved 10 days before expiry): the nearer one.
        if days <= LAST_REMINDER_DAYS:
            licence.reminded_14_at = now
        licence.reminded_60_at = licence.reminded_60_at or now
        tell_practitioner(licence.practitioner, f"Your {licence_label(licence)} expires {_when(days)}",
                          "licence_expiry_reminder", licence=licence, when=_when(days))
    db.session.commit()
    return len(licences)


def _when(days: int) -> str:
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


def _expiring_within(today: date | None, days: int) -> list:
    today = today or date.today()
    return [Licence.verification_state == VerificationState.VERIFIED,
            Licence.expires_on >= today, Licence.expires_on <= today + timedelta(days=days)]


def expiring(*, today: date | None = None, days: int = FIRST_REMINDER_DAYS) -> list[Licence]:
    """Verified licences expiring within ``days`` (soonest first)."""
    return list(db.session.scalars(
        select(Licence).where(*_expiring_within(today, days)).options(selectinload(Licence.practitioner))
        .order_by(Licence.expires_on, Licence.id)))


def count_expiring(*, today: date | None = None, days: int = FIRST_REMINDER_DAYS) -> int:
    return db.session.scalar(select(func.count()).select_from(Licence).where(*_expiring_within(today, days))) or 0


def lapsed() -> list[Licence]:
    """Lapsed licences, most recently expired first."""
    return list(db.session.scalars(
        select(Licence).where(Licence.verification_state == VerificationState.LAPSED)
        .options(selectinload(Licence.practitioner))
        .order_by(Licence.expires_on.desc(), Licence.id.desc())))


def count_lapsed() -> int:
    return db.session.scalar(select(func.count()).select_from(Licence).where(
        Licence.verification_state == VerificationState.LAPSED)) or 0
