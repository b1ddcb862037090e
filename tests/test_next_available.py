"""A search result's next free time is exactly the first first-visit slot its profile offers, for
any practitioner, after bookings, cancellations, changes of hours, settings and time off, and
as the clock passes minimum notice, with the answer cache on (through the JSON API)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from directory.extensions import db
from directory.models import Appointment, AppointmentKind, AppointmentStatus, Role
from directory.services.booking import availability, scheduling
from directory.services.booking import requests as booking
from directory.models import SearchEntry
from directory.services.search import next_free
from tests.booking_fixtures import INTAKE
from tests.conftest import clear_database
from tests.factories import create_practitioner, create_user

UTC = timezone.utc
SF = (37.7509, -122.4153)
# Real days (licences expire on real dates) at a moment a few seconds past a whole minute.
START = datetime.now(UTC).replace(minute=0, second=7, microsecond=0) + timedelta(days=1)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock(START)
    # Everything that asks for "now" without being told: the slot rules, the cache epoch.
    monkeypatch.setattr(scheduling, "utcnow", fake)
    return fake


@pytest.fixture
def cached_client(make_app):
    return make_app(SEARCH_CACHE_MB=4).test_client()


def expected(practitioner) -> dict[int, str | None]:
    """Each clinic's first first-visit slot, as the profile lists them (none while the practitioner
    takes no new patients: the profile then offers follow-ups only)."""
    db.session.expire_all()
    if not practitioner.accepting_new_patients:
        return {c.id: None for c in practitioner.clinics}
    clock_day = scheduling.booking_clock().date()
    slots = scheduling.free_slots(practitioner, start=clock_day - timedelta(days=1),
                                  days=practitioner.horizon_days + 3, kind=AppointmentKind.INITIAL)
    first: dict[int, str | None] = {c.id: None for c in practitioner.clinics}
    for slot in slots:
        if first[slot.clinic_id] is None:
            first[slot.clinic_id] = slot.start.isoformat()
    return first


def shown(client) -> dict[int, dict[int, str | None]]:
    """Practitioner → clinic shown → next free start (as UTC ISO), from the API, asked twice."""
    answers = []
    for _ in range(2):  # the second is the cached answer
        body = client.get("/api/v1/practitioners", query_string={"near": f"{SF[0]},{SF[1]}", "radius": 50,
                                                                  "per_page": 100}).get_json()
        found = {}
        for result in body["results"]:
            nxt = result["next_available"]
            if nxt is not None:
                assert nxt["clinic_id"] == result["clinic"]["id"]
            start = None if nxt is None else datetime.fromisoformat(nxt["start"]).astimezone(UTC).isoformat()
            found[result["id"]] = {result["clinic"]["id"]: start}
        answers.append(found)
    assert answers[0] == answers[1]
    return answers[0]


def check(client, people) -> None:
    found = shown(client)
    for p in people:
        clinic_id, start = next(iter(found[p.id].items()))
        assert start == expected(p)[clinic_id], (p.id, clinic_id)


hours = st.lists(st.tuples(st.integers(6, 14), st.integers(1, 6)), min_size=0, max_size=3)
operations = st.lists(st.tuples(st.sampled_from(
    ["book", "book", "cancel", "confirm", "hours", "time_off", "settings", "notice_edge", "later", "accepting"]),
    st.integers(0, 1000)), min_size=1, max_size=6)


def set_hours(clinic, spec: list[tuple[int, int]], seed: int) -> None:
    days = {d: [(time(start), time(min(start + length, 23)))] for d, (start, length) in
            zip(range(seed % 7, seed % 7 + len(spec) * 2, 2), spec)}
    availability.set_weekly_hours(clinic, {d % 7: r for d, r in days.items()})


def apply(op: str, n: int, people, clock: Clock) -> None:
    p = people[n % len(people)]
    if op == "book":
        slots = [s for s in scheduling.free_slots(p, start=clock.now.date() - timedelta(days=1), days=p.horizon_days + 3,
                                                   kind=AppointmentKind.INITIAL)]
        if slots:
            slot = slots[n % min(len(slots), 2)]  # the first or second: those that matter
            try:
                booking.request_appointment(patient=create_user(role=Role.PATIENT), practitioner=p,
                                            clinic_id=slot.clinic_id, start=slot.start,
                                            kind=AppointmentKind.INITIAL, intake=INTAKE, now=clock.now)
            except booking.KindRefused:  # not accepting new patients: nothing changes
                pass
    elif op in ("cancel", "confirm"):
        mine = db.session.scalars(db.select(Appointment).where(
            Appointment.practitioner_id == p.id, Appointment.status.in_(
                [AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED])).order_by(Appointment.id)).all()
        if mine:
            visit = mine[n % len(mine)]
            try:
                if op == "cancel":
                    booking.cancel(visit, by=p.user, reason="", now=clock.now)
                elif visit.status is AppointmentStatus.REQUESTED:
                    booking.confirm(visit, practitioner_user=p.user, now=clock.now)
            except booking.BookingError:  # refused (a lapsed hold, a visit begun): nothing changes
                db.session.rollback()
    elif op == "hours":
        set_hours(p.clinics[n % len(p.clinics)], [(6 + n % 8, 1 + n % 5)], n)
    elif op == "time_off":
        day = scheduling.booking_clock().date() + timedelta(days=n % 4)
        availability.add_time_off(p, first_day=day, last_day=day + timedelta(days=n % 2),
                                  clinic_id=None if n % 3 else p.clinics[0].id)
    elif op == "settings":
        availability.update_settings(p, initial_minutes=30 + 15 * (n % 4), follow_up_minutes=45,
                                     buffer_minutes=5 * (n % 4), min_notice_hours=[0, 2, 24, 48][n % 4],
                                     horizon_days=[1, 3, 14, 60][(n // 4) % 4])
    elif op == "notice_edge":
        # Just before and just after the first slot's notice begins.
        first = [s for s in expected(p).values() if s]
        if first:
            edge = datetime.fromisoformat(min(first)) - timedelta(hours=p.min_notice_hours)
            clock.now = edge + timedelta(seconds=[-61, -1, 0, 1, 59][n % 5])
    elif op == "later":
        clock.now += timedelta(minutes=1 + n)
    elif op == "accepting":
        p.accepting_new_patients = not p.accepting_new_patients
        db.session.commit()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(specs=st.lists(st.tuples(hours, st.integers(0, 6), st.booleans()), min_size=1, max_size=3), ops=operations)
def test_next_available_is_the_profiles_first_slot_whatever_happens(cached_client, clock, specs, ops):
    clear_database()
    clock.now = START
    people = []
    for i, (spec, seed, two_clinics) in enumerate(specs):
        clinics = [{"latitude": SF[0] + 0.01 * i, "longitude": SF[1]}]
        if two_clinics:
            clinics.append({"latitude": SF[0] - 0.02 * (i + 1), "longitude": SF[1] + 0.01, "name": "Second"})
        p = create_practitioner(clinics=clinics, min_notice_hours=[0, 2, 24][seed % 3], horizon_days=[2, 14, 60][seed % 3])
        for j, clinic in enumerate(p.clinics):
            set_hours(clinic, spec, seed + j)
        people.append(p)
    db.session.commit()
    check(cached_client, people)
    for op, n in ops:
        apply(op, n, people, clock)
        check(cached_client, people)


def test_a_stale_time_is_recomputed_by_the_search_and_by_the_cron_job(app, client, clock):
    p = create_practitioner(min_notice_hours=1)
    availability.set_weekly_hours(p.clinics[0], {d: [(time(0), time(23))] for d in range(7)})
    first = expected(p)[p.clinics[0].id]
    clock.now = datetime.fromisoformat(first) - timedelta(hours=1)  # its notice begins
    assert next_free.stale_practitioners([]) == [p.id]
    assert next_free.refresh_all() == 1 and next_free.stale_practitioners([]) == []
    body = client.get("/api/v1/practitioners", query_string={"near": "94110"}).get_json()
    later = datetime.fromisoformat(body["results"][0]["next_available"]["start"])
    assert later > datetime.fromisoformat(first)
    assert later.isoformat() == datetime.fromisoformat(expected(p)[p.clinics[0].id]).astimezone(later.tzinfo).isoformat()


def test_the_answer_names_the_clinics_own_offset_and_the_card_links_to_booking_that_time(app, client, clock):
    p = create_practitioner(clinics=[{"latitude": 40.7484, "longitude": -73.9967, "city": "New York",
                                      "region": "NY", "postal_code": "10001", "timezone": "America/New_York"}])
    availability.set_weekly_hours(p.clinics[0], {d: [(time(9), time(17))] for d in range(7)})
    body = client.get("/api/v1/practitioners", query_string={"near": "10001"}).get_json()
    start = datetime.fromisoformat(body["results"][0]["next_available"]["start"])
    assert start.utcoffset() in (timedelta(hours=-5), timedelta(hours=-4)) and 9 <= start.hour < 17
    page = client.get("/?near=10001").get_data(as_text=True)
    assert f"start={start.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}" in page.replace("%3A", ":")


def test_not_yet_computed_rows_are_filled_before_they_are_shown(app, client, clock):
    p = create_practitioner()
    availability.set_weekly_hours(p.clinics[0], {d: [(time(9), time(17))] for d in range(7)})
    db.session.execute(db.update(SearchEntry).values(next_start=None,
                                                               next_fresh_until=datetime(1970, 1, 1, tzinfo=UTC)))
    db.session.commit()
    body = client.get("/api/v1/practitioners", query_string={"near": "94110"}).get_json()
    nxt = body["results"][0]["next_available"]
    assert datetime.fromisoformat(nxt["start"]).astimezone(UTC).isoformat() == expected(p)[p.clinics[0].id]
    assert date.fromisoformat(nxt["start"][:10]) >= START.date() - timedelta(days=1)


def test_a_request_takes_the_time_and_its_cancellation_gives_it_back_in_the_next_search(app, client, clock):
    p = create_practitioner(min_notice_hours=0)
    availability.set_weekly_hours(p.clinics[0], {d: [(time(0), time(23, 55))] for d in range(7)})

    def next_start() -> str:
        body = client.get("/api/v1/practitioners", query_string={"near": "94110"}).get_json()
        return datetime.fromisoformat(body["results"][0]["next_available"]["start"]).astimezone(UTC).isoformat()

    first = next_start()
    visit = booking.request_appointment(patient=create_user(role=Role.PATIENT), practitioner=p,
                                        clinic_id=p.clinics[0].id, start=datetime.fromisoformat(first),
                                        kind=AppointmentKind.INITIAL, intake=INTAKE, now=clock.now)
    assert next_start() > first
    booking.decline(visit, practitioner_user=p.user, message="", now=clock.now)
    assert next_start() == first
