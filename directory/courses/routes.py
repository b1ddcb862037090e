"""Course pages: a practitioner proposes a plan from a visit; the patient reads it, books every
session at once and checks in before each; both follow progress. A course, or a session, that
is not the visitor's own is a 404, admins included."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from directory.courses import bp, chart
from directory.courses.forms import (DecisionForm, ProposeForm, book_form, check_in_form, check_in_values)
from directory.models import Course, CourseStatus, Role
from directory.models._types import utcnow
from directory.services.booking import queries as booking
from directory.services.booking.calendar_files import when
from directory.services.courses import cadence, checkins, outcomes, plans, review, series
from directory.web import config_limit, form_errors


def _me():
    return current_user._get_current_object()


def _course(course_id: int) -> Course:
    found = plans.course_for(course_id, _me())
    if found is None:
        abort(404)
    return found


def _patients(course_id: int) -> Course:
    found = _course(course_id)
    if found.patient_id != _me().id:
        abort(404)
    return found


@bp.get("/courses")
@login_required
def courses():
    if current_user.role is Role.ADMIN:
        abort(404)
    return render_template("courses/list.html", courses=plans.courses_for(_me()), CourseStatus=CourseStatus,
                           completion=review.completion_text)


@bp.route("/courses/new/<int:appointment_id>", methods=["GET", "POST"])
@login_required
@config_limit("BOOKING_RATE_LIMIT")
def propose(appointment_id: int):
    origin = booking.practitioners_appointment(appointment_id, _me())
    if origin is None:
        abort(404)
    form = ProposeForm()
    form.clinic.choices = [SelectChoice(c.id, f"{c.name}, {c.city}") for c in origin.practitioner.clinics]
    if request.method == "GET":
        form.clinic.data = origin.clinic_id
    problems: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            found = plans.propose(origin, by=_me(), data=form.values(), clinic_id=form.clinic.data)
        except plans.PlanError as error:
            problems = {("goal_1" if k.startswith("goals") else k): v for k, v in error.errors.items()}
        else:
            flash(f"The plan is proposed. {origin.patient.name or 'The patient'} has been emailed a link to it.",
                  "success")
            return redirect(url_for("courses.course", course_id=found.id))
    errors = {**form_errors(form), **problems}
    existing = plans.open_course_for_origin(origin)
    status = 400 if errors else 200
    return render_template("courses/propose.html", form=form, errors=errors, origin=origin, existing=existing,
                           when=when), status


@bp.get("/courses/<int:course_id>")
@login_required
def course(course_id: int):
    found = _course(course_id)
    me, now = _me(), utcnow()
    plan = plans.read_plan(found, reader=me)
    result = checkins.outcomes_of(found, reader=me)
    is_patient = found.patient_id == me.id
    summary = outcomes.sentence(result, you=is_patient)
    sessions = series.sessions_of(found)
    return render_template(
        "courses/course.html", course=found, plan=plan, result=result, summary=summary, is_patient=is_patient,
        chart=chart.svg(result, summary), sessions=sessions, answered=checkins.answered_sessions(found),
        open_check_in=lambda a: checkins.is_open(a, now), when=when, points=outcomes.points,
        decisions=review.decisions(found, reader=me), labels=review.LABELS,
        first_unbooked=series.first_unbooked(found), bookable=found.status in series.BOOKABLE,
        completion=review.completion_text(found, now), change_labels=outcomes.global_change_labels(),
        decision_form=DecisionForm(), thresholds=outcomes.thresholds(), CourseStatus=CourseStatus)


@bp.route("/courses/<int:course_id>/book", methods=["GET", "POST"])
@login_required
@config_limit("BOOKING_RATE_LIMIT")
def book(course_id: int):
    found = _patients(course_id)
    first = series.first_unbooked(found)
    if first is None or found.status not in series.BOOKABLE:
        flash("There is nothing left to book in this course.", "info")
        return redirect(url_for("courses.course", course_id=found.id))
    proposal = cadence.propose_times(found, first_session=first)
    form = book_form(proposal)
    zone = found.clinic.timezone
    for item in proposal:
        options = ([item.start] if item.start else []) + [s.start for s in item.alternatives]
        getattr(form, f"session_{item.session}").choices = [SelectChoice(o.isoformat(), when(o, zone)) for o in options]
        if request.method == "GET" and options:
            getattr(form, f"session_{item.session}").data = options[0].isoformat()
    problem, failed = None, {}
    if form.validate_on_submit():
        starts = [datetime.fromisoformat(getattr(form, f"session_{item.session}").data) for item in proposal]
        try:
            series.book(found, patient=_me(), starts=starts)
        except series.SeriesError as error:
            problem, failed = error.message, error.sessions
        except series.CourseStateError as error:
            problem = error.message
        else:
            flash("Your course is booked. Answer your first check-in now: it is the baseline your progress "
                  "is measured against.", "success")
            return redirect(url_for("courses.course", course_id=found.id))
    errors = {**form_errors(form), **{f"session_{k}": v for k, v in failed.items()}}
    status = 409 if problem else 400 if errors else 200
    return render_template("courses/book.html", course=found, form=form, proposal=proposal, errors=errors,
                           problem=problem, when=when, zone=zone), status


@bp.route("/appointments/<int:appointment_id>/check-in", methods=["GET", "POST"])
@login_required
@config_limit("BOOKING_RATE_LIMIT")
def check_in(appointment_id: int):
    session_appointment = booking.patients_appointment(appointment_id, _me())
    if session_appointment is None or session_appointment.course_id is None:
        abort(404)
    found = _patients(session_appointment.course_id)
    goals = plans.read_plan(found, reader=_me())["goals"]
    form = check_in_form(goals, ask_change=checkins.asks_global_change(found, session_appointment.course_session))
    problem, problems = None, {}
    if not checkins.is_open(session_appointment):
        problem = "This check-in is closed: it is open from booking until 24 hours after the session."
    elif form.validate_on_submit():
        try:
            checkins.answer(session_appointment, patient=_me(), data=check_in_values(form, goals))
        except checkins.CheckInError as error:
            problems = error.errors
        except checkins.CheckInClosed as error:
            problem = error.message
        else:
            flash("Thank you: your check-in is saved.", "success")
            return redirect(url_for("courses.course", course_id=found.id))
    errors = {**form_errors(form), **problems}
    status = 409 if problem and request.method == "POST" else 400 if errors else 200
    return render_template("courses/check_in.html", course=found, appointment=session_appointment, form=form,
                           goals=goals, errors=errors, problem=problem, when=when), status


@bp.post("/courses/<int:course_id>/decision")
@login_required
def decide(course_id: int):
    found = _course(course_id)
    if found.practitioner.user_id != _me().id:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            review.decide(found, by=_me(), decision=form.decision.data, reason=form.reason.data or "",
                          added_sessions=form.added_sessions.data or 0)
        except review.DecisionError as error:
            for message in error.errors.values():
                flash(message, "error")
        else:
            flash("Your decision is recorded, and the patient has been told.", "success")
    else:
        for message in form_errors(form).values():
            flash(message, "error")
    return redirect(url_for("courses.course", course_id=found.id))
