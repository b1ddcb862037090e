"""Geocoding: the offline geopy geocoder, locate() and locate_address(), and the
Nominatim path against a real HTTP server on 127.0.0.1 (never the internet)."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from statistics import mean
from urllib.parse import parse_qs, urlsplit

import pytest
import zipcodes
from geopy.exc import GeocoderQueryError
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from directory import create_app
from directory.extensions import db
from directory.models import GeocodeCacheEntry, User
from directory.models._types import utcnow
from directory.services.geocoding import network as geocode_cache
from directory.services.geocoding.locate import (ACCEPTED_FORMS, LocationNotFound, OfflineGeocoder, Place,
                                          locate, locate_address)
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def offline_app():
    """An app context with the default (offline) geocoder; no database is touched."""
    app = create_app(make_config("sqlite://"))
    with app.app_context():
        yield app


# --- accepted forms ------------------------------------------------------------------

@pytest.mark.parametrize("query", ["94110", "94110-1234", "941101234", "  94110  ", "94110 - 1234",
                                   "94110 1234"])
def test_zip_forms(offline_app, query):
    place = locate(query)
    assert (place.latitude, place.longitude) == (37.7509, -122.4153)
    assert place.label == "San Francisco, CA 94110"
    assert (place.postal_code, place.city, place.region, place.country) == ("94110", "San Francisco", "CA", "US")
    assert place.timezone == "America/Los_Angeles"
    assert place.source == "zip"


@pytest.mark.parametrize("query", ["New York, NY", "new york, ny", "  new   york ,  ny ", "NEW YORK,NY",
                                   "New York, New York", "new york, NEW YORK", "New York NY",
                                   "New York, NY, USA", "New York NY US"])
def test_city_state_forms(offline_app, query):
    place = locate(query)
    assert place.label == "New York, NY"
    assert (place.city, place.region, place.timezone, place.source) == (
        "New York", "NY", "America/New_York", "city")


def test_city_is_the_centroid_of_its_active_standard_zips(offline_app):
    rows = [r for r in zipcodes.filter_by(city="New York", state="NY")
            if r["active"] and r["zip_code_type"] == "STANDARD"]
    assert len(rows) > 20
    place = locate("New York, NY")
    assert place.latitude == pytest.approx(mean(float(r["lat"]) for r in rows))
    assert place.longitude == pytest.approx(mean(float(r["long"]) for r in rows))


@pytest.mark.parametrize("query, label", [
    ("Kansas City MO", "Kansas City, MO"),
    ("Kansas City, Kansas", "Kansas City, KS"),
    ("St. Paul, MN", "Saint Paul, MN"),
    ("Saint Paul MN", "Saint Paul, MN"),
    ("Coeur d'Alene, ID", "Coeur D Alene, ID"),
    ("Cañon City, CO", "Canon City, CO"),
    ("Winston-Salem, NC", "Winston Salem, NC"),
    ("Washington, D.C.", "Washington, DC"),
    ("Washington DC", "Washington, DC"),
    ("Washington, District of Columbia", "Washington, DC"),
])
def test_city_spelling_variants(offline_app, query, label):
    assert locate(query).label == label


@pytest.mark.parametrize("query, region, timezone", [
    ("San Juan, PR", "PR", "America/Puerto_Rico"),
    ("San Juan, Puerto Rico", "PR", "America/Puerto_Rico"),
    ("00901", "PR", "America/Puerto_Rico"),
    ("Hagatna, GU", "GU", "Pacific/Guam"),
    ("Agana Heights, GU", "GU", "Pacific/Guam"),  # one of the ZIPs' acceptable city names
    ("Charlotte Amalie, VI", "VI", "America/St_Thomas"),
    ("St Thomas, Virgin Islands", "VI", "America/St_Thomas"),
    ("Pago Pago, AS", "AS", "Pacific/Pago_Pago"),
    ("Saipan, MP", "MP", "Pacific/Saipan"),
    ("20001", "DC", "America/New_York"),
])
def test_territories_and_dc(offline_app, query, region, timezone):
    place = locate(query)
    assert (place.region, place.timezone, place.country) == (region, timezone, "US")


def test_adak_west_of_the_antimeridian_bend(offline_app):
    place = locate("99546")
    assert place.label == "Adak, AK 99546"
    assert place.latitude == pytest.approx(51.8549)
    assert place.longitude == pytest.approx(-177.0888)
    assert place.timezone == "America/Adak"
    assert locate("Adak, AK").timezone == "America/Adak"
    assert locate("51.88,-176.65").timezone == "America/Adak"  # nearest ZIP gives the zone


@pytest.mark.parametrize("query, expected", [
    ("40.7128,-74.0060", (40.7128, -74.006)),
    ("40.7128, -74.0060", (40.7128, -74.006)),
    (" +40.7128 ,  -74.006 ", (40.7128, -74.006)),
    ("-33.8688,151.2093", (-33.8688, 151.2093)),
    ("0,0", (0.0, 0.0)),
    (".5,-.5", (0.5, -0.5)),
    ("90,180", (90.0, 180.0)),
    ("-90,-180", (-90.0, -180.0)),
])
def test_coordinates(offline_app, query, expected):
    place = locate(query)
    assert (place.latitude, place.longitude) == expected
    assert place.label == f"{expected[0]:.4f}, {expected[1]:.4f}"
    assert place.source == "coordinates"


def test_coordinates_get_region_and_zone_from_a_nearby_zip_only(offline_app):
    place = locate("40.7128, -74.0060")
    assert place.label == "40.7128, -74.0060"
    assert (place.region, place.timezone, place.country) == ("NY", "America/New_York", "US")
    far = locate("-33.8688,151.2093")  # Sydney: no US ZIP within 100 km
    assert (far.region, far.timezone, far.country) == (None, None, "")


@pytest.mark.parametrize("query", ["90.0001,0", "-91,0", "0,180.5", "0,-181", "123456,1"])
def test_coordinates_out_of_range(offline_app, query):
    with pytest.raises(LocationNotFound, match="latitude from -90 to 90"):
        locate(query)


def test_city_state_zip_uses_the_zip_when_the_state_agrees(offline_app):
    place = locate("Portland, OR 97205")
    assert (place.postal_code, place.label) == ("97205", "Portland, OR 97205")
    with pytest.raises(LocationNotFound, match="97205 is in OR, not MA"):
        locate("Boston, MA 97205")


# --- what is not found, and why -----------------------------------------------------------

@pytest.mark.parametrize("query, fragment", [
    ("00000", "ZIP code 00000 was not found"),
    ("99999-0000", "ZIP code 99999 was not found"),
    ("09000", "military"),
    ("Springfeld, IL", 'No city called "Springfeld" was found in Illinois'),
    ("Nowhere, ZZ", "Search covers the United States"),
    ("", "Enter a location"),
    ("   \t\n ", "Enter a location"),
    ("<script>alert(1)</script>", "was not found"),
    ("x" * 10_000, "too long"),
    ("94\x00110", "control characters"),
    ("🦄🦄", "not a place name"),
    ("?!", "not a place name"),
    ("Portland", '"Portland, OR"'),
    ("nan, inf", "was not found"),
])
def test_unknown_inputs_get_a_clear_message(offline_app, query, fragment):
    with pytest.raises(LocationNotFound) as caught:
        locate(query)
    assert fragment in str(caught.value)


def test_street_address_offline_names_the_forms_and_the_city(offline_app):
    with pytest.raises(LocationNotFound) as caught:
        locate("1600 Amphitheatre Pkwy, Mountain View, CA")
    message = str(caught.value)
    assert ACCEPTED_FORMS in message
    assert "Search by street address is not available here" in message
    assert 'Try "Mountain View, CA"' in message
    assert caught.value.suggestions == ("Mountain View, CA",)


def test_street_address_offline_falls_back_to_its_zip_and_says_so(offline_app):
    place = locate("123 Main St, Portland, OR 97205")
    assert place.postal_code == "97205"
    assert place.label == "ZIP 97205 (Portland, OR)"
    assert (place.latitude, place.longitude) == (45.5207, -122.6888)


def test_locate_without_an_app_context_is_offline():
    assert locate("94110").postal_code == "94110"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_a_place_or_location_not_found(query):
    try:
        assert isinstance(locate(query), Place)
    except LocationNotFound as exc:
        assert str(exc)


# --- the geopy geocoder ------------------------------------------------------------------

def test_offline_geocoder_is_a_geopy_geocoder():
    geocoder = OfflineGeocoder()
    assert isinstance(geocoder, Geocoder)
    assert geocoder.headers["User-Agent"]  # Geocoder.__init__ ran
    location = geocoder.geocode("94110-1234")
    assert isinstance(location, Location)
    assert location.address == "San Francisco, CA 94110"
    assert location.point.latitude == 37.7509
    assert location.raw == {"postal_code": "94110", "city": "San Francisco", "region": "CA",
                            "country": "US", "timezone": "America/Los_Angeles", "source": "zip"}
    many = geocoder.geocode("Portland, OR", exactly_one=False)
    assert isinstance(many, list) and len(many) == 1 and many[0].address == "Portland, OR"
    assert geocoder.geocode("00000") is None
    assert geocoder.geocode("1600 Amphitheatre Pkwy, Mountain View, CA") is None
    with pytest.raises(GeocoderQueryError):
        geocoder.geocode(94110)


def test_zip_data_is_indexed_lazily_not_at_import():
    code = ("import directory.services.geocoding.locate, directory.services.geocoding.zip_index as z, sys; "
            "sys.exit(z._index.cache_info().currsize)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60).returncode == 0


# --- Nominatim against a local server ----------------------------------------------------

AMPHITHEATRE = {"place_id": 1, "lat": "37.4224", "lon": "-122.0842", "class": "building",
                "display_name": "Google Building 41, 1600, Amphitheatre Parkway, Mountain View, "
                                "Santa Clara County, California, 94043, United States"}
CLINIC = {"place_id": 2, "lat": "45.5191", "lon": "-122.6793",
          "display_name": "1 Southwest Main Street, Portland, Multnomah County, Oregon, 97204, United States"}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.requests.append({"path": url.path, "params": params,
                                     "user_agent": self.headers.get("User-Agent")})
        if self.server.mode == "error":
            return self._send(500, b"<h1>Internal Server Error</h1>", "text/html")
        if self.server.mode == "slow":
            time.sleep(2)
        if self.server.mode == "garbage":
            return self._send(200, b"[{\"lat\": \"north\"}]", "application/json")
        found = self.server.places.get(params.get("q", "").casefold(), [])
        self._send(200, json.dumps(found).encode(), "application/json")

    def _send(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.requests, server.mode = [], "ok"
    server.places = {
        "1600 amphitheatre pkwy, mountain view, ca": [AMPHITHEATRE],
        "1 sw main st, portland, or 97205": [CLINIC],
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _configure(app, monkeypatch, port: int) -> None:
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")  # never route the test server via a proxy
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    app.config.update(GEOCODER="nominatim", NOMINATIM_DOMAIN=f"127.0.0.1:{port}", NOMINATIM_SCHEME="http",
                      NOMINATIM_USER_AGENT="meridian-tests", GEOCODER_MIN_DELAY_SECONDS=0,
                      GEOCODER_TIMEOUT_SECONDS=5)


@pytest.fixture
def online(app, nominatim, monkeypatch):
    _configure(app, monkeypatch, nominatim.server_address[1])
    return nominatim


def _entries() -> list[GeocodeCacheEntry]:
    db.session.expire_all()
    return db.session.scalars(select(GeocodeCacheEntry).order_by(GeocodeCacheEntry.id)).all()


def test_street_address_resolves_through_nominatim(online):
    place = locate("1600 Amphitheatre Pkwy, Mountain View, CA")
    assert (place.latitude, place.longitude) == (37.4224, -122.0842)
    assert place.label == AMPHITHEATRE["display_name"]
    assert (place.region, place.country, place.timezone, place.source) == (
        "CA", "US", "America/Los_Angeles", "nominatim")
    [request] = online.requests
    assert request["path"] == "/search"
    assert request["params"]["q"] == "1600 Amphitheatre Pkwy, Mountain View, CA"
    assert request["params"]["format"] == "json"
    assert request["user_agent"] == "meridian-tests"


def test_second_lookup_is_served_from_the_cache(online):
    first = locate("1600 Amphitheatre Pkwy, Mountain View, CA")
    second = locate("  1600 amphitheatre PKWY,   Mountain View, ca ")
    assert second == first
    assert len(online.requests) == 1
    [entry] = _entries()
    assert (entry.provider, entry.query) == ("nominatim", "1600 amphitheatre pkwy, mountain view, ca")
    assert (entry.latitude, entry.longitude) == (37.4224, -122.0842)


def test_a_miss_is_cached_too(online):
    for _ in range(2):
        with pytest.raises(LocationNotFound, match="No place matching"):
            locate("42 Nonexistent Rd, Nowhere, CA")
    assert len(online.requests) == 1
    [entry] = _entries()
    assert entry.latitude is None and entry.longitude is None


def test_an_old_miss_is_asked_again(online):
    with pytest.raises(LocationNotFound):
        locate("1 SW Main St, Portland, OR")
    db.session.execute(update(GeocodeCacheEntry).values(created_at=utcnow() - timedelta(days=40)))
    db.session.commit()
    online.places["1 sw main st, portland, or"] = [CLINIC]
    assert locate("1 SW Main St, Portland, OR").latitude == 45.5191
    assert len(online.requests) == 2
    [entry] = _entries()
    assert entry.latitude == 45.5191


def test_offline_forms_never_reach_the_network(online):
    assert locate("94110").postal_code == "94110"
    assert locate("New York, NY").region == "NY"
    assert locate("40.7,-74.0").region == "NY"
    for query in ("00000", "91,0", "94\x00110", "🦄"):
        with pytest.raises(LocationNotFound):
            locate(query)
    assert online.requests == []


def test_unknown_city_is_asked_of_the_network(online):
    silver_lake = {"lat": "34.0869", "lon": "-118.2702",
                   "display_name": "Silver Lake, Los Angeles, California, United States"}
    online.places["silver lake, ca"] = [silver_lake]  # a neighbourhood: not in the ZIP data
    assert locate("Silver Lake, CA").latitude == 34.0869
    # When the network knows no better, the offline reason is the clearer message.
    with pytest.raises(LocationNotFound, match='No city called "Springfeld" was found in Illinois'):
        locate("Springfeld, IL")
    assert [r["params"]["q"] for r in online.requests] == ["Silver Lake, CA", "Springfeld, IL"]


@pytest.mark.parametrize("mode", ["error", "slow", "garbage"])
def test_server_trouble_is_location_not_found_and_not_cached(online, app, mode):
    online.mode = mode
    app.config["GEOCODER_TIMEOUT_SECONDS"] = 0.5
    with pytest.raises(LocationNotFound) as caught:
        locate("1600 Amphitheatre Pkwy, Mountain View, CA")
    assert "address lookup is unavailable" in str(caught.value)
    assert "ZIP code" in str(caught.value)
    assert _entries() == []
    online.mode = "ok"
    assert locate("1600 Amphitheatre Pkwy, Mountain View, CA").latitude == 37.4224


def test_server_down_is_location_not_found(app, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _configure(app, monkeypatch, port)
    with pytest.raises(LocationNotFound, match="address lookup is unavailable"):
        locate("1600 Amphitheatre Pkwy, Mountain View, CA")
    assert _entries() == []


def test_server_trouble_falls_back_to_a_trailing_zip(online):
    online.mode = "error"
    place = locate("1 Unknown Rd, Portland, OR 97205")
    assert (place.postal_code, place.label, place.source) == ("97205", "ZIP 97205 (Portland, OR)", "zip")


def test_cache_write_survives_a_request_that_never_commits(online):
    locate("1600 Amphitheatre Pkwy, Mountain View, CA")
    db.session.rollback()
    assert len(_entries()) == 1


def test_cache_write_leaves_the_callers_transaction_alone(online, create_user):
    user = create_user(email="caller@example.test")  # flushed, not committed
    assert locate("1600 Amphitheatre Pkwy, Mountain View, CA").latitude == 37.4224
    db.session.commit()
    assert db.session.scalar(select(User.email).where(User.id == user.id)) == "caller@example.test"
    assert len(_entries()) == 1


def test_concurrent_insert_of_the_same_query_is_harmless(online, monkeypatch):
    # As if another process cached the query between our read and our write.
    monkeypatch.setattr(geocode_cache, "_cached", lambda key: None)
    first = locate("1600 Amphitheatre Pkwy, Mountain View, CA")
    second = locate("1600 Amphitheatre Pkwy, Mountain View, CA")
    assert first == second
    assert len(online.requests) == 2
    assert db.session.scalar(select(func.count()).select_from(GeocodeCacheEntry)) == 1


# --- clinic addresses ----------------------------------------------------------------------

def test_locate_address_offline_uses_the_zip(offline_app):
    place = locate_address("1 SW Main St", "Portland", "Oregon", "97205")
    assert (place.latitude, place.longitude) == (45.5207, -122.6888)
    assert (place.postal_code, place.city, place.region, place.timezone, place.source) == (
        "97205", "Portland", "OR", "America/Los_Angeles", "zip")


def test_locate_address_offline_without_zip_uses_the_city(offline_app):
    place = locate_address("1 Main Rd", "Adak", "AK", "")
    assert (place.region, place.timezone, place.source) == ("AK", "America/Adak", "city")


def test_locate_address_rejects_a_zip_from_another_state(offline_app):
    with pytest.raises(LocationNotFound, match="97205 is in OR, not CA"):
        locate_address("1 Main St", "Portland", "CA", "97205")


def test_locate_address_that_cannot_be_found(offline_app):
    with pytest.raises(LocationNotFound, match="Could not locate"):
        locate_address("1 Main St", "Atlantis", "CA", "")
    with pytest.raises(LocationNotFound, match="outside the US"):
        locate_address("1 King St W", "Toronto", "ON", "M5H 1A1", country="CA")


def test_locate_address_through_nominatim(online):
    place = locate_address("1 SW Main St", "Portland", "OR", "97205")
    assert (place.latitude, place.longitude) == (45.5191, -122.6793)
    assert (place.postal_code, place.city, place.region, place.country) == ("97205", "Portland", "OR", "US")
    assert (place.timezone, place.source) == ("America/Los_Angeles", "nominatim")
    [request] = online.requests
    assert request["params"]["countrycodes"] == "us"
    locate_address("1 SW Main St", "Portland", "OR", "97205")
    assert len(online.requests) == 1  # cached


def test_locate_address_falls_back_to_the_zip_when_nominatim_is_down(online):
    online.mode = "error"
    place = locate_address("1 SW Main St", "Portland", "OR", "97205")
    assert (place.postal_code, place.source, place.timezone) == ("97205", "zip", "America/Los_Angeles")
