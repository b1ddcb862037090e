"""Nearby search against a brute-force geopy reference, and the listing rule."""
from __future__ import annotations

from datetime import date, timedelta

from geopy.distance import great_circle
from geopy.point import Point
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlalchemy import select

from directory.extensions import db
from directory.models import ListingState, SearchEntry, VerificationState
from directory.services.search import nearby as geo
from directory.models.search import LON_BUCKETS
from directory.services.search.nearby import Filters
from tests.conftest import clear_database
from tests.factories import add_clinic, create_practitioner

SF = (37.7749, -122.4194)
NYC = (40.7580, -73.9855)


def clinic_at(lat: float, lon: float, region: str = "CA", **extra) -> dict:
    return {"latitude": lat, "longitude": lon, "region": region, **extra}


def point_at(origin: tuple[float, float], miles: float, bearing: float) -> tuple[float, float]:
    p = great_circle(miles=miles).destination(Point(*origin), bearing)
    return p.latitude, p.longitude


def reference(origin, radius, unit, clinics_by_practitioner):
    """What the search must return: nearest clinic per practitioner, within radius, by distance."""
    best = {}
    for pid, coords in clinics_by_practitioner.items():
        distances = [getattr(great_circle(origin, c), "km" if unit == "km" else "miles") for c in coords]
        d = min(distances)
        if d <= radius:
            best[pid] = d
    return sorted(best.items(), key=lambda item: item[1])


def all_hits(origin, radius=25.0, unit="mi", filters=Filters(), per_page=100):
    page = geo.search(origin, radius=radius, unit=unit, filters=filters, per_page=per_page)
    return page, [(h.practitioner.id, h.distance) for h in page.hits]


coordinate_offsets = st.tuples(st.floats(-1.2, 1.2), st.floats(-1.6, 1.6))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    origin_index=st.sampled_from([0, 1, 2]),
    practitioners=st.lists(st.lists(coordinate_offsets, min_size=1, max_size=3), min_size=1, max_size=25),
    radius=st.sampled_from([5.0, 25.0, 60.0, 100.0]),
    unit=st.sampled_from(["mi", "km"]),
)
def test_matches_brute_force_reference(app, origin_index, practitioners, radius, unit):
    clear_database()
    # San Francisco, Manhattan, and Adak (Aleutians) so the antimeridian gets exercised.
    origin = [SF, NYC, (51.88, -179.4)][origin_index]
    expected_input = {}
    for offsets in practitioners:
        coords = [(max(-89.0, min(89.0, origin[0] + dlat)), ((origin[1] + dlon + 180) % 360) - 180)
                  for dlat, dlon in offsets]
        p = create_practitioner(clinics=[clinic_at(lat, lon) for lat, lon in coords], commit=False)
        expected_input[p.id] = coords
    db.session.commit()

    page, hits = all_hits(origin, radius, unit)
    expected = reference(origin, radius, unit, expected_input)

    # Floating-point differences may only matter for points on the boundary itself.
    boundary = {pid for pid, d in expected if abs(d - radius) < 1e-6}
    assert {pid for pid, _ in hits} - boundary == {pid for pid, _ in expected} - boundary
    assert page.total == len(hits)
    got = dict(hits)
    for pid, d in expected:
        if pid in got:
            assert abs(got[pid] - d) < 0.05
    distances = [d for _, d in hits]
    assert distances == sorted(distances)


def test_radius_edge_is_inclusive_and_sharp(app):
    inside = create_practitioner(clinics=[clinic_at(*point_at(SF, 24.99, 90))])
    outside = create_practitioner(clinics=[clinic_at(*point_at(SF, 25.01, 0))])
    corner = create_practitioner(clinics=[clinic_at(*point_at(SF, 24.99, 45))])
    _, hits = all_hits(SF, 25.0)
    ids = [pid for pid, _ in hits]
    assert inside.id in ids and corner.id in ids
    assert outside.id not in ids


def test_radius_in_kilometres(app):
    near = create_practitioner(clinics=[clinic_at(*point_at(SF, 20 / 1.609344, 180))])  # 20 km
    create_practitioner(clinics=[clinic_at(*point_at(SF, 30 / 1.609344, 180))])  # 30 km
    _, hits = all_hits(SF, 25.0, "km")
    assert [pid for pid, _ in hits] == [near.id]
    assert abs(hits[0][1] - 20.0) < 0.05


def test_antimeridian_both_directions(app):
    west_of_line = create_practitioner(clinics=[clinic_at(51.95, 179.6, region="AK")],
                                       licences=[{"jurisdiction": "US-AK"}])
    east_of_line = create_practitioner(clinics=[clinic_at(51.85, -179.7, region="AK")],
                                       licences=[{"jurisdiction": "US-AK"}])
    origin = (51.88, -179.95)
    _, hits = all_hits(origin, 50.0)
    assert {pid for pid, _ in hits} == {west_of_line.id, east_of_line.id}
    _, hits = all_hits((51.88, 179.95), 50.0)
    assert {pid for pid, _ in hits} == {west_of_line.id, east_of_line.id}


def test_one_result_per_practitioner_at_nearest_clinic(app):
    p = create_practitioner(clinics=[clinic_at(*point_at(SF, 10, 90)), clinic_at(*point_at(SF, 3, 270))])
    page, hits = all_hits(SF)
    assert page.total == 1
    assert hits[0][0] == p.id and abs(hits[0][1] - 3.0) < 0.05
    assert page.hits[0].clinic.id == p.clinics[1].id


def test_listing_rule_hides_unqualified_practitioners(app):
    listed = create_practitioner(clinics=[clinic_at(*SF)])
    create_practitioner(clinics=[clinic_at(*SF)],
                        licences=[{"verification_state": VerificationState.PENDING, "verified_at": None}])
    create_practitioner(clinics=[clinic_at(*SF)], licences=[{"expires_on": date.today() - timedelta(days=1)}])
    create_practitioner(clinics=[clinic_at(*SF)], licences=[{"jurisdiction": "US-NY"}])
    create_practitioner(clinics=[clinic_at(*SF)], listing_state=ListingState.SUSPENDED)
    create_practitioner(clinics=[clinic_at(*SF)], listing_state=ListingState.DRAFT)
    create_practitioner(clinics=[clinic_at(*SF)],
                        licences=[{"verification_state": VerificationState.LAPSED}])
    page, hits = all_hits(SF)
    assert [pid for pid, _ in hits] == [listed.id]
    assert geo.search(None).total == 1


def test_licence_for_one_state_does_not_list_a_clinic_in_another(app):
    p = create_practitioner(clinics=[clinic_at(*SF), clinic_at(*NYC, region="NY")],
                            licences=[{"jurisdiction": "US-CA"}])
    assert [pid for pid, _ in all_hits(SF)[1]] == [p.id]
    assert all_hits(NYC)[1] == []


def test_licence_expiring_today_still_lists_and_lapses_tomorrow(app):
    create_practitioner(clinics=[clinic_at(*SF)], licences=[{"expires_on": date.today()}])
    assert geo.search(SF, today=date.today()).total == 1
    assert geo.search(SF, today=date.today() + timedelta(days=1)).total == 0


def test_index_follows_changes_in_the_same_transaction(app):
    p = create_practitioner(clinics=[clinic_at(*SF)])
    assert geo.search(SF).total == 1
    p.licences[0].verification_state = VerificationState.PENDING
    db.session.commit()
    assert geo.search(SF).total == 0
    p.licences[0].verification_state = VerificationState.VERIFIED
    db.session.commit()
    assert geo.search(SF).total == 1
    p.clinics[0].latitude, p.clinics[0].longitude = NYC
    p.clinics[0].region = "NY"
    db.session.commit()
    assert geo.search(SF).total == 0
    add_clinic(p, latitude=SF[0], longitude=SF[1])
    db.session.commit()
    assert geo.search(SF).total == 1
    p.listing_state = ListingState.SUSPENDED
    db.session.commit()
    assert geo.search(SF).total == 0
    db.session.delete(p)
    db.session.commit()
    assert geo.search(None).total == 0


def test_filters(app):
    a = create_practitioner(clinics=[clinic_at(*SF)], techniques=["cupping", "electroacupuncture"],
                            languages=["English", "Spanish"], years_chronic_pain=12, accepting_new_patients=True)
    b = create_practitioner(clinics=[clinic_at(*SF)], techniques=["moxibustion"], languages=["Mandarin"],
                            years_chronic_pain=3, accepting_new_patients=False)

    def ids(**kw):
        return {h.practitioner.id for h in geo.search(SF, filters=Filters(**kw)).hits}

    assert ids() == {a.id, b.id}
    assert ids(technique="cupping") == {a.id}
    assert ids(technique="moxibustion") == {b.id}
    assert ids(language="spanish") == {a.id}
    assert ids(language="Mandarin") == {b.id}
    assert ids(min_years=10) == {a.id}
    assert ids(min_years=3) == {a.id, b.id}
    assert ids(accepting=True) == {a.id}
    assert ids(technique="cupping", language="Mandarin") == set()


def test_technique_filter_matches_whole_items_only(app):
    create_practitioner(clinics=[clinic_at(*SF)], techniques=["scalp-acupuncture"])
    assert geo.search(SF, filters=Filters(technique="acupuncture")).total == 0


def test_paging_totals_and_order(app):
    for i in range(23):
        create_practitioner(clinics=[clinic_at(*point_at(SF, 0.5 + i, 30 * i))], commit=False)
    db.session.commit()
    first = geo.search(SF, radius=50, per_page=10, page=1)
    third = geo.search(SF, radius=50, per_page=10, page=3)
    beyond = geo.search(SF, radius=50, per_page=10, page=4)
    assert first.total == third.total == 23 and first.pages == 3
    assert len(first.hits) == 10 and len(third.hits) == 3 and beyond.hits == []
    everything = []
    for n in (1, 2, 3):
        everything += [h.distance for h in geo.search(SF, radius=50, per_page=10, page=n).hits]
    assert everything == sorted(everything) and len(everything) == 23


def test_paging_with_multi_clinic_practitioners_has_no_duplicates(app):
    for i in range(15):
        create_practitioner(clinics=[clinic_at(*point_at(SF, 1 + i, 10 * i)),
                                     clinic_at(*point_at(SF, 1.2 + i, 10 * i + 5))], commit=False)
    db.session.commit()
    seen = []
    for n in (1, 2, 3, 4):
        seen += [h.practitioner.id for h in geo.search(SF, radius=50, per_page=4, page=n).hits]
    assert len(seen) == len(set(seen)) == 15


def test_without_origin_lists_everyone_by_name(app):
    create_practitioner(display_name="Zhou Min", clinics=[clinic_at(*SF)])
    create_practitioner(display_name="ana Ortiz", clinics=[clinic_at(*NYC, region="NY")])
    create_practitioner(display_name="Ben Kaur", clinics=[clinic_at(*SF), clinic_at(*point_at(SF, 5, 0))])
    page = geo.search(None)
    assert [h.practitioner.display_name for h in page.hits] == ["ana Ortiz", "Ben Kaur", "Zhou Min"]
    assert all(h.distance is None for h in page.hits) and page.total == 3


def test_bounding_box_covers_the_pole_and_wraps():
    box = geo.bounding_box(89.9, 10.0, 50, "mi")
    assert box.lon_ranges == ((-180.0, 180.0),) and box.buckets() is None
    box = geo.bounding_box(51.88, -179.9, 25, "mi")
    assert len(box.lon_ranges) == 2
    assert box.buckets() is not None and 0 in box.buckets() and LON_BUCKETS - 1 in box.buckets()


def assert_cell_counts_match_rows():
    from sqlalchemy import func, select

    from directory.models import SearchCell, SearchEntry
    from_rows = dict(db.session.execute(
        select(SearchEntry.cell, func.count()).where(SearchEntry.lead.is_(True)).group_by(SearchEntry.cell)).all())
    from_cells = {c.cell: c.lead_entries for c in db.session.scalars(select(SearchCell)) if c.lead_entries}
    assert from_cells == from_rows


def test_cell_counts_follow_every_kind_of_change(app):
    a = create_practitioner(clinics=[clinic_at(*SF)])
    b = create_practitioner(clinics=[clinic_at(*point_at(SF, 3, 90))])
    assert_cell_counts_match_rows()
    add_clinic(a, latitude=point_at(SF, 5, 0)[0], longitude=point_at(SF, 5, 0)[1])  # a gains a second clinic
    db.session.commit()
    assert_cell_counts_match_rows()
    db.session.delete(a.clinics[0])
    db.session.commit()
    assert_cell_counts_match_rows()
    b.clinics[0].latitude += 0.5
    db.session.commit()
    assert_cell_counts_match_rows()
    db.session.delete(b)
    db.session.commit()
    assert_cell_counts_match_rows()
    c = create_practitioner(clinics=[clinic_at(*SF)])
    c.licences[0].verification_state = VerificationState.REJECTED
    db.session.commit()
    assert_cell_counts_match_rows()
    assert geo.search(SF, radius=100).total == 1


def test_dense_area_total_counts_whole_cells_and_edges(app):
    # Many practitioners on a grid around the origin: most fall in cells wholly inside.
    expected = {}
    for i in range(-6, 7):
        for j in range(-6, 7):
            lat, lon = SF[0] + i * 0.03, SF[1] + j * 0.035
            p = create_practitioner(clinics=[clinic_at(lat, lon)], commit=False)
            expected[p.id] = [(lat, lon)]
    twin = create_practitioner(clinics=[clinic_at(*SF), clinic_at(SF[0] + 0.01, SF[1])], commit=False)
    expected[twin.id] = [SF, (SF[0] + 0.01, SF[1])]
    db.session.commit()
    for radius in (3.0, 7.5, 12.0, 30.0):
        want = reference(SF, radius, "mi", expected)
        page, hits = all_hits(SF, radius)
        assert page.total == len(want)
        # Grid points tie on distance, so compare the distances, not the ids.
        assert all(abs(got - exp) < 0.01 for (_, got), (_, exp) in zip(hits, want))


def test_total_leaves_out_licences_expired_since_indexing(app):
    for k in range(30):
        create_practitioner(clinics=[clinic_at(SF[0] + k * 0.001, SF[1])],
                            licences=[{"expires_on": date.today() + timedelta(days=1 + k % 2)}], commit=False)
    db.session.commit()
    assert geo.search(SF, radius=50).total == 30
    later = date.today() + timedelta(days=2)
    page = geo.search(SF, radius=50, today=later, per_page=100)
    assert page.total == 15 == len(page.hits)
    everyone = geo.search(None, today=later, per_page=100)
    assert everyone.total == 15 == len(everyone.hits)


def test_practitioner_found_through_second_clinic_when_first_lapses_or_is_far(app):
    tahoe_ca, tahoe_nv = (38.94, -119.98), (38.96, -119.94)
    p = create_practitioner(
        clinics=[clinic_at(*tahoe_ca), clinic_at(*tahoe_nv, region="NV")],
        licences=[{"jurisdiction": "US-CA", "expires_on": date.today() + timedelta(days=1)},
                  {"jurisdiction": "US-NV"}])
    later = date.today() + timedelta(days=2)
    for origin in (tahoe_ca, tahoe_nv):
        page = geo.search(origin, radius=10, today=later)
        assert page.total == 1 and page.hits[0].clinic.region == "NV"
    assert geo.search(None, today=later).total == 1
    # Only the second clinic is within 2 mi of a point beside it.
    east = point_at(tahoe_nv, 1.0, 90)
    assert geo.search(east, radius=2).total == 1
    assert geo.search(east, radius=2).hits[0].practitioner.id == p.id


@settings(max_examples=300, deadline=None)
@given(lat0=st.floats(-89.9, 89.9), lon0=st.floats(-180, 180), radius=st.floats(0.5, 500),
       points=st.lists(st.tuples(st.floats(-3, 3), st.floats(-12, 12)), min_size=1, max_size=40))
def test_cell_cover_never_misplaces_a_point(lat0, lon0, radius, points):
    from directory.models.search import cell_of
    from directory.services.search.cells import cover
    from directory.services.search.counting import haversine

    earth = geo.earth_radius("mi")
    cells = cover(lat0, lon0, radius, earth, max_rows=10_000)

    def within(ranges, cell):
        return any(first <= cell <= last for first, last in ranges)

    for dlat, dlon in points:
        lat = max(-90.0, min(90.0, lat0 + dlat * radius / 69))
        lon = ((lon0 + dlon * radius / 69 + 180) % 360) - 180
        d = haversine(lat0, lon0, lat, lon, earth)
        cell = cell_of(lat, lon)
        if within(cells.inside, cell):
            assert d <= radius
            assert not within(cells.edge, cell)
        elif d <= radius:
            assert within(cells.edge, cell), (lat, lon, d)


def test_concurrent_writers_in_one_cell_keep_counts_exact(app):
    import threading

    from directory.models.practitioner import ListingState as LS

    create_practitioner(clinics=[clinic_at(*SF)])  # the cell exists before the race
    barrier = threading.Barrier(4)
    errors = []

    def writer(k: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                for i in range(3):
                    create_practitioner(clinics=[clinic_at(SF[0] + 0.0001 * (k * 3 + i), SF[1])])
                p = create_practitioner(clinics=[clinic_at(SF[0], SF[1] + 0.0001 * k)])
                p.listing_state = LS.SUSPENDED
                db.session.commit()
            except Exception as exc:  # surfaced below: a thread's failure must fail the test
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    assert_cell_counts_match_rows()
    assert geo.search(SF, radius=1).total == 1 + 4 * 3


def test_only_changes_the_index_reads_rebuild_it(app, create_practitioner):
    from sqlalchemy import event as sa_event

    practitioner = create_practitioner()
    licence = practitioner.licences[0]
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        practitioner.bio = "A new biography."
        licence.check_results = [{"name": "dates", "result": "pass", "message": "ok"}]
        db.session.commit()
        assert not any("search_entry" in s for s in statements), statements
        practitioner.years_chronic_pain = 30
        db.session.commit()
        assert any(s.startswith("DELETE FROM search_entry") for s in statements)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert db.session.scalar(select(SearchEntry.years_chronic_pain)) == 30
