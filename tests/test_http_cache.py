"""Browsers and proxies revalidate search answers: a kept copy is reused only while its ETag holds."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from directory import http_cache
from directory.extensions import db
from directory.models import Role
from directory.services.search import nearby as geo
from directory.services.licensing import suspension
from directory.services.search import profiles
from directory.services.search import cache as search_cache
from tests import api_contract
from tests.factories import create_practitioner, create_user
from tests.helpers_auth import login_as

API = "/api/v1/practitioners?near=94110&radius=25"
PAGE = "/?near=94110&radius=25"


class RevalidatingClient:
    """Keeps every tagged answer and asks with If-None-Match before reusing it, as a browser
    or proxy does with an answer marked ``no-cache``."""

    def __init__(self, client):
        self.client = client
        self.kept: dict[str, tuple[str, bytes]] = {}
        self.statuses: list[int] = []

    def get(self, url: str) -> bytes:
        headers = {"If-None-Match": self.kept[url][0]} if url in self.kept else {}
        response = self.client.get(url, headers=headers)
        self.statuses.append(response.status_code)
        if response.status_code == 304:
            assert response.headers["ETag"] == self.kept[url][0]
            assert response.get_data() == b""
            return self.kept[url][1]
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "no-cache"
        self.kept[url] = (response.headers["ETag"], response.get_data())
        return response.get_data()


@pytest.fixture
def uncached(make_app, monkeypatch):
    """A client of an app without the answer cache, and a count of the searches it runs:
    any answer not computed is then one a revalidation spared."""
    app = make_app(SEARCH_CACHE_MB=0)
    calls = []
    real = geo.search
    monkeypatch.setattr(geo, "search", lambda *a, **k: calls.append(a) or real(*a, **k))
    return app.test_client(), calls


def api_names(body: bytes) -> list[str]:
    import json
    return [r["name"] for r in json.loads(body)["results"]]


def test_a_revalidating_client_gets_304_until_a_suspension_changes_the_answer(uncached):
    client, searches = uncached
    admin = create_user(role=Role.ADMIN)
    shown = create_practitioner(display_name="Ada Chen")
    browser = RevalidatingClient(client)

    assert api_names(browser.get(API)) == ["Ada Chen"]
    first_tag = browser.kept[API][0]
    assert api_names(browser.get(API)) == ["Ada Chen"]
    assert browser.statuses == [200, 304]
    assert len(searches) == 1  # the 304 ran no search

    suspension.suspend(shown, admin=admin, reason="Complaint under review")
    db.session.commit()
    assert api_names(browser.get(API)) == []
    assert browser.statuses[-1] == 200 and browser.kept[API][0] != first_tag
    assert len(searches) == 2


def test_the_page_is_revalidated_too_and_a_profile_edit_shows(uncached):
    client, searches = uncached
    practitioner = create_practitioner(display_name="Ada Chen")
    browser = RevalidatingClient(client)
    assert b"Ada Chen" in browser.get(PAGE)
    assert b"Ada Chen" in browser.get(PAGE)
    assert browser.statuses == [200, 304] and len(searches) == 1

    practitioner.display_name = "Ada Chen-Park"
    db.session.commit()
    assert b"Ada Chen-Park" in browser.get(PAGE)
    assert browser.statuses[-1] == 200 and len(searches) == 2


def test_the_304_repeats_the_tag_and_caching_rules_but_no_body(client):
    create_practitioner()
    tag = client.get(API).headers["ETag"]
    assert tag.startswith('W/"')
    again = client.get(API, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == tag and again.headers["Cache-Control"] == "no-cache"
    assert "Content-Type" not in again.headers
    api_contract.check(again, "GET", API)  # documented, without a body


@pytest.mark.parametrize("form", ["{weak}", "{strong}", '"someone-else", {weak}', '{strong}, "x"', "*"])
def test_if_none_match_is_compared_weakly_in_every_form(client, form):
    create_practitioner()
    weak = client.get(API).headers["ETag"]
    header = form.format(weak=weak, strong=weak[2:])
    assert client.get(API, headers={"If-None-Match": header}).status_code == 304
    page_tag = client.get(PAGE).headers["ETag"]
    header = form.format(weak=page_tag, strong=page_tag[2:])
    assert client.get(PAGE, headers={"If-None-Match": header}).status_code == 304


@pytest.mark.parametrize("header", ['"someone-else"', 'W/"someone-else"', "garbage, ,", "", '"*"'])
def test_a_tag_that_does_not_match_gets_the_full_answer(client, header):
    create_practitioner(display_name="Ada Chen")
    response = client.get(API, headers={"If-None-Match": header})
    assert response.status_code == 200 and api_names(response.get_data()) == ["Ada Chen"]


def test_a_bad_search_is_refused_even_to_a_star(client):
    response = client.get("/api/v1/practitioners?near=nowhere-at-all", headers={"If-None-Match": "*"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unknown_location"
    assert "ETag" not in response.headers


def test_each_query_and_address_has_its_own_tag(client):
    create_practitioner()
    tag = client.get(API).headers["ETag"]
    other_query = API + "&per_page=5"
    assert client.get(other_query).headers["ETag"] != tag
    assert client.get(other_query, headers={"If-None-Match": tag}).status_code == 200
    # Links in the answer are absolute: another host name is another answer.
    elsewhere = client.get(API, base_url="http://other.example", headers={"If-None-Match": tag})
    assert elsewhere.status_code == 200
    assert elsewhere.get_json()["links"]["self"].startswith("http://other.example/")
    assert client.get(PAGE).headers["ETag"] != tag  # the page and the API never share a tag


def test_a_new_day_changes_the_tag(client, monkeypatch):
    create_practitioner(licences=[{"expires_on": date.today()}])
    tag = client.get(API).headers["ETag"]

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return date.today() + timedelta(days=1)

    monkeypatch.setattr(search_cache, "date", Tomorrow)
    monkeypatch.setattr(geo, "date", Tomorrow)
    response = client.get(API, headers={"If-None-Match": tag})
    assert response.status_code == 200 and response.get_json()["results"] == []


def test_a_deploy_changes_the_tag(app, client):
    create_practitioner()
    tag = client.get(API).headers["ETag"]
    assert app.extensions["code_version"] == http_cache.code_version(str(app.template_folder))
    app.extensions["code_version"] = "the next release"
    assert client.get(API, headers={"If-None-Match": tag}).status_code == 200


def test_the_code_version_follows_the_templates_and_code(tmp_path):
    template = tmp_path / "search" / "index.html"
    template.parent.mkdir()
    template.write_text("<p>one</p>")
    http_cache.code_version.cache_clear()
    try:
        before = http_cache.code_version(str(tmp_path))
        assert http_cache.code_version(str(tmp_path)) == before  # kept per process
        template.write_text("<p>two</p>")
        http_cache.code_version.cache_clear()
        assert http_cache.code_version(str(tmp_path)) != before
    finally:
        http_cache.code_version.cache_clear()


def test_a_logged_in_visitor_gets_no_tag_and_never_a_shared_copy(client):
    create_practitioner(display_name="Ada Chen")
    patient = create_user(role=Role.PATIENT, name="Pat Smith")
    db.session.commit()
    shared_tag = client.get(PAGE).headers["ETag"]

    login_as(client, patient)
    for header in (shared_tag, "*"):
        page = client.get(PAGE, headers={"If-None-Match": header})
        assert page.status_code == 200 and "Pat Smith" in page.get_data(as_text=True)
        assert "ETag" not in page.headers and page.headers["Cache-Control"] == "no-store"
        assert "Cookie" in page.headers["Vary"]


def test_a_page_with_a_flashed_message_is_private_and_untagged(client):
    create_practitioner()
    tag = client.get(PAGE).headers["ETag"]
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "You have been logged out.")]
    page = client.get(PAGE, headers={"If-None-Match": tag})
    assert page.status_code == 200 and "You have been logged out." in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-cache" and "ETag" not in page.headers


def test_the_empty_search_form_is_revalidated_like_any_shared_page(client):
    first = client.get("/")
    assert first.headers["Cache-Control"] == "no-cache"
    assert client.get("/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_a_profile_is_revalidated_and_a_suspension_ends_it(client, monkeypatch):
    admin = create_user(role=Role.ADMIN)
    practitioner = create_practitioner(display_name="Ada Chen")
    url = f"/api/v1/practitioners/{practitioner.id}"
    reads = []
    real = profiles.listed_profile
    monkeypatch.setattr(profiles, "listed_profile", lambda *a, **k: reads.append(a) or real(*a, **k))
    browser = RevalidatingClient(client)
    browser.get(url)
    browser.get(url)
    assert browser.statuses == [200, 304] and len(reads) == 1
    assert client.get(url, headers={"If-None-Match": "*"}).status_code == 304

    suspension.suspend(practitioner, admin=admin, reason="Complaint under review")
    db.session.commit()
    gone = client.get(url, headers={"If-None-Match": browser.kept[url][0]})
    assert gone.status_code == 404 and "ETag" not in gone.headers


def test_a_star_for_a_profile_that_is_not_listed_is_a_404(client):
    assert client.get("/api/v1/practitioners/999999", headers={"If-None-Match": "*"}).status_code == 404


def test_without_a_readable_generation_nothing_is_promised(client, monkeypatch):
    create_practitioner(display_name="Ada Chen")
    tag = client.get(API).headers["ETag"]
    monkeypatch.setattr(search_cache, "read_committed", lambda session: None)
    response = client.get(API, headers={"If-None-Match": tag})
    assert response.status_code == 200 and "ETag" not in response.headers
