"""Proposing a treatment plan, and who may see it.

A plan is proposed by the practitioner of a confirmed or completed appointment with the
patient (the first visit it grows from); only that patient and that practitioner can find
it (anyone else, admins included, finds nothing: the same answer as for a course that does
not exist). Reading the goals and advice decrypts health data, so each read is audited.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus, Clinic, Course, CourseStatus, Practitioner, User
from directory.services import audit
from directory.services.booking.transactions import now_utc
from directory.services.courses import mail
from directory.services.search.profiles import MAX_ID

DEFAULT_SESSIONS, DEFAULT_REVIEW = 10, 5
MIN_SESSIONS, MAX_SESSIONS = 2, 20
MIN_WEEKS, MAX_WEEKS = 1, 26
MAX_PER_WEEK = 3
MAX_GOALS, MAX_GOAL_LENGTH = 3, 200
MAX_ADVICE_LENGTH = 2000
OPEN = (CourseStatus.PROPOSED, CourseStatus.BOOKED, CourseStatus.UNDER_REVIEW)
ORIGIN_STATUSES = (AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED)


class PlanError(ValueError):
    """``errors`` maps a field (sessions, weeks, review_after, goals, advice, clinic_id...) to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def default_weeks(sessions: int) -> int:
    """Twice a week for three weeks, then weekly (Cherkin 2009): ten sessions take seven weeks."""
    if sessions <= 6:
        return max(1, (sessions + 1) // 2)
    return 3 + (sessions - 6)


def _whole(value, field: str, low: int, high: int, errors: dict[str, str]) -> int | None:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) < 4:
        value = int(value.strip())
    if type(value) is not int or not low <= value <= high:
        errors[field] = f"Choose a whole number from {low} to {high}."
        return None
    return value


def _clean_text(value, field: str, max_length: int, errors: dict[str, str]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[field] = "Enter text."
        return ""
    value = value.strip().replace("\r\n", "\n")
    if len(value) > max_length:
        errors[field] = f"Keep this to {max_length} characters or fewer (it is {len(value)})."
    elif any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
        errors[field] = "Remove the control characters from this text."
    return value


def validate_plan(data: Mapping) -> dict:
    """{"sessions", "weeks", "review_after", "goals", "advice"} cleaned; PlanError lists every problem."""
    errors: dict[str, str] = {}
    sessions = _whole(data.get("sessions", DEFAULT_SESSIONS), "sessions", MIN_SESSIONS, MAX_SESSIONS, errors)
    weeks_raw = data.get("weeks")
    weeks = _whole(weeks_raw if weeks_raw not in (None, "") else default_weeks(sessions or DEFAULT_SESSIONS),
                   "weeks", MIN_WEEKS, MAX_WEEKS, errors)
    if sessions and weeks and sessions > MAX_PER_WEEK * weeks:
        errors["weeks"] = (f"{sessions} sessions in {weeks} week{'s' if weeks > 1 else ''} is more than "
                           f"{MAX_PER_WEEK} a week: spread them over at least {-(-sessions // MAX_PER_WEEK)} weeks.")
    review_raw = data.get("review_after")
    review = _whole(review_raw if review_raw not in (None, "") else min(DEFAULT_REVIEW, sessions or DEFAULT_REVIEW),
                    "review_after", 1, sessions or MAX_SESSIONS, errors)
    goals_raw = data.get("goals") or []
    goals: list[str] = []
    if not isinstance(goals_raw, list):
        errors["goals"] = "Send the goals as a list of up to three activities."
    else:
        for i, goal in enumerate(goals_raw):
            text = _clean_text(goal, f"goals.{i}", MAX_GOAL_LENGTH, errors)
            if text:
                goals.append(text)
        if len(goals) > MAX_GOALS:
            errors["goals"] = f"Choose at most {MAX_GOALS} activities."
        elif not goals and "goals" not in errors:
            errors["goals"] = "Name at least one everyday activity the patient finds hard, like walking 30 minutes."
        elif len({g.casefold() for g in goals}) != len(goals):
            errors["goals"] = "Each activity must be different."
    advice = _clean_text(data.get("advice"), "advice", MAX_ADVICE_LENGTH, errors)
    if errors:
        raise PlanError(errors)
    return {"sessions": sessions, "weeks": weeks, "review_after": review, "goals": goals, "advice": advice}


def propose(origin: Appointment, *, by: User, data: Mapping, clinic_id: int | None = None,
            now: datetime | None = None) -> Course:
    """PermissionError unless ``by`` is the origin appointment's practitioner; PlanError for bad
    input or a visit a plan cannot grow from. Commits."""
    if origin.practitioner.user_id != by.id:
        raise PermissionError("Only the appointment's practitioner can propose a plan.")
    clean = validate_plan(data)
    errors: dict[str, str] = {}
    if origin.status not in ORIGIN_STATUSES:
        errors["appointment_id"] = "A plan grows from a confirmed or completed visit."
    elif origin.course_id is not None:
        errors["appointment_id"] = "This visit is a session of a course already."
    wanted = clinic_id or origin.clinic_id
    clinic = db.session.get(Clinic, wanted) if 0 < wanted <= MAX_ID else None
    if clinic is None or clinic.practitioner_id != origin.practitioner_id:
        errors["clinic_id"] = "Choose one of your clinics."
    if db.session.scalar(select(Course.id).where(Course.origin_appointment_id == origin.id,
                                                 Course.status.in_(OPEN)).limit(1)) is not None:
        errors["appointment_id"] = "A plan from this visit is already open: change that one instead."
    if errors:
        raise PlanError(errors)
    now = now_utc(now)
    course = Course(practitioner_id=origin.practitioner_id, patient_id=origin.patient_id, clinic_id=clinic.id,
                    origin_appointment_id=origin.id, sessions=clean["sessions"], weeks=clean["weeks"],
                    review_after=clean["review_after"], status=CourseStatus.PROPOSED,
                    plan={"goals": clean["goals"], "advice": clean["advice"]}, created_at=now, updated_at=now)
    db.session.add(course)
    db.session.flush()
    audit.record("course.proposed", "course", course.id, actor=by,
                 after={"sessions": course.sessions, "weeks": course.weeks, "review_after": course.review_after,
                        "clinic_id": clinic.id, "origin_appointment_id": origin.id})
    mail.proposed(course)
    db.session.commit()
    return course


# --- finding and reading ---------------------------------------------------------------------

def _get(course_id: int | None) -> Course | None:
    if course_id is None or not 0 < course_id <= MAX_ID:
        return None
    return db.session.get(Course, course_id)


def is_party(course: Course, user: User) -> bool:
    return user.is_authenticated and user.id in (course.patient_id, course.practitioner.user_id)


def course_for(course_id: int | None, user: User) -> Course | None:
    """The course when ``user`` is its patient or its practitioner; None for anyone else."""
    found = _get(course_id)
    return found if found is not None and is_party(found, user) else None


def courses_for(user: User) -> list[Course]:
    """The user's courses as patient or practitioner, newest first (plans stay encrypted)."""
    return list(db.session.scalars(
        select(Course).where((Course.patient_id == user.id)
                             | Course.practitioner.has(Practitioner.user_id == user.id))
        .order_by(Course.created_at.desc(), Course.id.desc())))


def read_plan(course: Course, *, reader: User) -> dict:
    """Goals and advice, for the course's patient or practitioner only; audited. Commits."""
    if not is_party(course, reader):
        audit.record("course.read_denied", "course", course.id, actor=reader)
        db.session.commit()
        raise PermissionError("Only the patient and their practitioner can read this plan.")
    plan = course.plan
    audit.record("course.read", "course", course.id, actor=reader)
    db.session.commit()
    return plan


def open_course_for_origin(origin: Appointment) -> Course | None:
    return db.session.scalar(select(Course).where(Course.origin_appointment_id == origin.id,
                                                  Course.status.in_(OPEN)).limit(1))
