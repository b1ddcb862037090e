"""HTML pages: the search page and the public profile, rendered from real data."""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from directory.services import presenters
from directory.extensions import db
from directory.models import ListingState, VerificationState
from directory.search.routes import page_window
from tests.booking_fixtures import open_every_day

SF = (37.7509, -122.4153)           # ZIP 94110's centroid, the factory's default clinic
EARTH_RADIUS_MI = 6371.009 / 1.609344


def north_of(point: tuple[float, float], miles: float) -> tuple[float, float]:
    """Due north along a meridian the great-circle distance is exactly the arc length."""
    return point[0] + math.degrees(miles / EARTH_RADIUS_MI), point[1]


def at(point: tuple[float, float], **extra) -> dict:
    return {"latitude": point[0], "longitude": point[1], **extra}


class Page(HTMLParser):
    """Just enough of the DOM for assertions: elements with attributes, text, headings."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.h1: list[str] = []
        self._in_h1 = False
        self.text_parts: list[str] = []
        self.feed(html)
        self.text = " ".join(" ".join(self.text_parts).split())

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "h1":
            self._in_h1 = True
            self.h1.append("")

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        self.text_parts.append(data)
        if self._in_h1:
            self.h1[-1] += data

    def find(self, tag: str, **attrs) -> list[dict]:
        """Elements by tag and attribute values; True matches a boolean attribute's presence."""
        return [a for t, a in self.elements if t == tag and all(
            (k in a) if v is True else a.get(k) == v for k, v in attrs.items())]

    def by_id(self, element_id: str) -> dict:
        found = [a for _, a in self.elements if a.get("id") == element_id]
        assert len(found) == 1, f"expected one element with id {element_id!r}, found {len(found)}"
        return found[0]

    def profile_ids(self) -> list[int]:
        return [int(m.group(1)) for a in self.find("a") if (m := re.fullmatch(r"/practitioners/(\d+)", a.get("href", "")))]


def get(client, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


def assert_accessible_layout(page: Page) -> None:
    assert len(page.h1) == 1, page.h1
    assert page.find("html")[0].get("lang", "").startswith("en")
    for landmark in ("header", "nav", "main", "footer"):
        assert page.find(landmark), f"missing <{landmark}>"
    assert page.find("a", href="#main"), "missing skip link"
    assert page.find("link", rel="stylesheet")[0]["href"].startswith("/static/")
    labelled = {a["for"] for a in page.find("label") if "for" in a}
    for tag in ("input", "select", "textarea"):
        for control in page.find(tag):
            if control.get("type") in ("hidden", "submit"):
                continue
            assert control.get("id") in labelled, f"{tag} {control} has no label"
    # No inline script or style a strict CSP would block: scripts only as files, and only to
    # enhance a page that works without them.
    assert all(s.get("src", "").startswith("/static/js/") for s in page.find("script"))
    assert not page.find("style")
    assert not any("style" in attrs for _, attrs in page.elements)


# --- search page ---------------------------------------------------------------------

def test_home_without_a_location_explains_the_service(client, create_practitioner):
    create_practitioner(display_name="Ada Listed")
    page = get(client, "/")
    assert_accessible_layout(page)
    assert page.h1 == ["Find a licensed acupuncturist"]
    assert "verified licence" in page.text
    assert page.profile_ids() == []
    assert page.find("form", method="get")
    assert page.by_id("near-hint")  # the hint names the accepted forms
    assert "ZIP code, City, ST or lat,lon" in page.text
    assert [o["value"] for o in page.find("option") if o.get("value") in {"5", "10", "25", "50", "100"}] == \
        ["5", "10", "25", "50", "100"]
    assert page.find("fieldset") and page.find("legend")


def test_results_are_ranked_by_distance_with_units(client, create_practitioner):
    far = create_practitioner(display_name="Far Away", clinics=[at(north_of(SF, 12.0))])
    near = create_practitioner(display_name="Near By", clinics=[at(north_of(SF, 1.0))])
    middle = create_practitioner(display_name="Middle Way", clinics=[at(north_of(SF, 5.5))])
    create_practitioner(display_name="Out Of Range", clinics=[at(north_of(SF, 30.0))])

    page = get(client, "/?near=37.7509,-122.4153&radius=25&unit=mi")
    assert_accessible_layout(page)
    assert page.profile_ids() == [near.id, middle.id, far.id]
    assert "3 practitioners within 25 mi of" in page.text
    for text in ("1.0 mi", "5.5 mi", "12.0 mi"):
        assert text in page.text
    assert "Out Of Range" not in page.text
    # The result shows the facts a patient compares on.
    assert "L.Ac." in page.text
    assert f"Licence verified {presenters.short_date(near.licences[0].verified_at)} · California" in page.text
    assert "5 years treating chronic pain" in page.text
    assert "Electroacupuncture" in page.text and "English" in page.text
    # Accepting new patients is claimed only with a first-visit time to show for it.
    assert "Accepting new patients" not in page.text
    assert "No first-visit times in the next 60 days" in page.text
    assert "San Francisco, CA" in page.text
    open_every_day(near.clinics[0])
    page = get(client, "/?near=37.7509,-122.4153&radius=25&unit=mi")
    assert page.text.count("Accepting new patients") == 1 and "Next free first visit:" in page.text


def test_zip_search_and_kilometres(client, create_practitioner):
    near = create_practitioner(display_name="Near By", clinics=[at(north_of(SF, 1.0))])
    far = create_practitioner(display_name="Far Away", clinics=[at(north_of(SF, 10.0))])
    page = get(client, "/?near=94110&radius=25&unit=km")
    assert page.profile_ids() == [near.id, far.id]
    assert "1.6 km" in page.text and "16.1 km" in page.text
    assert "2 practitioners within 25 km of" in page.text
    assert "94110" in page.text
    # The title says what was searched, for screen-reader users switching tabs.
    title = re.search(r"<title>(.*?)</title>", client.get("/?near=94110&unit=km&radius=25").get_data(as_text=True), re.S)
    assert "2 practitioners within 25 km of" in title.group(1)
    # The chosen values stay selected in the form.
    assert page.find("option", value="km", selected=True)
    assert page.find("option", value="25", selected=True)


def test_a_radius_from_a_link_stays_selected(client, create_practitioner):
    create_practitioner(clinics=[at(north_of(SF, 1.0))])
    page = get(client, "/?near=94110&radius=30")
    assert "within 30 mi of" in page.text
    assert page.find("option", value="30", selected=True)
    # Without a radius the page says which one it used, and selects it.
    page = get(client, "/?near=94110&unit=km")
    radius = re.search(r"within (\d+) km of", page.text).group(1)
    assert page.find("option", value=radius, selected=True)


@pytest.mark.parametrize("query, expected", [
    ("technique=cupping", {"Cupper"}),
    ("technique=Cupping", {"Cupper"}),
    ("language=spanish", {"Hablante"}),
    ("min_years=10", {"Veteran"}),
    ("accepting=true", {"Cupper", "Hablante", "Veteran"}),
    ("accepting=0", {"Cupper", "Hablante", "Veteran", "Full Books"}),
    ("technique=cupping&language=Spanish", set()),
])
def test_each_filter_through_the_page(client, create_practitioner, query, expected):
    here = [at(north_of(SF, 2.0))]
    names = {create_practitioner(display_name=name, clinics=here, **extra).id: name for name, extra in [
        ("Cupper", {"techniques": ["cupping"]}),
        ("Hablante", {"languages": ["English", "Spanish"]}),
        ("Veteran", {"years_chronic_pain": 15}),
        ("Full Books", {"accepting_new_patients": False}),
    ]}
    page = get(client, f"/?near=94110&radius=25&{query}")
    assert {names[i] for i in page.profile_ids()} == expected
    assert f"{len(expected)} practitioner" in page.text
    if query == "accepting=true":
        assert page.find("input", name="accepting", checked=True)
    if query == "accepting=0":
        assert not page.find("input", name="accepting", checked=True)
        assert "Not accepting new patients" in page.text
    if query.startswith("technique=Cupping"):
        assert page.find("option", value="cupping", selected=True)


def assert_field_error(page: Page, field: str, fragment: str) -> None:
    error = page.by_id(f"{field}-error")
    assert error is not None
    control = page.by_id(field)
    assert control.get("aria-invalid") == "true"
    assert f"{field}-error" in control.get("aria-describedby", "").split()
    assert fragment in page.text
    summary = page.find("div", role="alert")
    assert summary, "no error summary"
    assert page.find("a", href=f"#{field}")


def test_unknown_zip_is_reported_next_to_the_location_box(client, create_practitioner):
    create_practitioner()
    page = get(client, "/?near=00000&radius=25")
    assert_accessible_layout(page)
    assert_field_error(page, "near", "ZIP")
    assert page.profile_ids() == []
    # What was typed stays in the box so it can be corrected.
    assert page.by_id("near").get("value") == "00000"
    # The hint stays described too.
    assert "near-hint" in page.by_id("near")["aria-describedby"].split()
    title = re.search(r"<title>(.*?)</title>", client.get("/?near=00000").get_data(as_text=True), re.S).group(1)
    assert title.startswith("Error:")


@pytest.mark.parametrize("radius", ["abc", "0", "-5", "9999", "nan"])
def test_bad_radius_is_reported_next_to_the_radius(client, radius):
    page = get(client, f"/?near=94110&radius={radius}")
    assert_field_error(page, "radius", "Radius must be")
    assert page.profile_ids() == [] and "within" not in " ".join(page.h1)
    assert not page.find("section", **{"aria-labelledby": "results-heading"})
    # The select shows its default, not whichever option comes first.
    assert page.find("option", value="25", selected=True)


def test_several_errors_are_all_listed_in_form_order(client):
    page = get(client, "/?near=nowhere-at-all&radius=abc&min_years=lots&unit=furlongs")
    for field in ("near", "radius", "unit", "min_years"):
        assert page.by_id(f"{field}-error")
    links = [a["href"] for a in page.find("a") if a.get("href", "").startswith("#") and a["href"] != "#main"]
    assert links == ["#near", "#radius", "#unit", "#min_years"]
    assert "Minimum years treating chronic pain must be a whole number" in page.text
    # The bad number is echoed back for correction.
    assert page.by_id("min_years").get("value") == "lots"


def test_submitting_an_empty_location_asks_for_one(client):
    page = get(client, "/?near=&radius=25&unit=mi")
    assert_field_error(page, "near", "Enter a location")


def test_filters_fold_away_once_results_are_shown_unless_in_use(client, create_practitioner):
    create_practitioner(techniques=["cupping"])
    assert get(client, "/").find("details", open=True)
    assert not get(client, "/?near=94110").find("details", open=True)
    in_use = get(client, "/?near=94110&technique=cupping&accepting=true")
    assert in_use.find("details", open=True)
    assert "Filters (2 in use)" in in_use.text


def test_page_errors_without_a_control_are_still_listed(client):
    page = get(client, "/?near=94110&page=0")
    assert "Page must be between 1 and" in page.text
    assert page.find("div", role="alert")


def test_empty_state_suggests_a_wider_radius_and_fewer_filters(client, create_practitioner):
    create_practitioner(display_name="Just Outside", techniques=["cupping"], clinics=[at(north_of(SF, 30.0))])
    page = get(client, "/?near=94110&radius=25&unit=mi&technique=cupping")
    assert "0 practitioners within 25 mi" in page.text
    assert "No verified practitioner matches your search" in page.text
    wider = [a["href"] for a in page.find("a") if "radius=50" in a.get("href", "")]
    assert wider, "no link to a wider search"
    params = parse_qs(urlsplit(wider[0]).query)
    assert params["near"] == ["94110"] and params["technique"] == ["cupping"] and params["unit"] == ["mi"]
    unfiltered = [parse_qs(urlsplit(a["href"]).query) for a in page.find("a")
                  if a.get("href", "").startswith("/?") and "technique" not in a["href"]]
    assert unfiltered == [{"near": ["94110"], "radius": ["25"], "unit": ["mi"]}]
    assert "Search again without filters" in page.text
    # Following the wider-radius suggestion finds the practitioner.
    follow = get(client, wider[0])
    assert "Just Outside" in follow.text


def test_empty_state_at_the_largest_radius_has_no_wider_link(client):
    page = get(client, "/?near=94110&radius=500")
    assert "No verified practitioner matches your search" in page.text
    assert not [a for a in page.find("a") if "radius=" in a.get("href", "")]


def test_pagination_keeps_parameters_and_marks_the_current_page(client, create_practitioner):
    ids_by_distance = [create_practitioner(display_name=f"P{i:02d}", techniques=["cupping"],
                                           clinics=[at(north_of(SF, 0.5 + i))]).id for i in range(12)]
    base = "/?near=94110&radius=25&unit=mi&technique=cupping&per_page=5"
    first = get(client, base)
    assert first.profile_ids() == ids_by_distance[:5]
    assert "12 practitioners within 25 mi" in first.text
    current = [a for a in first.find("a", **{"aria-current": "page"}) if a["href"].startswith("/?")]
    assert len(current) == 1
    assert parse_qs(urlsplit(current[0]["href"]).query) == {
        "near": ["94110"], "radius": ["25"], "unit": ["mi"], "technique": ["cupping"], "per_page": ["5"]}
    assert first.find("nav", **{"aria-label": "Results pages"})
    next_links = first.find("a", rel="next")
    assert len(next_links) == 1 and not first.find("a", rel="prev")
    params = parse_qs(urlsplit(next_links[0]["href"]).query)
    assert params == {"near": ["94110"], "radius": ["25"], "unit": ["mi"], "technique": ["cupping"],
                      "per_page": ["5"], "page": ["2"]}
    numbered = [a["href"] for a in first.find("a") if "per_page=5" in a.get("href", "")]
    assert any("page=3" in h for h in numbered)

    second = get(client, next_links[0]["href"])
    assert second.profile_ids() == ids_by_distance[5:10]
    assert second.find("a", rel="prev") and second.find("a", rel="next")
    assert second.find("ol", start="6")
    third = get(client, base + "&page=3")
    assert third.profile_ids() == ids_by_distance[10:]
    assert not third.find("a", rel="next")
    assert "page 3 of 3" in client.get(base + "&page=3").get_data(as_text=True)


def test_a_page_past_the_end_links_back_to_the_first(client, create_practitioner):
    create_practitioner(clinics=[at(north_of(SF, 1.0))])
    page = get(client, "/?near=94110&page=7")
    assert "There is no page 7" in page.text
    assert page.find("a", href="/?near=94110")


def test_unlisted_practitioners_never_appear_on_the_page(client, create_practitioner):
    here = [at(north_of(SF, 1.0))]
    listed = create_practitioner(display_name="Shown", clinics=here)
    create_practitioner(display_name="Drafty", listing_state=ListingState.DRAFT, clinics=here)
    create_practitioner(display_name="Pending", clinics=here,
                        licences=[{"jurisdiction": "US-CA", "verification_state": VerificationState.PENDING}])
    create_practitioner(display_name="Expired", clinics=here,
                        licences=[{"jurisdiction": "US-CA", "expires_on": date.today() - timedelta(days=1)}])
    create_practitioner(display_name="Wrong State", clinics=here, licences=[{"jurisdiction": "US-NY"}])
    page = get(client, "/?near=94110")
    assert page.profile_ids() == [listed.id]


@pytest.mark.parametrize("query", [
    "near=%00", "near=" + "9" * 500, "near=94110&radius=1e309", "near=94110&radius=inf",
    "near=94110&page=99999999999999999999", "near=94110&per_page=-1", "near=94110&near=10001",
    "near=%F0%9F%8C%8A", "near=91,181", "near=94110&technique=%00&language=%FF", "unit=km&radius=800",
    "near=94110&accepting=maybe", "near=94110&min_years=-1", "near=+++",
])
def test_odd_query_strings_get_a_page_not_a_crash(client, query):
    response = client.get("/?" + query)
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    assert len(page.h1) == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(
    st.sampled_from(["near", "radius", "unit", "page", "per_page", "technique", "language",
                     "min_years", "accepting"]),
    st.text(max_size=40), max_size=6))
def test_fuzzed_search_parameters_never_fail(client, params):
    response = client.get("/", query_string=params)
    assert response.status_code == 200, params


@pytest.mark.parametrize("current, pages, expected", [
    (1, 1, [1]),
    (1, 3, [1, 2, 3]),
    (1, 10, [1, 2, 3, None, 10]),
    (5, 10, [1, 2, 3, 4, 5, 6, 7, None, 10]),
    (10, 10, [1, None, 8, 9, 10]),
    (4, 7, [1, 2, 3, 4, 5, 6, 7]),
])
def test_page_window(current, pages, expected):
    assert page_window(current, pages) == expected


# --- profile page --------------------------------------------------------------------

def full_practitioner(create_practitioner):
    verified = datetime(2026, 3, 12, 15, 30, tzinfo=timezone.utc)
    expires = date.today() + timedelta(days=400)
    return create_practitioner(
        display_name="Dr. Mei Lin", credentials="L.Ac., Dipl. Ac. (NCCAOM)",
        bio="Twenty years of practice.\n\nI work with people whose back pain has outlasted other care.",
        back_pain_focus="Chronic low back pain and sciatica", years_chronic_pain=12,
        techniques=["electroacupuncture", "cupping", "tui-na"],
        complementary_therapies=["physical-therapy", "exercise", "stress-management"],
        languages=["English", "Mandarin"], insurance=["Aetna", "HSA/FSA"],
        fee_initial_cents=12000, fee_follow_up_cents=8550, sliding_scale=True,
        accepting_new_patients=False, npi="1234567893", nccaom_id="123456",
        clinics=[
            {"name": "Mission Wellness", "address": "2400 Mission St", "city": "San Francisco",
             "region": "CA", "postal_code": "94110", "phone": "415 555 0100"},
            {"name": "Brooklyn Branch", "address": "1 Court St", "city": "Brooklyn", "region": "NY",
             "postal_code": "11201", "latitude": 40.6928, "longitude": -73.9903, "timezone": "America/New_York"},
        ],
        licences=[
            {"jurisdiction": "US-CA", "title": "L.Ac.", "number": "AC 12345", "verified_at": verified,
             "expires_on": expires},
            # Not verified: neither the licence nor the New York clinic may show.
            {"jurisdiction": "US-NY", "title": "L.Ac.", "number": "NY-999",
             "verification_state": VerificationState.PENDING, "verified_at": None},
        ],
    )


def test_profile_renders_every_section(client, create_practitioner):
    pr = full_practitioner(create_practitioner)
    page = get(client, f"/practitioners/{pr.id}")
    assert_accessible_layout(page)
    assert page.h1 == ["Dr. Mei Lin"]
    text = page.text
    expires = presenters.short_date(pr.licences[0].expires_on)
    for expected in (
        "L.Ac., Dipl. Ac. (NCCAOM)", "Twenty years of practice.", "outlasted other care",
        "Chronic low back pain and sciatica", "12 years treating chronic pain",
        "Licence verified 12 Mar 2026 · California", "California", "AC 12345", "12 Mar 2026", expires,
        "Mission Wellness", "2400 Mission St", "San Francisco, CA 94110", "America/Los_Angeles",
        "Electroacupuncture", "Cupping", "Tui na massage",
        "Physical therapy", "Therapeutic exercise", "Stress management",
        "$120", "$85.50", "Sliding scale", "Aetna", "HSA/FSA", "English", "Mandarin",
        "Not accepting new patients", "1234567893", "123456",
    ):
        assert expected in text, expected
    for hidden in ("Brooklyn Branch", "1 Court St", "NY-999", "New York"):
        assert hidden not in text, hidden
    assert page.find("address")


def test_profile_uses_a_fixed_number_of_queries(app, client, create_practitioner):
    practitioner_id = full_practitioner(create_practitioner).id
    for _ in range(3):
        create_practitioner()  # others must not add queries
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(f"/practitioners/{practitioner_id}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # Practitioner, clinics, licences, availability, and the rating from reviews: one each.
    assert len(statements) <= 5, "\n\n".join(statements)


def test_search_results_link_to_a_working_profile(client, create_practitioner):
    pr = create_practitioner(display_name="Linked Person")
    page = get(client, "/?near=94110")
    assert page.profile_ids() == [pr.id]
    profile = get(client, f"/practitioners/{pr.id}")
    assert profile.h1 == ["Linked Person"]


@pytest.mark.parametrize("kind", ["unknown", "draft", "suspended", "expired", "wrong_state", "pending", "rejected"])
def test_profile_404_for_anyone_not_listed(client, create_practitioner, kind):
    here = {"clinics": [{}]}
    if kind == "unknown":
        practitioner_id = 999_999
    else:
        overrides = {
            "draft": {"listing_state": ListingState.DRAFT},
            "suspended": {"listing_state": ListingState.SUSPENDED},
            "expired": {"licences": [{"jurisdiction": "US-CA", "expires_on": date.today() - timedelta(days=1)}]},
            "wrong_state": {"licences": [{"jurisdiction": "US-NY"}]},
            "pending": {"licences": [{"jurisdiction": "US-CA", "verification_state": VerificationState.PENDING}]},
            "rejected": {"licences": [{"jurisdiction": "US-CA", "verification_state": VerificationState.REJECTED}]},
        }[kind]
        practitioner_id = create_practitioner(display_name="Hidden Person", **here, **overrides).id
    response = client.get(f"/practitioners/{practitioner_id}")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = Page(response.get_data(as_text=True))
    assert_accessible_layout(page)
    assert page.h1 == ["Page not found"]
    assert "Hidden Person" not in page.text
    assert page.find("a", href="/")


def test_a_licence_that_expired_yesterday_hides_the_profile_today(client, create_practitioner):
    pr = create_practitioner(licences=[{"jurisdiction": "US-CA", "expires_on": date.today()}])
    assert client.get(f"/practitioners/{pr.id}").status_code == 200
    pr.licences[0].expires_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert client.get(f"/practitioners/{pr.id}").status_code == 404


def test_unknown_page_is_an_html_404_with_the_layout(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    page = Page(response.get_data(as_text=True))
    assert_accessible_layout(page)
    assert "Error 404" in page.text
    assert client.get("/practitioners/not-a-number").status_code == 404


def test_stylesheet_is_served_locally(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    assert ":focus-visible" in css and ".skip-link" in css
    assert "http://" not in css and "https://" not in css and "@import" not in css


# --- presenters ----------------------------------------------------------------------

@pytest.mark.parametrize("cents, currency, text", [
    (12000, "USD", "$120"), (8550, "USD", "$85.50"), (5, "USD", "$0.05"), (123456700, "USD", "$1,234,567"),
    (None, "USD", ""), (9000, "EUR", "90 EUR"),
])
def test_money(cents, currency, text):
    assert presenters.money(cents, currency) == text


def test_badges_and_labels():
    assert presenters.licence_badge(datetime(2026, 3, 12, tzinfo=timezone.utc), "US-CA") == \
        "Licence verified 12 Mar 2026 · California"
    assert presenters.licence_badge(date(2025, 1, 2), "us-ny") == "Licence verified 2 Jan 2025 · New York"
    assert presenters.licence_badge(None, "US-WA") == "Licence verified · Washington"
    assert presenters.jurisdiction_name("US-DC") == "District of Columbia"
    assert presenters.jurisdiction_name("XX-YY") == "XX-YY"
    assert presenters.technique_labels(["gua-sha", "new-thing"]) == ["Gua sha", "New thing"]
    assert presenters.therapy_labels(["exercise"]) == ["Therapeutic exercise"]
    assert presenters.distance_text(3.4321, "mi") == "3.4 mi"
    assert presenters.distance_text(12.06, "km") == "12.1 km"
    assert presenters.distance_text(0.01, "mi") == "under 0.1 mi"
    assert presenters.distance_text(None, "mi") == ""
    assert presenters.years_text(1) == "1 year treating chronic pain"
    assert presenters.years_text(0) == "Less than a year treating chronic pain"
