"""The map of search results: drawn on the server over the shipped outlines, pins numbered as
the list is, and on the search page only when there are results to map."""
from __future__ import annotations

import json
import math
import re

import pytest
from geopy.distance import great_circle
from geopy.point import Point

from directory.services.search import results_map
from directory.services.search.results_map import Pin, draw
from tests.test_pages import SF, north_of

SAN_FRANCISCO = (37.7749, -122.4194)
LAKE_TAHOE_CORNER = (39.0, -120.0)   # where the California-Nevada line turns south-east
HONOLULU = (21.3069, -157.8583)
MID_PACIFIC = (0.0, -150.0)
ALEUTIANS = (52.0, 179.9)            # just west of the antimeridian, islands on both sides of it


def point_at(origin: tuple[float, float], distance: float, bearing: float, unit: str = "mi") -> tuple[float, float]:
    p = great_circle(**{"miles" if unit == "mi" else "kilometers": distance}).destination(Point(*origin), bearing)
    return p.latitude, p.longitude


def vertices(path: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+) (-?[\d.]+)", path)]


def subpaths(path: str) -> list[list[tuple[float, float]]]:
    return [vertices(part) for part in path.split("M") if part]


def inside(point: tuple[float, float], polygon: list[tuple[float, float]]) -> bool:
    """Even-odd ray casting."""
    x, y = point
    found = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            found = not found
    return found


def pins_at(origin, *distances, unit="mi") -> list[Pin]:
    return [Pin(i + 1, *point_at(origin, d, 40 * i, unit), f"Practitioner {i + 1}, Clinic", results_map.anchor(i + 1))
            for i, d in enumerate(distances)]


# The drawing -------------------------------------------------------------------------------

@pytest.mark.parametrize("origin, radius, unit", [(SAN_FRANCISCO, 25, "mi"), (SAN_FRANCISCO, 500, "mi"),
                                                   ((40.7506, -73.9972), 800, "km"), (HONOLULU, 5, "km")])
def test_the_origin_is_the_centre_of_the_view(origin, radius, unit):
    drawn = draw(origin, radius, unit, pins_at(origin, radius / 2, unit=unit))
    assert max(drawn.width, drawn.height) == results_map.SIZE
    assert drawn.origin_x == pytest.approx(drawn.width / 2, abs=0.2)
    assert drawn.origin_y == pytest.approx(drawn.height / 2, abs=0.2)


@pytest.mark.parametrize("origin, radius, unit", [(SAN_FRANCISCO, 25, "mi"), (SAN_FRANCISCO, 500, "mi"),
                                                   ((64.8, -147.7), 800, "km"), (ALEUTIANS, 300, "mi"),
                                                   ((-33.9, 151.2), 0.5, "km")])
def test_the_circle_runs_through_points_at_the_radius_by_great_circle_distance(origin, radius, unit):
    points = results_map.circle_points(origin, radius, unit)
    assert len(points) == results_map.CIRCLE_POINTS
    for point in points:
        distance = great_circle(origin, point)
        assert (distance.miles if unit == "mi" else distance.km) == pytest.approx(radius, rel=1e-9)
    assert len(vertices(draw(origin, radius, unit, []).circle)) == results_map.CIRCLE_POINTS


@pytest.mark.parametrize("origin, radius", [(SAN_FRANCISCO, 25), (SAN_FRANCISCO, 500), ((47.6, -122.3), 3)])
def test_a_pin_inside_the_circle_is_drawn_inside_it_and_one_outside_outside(origin, radius):
    pins = pins_at(origin, radius * 0.96, radius * 1.04, radius * 0.5, radius * 1.5, 0)
    drawn = draw(origin, radius, "mi", pins)
    circle = vertices(drawn.circle)
    placed = {pin.number: (pin.x, pin.y) for pin in drawn.pins}
    assert [inside(placed[n], circle) for n in (1, 2, 3, 4, 5)] == [True, False, True, False, True]
    # The view grows to show a pin beyond the circle.
    assert all(0 <= x <= drawn.width and 0 <= y <= drawn.height for x, y in placed.values())


def near(point: tuple[float, float], path: str, within: float) -> bool:
    return any(math.dist(point, v) <= within for v in vertices(path))


def test_near_san_francisco_the_map_has_county_lines_and_the_california_nevada_line_is_a_state_line():
    drawn = draw(SAN_FRANCISCO, 25, "mi", [])
    units_per_mile = drawn.width / (2 * 25 * (1 + 2 * results_map.MARGIN))
    # The San Francisco / San Mateo county line runs west-east along about 37.708 N.
    county_line_y = drawn.origin_y + (SAN_FRANCISCO[0] - 37.708) * 69.09 * units_per_mile
    assert any(abs(y - county_line_y) < 0.5 * units_per_mile for _, y in vertices(drawn.county_lines))
    assert drawn.state_lines  # the coast of the bay and the ocean

    tahoe = draw(LAKE_TAHOE_CORNER, 25, "mi", [])
    assert near((tahoe.origin_x, tahoe.origin_y), tahoe.state_lines, within=3)
    assert not near((tahoe.origin_x, tahoe.origin_y), tahoe.county_lines, within=3)


def test_wide_views_leave_county_lines_out():
    assert draw(SAN_FRANCISCO, 100, "km", []).county_lines
    assert not draw(SAN_FRANCISCO, 500, "mi", []).county_lines


@pytest.mark.parametrize("origin, unit, has_outlines", [(HONOLULU, "mi", True), (MID_PACIFIC, "mi", False),
                                                         ((61.2181, -149.9003), "km", True), ((89.9, 10.0), "km", False)])
def test_places_far_from_the_mainland_draw(origin, unit, has_outlines):
    radius = 800.0 if unit == "km" else 25.0
    drawn = draw(origin, radius, unit, pins_at(origin, radius / 3, unit=unit))
    assert bool(drawn.state_lines) is has_outlines
    assert len(drawn.pins) == 1 and drawn.circle


def test_lines_across_the_antimeridian_do_not_cross_the_whole_map():
    drawn = draw(ALEUTIANS, 500, "mi", pins_at(ALEUTIANS, 100))
    lines = subpaths(drawn.state_lines)
    xs = [x for line in lines for x, _ in line]
    assert min(xs) < drawn.origin_x < max(xs)  # islands east and west of the line both drawn
    for line in lines:
        assert all(math.dist(a, b) < drawn.width for a, b in zip(line, line[1:]))


def test_a_25_mile_view_reads_only_the_pieces_near_it():
    drawn = draw(SAN_FRANCISCO, 25, "mi", [])
    assert 0 < len(drawn.state_lines) + len(drawn.county_lines) < 20_000


def test_the_street_map_data_carries_the_origin_radius_and_pins():
    pins = pins_at(SAN_FRANCISCO, 3)
    data = draw(SAN_FRANCISCO, 10, "km", pins).street_map()
    assert data["origin"] == [*SAN_FRANCISCO] and data["radius"] == pytest.approx(10_000)
    assert data["pins"] == [{"number": 1, "lat": pins[0].latitude, "lon": pins[0].longitude,
                             "label": "Practitioner 1, Clinic", "anchor": "result-number-1"}]
    assert draw(SAN_FRANCISCO, 1, "mi", []).street_map()["radius"] == pytest.approx(1609.344)


# The search page ---------------------------------------------------------------------------

def map_of(html: str) -> dict:
    """The numbers and titles of the pins (drawn last first), the cards' ids and the list's start."""
    pins = re.findall(r'<g class="results-map__pin"><title>(\d+)\. ([^<]*)</title>', html)[::-1]
    return {"pins": [int(n) for n, _ in pins], "labels": [label for _, label in pins],
            "cards": [int(n) for n in re.findall(r'<li class="result" id="result-number-(\d+)"', html)],
            "start": int(re.search(r'<ol class="result-list" start="(\d+)"', html).group(1))}


def caption(html: str) -> str:
    return " ".join(re.search(r'id="results-map-caption"[^>]*>(.*?)</figcaption>', html, re.S).group(1).split())


@pytest.fixture
def three_nearby(create_practitioner):
    return [create_practitioner(display_name=f"Mapped {i}", clinics=[{"name": f"Clinic {i}", "latitude": lat,
                                                                      "longitude": lon}])
            for i, (lat, lon) in enumerate([north_of(SF, 1), north_of(SF, 2), north_of(SF, 3)], start=1)]


def test_results_have_a_map_whose_pins_are_numbered_as_the_list_on_every_page(client, three_nearby):
    html = client.get("/?near=94110&per_page=2").get_data(as_text=True)
    found = map_of(html)
    assert found["pins"] == found["cards"] == [1, 2] and found["start"] == 1
    assert found["labels"] == ["Mapped 1, Clinic 1", "Mapped 2, Clinic 2"]
    assert re.search(r'<svg [^>]*role="img"\s+aria-labelledby="results-map-caption"', html)
    assert caption(html).startswith("Map of results 1–2 within 25 mi of San Francisco, CA 94110: numbered pins")

    html = client.get("/?near=94110&per_page=2&page=2").get_data(as_text=True)
    found = map_of(html)
    assert found["pins"] == found["cards"] == [3] and found["start"] == 3
    assert found["labels"] == ["Mapped 3, Clinic 3"]
    assert caption(html).startswith("Map of result 3 within 25 mi of ")


def test_pins_sit_where_the_clinics_are(client, three_nearby):
    html = client.get("/?near=37.7509,-122.4153&radius=5").get_data(as_text=True)
    xs_ys = re.findall(r'<g class="results-map__pin"><title>\d+\.[^<]*</title>\s*<circle cx="([\d.]+)" cy="([\d.]+)"', html)
    (x3, y3), (x2, y2), (x1, y1) = [(float(x), float(y)) for x, y in xs_ys]
    assert x1 == pytest.approx(x2, abs=0.2) == pytest.approx(x3, abs=0.2)  # due north, one mile apart
    assert y1 - y2 == pytest.approx(y2 - y3, abs=0.2) and y1 > y2 > y3


@pytest.mark.parametrize("url", ["/", "/?near=00000", "/?near=94110&radius=-1", "/?near=10001",
                                 "/?near=94110&page=9"])
def test_no_map_without_results_to_show(client, three_nearby, url):
    html = client.get(url).get_data(as_text=True)
    assert "results-map" not in html and "result-number-" not in html


def test_labels_are_escaped_in_the_drawing(client, create_practitioner):
    create_practitioner(display_name="<script>alert(1)</script> & Co", clinics=[{"name": "Back & <b>Neck</b>"}])
    html = client.get("/?near=94110").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>Neck" not in html
    assert "<title>1. &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co, Back &amp; &lt;b&gt;Neck&lt;/b&gt;</title>" in html


def test_the_default_page_loads_no_street_map(client, three_nearby):
    for url in ("/", "/?near=94110"):
        html = client.get(url).get_data(as_text=True)
        assert "leaflet" not in html.lower() and "results-map.js" not in html


# The street map (MAP_TILE_URL) -------------------------------------------------------------

OSM = {"MAP_TILE_URL": "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
       "MAP_TILE_ATTRIBUTION": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'}


def test_with_a_tile_url_the_page_loads_leaflet_from_our_own_origin_and_lets_only_tiles_in(make_app):
    from tests.factories import create_practitioner

    app = make_app(**OSM)
    create_practitioner(display_name="Tiled </script><script>alert(1)</script>", clinics=[{"name": "A & B"}])
    client = app.test_client()
    response = client.get("/?near=94110")
    html = response.get_data(as_text=True)
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    for path in ("/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css", "/static/js/results-map.js"):
        assert path in assets and client.get(path).status_code == 200
    assert not [a for a in assets if not a.startswith("/")]  # nothing from a CDN

    csp = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert csp["img-src"] == "'self' data: https://*.tile.openstreetmap.org"
    assert csp["script-src"] == "'self'" and csp["default-src"] == "'self'"
    assert "tile.openstreetmap.org" not in client.get("/").headers["Content-Security-Policy"].split("img-src")[0]

    block = re.search(r'<script type="application/json" id="results-map-data">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["pins"][0]["label"] == "Tiled </script><script>alert(1)</script>, A & B"
    assert "<" not in block and "alert(1)</script>" not in html
    assert [p["anchor"] for p in data["pins"]] == ["result-number-1"] and 'id="result-number-1"' in html
    assert 'data-tiles="https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert 'data-attribution="&amp;copy; &lt;a href=' in html  # Leaflet shows it; the attribute holds it as text


@pytest.mark.parametrize("url", ["tile.openstreetmap.org/{z}/{x}/{y}.png", "javascript:alert(1)//{z}/{x}/{y}",
                                 "https://tile.example/{z}/{x}.png", "https://me:secret@tile.example/{z}/{x}/{y}.png",
                                 "https://tile.example; script-src *;/{z}/{x}/{y}.png", "ftp://tile.example/{z}/{x}/{y}",
                                 "https://tile.example/{z}/{x}/{y}.png' 'unsafe-inline"])
def test_a_bad_tile_url_stops_the_app_from_starting(tmp_path, monkeypatch, url):
    from directory import config, create_app
    from tests.conftest import make_config

    with pytest.raises(RuntimeError, match="MAP_TILE_URL must be"):
        create_app(make_config(f"sqlite:///{tmp_path / 'x.db'}", MAP_TILE_URL=url, MAP_TILE_ATTRIBUTION="Tiles"))
    monkeypatch.setenv("MAP_TILE_URL", url)
    monkeypatch.setenv("MAP_TILE_ATTRIBUTION", "Tiles")
    with pytest.raises(RuntimeError, match="MAP_TILE_URL must be"):
        config.from_environment(str(tmp_path))


def test_a_tile_url_needs_its_attribution(tmp_path):
    from directory import create_app
    from tests.conftest import make_config

    with pytest.raises(RuntimeError, match="MAP_TILE_ATTRIBUTION must be set"):
        create_app(make_config(f"sqlite:///{tmp_path / 'x.db'}", MAP_TILE_URL=OSM["MAP_TILE_URL"]))
