"""A patient's own data: a copy of everything the service holds about them, and closing the
account.

Closing never deletes the account row: the audit trail points at it (and must keep doing so,
by an id that is never reused), so the row is anonymised and deactivated instead. Visits that
took place, or were confirmed and have started, are the practitioner's clinical records and
are kept with their intake, readable by that practitioner only; the patient's name stays on
them, because a clinical record must say whose it is. Requests that never became a visit
(declined, cancelled, expired) keep their dates for the audit trail but lose the intake and
any free text. API tokens, stored API answers and delivered emails to the address go. Reaction
reports and course check-ins of visits that took place stay with those records; reviews stay,
signed "Verified patient".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update

from directory.extensions import db
from directory.models import (ACTIVE_STATUSES, ApiToken, Appointment, AppointmentStatus, AuditEvent,
                              IdempotentRequest, OutboxMessage, Role, User)
from directory.models._types import as_utc, utcnow
from directory.services import audit
from directory.services.accounts import export_health
from directory.services.accounts.passwords import verify_password
from directory.services.mail import outbox as mail

DELETED_NAME = "Deleted account"
EXPORT_FORMAT = "meridian-patient-export/1"


class AccountDataError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _appointments(user: User) -> list[Appointment]:
    return list(db.session.scalars(select(Appointment).where(Appointment.patient_id == user.id)
                                   .order_by(Appointment.starts_at, Appointment.id)))


def is_kept_record(appointment: Appointment, now: datetime) -> bool:
    """A visit the practitioner keeps as a clinical record: it took place (or was missed), or
    it was confirmed and its time has come."""
    if appointment.status in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
        return True
    return appointment.status is AppointmentStatus.CONFIRMED and as_utc(appointment.starts_at) <= now


def export(user: User) -> dict:
    """Everything held about a patient, intakes decrypted. Each intake read and the export
    itself are audited; commits."""
    if user.role is not Role.PATIENT:
        raise PermissionError("Only patients can download their data here.")
    appointments = []
    for a in _appointments(user):
        appointments.append({
            "id": a.id, "status": a.status.value, "kind": a.kind.value,
            "start": _iso(a.starts_at), "end": _iso(a.ends_at), "timezone": a.clinic.timezone,
            "practitioner": {"id": a.practitioner_id, "name": a.practitioner.display_name},
            "clinic": {"id": a.clinic_id, "name": a.clinic.name, "address": a.clinic.address,
                       "city": a.clinic.city, "region": a.clinic.region, "postal_code": a.clinic.postal_code},
            "intake": a.intake or None,
            "hold_expires_at": _iso(a.hold_expires_at), "confirmed_at": _iso(a.confirmed_at),
            "decline_message": a.decline_message, "cancel_reason": a.cancel_reason,
            "cancelled_by": ("you" if a.cancelled_by_id == user.id
                             else "practitioner" if a.cancelled_by_id is not None else None),
            "rescheduled_from_id": a.rescheduled_from_id,
            "created_at": _iso(a.created_at), "updated_at": _iso(a.updated_at),
        })
        audit.record("intake.read", "appointment", a.id, actor=user, reason="data export")
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    emails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)
                                .order_by(OutboxMessage.id))
    events = db.session.scalars(select(AuditEvent).where(_events_about(user)).order_by(AuditEvent.id))
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(utcnow()),
        "account": {"id": user.id, "name": user.name, "email": user.email, "role": user.role.value,
                    "created_at": _iso(user.created_at), "last_login_at": _iso(user.last_login_at),
                    "password_changed_at": _iso(user.password_changed_at)},
        "appointments": appointments,
        "courses": export_health.courses(user),
        "reaction_reports": export_health.reaction_reports(user),
        "reviews": export_health.reviews(user),
        # Only when and what: the token itself is never stored, only its hash.
        "api_tokens": [{"created_at": _iso(t.created_at), "expires_at": _iso(t.expires_at),
                        "revoked_at": _iso(t.revoked_at), "last_used_at": _iso(t.last_used_at)} for t in tokens],
        "emails": [{"subject": m.subject, "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at),
                    "body": m.body} for m in emails],
        "audit_events": [{"action": e.action, "subject_type": e.subject_type, "subject_id": e.subject_id,
                          "by_you": e.actor_id == user.id, "created_at": _iso(e.created_at)} for e in events],
    }
    audit.record("account.exported", "user", user.id, actor=user,
                 after={"appointments": len(appointments)})
    db.session.commit()
    return data


def _events_about(user: User):
    own_appointments = select(Appointment.id).where(Appointment.patient_id == user.id)
    return or_(AuditEvent.actor_id == user.id,
               (AuditEvent.subject_type == "user") & (AuditEvent.subject_id == user.id),
               (AuditEvent.subject_type == "appointment") & AuditEvent.subject_id.in_(own_appointments))


@dataclass(frozen=True)
class ClosingPlan:
    upcoming: list[Appointment]      # must be cancelled (or have happened) first
    kept: list[Appointment]          # clinical records the practitioner keeps, intake included
    erased: list[Appointment]        # requests that never became a visit: intake and text erased


def closing_plan(user: User, now: datetime | None = None) -> ClosingPlan:
    now = now or utcnow()
    upcoming, kept, erased = [], [], []
    for a in _appointments(user):
        if a.status in ACTIVE_STATUSES and as_utc(a.starts_at) > now:
            upcoming.append(a)
        elif is_kept_record(a, now):
            kept.append(a)
        else:
            erased.append(a)
    return ClosingPlan(upcoming, kept, erased)


def close_account(user: User, password: str, now: datetime | None = None) -> ClosingPlan:
    """Anonymise and deactivate a patient's account (see the module's docstring); commits.
    Refused while a request or visit is still to come: cancelling it is the patient's call
    and tells the practitioner."""
    now = now or utcnow()
    if user.role is not Role.PATIENT:
        raise PermissionError("Only patients can close their account here.")
    if not verify_password(user.password_hash, password):
        raise AccountDataError("password", "Your password is not correct.")
    plan = closing_plan(user, now)
    if plan.upcoming:
        raise AccountDataError("appointments", "Cancel your upcoming appointments first: your practitioner "
                                               "expects you at them.")
    old_email, old_name = user.email, user.name
    for a in plan.erased:
        a.intake = {}
        a.decline_message = None
        a.cancel_reason = None
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(delete(IdempotentRequest).where(IdempotentRequest.user_id == user.id))
    db.session.execute(update(OutboxMessage).where(
        OutboxMessage.recipient == old_email, or_(OutboxMessage.sent_at.is_not(None),
                                                  OutboxMessage.failed_at.is_not(None)))
        .values(recipient=f"deleted-{user.id}@deleted.invalid", body="", attachments=None))
    export_health.anonymise_reviews(user)
    # The name stays only where a clinical record needs it.
    user.name = old_name if plan.kept else DELETED_NAME
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.password_hash = None
    user.active = False
    user.session_version = (user.session_version or 0) + 1
    audit.record("account.closed", "user", user.id, actor=user,
                 after={"kept_records": len(plan.kept), "erased_requests": len(plan.erased)})
    mail.queue_email(old_email, "Your Meridian account is closed", "account_closed",
                     name=old_name, kept=len(plan.kept))
    db.session.commit()
    return plan
