"""Shared data for the course tests: a practitioner open every day, a patient seen once, a plan."""
from __future__ import annotations

from datetime import timedelta

from directory.extensions import db
from directory.services.courses import cadence, plans, series
from tests.booking_fixtures import NOW, patient, practitioner_with_hours, seen_before

GOALS = ["Walking 30 minutes", "Sitting through a work day", "Sleeping through the night"]
PLAN = {"sessions": 10, "weeks": 7, "review_after": 5, "goals": GOALS,
        "advice": "Walk daily; physical therapy exercises twice a week."}


def setup(**plan_overrides):
    """(practitioner, patient, origin visit, proposed course) with a 90-day booking horizon."""
    practitioner = practitioner_with_hours(horizon_days=90)
    someone = patient()
    origin = seen_before(someone, practitioner)
    course = plans.propose(origin, by=practitioner.user, data={**PLAN, **plan_overrides}, now=NOW)
    return practitioner, someone, origin, course


def proposed_starts(course, now=NOW):
    proposal = cadence.propose_times(course, now=now)
    return [item.start or item.alternatives[0].start for item in proposal]


def book(course, someone, now=NOW):
    return series.book(course, patient=someone, starts=proposed_starts(course, now), now=now)


def after(session_appointment, hours: float = 1):
    """A moment ``hours`` after the session started."""
    return session_appointment.starts_at.replace(tzinfo=NOW.tzinfo) + timedelta(hours=hours)


def refresh(*objects):
    for item in objects:
        db.session.refresh(item)
