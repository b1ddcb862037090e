"""The OpenAPI description of attendance, reaction reports and reviews."""
from __future__ import annotations

from directory.api.openapi_booking import (BEARER, ID, INVALID, NOT_FOUND, RATE_LIMITED, TOO_LARGE,
                                           UNAUTHORIZED, _body, _json, _object, _ref)
from directory.models import TriageLevel
from directory.models.review import TEXT_MAX
from directory.models.safety import SEVERITIES
from directory.services.reviews.reviews import PER_PAGE
from directory.services.safety.reports import NOTES_MAX
from directory.services.safety.triage import symptom_codes

_APPOINTMENT_ID = [{"name": "appointment_id", "in": "path", "required": True, "schema": ID}]
_NOT_ATTENDED = _json("Error", "Not the caller's appointment, or not an attended one (`not_found`).")
_PRIVATE = {"Cache-Control": {"schema": {"type": "string"}, "description": "no-store"}}
_FORBIDDEN = _json("Error", "The account's role may not do this (`forbidden`).")

SCHEMAS: dict[str, dict] = {
    "Symptom": _object({
        "code": {"type": "string", "enum": symptom_codes()},
        "severity": {"type": "string", "enum": list(SEVERITIES),
                     "description": "mild: didn't need anything; moderate: needed something (ice, a painkiller, "
                                    "rest); severe: stopped me doing normal things."},
    }, additionalProperties=False),
    "ReactionRequest": _object({
        "symptoms": {"type": "array", "items": _ref("Symptom"), "maxItems": 20,
                     "description": "Empty for \"nothing to report\"."},
        "notes": {"type": "string", "maxLength": NOTES_MAX,
                  "description": "Required when a symptom is `other`."},
    }, required=["symptoms"]),
    "ReactionCreated": _object({
        "id": {"type": "integer"},
        "triage": {"type": "string", "enum": [level.value for level in TriageLevel]},
        "advice": {"type": "string", "description": "What to do now; show it before anything else."},
        "reasons": {"type": "array", "items": {"type": "string"}},
    }),
    "Reaction": _object({
        "id": {"type": "integer"}, "appointment_id": {"type": "integer"},
        "triage": {"type": "string", "enum": [level.value for level in TriageLevel]},
        "symptoms": {"type": "array", "items": _ref("Symptom")},
        "notes": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "acknowledged_at": {"type": ["string", "null"], "format": "date-time"},
        "acknowledgement": {"type": ["string", "null"], "description": "The practitioner's note."},
    }),
    "ReactionList": _object({"reactions": {"type": "array", "items": _ref("Reaction")}}),
    "AttendanceRequest": _object({"attended": {"type": "boolean"}}),
    "AttendanceResult": _object({"id": {"type": "integer"},
                                 "status": {"type": "string", "enum": ["completed", "no_show"]}}),
    "ReviewRequest": _object({
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
        "text": {"type": "string", "maxLength": TEXT_MAX},
        "show_name": {"type": "boolean", "default": True,
                      "description": "Show the first name and initial; false shows \"Verified patient\"."},
        "show_change": {"type": "boolean", "default": False,
                        "description": "Show the patient's own measured change from their latest course with "
                                       "this practitioner (\"pain 7 → 3 over 8 sessions\"), when there is one."},
    }, required=["rating"]),
    "Review": _object({
        "id": {"type": "integer"},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
        "text": {"type": "string"},
        "author": {"type": "string", "description": "First name and initial, or \"Verified patient\"."},
        "visit_month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
        "measured_change": {"type": ["string", "null"],
                            "description": "Only when the patient chose to show it, e.g. \"pain 7 → 3 over 8 sessions\"."},
        "reply": {"type": ["string", "null"], "description": "The practitioner's one public reply."},
    }),
    "ReviewPage": _object({
        "average": {"type": ["number", "null"]}, "count": {"type": "integer"}, "page": {"type": "integer"},
        "results": {"type": "array", "items": _ref("Review"), "maxItems": PER_PAGE},
    }),
    "Rating": {"type": ["object", "null"], "required": ["average", "count"],
               "properties": {"average": {"type": "number", "minimum": 1, "maximum": 5},
                              "count": {"type": "integer", "minimum": 1}},
               "description": "From verified reviews (patients of attended visits); null without any."},
}

PATHS: dict[str, dict] = {
    "/appointments/{appointment_id}/reactions": {
        "post": {
            "operationId": "reportReaction", "summary": "Report a reaction after an attended visit",
            "description": ("The patient of a past, attended visit, for 30 days; several reports per visit are "
                            "kept. The answer carries the triage level and the advice to show first. An urgent or "
                            "contact-practitioner report emails the practitioner at once (without details)."),
            "security": BEARER, "parameters": _APPOINTMENT_ID, "requestBody": _body("ReactionRequest"),
            "responses": {"201": _json("ReactionCreated", "Recorded, with the advice.", headers=_PRIVATE),
                          "400": INVALID, "401": UNAUTHORIZED, "403": _FORBIDDEN, "404": _NOT_ATTENDED,
                          "413": TOO_LARGE, "429": RATE_LIMITED}},
        "get": {
            "operationId": "listReactions", "summary": "The reaction reports on a visit",
            "description": "That visit's patient or practitioner only; every read is audited.",
            "security": BEARER, "parameters": _APPOINTMENT_ID,
            "responses": {"200": _json("ReactionList", "Newest first.", headers=_PRIVATE),
                          "401": UNAUTHORIZED, "403": _FORBIDDEN, "404": NOT_FOUND}},
    },
    "/appointments/{appointment_id}/attendance": {"post": {
        "operationId": "markAttendance", "summary": "Mark a visit attended or missed",
        "description": ("The practitioner, once the visit has started; may be corrected. An unmarked confirmed "
                        "visit counts as attended (status `completed`) 48 hours after its end."),
        "security": BEARER, "parameters": _APPOINTMENT_ID, "requestBody": _body("AttendanceRequest"),
        "responses": {"200": _json("AttendanceResult", "Recorded.", headers=_PRIVATE), "400": INVALID,
                      "401": UNAUTHORIZED, "403": _FORBIDDEN, "404": NOT_FOUND,
                      "409": _json("Error", "Not a confirmed visit, or it has not started (`conflict`).")}}},
    "/appointments/{appointment_id}/review": {"post": {
        "operationId": "writeReview", "summary": "Review the practitioner of an attended visit",
        "description": "The patient of an attended visit; one review per practitioner per 90 days.",
        "security": BEARER, "parameters": _APPOINTMENT_ID, "requestBody": _body("ReviewRequest"),
        "responses": {"201": _json("Review", "Published.", headers=_PRIVATE), "400": INVALID,
                      "401": UNAUTHORIZED, "403": _FORBIDDEN, "404": _NOT_ATTENDED,
                      "409": _json("Error", "A review of this practitioner in the last 90 days (`conflict`)."),
                      "413": TOO_LARGE, "429": RATE_LIMITED}}},
    "/practitioners/{practitioner_id}/reviews": {"get": {
        "operationId": "listReviews", "summary": "A listed practitioner's reviews, newest first",
        "description": "Public. Hidden reviews are left out of the list, the average and the count.",
        "parameters": [{"name": "practitioner_id", "in": "path", "required": True, "schema": ID},
                       {"name": "page", "in": "query", "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1}}],
        "responses": {"200": _json("ReviewPage", "One page of reviews."), "400": INVALID,
                      "404": _json("Error", "No listed practitioner has this id (`not_found`)."),
                      "429": RATE_LIMITED}}},
}
