"""Past visits for the demo, so a new user can try what follows a visit: the demo patient has
two attended visits with Mei Lin in the last fortnight (neither reviewed nor reported on), and
three other patients have left reviews and reaction reports."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from directory.extensions import db
from directory.models import Appointment, AppointmentKind, AppointmentStatus, Role, User
from directory.services.accounts.passwords import hash_password
from directory.services.demo.generator import DEMO_DOMAIN
from directory.services.reviews import reviews
from directory.services.safety import reports

INTAKE = {"reason": "Low back pain for two years, worse after sitting", "pain_duration": "over_1_year",
          "pain_score": 6, "medical_history": "", "medications": "", "safety": {}, "red_flags": {}}
OTHERS = [  # name, rating, review text, reaction reported a day after the visit
    ("Sam Ortiz", 5, "Explained every step; my back pain is much better after six sessions.",
     [{"code": "bruising_bleeding", "severity": "mild"}]),
    ("Lee Park", 4, "Calm clinic and a careful practitioner. Booking was easy.", []),
    ("Ana Silva", 5, "Helped my sciatica when nothing else had.",
     [{"code": "needle_site_pain", "severity": "moderate"}, {"code": "tiredness", "severity": "mild"}]),
]


def _visit(patient: User, practitioner_user: User, days_ago: int, now: datetime) -> Appointment:
    practitioner = practitioner_user.practitioner
    start = (now - timedelta(days=days_ago)).replace(hour=18, minute=0, second=0, microsecond=0)
    appointment = Appointment(
        practitioner_id=practitioner.id, clinic_id=practitioner.clinics[0].id, patient_id=patient.id,
        starts_at=start, ends_at=start + timedelta(minutes=practitioner.initial_minutes or 60),
        kind=AppointmentKind.INITIAL if days_ago > 10 else AppointmentKind.FOLLOW_UP,
        status=AppointmentStatus.COMPLETED, intake=INTAKE, confirmed_at=start - timedelta(days=3),
        attendance_marked_at=start + timedelta(hours=1), safety_checkin_sent_at=start + timedelta(days=1))
    db.session.add(appointment)
    db.session.flush()
    return appointment


def ensure(patient: User, practitioner_user: User, password: str, now: datetime | None = None) -> None:
    """Create the visits once: nothing happens when the other demo patients already exist."""
    now = now or datetime.now(timezone.utc)
    if practitioner_user.practitioner is None or db.session.scalar(
            select(User.id).where(User.email == f"patient2@{DEMO_DOMAIN}")) is not None:
        return
    for days_ago in (13, 6):
        _visit(patient, practitioner_user, days_ago, now)
    db.session.commit()
    for number, (name, rating, text, symptoms) in enumerate(OTHERS, start=1):
        other = User(email=f"patient{number + 1}@{DEMO_DOMAIN}", name=name, role=Role.PATIENT,
                     password_hash=hash_password(password))
        db.session.add(other)
        db.session.flush()
        visit = _visit(other, practitioner_user, 20 + 5 * number, now)
        db.session.commit()
        reports.submit(visit, other, symptoms, now=visit.ends_at + timedelta(days=1))
        reviews.write(visit, other, rating=rating, text=text, now=visit.ends_at + timedelta(days=2))
