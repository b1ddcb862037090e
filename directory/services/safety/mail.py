"""Safety emails: never a symptom or a note, only that something is waiting and where."""
from __future__ import annotations

from directory.models import Appointment, ReactionReport
from directory.services.booking.calendar_files import first_name, when
from directory.services.links import external_url
from directory.services.mail.outbox import queue_email


def reaction_needs_attention(report: ReactionReport) -> None:
    practitioner = report.practitioner
    queue_email(practitioner.user.email, "A patient reported a reaction that needs your attention",
                "reaction_needs_attention", name=practitioner.display_name,
                urgent=report.level.value == "urgent",
                link=external_url("safety.practice_reports"))


def safety_checkin(appointment: Appointment) -> None:
    queue_email(appointment.patient.email, "How are you feeling after your acupuncture visit?",
                "safety_checkin", name=first_name(appointment.patient.name) or "there",
                practitioner_name=appointment.practitioner.display_name,
                when=when(appointment.starts_at, appointment.clinic.timezone),
                link=external_url("safety.report", appointment_id=appointment.id))
