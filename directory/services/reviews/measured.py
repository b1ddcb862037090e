"""The patient's own measured change from a course with the practitioner they review, offered
for the review only when they choose to show it ("pain 7 → 3 over 8 sessions")."""
from __future__ import annotations

from sqlalchemy import select

from directory.extensions import db
from directory.models import User
from directory.models.course import Course
from directory.services.courses.checkins import outcomes_of


def measured_change(patient: User, practitioner_id: int) -> str | None:
    """From the patient's latest course with the practitioner that has two check-ins or more;
    reading the check-ins is the patient's own audited read."""
    course = db.session.scalars(select(Course).where(Course.patient_id == patient.id,
                                                     Course.practitioner_id == practitioner_id)
                                .order_by(Course.id.desc()).limit(1)).first()
    if course is None:
        return None
    found = outcomes_of(course, reader=patient)
    if found.latest is None:
        return None
    return f"pain {found.baseline.pain} → {found.latest.pain} over {found.latest.session} sessions"
