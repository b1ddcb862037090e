"""A search from a state that does not license acupuncture says so, and when it finds no one
shows the nearest licensed practitioners across the state line with their distance."""
from __future__ import annotations

import pytest
from geopy.distance import great_circle

from directory.services.licensing import jurisdictions
from tests.factories import create_practitioner
from tests.test_api import assert_matches
from tests.test_pages import Page

# (where the patient searches, the state's name, a licensed practitioner's clinic across the line)
CASES = {
    "AL": ("Birmingham, AL", "Alabama", {"city": "Atlanta", "region": "GA", "postal_code": "30303",
                                         "latitude": 33.7525, "longitude": -84.3915, "timezone": "America/New_York"}),
    "OK": ("Tulsa, OK", "Oklahoma", {"city": "Wichita", "region": "KS", "postal_code": "67202",
                                     "latitude": 37.6872, "longitude": -97.3301, "timezone": "America/Chicago"}),
    "SD": ("Sioux Falls, SD", "South Dakota", {"city": "Sioux City", "region": "IA", "postal_code": "51101",
                                               "latitude": 42.4963, "longitude": -96.4049,
                                               "timezone": "America/Chicago"}),
}


def test_the_states_without_an_acupuncture_licence_are_the_ones_the_rules_say():
    unlicensed = {j.code for j in jurisdictions.all_jurisdictions() if j.country == "US" and not j.licensed}
    assert unlicensed == {"US-AL", "US-OK", "US-SD"}


def _across_the_line(state: str):
    near, name, clinic = CASES[state]
    practitioner = create_practitioner(display_name=f"Licensed next to {name}", clinics=[clinic])
    return near, name, practitioner


def _expected_miles(place_label: str, practitioner, client) -> float:
    origin = client.get("/api/v1/practitioners", query_string={"near": place_label}).get_json()["origin"]
    clinic = practitioner.clinics[0]
    return great_circle((origin["lat"], origin["lon"]), (clinic.latitude, clinic.longitude)).miles


@pytest.mark.parametrize("state", sorted(CASES))
def test_an_empty_search_page_says_the_state_does_not_license_and_shows_the_nearest_across_the_line(
        client, state):
    near, name, practitioner = _across_the_line(state)
    # A practitioner certified but not licensed in the state itself is not listed.
    create_practitioner(display_name="Certified only", clinics=[{**CASES[state][2], "region": state}],
                        licences=[{"jurisdiction": f"US-{state}", "title": "Dipl. Ac. (NCCAOM)",
                                   "is_licence": False}])
    page = Page(client.get("/", query_string={"near": near}).get_data(as_text=True))
    assert f"{name} does not license acupuncturists" in page.text
    assert "Nearest licensed practitioners" in page.text
    miles = _expected_miles(near, practitioner, client)
    assert f"Licensed next to {name} , {miles:.1f} mi away: {CASES[state][2]['city']}" in page.text
    assert "Certified only" not in page.text


@pytest.mark.parametrize("state", sorted(CASES))
def test_an_empty_api_search_says_the_state_does_not_license_and_gives_the_nearest_with_distance(
        client, state):
    near, name, practitioner = _across_the_line(state)
    body = client.get("/api/v1/practitioners", query_string={"near": near}).get_json()
    assert_matches(body, "SearchResults")
    assert body["total"] == 0 and body["results"] == []
    notice = body["unlicensed_state"]
    assert notice["state"] == state
    assert f"{name} does not license acupuncturists" in notice["message"]
    [nearest] = notice["nearest_licensed"]
    assert nearest["name"] == practitioner.display_name
    assert nearest["distance"] == pytest.approx(_expected_miles(near, practitioner, client), abs=0.06)


def test_results_from_such_a_state_are_said_to_be_in_neighbouring_states(client):
    near, _name, practitioner = _across_the_line("AL")
    body = client.get("/api/v1/practitioners", query_string={"near": near, "radius": 200}).get_json()
    assert [r["name"] for r in body["results"]] == [practitioner.display_name]
    assert "in neighbouring states" in body["unlicensed_state"]["message"]
    assert body["unlicensed_state"]["nearest_licensed"] == []


def test_with_no_one_within_the_largest_radius_the_notice_says_so(client):
    body = client.get("/api/v1/practitioners", query_string={"near": "Tulsa, OK", "unit": "km"}).get_json()
    assert "No licensed practitioner is within 800 km either" in body["unlicensed_state"]["message"]


def test_a_state_that_licenses_acupuncture_gets_no_such_notice(client):
    _across_the_line("AL")
    body = client.get("/api/v1/practitioners", query_string={"near": "Casper, WY"}).get_json()
    assert body["total"] == 0 and body["unlicensed_state"] is None
    page = Page(client.get("/", query_string={"near": "Casper, WY"}).get_data(as_text=True))
    assert "does not license" not in page.text and "Nearest licensed practitioners" not in page.text

