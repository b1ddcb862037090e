"""The admin safety queue and per-practitioner reaction rates. Admins see who, when, the
triage level and whether the practitioner acknowledged — never symptoms or notes."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, distinct, func, or_, select

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus, Practitioner, ReactionReport, TriageLevel, User
from directory.services import audit
from directory.services.booking.attendance import ASSUMED_AFTER
from directory.services.booking.transactions import now_utc

# Witt et al. 2009 (229,230 patients): 8.6 % had an adverse effect, 2.2 % needed treatment for one.
BASELINE_ANY = 0.086
BASELINE_MODERATE_OR_SEVERE = 0.022
# Flag a practitioner when so many reports would happen by chance less than 1 time in 100.
FLAG_P_VALUE = 0.01
MIN_SESSIONS = 10


@dataclass(frozen=True)
class Rate:
    practitioner: Practitioner
    sessions: int
    any_reaction: int
    moderate_or_severe: int
    flagged: bool

    @property
    def any_share(self) -> float:
        return self.any_reaction / self.sessions if self.sessions else 0.0

    @property
    def moderate_share(self) -> float:
        return self.moderate_or_severe / self.sessions if self.sessions else 0.0


def open_urgent() -> list[ReactionReport]:
    return list(db.session.scalars(
        select(ReactionReport).where(ReactionReport.level == TriageLevel.URGENT, ReactionReport.admin_closed_at.is_(None))
        .order_by(ReactionReport.created_at, ReactionReport.id)))


def count_open_urgent() -> int:
    return db.session.scalar(select(func.count()).select_from(ReactionReport).where(
        ReactionReport.level == TriageLevel.URGENT, ReactionReport.admin_closed_at.is_(None))) or 0


def close(report: ReactionReport, admin: User, reason: str, now: datetime | None = None) -> None:
    """An admin has followed the item up. Commits."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("Say what was done, for the audit log.")
    if report.admin_closed_at is not None:
        raise ValueError("This item is already closed.")
    report.admin_closed_at, report.admin_closed_by_id = now_utc(now), admin.id
    audit.record("reaction.queue_close", "reaction_report", report.id, actor=admin, reason=reason)
    db.session.commit()


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    # In logs: math.comb(n, i) alone overflows a float for a few thousand sessions.
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
             for i in range(k, n + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def _attended(now: datetime):
    return or_(Appointment.status == AppointmentStatus.COMPLETED,
               and_(Appointment.status == AppointmentStatus.CONFIRMED, Appointment.patient_missed_at.is_(None),
                    Appointment.ends_at <= now - ASSUMED_AFTER))


def rates(now: datetime | None = None) -> list[Rate]:
    """Per practitioner with attended sessions: the share with any reported reaction and with
    a moderate or severe one, flagged when either is improbably high against the baseline."""
    now = now_utc(now)
    sessions = dict(db.session.execute(
        select(Appointment.practitioner_id, func.count()).where(_attended(now)).group_by(Appointment.practitioner_id)).all())
    reacted = select(ReactionReport.practitioner_id, func.count(distinct(ReactionReport.appointment_id)))
    any_counts = dict(db.session.execute(
        reacted.where(ReactionReport.level != TriageLevel.NONE).group_by(ReactionReport.practitioner_id)).all())
    moderate = dict(db.session.execute(
        reacted.where(ReactionReport.moderate_or_severe.is_(True)).group_by(ReactionReport.practitioner_id)).all())
    people = {p.id: p for p in db.session.scalars(select(Practitioner).where(Practitioner.id.in_(list(sessions))))}
    found = []
    for practitioner_id, n in sessions.items():
        k_any, k_mod = min(any_counts.get(practitioner_id, 0), n), min(moderate.get(practitioner_id, 0), n)
        flagged = n >= MIN_SESSIONS and (binomial_tail(k_any, n, BASELINE_ANY) < FLAG_P_VALUE
                                         or binomial_tail(k_mod, n, BASELINE_MODERATE_OR_SEVERE) < FLAG_P_VALUE)
        found.append(Rate(people[practitioner_id], n, k_any, k_mod, flagged))
    return sorted(found, key=lambda r: (not r.flagged, -r.any_share, r.practitioner.display_name))
