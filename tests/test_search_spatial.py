"""The optional spatial index (PostgreSQL with the cube extension) against the portable search.

Both candidate filters must return exactly the same pages: the haversine decides in
both, the filter only narrows what is read. Most tests here need PostgreSQL and skip
on SQLite, where the portable query is the only one.
"""
from __future__ import annotations

import logging
import math
import random

import pytest
from geopy.distance import great_circle
from geopy.point import Point
from sqlalchemy import event, text

from directory import config
from directory.extensions import db
from directory.models.search_spatial import INDEX_NAME, create_spatial_index, drop_spatial_index
from directory.services.search import nearby as geo
from directory.services.search import spatial as geo_spatial
from directory.services.search.nearby import Filters
from tests.factories import create_practitioner

# Origins where the geometry is awkward: a city, both sides of the antimeridian, near each pole.
ORIGINS = [(37.7749, -122.4194), (51.88, -179.4), (-16.5, 179.8), (89.6, 40.0), (-89.3, -120.0)]


@pytest.fixture(autouse=True)
def fresh_detection():
    geo_spatial.forget_spatial_index()
    yield
    geo_spatial.forget_spatial_index()


@pytest.fixture
def pg_app(app, backend):
    if backend != "postgresql":
        pytest.skip("the spatial index exists only on PostgreSQL")
    if not db.session.scalar(text("SELECT count(*) FROM pg_available_extensions WHERE name = 'cube'")):
        pytest.skip("this PostgreSQL server has no cube extension (contrib)")
    assert create_spatial_index(db.session.connection()) is True
    db.session.commit()
    return app


def point_at(origin, miles: float, bearing: float) -> tuple[float, float]:
    p = great_circle(miles=miles).destination(Point(*origin), bearing)
    return p.latitude, p.longitude


def seed_around(rng: random.Random, origin, radius_mi: float, count: int) -> None:
    """Practitioners with one to three clinics scattered around ``origin``, some right on
    either side of the radius."""
    for i in range(count):
        clinics = []
        for _ in range(rng.randint(1, 3)):
            if i % 5 == 0:  # a hair inside or outside the circle
                miles = radius_mi * (1 + rng.choice((-1e-7, 1e-7)))
            else:
                miles = radius_mi * 2.5 * rng.random()
            lat, lon = point_at(origin, miles, rng.uniform(0, 360))
            clinics.append({"latitude": lat, "longitude": lon})
        create_practitioner(clinics=clinics, commit=False, years_chronic_pain=rng.randint(0, 20),
                            accepting_new_patients=rng.random() < 0.5,
                            techniques=rng.sample(["cupping", "electroacupuncture", "moxibustion"], 2))
    db.session.commit()


def answer(app, mode: str, origin, **kwargs) -> tuple[int, list, list[str]]:
    """Total, page (practitioner, clinic, distance) and the SQL sent, searching with ``mode``."""
    app.config["SEARCH_SPATIAL_INDEX"] = mode
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        page = geo.search(origin, **kwargs)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    result = [(h.practitioner.id, h.clinic.id, h.distance) for h in page.hits]
    db.session.remove()
    return page.total, result, statements


def test_detection_follows_the_backend(app, backend):
    """No index unless asked for (it does not pay): the portable query. PostgreSQL with cube:
    after the index is created, "on" uses it and "auto" follows SPATIAL_INDEX_BY_DEFAULT."""
    assert geo_spatial.spatial_index_available() is False
    cube = backend == "postgresql" and bool(
        db.session.scalar(text("SELECT count(*) FROM pg_available_extensions WHERE name = 'cube'")))
    if cube:
        assert create_spatial_index(db.session.connection()) is True
        db.session.commit()
        geo_spatial.forget_spatial_index()
    assert geo_spatial.spatial_index_available() is cube
    for mode in geo_spatial.SPATIAL_MODES:
        app.config["SEARCH_SPATIAL_INDEX"] = mode
        assert geo_spatial.uses_spatial_index() is (cube and mode != "off"
                                                    and (mode == "on" or geo_spatial.SPATIAL_INDEX_BY_DEFAULT))
    if backend == "sqlite":
        assert create_spatial_index(db.session.connection()) is False
        create_practitioner()
        total, hits, statements = answer(app, "on", (37.7749, -122.4194))
        assert total == 1 and len(hits) == 1
        assert not any("cube(" in s for s in statements)


def test_an_unknown_mode_is_refused(app, monkeypatch, tmp_path):
    app.config["SEARCH_SPATIAL_INDEX"] = "sometimes"
    with pytest.raises(RuntimeError, match="SEARCH_SPATIAL_INDEX"):
        geo.search((37.7749, -122.4194))
    monkeypatch.setenv("SEARCH_SPATIAL_INDEX", "sometimes")
    with pytest.raises(RuntimeError, match="SEARCH_SPATIAL_INDEX"):
        config.from_environment(str(tmp_path))
    monkeypatch.setenv("SEARCH_SPATIAL_INDEX", "off")
    assert config.from_environment(str(tmp_path))["SEARCH_SPATIAL_INDEX"] == "off"


@pytest.mark.parametrize("seed", [1, 2])
def test_spatial_and_portable_paths_return_the_same_pages(pg_app, seed):
    rng = random.Random(seed)
    for origin in ORIGINS:
        seed_around(rng, origin, 25.0, 12)
    cases = 0
    for origin in ORIGINS:
        for radius, unit in ((25.0, "mi"), (40.2336, "km"), (3.0, "mi"), (500.0, "mi")):
            for filters in (Filters(), Filters(technique="cupping", min_years=5)):
                for page, per_page in ((1, 100), (2, 4)):
                    kwargs = dict(radius=radius, unit=unit, filters=filters, page=page, per_page=per_page)
                    on_total, on_hits, on_sql = answer(pg_app, "on", origin, **kwargs)
                    off_total, off_hits, off_sql = answer(pg_app, "off", origin, **kwargs)
                    assert (on_total, on_hits) == (off_total, off_hits), (origin, kwargs)
                    assert any("cube(" in s for s in on_sql)
                    assert not any("cube(" in s for s in off_sql)
                    cases += on_total > 0
    assert cases > 40  # most combinations found someone, so the comparison says something


@pytest.mark.parametrize("radius_mi", [1.0, 25.0, 500.0])
def test_the_box_holds_points_where_it_is_tightest(pg_app, radius_mi):
    """The cube touches the circle only where the chord runs along an axis: an origin at
    half the angular radius from a great circle through that axis, and a point straight
    across. Just inside the radius, those points must still be found."""
    half = math.degrees(radius_mi / geo.earth_radius("mi")) / 2
    # (origin, bearing to the point) tight along z, x and y in turn.
    cases = [((half, 10.0), 180.0), ((0.0, 90.0 - half), 90.0), ((0.0, half), 270.0)]
    ids = {}
    for origin, bearing in cases:
        lat, lon = point_at(origin, radius_mi * (1 - 1e-8), bearing)
        ids[origin] = create_practitioner(clinics=[{"latitude": lat, "longitude": lon}]).id
    for origin, _bearing in cases:
        for mode in ("on", "off"):
            total, hits, _sql = answer(pg_app, mode, origin, radius=radius_mi)
            assert ids[origin] in [h[0] for h in hits], (mode, origin)


def test_off_forces_the_portable_query_even_with_the_index(pg_app):
    create_practitioner()
    assert geo_spatial.spatial_index_available()
    total, hits, statements = answer(pg_app, "off", (37.7749, -122.4194))
    assert total == 1 and len(hits) == 1
    assert not any("cube(" in s for s in statements)
    assert any("lon_bucket" in s for s in statements)


def test_the_planner_uses_the_index_for_the_candidate_filter(pg_app):
    """The query must spell the index's expression exactly, or the index is silently ignored."""
    condition = geo_spatial.sphere_box(40.7831, -73.9712, 25.0 / geo.earth_radius("mi"))
    sql = str(condition.compile(dialect=db.engine.dialect))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.scalars(text(f"EXPLAIN SELECT clinic_id FROM search_entry WHERE {sql}")))
    assert INDEX_NAME in plan


def test_without_the_index_detection_says_no_and_search_still_works(pg_app):
    create_practitioner()
    drop_spatial_index(db.session.connection())
    db.session.commit()
    assert not geo_spatial.spatial_index_available()
    total, _hits, statements = answer(pg_app, "on", (37.7749, -122.4194))
    assert total == 1 and not any("cube(" in s for s in statements)
    # Detection is cached per database: creating the index again needs a fresh look.
    assert create_spatial_index(db.session.connection()) is True
    db.session.commit()
    assert not geo_spatial.spatial_index_available()
    geo_spatial.forget_spatial_index()
    assert geo_spatial.spatial_index_available()


def test_a_role_that_may_not_create_it_is_skipped_with_a_log_line(pg_app, caplog):
    if not db.session.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        pytest.skip("needs a superuser connection to switch to a role without privileges")
    drop_spatial_index(db.session.connection())
    db.session.commit()
    with db.engine.connect() as connection, connection.begin() as transaction:
        # A built-in role that owns nothing and may create nothing here.
        connection.execute(text("SET LOCAL ROLE pg_read_all_data"))
        with caplog.at_level(logging.WARNING, logger="directory.models.search_spatial"):
            assert create_spatial_index(connection) is False
        assert connection.scalar(text("SELECT 1")) == 1  # the transaction is still usable
        transaction.rollback()
    assert "not allowed" in caplog.text
    assert not geo_spatial.spatial_index_available()


def test_the_cli_creates_and_drops_the_index(app, backend):
    runner = app.test_cli_runner()
    if backend == "sqlite":
        result = runner.invoke(args=["search", "spatial-index"])
        assert result.exit_code == 1 and "needs PostgreSQL" in result.output
        return
    if not db.session.scalar(text("SELECT count(*) FROM pg_available_extensions WHERE name = 'cube'")):
        pytest.skip("this PostgreSQL server has no cube extension (contrib)")
    db.session.commit()
    result = runner.invoke(args=["search", "spatial-index"])
    assert result.exit_code == 0, result.output
    assert "SEARCH_SPATIAL_INDEX=on" in result.output
    assert geo_spatial.spatial_index_available()
    result = runner.invoke(args=["search", "spatial-index", "--drop"])
    assert result.exit_code == 0, result.output
    geo_spatial.forget_spatial_index()
    assert not geo_spatial.spatial_index_available()
