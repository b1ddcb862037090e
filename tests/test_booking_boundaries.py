"""The booking rules at the exact instant they change, and one second either side.

Times are frozen the way the other booking tests freeze them: every service takes ``now``.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from directory.models import AppointmentStatus
from directory.services.booking import requests as booking
from directory.services.booking import reschedule as booking_reschedule
from directory.services.booking.queries import patient_may_change
from tests.booking_fixtures import NEXT_THURSDAY, NOW, local, patient, practitioner_with_hours, request

SECOND = timedelta(seconds=1)
START = local(NEXT_THURSDAY, 9)           # the confirmed visit
CUT_OFF = START - timedelta(hours=24)     # CANCEL_CUTOFF_HOURS' default
LATER_SLOT = local(NEXT_THURSDAY, 14)     # free that day, and more than the notice after CUT_OFF


@pytest.fixture
def practitioner(app):
    return practitioner_with_hours()


@pytest.fixture
def ada(app):
    return patient(name="Ada Lovelace")


@pytest.fixture
def confirmed(practitioner, ada):
    appointment = request(ada, practitioner, START)
    booking.confirm(appointment, practitioner_user=practitioner.user, now=NOW)
    return appointment


# --- the patient's cut-off before a confirmed visit ----------------------------------------------

def test_the_cut_off_is_24_hours_before_the_start(app):
    assert app.config["CANCEL_CUTOFF_HOURS"] == 24


def test_the_patient_cancels_one_second_before_the_cut_off(confirmed, ada):
    assert patient_may_change(confirmed, now=CUT_OFF - SECOND)
    booking.cancel(confirmed, by=ada, now=CUT_OFF - SECOND)
    assert confirmed.status is AppointmentStatus.CANCELLED


@pytest.mark.parametrize("late", [timedelta(0), SECOND], ids=["at the cut-off", "a second after"])
def test_the_patient_cannot_cancel_at_or_after_the_cut_off(confirmed, ada, late):
    assert not patient_may_change(confirmed, now=CUT_OFF + late)
    with pytest.raises(booking.BookingError, match="too late to cancel"):
        booking.cancel(confirmed, by=ada, now=CUT_OFF + late)
    assert confirmed.status is AppointmentStatus.CONFIRMED


def test_the_patient_reschedules_one_second_before_the_cut_off(confirmed, ada):
    moved = booking_reschedule.reschedule(confirmed, patient=ada, new_start=LATER_SLOT, now=CUT_OFF - SECOND)
    # The confirmed visit stands until the practitioner confirms the new time.
    assert moved.status is AppointmentStatus.REQUESTED and moved.replaces_id == confirmed.id
    assert confirmed.status is AppointmentStatus.CONFIRMED


@pytest.mark.parametrize("late", [timedelta(0), SECOND], ids=["at the cut-off", "a second after"])
def test_the_patient_cannot_reschedule_at_or_after_the_cut_off(confirmed, ada, late):
    with pytest.raises(booking.BookingError, match="too late to reschedule"):
        booking_reschedule.reschedule(confirmed, patient=ada, new_start=LATER_SLOT, now=CUT_OFF + late)
    assert confirmed.status is AppointmentStatus.CONFIRMED


def test_an_unanswered_request_can_be_withdrawn_until_the_second_it_starts(practitioner, ada):
    appointment = request(ada, practitioner, START)
    with pytest.raises(booking.BookingError, match="too late"):
        booking.cancel(appointment, by=ada, now=START)
    booking.cancel(appointment, by=ada, now=START - SECOND)
    assert appointment.status is AppointmentStatus.CANCELLED


# --- the booking horizon and the minimum notice ---------------------------------------------------

def test_a_slot_exactly_at_the_horizon_can_be_requested(practitioner, ada):
    assert practitioner.horizon_days == 60
    at_horizon = START - timedelta(days=60)  # the slot starts 60 × 24 h from now, to the second
    assert request(ada, practitioner, START, now=at_horizon).status is AppointmentStatus.REQUESTED


def test_a_slot_one_second_inside_the_horizon_can_be_requested(practitioner, ada):
    inside = START - timedelta(days=60) + SECOND
    assert request(ada, practitioner, START, now=inside).status is AppointmentStatus.REQUESTED


def test_a_slot_beyond_the_horizon_of_the_current_minute_cannot(practitioner, ada):
    # Notice and horizon are measured from now rounded up to the minute (scheduling.booking_clock):
    # from START - 60 days - 60 s the horizon ends a minute short of START.
    with pytest.raises(booking.InvalidSlot):
        request(ada, practitioner, START, now=START - timedelta(days=60) - timedelta(seconds=60))
    assert request(ada, practitioner, START, now=START - timedelta(days=60) - timedelta(seconds=59)
                   ).status is AppointmentStatus.REQUESTED


def test_a_slot_must_start_more_than_the_minimum_notice_from_the_current_minute(practitioner, ada):
    assert practitioner.min_notice_hours == 24
    with pytest.raises(booking.InvalidSlot):
        request(ada, practitioner, START, now=START - timedelta(hours=24))
    with pytest.raises(booking.InvalidSlot):  # rounds up to START - 24 h
        request(ada, practitioner, START, now=START - timedelta(hours=24) - timedelta(seconds=59))
    assert request(ada, practitioner, START,
                   now=START - timedelta(hours=24) - timedelta(seconds=60)).status is AppointmentStatus.REQUESTED
