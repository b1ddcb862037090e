"""The cron side of courses, run with the reminders (`flask appointments remind`):

- review notices: once per course, when the review session is within REVIEW_NOTICE_HOURS, both
  sides are emailed (no outcomes in the email) and, if neither measure has reached a meaningful
  change, the course goes under review until the practitioner records a decision;
- check-in nudges: one per session, once the session has started without a check-in and while
  the check-in is still open; with the reminder (booking_jobs) that makes two emails a session,
  never more;
- completion: a booked course whose sessions have all been booked and whose last check-in
  window has closed is completed.
Each row moves with a compare-and-swap, so two runs at once send nothing twice.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select, update

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus, CheckIn, Course, CourseStatus
from directory.models._types import as_utc
from directory.services import audit
from directory.services.booking.transactions import now_utc, write_transaction
from directory.services.courses import checkins, mail, outcomes
from directory.services.courses.series import booked_sessions, first_unbooked

REVIEW_NOTICE_HOURS = 48


def _system_outcomes(course: Course) -> outcomes.Outcomes:
    """Outcomes for the review gate, read by the job itself (audited with no actor)."""
    rows = db.session.scalars(select(CheckIn).where(CheckIn.course_id == course.id).order_by(CheckIn.session))
    points = [outcomes.Point(c.session, "", c.answers["pain"], outcomes.mean_function(c.answers)) for c in rows]
    audit.record("checkins.read", "course", course.id, reason="review gate")
    return outcomes.Outcomes(points)


def review_notices(now: datetime) -> int:
    sent = 0
    for course in db.session.scalars(select(Course).where(Course.status == CourseStatus.BOOKED,
                                                          Course.review_notice_at.is_(None))).all():
        review = booked_sessions(course).get(course.review_after)
        if review is None or review.status is not AppointmentStatus.CONFIRMED:
            continue
        start = as_utc(review.starts_at)
        if not now < start <= now + timedelta(hours=REVIEW_NOTICE_HOURS):
            continue
        status = CourseStatus.BOOKED if _system_outcomes(course).meaningful else CourseStatus.UNDER_REVIEW
        moved = db.session.execute(update(Course).where(Course.id == course.id, Course.review_notice_at.is_(None))
                                   .values(review_notice_at=now, status=status, updated_at=now)
                                   .execution_options(synchronize_session=False)).rowcount
        if moved:
            db.session.refresh(course)
            audit.record("course.review_due", "course", course.id, after={"status": status})
            mail.review_notice(course, review)
            sent += 1
    return sent


def checkin_nudges(now: datetime) -> int:
    answered = exists().where(CheckIn.course_id == Appointment.course_id,
                              CheckIn.session == Appointment.course_session)
    due = db.session.scalars(select(Appointment).where(
        Appointment.course_id.is_not(None), Appointment.checkin_nudged_at.is_(None),
        Appointment.status.in_(checkins.ANSWERABLE), Appointment.starts_at <= now,
        Appointment.ends_at > now - timedelta(hours=checkins.CHECKIN_CLOSES_HOURS), ~answered)
        .order_by(Appointment.starts_at, Appointment.id)).all()
    sent = 0
    for appointment in due:
        moved = db.session.execute(update(Appointment).where(
            and_(Appointment.id == appointment.id, Appointment.checkin_nudged_at.is_(None)))
            .values(checkin_nudged_at=now).execution_options(synchronize_session=False)).rowcount
        if moved:
            mail.checkin_nudge(appointment)
            sent += 1
    return sent


def complete_courses(now: datetime) -> int:
    done = 0
    for course in db.session.scalars(select(Course).where(Course.status == CourseStatus.BOOKED)).all():
        sessions = booked_sessions(course)
        if first_unbooked(course) is not None or not sessions:
            continue
        if all(as_utc(a.ends_at) + timedelta(hours=checkins.CHECKIN_CLOSES_HOURS) <= now for a in sessions.values()):
            course.status, course.updated_at = CourseStatus.COMPLETED, now
            audit.record("course.completed", "course", course.id, after={"status": CourseStatus.COMPLETED})
            done += 1
    return done


def run(*, now: datetime | None = None) -> dict[str, int]:
    """Every course job once. Commits."""
    now = now_utc(now)
    with write_transaction():
        return {"review_notices": review_notices(now), "nudges": checkin_nudges(now),
                "completed": complete_courses(now)}
