"""JSON representations of courses, proposals and outcomes. Plans, check-ins and outcomes are
health data: only the course's patient and practitioner ever receive these bodies, and the
Idempotency-Key store keeps only a booking's times and ids (never goals or scores)."""
from __future__ import annotations

from fractions import Fraction

from flask import url_for

from directory.api.booking_serializers import local_iso, slot
from directory.models import Appointment, Course
from directory.services.courses import outcomes as rules


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **{k: str(v) for k, v in values.items()})


def course(found: Course, plan: dict | None = None) -> dict:
    body = {
        "id": found.id, "status": found.status.value, "sessions": found.sessions, "weeks": found.weeks,
        "review_after": found.review_after, "clinic_id": found.clinic_id,
        "practitioner_id": found.practitioner_id, "appointment_id": found.origin_appointment_id,
        "timezone": found.clinic.timezone,
        "links": {"self": _url("api.course", course_id=found.id),
                  "proposal": _url("api.course_proposal", course_id=found.id),
                  "book": _url("api.course_book", course_id=found.id),
                  "outcomes": _url("api.course_outcomes", course_id=found.id),
                  "page": _url("courses.course", course_id=found.id)},
    }
    if plan is not None:
        body.update(goals=plan["goals"], advice=plan["advice"])
    return body


def proposal(found: Course, items) -> dict:
    zone = found.clinic.timezone
    return {"slots": [{
        "session": item.session,
        "start": local_iso(item.start, zone) if item.start else None,
        "end": local_iso(item.end, zone) if item.end else None,
        "clinic_id": found.clinic_id, "timezone": zone,
        "alternatives": [slot(s, found.clinic) for s in item.alternatives],
    } for item in items]}


def session(appointment: Appointment) -> dict:
    zone = appointment.clinic.timezone
    return {"id": appointment.id, "session": appointment.course_session, "start": local_iso(appointment.starts_at, zone),
            "end": local_iso(appointment.ends_at, zone), "status": appointment.status.value,
            "check_in": _url("api.appointment_check_in", appointment_id=appointment.id)}


def booked(found: Course, created: list[Appointment]) -> dict:
    return {"id": found.id, "status": found.status.value, "appointments": [session(a) for a in created]}


def _number(value: Fraction | int | None) -> float | int | None:
    if value is None:
        return None
    value = Fraction(value)
    return value.numerator if value.denominator == 1 else round(float(value), 2)


def outcome_body(result: rules.Outcomes) -> dict:
    base = result.baseline
    return {
        "baseline": None if base is None else {"session": base.session, "date": base.date, "pain": base.pain,
                                               "function": _number(base.function)},
        "series": [{"session": p.session, "date": p.date, "pain": p.pain, "function": _number(p.function),
                    "global_change": p.global_change} for p in result.series],
        "pain_change": _number(result.pain_change),
        "function_change": _number(result.function_change),
        "pain_meaningful": result.pain_meaningful,
        "function_meaningful": result.function_meaningful,
        "meaningful": result.meaningful,
        "summary": rules.sentence(result),
    }
