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


from directory.extensions import db
from directory.models import Licence, Practitioner, RosterEntry, User, VerificationState
from directory.models._types import utcnow
from directory.models.licence import normalise_number
from directory.services import audit
from directory.services.licensing import jurisdictions
from directory.services.licensing import checks as licence_checks
from directory.services.licensing.checks import FAIL, CheckResult, LicenceRecord
from directory.services.licensing.mail import licence_label, tell_practitioner
from directory.services.licensing import review as licence_review

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
    if (licence.jurisdiction, licence.number_normalized) != (data.jurisdiction, normalise_number(data.number)):
        licence_review.forget_board_status(licence)  # it was about another licence
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
    licence.review_requested_at = None


def _follow_roster(licence: Licence, roster: dict[str, RosterEntry] | None = None) -> None:
    entry = (roster.get(licence.number_normalized) if roster is not None
             else licence_checks.roster_entry_for(licence.jurisdiction, licence.number))
    licence_review.follow_roster_status(licence, entry)


def submit_licence(practitioner: Practitioner, data: LicenceInput, *, actor: User,
                   today: date | None = None) -> Licence:
    data = _clean(data)
    results = _checked(practitioner, data, today)
    licence = Licence(practitioner_id=practitioner.id, verification_state=VerificationState.PENDING,
                      submitted_at=utcnow(), check_results=[r.as_dict() for r in results])
    _apply(licence, data)
    _follow_roster(licence)
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
    _follow_roster(licence)
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
    _follow_roster(licence, roster)
    return results


def _require_pending(licence: Licence) -> None:
    if not licence_review.awaits_decision(licence):
        raise DecisionError(UNDECIDABLE.get(licence.verification_state, "Only a pending licence can be decided."))


def _decide(licence: Licence, state: VerificationState, admin: User, reason: str | None) -> None:
    licence.review_requested_at = None
    licence.verification_state = state
    licence.decided_by_id = admin.id
    licence.decided_at = utcnow()
    licence.decision_reason = reason


def approve(licence: Licence, *, admin: User, override_reason: str | None = None,
            today: date | None = None) -> None:
    _require_pending(licence)
    was = licence.verification_state
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
                 actor=admin, before={"verification_state": was}, after=after, reason=override)
    if was is not VerificationState.VERIFIED:  # kept after a roster review: nothing new to tell
        tell_practitioner(licence.practitioner, f"Your {licence_label(licence)} is verified",
                          "licence_approved", licence=licence, listing=licence.practitioner.listing_state.value)
    db.session.commit()


def _refuse(licence: Licence, *, admin: User, reason: str, state: VerificationState, action: str,
            subject: str, template: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError("Write the reason: it is emailed to the practitioner.")
    _require_pending(licence)
    was = licence.verification_state
    _decide(licence, state, admin, reason)
    audit.record(action, "licence", licence.id, actor=admin,
                 before={"verification_state": was},
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
