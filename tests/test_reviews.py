"""Verified reviews, without HTTP: who may write one, how often, replies and moderation."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import AppointmentStatus, AuditEvent, Role
from directory.services.reviews import reviews
from directory.services.reviews.reviews import ReviewError
from tests import factories
from tests.booking_fixtures import NOW, patient, practitioner_with_hours, seen_before


@pytest.fixture
def visit(app):
    return seen_before(patient(name="Mei Lin Chen"), practitioner_with_hours())


def test_the_patient_of_an_attended_visit_reviews_it_shown_with_first_name_and_initial(visit):
    review = reviews.write(visit, visit.patient, rating=5, text="Helped a lot", now=NOW)
    assert review.author == "Mei C." and review.visit_month.day == 1
    assert reviews.summary(visit.practitioner_id) == reviews.Summary(5.0, 1)


def test_a_patient_may_stay_anonymous(visit):
    assert reviews.write(visit, visit.patient, rating=4, show_name=False, now=NOW).author == "Verified patient"


@pytest.mark.parametrize("status", [AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED,
                                    AppointmentStatus.DECLINED, AppointmentStatus.REQUESTED])
def test_no_review_without_an_attended_visit(visit, status):
    visit.status = status
    db.session.commit()
    with pytest.raises(ReviewError) as caught:
        reviews.write(visit, visit.patient, rating=5, now=NOW)
    assert caught.value.code == "not_found"


def test_nobody_else_can_review_someone_elses_visit(visit):
    with pytest.raises(ReviewError) as caught:
        reviews.write(visit, patient(), rating=1, now=NOW)
    assert caught.value.code == "not_found"


def test_one_review_per_practitioner_per_90_days(visit):
    reviews.write(visit, visit.patient, rating=4, now=NOW)
    later = seen_before(visit.patient, visit.practitioner, now=NOW + timedelta(days=20))
    with pytest.raises(ReviewError) as caught:
        reviews.write(later, visit.patient, rating=5, now=NOW + timedelta(days=89))
    assert caught.value.code == "conflict"
    assert reviews.write(later, visit.patient, rating=5, now=NOW + timedelta(days=90)).rating == 5


@pytest.mark.parametrize("rating", [0, 6, "5", 4.5, True, None])
def test_a_rating_is_a_whole_number_from_1_to_5(visit, rating):
    with pytest.raises(ReviewError) as caught:
        reviews.write(visit, visit.patient, rating=rating, now=NOW)
    assert (caught.value.code, caught.value.field) == ("invalid_parameter", "rating")


def test_text_is_at_most_2000_characters(visit):
    with pytest.raises(ReviewError):
        reviews.write(visit, visit.patient, rating=3, text="x" * 2001, now=NOW)
    assert reviews.write(visit, visit.patient, rating=3, text="x" * 2000, now=NOW)


def test_the_practitioner_replies_once(visit):
    review = reviews.write(visit, visit.patient, rating=2, now=NOW)
    with pytest.raises(PermissionError):
        reviews.reply(review, practitioner_with_hours().user, "Thanks")
    reviews.reply(review, visit.practitioner.user, "Thank you for the feedback")
    with pytest.raises(ReviewError):
        reviews.reply(review, visit.practitioner.user, "Again")


def test_admins_hide_and_restore_with_a_reason_and_hidden_reviews_do_not_count(visit):
    review = reviews.write(visit, visit.patient, rating=1, text="Rude", now=NOW)
    reviews.flag(review, None, "Names a staff member")
    assert reviews.flagged() == [review]
    admin = factories.create_user(role=Role.ADMIN)
    with pytest.raises(ReviewError):
        reviews.set_hidden(review, admin, hidden=True, reason="")
    reviews.set_hidden(review, admin, hidden=True, reason="Personal details")
    assert reviews.summary(visit.practitioner_id) is None and reviews.flagged() == []
    reviews.set_hidden(review, admin, hidden=False, reason="Edited by author")
    assert reviews.summary(visit.practitioner_id).count == 1
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "review")).all()
    assert {"review.hide", "review.restore"} <= set(actions)


def test_a_patient_may_show_their_own_measured_change_from_a_course(app):
    from directory.services.courses import checkins
    from directory.services.reviews.measured import measured_change
    from tests.course_fixtures import GOALS, book, setup

    practitioner, someone, origin, course = setup()
    assert measured_change(someone, practitioner.id) is None  # a plan with no check-ins yet
    sessions = book(course, someone)
    for session, pain in ((sessions[0], 7), (sessions[7], 3)):
        checkins.answer(session, patient=someone, now=session.starts_at.replace(tzinfo=NOW.tzinfo),
                        data={"pain": pain, "function": [{"activity": g, "score": 5} for g in GOALS]})
    change = measured_change(someone, practitioner.id)
    assert change == "pain 7 → 3 over 8 sessions"
    shown = reviews.write(origin, someone, rating=5, measured_change=change, now=NOW)
    assert shown.measured_change == change
    assert measured_change(patient(), practitioner.id) is None
