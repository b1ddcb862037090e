"""The review gate, the practitioner's decisions, extensions, and check-in completion.

At the review session (``review_after``), if neither pain nor function has reached a
meaningful change, both sides are told before it (jobs.review_notices) and the course is
under review until the practitioner records a decision: continue as planned, change the
plan, refer on, or stop. Referring on and stopping end the course: the remaining sessions
are cancelled in one transaction, with one notice to each side. Extending the course beyond
its sessions needs a meaningful improvement (the Medicare rule, NCD 30.3.3) or a recorded reason.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from directory.extensions import db
from directory.models import (ACTIVE_STATUSES, Appointment, AppointmentStatus, Course, CourseDecision,
                              CourseStatus, ReviewDecision, User)
from directory.models._types import as_utc
from directory.services import audit
from directory.services.booking.transactions import now_utc, swap, write_transaction
from directory.services.courses import checkins, mail
from directory.services.courses.plans import MAX_SESSIONS
from directory.services.courses.series import booked_sessions

MAX_REASON = 2000
DECIDABLE = (CourseStatus.BOOKED, CourseStatus.UNDER_REVIEW)
ENDING = (ReviewDecision.STOP, ReviewDecision.REFER)
LABELS = {ReviewDecision.CONTINUE: "Continue as planned", ReviewDecision.CHANGE: "Change the plan",
          ReviewDecision.REFER: "Refer on (ends the course)", ReviewDecision.STOP: "Stop the course",
          ReviewDecision.EXTEND: "Extend the course"}


class DecisionError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def review_appointment(course: Course) -> Appointment | None:
    return booked_sessions(course).get(course.review_after)


def needs_decision(course: Course) -> bool:
    return course.status is CourseStatus.UNDER_REVIEW


def decide(course: Course, *, by: User, decision, reason: str = "", added_sessions: int = 0,
           now: datetime | None = None) -> CourseDecision:
    """PermissionError for anyone but the course's practitioner; DecisionError for a decision that
    is not allowed. Commits."""
    if by.id != course.practitioner.user_id:
        raise PermissionError("Only the course's practitioner decides.")
    now = now_utc(now)
    errors: dict[str, str] = {}
    try:
        decision = ReviewDecision(decision)
    except ValueError:
        raise DecisionError({"decision": "Choose a decision."}) from None
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        errors["reason"] = f"Keep the reason to {MAX_REASON} characters or fewer."
    if course.status not in DECIDABLE:
        errors["decision"] = f"This course is {course.status.value.replace('_', ' ')}: there is nothing to decide."
    if decision in (ReviewDecision.CHANGE, ReviewDecision.REFER) and not reason:
        errors["reason"] = "Say what changes, or to whom you refer: the patient reads it."
    meaningful = checkins.outcomes_of(course, reader=by).meaningful
    if decision is ReviewDecision.EXTEND:
        room = MAX_SESSIONS - course.sessions
        if type(added_sessions) is not int or not 1 <= added_sessions <= max(room, 0):
            errors["added_sessions"] = (f"Add from 1 to {room} sessions (a course has at most {MAX_SESSIONS})."
                                        if room > 0 else f"This course already has {MAX_SESSIONS} sessions.")
        if not meaningful and not reason:
            errors["reason"] = ("There is no meaningful improvement yet: extending needs one, or a recorded "
                                "reason (the Medicare rule allows more visits only for patients who improve).")
    if errors:
        raise DecisionError(errors)
    cancelled: list[Appointment] = []
    with write_transaction(course.practitioner_id):
        before = course.status
        if decision in ENDING:
            cancelled = _cancel_remaining(course, by, now)
            course.status = CourseStatus.STOPPED
        else:
            course.status = CourseStatus.BOOKED
        if decision is ReviewDecision.EXTEND:
            course.sessions += added_sessions
        course.updated_at = now
        entry = CourseDecision(course_id=course.id, decided_by_id=by.id, created_at=now,
                               record={"decision": decision.value, "reason": reason, "meaningful": meaningful,
                                       "added_sessions": added_sessions if decision is ReviewDecision.EXTEND else 0})
        db.session.add(entry)
        db.session.flush()
        audit.record("course.decided", "course", course.id, actor=by, before={"status": before},
                     after={"status": course.status, "decision_id": entry.id,
                            "cancelled": [a.id for a in cancelled]})
        mail.decided(course, decision, len(cancelled))
    return entry


def _cancel_remaining(course: Course, by: User, now: datetime) -> list[Appointment]:
    remaining = [a for a in booked_sessions(course).values()
                 if a.status in ACTIVE_STATUSES and as_utc(a.starts_at) > now]
    done = []
    for appointment in remaining:
        if swap(appointment.id, ACTIVE_STATUSES, {"status": AppointmentStatus.CANCELLED, "cancelled_by_id": by.id,
                                                  "cancel_reason": "The treatment course was ended.",
                                                  "updated_at": now}):
            db.session.expire(appointment)
            audit.record("appointment.cancelled", "appointment", appointment.id, actor=by,
                         after={"status": AppointmentStatus.CANCELLED, "course_id": course.id})
            done.append(appointment)
    return done


def decisions(course: Course, *, reader: User) -> list[dict]:
    """The decisions, oldest first, for the course's patient or practitioner; audited. Commits."""
    if reader.id not in (course.patient_id, course.practitioner.user_id):
        raise PermissionError("Only the patient and their practitioner can read these decisions.")
    rows = list(db.session.scalars(select(CourseDecision).where(CourseDecision.course_id == course.id)
                                   .order_by(CourseDecision.created_at, CourseDecision.id)))
    found = [{**row.record, "at": as_utc(row.created_at)} for row in rows]
    audit.record("course.decisions_read", "course", course.id, actor=reader)
    db.session.commit()
    return found


def completion(course: Course, now: datetime | None = None) -> tuple[int, int]:
    """(check-ins answered, check-ins due): one is due for each live session that has started."""
    now = now_utc(now)
    due = {n for n, a in booked_sessions(course).items() if as_utc(a.starts_at) <= now}
    answered = checkins.answered_sessions(course)
    return len(due & answered), len(due)


def completion_text(course: Course, now: datetime | None = None) -> str:
    answered, due = completion(course, now)
    if not due:
        return "No check-ins due yet"
    return f"{answered} of {due} check-ins answered ({round(100 * answered / due)}%)"
