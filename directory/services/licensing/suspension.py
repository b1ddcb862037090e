"""Suspending a practitioner (unlists them whatever their licences say) and reinstating them
to the listing state they had; both need a reason, emailed and kept in the audit log."""
from __future__ import annotations

from sqlalchemy import select

from directory.extensions import db
from directory.models import AuditEvent, ListingState, Practitioner, User
from directory.models._types import utcnow
from directory.services import audit
from directory.services.licensing.decisions import DecisionError
from directory.services.licensing.mail import tell_practitioner


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

