"""Course API v1 on the ``api`` blueprint: propose, see the proposed times, book all-or-none,
check in, outcomes. Every route needs a token (401 without); a course or appointment that is
not the caller's is a 404, whatever it is, so ids reveal nothing."""
from __future__ import annotations

from flask import jsonify

from directory.api import course_serializers as present
from directory.api import idempotency
from directory.api.booking_params import ParamError, body_datetime, body_id, json_body
from directory.api.booking_routes import _private
from directory.api import bp
from directory.api.serializers import iso_datetime
from directory.api.tokens import current_api_user, token_required
from directory.errors.handlers import json_error
from directory.extensions import db
from directory.models import Course
from directory.services.booking import queries as booking
from directory.services.courses import cadence, checkins, plans, series
from directory.web import config_limit


def _missing(what: str, raw: str):
    return json_error(404, "not_found", f"You have no {what} with the id {raw[:40]!r}.")


def _course(raw: str, *, patient_only: bool = False) -> Course | None:
    found = plans.course_for(booking.parse_id(raw), current_api_user())
    if found is not None and patient_only and found.patient_id != current_api_user().id:
        return None
    return found


def _errors(code: str, errors: dict[str, str], status: int = 422, prefix: str = ""):
    details = [{"field": prefix + field, "code": code, "message": message} for field, message in errors.items()]
    first = details[0]
    return _private(jsonify({"error": {"code": code, "message": f"{first['field']}: {first['message']}",
                                       "field": first["field"], "details": details}}), status)


@bp.post("/courses")
@config_limit("BOOKING_RATE_LIMIT")
@token_required()
def course_create():
    try:
        body = json_body()
        appointment_id = body_id(body, "appointment_id")
        clinic_id = body_id(body, "clinic_id") if body.get("clinic_id") is not None else None
    except ParamError as error:
        return error.response()
    origin = booking.practitioners_appointment(appointment_id, current_api_user())
    if origin is None:
        return _missing("appointment", str(appointment_id))
    try:
        found = plans.propose(origin, by=current_api_user(), data=body, clinic_id=clinic_id)
    except plans.PlanError as error:
        return _errors("invalid_plan", error.errors)
    response = _private(jsonify(present.course(found)), 201)
    response.headers["Location"] = present.course(found)["links"]["self"]
    return response


@bp.get("/courses/<course_id>")
@token_required()
def course(course_id: str):
    found = _course(course_id)
    if found is None:
        return _missing("course", course_id)
    return _private(jsonify(present.course(found, plans.read_plan(found, reader=current_api_user()))))


@bp.get("/courses/<course_id>/proposal")
@token_required()
def course_proposal(course_id: str):
    found = _course(course_id, patient_only=True)
    if found is None:
        return _missing("course", course_id)
    first = series.first_unbooked(found)
    if first is None or found.status not in series.BOOKABLE:
        return json_error(409, "invalid_state", "There is nothing left to book in this course.")
    return _private(jsonify(present.proposal(found, cadence.propose_times(found, first_session=first))))


def _starts(body: dict, first: int) -> list:
    raw = body.get("starts")
    if not isinstance(raw, list) or len(raw) > plans.MAX_SESSIONS:
        raise ParamError("starts", "starts must be a list with one start time per session.")
    parsed, problems = [], {}
    for i, value in enumerate(raw):
        try:
            parsed.append(body_datetime({"start": value}, "start"))
        except ParamError as error:
            problems[first + i] = error.message.replace("start must", f"starts[{i}] must")
    if problems:
        raise series.SeriesError("invalid_slot", problems, series._summary(problems, "have no valid start time"))
    return parsed


def _book(found: Course, body: dict, claimed) -> tuple[int, dict]:
    first = series.first_unbooked(found)
    if first is None or found.status not in series.BOOKABLE:
        return 409, {"error": {"code": "invalid_state", "message": "There is nothing left to book in this course."}}

    def store(created) -> None:
        if claimed is not None:
            idempotency.record(claimed, 201, present.booked(found, created))
    try:
        created = series.book(found, patient=current_api_user(), starts=_starts(body, first), on_booked=store)
    except series.SeriesError as error:
        status = 409 if error.code == "slot_taken" else 422
        return status, {"error": {
            "code": error.code, "message": error.message, "sessions": sorted(error.sessions),
            "details": [{"field": f"starts[{k - first}]", "code": error.code, "message": v}
                        for k, v in sorted(error.sessions.items())]}}
    except series.CourseStateError as error:
        return 409, {"error": {"code": "invalid_state", "message": error.message}}
    db.session.refresh(found)
    return 201, present.booked(found, created)


@bp.post("/courses/<course_id>/book")
@config_limit("BOOKING_RATE_LIMIT")
@token_required()
def course_book(course_id: str):
    found = _course(course_id, patient_only=True)
    if found is None:
        return _missing("course", course_id)
    try:
        key = idempotency.header_key()
        body = json_body()
    except ParamError as error:
        return error.response()
    claimed = None
    if key is not None:
        claimed = idempotency.claim(current_api_user(), key, idempotency.request_hash(body))
        if not isinstance(claimed, idempotency.IdempotentRequest):
            return _private(claimed, claimed.status_code)
    try:
        status, payload = _book(found, body, claimed)
    except ParamError as error:
        if claimed is not None:
            idempotency.release(claimed)
        return error.response()
    except BaseException:
        if claimed is not None:
            idempotency.release(claimed)
        raise
    if claimed is not None:
        if status in (201, 409, 422) and payload.get("error", {}).get("code") != "invalid_state":
            idempotency.finish(claimed, status, payload)
        else:
            idempotency.release(claimed)
    return _private(jsonify(payload), status)


@bp.post("/appointments/<appointment_id>/check-in")
@config_limit("BOOKING_RATE_LIMIT")
@token_required()
def appointment_check_in(appointment_id: str):
    found = booking.patients_appointment(booking.parse_id(appointment_id), current_api_user())
    if found is None or found.course_id is None:
        return _missing("course session", appointment_id)
    try:
        body = json_body()
        entry = checkins.answer(found, patient=current_api_user(), data=body)
    except ParamError as error:
        return error.response()
    except checkins.CheckInError as error:
        return _errors("invalid_check_in", error.errors)
    except checkins.CheckInClosed as error:
        return json_error(409, "check_in_closed", error.message)
    return _private(jsonify({"appointment_id": found.id, "course_id": found.course_id, "session": entry.session,
                             "answered_at": iso_datetime(entry.updated_at)}), 201)


@bp.get("/courses/<course_id>/outcomes")
@token_required()
def course_outcomes(course_id: str):
    found = _course(course_id)
    if found is None:
        return _missing("course", course_id)
    result = checkins.outcomes_of(found, reader=current_api_user())
    return _private(jsonify(present.outcome_body(result)))


