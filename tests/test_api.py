"""JSON API v1: contract, ordering, filters, paging, every error path, and fuzzed query strings."""
from __future__ import annotations

import copy
import math
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, quote_from_bytes, urlencode, urlsplit

import jsonschema
import pytest
from geopy.distance import great_circle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import select

from directory.api.openapi import document
from directory.data.vocabulary import LANGUAGES, TECHNIQUES
from directory.extensions import db
from directory.models import ListingState, Practitioner, VerificationState
from tests.factories import add_licence

SF = (37.7509, -122.4153)           # ZIP 94110's centroid, the factory's default clinic
OAKLAND = (37.8085, -122.2668)
SAN_JOSE = (37.3329, -121.8916)     # ~45 mi from SF: outside the default radius
NEAR_SF = "37.7509,-122.4153"
EARTH_RADIUS_MI = 6371.009 / 1.609344
SEARCH_PARAMS = ["near", "radius", "unit", "page", "per_page", "technique", "language",
                 "min_years", "accepting", "sort", "available_within", "insurance", "max_fee", "therapy"]


def clinic_at(point: tuple[float, float], **extra) -> dict:
    return {"latitude": point[0], "longitude": point[1], **extra}


def north_of(point: tuple[float, float], miles: float) -> tuple[float, float]:
    """Due north along a meridian the haversine distance is exactly the arc length."""
    return point[0] + math.degrees(miles / EARTH_RADIUS_MI), point[1]


# --- validating responses against the served OpenAPI document ----------------------

def _strict(schema):
    """The schema with additionalProperties false on every object, so that a test fails
    when the API returns a field the document does not describe."""
    if isinstance(schema, dict):
        schema = {k: _strict(v) for k, v in schema.items()}
        if schema.get("type") == "object" and "properties" in schema:
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


def assert_matches(body: dict, schema_name: str) -> None:
    root = {"$ref": f"#/components/schemas/{schema_name}",
            "components": _strict(copy.deepcopy(document()["components"]))}
    jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(body)


def get_json(client, path: str, expected_status: int = 200, **params):
    response = client.get(path, query_string=params)
    assert response.status_code == expected_status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def search(client, expected_status: int = 200, **params) -> dict:
    body = get_json(client, "/api/v1/practitioners", expected_status, **params)
    assert_matches(body, "SearchResults" if expected_status == 200 else "Error")
    return body


def assert_error(body: dict, code: str, field: str | None = None) -> None:
    assert_matches(body, "Error")
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    if field is not None:
        assert body["error"]["field"] == field


def names(body: dict) -> list[str]:
    return [r["name"] for r in body["results"]]


@pytest.fixture
def bay_area(create_practitioner):
    """Three listed practitioners near San Francisco and five that must never be listed."""
    listed = {
        "near": create_practitioner(display_name="Mina Park", clinics=[clinic_at(SF)],
                                    techniques=["cupping", "electroacupuncture"],
                                    languages=["English", "Korean"], years_chronic_pain=12),
        "oakland": create_practitioner(display_name="ana Ortiz", clinics=[clinic_at(
            OAKLAND, city="Oakland", postal_code="94612")], languages=["Spanish", "English"],
            techniques=["moxibustion"], years_chronic_pain=3, accepting_new_patients=False),
        "san_jose": create_practitioner(display_name="Zhou Wei", clinics=[clinic_at(
            SAN_JOSE, city="San Jose", postal_code="95113")], languages=["Mandarin"],
            techniques=["tui-na", "cupping"], years_chronic_pain=20),
    }
    create_practitioner(display_name="Draft Dora", listing_state=ListingState.DRAFT)
    create_practitioner(display_name="Suspended Sam", listing_state=ListingState.SUSPENDED)
    create_practitioner(display_name="Pending Pat",
                        licences=[{"verification_state": VerificationState.PENDING, "verified_at": None}])
    create_practitioner(display_name="Expired Eve",
                        licences=[{"expires_on": date.today() - timedelta(days=1)}])
    create_practitioner(display_name="Nevada Ned", licences=[{"jurisdiction": "US-NV"}])
    return listed


# --- the OpenAPI document ---------------------------------------------------------

def test_openapi_document_is_valid_and_served(client):
    body = get_json(client, "/api/v1/openapi.json")
    validate_spec(body)
    assert body == document()
    assert body["openapi"].startswith("3.1")
    params = {p["name"]: p["schema"] for p in body["paths"]["/practitioners"]["get"]["parameters"]
              if p["in"] == "query"}
    assert list(params) == SEARCH_PARAMS
    assert params["technique"]["enum"] == list(TECHNIQUES)
    assert params["language"]["enum"] == list(LANGUAGES)
    assert params["unit"]["enum"] == ["mi", "km"]
    assert params["per_page"]["maximum"] == 100 and params["per_page"]["default"] == 20
    assert params["radius"]["default"] == 25
    responses = body["paths"]["/practitioners/{practitioner_id}"]["get"]["responses"]
    assert {"200", "304", "404"} <= set(responses)
    assert {"200", "304", "400"} <= set(body["paths"]["/practitioners"]["get"]["responses"])


# --- search: contract, ordering, units --------------------------------------------

def test_search_contract_and_distance_order(client, bay_area):
    body = search(client, near=NEAR_SF, radius=50)
    assert body["origin"]["lat"] == pytest.approx(SF[0]) and body["origin"]["lon"] == pytest.approx(SF[1])
    assert body["radius"] == 50 and body["unit"] == "mi"
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 20 and body["pages"] == 1
    assert names(body) == ["Mina Park", "ana Ortiz", "Zhou Wei"]
    distances = [r["distance"] for r in body["results"]]
    assert distances == sorted(distances)
    for result, point in zip(body["results"], (SF, OAKLAND, SAN_JOSE)):
        assert abs(result["distance"] - great_circle(SF, point).miles) <= 0.05 + 1e-9
    first = body["results"][0]
    mina = bay_area["near"]
    assert first["id"] == mina.id and first["credentials"] == "L.Ac."
    assert first["location"] == {"clinic_id": mina.clinics[0].id, "lat": SF[0], "lon": SF[1],
                                 "city": "San Francisco", "region": "CA", "postal_code": "94110",
                                 "country": "US"}
    lic = mina.licences[0]
    assert first["licence"]["jurisdiction"] == "US-CA" and first["licence"]["number"] == lic.number
    assert first["licence"]["expires_on"] == lic.expires_on.isoformat()
    verified_at = datetime.fromisoformat(first["licence"]["verified_at"].replace("Z", "+00:00"))
    assert first["licence"]["verified_at"].endswith("Z") and verified_at.utcoffset() == timedelta(0)
    assert first["techniques"] == ["cupping", "electroacupuncture"]
    assert first["languages"] == ["English", "Korean"]
    assert first["years_chronic_pain"] == 12 and first["accepting_new_patients"] is True
    assert first["profile_url"] == f"http://localhost/practitioners/{mina.id}"
    assert client.get(urlsplit(first["profile_url"]).path).status_code == 200


def test_search_by_zip_sets_origin_label_and_cache_header(client, bay_area):
    response = client.get("/api/v1/practitioners?near=94110")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_json()
    assert body["origin"]["label"] and body["origin"]["lat"] == pytest.approx(SF[0], abs=0.01)
    assert names(body) == ["Mina Park", "ana Ortiz"]


def test_defaults(client, create_practitioner):
    for n in range(21):
        create_practitioner(display_name=f"Doc {n:02d}", clinics=[clinic_at(north_of(SF, n))])
    create_practitioner(display_name="Far Away", clinics=[clinic_at(north_of(SF, 25.5))])
    body = search(client, near=NEAR_SF)
    assert (body["radius"], body["unit"], body["page"], body["per_page"]) == (25, "mi", 1, 20)
    assert body["total"] == 21 and body["pages"] == 2
    assert names(body) == [f"Doc {n:02d}" for n in range(20)]


def test_without_near_lists_everyone_by_name(client, bay_area):
    body = search(client)
    assert body["origin"] is None and body["radius"] is None
    assert names(body) == ["ana Ortiz", "Mina Park", "Zhou Wei"]  # case-insensitive
    assert all(r["distance"] is None for r in body["results"])
    assert body["total"] == 3


def test_km_and_mi_distances(client, bay_area):
    miles = search(client, near=NEAR_SF, radius=50)
    km = search(client, near=NEAR_SF, radius=80, unit="km")
    assert km["unit"] == "km" and km["radius"] == 80
    assert names(km) == names(miles)
    for r_mi, r_km, point in zip(miles["results"], km["results"], (SF, OAKLAND, SAN_JOSE)):
        assert abs(r_km["distance"] - great_circle(SF, point).km) <= 0.05 + 1e-9
        assert r_km["distance"] == pytest.approx(r_mi["distance"] * 1.609344, abs=0.15)
    assert search(client, near=NEAR_SF, unit="km")["radius"] == 25


@pytest.mark.parametrize(("miles", "shown"), [(10.04, 10.0), (10.06, 10.1), (0.04, 0.0), (3.96, 4.0)])
def test_distance_is_rounded_to_a_tenth(client, create_practitioner, miles, shown):
    create_practitioner(clinics=[clinic_at(north_of(SF, miles))])
    [result] = search(client, near=NEAR_SF)["results"]
    assert result["distance"] == shown


def test_radius_limits_results(client, bay_area):
    assert names(search(client, near=NEAR_SF, radius=1)) == ["Mina Park"]
    assert search(client, near=NEAR_SF, radius=500)["total"] == 3
    assert search(client, near="40.7484,-73.9967")["total"] == 0  # New York


# --- paging ----------------------------------------------------------------------

def test_paging_totals_and_links(client, create_practitioner):
    for n in range(5):
        create_practitioner(display_name=f"Doc {n}", clinics=[clinic_at(north_of(SF, n))])
    pages = [search(client, near=NEAR_SF, per_page=2, page=p) for p in (1, 2, 3, 4)]
    assert [p["total"] for p in pages] == [5] * 4 and [p["pages"] for p in pages] == [3] * 4
    assert [names(p) for p in pages] == [["Doc 0", "Doc 1"], ["Doc 2", "Doc 3"], ["Doc 4"], []]
    assert pages[0]["links"]["prev"] is None and pages[2]["links"]["next"] is None
    follow = parse_qs(urlsplit(pages[0]["links"]["next"]).query)
    assert follow["page"] == ["2"] and follow["per_page"] == ["2"] and follow["near"] == [NEAR_SF]
    assert parse_qs(urlsplit(pages[3]["links"]["prev"]).query)["page"] == ["3"]
    following = client.get(pages[1]["links"]["next"]).get_json()
    assert names(following) == ["Doc 4"]


def test_per_page_cap(client, create_practitioner):
    create_practitioner()
    assert search(client, per_page=100)["per_page"] == 100
    assert_error(search(client, 400, per_page=101), "invalid_parameter", "per_page")


# --- filters --------------------------------------------------------------------

@pytest.mark.parametrize(("params", "expected"), [
    ({"technique": "cupping"}, ["Mina Park", "Zhou Wei"]),
    ({"technique": "Tui na massage"}, ["Zhou Wei"]),        # a label, any case
    ({"technique": "gua-sha"}, []),
    ({"language": "english"}, ["Mina Park", "ana Ortiz"]),
    ({"language": "Mandarin"}, ["Zhou Wei"]),
    ({"min_years": "12"}, ["Mina Park", "Zhou Wei"]),
    ({"min_years": "0"}, ["Mina Park", "ana Ortiz", "Zhou Wei"]),
    ({"accepting": "true"}, ["Mina Park", "Zhou Wei"]),
    ({"accepting": "1"}, ["Mina Park", "Zhou Wei"]),
    ({"accepting": "false"}, ["Mina Park", "ana Ortiz", "Zhou Wei"]),
    ({"technique": "cupping", "language": "Korean", "min_years": "10", "accepting": "yes"}, ["Mina Park"]),
])
def test_filters(client, bay_area, params, expected):
    body = search(client, near=NEAR_SF, radius=100, **params)
    assert names(body) == expected and body["total"] == len(expected)
    # The same filter without an origin, ordered by name.
    assert names(search(client, **params)) == sorted(expected, key=str.lower)


def test_unknown_parameters_are_ignored_and_the_first_repeat_wins(client, bay_area):
    body = search(client, near=NEAR_SF, radius=100, utm_source="x", order="name")
    assert body["total"] == 3
    response = client.get(f"/api/v1/practitioners?near={NEAR_SF}&unit=km&unit=mi&technique=moxibustion"
                          "&technique=nonsense")
    assert response.status_code == 200
    assert response.get_json()["unit"] == "km" and names(response.get_json()) == ["ana Ortiz"]


# --- errors ---------------------------------------------------------------------

@pytest.mark.parametrize("near", ["99999", "00000", "Atlantis, ZZ", "91,181", "not a place at all"])
def test_unknown_location(client, near):
    assert_error(search(client, 400, near=near), "unknown_location", "near")


@pytest.mark.parametrize(("field", "value"), [
    ("near", "x" * 201),
    ("radius", "abc"), ("radius", "0"), ("radius", "-5"), ("radius", "nan"), ("radius", "inf"),
    ("radius", "501"), ("radius", "1e400"),
    ("unit", "ft"), ("unit", "miles"),
    ("page", "0"), ("page", "-1"), ("page", "1.5"), ("page", "abc"), ("page", "10001"),
    ("page", "99999999999999999999999"),
    ("per_page", "0"), ("per_page", "101"), ("per_page", "ten"),
    ("technique", "acupressure-ish"), ("language", "Klingon"),
    ("min_years", "-1"), ("min_years", "81"), ("min_years", "many"),
    ("accepting", "maybe"),
])
def test_invalid_parameter(client, field, value):
    params = {field: value}
    if field != "near":
        params["near"] = NEAR_SF
    assert_error(search(client, 400, **params), "invalid_parameter", field)


def test_radius_limit_depends_on_unit(client):
    assert search(client, near=NEAR_SF, radius=800, unit="km")["radius"] == 800
    assert_error(search(client, 400, near=NEAR_SF, radius=801, unit="km"), "invalid_parameter", "radius")


def test_every_problem_is_listed(client):
    body = search(client, 400, unit="ft", page="0", language="Klingon")
    assert {d["field"] for d in body["error"]["details"]} == {"unit", "page", "language"}
    assert body["error"]["field"] == body["error"]["details"][0]["field"]


def test_unknown_api_path_and_wrong_method_are_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/json"
    assert_error(missing.get_json(), "not_found")
    posted = client.post("/api/v1/practitioners", json={})
    assert posted.status_code == 405 and posted.mimetype == "application/json"
    assert "GET" in posted.headers["Allow"]
    assert_error(posted.get_json(), "method_not_allowed")


# --- detail ---------------------------------------------------------------------

def test_detail_contract(client, create_practitioner):
    p = create_practitioner(
        display_name="Lena Fox", insurance=["Aetna"], back_pain_focus="Sciatica",
        complementary_therapies=["exercise", "stress-management"],
        clinics=[clinic_at(SF, name="Mission"), clinic_at(OAKLAND, city="Oakland", name="Lake"),
                 clinic_at((40.7484, -73.9967), city="New York", region="NY", postal_code="10001",
                           timezone="America/New_York")],
        licences=[{"jurisdiction": "US-CA", "number": "AC 123"}])
    add_licence(p, jurisdiction="US-NY", verification_state=VerificationState.PENDING, verified_at=None)
    add_licence(p, jurisdiction="US-WA", expires_on=date.today() - timedelta(days=3))
    db.session.commit()
    body = get_json(client, f"/api/v1/practitioners/{p.id}")
    assert_matches(body, "PractitionerDetail")
    summary = search(client)["results"][0]
    # The profile's fees are the result's with cents and the sliding scale besides.
    assert {k: v for k, v in body.items() if k in summary and k != "fees"} == \
        {k: v for k, v in summary.items() if k != "fees"}
    assert {k: v for k, v in body["fees"].items() if k in summary["fees"]} == summary["fees"]
    assert body["distance"] is None and body["bio"] == "Treats chronic low back pain."
    assert body["back_pain_focus"] == "Sciatica" and body["insurance"] == ["Aetna"]
    assert body["complementary_therapies"] == ["exercise", "stress-management"]
    assert body["fees"] == {"currency": "USD", "initial": 120.0, "follow_up": 90.0, "initial_cents": 12000, "follow_up_cents": 9000,
                            "sliding_scale": False}
    # Only clinics the CA licence lists; the NY one has no verified licence.
    assert [c["name"] for c in body["clinics"]] == ["Mission", "Lake"]
    assert body["clinics"][0] == {"id": p.clinics[0].id, "name": "Mission", "address": "1 Main St",
                                  "city": "San Francisco", "region": "CA", "postal_code": "94110",
                                  "country": "US", "lat": SF[0], "lon": SF[1],
                                  "timezone": "America/Los_Angeles"}
    assert [(lic["jurisdiction"], lic["number"]) for lic in body["licences"]] == [("US-CA", "AC 123")]


@pytest.mark.parametrize("who", ["Draft Dora", "Suspended Sam", "Pending Pat", "Expired Eve", "Nevada Ned"])
def test_detail_of_unlisted_is_404(client, bay_area, who):
    pid = db.session.scalar(select(Practitioner.id).where(Practitioner.display_name == who))
    assert_error(get_json(client, f"/api/v1/practitioners/{pid}", 404), "not_found")


def test_detail_404_when_listing_lapses(client, create_practitioner):
    p = create_practitioner()
    get_json(client, f"/api/v1/practitioners/{p.id}")
    p.listing_state = ListingState.SUSPENDED
    db.session.commit()
    assert_error(get_json(client, f"/api/v1/practitioners/{p.id}", 404), "not_found")


@pytest.mark.parametrize("raw", ["0", "424242", "2147483647", "2147483648", "99999999999999999999",
                                 "-1", "abc", "1.5", "1e3", "%D9%A1", "%20"])
def test_detail_unknown_or_malformed_id_is_404(client, bay_area, raw):
    response = client.get(f"/api/v1/practitioners/{raw}")
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert_error(response.get_json(), "not_found")


# --- fuzzing ----------------------------------------------------------------------

JUNK_KEYS = ["", "foo", "NEAR", "per-page", "near[]", "radius ", "ü", "\x00", "page\n"]
SPECIAL_VALUES = ["", " ", "nan", "NaN", "inf", "-inf", "Infinity", "1e309", "-0", "0x10", "1_000",
                  "١٢", "²", "94110", "94110-1234", "37.75,-122.41", "91,181", "nan,nan", "inf,0",
                  "San Francisco, CA", "Electroacupuncture", "english", "true", "%00", "\x00",
                  "10001", "101", "100", "800", "km", "MI", "9" * 40, "-" + "9" * 40]
values = st.one_of(
    st.sampled_from(SPECIAL_VALUES),
    st.text(max_size=30),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
keys = st.one_of(st.sampled_from(SEARCH_PARAMS + JUNK_KEYS), st.text(max_size=10))
encoded = st.lists(st.tuples(keys, values), max_size=8).map(urlencode)
# Raw bytes, percent-encoded but leaving "%", "&" and "=" alone: malformed escapes,
# invalid UTF-8 and empty pairs reach the parser as a browser or script might send them.
raw = st.binary(max_size=60).map(lambda b: quote_from_bytes(b, safe="=&%"))
arbitrary = st.one_of(
    encoded, raw, st.tuples(st.lists(st.sampled_from(["near=94110", "radius=50"]), max_size=2),
                            encoded).map(lambda t: "&".join([*t[0], t[1]])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=arbitrary)
def test_fuzzed_query_strings_never_fail(client, bay_area, query):
    response = client.get("/api/v1/practitioners", query_string=query)
    assert response.status_code in (200, 400), (query, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.get_json()
    if response.status_code == 200:
        assert_matches(body, "SearchResults")
    else:
        assert_error(body, body["error"]["code"])
        assert body["error"]["code"] in {"invalid_parameter", "unknown_location"}
