"""Shared data for the booking tests: a fixed clock, open hours, a valid intake."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from directory.extensions import db
from directory.models import Appointment, AppointmentKind, AppointmentStatus, OutboxMessage, Role
from directory.services.booking import requests as booking
from directory.services.booking import scheduling
from tests import factories

UTC = timezone.utc
LA = ZoneInfo("America/Los_Angeles")
# Monday 2 March 2026, 08:00 in San Francisco (PST, UTC-8).
NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
MEDICATION = "Warfarinex"  # a made-up drug name: easy to search for in raw rows and emails

INTAKE = {
    "reason": "Low back pain since moving house",
    "pain_duration": "3_to_12_months",
    "pain_score": 6,
    "medical_history": "Lumbar disc herniation in 2019",
    "medications": f"{MEDICATION} 5 mg daily",
    "safety": {"anticoagulants": True, "pregnancy": False, "implanted_device": False,
               "needle_fear": False, "prior_reaction": False},
    "red_flags": {"bladder_bowel": False, "saddle_numbness": False, "fever": False, "major_trauma": False,
                  "cancer_history": False, "weight_loss": False, "leg_weakness": False},
}


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = LA) -> datetime:
    """The UTC instant of a wall-clock time in a clinic's zone."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def open_every_day(clinic, start: time = time(9), end: time = time(17)) -> None:
    scheduling.set_weekly_hours(clinic, {day: [(start, end)] for day in range(7)})


def practitioner_with_hours(**overrides):
    practitioner = factories.create_practitioner(**overrides)
    for clinic in practitioner.clinics:
        open_every_day(clinic)
    return practitioner


def patient(**overrides):
    user = factories.create_user(role=Role.PATIENT, **overrides)
    db.session.commit()
    return user


def request(patient_user, practitioner, start: datetime, *, now: datetime = NOW,
            kind: AppointmentKind = AppointmentKind.INITIAL, clinic_id: int | None = None,
            intake: dict | None = None) -> Appointment:
    return booking.request_appointment(
        patient=patient_user, practitioner=practitioner, clinic_id=clinic_id or practitioner.clinics[0].id,
        start=start, kind=kind, intake=intake or INTAKE, now=now)


def seen_before(patient_user, practitioner, now: datetime = NOW) -> Appointment:
    """A completed visit a month before ``now``: the patient may book follow-ups."""
    start = now - timedelta(days=30)
    appointment = Appointment(
        practitioner_id=practitioner.id, clinic_id=practitioner.clinics[0].id, patient_id=patient_user.id,
        starts_at=start, ends_at=start + timedelta(hours=1), kind=AppointmentKind.INITIAL,
        status=AppointmentStatus.COMPLETED, intake=INTAKE)
    db.session.add(appointment)
    db.session.commit()
    return appointment


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def appointments() -> list[Appointment]:
    return list(db.session.scalars(select(Appointment).order_by(Appointment.id)))


def overlapping_active_pairs() -> list[tuple[int, int]]:
    """Pairs of active appointments of one practitioner that overlap (there must be none)."""
    from directory.models import ACTIVE_STATUSES
    active = [a for a in appointments() if a.status in ACTIVE_STATUSES]
    return [(a.id, b.id) for i, a in enumerate(active) for b in active[i + 1:]
            if a.practitioner_id == b.practitioner_id and a.starts_at < b.ends_at and b.starts_at < a.ends_at]


WEDNESDAY = date(2026, 3, 4)
NEXT_THURSDAY = NOW.date() + timedelta(days=10)  # 12 March 2026, after the spring-forward change
