"""Reaction reports: the patient sends one (or several) about a past visit, sees the triage
advice at once, and the practitioner reads and acknowledges them.

Reports are health data: only that patient and that visit's practitioner read the symptoms
and notes (never admins), every read is audited, and emails carry no detail.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from directory.extensions import db
from directory.models import Appointment, ReactionReport, TriageLevel, User
from directory.models._types import as_utc
from directory.services import audit
from directory.services.booking import attendance
from directory.services.booking.transactions import now_utc
from directory.services.safety import mail as safety_mail
from directory.services.safety.triage import Outcome, SymptomError, clean, triage

REPORT_WINDOW = timedelta(days=30)
NOTES_MAX = 2000
NOTE_MAX = 2000
MODERATE_OR_SEVERE = ("moderate", "severe")


@dataclass(frozen=True)
class Submitted:
    report: ReactionReport
    outcome: Outcome


def may_report(appointment: Appointment, patient: User, now: datetime | None = None) -> bool:
    """The patient of a past visit that was (or may yet count as) attended, for 30 days."""
    return (appointment.patient_id == patient.id and attendance.may_follow_up(appointment, now)
            and now_utc(now) <= as_utc(appointment.ends_at) + REPORT_WINDOW)


def submit(appointment: Appointment, patient: User, symptoms: list, notes: str = "",
           now: datetime | None = None) -> Submitted:
    """Record a report and its triage; an urgent or contact-practitioner report emails the
    practitioner in the same transaction (an urgent one also opens an admin queue item, being
    an open urgent report). Raises PermissionError for a visit the patient may not report on,
    SymptomError for bad input. Commits."""
    now = now_utc(now)
    if not may_report(appointment, patient, now):
        raise PermissionError("You can report a reaction on your own past visits, for 30 days.")
    if not isinstance(symptoms, list):
        raise SymptomError("Symptoms must be a list.", "symptoms")
    chosen = clean(symptoms)
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise SymptomError(f"Notes can be at most {NOTES_MAX} characters.", "notes")
    if "other" in chosen and not notes:
        raise SymptomError("Describe the other symptom in the notes.", "notes")
    outcome = triage(chosen)
    report = ReactionReport(
        appointment_id=appointment.id, patient_id=patient.id, practitioner_id=appointment.practitioner_id,
        level=outcome.level, moderate_or_severe=any(s in MODERATE_OR_SEVERE for s in chosen.values()),
        content={"symptoms": chosen, "notes": notes}, created_at=now)
    db.session.add(report)
    db.session.flush()
    audit.record("reaction.create", "reaction_report", report.id, actor=patient,
                 after={"appointment_id": appointment.id, "level": outcome.level})
    if outcome.level in (TriageLevel.URGENT, TriageLevel.CONTACT_PRACTITIONER):
        safety_mail.reaction_needs_attention(report)
    db.session.commit()
    return Submitted(report, outcome)


def _may_read(report: ReactionReport, reader: User) -> bool:
    return reader.id in (report.patient_id, report.practitioner.user_id)


def read(report: ReactionReport, reader: User) -> dict:
    """Symptoms, notes and the acknowledgement note, for that patient or that practitioner
    only. Every read and every refused attempt is audited. Commits."""
    if not _may_read(report, reader):
        audit.record("reaction.read_denied", "reaction_report", report.id, actor=reader)
        db.session.commit()
        raise PermissionError("Only the patient and their practitioner can read this report.")
    content = dict(report.content)
    content["acknowledgement"] = (report.acknowledgement or {}).get("note")
    audit.record("reaction.read", "reaction_report", report.id, actor=reader)
    db.session.commit()
    return content


def for_appointment(appointment: Appointment) -> list[ReactionReport]:
    return list(db.session.scalars(select(ReactionReport).where(ReactionReport.appointment_id == appointment.id)
                                   .order_by(ReactionReport.created_at.desc(), ReactionReport.id.desc())))


def for_practitioner(practitioner_id: int, *, patient_id: int | None = None) -> list[ReactionReport]:
    """Every report on the practitioner's patients (or one patient's), newest first."""
    query = select(ReactionReport).where(ReactionReport.practitioner_id == practitioner_id)
    if patient_id is not None:
        query = query.where(ReactionReport.patient_id == patient_id)
    return list(db.session.scalars(query.order_by(ReactionReport.created_at.desc(), ReactionReport.id.desc())))


def acknowledge(report: ReactionReport, practitioner_user: User, note: str, now: datetime | None = None) -> None:
    """The practitioner says what they did about an urgent or contact-practitioner report. Commits."""
    if practitioner_user.id != report.practitioner.user_id:
        raise PermissionError("Only the patient's practitioner can acknowledge this report.")
    note = (note or "").strip()
    if not note:
        raise SymptomError("Write what you did or advised.", "note")
    if len(note) > NOTE_MAX:
        raise SymptomError(f"The note can be at most {NOTE_MAX} characters.", "note")
    if report.level not in (TriageLevel.URGENT, TriageLevel.CONTACT_PRACTITIONER):
        raise SymptomError("Only urgent and contact-practitioner reports are acknowledged.", "note")
    if report.acknowledged_at is not None:
        raise SymptomError("This report is already acknowledged.", "note")
    report.acknowledged_at = now_utc(now)
    report.acknowledged_by_id = practitioner_user.id
    report.acknowledgement = {"note": note}
    audit.record("reaction.acknowledge", "reaction_report", report.id, actor=practitioner_user,
                 after={"level": report.level})
    db.session.commit()
