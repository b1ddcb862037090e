"""Booking API v1: tokens, free slots and appointments, on the ``api`` blueprint."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, jsonify

from directory.api import booking_serializers as present
from directory.api import bp
from directory.api import lookups
from directory.api import idempotency
from directory.api.booking_params import (DEFAULT_DAYS, KINDS, MAX_DAYS, ParamError, body_datetime,
                                          body_id, body_kind, body_text, json_body, query_choice,
                                          query_date, query_int)
from directory.api.serializers import iso_datetime
from directory.api.tokens import current_api_token, current_api_user, token_required, unauthorized
from directory.auth import events
from directory.errors.handlers import json_error
from directory.extensions import db
from directory.models import Appointment, AppointmentKind, AppointmentStatus, Role
from directory.models._types import utcnow
from directory.services.accounts import users as accounts
from directory.services.accounts import api_tokens
from directory.services.booking import requests as booking
from directory.services.booking import queries as booking_queries
from directory.services.search import profiles
from directory.services.booking import scheduling
from directory.services.booking.intake import IntakeError, RedFlag, validate_intake
from directory.web import account_guess_limit, config_limit, password_refused

STATUSES = [s.value for s in AppointmentStatus]


def _token_email() -> str:
    try:
        email = json_body().get("email")
    except ParamError:
        email = None
    return email if isinstance(email, str) else ""


def _private(response, status: int = 200):
    """Answers for one account: never kept by shared caches."""
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


# --- tokens ------------------------------------------------------------------------

@bp.post("/tokens")
@config_limit("LOGIN_RATE_LIMIT")
# Guessing one account's password from many addresses: the budget web logins spend too.
@account_guess_limit(_token_email)
def create_token():
    try:
        body = json_body()
        email = body_text(body, "email", max_length=254, required=True)
        password = body.get("password")
        if not isinstance(password, str) or not password:
            raise ParamError("password", "password must be a non-empty string.")
    except ParamError as error:
        return error.response()
    user = accounts.authenticate(email, password)
    if user is None:
        events.record("api_token_failed", email=email)
        password_refused()
        return unauthorized("invalid_credentials", "The email address or password is not correct.")
    secret, token = api_tokens.create_token(user)
    events.record("api_token_created", user=user)
    return _private(jsonify({"token": secret, "expires_at": iso_datetime(token.expires_at)}), 201)


@bp.delete("/tokens/current")
@token_required()
def revoke_token():
    api_tokens.revoke(current_api_token())
    return _private(current_app.response_class(status=204), 204)


# --- slots -------------------------------------------------------------------------

@bp.get("/practitioners/<practitioner_id>/slots")
def slots(practitioner_id: str):
    found = lookups.listed_profile(practitioner_id)
    if found is None:
        return lookups.not_listed(practitioner_id)
    clinics = {c.id: c for c in found.clinics}
    now = utcnow()
    # "Today" where the day starts last among the practitioner's clinics, so none loses a day.
    today = min(now.astimezone(ZoneInfo(c.timezone)).date() for c in clinics.values())
    try:
        start = query_date("start", today, today)
        days = query_int("days", DEFAULT_DAYS, 1, MAX_DAYS)
        kind = query_choice("kind", KINDS)
        clinic_id = query_int("clinic_id", 0, 1, profiles.MAX_ID) or None
        if clinic_id is not None and clinic_id not in clinics:
            raise ParamError("clinic_id", "clinic_id is not one of this practitioner's listed clinics.")
    except ParamError as error:
        return error.response()
    kinds = [AppointmentKind(kind)] if kind else list(AppointmentKind)
    if not found.practitioner.accepting_new_patients:
        # Only existing patients can book: first visits are not offered.
        kinds = [k for k in kinds if k is not AppointmentKind.INITIAL]
    found_slots = [] if not kinds else scheduling.free_slots(
        found.practitioner, start=start, days=days, kind=kinds[0] if len(kinds) == 1 else None,
        clinic_id=clinic_id, now=now)
    response = jsonify({"slots": [present.slot(s, clinics[s.clinic_id])
                                  for s in found_slots if s.clinic_id in clinics]})
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- appointments ------------------------------------------------------------------

def _own_appointment(raw_id: str) -> Appointment | None:
    """The caller's appointment (as its patient or its practitioner), else None."""
    user = current_api_user()
    mine = booking_queries.patients_appointment if user.role is Role.PATIENT else booking_queries.practitioners_appointment
    return mine(booking_queries.parse_id(raw_id), user)


def _not_found(raw_id: str):
    return json_error(404, "not_found", f"You have no appointment with the id {raw_id[:40]!r}.")


def _represent(appointment: Appointment, status: int = 200):
    body = present.appointment(appointment, current_api_user(), utcnow())
    return _private(jsonify(body), status)


def _slot_taken(error: booking.SlotTaken, clinics: dict) -> tuple[int, dict]:
    fresh = [present.slot(s, clinics[s.clinic_id]) for s in error.fresh_slots if s.clinic_id in clinics]
    return 409, {"error": {"code": "slot_taken",
                           "message": "This slot was just taken by someone else. Choose another one.",
                           "details": {"fresh_slots": fresh}}}


def _invalid_slot(message: str, field: str = "start") -> tuple[int, dict]:
    return 422, {"error": {"code": "invalid_slot", "message": message, "field": field}}


def _intake_error(error: IntakeError):
    details = [{"field": f"intake.{name}", "code": "invalid", "message": message}
               for name, message in error.errors.items()]
    first = details[0]
    response = jsonify({"error": {"code": "invalid_intake", "message": f"{first['field']}: {first['message']}",
                                  "field": first["field"], "details": details}})
    return _private(response, 422)


def _red_flag(error: RedFlag):
    details = [{"field": "intake.red_flags", "code": "red_flag", "message": label} for label in error.flags]
    response = jsonify({"error": {"code": "red_flag", "message": error.message, "details": details}})
    return _private(response, 422)


def _book(body: dict, start: datetime, kind: AppointmentKind, intake: dict,
          claimed: idempotency.IdempotentRequest | None) -> tuple[int, dict]:
    """The outcome that depends on the database: (status, body). A 201 is stored in ``claimed``
    in the booking's own transaction."""
    found = profiles.listed_profile(body["practitioner_id"])
    if found is None:
        return _invalid_slot("No listed practitioner has this id.", "practitioner_id")
    clinics = {c.id: c for c in found.clinics}
    if body["clinic_id"] not in clinics:
        return _invalid_slot("clinic_id is not one of this practitioner's listed clinics.", "clinic_id")
    now = utcnow()

    def store_answer(appointment: Appointment) -> None:
        if claimed is not None:
            idempotency.record(claimed, 201, present.appointment(appointment, current_api_user(), now))

    try:
        appointment = booking.request_appointment(
            patient=current_api_user(), practitioner=found.practitioner, clinic_id=body["clinic_id"],
            start=start, kind=kind, intake=intake, now=now, on_booked=store_answer)
    except booking.SlotTaken as error:
        return _slot_taken(error, clinics)
    except booking.InvalidSlot as error:
        return _invalid_slot(error.message)
    except booking.KindRefused as error:
        return _invalid_slot(error.message, "kind")
    except booking.BookingError as error:
        return _invalid_slot(error.message, "practitioner_id")
    return 201, present.appointment(appointment, current_api_user(), now)


@bp.post("/appointments")
@config_limit("BOOKING_RATE_LIMIT")
@token_required(Role.PATIENT)
def request_appointment():
    try:
        key = idempotency.header_key()
        body = json_body()
        ids = {"practitioner_id": body_id(body, "practitioner_id"), "clinic_id": body_id(body, "clinic_id")}
        start = body_datetime(body, "start")
        kind = body_kind(body)
        if "intake" not in body:
            raise ParamError("intake", "intake is required: an object with the patient's answers.")
    except ParamError as error:
        return error.response()
    try:
        intake = validate_intake(body["intake"])
    except RedFlag as error:
        return _red_flag(error)
    except IntakeError as error:
        return _intake_error(error)

    claimed = None
    if key is not None:
        claimed = idempotency.claim(current_api_user(), key, idempotency.request_hash(body))
        if not isinstance(claimed, idempotency.IdempotentRequest):
            return _private(claimed, claimed.status_code)
    try:
        status, payload = _book(ids, start, kind, intake, claimed)
    except BaseException:
        if claimed is not None:
            idempotency.release(claimed)
        raise
    if claimed is not None:
        idempotency.finish(claimed, status, payload)
    response = _private(jsonify(payload), status)
    if status == 201:
        response.headers["Location"] = payload["links"]["self"]
    return response


@bp.get("/appointments")
@token_required(Role.PATIENT, Role.PRACTITIONER)
def appointments():
    try:
        status = query_choice("status", STATUSES)
    except ParamError as error:
        return error.response()
    user, now = current_api_user(), utcnow()
    listing = booking_queries.appointments_for_patient if user.role is Role.PATIENT else booking_queries.appointments_for_practitioner
    found = listing(user, AppointmentStatus(status) if status else None, now)
    return _private(jsonify({"appointments": [present.appointment(a, user, now) for a in found]}))


@bp.get("/appointments/<appointment_id>")
@token_required(Role.PATIENT, Role.PRACTITIONER)
def appointment(appointment_id: str):
    found = _own_appointment(appointment_id)
    return _not_found(appointment_id) if found is None else _represent(found)


def _change(appointment_id: str, action):
    found = _own_appointment(appointment_id)
    if found is None:
        return _not_found(appointment_id)
    try:
        action(found)
    except ParamError as error:
        return error.response()
    except PermissionError:
        return _not_found(appointment_id)
    except booking.BookingError as error:
        return json_error(409, "invalid_state", error.message)
    db.session.refresh(found)
    return _represent(found)


@bp.post("/appointments/<appointment_id>/cancel")
@token_required(Role.PATIENT, Role.PRACTITIONER)
def appointment_cancel(appointment_id: str):
    def cancel(found: Appointment) -> None:
        reason = body_text(json_body(required=False), "reason", max_length=booking.CANCEL_REASON_MAX)
        booking.cancel(found, by=current_api_user(), reason=reason)
    return _change(appointment_id, cancel)


@bp.post("/appointments/<appointment_id>/confirm")
@token_required(Role.PRACTITIONER)
def appointment_confirm(appointment_id: str):
    return _change(appointment_id,
                   lambda found: booking.confirm(found, practitioner_user=current_api_user()))


@bp.post("/appointments/<appointment_id>/decline")
@token_required(Role.PRACTITIONER)
def appointment_decline(appointment_id: str):
    def decline(found: Appointment) -> None:
        message = body_text(json_body(), "message", max_length=booking.DECLINE_MESSAGE_MAX, required=True)
        booking.decline(found, practitioner_user=current_api_user(), message=message)
    return _change(appointment_id, decline)
