"""Cached search answers: served again only while nothing they show has changed."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from directory import create_app
from directory.extensions import db
from directory.models import ListingState, Practitioner, Role
from directory.models.search_generation import read_generation
from directory.services.search import nearby as geo
from directory.services.licensing import decisions as licensing
from directory.services.licensing import suspension
from directory.services.search import cache as search_cache
from directory.services.search.cache import AnswerCache, Epoch, LiveAnswer
from tests import booking_fixtures
from tests.conftest import create_schema, make_config
from tests.factories import create_practitioner, create_user
from tests.helpers_auth import login_as

API = "/api/v1/practitioners?near=94110&radius=25"
PAGE = "/?near=94110&radius=25"


@pytest.fixture
def searches(monkeypatch):
    """Counts the searches that reached the database."""
    calls = []
    real = geo.search

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(geo, "search", counted)
    return calls


def names(client, url=API) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["name"] for r in response.get_json()["results"]]


def generation() -> int | None:
    value = read_generation(db.session)
    db.session.rollback()
    return value


# --- the cache itself -----------------------------------------------------------------------

def live_answer(body: bytes, timely: bool = False) -> LiveAnswer:
    return LiveAnswer((body,), (), timely)


def epoch(generation: int, day: date, next_free: int = 0, minute: int = 0) -> Epoch:
    return Epoch(generation, next_free, day, datetime(2026, 12, 6, 12, minute, tzinfo=timezone.utc))


def test_an_answer_is_served_only_in_its_own_epoch():
    cache = AnswerCache(1000)
    today = date(2026, 12, 6)
    cache.put(epoch(1, today), "k", live_answer(b"answer"))
    assert cache.get(epoch(1, today), "k").segments == (b"answer",)
    assert cache.get(epoch(2, today), "k") is None
    assert cache.get(epoch(1, today + timedelta(days=1)), "k") is None


def test_next_free_times_and_the_minute_end_only_the_answers_ordered_or_filtered_by_them():
    cache = AnswerCache(1000)
    today = date(2026, 12, 6)
    cache.put(epoch(1, today), "steady", live_answer(b"by distance"))
    cache.put(epoch(1, today), "timely", live_answer(b"soonest first", timely=True))
    for later in (epoch(1, today, next_free=7), epoch(1, today, minute=1)):
        assert cache.get(later, "steady") is not None  # its times are filled in at each serve
        assert cache.get(later, "timely") is None
    assert cache.get(epoch(1, today), "timely") is not None


def test_a_new_epoch_drops_every_older_answer():
    cache = AnswerCache(1000)
    today = date(2026, 12, 6)
    cache.put(epoch(1, today), "a", live_answer(b"old"))
    cache.put(epoch(2, today), "b", live_answer(b"new"))
    assert len(cache) == 1
    cache.put(epoch(1, today), "a", live_answer(b"late answer of the old epoch"))
    assert cache.get(epoch(2, today), "b") is None  # pushed out, never served across epochs
    assert cache.get(epoch(1, today), "a").segments == (b"late answer of the old epoch",)


def test_least_recently_used_answers_go_first_when_full():
    cache = AnswerCache(100)
    now = epoch(1, date(2026, 12, 6))
    for key in "abc":
        cache.put(now, key, live_answer(b"x" * 25))
    assert cache.get(now, "a") is not None  # now the most recently used
    cache.put(now, "d", live_answer(b"x" * 25))
    cache.put(now, "e", live_answer(b"x" * 25))
    assert cache.get(now, "b") is None
    assert [cache.get(now, k) is not None for k in "acde"] == [True, True, True, True]
    cache.put(now, "huge", live_answer(b"x" * 60))  # over a quarter of the room: not kept
    assert cache.get(now, "huge") is None and len(cache) == 4


# --- what changes the generation ----------------------------------------------------------

def test_changes_to_what_search_shows_change_the_generation(app):
    practitioner = create_practitioner()
    before = generation()
    practitioner.credentials = "L.Ac., Dipl. Ac. (NCCAOM)"  # shown, though not indexed
    db.session.commit()
    after_edit = generation()
    assert after_edit != before
    practitioner.licences[0].expires_on = date.today() + timedelta(days=30)
    db.session.commit()
    assert generation() != after_edit


def test_a_rollback_or_an_unrelated_commit_keeps_the_generation(app):
    practitioner = create_practitioner()
    before = generation()
    practitioner.bio = "Changed, then thought better of."
    db.session.flush()
    db.session.rollback()
    assert generation() == before
    create_user(role=Role.PATIENT)
    db.session.commit()
    assert generation() == before


def test_bulk_statements_change_the_generation(app):
    practitioner = create_practitioner()
    before = generation()
    db.session.execute(update(Practitioner).where(Practitioner.id == practitioner.id)
                       .values(credentials="DAOM"))
    db.session.commit()
    assert generation() != before


def test_a_change_inside_a_savepoint_counts_at_the_outer_commit(app):
    practitioner = create_practitioner()
    before = generation()
    practitioner = db.session.get(Practitioner, practitioner.id)
    with db.session.begin_nested():
        practitioner.bio = "Edited in a savepoint."
    db.session.commit()
    assert generation() != before


# --- search answers over HTTP -------------------------------------------------------------

def test_a_repeated_search_is_answered_from_the_cache(client, searches):
    create_practitioner(display_name="Ada Chen")
    first = client.get(API)
    second = client.get(API)
    assert first.get_data() == second.get_data()
    assert second.headers["Cache-Control"] == "no-cache"
    assert second.mimetype == "application/json"
    assert len(searches) == 1
    page, again = client.get(PAGE), client.get(PAGE)
    assert len(searches) == 2
    assert again.get_data() == page.get_data()
    assert again.content_type == page.content_type == "text/html; charset=utf-8"


def test_suspension_approval_and_profile_edits_show_in_the_next_search(client, searches):
    admin = create_user(role=Role.ADMIN)
    shown = create_practitioner(display_name="Ada Chen")
    pending = create_practitioner(display_name="Bo Park", licences=[{"verification_state": "pending",
                                                                     "verified_at": None}])
    assert names(client) == ["Ada Chen"]

    suspension.suspend(shown, admin=admin, reason="Complaint under review")
    db.session.commit()
    assert names(client) == []

    licensing.approve(pending.licences[0], admin=admin, override_reason="Checked by phone")
    db.session.commit()
    assert names(client) == ["Bo Park"]

    pending.credentials = "DAOM"
    db.session.commit()
    assert client.get(API).get_json()["results"][0]["credentials"] == "DAOM"
    assert len(searches) == 4


def test_a_licence_that_expires_today_is_gone_tomorrow_without_any_write(client, monkeypatch):
    create_practitioner(display_name="Ada Chen", licences=[{"expires_on": date.today()}])
    assert names(client) == ["Ada Chen"]

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return date.today() + timedelta(days=1)

    monkeypatch.setattr(search_cache, "date", Tomorrow)
    monkeypatch.setattr(geo, "date", Tomorrow)
    assert names(client) == []


def test_another_worker_sees_a_change_at_once(app, client, database_url):
    practitioner_id = create_practitioner(display_name="Ada Chen").id
    assert names(client) == ["Ada Chen"]

    writer = create_app(make_config(database_url))  # another process: its own cache, the same database
    with writer.app_context():
        db.session.get(Practitioner, practitioner_id).listing_state = ListingState.DRAFT
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert names(client) == []


def test_links_name_the_address_the_search_was_asked_at(client):
    create_practitioner()
    first = client.get(API + "&per_page=1", base_url="http://one.example")
    second = client.get(API + "&per_page=1", base_url="http://two.example")
    assert first.get_json()["links"]["self"].startswith("http://one.example/")
    assert second.get_json()["links"]["self"].startswith("http://two.example/")


def test_bad_searches_are_not_kept(client, searches):
    for _ in range(2):
        response = client.get("/api/v1/practitioners?near=nowhere-at-all")
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "unknown_location"


def test_a_logged_in_visitor_never_gets_the_shared_page(client, searches):
    create_practitioner(display_name="Ada Chen")
    patient = create_user(role=Role.PATIENT, name="Pat Smith")
    db.session.commit()
    anonymous = client.get(PAGE).get_data(as_text=True)
    assert "Log in" in anonymous and "Pat Smith" not in anonymous

    login_as(client, patient)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Pat Smith" in page and "Log out" in page
    assert page.count("Ada Chen") >= 1

    client.post("/logout")
    after = client.get(PAGE).get_data(as_text=True)
    assert "Pat Smith" not in after and "Log in" in after


def test_a_flashed_message_is_shown_not_swallowed_by_the_cache(client):
    create_practitioner(display_name="Ada Chen")
    client.get(PAGE)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "You have been logged out.")]
    assert "You have been logged out." in client.get(PAGE).get_data(as_text=True)
    assert "You have been logged out." not in client.get(PAGE).get_data(as_text=True)


def test_caching_can_be_turned_off(make_app, monkeypatch):
    app = make_app(SEARCH_CACHE_MB=0)
    calls = []
    real = geo.search
    monkeypatch.setattr(geo, "search", lambda *a, **k: calls.append(a) or real(*a, **k))
    with app.app_context():
        create_practitioner()
    client = app.test_client()
    client.get(API)
    client.get(API)
    assert len(calls) == 2


def test_a_booking_leaves_the_cached_answers_alone(client, searches):
    """Appointments are not shown in search results: taking one must not empty the cache."""
    practitioner = booking_fixtures.practitioner_with_hours()
    db.session.commit()
    patient = booking_fixtures.patient()
    client.get(API)
    before = generation()
    start = booking_fixtures.local(booking_fixtures.NEXT_THURSDAY, 9)
    booking_fixtures.request(patient, practitioner, start)
    db.session.commit()
    assert generation() == before
    client.get(API)
    assert len(searches) == 1


def test_a_broken_reader_connection_costs_one_uncached_answer(client, searches):
    from directory.models import search_generation

    # Readers an earlier test broke (this one, on the other database) are not this test's.
    for connection in search_generation._readers.connections.values():
        connection.close()
    search_generation._readers.connections.clear()
    create_practitioner(display_name="Ada Chen")
    assert names(client) == ["Ada Chen"]
    for connection in search_generation._readers.connections.values():
        connection.close()  # as a database restart would leave it
    assert names(client) == ["Ada Chen"]  # answered from the database, not a 500
    assert names(client) == ["Ada Chen"]  # a new connection: the cache serves again
    assert len(searches) == 2


def test_an_in_memory_database_reads_through_the_session(backend):
    if backend != "sqlite":
        pytest.skip("an in-memory database is a SQLite thing")
    app = create_app(make_config("sqlite://"))
    with app.app_context():
        create_schema()
        practitioner = create_practitioner(display_name="Ada Chen")
        client = app.test_client()
        assert names(client) == ["Ada Chen"]
        practitioner.listing_state = ListingState.SUSPENDED
        db.session.commit()
        assert names(client) == []
