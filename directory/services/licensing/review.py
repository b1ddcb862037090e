"""What a board has said about a licence, and verified licences an admin must look at again.

Board status: None ("not reported") until a roster row for the licence's number or an admin
reports one; the newer report wins (a roster entry counts from when it was imported or last
changed, so re-importing an unchanged roster does not undo an admin's record). A change of
the licence's jurisdiction or number forgets it: it was about another licence.

Review: a verified licence whose roster check starts failing stays verified, and listed, but
is back in the verification queue (review_requested_at) with the failing check shown, until
an admin keeps it (approve, with an override reason), rejects it or asks for changes, or a
later roster passes it again.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.models import BoardStatus, Licence, RosterEntry, User, VerificationState
from directory.models._types import as_utc, utcnow
from directory.models.licence import ADMIN, ROSTER
from directory.services import audit
from directory.services.licensing.checks import FAIL, PASS

BOARD_STATUS_LABELS = {
    BoardStatus.ACTIVE: "Active", BoardStatus.INACTIVE: "Inactive", BoardStatus.DELINQUENT: "Delinquent",
    BoardStatus.EXPIRED: "Expired", BoardStatus.PROBATION: "Probation or restrictions",
    BoardStatus.SUSPENDED: "Suspended", BoardStatus.REVOKED: "Revoked", BoardStatus.SURRENDERED: "Surrendered",
    BoardStatus.RETIRED: "Retired",
}
# Boards' own words, most serious first: "Active - Probation" is probation, "Not active" inactive.
_BOARD_WORDS = (
    (BoardStatus.REVOKED, {"revoked", "revocation"}),
    (BoardStatus.SURRENDERED, {"surrendered", "surrender"}),
    (BoardStatus.SUSPENDED, {"suspended", "suspension"}),
    (BoardStatus.RETIRED, {"retired"}),
    (BoardStatus.DELINQUENT, {"delinquent"}),
    (BoardStatus.EXPIRED, {"expired", "lapsed"}),
    (BoardStatus.INACTIVE, {"inactive", "cancelled", "canceled", "void", "null", "denied", "terminated",
                            "closed", "deceased", "not"}),
    (BoardStatus.PROBATION, {"probation", "probationary", "restricted", "conditions", "conditional", "limited"}),
    (BoardStatus.ACTIVE, {"active", "current", "clear", "valid", "licensed", "registered", "renewed", "good"}),
)


def board_status_from_roster(text: str | None) -> BoardStatus | None:
    """The board status a roster's status column states; None for words we do not know
    (the review page shows the roster's own words beside it)."""
    words = set(re.findall(r"[a-z]+", (text or "").casefold()))
    return next((status for status, known in _BOARD_WORDS if words & known), None)


def forget_board_status(licence: Licence) -> None:
    licence.board_status = licence.board_status_source = licence.board_status_at = None


def follow_roster_status(licence: Licence, entry: RosterEntry | None) -> None:
    """Take the board status from the licence's roster row when it is newer than what is on record."""
    if entry is None:
        return
    reported = board_status_from_roster(entry.status)
    if reported is None or (licence.board_status, licence.board_status_source) == (reported, ROSTER):
        return
    if licence.board_status_at is None or as_utc(entry.imported_at) >= as_utc(licence.board_status_at):
        licence.board_status, licence.board_status_source = reported, ROSTER
        licence.board_status_at = entry.imported_at


def record_board_status(licence: Licence, status: BoardStatus, *, admin: User, note: str) -> None:
    """An admin's own report (e.g. from the board's online lookup); commits."""
    note = (note or "").strip()
    if not note:
        raise ValueError("Say where you saw this status, for example the board's online lookup and the date.")
    before = {"board_status": licence.board_status, "board_status_source": licence.board_status_source}
    licence.board_status, licence.board_status_source, licence.board_status_at = status, ADMIN, utcnow()
    audit.record("licence.board_status_recorded", "licence", licence.id, actor=admin, before=before,
                 after={"board_status": status, "board_status_source": ADMIN}, reason=note)
    db.session.commit()


def roster_failures(results: list[dict] | None) -> list[str]:
    return [r.get("message", "") for r in results or []
            if isinstance(r, dict) and r.get("name") == "roster" and r.get("result") == FAIL]


def roster_outcome(licence: Licence, numbers) -> str:
    """How a roster import counts the licence: "not_found", "matched" or "mismatched"."""
    if licence.number_normalized not in numbers:
        return "not_found"
    roster = [r for r in licence.check_results or [] if r.get("name") == "roster"]
    return "matched" if all(r.get("result") == PASS for r in roster) else "mismatched"


def roster_problem(licence: Licence) -> str | None:
    """The roster check's complaint, else its warning: what the list of mismatches shows."""
    roster = [r for r in licence.check_results or [] if r.get("name") == "roster" and r.get("result") != PASS]
    return next((r.get("message") for r in roster if r.get("result") == FAIL), None) or next(
        (r.get("message") for r in roster), None)


def follow_roster_checks(licence: Licence, before: list[dict] | None, *, actor: User | None,
                         now: datetime) -> None:
    """After a re-check against a roster: put a verified licence whose roster check now fails
    back in front of an admin, and take it out again once the roster passes it (uncommitted)."""
    failing = roster_failures(licence.check_results)
    if licence.verification_state is not VerificationState.VERIFIED:
        return
    if failing and not roster_failures(before) and licence.review_requested_at is None:
        licence.review_requested_at = now
        audit.record("licence.review_requested", "licence", licence.id, actor=actor,
                     after={"review_requested": True, "failed_checks": ["roster"]}, reason="; ".join(failing))
    elif not failing and licence.review_requested_at is not None:
        licence.review_requested_at = None
        audit.record("licence.review_cleared", "licence", licence.id, actor=actor,
                     before={"review_requested": True}, after={"review_requested": False},
                     reason="The board roster check passes again.")


def awaits_decision(licence: Licence) -> bool:
    """Pending, or verified but sent back to the queue by a failing roster check."""
    return licence.verification_state is VerificationState.PENDING or (
        licence.verification_state is VerificationState.VERIFIED and licence.review_requested_at is not None)


IN_QUEUE = or_(Licence.verification_state == VerificationState.PENDING,
               and_(Licence.verification_state == VerificationState.VERIFIED,
                    Licence.review_requested_at.is_not(None)))


def pending_queue(limit: int = 100) -> list[Licence]:
    """Licences waiting for an admin: verified ones whose roster check now fails first (they
    are still listed), then pending ones, oldest first."""
    return list(db.session.scalars(
        select(Licence).where(IN_QUEUE).options(selectinload(Licence.practitioner))
        .order_by(Licence.review_requested_at.is_(None), Licence.review_requested_at, Licence.submitted_at,
                  Licence.id).limit(limit)))


def count_in_queue() -> int:
    return db.session.scalar(select(func.count()).select_from(Licence).where(IN_QUEUE)) or 0
