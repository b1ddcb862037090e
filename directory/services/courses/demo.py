"""A demo treatment course for the demo patient with the demo practitioner, so that `make run`
shows the whole loop: a first visit three weeks ago, a ten-session plan, the sessions so far
attended with their check-ins (pain falling from 7), and the review session a few days ahead,
its check-in open for the demo patient to answer. Added once; nothing happens when the demo
patient already has a course."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from directory.extensions import db
from directory.models import (Appointment, AppointmentKind, AppointmentStatus, CheckIn, Course, CourseStatus,
                              Practitioner, User)
from directory.services.booking import scheduling
from directory.services.courses.cadence import target_days

GOALS = ["Walking 30 minutes", "Sitting through a work day", "Sleeping through the night"]
ADVICE = ("Walk 20-30 minutes a day, building up slowly. Keep up the physical therapy exercises for your "
          "core twice a week. Try ten minutes of slow breathing before bed on stressful days.")
INTAKE = {"reason": "Low back pain for two years, worse after sitting", "pain_duration": "over_1_year",
          "pain_score": 7, "medical_history": "", "medications": "Ibuprofen as needed",
          "safety": {"anticoagulants": False, "pregnancy": False, "implanted_device": False,
                     "needle_fear": False, "prior_reaction": False},
          "red_flags": {"bladder_bowel": False, "saddle_numbness": False, "fever": False, "major_trauma": False,
                        "cancer_history": False, "weight_loss": False, "leg_weakness": False}}
# (pain, [PSFS per goal]) at each attended session.
ANSWERS = [(7, [3, 2, 4]), (6, [4, 3, 4]), (6, [4, 4, 5]), (5, [5, 4, 6])]
SESSIONS, WEEKS, REVIEW = 10, 7, 5


def ensure_demo_course(patient: User, practitioner: Practitioner, today: date) -> Course | None:
    if db.session.scalar(select(Course.id).where(Course.patient_id == patient.id).limit(1)) is not None:
        return None
    clinic = practitioner.clinics[0]
    tz = scheduling.zone(clinic.timezone)
    now = datetime.now(timezone.utc)
    # The first Tuesday from 13 days ago: the review (5th) session falls 1-7 days from today.
    first = today - timedelta(days=13)
    first += timedelta(days=(1 - first.weekday()) % 7)

    def at(day: date) -> datetime:
        return datetime.combine(day, time(9), tzinfo=tz).astimezone(timezone.utc)

    visit_start = at(first - timedelta(days=7))
    origin = Appointment(practitioner_id=practitioner.id, clinic_id=clinic.id, patient_id=patient.id,
                         starts_at=visit_start, ends_at=visit_start + timedelta(minutes=practitioner.initial_minutes),
                         kind=AppointmentKind.INITIAL, status=AppointmentStatus.COMPLETED, intake=INTAKE,
                         confirmed_at=visit_start - timedelta(days=3))
    db.session.add(origin)
    db.session.flush()
    course = Course(practitioner_id=practitioner.id, patient_id=patient.id, clinic_id=clinic.id,
                    origin_appointment_id=origin.id, sessions=SESSIONS, weeks=WEEKS, review_after=REVIEW,
                    status=CourseStatus.BOOKED, plan={"goals": GOALS, "advice": ADVICE},
                    booked_at=visit_start + timedelta(hours=2), created_at=visit_start + timedelta(hours=1))
    db.session.add(course)
    db.session.flush()
    answers = iter(ANSWERS)
    for number, day in enumerate(target_days(first, SESSIONS, WEEKS), start=1):
        start = at(day)
        end = start + timedelta(minutes=practitioner.follow_up_minutes)
        past = end < now and number < REVIEW
        session = Appointment(practitioner_id=practitioner.id, clinic_id=clinic.id, patient_id=patient.id,
                              starts_at=start, ends_at=end, kind=AppointmentKind.FOLLOW_UP,
                              status=AppointmentStatus.COMPLETED if past else AppointmentStatus.CONFIRMED,
                              intake=INTAKE, confirmed_at=course.booked_at, course_id=course.id,
                              course_session=number)
        db.session.add(session)
        db.session.flush()
        answer = next(answers, None) if past else None
        if answer is not None:
            pain, scores = answer
            db.session.add(CheckIn(course_id=course.id, session=number, appointment_id=session.id,
                                   answers={"pain": pain, "global_change": None,
                                            "function": [{"activity": g, "score": s} for g, s in zip(GOALS, scores)]},
                                   created_at=start - timedelta(hours=3), updated_at=start - timedelta(hours=3)))
    return course
