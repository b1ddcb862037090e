"""A course booking racing single bookings for its own times: either the whole course is
booked and every single request for those times loses, or the course books nothing; never
an overlap. Real threads, each with its own connection, on SQLite and PostgreSQL."""
from __future__ import annotations

from directory.extensions import db
from directory.models import ACTIVE_STATUSES, Appointment, Course, Practitioner, User
from directory.services.booking import requests as booking
from directory.services.courses import series
from tests.booking_fixtures import NOW, overlapping_active_pairs, patient, request
from tests.course_fixtures import proposed_starts, setup
from tests.test_booking_concurrency import THREADS, race


def test_a_course_booking_racing_single_bookings_is_all_or_none(app):
    practitioner, someone, _, course = setup()
    starts = proposed_starts(course)
    ids = {"practitioner": practitioner.id, "course": course.id, "patient": someone.id}
    others = [patient().id for _ in range(THREADS)]

    def work(i: int):
        if i == 0:
            return ("course", len(series.book(db.session.get(Course, ids["course"]),
                                              patient=db.session.get(User, ids["patient"]), starts=starts, now=NOW)))
        target = starts[i % len(starts)]
        return ("single", request(db.session.get(User, others[i]),
                                  db.session.get(Practitioner, ids["practitioner"]), target).id)

    results = race(app, work)
    course_result = results[0]
    singles = [r for r in results[1:] if isinstance(r, tuple)]
    losers = [r for r in results[1:] if not isinstance(r, tuple)]
    assert all(isinstance(r, booking.SlotTaken) for r in losers), losers
    sessions = db.session.query(Appointment).filter(Appointment.course_id == course.id).all()
    if isinstance(course_result, tuple):
        assert course_result == ("course", 10) and len(sessions) == 10 and singles == []
    else:
        assert isinstance(course_result, series.SeriesError), course_result
        assert sessions == [] and singles
    active = db.session.query(Appointment).filter(Appointment.status.in_(ACTIVE_STATUSES)).count()
    assert active == len(sessions) + len(singles)
    assert overlapping_active_pairs() == []
