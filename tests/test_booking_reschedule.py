"""Moving a confirmed visit: it stands until the practitioner confirms the new time, which
releases it in the same transaction; a declined, lapsed or withdrawn move leaves it confirmed,
and both sides are told. Both slots are held meanwhile, and one move waits per visit."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import AppointmentStatus, AuditEvent
from directory.models._types import as_utc
from directory.services.booking import replacement as booking_replacement
from directory.services.booking import reschedule as booking_reschedule
from directory.services.booking import jobs as booking_jobs
from directory.services.booking import requests as booking
from tests.api_contract import bearer, call
from tests.booking_fixtures import (NEXT_THURSDAY, NOW, appointments, local, open_every_day, outbox,
                                    overlapping_active_pairs, patient, practitioner_with_hours, request)
from tests.helpers_auth import login_as

S = AppointmentStatus


@pytest.fixture
def practitioner(app):
    """Slots of an hour with 15-minute breaks: Mission from 9:00, Noe Valley from 9:30."""
    practitioner = practitioner_with_hours(display_name="Mei Lin", clinics=[{"name": "Mission"},
                                                                           {"name": "Noe Valley"}])
    open_every_day(practitioner.clinics[1], start=time(9, 30))
    return practitioner


def _noe(practitioner) -> int:
    return practitioner.clinics[1].id


@pytest.fixture
def ada(app):
    return patient(name="Ada Lovelace", email="ada@example.test")


@pytest.fixture
def confirmed(practitioner, ada):
    appointment = request(ada, practitioner, local(NEXT_THURSDAY, 9))
    booking.confirm(appointment, practitioner_user=practitioner.user, now=NOW)
    return appointment


def _move(appointment, patient_user, hour: int, minute: int = 0, clinic_id: int | None = None):
    return booking_reschedule.reschedule(appointment, patient=patient_user, clinic_id=clinic_id,
                                         new_start=local(NEXT_THURSDAY, hour, minute), now=NOW)


def _refreshed(*rows):
    for row in rows:
        db.session.refresh(row)


def _mail_since(count: int) -> list:
    return outbox()[count:]


def test_moving_a_confirmed_visit_keeps_it_confirmed_and_holds_both_slots(confirmed, ada, practitioner):
    mails = len(outbox())
    new = _move(confirmed, ada, 14)
    _refreshed(confirmed)
    assert (confirmed.status, new.status, new.replaces_id) == (S.CONFIRMED, S.REQUESTED, confirmed.id)
    assert new.rescheduled_from_id is None
    assert booking_replacement.waiting_replacement(confirmed, NOW).id == new.id
    # The move must be answered before the visit it would replace begins.
    assert as_utc(new.hold_expires_at) <= as_utc(confirmed.starts_at)
    for start in (local(NEXT_THURSDAY, 9), local(NEXT_THURSDAY, 14)):  # both held
        with pytest.raises(booking.SlotTaken):
            request(patient(), practitioner, start)
    assert overlapping_active_pairs() == []
    to_patient, to_practitioner = _mail_since(mails)
    assert to_patient.recipient == "ada@example.test"
    assert "Your confirmed time stays booked until Mei Lin confirms the new one" in to_patient.body
    assert "you keep your confirmed time" in to_patient.body
    assert "Booked:     Thursday 12 March 2026, 9:00 AM PDT" in to_patient.body
    assert "Confirm the new time and the earlier one is released" in to_practitioner.body
    assert "cancelled" not in to_patient.body.lower()


def test_confirming_the_move_releases_the_original_in_the_same_step(confirmed, ada, practitioner):
    new = _move(confirmed, ada, 14)
    mails = len(outbox())
    booking.confirm(new, practitioner_user=practitioner.user, now=NOW)
    _refreshed(confirmed, new)
    assert (new.status, confirmed.status) == (S.CONFIRMED, S.CANCELLED)
    assert confirmed.cancel_reason == booking_replacement.MOVED_REASON
    assert confirmed.cancelled_by_id == ada.id and new.rescheduled_from_id == confirmed.id
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == confirmed.id)))
    assert actions[-1] == "appointment.rescheduled"
    for message in _mail_since(mails):
        assert "Was:  Thursday 12 March 2026, 9:00 AM PDT to 10:00 AM PDT (America/Los_Angeles) (released)" \
            in message.body
        assert sorted(a["content_type"] for a in message.attachments) == [
            "text/calendar; method=CANCEL", "text/calendar; method=PUBLISH"]
    request(patient(), practitioner, local(NEXT_THURSDAY, 9))  # the old time is free again
    assert overlapping_active_pairs() == []


def test_declining_the_move_keeps_the_original_confirmed_and_tells_both_sides(confirmed, ada, practitioner):
    new = _move(confirmed, ada, 14)
    mails = len(outbox())
    booking.decline(new, practitioner_user=practitioner.user, message="Fully booked that afternoon.", now=NOW)
    _refreshed(confirmed, new)
    assert (new.status, confirmed.status) == (S.DECLINED, S.CONFIRMED)
    to_patient, to_practitioner = _mail_since(mails)
    assert "your confirmed visit stands" in to_patient.subject
    assert "Nothing has changed: you keep\n  Thursday 12 March 2026, 9:00 AM PDT" in to_patient.body
    assert "Nothing is booked" not in to_patient.body
    assert "which\nstays booked: Thursday 12 March 2026, 9:00 AM PDT" in to_practitioner.body


def test_a_move_nobody_answers_lapses_and_the_original_stays(confirmed, ada):
    new = _move(confirmed, ada, 14)
    mails = len(outbox())
    assert booking_jobs.expire_holds(now=as_utc(new.hold_expires_at)) == 1
    _refreshed(confirmed, new)
    assert (new.status, confirmed.status) == (S.EXPIRED, S.CONFIRMED)
    to_patient, to_practitioner = _mail_since(mails)
    assert "your confirmed visit stands" in to_patient.subject and "nothing is booked" not in to_patient.body
    assert "Nothing has changed: you keep" in to_patient.body
    assert "Nothing has changed: it stays booked:" in to_practitioner.body


def test_asking_again_replaces_the_waiting_move_instead_of_stacking_a_second(confirmed, ada, practitioner):
    first = _move(confirmed, ada, 14)
    second = _move(confirmed, ada, 15, 15)
    _refreshed(first, confirmed)
    assert first.status is S.CANCELLED and first.cancel_reason == booking_replacement.SUPERSEDED_REASON
    assert (second.status, second.replaces_id, confirmed.status) == (S.REQUESTED, confirmed.id, S.CONFIRMED)
    waiting = [a for a in appointments() if a.replaces_id == confirmed.id and a.status is S.REQUESTED]
    assert [a.id for a in waiting] == [second.id]
    request(patient(), practitioner, local(NEXT_THURSDAY, 14))  # the first move's slot is free again


def test_asking_again_for_a_time_overlapping_the_waiting_move_is_allowed(confirmed, ada, practitioner):
    first = _move(confirmed, ada, 14)
    second = _move(confirmed, ada, 14, 30, clinic_id=_noe(practitioner))
    _refreshed(first)
    assert (first.status, second.status) == (S.CANCELLED, S.REQUESTED)
    assert overlapping_active_pairs() == []


def test_a_move_may_not_overlap_the_visit_it_would_replace(confirmed, ada, practitioner):
    mails = len(outbox())
    with pytest.raises(booking.BookingError, match="overlaps your confirmed visit"):
        _move(confirmed, ada, 9, 30, clinic_id=_noe(practitioner))
    _refreshed(confirmed)
    assert confirmed.status is S.CONFIRMED and len(appointments()) == 1 and len(outbox()) == mails


def test_a_move_to_a_taken_slot_changes_nothing_not_even_the_waiting_move(confirmed, ada, practitioner):
    first = _move(confirmed, ada, 14)
    request(patient(), practitioner, local(NEXT_THURSDAY, 12, 45))
    with pytest.raises(booking.SlotTaken):
        _move(confirmed, ada, 12, 45)
    _refreshed(first, confirmed)
    assert (first.status, confirmed.status) == (S.REQUESTED, S.CONFIRMED)


def test_moving_the_waiting_request_again_keeps_it_a_move_of_the_confirmed_visit(confirmed, ada, practitioner):
    first = _move(confirmed, ada, 14)
    second = _move(first, ada, 15, 15)
    _refreshed(first, confirmed)
    assert (first.status, second.replaces_id, confirmed.status) == (S.CANCELLED, confirmed.id, S.CONFIRMED)
    with pytest.raises(booking.BookingError, match="overlaps your confirmed visit"):
        _move(second, ada, 9, 30, clinic_id=_noe(practitioner))
    booking.confirm(second, practitioner_user=practitioner.user, now=NOW)
    _refreshed(confirmed)
    assert confirmed.status is S.CANCELLED


def test_cancelling_the_confirmed_visit_withdraws_its_waiting_move(confirmed, ada):
    new = _move(confirmed, ada, 14)
    mails = len(outbox())
    booking.cancel(confirmed, by=ada, now=NOW)
    _refreshed(new)
    assert new.status is S.CANCELLED and new.cancel_reason == booking_replacement.WITHDRAWN_REASON
    for message in _mail_since(mails):
        assert "The request to move it to Thursday 12 March 2026, 2:00 PM PDT" in message.body
    assert overlapping_active_pairs() == []


def test_withdrawing_the_move_keeps_the_confirmed_visit(confirmed, ada):
    new = _move(confirmed, ada, 14)
    mails = len(outbox())
    booking.cancel(new, by=ada, now=NOW)
    _refreshed(confirmed)
    assert confirmed.status is S.CONFIRMED
    for message in _mail_since(mails):
        assert "stays booked:\n  Thursday 12 March 2026, 9:00 AM PDT" in message.body


def test_moving_an_unconfirmed_request_still_withdraws_it_at_once(practitioner, ada):
    requested = request(ada, practitioner, local(NEXT_THURSDAY, 9))
    new = _move(requested, ada, 14)
    _refreshed(requested)
    assert (requested.status, new.status, new.replaces_id, new.rescheduled_from_id) == (
        S.CANCELLED, S.REQUESTED, None, requested.id)


# --- what the API and the pages say -------------------------------------------------------------

def _real_time_world(practitioner, ada):
    """A confirmed visit and a waiting move, on the real clock (the routes use it)."""
    now = datetime.now(timezone.utc)
    day = now.date() + timedelta(days=5)
    original = request(ada, practitioner, local(day, 9), now=now)
    booking.confirm(original, practitioner_user=practitioner.user, now=now)
    new = booking_reschedule.reschedule(original, patient=ada, new_start=local(day, 14), now=now)
    return original, new


def test_the_api_links_the_move_and_its_confirmed_visit_and_confirming_releases_it(client, practitioner, ada):
    original, new = _real_time_world(practitioner, ada)
    from directory.services.accounts import api_tokens
    as_ada, as_mei = bearer(api_tokens.create_token(ada)[0]), bearer(api_tokens.create_token(practitioner.user)[0])
    body = call(client, "GET", f"/api/v1/appointments/{original.id}", 200, headers=as_ada)
    assert (body["status"], body["replaced_by"], body["replaces"]) == ("confirmed", new.id, None)
    body = call(client, "GET", f"/api/v1/appointments/{new.id}", 200, headers=as_mei)
    assert (body["status"], body["replaces"], body["replaced_by"]) == ("requested", original.id, None)
    body = call(client, "POST", f"/api/v1/appointments/{new.id}/confirm", 200, headers=as_mei)
    assert body["status"] == "confirmed"
    body = call(client, "GET", f"/api/v1/appointments/{original.id}", 200, headers=as_ada)
    assert (body["status"], body["replaced_by"]) == ("cancelled", None)


def test_the_pages_say_the_confirmed_visit_stands_until_the_move_is_confirmed(client, practitioner, ada):
    original, new = _real_time_world(practitioner, ada)
    login_as(client, ada)
    later = as_utc(new.starts_at) + timedelta(minutes=75)
    page = client.get(f"/appointments/{original.id}/reschedule?clinic={new.clinic_id}"
                      f"&start={later.strftime('%Y-%m-%dT%H:%M:%SZ')}").get_data(as_text=True)
    assert "Your confirmed time stays booked" in page
    assert "replaces the move you asked for earlier" in page
    mine = " ".join(client.get("/appointments").get_data(as_text=True).split())
    assert "You asked to move this visit to" in mine
    assert "if they decline or do not answer, you keep this time" in mine
    assert "A request to move your confirmed visit on" in mine
    login_as(client, practitioner.user)
    inbox = " ".join(client.get("/practice/appointments").get_data(as_text=True).split())
    assert "Confirming it releases that visit; declining it, or letting it lapse, keeps that visit booked." in inbox


def test_the_web_move_and_its_confirmation_say_what_happened(client, practitioner, ada):
    original, new = _real_time_world(practitioner, ada)
    login_as(client, ada)
    later = as_utc(new.starts_at) + timedelta(minutes=75)
    response = client.post(f"/appointments/{original.id}/reschedule", follow_redirects=True,
                           data={"clinic": str(new.clinic_id), "start": later.strftime("%Y-%m-%dT%H:%M:%SZ")})
    said = " ".join(response.get_data(as_text=True).split())
    assert "Your confirmed time stays booked until Mei Lin confirms the new one; if they decline or do not " \
           "answer, you keep it." in said
    db.session.expire_all()
    latest = max(appointments(), key=lambda a: a.id)
    assert (latest.replaces_id, latest.status) == (original.id, S.REQUESTED)
    assert [a.status for a in appointments()[:2]] == [S.CONFIRMED, S.CANCELLED]  # the visit, the older move

    login_as(client, practitioner.user)
    page = " ".join(client.get(f"/practice/appointments/{latest.id}").get_data(as_text=True).split())
    assert "Confirming it releases that visit" in page
    response = client.post(f"/practice/appointments/{latest.id}/confirm", follow_redirects=True)
    assert "Their earlier visit, " in response.get_data(as_text=True)
    db.session.expire_all()
    assert [a.status for a in appointments()] == [S.CANCELLED, S.CANCELLED, S.CONFIRMED]
