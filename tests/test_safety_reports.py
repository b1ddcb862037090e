"""Reaction reports, attendance and the safety queue, without HTTP."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import AppointmentStatus, AuditEvent, ReactionReport, Role, TriageLevel
from directory.services.booking import attendance
from directory.services.safety import checkins, queue, reports
from directory.services.safety.triage import SymptomError
from tests import factories
from tests.booking_fixtures import NOW, outbox, patient, practitioner_with_hours, seen_before

URGENT = [{"code": "chest_pain_breathless", "severity": "mild"}]
NEEDLE = [{"code": "needle_left", "severity": "mild"}]


@pytest.fixture
def visit(app):
    """A confirmed visit that ended an hour before NOW."""
    practitioner = practitioner_with_hours()
    appointment = seen_before(patient(name="Ana Ruiz"), practitioner, now=NOW + timedelta(days=30) - timedelta(hours=2))
    appointment.status = AppointmentStatus.CONFIRMED
    db.session.commit()
    return appointment


def audit_actions(subject_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "reaction_report",
                                                                   AuditEvent.subject_id == subject_id)))


def test_an_urgent_report_emails_the_practitioner_and_opens_a_queue_item_at_once(visit):
    done = reports.submit(visit, visit.patient, URGENT, "It hurts to breathe in", now=NOW)
    assert done.outcome.level is TriageLevel.URGENT and "911" in done.outcome.advice
    mail = outbox()
    assert [m.recipient for m in mail] == [visit.practitioner.user.email]
    assert "It hurts" not in mail[0].body and "chest" not in mail[0].body.lower()
    assert [r.id for r in queue.open_urgent()] == [done.report.id]


def test_a_failed_transaction_leaves_neither_report_nor_email(visit, monkeypatch):
    def broken(_report):
        raise RuntimeError("mail queue down")
    monkeypatch.setattr(reports.safety_mail, "reaction_needs_attention", broken)
    with pytest.raises(RuntimeError):
        reports.submit(visit, visit.patient, URGENT, now=NOW)
    db.session.rollback()
    assert db.session.scalars(select(ReactionReport)).all() == [] and outbox() == []


def test_self_care_and_nothing_to_report_email_nobody(visit):
    reports.submit(visit, visit.patient, [], now=NOW)
    reports.submit(visit, visit.patient, [{"code": "bruising_bleeding", "severity": "mild"}], now=NOW)
    assert outbox() == [] and queue.open_urgent() == []
    assert [r.level for r in reports.for_appointment(visit)] == [TriageLevel.SELF_CARE, TriageLevel.NONE]


def test_symptoms_and_notes_are_encrypted_at_rest(visit):
    report = reports.submit(visit, visit.patient, NEEDLE, "Warfarinex note", now=NOW).report
    raw = db.session.execute(db.text("SELECT content FROM reaction_report WHERE id = :id"), {"id": report.id}).scalar()
    assert "needle_left" not in raw and "Warfarinex" not in raw


def test_only_that_patient_and_that_practitioner_read_a_report_and_every_read_is_audited(visit):
    report = reports.submit(visit, visit.patient, NEEDLE, "left hip", now=NOW).report
    assert reports.read(report, visit.patient)["notes"] == "left hip"
    assert reports.read(report, visit.practitioner.user)["symptoms"] == {"needle_left": "mild"}
    admin = factories.create_user(role=Role.ADMIN)
    other_practitioner = practitioner_with_hours()
    for intruder in (admin, other_practitioner.user, patient()):
        with pytest.raises(PermissionError):
            reports.read(report, intruder)
    assert audit_actions(report.id).count("reaction.read") == 2
    assert audit_actions(report.id).count("reaction.read_denied") == 3


def test_someone_elses_or_an_unattended_visit_cannot_be_reported_on(visit):
    with pytest.raises(PermissionError):
        reports.submit(visit, patient(), NEEDLE, now=NOW)
    visit.status = AppointmentStatus.NO_SHOW
    db.session.commit()
    with pytest.raises(PermissionError):
        reports.submit(visit, visit.patient, NEEDLE, now=NOW)


def test_reports_are_taken_for_thirty_days_after_the_visit(visit):
    end = visit.ends_at.replace(tzinfo=NOW.tzinfo)
    assert reports.may_report(visit, visit.patient, end + timedelta(days=30))
    assert not reports.may_report(visit, visit.patient, end + timedelta(days=30, seconds=1))
    assert not reports.may_report(visit, visit.patient, end - timedelta(seconds=1))


def test_other_needs_a_description(visit):
    with pytest.raises(SymptomError) as caught:
        reports.submit(visit, visit.patient, [{"code": "other", "severity": "mild"}], "  ", now=NOW)
    assert caught.value.field == "notes"


def test_the_practitioner_acknowledges_with_a_note_once_and_it_is_audited(visit):
    report = reports.submit(visit, visit.patient, NEEDLE, now=NOW).report
    with pytest.raises(PermissionError):
        reports.acknowledge(report, practitioner_with_hours().user, "removed", now=NOW)
    with pytest.raises(SymptomError):
        reports.acknowledge(report, visit.practitioner.user, "   ", now=NOW)
    reports.acknowledge(report, visit.practitioner.user, "Called; removed the needle", now=NOW)
    assert not report.needs_acknowledgement
    assert "reaction.acknowledge" in audit_actions(report.id)
    with pytest.raises(SymptomError):
        reports.acknowledge(report, visit.practitioner.user, "again", now=NOW)


def test_an_unmarked_visit_counts_as_attended_48_hours_after_its_end_unless_the_patient_says_not(visit):
    end = visit.ends_at.replace(tzinfo=NOW.tzinfo)
    assert not attendance.was_attended(visit, end + timedelta(hours=48) - timedelta(seconds=1))
    assert attendance.was_attended(visit, end + timedelta(hours=48))
    attendance.patient_missed(visit, by=visit.patient, now=end + timedelta(hours=1))
    assert visit.status is AppointmentStatus.NO_SHOW
    assert not attendance.was_attended(visit, end + timedelta(days=3))


def test_only_the_practitioner_marks_attendance_and_only_once_the_visit_started(visit):
    with pytest.raises(PermissionError):
        attendance.mark(visit, attended=True, by=visit.patient, now=NOW)
    with pytest.raises(attendance.AttendanceError):
        attendance.mark(visit, attended=True, by=visit.practitioner.user,
                        now=visit.starts_at.replace(tzinfo=NOW.tzinfo) - timedelta(seconds=1))
    attendance.mark(visit, attended=False, by=visit.practitioner.user, now=NOW)
    assert visit.status is AppointmentStatus.NO_SHOW
    attendance.mark(visit, attended=True, by=visit.practitioner.user, now=NOW)
    assert visit.status is AppointmentStatus.COMPLETED


def test_the_safety_check_in_goes_out_once_a_day_after_the_visit(visit):
    end = visit.ends_at.replace(tzinfo=NOW.tzinfo)
    assert checkins.send_due(now=end + timedelta(hours=23)) == 0
    assert checkins.send_due(now=end + timedelta(hours=24)) == 1
    assert checkins.send_due(now=end + timedelta(hours=30)) == 0
    (mail,) = outbox()
    assert mail.recipient == visit.patient.email and "Nothing to report" in mail.body


def test_an_admin_closes_a_queue_item_with_a_reason(visit):
    report = reports.submit(visit, visit.patient, URGENT, now=NOW).report
    admin = factories.create_user(role=Role.ADMIN)
    with pytest.raises(ValueError):
        queue.close(report, admin, " ")
    queue.close(report, admin, "Practitioner called the patient; seen in ED", now=NOW)
    assert queue.open_urgent() == [] and "reaction.queue_close" in audit_actions(report.id)


def test_a_practitioner_whose_reaction_rate_is_improbably_high_is_flagged(app):
    practitioner, calm = practitioner_with_hours(), practitioner_with_hours()
    someone = patient()
    for _ in range(12):
        for who in (practitioner, calm):
            seen_before(someone, who)
    for appointment in db.session.scalars(select(queue.Appointment).where(
            queue.Appointment.practitioner_id == practitioner.id)).all()[:6]:
        reports.submit(appointment, someone, [{"code": "needle_site_pain", "severity": "moderate"}],
                       now=appointment.ends_at.replace(tzinfo=NOW.tzinfo) + timedelta(days=1))
    found = {rate.practitioner.id: rate for rate in queue.rates(now=NOW)}
    assert found[practitioner.id].flagged and found[practitioner.id].any_reaction == 6
    assert not found[calm.id].flagged and found[calm.id].sessions == 12
