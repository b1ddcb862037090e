"""The course part of the OpenAPI document: proposing a plan, its proposed times, booking it
all-or-none, check-ins and outcomes. Merged into ``openapi.DOCUMENT``; limits come from the
services that enforce them."""
from __future__ import annotations

from directory.api.idempotency import HEADER, MAX_KEY_LENGTH
from directory.api.openapi_booking import (BEARER, ID, INVALID, LOCAL_TIME, RATE_LIMITED, TOO_LARGE, UNAUTHORIZED,
                                           ZONE, _body, _json, _object, _ref)
from directory.models import AppointmentStatus, CourseStatus
from directory.services.courses import plans
from directory.services.courses.checkins import CHECKIN_CLOSES_HOURS

SCORE = {"type": "integer", "minimum": 0, "maximum": 10}
MEAN = {"type": "number", "minimum": 0, "maximum": 10}
NOT_YOURS = _json("Error", "No such course or appointment of yours (`not_found`): other people's are not "
                           "found either, whatever your role.")
COURSE_PATH = [{"name": "course_id", "in": "path", "required": True, "schema": ID}]
APPOINTMENT_PATH = [{"name": "appointment_id", "in": "path", "required": True, "schema": ID}]

SCHEMAS: dict[str, dict] = {
    "CourseRequest": _object({
        "appointment_id": {**ID, "description": "Your confirmed or completed visit with the patient."},
        "sessions": {"type": "integer", "minimum": plans.MIN_SESSIONS, "maximum": plans.MAX_SESSIONS,
                     "default": plans.DEFAULT_SESSIONS},
        "weeks": {"type": "integer", "minimum": plans.MIN_WEEKS, "maximum": plans.MAX_WEEKS,
                  "description": f"At most {plans.MAX_PER_WEEK} sessions a week. Default: twice a week for three "
                                 "weeks, then weekly (7 weeks for 10 sessions)."},
        "review_after": {"type": "integer", "minimum": 1, "description": "The review session, 1..sessions "
                                                                          "(default 5)."},
        "goals": {"type": "array", "minItems": 1, "maxItems": plans.MAX_GOALS,
                  "items": {"type": "string", "maxLength": plans.MAX_GOAL_LENGTH},
                  "description": "Everyday activities the patient finds hard, e.g. \"Walking 30 minutes\"."},
        "advice": {"type": "string", "maxLength": plans.MAX_ADVICE_LENGTH,
                   "description": "Complementary care: physical therapy, exercise, stress management."},
        "clinic_id": {**ID, "description": "Default: the clinic of the visit."},
    }, required=["appointment_id", "goals"]),
    "Course": _object({
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": [s.value for s in CourseStatus]},
        "sessions": {"type": "integer"}, "weeks": {"type": "integer"}, "review_after": {"type": "integer"},
        "clinic_id": {"type": "integer"}, "practitioner_id": {"type": "integer"},
        "appointment_id": {"type": "integer", "description": "The visit the plan grew from (not a session)."},
        "timezone": ZONE,
        "goals": {"type": "array", "items": {"type": "string"}, "description": "GET only (health data)."},
        "advice": {"type": "string", "description": "GET only (health data)."},
        "links": _object({k: {"type": "string", "format": "uri"}
                          for k in ("self", "proposal", "book", "outcomes", "page")}),
    }, required=["id", "status", "sessions", "weeks", "review_after", "clinic_id", "practitioner_id", "links"]),
    "CourseProposal": _object({"slots": {"type": "array", "items": _object({
        "session": {"type": "integer", "minimum": 1},
        "start": {**LOCAL_TIME, "type": ["string", "null"],
                  "description": "The cadence's time (same weekday and wall-clock time), or null when it is not "
                                 "free: then choose one of the alternatives."},
        "end": {"type": ["string", "null"], "format": "date-time"},
        "clinic_id": {"type": "integer"}, "timezone": ZONE,
        "alternatives": {"type": "array", "items": _ref("Slot"), "description": "Free times near it."},
    })}}),
    "CourseBookingRequest": _object({"starts": {
        "type": "array", "items": {"type": "string", "format": "date-time"},
        "description": "One start per session still to book, in session order, with the UTC offset."}}),
    "CourseSession": _object({
        "id": {"type": "integer"}, "session": {"type": "integer"}, "start": LOCAL_TIME, "end": LOCAL_TIME,
        "status": {"type": "string", "enum": [s.value for s in AppointmentStatus]},
        "check_in": {"type": "string", "format": "uri"},
    }),
    "CourseBooking": _object({
        "id": {"type": "integer"}, "status": {"type": "string", "enum": [s.value for s in CourseStatus]},
        "appointments": {"type": "array", "items": _ref("CourseSession")},
    }),
    "CourseBookingError": _object({"error": _object({
        "code": {"type": "string", "enum": ["slot_taken", "invalid_slot"]},
        "message": {"type": "string"},
        "sessions": {"type": "array", "items": {"type": "integer"}, "description": "The sessions at fault."},
        "details": {"type": "array", "items": _object({"field": {"type": "string"}, "code": {"type": "string"},
                                                         "message": {"type": "string"}})},
    }, required=["code", "message", "sessions"])}),
    "CheckInRequest": _object({
        "pain": {**SCORE, "description": "Numeric rating scale: average back pain over the past week."},
        "function": {"type": "array", "items": _object({"activity": {"type": "string"}, "score": SCORE}),
                     "description": "Patient-Specific Functional Scale: each of the course's goals by its text, "
                                    "0 (unable) to 10 (as before the problem)."},
        "global_change": {"type": ["integer", "null"], "minimum": -3, "maximum": 3,
                          "description": "Patient Global Impression of Change, asked at the review session and "
                                         "at the end: -3 very much worse .. +3 very much improved."},
    }, required=["pain", "function"]),
    "CheckIn": _object({"appointment_id": {"type": "integer"}, "course_id": {"type": "integer"},
                        "session": {"type": "integer"}, "answered_at": {"type": "string", "format": "date-time"}}),
    "OutcomePoint": _object({"session": {"type": "integer"}, "date": {"type": "string"}, "pain": SCORE,
                             "function": MEAN, "global_change": {"type": ["integer", "null"]}}),
    "Outcomes": _object({
        "baseline": {"type": ["object", "null"], "properties": {
            "session": {"type": "integer"}, "date": {"type": "string"}, "pain": SCORE, "function": MEAN},
            "description": "The course's first check-in (by session)."},
        "series": {"type": "array", "items": _ref("OutcomePoint")},
        "pain_change": {"type": ["integer", "null"], "description": "Latest minus baseline (negative is better)."},
        "function_change": {"type": ["number", "null"], "description": "Latest mean PSFS minus baseline."},
        "pain_meaningful": {"type": "boolean", "description": "At least 2 points AND at least 30% lower."},
        "function_meaningful": {"type": "boolean", "description": "Mean PSFS at least 2 points higher."},
        "meaningful": {"type": "boolean", "description": "Pain or function has reached its threshold."},
        "summary": {"type": "string", "description": "The progress in plain words."},
    }),
}

_BOOK_ERROR = {"content": {"application/json": {"schema": {"oneOf": [_ref("CourseBookingError"), _ref("Error")]}}}}

PATHS: dict[str, dict] = {
    "/courses": {"post": {
        "operationId": "proposeCourse", "summary": "Propose a treatment plan (the practitioner of the visit)",
        "security": BEARER, "requestBody": _body("CourseRequest"),
        "responses": {"201": _json("Course", "Proposed; the patient is emailed a link."), "400": INVALID,
                      "401": UNAUTHORIZED, "404": NOT_YOURS, "413": TOO_LARGE,
                      "422": _json("Error", "`invalid_plan`: `details` names every field at fault."),
                      "429": RATE_LIMITED}}},
    "/courses/{course_id}": {"get": {
        "operationId": "getCourse", "summary": "A course with its goals and advice (its patient or practitioner)",
        "security": BEARER, "parameters": COURSE_PATH,
        "responses": {"200": _json("Course", "The course; the read is audited."), "401": UNAUTHORIZED,
                      "404": NOT_YOURS}}},
    "/courses/{course_id}/proposal": {"get": {
        "operationId": "courseProposal", "summary": "Proposed times for the sessions still to book (its patient)",
        "security": BEARER, "parameters": COURSE_PATH,
        "responses": {"200": _json("CourseProposal", "One entry per session."), "401": UNAUTHORIZED,
                      "404": NOT_YOURS, "409": _json("Error", "Nothing left to book (`invalid_state`).")}}},
    "/courses/{course_id}/book": {"post": {
        "operationId": "bookCourse", "summary": "Book every session at once, all or none (its patient)",
        "description": "One transaction under the no-overlap guarantee of single bookings. Sessions are "
                       f"confirmed follow-up visits. `{HEADER}` is honoured as for single bookings.",
        "security": BEARER, "parameters": COURSE_PATH + [{"name": HEADER, "in": "header", "required": False,
                                                          "schema": {"type": "string", "minLength": 1,
                                                                     "maxLength": MAX_KEY_LENGTH}}],
        "requestBody": _body("CourseBookingRequest"),
        "responses": {"201": _json("CourseBooking", "Every session booked."), "400": INVALID,
                      "401": UNAUTHORIZED, "404": NOT_YOURS, "413": TOO_LARGE, "429": RATE_LIMITED,
                      "409": {"description": "`slot_taken` (naming the sessions; nothing booked), "
                                             "`invalid_state` or `idempotency_in_progress`.", **_BOOK_ERROR},
                      "422": {"description": "`invalid_slot` (naming the sessions; nothing booked) or "
                                             "`idempotency_mismatch`.", **_BOOK_ERROR}}}},
    "/appointments/{appointment_id}/check-in": {"post": {
        "operationId": "checkIn", "summary": "Answer a course session's check-in (its patient)",
        "description": f"From booking until {CHECKIN_CLOSES_HOURS} hours after the session ends; answering again "
                       "replaces the earlier answer.",
        "security": BEARER, "parameters": APPOINTMENT_PATH, "requestBody": _body("CheckInRequest"),
        "responses": {"201": _json("CheckIn", "Saved."), "400": INVALID, "401": UNAUTHORIZED, "404": NOT_YOURS,
                      "409": _json("Error", "`check_in_closed`: cancelled, or the window has passed."),
                      "413": TOO_LARGE, "429": RATE_LIMITED,
                      "422": _json("Error", "`invalid_check_in`: `details` names every field at fault.")}}},
    "/courses/{course_id}/outcomes": {"get": {
        "operationId": "courseOutcomes", "summary": "Pain and function against meaningful change (patient or "
                                                    "practitioner; never admins)",
        "security": BEARER, "parameters": COURSE_PATH,
        "responses": {"200": _json("Outcomes", "The read is audited."), "401": UNAUTHORIZED, "404": NOT_YOURS}}},
}
