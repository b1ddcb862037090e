"""Slot generation (directory.services.booking.scheduling), without HTTP: each setting, time off,
appointments with buffers, notice, horizon, daylight-saving days and the query count."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select
from werkzeug.exceptions import NotFound

from directory.auth.access import own_or_404
from directory.extensions import db
from directory.models import (Appointment, AppointmentKind, AppointmentStatus, AvailabilityRule, Clinic,
                              Practitioner, TimeOff)
from directory.models._types import as_utc
from directory.services.booking import scheduling
from directory.services.booking.schedule_view import upcoming_by_clinic, zone_label
from directory.services.booking.scheduling import AvailabilityError, free_slots, is_free
from tests.factories import add_clinic, create_practitioner, create_user

UTC = timezone.utc
LA = "America/Los_Angeles"
INITIAL, FOLLOW_UP = AppointmentKind.INITIAL, AppointmentKind.FOLLOW_UP
MONDAY = date(2026, 6, 1)
NOW = datetime(2026, 5, 25, 12, tzinfo=UTC)  # a week before MONDAY
EVERY_DAY = {day: [(time(9), time(12, 30))] for day in range(7)}


def practitioner_with(hours: dict, tz: str = LA, **settings) -> Practitioner:
    values = {"initial_minutes": 60, "follow_up_minutes": 45, "buffer_minutes": 15,
              "min_notice_hours": 0, "horizon_days": 365, **settings}
    practitioner = create_practitioner(clinics=[{"timezone": tz}], **values)
    scheduling.set_weekly_hours(practitioner.clinics[0], hours)
    return practitioner


def local_times(slots, tz: str = LA) -> list[str]:
    return [s.local_start(ZoneInfo(tz)).strftime("%H:%M") for s in slots]


def utc_times(slots) -> list[str]:
    return [s.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M") for s in slots]


def book(practitioner: Practitioner, start: datetime, minutes: int = 45, *, clinic=None,
         status: AppointmentStatus = AppointmentStatus.CONFIRMED, patient=None) -> Appointment:
    appointment = Appointment(
        practitioner_id=practitioner.id, clinic_id=(clinic or practitioner.clinics[0]).id,
        patient_id=(patient or create_user()).id, starts_at=start, ends_at=start + timedelta(minutes=minutes),
        kind=FOLLOW_UP, status=status, intake={"reason": "test"})
    db.session.add(appointment)
    db.session.commit()
    return appointment


def la(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(LA)).astimezone(UTC)


# --- the grid and each setting -------------------------------------------------------

def test_slots_start_at_each_range_and_step_by_visit_length_plus_buffer(app):
    practitioner = practitioner_with({0: [(time(9), time(12, 30)), (time(13, 30), time(15))]})
    initial = free_slots(practitioner, start=MONDAY, days=1, kind=INITIAL, now=NOW)
    follow_up = free_slots(practitioner, start=MONDAY, days=1, kind=FOLLOW_UP, now=NOW)
    assert local_times(initial) == ["09:00", "10:15", "11:30", "13:30"]
    assert local_times(follow_up) == ["09:00", "10:00", "11:00", "13:30"]
    # Stored and returned in UTC (Los Angeles is UTC-7 in June).
    assert initial[0].start == datetime(2026, 6, 1, 16, tzinfo=UTC) and initial[0].start.tzinfo is UTC
    assert initial[0].end - initial[0].start == timedelta(minutes=60)
    assert follow_up[0].end - follow_up[0].start == timedelta(minutes=45)
    assert {s.clinic_id for s in initial} == {practitioner.clinics[0].id}


def test_both_kinds_by_default_sorted_by_start(app):
    practitioner = practitioner_with({0: [(time(9), time(11))]})
    slots = free_slots(practitioner, start=MONDAY, days=1, now=NOW)
    assert [(t, s.kind) for t, s in zip(local_times(slots), slots)] == [
        ("09:00", INITIAL), ("09:00", FOLLOW_UP), ("10:00", FOLLOW_UP)]
    assert [s.start for s in slots] == sorted(s.start for s in slots)


@pytest.mark.parametrize("settings, kind, expected", [
    ({"initial_minutes": 90, "buffer_minutes": 0}, INITIAL, ["09:00", "10:30"]),
    ({"initial_minutes": 30, "buffer_minutes": 0}, INITIAL,
     ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"]),
    ({"follow_up_minutes": 30, "buffer_minutes": 30}, FOLLOW_UP, ["09:00", "10:00", "11:00", "12:00"]),
    ({"initial_minutes": 240}, INITIAL, []),
])
def test_visit_lengths_and_buffer_shape_the_grid(app, settings, kind, expected):
    practitioner = practitioner_with({0: [(time(9), time(12, 30))]}, **settings)
    assert local_times(free_slots(practitioner, start=MONDAY, days=1, kind=kind, now=NOW)) == expected


def test_days_are_read_in_the_clinics_zone(app):
    practitioner = practitioner_with({0: [(time(9), time(10))]}, tz="Pacific/Honolulu")
    slots = free_slots(practitioner, start=MONDAY, days=7, kind=INITIAL, now=NOW)
    assert utc_times(slots) == ["2026-06-01 19:00"]
    assert free_slots(practitioner, start=MONDAY + timedelta(days=1), days=6, now=NOW) == []


def test_minimum_notice_hides_slots_starting_too_soon(app):
    practitioner = practitioner_with({0: [(time(9), time(12, 30))]}, min_notice_hours=3)
    now = la(MONDAY, 7)
    assert local_times(free_slots(practitioner, start=MONDAY, days=1, kind=INITIAL, now=now)) == ["10:15", "11:30"]
    practitioner.min_notice_hours = 0
    assert local_times(free_slots(practitioner, start=MONDAY, days=1, kind=INITIAL, now=now)) == [
        "09:00", "10:15", "11:30"]


def test_past_slots_are_never_offered(app):
    practitioner = practitioner_with({0: [(time(9), time(12, 30))]})
    slots = free_slots(practitioner, start=MONDAY, days=1, kind=INITIAL, now=la(MONDAY, 10))
    assert local_times(slots) == ["10:15", "11:30"]


def test_horizon_limits_how_far_ahead(app):
    practitioner = practitioner_with(EVERY_DAY, horizon_days=2)
    now = la(MONDAY, 8)
    slots = free_slots(practitioner, start=MONDAY, days=10, kind=INITIAL, now=now)
    assert {s.local_start(ZoneInfo(LA)).date() for s in slots} == {MONDAY, MONDAY + timedelta(days=1)}
    assert all(s.start <= now + timedelta(days=2) for s in slots)
    practitioner.horizon_days = 5
    slots = free_slots(practitioner, start=MONDAY, days=10, kind=INITIAL, now=now)
    assert max(s.local_start(ZoneInfo(LA)).date() for s in slots) == MONDAY + timedelta(days=4)


def test_nothing_for_zero_days_or_a_clinic_without_hours(app):
    practitioner = practitioner_with(EVERY_DAY)
    assert free_slots(practitioner, start=MONDAY, days=0, now=NOW) == []
    other = add_clinic(practitioner, timezone="America/New_York")
    db.session.commit()
    assert free_slots(practitioner, start=MONDAY, days=7, clinic_id=other.id, now=NOW) == []


def test_far_fetched_dates_give_no_slots_and_no_error(app):
    practitioner = practitioner_with(EVERY_DAY)
    clinic_id = practitioner.clinics[0].id
    assert free_slots(practitioner, start=date.min, days=3, now=NOW) == []
    assert free_slots(practitioner, start=date.max, days=3, now=NOW) == []
    assert len(free_slots(practitioner, start=date.min, days=10**9, now=NOW, kind=INITIAL)) == 365 * 3
    for start in (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC),
                  datetime(9999, 12, 31, 23, tzinfo=ZoneInfo("America/New_York"))):
        assert not is_free(practitioner, clinic_id, start, INITIAL, now=NOW)


# --- appointments and buffers --------------------------------------------------------

def test_an_active_appointment_takes_its_slot(app):
    practitioner = practitioner_with({0: [(time(9), time(12, 30))]})
    book(practitioner, la(MONDAY, 10), 45)
    assert local_times(free_slots(practitioner, start=MONDAY, days=1, kind=FOLLOW_UP, now=NOW)) == ["09:00", "11:00"]


def test_the_buffer_applies_on_both_sides_of_an_appointment(app):
    practitioner = practitioner_with({0: [(time(9), time(12, 30))]})
    # 09:50-10:35 blocks 09:35-10:50 with a 15-minute buffer: 09:00-09:45 ends inside it.
    book(practitioner, la(MONDAY, 9, 50), 45)
    assert local_times(free_slots(practitioner, start=MONDAY, days=1, kind=FOLLOW_UP, now=NOW)) == ["11:00"]
    practitioner.buffer_minutes = 0  # grid 09:00, 09:45, 10:30, 11:15; only the overlap counts now
    assert local_times(free_slots(practitioner, start=MONDAY, days=1, kind=FOLLOW_UP, now=NOW)) == ["09:00", "11:15"]


@pytest.mark.parametrize("status, blocks", [
    (AppointmentStatus.REQUESTED, True), (AppointmentStatus.CONFIRMED, True),
    (AppointmentStatus.DECLINED, False), (AppointmentStatus.CANCELLED, False),
    (AppointmentStatus.EXPIRED, False), (AppointmentStatus.COMPLETED, False), (AppointmentStatus.NO_SHOW, False),
])
def test_only_requested_and_confirmed_appointments_block(app, status, blocks):
    practitioner = practitioner_with({0: [(time(9), time(10))]})
    book(practitioner, la(MONDAY, 9), 45, status=status)
    assert (free_slots(practitioner, start=MONDAY, days=1, kind=FOLLOW_UP, now=NOW) == []) is blocks


def test_an_appointment_at_another_clinic_blocks_every_clinic(app):
    practitioner = practitioner_with({0: [(time(9), time(10))]})
    second = add_clinic(practitioner, name="Second")
    db.session.commit()
    scheduling.set_weekly_hours(second, {0: [(time(9), time(10))]})
    assert len(free_slots(practitioner, start=MONDAY, days=1, kind=FOLLOW_UP, now=NOW)) == 2
    book(practitioner, la(MONDAY, 9), 45, clinic=second)
    assert free_slots(practitioner, start=MONDAY, days=1, kind=FOLLOW_UP, now=NOW) == []


def test_ignore_appointment_id_treats_that_appointment_as_free(app):
    practitioner = practitioner_with({0: [(time(9), time(10))]})
    appointment = book(practitioner, la(MONDAY, 9), 45)
    assert free_slots(practitioner, start=MONDAY, days=1, kind=FOLLOW_UP, now=NOW) == []
    slots = free_slots(practitioner, start=MONDAY, days=1, kind=FOLLOW_UP, now=NOW,
                       ignore_appointment_id=appointment.id)
    assert [s.start for s in slots] == [la(MONDAY, 9)]
    assert is_free(practitioner, practitioner.clinics[0].id, la(MONDAY, 9), FOLLOW_UP, now=NOW,
                   ignore_appointment_id=appointment.id)


def test_another_practitioners_appointments_do_not_block(app):
    practitioner = practitioner_with({0: [(time(9), time(10))]})
    other = practitioner_with({0: [(time(9), time(10))]})
    book(other, la(MONDAY, 9), 45)
    assert len(free_slots(practitioner, start=MONDAY, days=1, kind=FOLLOW_UP, now=NOW)) == 1


# --- is_free and slot_end ------------------------------------------------------------

def test_is_free_accepts_exactly_a_free_slot(app):
    practitioner = practitioner_with({0: [(time(9), time(12, 30))]})
    clinic_id = practitioner.clinics[0].id
    assert is_free(practitioner, clinic_id, la(MONDAY, 10, 15), INITIAL, now=NOW)
    assert not is_free(practitioner, clinic_id, la(MONDAY, 10), INITIAL, now=NOW)        # off the grid
    assert is_free(practitioner, clinic_id, la(MONDAY, 10), FOLLOW_UP, now=NOW)           # the follow-up grid
    assert not is_free(practitioner, clinic_id, la(MONDAY, 10, 15), INITIAL, now=la(MONDAY, 10, 30))  # past
    assert not is_free(practitioner, clinic_id + 999, la(MONDAY, 10, 15), INITIAL, now=NOW)
    # SQLite hands back naive datetimes: they are UTC.
    assert is_free(practitioner, clinic_id, la(MONDAY, 10, 15).replace(tzinfo=None), INITIAL, now=NOW)
    book(practitioner, la(MONDAY, 10, 15), 60)
    assert not is_free(practitioner, clinic_id, la(MONDAY, 10, 15), INITIAL, now=NOW)


def test_is_free_refuses_another_practitioners_clinic(app):
    practitioner = practitioner_with({0: [(time(9), time(12, 30))]})
    other = practitioner_with({0: [(time(9), time(12, 30))]})
    assert not is_free(practitioner, other.clinics[0].id, la(MONDAY, 9), INITIAL, now=NOW)


def test_slot_end_uses_the_kinds_length(app):
    practitioner = practitioner_with({}, initial_minutes=75, follow_up_minutes=40)
    start = la(MONDAY, 9)
    assert scheduling.slot_end(practitioner, start, INITIAL) == start + timedelta(minutes=75)
    assert scheduling.slot_end(practitioner, start, FOLLOW_UP) == start + timedelta(minutes=40)


# --- time off ------------------------------------------------------------------------

def test_time_off_for_one_clinic_is_whole_local_days(app):
    practitioner = practitioner_with(EVERY_DAY)
    clinic = practitioner.clinics[0]
    entry = scheduling.add_time_off(practitioner, first_day=MONDAY + timedelta(days=1),
                                    last_day=MONDAY + timedelta(days=2), clinic_id=clinic.id, note="Course")
    assert as_utc(entry.starts_at) == la(MONDAY + timedelta(days=1), 0)
    assert as_utc(entry.ends_at) == la(MONDAY + timedelta(days=3), 0)
    days = {s.local_start(ZoneInfo(LA)).date() for s in free_slots(practitioner, start=MONDAY, days=4, now=NOW)}
    assert days == {MONDAY, MONDAY + timedelta(days=3)}
    assert scheduling.time_off_days(entry, [ZoneInfo(LA)]) == (MONDAY + timedelta(days=1), MONDAY + timedelta(days=2))


def test_time_off_at_one_clinic_leaves_the_other_open(app):
    practitioner = practitioner_with(EVERY_DAY)
    second = add_clinic(practitioner, name="Second")
    db.session.commit()
    scheduling.set_weekly_hours(second, EVERY_DAY)
    scheduling.add_time_off(practitioner, first_day=MONDAY, last_day=MONDAY, clinic_id=second.id)
    slots = free_slots(practitioner, start=MONDAY, days=1, now=NOW)
    assert {s.clinic_id for s in slots} == {practitioner.clinics[0].id}
    scheduling.add_time_off(practitioner, first_day=MONDAY, last_day=MONDAY, clinic_id=None)
    assert free_slots(practitioner, start=MONDAY, days=1, now=NOW) == []


def test_time_off_for_all_clinics_covers_each_zones_whole_days(app):
    practitioner = practitioner_with(EVERY_DAY)
    new_york = add_clinic(practitioner, name="East", timezone="America/New_York")
    db.session.commit()
    scheduling.set_weekly_hours(new_york, EVERY_DAY)
    entry = scheduling.add_time_off(practitioner, first_day=MONDAY, last_day=MONDAY, clinic_id=None)
    ny = ZoneInfo("America/New_York")
    assert as_utc(entry.starts_at) == datetime.combine(MONDAY, time(0), tzinfo=ny)
    assert as_utc(entry.ends_at) == la(MONDAY + timedelta(days=1), 0)
    assert scheduling.time_off_days(entry, [ZoneInfo(LA), ny]) == (MONDAY, MONDAY)
    slots = free_slots(practitioner, start=MONDAY - timedelta(days=1), days=3, now=NOW)
    for clinic, tz in ((practitioner.clinics[0], ZoneInfo(LA)), (new_york, ny)):
        days = {s.local_start(tz).date() for s in slots if s.clinic_id == clinic.id}
        assert days == {MONDAY - timedelta(days=1), MONDAY + timedelta(days=1)}


def test_a_partial_time_off_blocks_only_the_slots_it_touches(app):
    practitioner = practitioner_with({0: [(time(9), time(12, 30))]})
    db.session.add(TimeOff(practitioner_id=practitioner.id, clinic_id=None, starts_at=la(MONDAY, 10, 30),
                           ends_at=la(MONDAY, 11), note=""))
    db.session.commit()
    assert local_times(free_slots(practitioner, start=MONDAY, days=1, kind=INITIAL, now=NOW)) == ["09:00", "11:30"]


def test_removing_time_off_brings_the_slots_back(app):
    practitioner = practitioner_with(EVERY_DAY)
    entry = scheduling.add_time_off(practitioner, first_day=MONDAY, last_day=MONDAY, clinic_id=None)
    assert free_slots(practitioner, start=MONDAY, days=1, now=NOW) == []
    assert own_or_404(TimeOff, entry.id, practitioner_id=practitioner.id) is entry
    with pytest.raises(NotFound):
        own_or_404(TimeOff, entry.id, practitioner_id=practitioner_with({}).id)
    scheduling.remove_time_off(entry)
    assert len(free_slots(practitioner, start=MONDAY, days=1, now=NOW)) == 6


@pytest.mark.parametrize("first, last, clinic, field", [
    (MONDAY, MONDAY - timedelta(days=1), "own", "last_day"),
    (MONDAY, MONDAY + timedelta(days=366), "own", "last_day"),
    (MONDAY, MONDAY, "other", "clinic_id"),
    # The end of the calendar: refused, not an overflow.
    (date.max, date.max, "own", "first_day"),
    (date.today(), date.max, "own", "last_day"),
])
def test_time_off_validation(app, first, last, clinic, field):
    practitioner = practitioner_with(EVERY_DAY)
    other = practitioner_with(EVERY_DAY)
    clinic_id = (practitioner if clinic == "own" else other).clinics[0].id
    with pytest.raises(AvailabilityError) as raised:
        scheduling.add_time_off(practitioner, first_day=first, last_day=last, clinic_id=clinic_id)
    assert set(raised.value.errors) == {field}
    assert db.session.scalars(select(TimeOff)).all() == []


# --- weekly hours and settings -------------------------------------------------------

def test_weekly_hours_replace_the_old_ones(app):
    practitioner = practitioner_with({0: [(time(9), time(12))], 2: [(time(13), time(17))]})
    clinic = practitioner.clinics[0]
    scheduling.set_weekly_hours(clinic, {1: [(time(14), time(18)), (time(8), time(12))]})
    hours = scheduling.weekly_hours(practitioner)[clinic.id]
    assert hours[1] == [(time(8), time(12)), (time(14), time(18))]
    assert all(hours[day] == [] for day in (0, 2, 3, 4, 5, 6))


@pytest.mark.parametrize("ranges, fragment", [
    ([(time(9), time(12)), (time(11), time(14))], "overlap"),
    ([(time(12), time(9))], "ends before it starts"),
    ([(time(9), time(9))], "ends before it starts"),
    ([(time(9, 3), time(12))], "5-minute"),
    ([(time(h), time(h, 30)) for h in range(8, 15)], "at most 6"),
])
def test_weekly_hours_validation_saves_nothing(app, ranges, fragment):
    practitioner = practitioner_with({0: [(time(9), time(12))]})
    with pytest.raises(AvailabilityError) as raised:
        scheduling.set_weekly_hours(practitioner.clinics[0], {0: [(time(8), time(9))], 3: ranges})
    assert list(raised.value.errors) == ["thu"] and fragment in raised.value.errors["thu"]
    assert raised.value.errors["thu"].startswith("Thursday")
    db.session.expire_all()
    assert [(r.weekday, r.start_time) for r in db.session.scalars(select(AvailabilityRule))] == [(0, time(9))]


def test_weekly_hours_of_every_clinic_in_one_query(app):
    practitioner = practitioner_with({0: [(time(9), time(12))]})
    closed = add_clinic(practitioner, name="Closed")
    east = add_clinic(practitioner, name="East", timezone="America/New_York")
    db.session.commit()
    scheduling.set_weekly_hours(east, {6: [(time(14), time(16)), (time(8), time(10))]})
    assert len(practitioner.clinics) == 3  # loaded already, as on the availability page
    queries, hours = QueryCounter().count(lambda: scheduling.weekly_hours(practitioner))
    assert queries == 1
    assert hours[practitioner.clinics[0].id][0] == [(time(9), time(12))]
    assert hours[closed.id] == {day: [] for day in range(7)}
    assert hours[east.id][6] == [(time(8), time(10)), (time(14), time(16))]


def test_touching_ranges_are_allowed(app):
    practitioner = practitioner_with({0: [(time(9), time(12)), (time(12), time(13))]})
    hours = scheduling.weekly_hours(practitioner)[practitioner.clinics[0].id]
    assert hours[0] == [(time(9), time(12)), (time(12), time(13))]


LIMITS = {"initial_minutes": (15, 240), "follow_up_minutes": (15, 240), "buffer_minutes": (0, 120),
          "min_notice_hours": (0, 336), "horizon_days": (1, 365)}


def test_settings_accept_their_bounds(app):
    practitioner = practitioner_with({})
    for index in (0, 1):
        scheduling.update_settings(practitioner, **{name: bounds[index] for name, bounds in LIMITS.items()})
        db.session.expire_all()
        assert {name: getattr(practitioner, name) for name in LIMITS} == {
            name: bounds[index] for name, bounds in LIMITS.items()}


@pytest.mark.parametrize("name", sorted(LIMITS))
@pytest.mark.parametrize("side", [0, 1])
def test_settings_out_of_range_change_nothing(app, name, side):
    practitioner = practitioner_with({})
    values = {"initial_minutes": 50, "follow_up_minutes": 40, "buffer_minutes": 10,
              "min_notice_hours": 12, "horizon_days": 30}
    values[name] = LIMITS[name][side] + (-1 if side == 0 else 1)
    with pytest.raises(AvailabilityError) as raised:
        scheduling.update_settings(practitioner, **values)
    assert list(raised.value.errors) == [name]
    db.session.rollback()
    db.session.expire_all()
    assert (practitioner.initial_minutes, practitioner.horizon_days) == (60, 365)


# --- daylight saving -----------------------------------------------------------------

SPRING, AUTUMN = date(2026, 3, 8), date(2026, 11, 1)   # Sundays (weekday 6)
BEFORE_DST = datetime(2026, 1, 1, tzinfo=UTC)
DST_ZONES = ["America/New_York", "America/Los_Angeles", "America/Phoenix", "Pacific/Honolulu"]


def hourly(tz: str, ranges) -> Practitioner:
    # One-hour visits, no buffer: a slot every real hour.
    return practitioner_with({6: ranges}, tz=tz, initial_minutes=60, follow_up_minutes=60, buffer_minutes=0)


@pytest.mark.parametrize("tz, expected_utc, expected_local", [
    ("America/New_York", ["06:00", "07:00"], ["01:00 EST", "03:00 EDT"]),
    ("America/Los_Angeles", ["09:00", "10:00"], ["01:00 PST", "03:00 PDT"]),
    ("America/Phoenix", ["08:00", "09:00", "10:00"], ["01:00 MST", "02:00 MST", "03:00 MST"]),
    ("Pacific/Honolulu", ["11:00", "12:00", "13:00"], ["01:00 HST", "02:00 HST", "03:00 HST"]),
])
def test_spring_forward_day_skips_the_missing_hour(app, tz, expected_utc, expected_local):
    practitioner = hourly(tz, [(time(1), time(4))])
    slots = free_slots(practitioner, start=SPRING, days=1, kind=INITIAL, now=BEFORE_DST)
    assert [s.start.strftime("%H:%M") for s in slots] == expected_utc
    assert [s.local_start(ZoneInfo(tz)).strftime("%H:%M %Z") for s in slots] == expected_local
    assert all(s.start.date() == SPRING for s in slots)


def test_a_range_starting_in_the_missing_hour_starts_when_the_clocks_jump(app):
    practitioner = hourly("America/New_York", [(time(2, 30), time(5))])
    slots = free_slots(practitioner, start=SPRING, days=1, kind=INITIAL, now=BEFORE_DST)
    assert utc_times(slots) == ["2026-03-08 07:00", "2026-03-08 08:00"]
    assert local_times(slots, "America/New_York") == ["03:00", "04:00"]


@pytest.mark.parametrize("tz, expected_utc, expected_local", [
    ("America/New_York", ["04:00", "05:00", "06:00", "07:00"], ["00:00 EDT", "01:00 EDT", "01:00 EST", "02:00 EST"]),
    ("America/Los_Angeles", ["07:00", "08:00", "09:00", "10:00"], ["00:00 PDT", "01:00 PDT", "01:00 PST", "02:00 PST"]),
    ("America/Phoenix", ["07:00", "08:00", "09:00"], ["00:00 MST", "01:00 MST", "02:00 MST"]),
    ("Pacific/Honolulu", ["10:00", "11:00", "12:00"], ["00:00 HST", "01:00 HST", "02:00 HST"]),
])
def test_fall_back_day_counts_real_hours(app, tz, expected_utc, expected_local):
    practitioner = hourly(tz, [(time(0), time(3))])
    slots = free_slots(practitioner, start=AUTUMN, days=1, kind=INITIAL, now=BEFORE_DST)
    assert [s.start.strftime("%H:%M") for s in slots] == expected_utc
    assert [s.local_start(ZoneInfo(tz)).strftime("%H:%M %Z") for s in slots] == expected_local
    assert len({s.start for s in slots}) == len(slots)  # 01:00 twice, but two different instants


@pytest.mark.parametrize("tz", DST_ZONES)
@pytest.mark.parametrize("change", [SPRING, AUTUMN])
def test_nine_oclock_stays_nine_oclock_across_the_change(app, tz, change):
    practitioner = practitioner_with({day: [(time(9), time(10))] for day in range(7)}, tz=tz,
                                     initial_minutes=60, buffer_minutes=0)
    zone = ZoneInfo(tz)
    slots = free_slots(practitioner, start=change - timedelta(days=1), days=3, kind=INITIAL, now=BEFORE_DST)
    assert [s.local_start(zone).strftime("%Y-%m-%d %H:%M") for s in slots] == [
        f"{change - timedelta(days=1)} 09:00", f"{change} 09:00", f"{change + timedelta(days=1)} 09:00"]
    offsets = {s.start.astimezone(zone).utcoffset() for s in slots}
    assert len(offsets) == (1 if tz in ("America/Phoenix", "Pacific/Honolulu") else 2)
    for slot in slots:
        assert slot.start == datetime.combine(slot.local_start(zone).date(), time(9), tzinfo=zone)


def test_zone_labels_name_the_zone(app):
    assert zone_label("America/Los_Angeles") == "Pacific Time (America/Los_Angeles)"
    assert zone_label("America/New_York") == "Eastern Time (America/New_York)"
    assert zone_label("America/Phoenix") == "Mountain Standard Time (America/Phoenix)"
    assert zone_label("Pacific/Honolulu") == "Hawaii-Aleutian Standard Time (Pacific/Honolulu)"
    assert zone_label("Europe/Paris") == "Europe/Paris"


def test_upcoming_by_clinic_groups_by_local_day(app):
    practitioner = practitioner_with({day: [(time(9), time(10))] for day in range(7)}, tz="America/New_York",
                                     min_notice_hours=0)
    now = datetime(2026, 10, 31, 12, tzinfo=UTC)  # Saturday 08:00 in New York
    [listing] = upcoming_by_clinic(practitioner, days=3, kind=INITIAL, now=now)
    assert listing.zone_label == "Eastern Time (America/New_York)"
    assert [d.day for d in listing.days] == [date(2026, 10, 31), AUTUMN, date(2026, 11, 2)]
    # Every time says its zone's abbreviation, so the clock change shows in the preview.
    assert [d.initial for d in listing.days] == [["9:00 AM EDT"], ["9:00 AM EST"], ["9:00 AM EST"]]


# --- a constant number of queries ----------------------------------------------------

def booked_count() -> int:
    return len(db.session.scalars(select(Appointment.id)).all())


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)

    def count(self, call) -> tuple[int, object]:
        self.statements.clear()
        event.listen(db.engine, "before_cursor_execute", self)
        try:
            result = call()
        finally:
            event.remove(db.engine, "before_cursor_execute", self)
        return len(self.statements), result


def test_free_slots_uses_the_same_queries_for_1_or_30_days_and_0_or_100_appointments(app):
    weekdays = {day: [(time(9), time(12, 30)), (time(13, 30), time(18))] for day in range(5)}
    practitioner = practitioner_with(weekdays)
    second = add_clinic(practitioner, name="East", timezone="America/New_York")
    db.session.commit()
    scheduling.set_weekly_hours(second, weekdays)
    scheduling.add_time_off(practitioner, first_day=MONDAY + timedelta(days=9), last_day=MONDAY + timedelta(days=9),
                            clinic_id=None)
    counter = QueryCounter()
    practitioner_id = practitioner.id

    def run(days):
        db.session.expire_all()  # every run pays the same for loading the practitioner
        return counter.count(lambda: free_slots(db.session.get(Practitioner, practitioner_id), start=MONDAY,
                                                days=days, now=NOW))

    one_day, _ = run(1)
    thirty_days, empty = run(30)
    assert one_day == thirty_days <= 4, counter.statements

    patient = create_user()
    free_until = NOW
    for slot in (s for s in empty if s.kind is FOLLOW_UP):
        if slot.start >= free_until and len(db.session.new) + booked_count() < 100:
            book(practitioner, slot.start, 45, clinic=db.session.get(Clinic, slot.clinic_id), patient=patient)
            free_until = slot.end + timedelta(minutes=75)  # leave every other slot free
    assert len(db.session.scalars(select(Appointment)).all()) == 100
    with_appointments, busy = run(30)
    assert with_appointments == thirty_days, counter.statements
    assert len(busy) < len(empty)
    assert run(1)[0] == one_day
