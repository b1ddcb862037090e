"""The demo course: the demo patient can be taken through a course in `make run`."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from directory.extensions import db
from directory.models import Course, User
from directory.services.demo import seed as demo
from directory.services.demo.generator import DEMO_DOMAIN
from directory.services.courses import checkins, series
from tests.helpers_auth import login_as


def demo_user(role: str) -> User:
    return db.session.scalar(select(User).where(User.email == f"{role}@{DEMO_DOMAIN}"))


def test_the_demo_patient_has_a_course_with_check_ins_and_an_open_review_check_in(app, client):
    demo.seed(0, 1, today=date.today())
    demo.seed(0, 1, today=date.today())  # again: still one course
    patient = demo_user("patient")
    courses = db.session.scalars(select(Course).where(Course.patient_id == patient.id)).all()
    assert len(courses) == 1
    course = courses[0]
    result = checkins.outcomes_of(course, reader=patient)
    assert result.baseline.pain == 7 and len(result.series) >= 3
    review = series.booked_sessions(course)[course.review_after]
    assert checkins.is_open(review)
    login_as(client, patient)
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "<svg" in page and f"/appointments/{review.id}/check-in" in page
