"""The booking part of the OpenAPI document: tokens, slots and appointments.

Merged into ``openapi.DOCUMENT`` by that module. Limits and vocabularies come from the
modules that enforce them (intake, parameters, routes)."""
from __future__ import annotations

from directory.api.booking_params import DEFAULT_DAYS, MAX_BODY_BYTES, MAX_DAYS
from directory.api.idempotency import HEADER, MAX_KEY_LENGTH
from directory.models import AppointmentKind, AppointmentStatus
from directory.services.booking.requests import CANCEL_REASON_MAX, DECLINE_MESSAGE_MAX
from directory.services.booking.intake import MAX_LENGTHS, PAIN_DURATIONS, RED_FLAGS, SAFETY_FLAGS
from directory.services.search.profiles import MAX_ID

REF = "#/components/schemas/"
KINDS = [k.value for k in AppointmentKind]
STATUSES = [s.value for s in AppointmentStatus]
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
LOCAL_TIME = {"type": "string", "format": "date-time",
              "description": "ISO 8601 with the clinic's UTC offset at that moment, e.g. "
                             "2026-12-01T09:00:00-08:00 (09:00 wall-clock time at the clinic)."}
ZONE = {"type": "string", "description": "The clinic's IANA time zone, e.g. America/Los_Angeles."}
BEARER = [{"bearerAuth": []}]
# Required text is stripped before it is checked: blank text counts as missing.
NOT_BLANK = r"\S"


def _ref(name: str) -> dict:
    return {"$ref": REF + name}


def _object(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {"type": "object", "required": list(properties) if required is None else required,
            "properties": properties, **extra}


def _flags(choices: dict[str, str], description: str) -> dict:
    return _object({key: {"type": "boolean", "description": label} for key, label in choices.items()},
                   required=[], additionalProperties=False,
                   description=description + " A missing answer means no; an unknown key is an error.")


def _json(schema: str, description: str, **extra) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}, **extra}


def _body(schema: str, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": _ref(schema)}}}


UNAUTHORIZED = _json("Error", (
    "No token (`authentication_required`), or the token is invalid, expired or revoked "
    "(`invalid_token`); tokens also stop working when the account's password changes or the "
    "account is deactivated."),
    headers={"WWW-Authenticate": {"schema": {"type": "string"},
                                  "description": 'Bearer realm="meridian" (with error="invalid_token" '
                                                 "for a bad token)."}})
RATE_LIMITED = _json("Error", "Too many requests from this address (`rate_limited`); see Retry-After.",
                     headers={"Retry-After": {"schema": {"type": "string"}}})
INVALID = _json("Error", "A field, parameter or header is malformed (`invalid_parameter`); `field` "
                         "names it (`body` when the body is not a JSON object).")
NOT_FOUND = _json("Error", "You have no appointment with this id (`not_found`): other people's "
                           "appointments are not found either.")
TOO_LARGE = _json("Error", f"The body is larger than {MAX_BODY_BYTES // 1024} KB (`payload_too_large`).")
WRONG_STATE = _json("Error", "The appointment is not in a state that allows this, or the cut-off for "
                             "it has passed (`invalid_state`); `message` says which.")

SCHEMAS: dict[str, dict] = {
    "TokenRequest": _object({
        "email": {"type": "string", "maxLength": 254, "pattern": NOT_BLANK},
        "password": {"type": "string", "minLength": 1},
    }),
    "Token": _object({
        "token": {"type": "string", "description": "Send as `Authorization: Bearer <token>`. Shown once: "
                                                   "only its SHA-256 is stored."},
        "expires_at": {"type": "string", "format": "date-time", "description": "UTC."},
    }),
    "Slot": _object({
        "start": LOCAL_TIME,
        "end": LOCAL_TIME,
        "clinic_id": {"type": "integer"},
        "kind": {"type": "string", "enum": KINDS},
        "timezone": ZONE,
    }),
    "Slots": _object({"slots": {"type": "array", "items": _ref("Slot"),
                                "description": "Sorted by start."}}),
    "Intake": _object({
        "reason": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTHS["reason"], "pattern": NOT_BLANK},
        "pain_duration": {"type": "string", "enum": list(PAIN_DURATIONS),
                          "description": "; ".join(f"{k}: {v}" for k, v in PAIN_DURATIONS.items()) + "."},
        "pain_score": {"type": "integer", "minimum": 0, "maximum": 10, "description": "Pain now, 0 to 10."},
        "medical_history": {"type": "string", "maxLength": MAX_LENGTHS["medical_history"]},
        "medications": {"type": "string", "maxLength": MAX_LENGTHS["medications"]},
        "safety": _flags(SAFETY_FLAGS, "Needling-safety questions."),
        "red_flags": _flags(RED_FLAGS, "Urgent symptoms: any true answer stops the request (422 `red_flag`) "
                                       "and nothing is booked."),
    }, required=["reason", "pain_duration", "pain_score", "safety", "red_flags"],
        description="Health data: stored encrypted, readable only by the patient and the practitioner of "
                    "the appointment, and never returned by the API."),
    "AppointmentRequest": _object({
        "practitioner_id": ID,
        "clinic_id": ID,
        "start": {"type": "string", "format": "date-time",
                  "description": "The `start` of a free slot, with any UTC offset (Z included)."},
        "kind": {"type": "string", "enum": KINDS},
        "intake": _ref("Intake"),
    }),
    "AppointmentLinks": _object({
        "self": {"type": "string", "format": "uri"},
        "practitioner": {"type": "string", "format": "uri"},
        "cancel": {"type": ["string", "null"], "format": "uri",
                   "description": "POST here to cancel; null when you may not cancel now (patients until "
                                  "the cancellation cut-off before the start, practitioners until the start)."},
        "confirm": {"type": ["string", "null"], "format": "uri",
                    "description": "For the practitioner of a requested appointment; else null."},
        "decline": {"type": ["string", "null"], "format": "uri",
                    "description": "For the practitioner of a requested appointment; else null."},
    }, description="What the caller may do now."),
    "Appointment": _object({
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": STATUSES, "description": (
            "A request whose hold has lapsed is expired, even before the expiry job has run.")},
        "start": LOCAL_TIME,
        "end": LOCAL_TIME,
        "timezone": ZONE,
        "kind": {"type": "string", "enum": KINDS},
        "clinic_id": {"type": "integer"},
        "practitioner_id": {"type": "integer"},
        "hold_expires_at": {"type": ["string", "null"], "format": "date-time", "description": (
            "UTC. While requested, the slot is held until then; unanswered, the request expires. "
            "Null in every other status.")},
        "decline_message": {"type": ["string", "null"], "description": "The practitioner's message, "
                                                                       "when declined."},
        "replaces": {"type": ["integer", "null"], "description": (
            "On a request to move a confirmed appointment: that one's id. It stays confirmed (both slots held) "
            "until this request is confirmed, which cancels it in the same step; declined, expired or "
            "cancelled, it stays confirmed.")},
        "replaced_by": {"type": ["integer", "null"], "description": "On a confirmed appointment: the move "
                                                                    "request waiting to replace it."},
        "links": _ref("AppointmentLinks"),
    }, description="Never includes the intake."),
    "AppointmentList": _object({"appointments": {"type": "array", "items": _ref("Appointment"),
                                                 "description": "Ordered by start."}}),
    "CancelRequest": _object({"reason": {"type": "string", "maxLength": CANCEL_REASON_MAX}}, required=[]),
    "DeclineRequest": _object({"message": {"type": "string", "minLength": 1, "maxLength": DECLINE_MESSAGE_MAX,
                                           "pattern": NOT_BLANK,
                                           "description": "Shown to the patient in Meridian (never emailed)."}}),
    "SlotTakenError": _object({
        "error": _object({
            "code": {"type": "string", "const": "slot_taken"},
            "message": {"type": "string"},
            "details": _object({"fresh_slots": {"type": "array", "items": _ref("Slot"),
                                                "description": "Free slots of the same practitioner and "
                                                               "kind, from the same day on."}}),
        }, required=["code", "message"]),
    }),
}

_APPOINTMENT_ID = [{"name": "appointment_id", "in": "path", "required": True, "schema": ID}]


def _action(operation_id: str, summary: str, description: str, body: dict | None, extra: dict) -> dict:
    operation = {
        "operationId": operation_id, "summary": summary, "description": description,
        "security": BEARER, "parameters": _APPOINTMENT_ID,
        "responses": {"200": _json("Appointment", "The appointment after the change."),
                      "401": UNAUTHORIZED, "404": NOT_FOUND, "409": WRONG_STATE, **extra},
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


PATHS: dict[str, dict] = {
    "/tokens": {"post": {
        "operationId": "createToken",
        "summary": "Exchange an email and password for an API token",
        "description": "Any active account. Limited per address like the login form (429).",
        "requestBody": _body("TokenRequest"),
        "responses": {
            "201": _json("Token", "A new token.", headers={"Cache-Control": {"schema": {"type": "string"},
                                                                             "description": "no-store"}}),
            "400": INVALID,
            "401": _json("Error", "Wrong email or password (`invalid_credentials`); the same answer for an "
                                  "unknown email or a deactivated account."),
            "413": TOO_LARGE,
            "429": RATE_LIMITED,
        },
    }},
    "/tokens/current": {"delete": {
        "operationId": "revokeToken",
        "summary": "Revoke the token this request is sent with",
        "security": BEARER,
        "responses": {"204": {"description": "Revoked: every later use gets 401."}, "401": UNAUTHORIZED},
    }},
    "/practitioners/{practitioner_id}/slots": {"get": {
        "operationId": "listSlots",
        "summary": "Free slots of a listed practitioner",
        "description": (
            "Weekly hours minus time off, other appointments (with the practitioner's buffer), the minimum "
            "notice and anything beyond the booking horizon, at the clinics the practitioner is listed at. "
            "First-visit slots only while the practitioner accepts new patients. No authentication."),
        "parameters": [
            {"name": "practitioner_id", "in": "path", "required": True, "schema": ID},
            {"name": "start", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
             "description": "First day, YYYY-MM-DD, a calendar date in each clinic's own time zone; "
                            "within two years of today. Default: today (at the clinic where it is earliest)."},
            {"name": "days", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS, "default": DEFAULT_DAYS},
             "description": "How many days from `start`."},
            {"name": "kind", "in": "query", "required": False, "schema": {"type": "string", "enum": KINDS},
             "description": "Only slots for this kind of visit (lengths differ). Default: both."},
            {"name": "clinic_id", "in": "query", "required": False, "schema": ID,
             "description": "Only this clinic (one of the practitioner's listed clinics)."},
        ],
        "responses": {
            "200": _json("Slots", "Free slots."),
            "400": INVALID,
            "404": _json("Error", "No listed practitioner has this id (`not_found`)."),
        },
    }},
    "/appointments": {
        "post": {
            "operationId": "requestAppointment",
            "summary": "Request a free slot (patients)",
            "description": (
                "Creates a `requested` appointment that holds the slot until the practitioner answers or "
                "the hold expires. Send an `Idempotency-Key` to retry safely: a repeat with the same key and "
                "the same request (within 24 hours) gets the first answer again (201, 409 `slot_taken` or "
                "422 `invalid_slot`) with the header `Idempotent-Replayed: true`; the same key with a "
                "different request is a 422 `idempotency_mismatch`; while the first is still being "
                "processed, a 409 `idempotency_in_progress`. Limited per address (429)."),
            "security": BEARER,
            "parameters": [{"name": HEADER, "in": "header", "required": False,
                            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
                                       "pattern": "^[ -~]+$"},
                            "description": "A unique string per request, e.g. a UUID (printable ASCII)."}],
            "requestBody": _body("AppointmentRequest"),
            "responses": {
                "201": _json("Appointment", "Requested: the slot is held.",
                             headers={"Location": {"schema": {"type": "string", "format": "uri"}}}),
                "400": INVALID,
                "401": UNAUTHORIZED,
                "403": _json("Error", "Only patient accounts request appointments (`forbidden`)."),
                "409": {"description": "The slot was just taken (`slot_taken`, with fresh slots), or a "
                                       "request with this Idempotency-Key is in progress "
                                       "(`idempotency_in_progress`, an Error).",
                        "content": {"application/json": {"schema": {"oneOf": [_ref("SlotTakenError"),
                                                                              _ref("Error")]}}}},
                "413": TOO_LARGE,
                "422": _json("Error", (
                    "`invalid_intake`: the intake is incomplete or wrong (`details` lists every field, as "
                    "`intake.<name>`); `red_flag`: an urgent symptom was reported — `message` tells the "
                    "patient to seek urgent medical care now, `details` lists the symptoms, nothing is "
                    "booked; `invalid_slot`: not a free slot of this practitioner, clinic and kind (unknown "
                    "or unlisted practitioner, another clinic, a start off the grid, within the minimum "
                    "notice or beyond the horizon, a first visit with a practitioner not accepting new "
                    "patients; `field` says which); `idempotency_mismatch`.")),
                "429": RATE_LIMITED,
            },
        },
        "get": {
            "operationId": "listAppointments",
            "summary": "Your appointments",
            "description": "A patient's own requests and appointments, or those of the practitioner.",
            "security": BEARER,
            "parameters": [{"name": "status", "in": "query", "required": False,
                            "schema": {"type": "string", "enum": STATUSES}, "description": "Only this status."}],
            "responses": {"200": _json("AppointmentList", "Ordered by start."), "400": INVALID,
                          "401": UNAUTHORIZED,
                          "403": _json("Error", "Only patient and practitioner accounts (`forbidden`).")},
        },
    },
    "/appointments/{appointment_id}": {"get": {
        "operationId": "getAppointment",
        "summary": "One of your appointments",
        "security": BEARER,
        "parameters": _APPOINTMENT_ID,
        "responses": {"200": _json("Appointment", "The appointment."), "401": UNAUTHORIZED,
                      "403": _json("Error", "Only patient and practitioner accounts (`forbidden`)."),
                      "404": NOT_FOUND},
    }},
    "/appointments/{appointment_id}/cancel": {"post": _action(
        "cancelAppointment", "Cancel (the patient or the practitioner of it)",
        "Patients until the cancellation cut-off before the start; practitioners until the start. "
        "Both sides are emailed.", _body("CancelRequest", required=False),
        {"400": INVALID, "403": _json("Error", "Only patient and practitioner accounts (`forbidden`)."),
         "413": TOO_LARGE})},
    "/appointments/{appointment_id}/confirm": {"post": _action(
        "confirmAppointment", "Confirm a request (its practitioner)",
        "Only while requested and its hold has not expired. Confirming a request whose `replaces` is set "
        "also cancels that appointment, in the same transaction; both sides are emailed.", None,
        {"403": _json("Error", "Only practitioner accounts (`forbidden`).")})},
    "/appointments/{appointment_id}/decline": {"post": _action(
        "declineAppointment", "Decline a request with a message (its practitioner)",
        "Only while requested. The message is sent to the patient. Declining a request whose `replaces` "
        "is set leaves that appointment confirmed.", _body("DeclineRequest"),
        {"400": INVALID, "403": _json("Error", "Only practitioner accounts (`forbidden`)."), "413": TOO_LARGE})},
}

SECURITY_SCHEMES = {"bearerAuth": {
    "type": "http", "scheme": "bearer",
    "description": "A token from POST /tokens, valid for API_TOKEN_HOURS (30 days by default) until revoked.",
}}
