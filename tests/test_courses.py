"""Treatment courses as services: proposing, the cadence, all-or-none booking, check-ins, review."""
from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select, text

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus, AuditEvent, CheckIn, CourseStatus
from directory.services.booking import jobs as booking_jobs
from directory.services.booking import requests as booking
from directory.services.booking import reschedule
from directory.services.courses import cadence, checkins, jobs, outcomes, plans, review, series
from tests import factories
from tests.booking_fixtures import LA, NOW, outbox, patient, request
from tests.course_fixtures import GOALS, PLAN, after, book, proposed_starts, setup


def answers(pain, scores=(3, 4, 5)):
    return {"pain": pain, "function": [{"activity": g, "score": s} for g, s in zip(GOALS, scores)]}


def test_a_plan_with_40_sessions_a_long_activity_or_a_late_review_is_refused_with_every_reason(app):
    with pytest.raises(plans.PlanError) as caught:
        plans.validate_plan({"sessions": 40, "goals": ["x" * 2000], "review_after": 41})
    assert set(caught.value.errors) == {"sessions", "goals.0", "review_after"}
    with pytest.raises(plans.PlanError) as caught:
        plans.validate_plan({"sessions": 10, "weeks": 2, "goals": ["Walking"]})
    assert "more than 3 a week" in caught.value.errors["weeks"]


def test_the_defaults_are_ten_sessions_over_seven_weeks_reviewed_at_the_fifth(app):
    clean = plans.validate_plan({"goals": ["Walking 30 minutes"]})
    assert (clean["sessions"], clean["weeks"], clean["review_after"]) == (10, 7, 5)


def test_only_the_practitioner_of_the_visit_can_propose_a_plan(app):
    practitioner, someone, origin, _ = setup()
    other = factories.create_practitioner()
    with pytest.raises(PermissionError):
        plans.propose(origin, by=other.user, data=PLAN, now=NOW)
    with pytest.raises(PermissionError):
        plans.propose(origin, by=someone, data=PLAN, now=NOW)


def test_a_plan_cannot_grow_from_a_request_nobody_confirmed(app):
    practitioner, someone, origin, _ = setup()
    pending = request(patient(), practitioner, NOW + timedelta(days=3, hours=1))
    with pytest.raises(plans.PlanError) as caught:
        plans.propose(pending, by=practitioner.user, data=PLAN, now=NOW)
    assert "confirmed or completed" in caught.value.errors["appointment_id"]


def test_goals_are_encrypted_at_rest(app):
    _, _, _, course = setup()
    raw = db.session.execute(text("SELECT plan FROM course WHERE id = :id"), {"id": course.id}).scalar()
    assert "Walking" not in raw and "physical therapy" not in raw


def test_sessions_are_spread_twice_weekly_for_three_weeks_then_weekly():
    assert cadence.week_counts(10, 7) == [2, 2, 2, 1, 1, 1, 1]
    assert cadence.week_counts(12, 8) == [2, 2, 2, 2, 1, 1, 1, 1]
    assert cadence.week_counts(2, 4) == [1, 0, 1, 0]


def test_the_cadence_keeps_the_wall_clock_time_across_the_daylight_saving_change(app):
    _, _, _, course = setup()
    proposal = cadence.propose_times(course, now=NOW)
    assert [p.session for p in proposal] == list(range(1, 11))
    assert all(p.start is not None for p in proposal)
    local = [p.start.astimezone(LA) for p in proposal]
    assert {t.time() for t in local} == {local[0].time()}
    # 8 March 2026 moves the clocks forward: the same wall time is an hour earlier in UTC after it.
    assert local[0].utcoffset() != local[-1].utcoffset()
    assert {p.start.hour for p in proposal} == {local[0].hour + 8, local[0].hour + 7}
    weekdays = [t.weekday() for t in local]
    assert weekdays[0] == weekdays[2] == weekdays[4] == weekdays[6] and weekdays[1] == (weekdays[0] + 3) % 7


def test_a_session_whose_time_is_taken_is_proposed_with_alternatives(app):
    practitioner, _, _, course = setup()
    third = cadence.propose_times(course, now=NOW)[2].start
    request(patient(), practitioner, third)
    proposal = cadence.propose_times(course, now=NOW)
    assert proposal[2].start is None and proposal[2].alternatives
    assert third not in [a.start for a in proposal[2].alternatives]
    chosen = {p.start for p in proposal if p.start}
    assert not chosen & {a.start for a in proposal[2].alternatives}


def test_booking_a_course_confirms_every_session_numbered_in_order(app):
    practitioner, someone, origin, course = setup()
    created = book(course, someone)
    assert [a.course_session for a in created] == list(range(1, 11))
    assert {a.status for a in created} == {AppointmentStatus.CONFIRMED}
    assert origin.course_id is None
    db.session.refresh(course)
    assert course.status is CourseStatus.BOOKED


def test_one_taken_time_books_nothing_and_names_the_session(app):
    practitioner, someone, _, course = setup()
    starts = proposed_starts(course)
    request(patient(), practitioner, starts[6])
    with pytest.raises(series.SeriesError) as caught:
        series.book(course, patient=someone, starts=starts, now=NOW)
    assert caught.value.code == "slot_taken" and list(caught.value.sessions) == [7]
    assert db.session.scalars(select(Appointment).where(Appointment.course_id == course.id)).all() == []
    db.session.refresh(course)
    assert course.status is CourseStatus.PROPOSED


def test_a_time_off_the_grid_books_nothing(app):
    _, someone, _, course = setup()
    starts = proposed_starts(course)
    starts[3] = starts[3] + timedelta(minutes=7)
    with pytest.raises(series.SeriesError) as caught:
        series.book(course, patient=someone, starts=starts, now=NOW)
    assert caught.value.code == "invalid_slot" and list(caught.value.sessions) == [4]
    assert db.session.scalars(select(Appointment).where(Appointment.course_id == course.id)).all() == []


def test_only_the_courses_patient_can_book_it(app):
    _, _, _, course = setup()
    with pytest.raises(PermissionError):
        series.book(course, patient=patient(), starts=proposed_starts(course), now=NOW)


def test_cancelling_one_session_leaves_the_others(app):
    _, someone, _, course = setup()
    created = book(course, someone)
    booking.cancel(created[3], by=someone, now=NOW)
    live = series.booked_sessions(course)
    assert sorted(live) == [1, 2, 3, 5, 6, 7, 8, 9, 10]
    assert all(a.status is AppointmentStatus.CONFIRMED for a in live.values())


def test_a_rescheduled_session_stays_the_same_session_of_the_course(app):
    _, someone, _, course = setup()
    created = book(course, someone)
    target = cadence.propose_times(course, now=NOW)[1].alternatives[0].start
    moved = reschedule.reschedule(created[1], patient=someone, new_start=target, now=NOW)
    assert (moved.course_id, moved.course_session) == (course.id, 2)


def test_a_check_in_replaces_the_earlier_answer_and_is_encrypted(app):
    _, someone, _, course = setup()
    first = book(course, someone)[0]
    checkins.answer(first, patient=someone, data=answers(7), now=NOW)
    checkins.answer(first, patient=someone, data=answers(6), now=NOW)
    rows = db.session.scalars(select(CheckIn)).all()
    assert len(rows) == 1 and rows[0].answers["pain"] == 6
    raw = db.session.execute(text("SELECT answers FROM check_in")).scalar()
    assert "Walking" not in raw and '"pain"' not in raw


@pytest.mark.parametrize("data, field", [
    ({"pain": 11, "function": [{"activity": g, "score": 3} for g in GOALS]}, "pain"),
    ({"pain": 5, "function": [{"activity": GOALS[0], "score": 3}]}, "function"),
    ({"pain": 5, "function": [{"activity": "Dancing", "score": 3}] * 3}, "function.0"),
    ({"pain": 5, "function": [{"activity": g, "score": 3} for g in GOALS], "global_change": 4}, "global_change"),
])
def test_a_bad_check_in_is_refused_with_the_field_named(app, data, field):
    _, someone, _, course = setup()
    first = book(course, someone)[0]
    with pytest.raises(checkins.CheckInError) as caught:
        checkins.answer(first, patient=someone, data=data, now=NOW)
    assert field in caught.value.errors
    assert db.session.scalars(select(CheckIn)).all() == []


def test_a_check_in_closes_a_day_after_the_session_and_is_only_for_its_patient(app):
    _, someone, _, course = setup()
    first = book(course, someone)[0]
    with pytest.raises(PermissionError):
        checkins.answer(first, patient=patient(), data=answers(5), now=NOW)
    checkins.answer(first, patient=someone, data=answers(5), now=after(first, 24.5))
    with pytest.raises(checkins.CheckInClosed):
        checkins.answer(first, patient=someone, data=answers(5), now=after(first, 25.8))


def test_outcomes_compare_the_latest_check_in_with_the_first_and_every_read_is_audited(app):
    practitioner, someone, _, course = setup()
    created = book(course, someone)
    checkins.answer(created[0], patient=someone, data=answers(7, (2, 3, 4)), now=NOW)
    checkins.answer(created[1], patient=someone, data=answers(4, (3, 3, 4)), now=NOW)
    result = checkins.outcomes_of(course, reader=practitioner.user)
    assert (result.pain_change, result.function_change) == (-3, pytest.approx(1 / 3))
    assert result.pain_meaningful and not result.function_meaningful and result.meaningful
    reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "checkins.read")).all()
    assert [e.actor_id for e in reads] == [practitioner.user_id]
    admin = factories.create_user(role=factories.Role.ADMIN)
    with pytest.raises(PermissionError):
        checkins.outcomes_of(course, reader=admin)


def test_stopping_at_review_cancels_the_remaining_sessions_and_tells_both_once(app):
    practitioner, someone, _, course = setup()
    created = book(course, someone)
    before = len(outbox())
    review.decide(course, by=practitioner.user, decision="stop", reason="Not helping", now=after(created[4]))
    statuses = [a.status for a in series.sessions_of(course)]
    assert statuses[:5] == [AppointmentStatus.CONFIRMED] * 5
    assert statuses[5:] == [AppointmentStatus.CANCELLED] * 5
    db.session.refresh(course)
    assert course.status is CourseStatus.STOPPED
    sent = outbox()[before:]
    assert len(sent) == 2 and all("Not helping" not in m.body for m in sent)


def test_extending_without_improvement_needs_a_recorded_reason(app):
    practitioner, someone, _, course = setup()
    created = book(course, someone)
    checkins.answer(created[0], patient=someone, data=answers(7), now=NOW)
    checkins.answer(created[4], patient=someone, data=answers(6), now=NOW)
    with pytest.raises(review.DecisionError) as caught:
        review.decide(course, by=practitioner.user, decision="extend", added_sessions=5, now=NOW)
    assert "reason" in caught.value.errors
    review.decide(course, by=practitioner.user, decision="extend", added_sessions=5,
                  reason="Sleep improving; patient asks to go on", now=NOW)
    db.session.refresh(course)
    assert course.sessions == 15 and series.first_unbooked(course) == 11


def test_the_review_gate_puts_a_course_without_meaningful_change_under_review(app):
    practitioner, someone, _, course = setup()
    created = book(course, someone)
    checkins.answer(created[0], patient=someone, data=answers(7), now=NOW)
    checkins.answer(created[3], patient=someone, data=answers(6), now=NOW)
    before = len(outbox())
    assert jobs.run(now=created[4].starts_at - timedelta(hours=30))["review_notices"] == 1
    assert jobs.run(now=created[4].starts_at - timedelta(hours=29))["review_notices"] == 0
    db.session.refresh(course)
    assert course.status is CourseStatus.UNDER_REVIEW
    assert len(outbox()) - before == 2


def test_one_nudge_for_a_missed_check_in_and_never_more(app):
    _, someone, _, course = setup()
    created = book(course, someone)
    assert jobs.run(now=after(created[0], 0.5))["nudges"] == 1
    assert jobs.run(now=after(created[0], 2))["nudges"] == 0
    checkins.answer(created[1], patient=someone, data=answers(5), now=NOW)
    assert jobs.run(now=after(created[1], 0.5))["nudges"] == 0


def test_the_reminder_of_a_course_session_links_to_its_check_in(app):
    app.config["PUBLIC_BASE_URL"] = "https://meridian.test"
    _, someone, _, course = setup()
    created = book(course, someone)
    booking_jobs.send_reminders(now=created[0].starts_at - timedelta(hours=2))
    reminder = outbox()[-1]
    assert f"/appointments/{created[0].id}/check-in" in reminder.body and "session 1" in reminder.body


@pytest.mark.parametrize("baseline, latest, meaningful", [
    (7, 5, False),   # 2 points but 29 %: short of 30 %
    (10, 8, False),  # 2 points but 20 % (the example says otherwise; its stated rule, and Ostelo, say this)
    (10, 7, True),   # 3 points and exactly 30 %
    (7, 4, True),    # 3 points, 43 %
    (3, 2, False),   # 33 % but only 1 point
    (2, 0, True),    # 2 points, 100 %
    (0, 0, False),
])
def test_pain_is_meaningfully_lower_only_at_two_points_and_thirty_percent(baseline, latest, meaningful):
    assert outcomes.pain_meaningful(baseline, latest) is meaningful


@pytest.mark.parametrize("baseline, latest, meaningful", [
    (Fraction(10, 3), Fraction(16, 3), True),    # exactly 2 points up on the mean
    (Fraction(10, 3), Fraction(15, 3), False),   # 1.67
    (Fraction(4), Fraction(6), True),
])
def test_function_is_meaningfully_better_at_two_points_on_the_mean(baseline, latest, meaningful):
    assert outcomes.function_meaningful(baseline, latest) is meaningful


def test_the_progress_sentence_says_the_change_in_plain_words():
    result = outcomes.Outcomes([outcomes.Point(1, "", 7, Fraction(3)), outcomes.Point(2, "", 4, Fraction(4))])
    assert outcomes.sentence(result) == (
        "Your pain is 3 points (43%) lower than when you started — a meaningful improvement. "
        "Daily activities are 1 point easier on average — not yet a meaningful change.")


def test_a_waiting_new_time_does_not_stand_in_for_the_confirmed_session_it_would_replace(app):
    _, someone, _, course = setup()
    created = book(course, someone)
    target = cadence.propose_times(course, now=NOW)[1].alternatives[0].start
    moved = reschedule.reschedule(created[1], patient=someone, new_start=target, now=NOW)
    assert moved.status is AppointmentStatus.REQUESTED
    assert series.booked_sessions(course)[2].id == created[1].id
