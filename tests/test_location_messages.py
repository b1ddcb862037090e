"""Locations that are not found get plain words, what was probably meant, and which countries
search covers: on the search page, in the API's error and in the geocoder itself."""
from __future__ import annotations

import pytest

from directory.services.geocoding.locate import LocationNotFound, locate
from tests.test_geocoding import nominatim, offline_app, online  # noqa: F401  (fixtures)
from tests.test_pages import Page

COVERAGE = "Search covers the United States: the 50 states, DC, Puerto Rico and the other US territories."


def _not_found(query: str) -> LocationNotFound:
    with pytest.raises(LocationNotFound) as caught:
        locate(query)
    return caught.value


@pytest.mark.parametrize("query, meant", [
    ("Seatle, WA", ("Seattle, WA",)),
    ("Seatle WA", ("Seattle, WA",)),
    ("Springfeld, IL", ("Springfield, IL",)),
    ("Philadelpia", ("Philadelphia, PA",)),
    ("1001O", ("10010",)),       # a letter O for a zero
    ("1OO01", ("10001",)),
    ("2139", ("02139",)),        # the leading zero a spreadsheet dropped
    ("nyc", ("New York, NY",)),
    ("Texas", ("Houston, TX",)),  # a whole state: its largest city as the example
])
def test_a_typo_gets_the_place_it_probably_meant_and_that_place_is_found(offline_app, query, meant):
    error = _not_found(query)
    assert error.suggestions[:len(meant)] == meant
    assert f"{meant[0]}" in str(error)
    for place in error.suggestions:
        assert locate(place)


@pytest.mark.parametrize("query", ["1001O", "nyc", "Nowhere, ZZ", "Seatle", "9411", "Toronto, ON",
                                   "1600 Amphitheatre Pkwy, Mountain View, CA", "<b>x</b>"])
def test_offline_messages_speak_plainly(offline_app, query):
    message = str(_not_found(query))
    assert "geocoder" not in message and "network" not in message


@pytest.mark.parametrize("query, label", [("Seattle", "Seattle, WA"), ("Honolulu", "Honolulu, HI"),
                                          ("new york", "New York, NY"), ("Tulsa", "Tulsa, OK")])
def test_a_city_without_its_state_is_searched_when_only_one_state_has_it(offline_app, query, label):
    assert locate(query).label == label


def test_a_city_in_several_states_offers_them_as_choices_most_zip_codes_first(offline_app):
    error = _not_found("Portland")
    assert 'There is a "Portland" in 13 states' in str(error)
    assert error.suggestions[:2] == ("Portland, OR", "Portland, ME")
    assert len(error.suggestions) == 8
    assert all(locate(choice).label == choice for choice in error.suggestions)


@pytest.mark.parametrize("query", ["Toronto, ON", "M5V 2T6", "m5v2t6", "London, Ontario", "Vancouver, BC, Canada"])
def test_a_canadian_place_is_told_that_search_covers_the_united_states(offline_app, query):
    message = str(_not_found(query))
    assert "looks like a place in Canada" in message
    assert COVERAGE in message


def test_with_a_network_geocoder_a_canadian_place_is_looked_up_online(online):
    online.places["toronto, on"] = [{"place_id": 3, "lat": "43.6535", "lon": "-79.3839",
                                     "display_name": "Toronto, Golden Horseshoe, Ontario, Canada"}]
    place = locate("Toronto, ON")
    assert (place.latitude, place.longitude, place.country) == (43.6535, -79.3839, "")


def test_an_unknown_place_says_which_countries_search_covers(offline_app):
    assert COVERAGE in str(_not_found("Paris, France"))


# --- the API and the page ------------------------------------------------------------

def test_the_api_error_keeps_its_code_and_lists_the_suggestions(client):
    response = client.get("/api/v1/practitioners?near=Seatle,+WA")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("unknown_location", "near")
    assert error["suggestions"] == ["Seattle, WA"]
    assert client.get("/api/v1/practitioners?near=Nowhere,+ZZ").get_json()["error"]["suggestions"] == []


def test_the_openapi_error_schema_documents_the_suggestions(client):
    error = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Error"]
    assert "suggestions" in error["properties"]["error"]["properties"]


def test_the_search_page_links_each_choice_to_its_search(client):
    page = Page(client.get("/?near=Boston&radius=50").get_data(as_text=True))
    assert 'There is a "Boston" in 6 states' in page.text
    links = [attrs["href"] for tag, attrs in page.elements if tag == "a" and "near=" in attrs.get("href", "")]
    assert links[:2] == ["/?radius=50&near=Boston,+MA", "/?radius=50&near=Boston,+NY"]
    assert "Search instead near Boston, MA Boston, NY" in page.text


def test_the_search_page_says_which_countries_search_covers(client):
    assert COVERAGE in Page(client.get("/").get_data(as_text=True)).text
