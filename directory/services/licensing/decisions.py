"""The life of a licence: submission, review, expiry; and suspending a practitioner.

pending → verified | rejected | needs_changes (an admin decides);
verified → pending (the practitioner edits what was verified) | lapsed (it expired);
rejected, needs_changes, lapsed → pending (the practitioner edits and resubmits).

Every mutating function commits once, with its audit event(s) and the email it queues,
so a failure saves none of them. The search index follows in the same transaction
(models/search.py), so a listing appears or disappears with the commit.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.models import AuditEvent, Licence, ListingState, Practitioner, RosterEntry, User, VerificationState
from directory.models._types import utcnow
from directory.services import audit
from directory.services.licensing import jurisdictions
from directory.services.licensing import checks as licence_checks
from directory.services.licensing.checks import FAIL, CheckResult, LicenceRecord
from directory.services.licensing.expiry import (count_expiring, count_lapsed, expiring,
                                               lapse_expired, lapsed, send_expiry_reminders)
from directory.services.licensing.mail import licence_label, tell_practitioner

__all__ = ["ChecksFailed", "DecisionError", "LicenceInput", "approve", "check_input", "count_expiring",
           "count_lapsed", "current_checks", "expiring", "lapse_expired", "lapsed", "pending_queue", "recheck",
           "reinstate", "reject", "request_changes", "send_expiry_reminders", "submit_licence", "suspend",
           "update_licence", "withdraw_licence"]

# What the practitioner states and an admin verifies: changing any of it needs a new review.
VERIFIED_FIELDS = ("jurisdiction", "title", "number_normalized", "issued_on", "expires_on")
AUDITED_FIELDS = ("jurisdiction", "title", "number", "issued_on", "expires_on", "verification_state",
                  "is_licence")
UNDECIDABLE = {
    VerificationState.VERIFIED: "This licence is already verified.",
    VerificationState.REJECTED: "This licence was already rejected.",
    VerificationState.NEEDS_CHANGES: "Changes were already asked for: the practitioner must resubmit it first.",
    VerificationState.LAPSED: "This licence has lapsed: the practitioner must submit the renewed one.",
}


@dataclass(frozen=True)
class LicenceInput:
    jurisdiction: str
    title: str
    number: str
    issued_on: date | None
    expires_on: date | None


class ChecksFailed(ValueError):
    """A check failed, so nothing was saved; ``results`` holds every check, for the form."""

    def __init__(self, results: list[CheckResult]):
        self.results = results
        super().__init__("; ".join(r.message for r in results if r.result == FAIL))


class DecisionError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _clean(data: LicenceInput) -> LicenceInput:
    return replace(data, jurisdiction=(data.jurisdiction or "").strip().upper(),
                   title=(data.title or "").strip(), number=(data.number or "").strip())


def _record_for(practitioner: Practitioner, data: LicenceInput) -> LicenceRecord:
    return LicenceRecord(
        name=practitioner.display_name, jurisdiction=data.jurisdiction, title=data.title,
        number=data.number, issued_on=data.issued_on, expires_on=data.expires_on,
        npi=practitioner.npi or None, nccaom_id=practitioner.nccaom_id or None)


def check_input(practitioner: Practitioner, data: LicenceInput, *, today: date | None = None,
                licence_id: int | None = None, roster: dict[str, RosterEntry] | None = None) -> list[CheckResult]:
    """``roster``: the jurisdiction's entries by normalised number, when the caller has them."""
    return licence_checks.run_checks(_record_for(practitioner, _clean(data)), today=today or date.today(),
                                     practitioner_id=practitioner.id, licence_id=licence_id, roster=roster)


def _checked(practitioner: Practitioner, data: LicenceInput, today: date | None,
             licence_id: int | None = None) -> list[CheckResult]:
    results = check_input(practitioner, data, today=today, licence_id=licence_id)
    if any(r.result == FAIL for r in results):
        raise ChecksFailed(results)
    return results


def _store_results(licence: Licence, results: list[CheckResult]) -> None:
    stored = [r.as_dict() for r in results]
    # Assigning an equal list would still mark the licence dirty: an UPDATE (and a new
    # updated_at) for nothing.
    if licence.check_results != stored:
        licence.check_results = stored


def _apply(licence: Licence, data: LicenceInput) -> None:
    jurisdiction = jurisdictions.get(data.jurisdiction)
    licence.jurisdiction = data.jurisdiction
    licence.country = jurisdiction.country if jurisdiction else data.jurisdiction.split("-")[0]
    licence.is_licence = jurisdiction.licensed if jurisdiction else True
    # Stored as the jurisdiction spells it ("lac" -> "L.Ac."), as the listing shows it.
    licence.title = (jurisdiction.canonical_title(data.title) if jurisdiction else None) or data.title
    if licence.number != data.number:
        licence.number = data.number
    licence.issued_on = data.issued_on
    if licence.expires_on != data.expires_on:
        # A renewed licence earns fresh reminders before its new expiry.
        licence.reminded_60_at = licence.reminded_14_at = None
    licence.expires_on = data.expires_on


def _snapshot(licence: Licence) -> dict:
    return {name: getattr(licence, name) for name in AUDITED_FIELDS}


def _resubmit(licence: Licence) -> None:
    licence.verification_state = VerificationState.PENDING
    licence.submitted_at = utcnow()
    licence.verified_by_id = licence.verified_at = None
    licence.decided_by_id = licence.decided_at = licence.decision_reason = None


def submit_licence(practitioner: Practitioner, data: LicenceInput, *, actor: User,
                   today: date | None = None) -> Licence:
    data = _clean(data)
    results = _checked(practitioner, data, today)
    licence = Licence(practitioner_id=practitioner.id, verification_state=VerificationState.PENDING,
                      submitted_at=utcnow(), check_results=[r.as_dict() for r in results])
    _apply(licence, data)
    practitioner.licences.append(licence)
    db.session.flush()
    audit.record("licence.submitted", "licence", licence.id, actor=actor,
                 after={"practitioner_id": practitioner.id, **_snapshot(licence)})
    db.session.commit()
    return licence


def update_licence(licence: Licence, data: LicenceInput, *, actor: User, today: date | None = None) -> Licence:
    data = _clean(data)
    results = _checked(licence.practitioner, data, today, licence.id)
    before = _snapshot(licence)
    was = {name: getattr(licence, name) for name in VERIFIED_FIELDS}
    _apply(licence, data)
    _store_results(licence, results)
    material = any(getattr(licence, name) != value for name, value in was.items())
    state = licence.verification_state
    # A decided licence comes back to the queue when saved again; a pending one keeps its place.
    if state in (VerificationState.REJECTED, VerificationState.NEEDS_CHANGES) or (
            material and state in (VerificationState.VERIFIED, VerificationState.LAPSED)):
        _resubmit(licence)
    after = _snapshot(licence)
    changed = [name for name in AUDITED_FIELDS if before[name] != after[name]]
    if changed:
        audit.record("licence.updated", "licence", licence.id, actor=actor,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    db.session.commit()
    return licence


def withdraw_licence(licence: Licence, *, actor: User) -> None:
    practitioner = licence.practitioner
    audit.record("licence.withdrawn", "licence", licence.id, actor=actor,
                 before={"practitioner_id": practitioner.id, **_snapshot(licence)})
    practitioner.licences.remove(licence)
    db.session.commit()


def current_checks(licence: Licence, *, today: date | None = None,
                   roster: dict[str, RosterEntry] | None = None) -> list[CheckResult]:
    """The checks run now on the licence as stored; nothing is saved."""
    data = LicenceInput(licence.jurisdiction, licence.title, licence.number, licence.issued_on,
                        licence.expires_on)
    return check_input(licence.practitioner, data, today=today, licence_id=licence.id, roster=roster)


def recheck(licence: Licence, *, today: date | None = None,
            roster: dict[str, RosterEntry] | None = None) -> list[CheckResult]:
    """Run the checks again on the licence as stored, and store the results (uncommitted)."""
    results = current_checks(licence, today=today, roster=roster)
    _store_results(licence, results)
    return results


def pending_queue(limit: int = 100) -> list[Licence]:
    return list(db.session.scalars(
        select(Licence).where(Licence.verification_state == VerificationState.PENDING)
        .options(selectinload(Licence.practitioner))
        .order_by(Licence.submitted_at, Licence.id).limit(limit)))


def _require_pending(licence: Licence) -> None:
    if licence.verification_state is not VerificationState.PENDING:
        raise DecisionError(UNDECIDABLE.get(licence.verification_state, "Only a pending licence can be decided."))


def _decide(licence: Licence, state: VerificationState, admin: User, reason: str | None) -> None:
    licence.verification_state = state
    licence.decided_by_id = admin.id
    licence.decided_at = utcnow()
    licence.decision_reason = reason


def approve(licence: Licence, *, admin: User, override_reason: str | None = None,
            today: date | None = None) -> None:
    _require_pending(licence)
    results = recheck(licence, today=today)
    failing = [r for r in results if r.result == FAIL]
    override = (override_reason or "").strip() or None
    if failing and override is None:
        # Keep the fresh results, so the review page shows the check that stops approval.
        db.session.commit()
        raise DecisionError("A check fails: " + "; ".join(r.message for r in failing)
                            + ". Write an override reason to approve anyway.")
    _decide(licence, VerificationState.VERIFIED, admin, override)
    licence.verified_by_id = admin.id
    licence.verified_at = licence.decided_at
    after = {"verification_state": licence.verification_state}
    if failing:
        after["overridden_checks"] = [r.name for r in failing]
    audit.record("licence.approved_with_override" if failing else "licence.approved", "licence", licence.id,
                 actor=admin, before={"verification_state": VerificationState.PENDING}, after=after,
                 reason=override)
    tell_practitioner(licence.practitioner, f"Your {licence_label(licence)} is verified",
                      "licence_approved", licence=licence, listing=licence.practitioner.listing_state.value)
    db.session.commit()


def _refuse(licence: Licence, *, admin: User, reason: str, state: VerificationState, action: str,
            subject: str, template: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError("Write the reason: it is emailed to the practitioner.")
    _require_pending(licence)
    _decide(licence, state, admin, reason)
    audit.record(action, "licence", licence.id, actor=admin,
                 before={"verification_state": VerificationState.PENDING},
                 after={"verification_state": state}, reason=reason)
    tell_practitioner(licence.practitioner, subject.format(label=licence_label(licence)), template,
                      licence=licence, reason=reason)
    db.session.commit()


def reject(licence: Licence, *, admin: User, reason: str) -> None:
    _refuse(licence, admin=admin, reason=reason, state=VerificationState.REJECTED, action="licence.rejected",
            subject="Your {label} was not verified", template="licence_rejected")


def request_changes(licence: Licence, *, admin: User, reason: str) -> None:
    _refuse(licence, admin=admin, reason=reason, state=VerificationState.NEEDS_CHANGES,
            action="licence.changes_requested", subject="Changes needed to your {label}",
            template="licence_changes_requested")


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError("Write the reason: it is emailed to the practitioner and kept in the audit log.")
    return reason


def suspend(practitioner: Practitioner, *, admin: User, reason: str) -> None:
    reason = _required_reason(reason)
    if practitioner.listing_state is ListingState.SUSPENDED:
        raise DecisionError("This practitioner is already suspended.")
    before = {"listing_state": practitioner.listing_state}
    practitioner.listing_state = ListingState.SUSPENDED
    practitioner.suspended_at = utcnow()
    practitioner.suspension_reason = reason
    audit.record("practitioner.suspended", "practitioner", practitioner.id, actor=admin, before=before,
                 after={"listing_state": ListingState.SUSPENDED}, reason=reason)
    tell_practitioner(practitioner, "Your Meridian listing is suspended", "licence_listing_suspended",
                      reason=reason)
    db.session.commit()


def _state_before_suspension(practitioner: Practitioner) -> ListingState:
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "practitioner.suspended",
                                 AuditEvent.subject_type == "practitioner",
                                 AuditEvent.subject_id == practitioner.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(1))
    previous = (event.before or {}).get("listing_state") if event is not None else None
    # A draft that was suspended goes back to draft: reinstating must not publish it.
    return ListingState.DRAFT if previous == ListingState.DRAFT.value else ListingState.LISTED


def reinstate(practitioner: Practitioner, *, admin: User, reason: str) -> None:
    reason = _required_reason(reason)
    if practitioner.listing_state is not ListingState.SUSPENDED:
        raise DecisionError("This practitioner is not suspended.")
    restored = _state_before_suspension(practitioner)
    practitioner.listing_state = restored
    practitioner.suspended_at = None
    practitioner.suspension_reason = None
    audit.record("practitioner.reinstated", "practitioner", practitioner.id, actor=admin,
                 before={"listing_state": ListingState.SUSPENDED}, after={"listing_state": restored},
                 reason=reason)
    tell_practitioner(practitioner, "Your Meridian listing is reinstated", "licence_listing_reinstated",
                      reason=reason, listed=restored is ListingState.LISTED)
    db.session.commit()

