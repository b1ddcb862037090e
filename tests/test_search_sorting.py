"""Every sort and filter of the search against a brute-force reference: every practitioner and
clinic loaded into Python, distances by geopy, next free times from the slot rules."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

import pytest
from geopy.distance import great_circle

from directory.extensions import db
from directory.models import Appointment, AppointmentKind, AppointmentStatus, Review, Role
from directory.services.booking import availability, scheduling
from directory.services.search import nearby as geo
from directory.services.search import query as search_query
from tests.factories import add_clinic, create_practitioner, create_user

UTC = timezone.utc
SF = (37.7749, -122.4194)
INSURERS = ["Aetna", "Cigna", "Medicare", "HSA/FSA"]
THERAPIES = ["exercise", "massage", "mindfulness"]


def build(seed: int) -> list:
    rng = random.Random(seed)
    patient = create_user(role=Role.PATIENT)
    people = []
    for i in range(24):
        p = create_practitioner(
            display_name=f"P{rng.randrange(1000):03d} {i}", commit=False,
            clinics=[{"latitude": SF[0] + rng.uniform(-0.45, 0.45), "longitude": SF[1] + rng.uniform(-0.45, 0.45)}],
            fee_initial_cents=rng.choice([None, 6000, 9000, 9000, 12050, 15000]),
            insurance=rng.sample(INSURERS, rng.randrange(3)), complementary_therapies=rng.sample(THERAPIES, rng.randrange(3)),
            accepting_new_patients=rng.random() > 0.15, min_notice_hours=rng.choice([0, 24, 72]),
            horizon_days=rng.choice([3, 10, 60]))
        if rng.random() < 0.3:  # a second clinic, sometimes nearer, sometimes without hours
            add_clinic(p, latitude=SF[0] + rng.uniform(-0.45, 0.45), longitude=SF[1] + rng.uniform(-0.45, 0.45),
                       name="Second")
        db.session.commit()
        for clinic in p.clinics:
            if rng.random() < 0.85:
                day = rng.randrange(7)
                availability.set_weekly_hours(clinic, {d % 7: [(time(rng.choice([8, 10, 13])), time(17))]
                                                       for d in range(day, day + rng.randrange(1, 4))})
        for stars in rng.sample([1, 2, 3, 4, 5, 5, 4], rng.randrange(3)):
            start = datetime.now(UTC) - timedelta(days=40)
            visit = Appointment(practitioner_id=p.id, clinic_id=p.clinics[0].id, patient_id=patient.id,
                                starts_at=start, ends_at=start + timedelta(hours=1), kind=AppointmentKind.INITIAL,
                                status=AppointmentStatus.COMPLETED, intake={})
            db.session.add(visit)
            db.session.flush()
            db.session.add(Review(appointment_id=visit.id, patient_id=patient.id, practitioner_id=p.id, rating=stars,
                                  author="A patient", visit_month=start.date().replace(day=1)))
            db.session.commit()
        people.append(p)
    return people


def first_slots(p) -> dict[int, datetime | None]:
    if not p.accepting_new_patients:
        return {c.id: None for c in p.clinics}
    now = scheduling.booking_clock()
    first = {c.id: None for c in p.clinics}
    for slot in scheduling.free_slots(p, start=now.date() - timedelta(days=1), days=p.horizon_days + 3,
                                      kind=AppointmentKind.INITIAL):
        first[slot.clinic_id] = first[slot.clinic_id] or slot.start
    return first


def reference(people, req: search_query.SearchRequest) -> list[tuple[int, int]]:
    f, rows = req.filters, []
    for p in people:
        if f.insurance and f.insurance.lower() not in {i.lower() for i in p.insurance}:
            continue
        if f.therapy and f.therapy not in p.complementary_therapies:
            continue
        if f.max_fee_cents is not None and (p.fee_initial_cents is None or p.fee_initial_cents > f.max_fee_cents):
            continue
        nexts = first_slots(p)
        shown = []
        for c in p.clinics:
            miles = great_circle(req.origin, (c.latitude, c.longitude)).miles
            if miles <= req.radius and (f.available_by is None or (nexts[c.id] is not None and nexts[c.id] <= f.available_by)):
                shown.append((miles, c.id))
        if not shown:
            continue
        miles, clinic_id = min(shown)
        shown_reviews = [r.rating for r in db.session.scalars(db.select(Review).where(Review.practitioner_id == p.id))]
        average = round(sum(shown_reviews) / len(shown_reviews), 1) if shown_reviews else None
        nxt = nexts[clinic_id]
        key = {"distance": (), "soonest": (nxt is None, nxt or datetime.max.replace(tzinfo=UTC)),
               "rating": (average is None, -(average or 0), -len(shown_reviews)),
               "price": (p.fee_initial_cents is None, p.fee_initial_cents or 0)}[req.sort]
        rows.append((key, round(miles, 6), p.display_name.lower(), p.id, clinic_id))
    return [(row[3], row[4]) for row in sorted(rows)]


QUERIES = [
    {}, {"available_within": "1"}, {"available_within": "3"}, {"available_within": "30"},
    {"insurance": "aetna"}, {"insurance": "Medicare", "max_fee": "100"}, {"max_fee": "90"}, {"max_fee": "0"},
    {"therapy": "Massage"}, {"therapy": "mindfulness", "available_within": "10"},
]


@pytest.mark.parametrize("seed", [1, 2])
def test_each_sort_and_filter_matches_the_brute_force_reference(app, seed):
    people = build(seed)
    db.session.expire_all()
    for sort in geo.SORTS:
        for extra in QUERIES:
            req = search_query.parse({"near": f"{SF[0]},{SF[1]}", "radius": "25", "sort": sort, **extra})
            expected = reference(people, req)
            found, page = [], 1
            while True:
                result = geo.search(req.origin, radius=req.radius, filters=req.filters, sort=sort, page=page,
                                    per_page=7)
                assert result.total == len(expected), (sort, extra)
                found += [(h.practitioner.id, h.clinic.id) for h in result.hits]
                if page >= result.pages:
                    break
                page += 1
            assert found == expected, (sort, extra)
    # Every sort finds the same practitioners at the same clinics as the distance search.
    base = set(reference(people, search_query.parse({"near": f"{SF[0]},{SF[1]}", "radius": "25"})))
    assert base == set(reference(people, search_query.parse({"near": f"{SF[0]},{SF[1]}", "radius": "25",
                                                             "sort": "soonest"})))


def test_a_sort_reads_on_when_the_first_rows_are_clinics_their_practitioners_are_not_shown_at(app):
    # Each practitioner's far clinic has the soonest times and its near one none: the soonest
    # rows all belong to clinics the search does not show, and the ranking must read past them.
    people = []
    for i in range(15):
        p = create_practitioner(display_name=f"Two clinics {i:02d}", commit=False, min_notice_hours=0,
                                horizon_days=10, accepting_new_patients=True,
                                clinics=[{"latitude": SF[0] + 0.01 * (i + 1), "longitude": SF[1]}])
        far = add_clinic(p, latitude=SF[0] - 0.2 - 0.005 * i, longitude=SF[1], name="Far")
        db.session.commit()
        availability.set_weekly_hours(far, {d: [(time(8), time(17))] for d in range(7)})
        people.append(p)
    db.session.expire_all()
    for sort in ("soonest", "price"):
        req = search_query.parse({"near": f"{SF[0]},{SF[1]}", "radius": "25", "sort": sort})
        expected = reference(people, req)
        assert {clinic_id for _pid, clinic_id in expected} == {p.clinics[0].id for p in people}
        found = [(h.practitioner.id, h.clinic.id, h.next_available)
                 for page in range(1, 16)
                 for h in geo.search(req.origin, radius=25, sort=sort, page=page, per_page=1).hits]
        assert [(pid, clinic_id) for pid, clinic_id, _ in found] == expected, sort
        assert all(when is None for _, _, when in found)


@pytest.mark.parametrize("params, field", [
    ({"sort": "name"}, "sort"), ({"sort": "SOONEST!"}, "sort"), ({"available_within": "0"}, "available_within"),
    ({"available_within": "soon"}, "available_within"), ({"available_within": "366"}, "available_within"),
    ({"insurance": "Acme Health"}, "insurance"), ({"max_fee": "-5"}, "max_fee"), ({"max_fee": "12.345"}, "max_fee"),
    ({"max_fee": "NaN"}, "max_fee"), ({"max_fee": "1e400"}, "max_fee"), ({"therapy": "reiki"}, "therapy"),
])
def test_bad_values_are_400_invalid_parameter_naming_the_field(client, params, field):
    response = client.get("/api/v1/practitioners", query_string={"near": "94110", **params})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter" and error["field"] == field


def test_the_page_offers_sorts_and_filters_without_javascript_and_names_the_filter_that_emptied_it(client):
    create_practitioner(insurance=["Cigna"], fee_initial_cents=9000)
    page = client.get("/?near=94110&sort=price&insurance=Aetna").get_data(as_text=True)
    assert "0 practitioners within 25 mi" in page
    assert "“Insurance: Aetna” left none" in page and "search without it (1 practitioner)" in page
    assert 'name="sort"' in page and '<option selected value="price">' in page
    page = client.get("/?near=94110&sort=price&max_fee=120").get_data(as_text=True)
    assert "1 practitioner within 25 mi" in page and "$90" in page and "Cigna" in page
    assert date.today().year > 2000
