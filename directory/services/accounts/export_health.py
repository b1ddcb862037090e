"""The parts of a patient's data export that come after visits: courses and their check-ins,
reaction reports and reviews. Health data is decrypted for its own patient only; each read is
audited like any other."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from directory.extensions import db
from directory.models import ReactionReport, Review, User
from directory.models._types import as_utc
from directory.models.course import CheckIn, Course
from directory.services import audit


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def courses(user: User) -> list[dict]:
    found = []
    for course in db.session.scalars(select(Course).where(Course.patient_id == user.id).order_by(Course.id)):
        checks = db.session.scalars(select(CheckIn).where(CheckIn.course_id == course.id).order_by(CheckIn.session))
        found.append({"id": course.id, "practitioner_id": course.practitioner_id, "status": course.status.value,
                      "sessions": course.sessions, "weeks": course.weeks, "review_after": course.review_after,
                      "plan": course.plan,
                      "check_ins": [{"session": c.session, "answers": c.answers, "created_at": _iso(c.created_at)}
                                    for c in checks]})
        audit.record("checkins.read", "course", course.id, actor=user, reason="data export")
    return found


def reaction_reports(user: User) -> list[dict]:
    found = []
    for report in db.session.scalars(select(ReactionReport).where(ReactionReport.patient_id == user.id)
                                      .order_by(ReactionReport.id)):
        found.append({"id": report.id, "appointment_id": report.appointment_id, "triage": report.level.value,
                      "symptoms": report.content["symptoms"], "notes": report.content["notes"],
                      "created_at": _iso(report.created_at), "acknowledged_at": _iso(report.acknowledged_at),
                      "acknowledgement": (report.acknowledgement or {}).get("note")})
        audit.record("reaction.read", "reaction_report", report.id, actor=user, reason="data export")
    return found


def reviews(user: User) -> list[dict]:
    return [{"id": r.id, "appointment_id": r.appointment_id, "practitioner_id": r.practitioner_id,
             "rating": r.rating, "text": r.text, "author": r.author, "measured_change": r.measured_change,
             "created_at": _iso(r.created_at), "reply": r.reply, "hidden": r.hidden_at is not None}
            for r in db.session.scalars(select(Review).where(Review.patient_id == user.id).order_by(Review.id))]


def anonymise_reviews(user: User) -> None:
    """A closed account's reviews stay (they describe real visits) but no longer name anyone."""
    for review in db.session.scalars(select(Review).where(Review.patient_id == user.id)):
        review.author = "Verified patient"
