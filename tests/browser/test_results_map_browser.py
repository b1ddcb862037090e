"""The street map over the results map in a real browser, under the real Content-Security-Policy:
Leaflet from our own origin, tiles from MAP_TILE_URL (answered here, never fetched), and the
server's drawing back in place when no tile loads."""
from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serve
from tests.factories import create_practitioner
from tests.test_pages import SF, north_of

pytestmark = pytest.mark.browser

TILES = "https://tiles.meridian.test"
# A 1x1 PNG: any image will do for a tile.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


@pytest.fixture
def tiled_server(tmp_path):
    served = serve(tmp_path, MAP_TILE_URL=TILES + "/{z}/{x}/{y}.png", MAP_TILE_ATTRIBUTION="Test tiles")
    server = next(served)
    with server.app.app_context():
        for n in (1, 2, 3):  # far enough apart for their markers not to overlap
            create_practitioner(display_name=f"Mapped {n}", clinics=[{"name": f"Clinic {n}", "latitude": north_of(SF, 6 * n)[0],
                                                                      "longitude": SF[1]}])
    yield server.url
    served.close()


def watch(page) -> dict:
    seen = {"hosts": set(), "csp": []}
    page.on("request", lambda r: seen["hosts"].add(re.match(r"\w+://[^/]+", r.url).group(0)))
    page.on("console", lambda m: seen["csp"].append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def test_the_street_map_replaces_the_drawing_and_its_popups_lead_to_the_cards(tiled_server, page):
    seen = watch(page)
    page.route(TILES + "/**", lambda route: route.fulfill(status=200, content_type="image/png", body=PNG))
    page.goto(tiled_server + "/?near=94110")

    street = page.get_by_role("group", name=re.compile(r"^Map of results 1–3 within 25 mi"))
    expect(street).to_be_visible()
    expect(page.locator(".results-map__drawing")).to_be_hidden()
    expect(street.locator(".results-map__marker")).to_have_text(["1", "2", "3"])
    expect(street).to_contain_text("Test tiles")
    assert street.locator(".results-map__marker[tabindex='0']").count() == 0  # no tab stops of their own

    street.locator(".results-map__marker", has_text="2").click()
    link = street.get_by_role("link", name="2. Mapped 2, Clinic 2")
    expect(link).to_have_attribute("href", "#result-number-2")
    link.click()
    expect(page).to_have_url(re.compile(r"#result-number-2$"))
    expect(page.locator("#result-number-2 .result__name")).to_have_text("Mapped 2")

    assert seen["hosts"] <= {tiled_server, TILES}, seen["hosts"]
    assert not seen["csp"], seen["csp"]


def test_without_tiles_the_drawing_comes_back(tiled_server, page):
    seen = watch(page)
    page.route(TILES + "/**", lambda route: route.abort())
    page.goto(tiled_server + "/?near=94110")
    expect(page.get_by_role("img", name=re.compile(r"^Map of results 1–3"))).to_be_visible()
    expect(page.locator(".results-map__street")).to_be_hidden()
    assert not seen["csp"], seen["csp"]


def test_without_javascript_the_drawing_is_the_map(tiled_server, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(tiled_server + "/?near=94110")
        expect(page.get_by_role("img", name=re.compile(r"^Map of results 1–3"))).to_be_visible()
        expect(page.locator(".results-map__street")).to_be_hidden()
    finally:
        context.close()
