"""Check-ins: pain (NRS 0-10), each goal activity (PSFS 0-10), and at the review session and
the end the global impression of change (PGIC, -3..+3).

A session's check-in may be answered from booking until CHECKIN_CLOSES_HOURS after the
session ends; answering again replaces the answer. Only the course's patient answers; only
the patient and the practitioner read answers, and every read is audited.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select

from directory.extensions import db
from directory.models import ACTIVE_STATUSES, Appointment, AppointmentStatus, CheckIn, Course, User
from directory.models._types import as_utc
from directory.services import audit
from directory.services.booking.transactions import now_utc
from directory.services.courses import outcomes
from directory.services.booking.scheduling import zone
from directory.services.courses.plans import is_party
from directory.services.courses.series import sessions_of

CHECKIN_CLOSES_HOURS = 24
ANSWERABLE = (*ACTIVE_STATUSES, AppointmentStatus.COMPLETED)


class CheckInError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class CheckInClosed(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _score(value, low: int, high: int) -> int | None:
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,2}", value.strip()):
        value = int(value.strip())
    if type(value) is not int or not low <= value <= high:
        return None
    return value


def asks_global_change(course: Course, session: int) -> bool:
    return session in (course.review_after, course.sessions)


def validate(data: Mapping, goals: list[str]) -> dict:
    """The clean answers; CheckInError lists every problem (keys: pain, function, function.<i>, global_change)."""
    if not isinstance(data, Mapping):
        raise CheckInError({"body": "Send the check-in as an object."})
    errors: dict[str, str] = {}
    pain = _score(data.get("pain"), 0, 10)
    if pain is None:
        errors["pain"] = "Choose a number from 0 (no pain) to 10 (worst pain imaginable)."
    raw = data.get("function")
    scores: dict[str, int] = {}
    if not isinstance(raw, list):
        errors["function"] = "Rate each of your activities from 0 to 10."
    else:
        known = {g.casefold(): g for g in goals}
        for i, item in enumerate(raw):
            activity = item.get("activity") if isinstance(item, Mapping) else None
            goal = known.get(activity.strip().casefold()) if isinstance(activity, str) else None
            if goal is None:
                errors[f"function.{i}"] = "Not one of this course's activities: use their text exactly."
                continue
            score = _score(item.get("score"), 0, 10)
            if score is None:
                errors[f"function.{i}"] = f"Rate “{goal}” from 0 (unable) to 10 (as before the problem)."
            elif goal in scores:
                errors[f"function.{i}"] = f"“{goal}” is rated twice."
            else:
                scores[goal] = score
        missing = [g for g in goals if g not in scores]
        if missing and not any(k.startswith("function") for k in errors):
            errors["function"] = "Rate every activity: " + "; ".join(missing) + "."
    change = data.get("global_change")
    if change is not None and change != "":
        change = _score(change, -3, 3)
        if change is None:
            errors["global_change"] = "Choose from −3 (very much worse) to +3 (very much improved)."
    else:
        change = None
    if errors:
        raise CheckInError(errors)
    return {"pain": pain, "function": [{"activity": g, "score": scores[g]} for g in goals], "global_change": change}


def window(appointment: Appointment) -> datetime:
    """When this session's check-in closes."""
    return as_utc(appointment.ends_at) + timedelta(hours=CHECKIN_CLOSES_HOURS)


def is_open(appointment: Appointment, now: datetime | None = None) -> bool:
    return (appointment.course_id is not None and appointment.status in ANSWERABLE
            and now_utc(now) < window(appointment))


def answer(appointment: Appointment, *, patient: User, data: Mapping, now: datetime | None = None) -> CheckIn:
    """Record (or replace) the check-in for this session. PermissionError for anyone but its patient
    or an appointment that is no course session; CheckInClosed; CheckInError. Commits."""
    if appointment.patient_id != patient.id or appointment.course_id is None:
        raise PermissionError("Only the patient of a course session can check in for it.")
    now = now_utc(now)
    course = db.session.get(Course, appointment.course_id)
    if appointment.status not in ANSWERABLE:
        raise CheckInClosed("This session is cancelled: there is nothing to check in for.")
    if now >= window(appointment):
        raise CheckInClosed(f"Check-ins close {CHECKIN_CLOSES_HOURS} hours after the session ends.")
    clean = validate(data, course.plan["goals"])
    existing = db.session.scalar(select(CheckIn).where(CheckIn.course_id == course.id,
                                                       CheckIn.session == appointment.course_session))
    if existing is None:
        existing = CheckIn(course_id=course.id, session=appointment.course_session, created_at=now)
        db.session.add(existing)
        action = "checkin.answered"
    else:
        action = "checkin.replaced"
    existing.appointment_id, existing.answers, existing.updated_at = appointment.id, clean, now
    db.session.flush()
    audit.record(action, "course", course.id, actor=patient, after={"session": appointment.course_session})
    db.session.commit()
    return existing


def answered_sessions(course: Course) -> set[int]:
    """Which sessions have a check-in (no answers are decrypted)."""
    return set(db.session.scalars(select(CheckIn.session).where(CheckIn.course_id == course.id)))


def read(course: Course, *, reader: User) -> list[CheckIn]:
    """Every check-in of the course, for its patient or practitioner only; audited. Commits."""
    if not is_party(course, reader):
        audit.record("checkins.read_denied", "course", course.id, actor=reader)
        db.session.commit()
        raise PermissionError("Only the patient and their practitioner can read these check-ins.")
    found = list(db.session.scalars(select(CheckIn).where(CheckIn.course_id == course.id)
                                    .order_by(CheckIn.session)))
    for item in found:
        item.answers  # decrypt now, inside the audited read  # noqa: B018
    audit.record("checkins.read", "course", course.id, actor=reader)
    db.session.commit()
    return found


def outcomes_of(course: Course, *, reader: User) -> outcomes.Outcomes:
    """The series in session order (the baseline is the earliest session's check-in); audited."""
    dates = {}
    for appointment in sessions_of(course):
        if appointment.course_session not in dates or appointment.status in ANSWERABLE:
            dates[appointment.course_session] = as_utc(appointment.starts_at).astimezone(
                outcomes_zone(course)).date().isoformat()
    points = [outcomes.Point(session=c.session, date=dates.get(c.session, ""), pain=c.answers["pain"],
                             function=outcomes.mean_function(c.answers), global_change=c.answers.get("global_change"))
              for c in read(course, reader=reader)]
    return outcomes.Outcomes(points)


def outcomes_zone(course: Course):
    return zone(course.clinic.timezone)
