"""The booking service: requests, holds, the status machine, cut-off, reschedule, intake access."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import event as sql_event
from sqlalchemy import inspect, select, text

from directory.extensions import db
from directory.models import AppointmentKind, AppointmentStatus, AuditEvent, Role
from directory.services.booking import requests as booking
from directory.services.booking import calendar_files
from directory.services.booking import jobs as booking_jobs
from directory.services.booking import queries as booking_queries
from directory.services.booking import reschedule as booking_reschedule
from directory.services.booking import scheduling
from directory.services.booking.intake import IntakeError, RedFlag
from directory.models._types import as_utc
from tests import factories
from tests.booking_fixtures import (INTAKE, MEDICATION, NEXT_THURSDAY, NOW, UTC, WEDNESDAY, appointments, local,
                                    open_every_day, outbox, patient, practitioner_with_hours, request, seen_before)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def practitioner(app):
    return practitioner_with_hours()


@pytest.fixture
def ada(app):
    return patient(name="Ada Lovelace", email="ada@example.test")


# --- Requesting ------------------------------------------------------------------------------

def test_a_request_holds_its_slot_for_hold_hours_when_the_start_is_far_off(practitioner, ada):
    appointment = request(ada, practitioner, local(NEXT_THURSDAY, 9))
    assert appointment.status is AppointmentStatus.REQUESTED
    assert as_utc(appointment.ends_at) == local(NEXT_THURSDAY, 10)
    assert as_utc(appointment.hold_expires_at) == NOW + timedelta(hours=48)


def test_the_hold_never_runs_past_the_minimum_notice_before_the_start(practitioner, ada):
    start = local(WEDNESDAY, 9)  # 49 hours from now: 48 h would leave 1 h, less than 24 h notice
    appointment = request(ada, practitioner, start)
    assert as_utc(appointment.hold_expires_at) == start - timedelta(hours=24)


def test_the_hold_follows_the_configured_hours(app, practitioner, ada):
    app.config["HOLD_HOURS"] = 6
    appointment = request(ada, practitioner, local(NEXT_THURSDAY, 9))
    assert as_utc(appointment.hold_expires_at) == NOW + timedelta(hours=6)


def test_a_request_emails_both_sides_with_local_times_and_no_health_data(practitioner, ada):
    request(ada, practitioner, local(WEDNESDAY, 9))
    messages = outbox()
    assert sorted(m.recipient for m in messages) == sorted([ada.email, practitioner.user.email])
    for message in messages:
        assert "Wednesday 4 March 2026, 9:00 AM PST to 10:00 AM PST (America/Los_Angeles)" in message.body
        everything = message.subject + message.body + json.dumps(message.attachments)
        for secret in (MEDICATION, "herniation", "moving house", "anticoagulant"):
            assert secret not in everything
        assert message.attachments[0]["filename"].endswith(".ics")


def test_a_request_is_audited_without_the_intake(practitioner, ada):
    appointment = request(ada, practitioner, local(WEDNESDAY, 9))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "appointment.requested"))
    assert event.subject_id == appointment.id and event.actor_id == ada.id
    assert MEDICATION not in json.dumps([event.before, event.after, event.reason])


@pytest.mark.parametrize("start", [
    local(WEDNESDAY, 9, 5),                        # not on the slot grid
    local(WEDNESDAY, 8),                            # before opening
    local(NOW.date() + timedelta(days=1), 10),      # inside the 24-hour notice
    local(NOW.date() + timedelta(days=70), 9),      # beyond the 60-day horizon
])
def test_a_time_that_is_not_a_free_slot_is_refused(practitioner, ada, start):
    with pytest.raises(booking.InvalidSlot):
        request(ada, practitioner, start)
    assert appointments() == [] and outbox() == []


@pytest.mark.parametrize("start", [
    datetime(9999, 12, 31, 23, 30, tzinfo=UTC),                                 # its end would overflow
    datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),       # not even UTC fits
    datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=5))),
    datetime(1, 1, 1, 0, 0, tzinfo=UTC),
    NOW - timedelta(days=3661),
])
def test_a_time_absurdly_far_off_is_an_invalid_slot(practitioner, ada, start):
    with pytest.raises(booking.InvalidSlot):
        request(ada, practitioner, start)
    confirmed = request(ada, practitioner, local(WEDNESDAY, 9))
    with pytest.raises(booking.InvalidSlot):
        booking_reschedule.reschedule(confirmed, patient=ada, new_start=start, now=NOW)
    assert [a.id for a in appointments()] == [confirmed.id]


def test_a_time_without_its_utc_offset_is_refused(practitioner, ada):
    with pytest.raises(booking.InvalidSlot):
        request(ada, practitioner, local(WEDNESDAY, 9).replace(tzinfo=None))


def test_a_clinic_of_another_practitioner_is_refused(practitioner, ada):
    other = practitioner_with_hours()
    with pytest.raises(booking.InvalidSlot):
        request(ada, practitioner, local(WEDNESDAY, 9), clinic_id=other.clinics[0].id)


def test_a_taken_slot_raises_slot_taken_with_fresh_slots(practitioner, ada):
    request(ada, practitioner, local(WEDNESDAY, 9))
    with pytest.raises(booking.SlotTaken) as caught:
        request(patient(), practitioner, local(WEDNESDAY, 9))
    fresh = caught.value.fresh_slots
    assert fresh and local(WEDNESDAY, 9) not in [slot.start for slot in fresh]
    assert local(WEDNESDAY, 10, 15) in [slot.start for slot in fresh]
    assert len(appointments()) == 1


def test_the_next_slot_after_the_buffer_can_be_booked(practitioner, ada):
    request(ada, practitioner, local(WEDNESDAY, 9))
    request(patient(), practitioner, local(WEDNESDAY, 10, 15))
    assert len(appointments()) == 2


def test_only_patients_can_request(practitioner):
    other = factories.create_practitioner()
    with pytest.raises(PermissionError):
        request(other.user, practitioner, local(WEDNESDAY, 9))


def test_a_red_flag_books_nothing(practitioner, ada):
    intake = {**INTAKE, "red_flags": {**INTAKE["red_flags"], "saddle_numbness": True}}
    with pytest.raises(RedFlag):
        request(ada, practitioner, local(WEDNESDAY, 9), intake=intake)
    assert appointments() == [] and outbox() == [] and audit_actions() == []


def test_an_invalid_intake_books_nothing(practitioner, ada):
    with pytest.raises(IntakeError) as caught:
        request(ada, practitioner, local(WEDNESDAY, 9), intake={**INTAKE, "pain_score": 11})
    assert "pain_score" in caught.value.errors
    assert appointments() == []


def test_a_practitioner_not_accepting_new_patients_takes_follow_ups_only(ada):
    practitioner = practitioner_with_hours(accepting_new_patients=False)
    with pytest.raises(booking.BookingError):
        request(ada, practitioner, local(WEDNESDAY, 9))
    seen_before(ada, practitioner)
    request(ada, practitioner, local(WEDNESDAY, 9), kind=AppointmentKind.FOLLOW_UP)


def test_follow_ups_are_for_patients_seen_before(practitioner, ada):
    with pytest.raises(booking.KindRefused):
        request(ada, practitioner, local(WEDNESDAY, 9), kind=AppointmentKind.FOLLOW_UP)
    closed = practitioner_with_hours(accepting_new_patients=False)
    with pytest.raises(booking.KindRefused):
        request(ada, closed, local(WEDNESDAY, 9), kind=AppointmentKind.FOLLOW_UP)
    assert appointments() == []


# --- Confirm and decline: compare-and-swap on the status ---------------------------------------

def test_the_practitioner_confirms(practitioner, ada):
    appointment = request(ada, practitioner, local(WEDNESDAY, 9))
    booking.confirm(appointment, practitioner_user=practitioner.user, now=NOW + timedelta(hours=1))
    assert appointment.status is AppointmentStatus.CONFIRMED
    assert appointment.confirmed_at is not None
    assert "appointment.confirmed" in audit_actions()
    subjects = [m.subject for m in outbox()]
    assert "Confirmed: acupuncture with " + practitioner.display_name + ", 4 Mar, 9:00 AM PST" in subjects


def test_another_practitioner_cannot_confirm(practitioner, ada):
    appointment = request(ada, practitioner, local(WEDNESDAY, 9))
    with pytest.raises(PermissionError):
        booking.confirm(appointment, practitioner_user=factories.create_practitioner().user, now=NOW)
    assert appointment.status is AppointmentStatus.REQUESTED


def test_confirming_twice_fails_the_second_time(practitioner, ada):
    appointment = request(ada, practitioner, local(WEDNESDAY, 9))
    booking.confirm(appointment, practitioner_user=practitioner.user, now=NOW)
    with pytest.raises(booking.BookingError, match="no longer waiting"):
        booking.confirm(appointment, practitioner_user=practitioner.user, now=NOW)


def test_confirm_checks_the_stored_status_not_the_loaded_object(practitioner, ada):
    appointment = request(ada, practitioner, local(WEDNESDAY, 9))
    appointment_id = appointment.id
    assert appointment.status is AppointmentStatus.REQUESTED
    # Another process declines it behind this session's back.
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE appointment SET status = 'declined' WHERE id = :id"), {"id": appointment_id})
    with pytest.raises(booking.BookingError, match="declined"):
        booking.confirm(appointment, practitioner_user=practitioner.user, now=NOW)
    assert appointment.status is AppointmentStatus.DECLINED


def test_a_request_cannot_be_confirmed_once_its_hold_expired(practitioner, ada):
    appointment = request(ada, practitioner, local(NEXT_THURSDAY, 9))
    with pytest.raises(booking.BookingError, match="expired"):
        booking.confirm(appointment, practitioner_user=practitioner.user, now=NOW + timedelta(hours=49))
    assert appointment.status is AppointmentStatus.REQUESTED


def test_decline_keeps_the_message_for_the_app_but_out_of_the_email(practitioner, ada):
    appointment = request(ada, practitioner, local(WEDNESDAY, 9))
    before = len(outbox())
    booking.decline(appointment, practitioner_user=practitioner.user, message="Please see your GP about the numbness.",
                    now=NOW)
    assert appointment.status is AppointmentStatus.DECLINED
    assert appointment.decline_message == "Please see your GP about the numbness."
    new = outbox()[before:]
    assert sorted(m.recipient for m in new) == sorted([ada.email, practitioner.user.email])
    to_patient = next(m for m in new if m.recipient == ada.email)
    assert "numbness" not in to_patient.body and "left you a message" in to_patient.body
    assert "appointment.declined" in audit_actions()
    with pytest.raises(booking.BookingError):
        booking.confirm(appointment, practitioner_user=practitioner.user, now=NOW)


# --- Cancelling ---------------------------------------------------------------------------------

@pytest.fixture
def confirmed(practitioner, ada):
    appointment = request(ada, practitioner, local(NEXT_THURSDAY, 9))
    booking.confirm(appointment, practitioner_user=practitioner.user, now=NOW)
    return appointment


def test_the_patient_cancels_before_the_cut_off(confirmed, ada):
    booking.cancel(confirmed, by=ada, reason="Cannot make it", now=local(NEXT_THURSDAY, 9) - timedelta(hours=25))
    assert confirmed.status is AppointmentStatus.CANCELLED
    assert confirmed.cancelled_by_id == ada.id
    last_two = outbox()[-2:]
    assert {m.recipient for m in last_two} == {ada.email, confirmed.practitioner.user.email}
    assert all("method=CANCEL" in m.attachments[0]["content_type"] for m in last_two)


def test_the_patient_cannot_cancel_after_the_cut_off(confirmed, ada):
    with pytest.raises(booking.BookingError, match="too late"):
        booking.cancel(confirmed, by=ada, now=local(NEXT_THURSDAY, 9) - timedelta(hours=23))
    assert confirmed.status is AppointmentStatus.CONFIRMED


def test_the_cut_off_is_configurable(app, confirmed, ada):
    app.config["CANCEL_CUTOFF_HOURS"] = 2
    booking.cancel(confirmed, by=ada, now=local(NEXT_THURSDAY, 9) - timedelta(hours=3))
    assert confirmed.status is AppointmentStatus.CANCELLED


def test_an_unanswered_request_can_be_withdrawn_inside_the_cut_off(practitioner, ada):
    appointment = request(ada, practitioner, local(WEDNESDAY, 9))
    booking.cancel(appointment, by=ada, now=local(WEDNESDAY, 9) - timedelta(hours=2))
    assert appointment.status is AppointmentStatus.CANCELLED


def test_the_practitioner_cancels_until_the_start(confirmed):
    user = confirmed.practitioner.user
    with pytest.raises(booking.BookingError):
        booking.cancel(confirmed, by=user, reason="Ill", now=local(NEXT_THURSDAY, 9) + timedelta(minutes=1))
    booking.cancel(confirmed, by=user, reason="Ill", now=local(NEXT_THURSDAY, 9) - timedelta(hours=1))
    assert confirmed.status is AppointmentStatus.CANCELLED
    assert "appointment.cancelled" in audit_actions()


def test_nobody_else_cancels(confirmed):
    admin = factories.create_user(role=Role.ADMIN)
    for user in (patient(), factories.create_practitioner().user, admin):
        with pytest.raises(PermissionError):
            booking.cancel(confirmed, by=user, now=NOW)
    assert confirmed.status is AppointmentStatus.CONFIRMED


def test_cancelling_twice_fails(confirmed, ada):
    booking.cancel(confirmed, by=ada, now=NOW)
    with pytest.raises(booking.BookingError):
        booking.cancel(confirmed, by=ada, now=NOW)


# --- Rescheduling -------------------------------------------------------------------------------

def test_moving_a_request_claims_the_new_slot_and_withdraws_the_old(practitioner, ada):
    # (A confirmed visit is not given up for a request: tests/test_booking_reschedule.py.)
    requested = request(ada, practitioner, local(NEXT_THURSDAY, 9))
    new = booking_reschedule.reschedule(requested, patient=ada, new_start=local(NEXT_THURSDAY, 14), now=NOW)
    assert new.status is AppointmentStatus.REQUESTED
    assert new.rescheduled_from_id == requested.id
    assert requested.status is AppointmentStatus.CANCELLED
    assert booking_queries.read_intake(new, reader=ada)["medications"] == INTAKE["medications"]
    assert "appointment.rescheduled" in audit_actions()
    for message in outbox()[-2:]:
        assert "Was:  Thursday 12 March 2026, 9:00 AM PDT to 10:00 AM PDT" in message.body
        methods = sorted(a["content_type"] for a in message.attachments)
        assert methods == ["text/calendar; method=CANCEL", "text/calendar; method=PUBLISH"]
    # The old time is free again.
    request(patient(), practitioner, local(NEXT_THURSDAY, 9))


def test_reschedule_to_a_taken_slot_leaves_the_old_appointment_untouched(confirmed, ada):
    request(patient(), confirmed.practitioner, local(NEXT_THURSDAY, 14))
    mails = len(outbox())
    with pytest.raises(booking.SlotTaken):
        booking_reschedule.reschedule(confirmed, patient=ada, new_start=local(NEXT_THURSDAY, 14), now=NOW)
    assert confirmed.status is AppointmentStatus.CONFIRMED
    assert len(appointments()) == 2 and len(outbox()) == mails


def test_reschedule_to_an_overlapping_slot_at_another_clinic(ada):
    practitioner = practitioner_with_hours(clinics=[{"name": "Mission"}, {"name": "Noe Valley"}])
    mission, noe = practitioner.clinics
    open_every_day(noe, start=time(9, 30))
    old = request(ada, practitioner, local(NEXT_THURSDAY, 9), clinic_id=mission.id)
    new = booking_reschedule.reschedule(old, patient=ada, new_start=local(NEXT_THURSDAY, 9, 30), clinic_id=noe.id, now=NOW)
    assert (new.clinic_id, new.status, old.status) == (noe.id, AppointmentStatus.REQUESTED,
                                                       AppointmentStatus.CANCELLED)


def test_only_the_patient_reschedules_and_only_before_the_cut_off(confirmed, ada):
    with pytest.raises(PermissionError):
        booking_reschedule.reschedule(confirmed, patient=patient(), new_start=local(NEXT_THURSDAY, 14), now=NOW)
    with pytest.raises(booking.BookingError, match="too late"):
        booking_reschedule.reschedule(confirmed, patient=ada, new_start=local(NEXT_THURSDAY, 14),
                           now=local(NEXT_THURSDAY, 9) - timedelta(hours=1))
    assert confirmed.status is AppointmentStatus.CONFIRMED


# --- Expiry and reminders -------------------------------------------------------------------------

def test_expire_holds_is_idempotent_and_frees_the_slot(practitioner, ada):
    stale = request(ada, practitioner, local(NEXT_THURSDAY, 9))
    fresh = request(patient(), practitioner, local(NEXT_THURSDAY, 14), now=NOW + timedelta(hours=10))
    later = NOW + timedelta(hours=49)
    assert booking_jobs.expire_holds(now=later) == 1
    mails = len(outbox())
    assert booking_jobs.expire_holds(now=later) == 0
    assert len(outbox()) == mails
    assert (stale.status, fresh.status) == (AppointmentStatus.EXPIRED, AppointmentStatus.REQUESTED)
    assert audit_actions().count("appointment.expired") == 1
    request(patient(), practitioner, local(NEXT_THURSDAY, 9), now=later)


def selects_during(action) -> int:
    """How many SELECT statements ``action`` runs."""
    count = 0

    def counter(conn, cursor, statement, *args):
        nonlocal count
        count += statement.lstrip().upper().startswith("SELECT")
    sql_event.listen(db.engine, "before_cursor_execute", counter)
    try:
        action()
    finally:
        sql_event.remove(db.engine, "before_cursor_execute", counter)
    return count


@pytest.mark.parametrize("job", ["expire", "remind"])
def test_jobs_load_their_rows_in_one_batch(practitioner, job):
    """Many rows cost the same reads as one: no query per appointment."""
    def make(day, count: int) -> datetime:
        found = scheduling.free_slots(practitioner, start=day, days=1, kind=AppointmentKind.INITIAL, now=NOW)
        for slot in found[:count]:
            appointment = request(patient(), practitioner, slot.start)
            if job == "remind":
                booking.confirm(appointment, practitioner_user=practitioner.user, now=NOW)
        return found[0].start

    def run(first_start: datetime) -> int:
        db.session.expire_all()
        if job == "expire":
            return booking_jobs.expire_holds(now=NOW + timedelta(hours=49))
        return booking_jobs.send_reminders(now=first_start - timedelta(minutes=1))

    first = make(NEXT_THURSDAY, 1)
    one = selects_during(lambda: run(first))
    first = make(NEXT_THURSDAY + timedelta(days=2), 3)
    many = selects_during(lambda: run(first))
    assert len([m for m in outbox() if m.subject.startswith(("Reminder", "Your request"))]) == 4
    assert one == many


def test_lists_never_load_the_intake(practitioner, ada):
    request(ada, practitioner, local(NEXT_THURSDAY, 9))
    db.session.expire_all()
    listed = (booking_queries.appointments_for_patient(ada) + booking_queries.inbox(practitioner, now=NOW)
              + booking_queries.appointments_for_practitioner(practitioner.user))
    assert listed and all("intake" in inspect(a).unloaded for a in listed)
    assert booking_queries.read_intake(listed[0], reader=ada)["medications"] == INTAKE["medications"]


def test_a_new_request_expires_a_stale_hold_on_the_way(practitioner, ada):
    stale = request(ada, practitioner, local(NEXT_THURSDAY, 9))
    request(patient(), practitioner, local(NEXT_THURSDAY, 9), now=NOW + timedelta(hours=49))
    assert stale.status is AppointmentStatus.EXPIRED


def test_reminders_go_once_a_day_ahead_for_confirmed_appointments(confirmed, practitioner):
    request(patient(), practitioner, local(NEXT_THURSDAY, 14))
    start = local(NEXT_THURSDAY, 9)
    assert booking_jobs.send_reminders(now=start - timedelta(hours=25)) == 0
    assert booking_jobs.send_reminders(now=start - timedelta(hours=23)) == 1
    assert booking_jobs.send_reminders(now=start - timedelta(hours=22)) == 0
    reminder = outbox()[-1]
    assert reminder.recipient == confirmed.patient.email and reminder.subject.startswith("Reminder:")
    assert confirmed.reminded_at is not None


# --- Reading the intake -------------------------------------------------------------------------

def test_intake_is_readable_by_the_patient_and_their_practitioner_only(confirmed, ada):
    assert booking_queries.read_intake(confirmed, reader=ada)["medications"] == INTAKE["medications"]
    assert booking_queries.read_intake(confirmed, reader=confirmed.practitioner.user)["pain_score"] == 6
    for outsider in (factories.create_practitioner().user, factories.create_user(role=Role.ADMIN), patient()):
        with pytest.raises(PermissionError):
            booking_queries.read_intake(confirmed, reader=outsider)
    assert audit_actions().count("intake.read") == 2
    assert audit_actions().count("intake.read_denied") == 3


def test_every_read_is_audited_and_no_event_holds_intake(confirmed, ada):
    for _ in range(3):
        booking_queries.read_intake(confirmed, reader=confirmed.practitioner.user)
    reads = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "intake.read")))
    assert len(reads) == 3 and {e.actor_id for e in reads} == {confirmed.practitioner.user_id}
    assert {e.subject_id for e in reads} == {confirmed.id}
    for event in db.session.scalars(select(AuditEvent)):
        assert MEDICATION not in json.dumps([event.before, event.after, event.reason])


# --- Lists --------------------------------------------------------------------------------------

def test_inbox_upcoming_and_patient_lists(practitioner, ada):
    first = request(ada, practitioner, local(NEXT_THURSDAY, 9))
    second = request(patient(), practitioner, local(NEXT_THURSDAY, 14), now=NOW + timedelta(hours=1))
    third = request(ada, practitioner, local(NEXT_THURSDAY, 11, 30), now=NOW + timedelta(hours=2))
    booking.confirm(third, practitioner_user=practitioner.user, now=NOW + timedelta(hours=3))
    assert [a.id for a in booking_queries.inbox(practitioner, now=NOW + timedelta(hours=3))] == [first.id, second.id]
    # Once the first hold lapses it is no longer waiting for an answer.
    assert [a.id for a in booking_queries.inbox(practitioner, now=NOW + timedelta(hours=48, minutes=30))] == [second.id]
    assert [a.id for a in booking_queries.upcoming(practitioner, now=NOW)] == [third.id]
    assert [a.id for a in booking_queries.appointments_for_patient(ada)] == [first.id, third.id]  # soonest first


# --- Calendar feed tokens -----------------------------------------------------------------------

def test_calendar_token_is_stored_hashed_replaceable_and_revocable(practitioner):
    secret = calendar_files.new_calendar_token(practitioner)
    assert practitioner.calendar_token_hash != secret and len(practitioner.calendar_token_hash) == 64
    assert calendar_files.practitioner_for_calendar_token(secret).id == practitioner.id
    replacement = calendar_files.new_calendar_token(practitioner)
    assert calendar_files.practitioner_for_calendar_token(secret) is None
    assert calendar_files.practitioner_for_calendar_token(replacement).id == practitioner.id
    calendar_files.revoke_calendar_token(practitioner)
    assert calendar_files.practitioner_for_calendar_token(replacement) is None
    assert calendar_files.practitioner_for_calendar_token("") is None
