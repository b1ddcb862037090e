"""After a visit, over the API: attendance, reaction reports and reviews."""
from __future__ import annotations

from flask import jsonify, request

from directory.api import bp
from directory.api import lookups
from directory.api.booking_params import ParamError, json_body
from directory.api.serializers import iso_datetime
from directory.api.tokens import current_api_user, token_required
from directory.errors.handlers import json_error
from directory.extensions import limiter
from directory.models import Appointment, ReactionReport, Review, Role
from directory.models._types import utcnow
from directory.services.booking import attendance
from directory.services.booking import queries as booking_queries
from directory.services.reviews import measured, reviews
from directory.services.safety import reports
from directory.services.safety.triage import SymptomError
from directory.web import config_limit


def _private(payload: dict, status: int = 200):
    response = jsonify(payload)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _not_found(raw_id: str):
    return json_error(404, "not_found", f"You have no attended appointment with the id {raw_id[:40]!r}.")


def _mine(raw_id: str) -> Appointment | None:
    user = current_api_user()
    mine = booking_queries.patients_appointment if user.role is Role.PATIENT else booking_queries.practitioners_appointment
    return mine(booking_queries.parse_id(raw_id), user)


def _invalid(field: str, message: str):
    return ParamError(field, message).response()


def _report(report: ReactionReport, content: dict) -> dict:
    return {"id": report.id, "appointment_id": report.appointment_id, "triage": report.level.value,
            "symptoms": [{"code": code, "severity": severity} for code, severity in content["symptoms"].items()],
            "notes": content["notes"], "created_at": iso_datetime(report.created_at),
            "acknowledged_at": iso_datetime(report.acknowledged_at) if report.acknowledged_at else None,
            "acknowledgement": content.get("acknowledgement")}


@bp.post("/appointments/<appointment_id>/reactions")
@config_limit("BOOKING_RATE_LIMIT")
@token_required(Role.PATIENT)
def report_reaction(appointment_id: str):
    found = _mine(appointment_id)
    try:
        body = json_body()
        symptoms, notes = body.get("symptoms"), body.get("notes", "")
        if not isinstance(symptoms, list):
            raise ParamError("symptoms", "symptoms must be a list (empty for nothing to report).")
        if notes is not None and not isinstance(notes, str):
            raise ParamError("notes", "notes must be a string.")
    except ParamError as error:
        return error.response()
    if found is None or not reports.may_report(found, current_api_user()):
        return _not_found(appointment_id)
    try:
        done = reports.submit(found, current_api_user(), symptoms, notes or "")
    except SymptomError as error:
        return _invalid(error.field, error.message)
    return _private({"id": done.report.id, "triage": done.outcome.level.value, "advice": done.outcome.advice,
                     "reasons": done.outcome.reasons}, 201)


@bp.get("/appointments/<appointment_id>/reactions")
@token_required(Role.PATIENT, Role.PRACTITIONER)
def reactions(appointment_id: str):
    found = _mine(appointment_id)
    if found is None:
        return _not_found(appointment_id)
    user = current_api_user()
    return _private({"reactions": [_report(r, reports.read(r, user)) for r in reports.for_appointment(found)]})


@bp.post("/appointments/<appointment_id>/attendance")
@token_required(Role.PRACTITIONER)
def mark_attendance(appointment_id: str):
    found = _mine(appointment_id)
    try:
        attended = json_body().get("attended")
        if not isinstance(attended, bool):
            raise ParamError("attended", "attended must be true or false.")
    except ParamError as error:
        return error.response()
    if found is None:
        return _not_found(appointment_id)
    try:
        attendance.mark(found, attended=attended, by=current_api_user())
    except attendance.AttendanceError as error:
        return json_error(409, "conflict", str(error))
    now = utcnow()
    return _private({"id": found.id, "status": booking_queries.shown_status(found, now).value})


@bp.post("/appointments/<appointment_id>/review")
@config_limit("BOOKING_RATE_LIMIT")
@token_required(Role.PATIENT)
def write_review(appointment_id: str):
    found = _mine(appointment_id)
    try:
        body = json_body()
        show_name, show_change = body.get("show_name", True), body.get("show_change", False)
        if not isinstance(show_name, bool):
            raise ParamError("show_name", "show_name must be true or false.")
        if not isinstance(show_change, bool):
            raise ParamError("show_change", "show_change must be true or false.")
    except ParamError as error:
        return error.response()
    if found is None:
        return _not_found(appointment_id)
    try:
        change = measured.measured_change(current_api_user(), found.practitioner_id) if show_change else None
        review = reviews.write(found, current_api_user(), rating=body.get("rating"), text=body.get("text", ""),
                               show_name=show_name, measured_change=change)
    except reviews.ReviewError as error:
        if error.code == "not_found":
            return _not_found(appointment_id)
        if error.code == "conflict":
            return json_error(409, "conflict", error.message)
        return _invalid(error.field or "rating", error.message)
    return _private(public_review(review), 201)


def public_review(review: Review) -> dict:
    return {"id": review.id, "rating": review.rating, "text": review.text, "author": review.author,
            "visit_month": review.visit_month.strftime("%Y-%m"), "measured_change": review.measured_change,
            "reply": review.reply}


@bp.get("/practitioners/<practitioner_id>/reviews")
@limiter.limit("120 per minute")
def practitioner_reviews(practitioner_id: str):
    found = lookups.listed_profile(practitioner_id)
    if found is None:
        return lookups.not_listed(practitioner_id)
    pid = found.practitioner.id
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        return _invalid("page", "page must be a whole number from 1 to 10000.")
    summary = reviews.summary(pid)
    response = jsonify({"average": summary.average if summary else None, "count": summary.count if summary else 0,
                        "page": int(raw), "results": [public_review(r) for r in reviews.page(pid, int(raw))]})
    response.headers["Cache-Control"] = "no-cache"
    return response
