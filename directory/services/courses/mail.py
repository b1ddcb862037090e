"""Course emails through the outbox. Emails travel in the clear: they say that something
happened, when and where, and link to Meridian; never goals, advice, scores, outcomes or
the practitioner's reasons (all health data)."""
from __future__ import annotations

from directory.models import Appointment, Course, ReviewDecision
from directory.services.booking.mail import when
from directory.services.booking.calendar_files import first_name
from directory.services.links import external_url
from directory.services.mail.outbox import queue_email


def _link(course: Course) -> str | None:
    return external_url("courses.course", course_id=course.id)


def _both(course: Course, template: str, *, patient_subject: str, practitioner_subject: str, **context) -> None:
    practitioner = course.practitioner
    for to_patient, recipient, subject in ((True, course.patient, patient_subject),
                                           (False, practitioner.user, practitioner_subject)):
        queue_email(recipient.email, subject, template, to_patient=to_patient,
                    name=(course.patient.name if to_patient else practitioner.display_name) or "there",
                    practitioner_name=practitioner.display_name, patient_first_name=first_name(course.patient.name),
                    sessions=course.sessions, link=_link(course), **context)


def proposed(course: Course) -> None:
    name = course.practitioner.display_name
    queue_email(course.patient.email, f"{name} proposes a treatment plan", "course_proposed",
                name=course.patient.name or "there", practitioner_name=name, sessions=course.sessions,
                weeks=course.weeks, link=_link(course))


def booked(course: Course, created: list[Appointment]) -> None:
    _both(course, "course_booked", patient_subject=f"Your {len(created)} sessions with "
                                                   f"{course.practitioner.display_name} are booked",
          practitioner_subject=f"{first_name(course.patient.name)} booked {len(created)} course sessions",
          times=[when(a) for a in created])


def decided(course: Course, decision: ReviewDecision, cancelled: int) -> None:
    ended = decision in (ReviewDecision.STOP, ReviewDecision.REFER)
    subject = "Your treatment course has ended" if ended else "Your treatment plan was reviewed"
    _both(course, "course_decided", patient_subject=subject,
          practitioner_subject=f"You recorded a review decision for {first_name(course.patient.name)}",
          ended=ended, cancelled=cancelled)


def review_notice(course: Course, review: Appointment) -> None:
    _both(course, "course_review", patient_subject="Your progress will be reviewed at your next session",
          practitioner_subject=f"Review due: {first_name(course.patient.name)}'s course, session "
                               f"{course.review_after}", when=when(review))


def checkin_nudge(appointment: Appointment) -> None:
    queue_email(appointment.patient.email, "Your check-in for today's session is still open", "course_nudge",
                name=appointment.patient.name or "there", practitioner_name=appointment.practitioner.display_name,
                session=appointment.course_session, when=when(appointment),
                link=external_url("courses.check_in", appointment_id=appointment.id))
