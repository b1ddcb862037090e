"""Open availability (SMART Scheduling Links): the `$bulk-publish` manifest, its NDJSON files
validated with fhir.resources' R4B models (R4B = FHIR 4.3; Location, PractitionerRole,
Practitioner, Schedule and Slot are unchanged from R4 4.0.1), who appears, the slots and
their booking links."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot

from directory.extensions import db
from directory.fhir import routes
from directory.models import AppointmentKind, ListingState, Role, VerificationState
from directory.models._types import utcnow
from directory.services.fhir import publish
from directory.services.fhir.resources import BOOKING_DEEP_LINK, BOOKING_PHONE, NPI_SYSTEM
from directory.services.booking import availability, scheduling
from directory.services.search import profiles
from tests import booking_fixtures
from tests.factories import add_clinic, add_licence, create_practitioner, create_user
from tests.helpers_auth import login_as
from tests.test_pages import Page

MODELS = {"Location": Location, "PractitionerRole": PractitionerRole, "Schedule": Schedule, "Slot": Slot}
NEW_YORK = {"name": "Hudson Acupuncture", "address": "5 Broadway", "city": "New York", "region": "NY",
            "postal_code": "10004", "latitude": 40.7050, "longitude": -74.0136, "timezone": "America/New_York"}
INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


@pytest.fixture
def now(app, monkeypatch):
    """One clock for the feed and the test's own expectations."""
    moment = utcnow()
    monkeypatch.setattr(routes, "utcnow", lambda: moment)
    return moment


def with_hours(**overrides):
    practitioner = create_practitioner(**overrides)
    for clinic in practitioner.clinics:
        booking_fixtures.open_every_day(clinic, time(8), time(18))
    return practitioner


def manifest(client) -> dict:
    response = client.get("/fhir/$bulk-publish")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "localhost", url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def lines(client, url: str) -> list[dict]:
    response = client.get(path(url))
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+ndjson"
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def every_file(client) -> dict[str, list[dict]]:
    """Resources by type, from every file the manifest lists."""
    found: dict[str, list[dict]] = {}
    for output in manifest(client)["output"]:
        found.setdefault(output["type"], []).extend(lines(client, output["url"]))
    return found


def slot_file(client, state: str) -> list[dict]:
    return lines(client, next(o["url"] for o in manifest(client)["output"]
                              if o["type"] == "Slot" and o["extension"]["state"] == [state]))


def ext(resource: dict, url: str):
    values = [e for e in resource.get("extension", []) if e["url"] == url]
    return values[0] if values else None


def test_the_manifest_lists_each_file_with_an_absolute_url_and_each_slot_files_state(client, now):
    with_hours()
    with_hours(clinics=[NEW_YORK])
    body = manifest(client)
    assert set(body) == {"transactionTime", "request", "output", "error"}
    assert INSTANT.match(body["transactionTime"])
    assert datetime.fromisoformat(body["transactionTime"]) == now.replace(microsecond=now.microsecond // 1000 * 1000)
    assert body["request"] == "http://localhost/fhir/$bulk-publish"
    assert body["error"] == []
    assert [(o["type"], o.get("extension")) for o in body["output"]] == [
        ("Location", None), ("PractitionerRole", None), ("Schedule", None),
        ("Slot", {"state": ["CA"]}), ("Slot", {"state": ["NY"]})]
    for output in body["output"]:
        assert output["url"].startswith("http://localhost/fhir/")
        assert client.get(path(output["url"]), headers={"Accept": "application/fhir+ndjson"}).status_code == 200
    # Same payload with or without an Accept header, as the spec requires.
    again = client.get("/fhir/$bulk-publish", headers={"Accept": "application/json"})
    assert again.get_json()["output"] == body["output"]
    assert client.get("/fhir/$bulk-publish").headers["Cache-Control"] == "max-age=60"


def test_the_configured_public_address_wins_in_every_url(make_app, monkeypatch):
    app = make_app(PUBLIC_BASE_URL="https://meridian.example/")
    with_hours()
    body = app.test_client().get("/fhir/$bulk-publish", headers={"Host": "evil.example"}).get_json()
    assert body["request"] == "https://meridian.example/fhir/$bulk-publish"
    assert all(o["url"].startswith("https://meridian.example/fhir/") for o in body["output"])


def test_every_resource_validates_as_fhir_r4_and_round_trips(client, now):
    practitioner = with_hours(npi="1234567893")
    add_licence(practitioner, jurisdiction="US-NY")
    add_clinic(practitioner, **NEW_YORK, phone="(212) 555-0100")
    db.session.commit()
    booking_fixtures.open_every_day(practitioner.clinics[1], time(8), time(18))
    with_hours(accepting_new_patients=False, npi=None)
    found = every_file(client)
    assert {kind: len(found[kind]) for kind in MODELS} == {"Location": 3, "PractitionerRole": 2, "Schedule": 3,
                                                          "Slot": len(found["Slot"])}
    assert len(found["Slot"]) > 100
    for kind, resources in found.items():
        for resource in resources:
            assert resource["resourceType"] == kind and FHIR_ID.match(resource["id"])
            model = MODELS[kind].model_validate(resource)   # raises on anything invalid
            assert json.loads(model.model_dump_json(by_alias=True, exclude_none=True)) == resource
    ids = {kind: {r["id"] for r in found[kind]} for kind in MODELS}
    for schedule in found["Schedule"]:
        location, role = (a["reference"].split("/") for a in schedule["actor"])
        assert location[0] == "Location" and location[1] in ids["Location"]
        assert role[0] == "PractitionerRole" and role[1] in ids["PractitionerRole"]
    for slot in found["Slot"]:
        kind, schedule_id = slot["schedule"]["reference"].split("/")
        assert kind == "Schedule" and schedule_id in ids["Schedule"]
        assert slot["status"] == "free" and INSTANT.match(slot["start"]) and INSTANT.match(slot["end"])
    for location in found["Location"]:
        assert location["name"] and location["identifier"] and location["telecom"]
        assert {"line", "city", "state", "postalCode"} <= set(location["address"])


def test_a_broken_resource_fails_validation():
    """The validation above can fail: a missing required element, a start without an offset,
    an unknown element, an extension without its url. (fhir.resources checks structure, types,
    cardinality and formats but not value-set bindings: the tests check ``status`` themselves.)"""
    good = {"resourceType": "Slot", "id": "1-2-20270105T1700Z", "schedule": {"reference": "Schedule/1-2"},
            "status": "free", "start": "2027-01-05T09:00:00-08:00", "end": "2027-01-05T10:00:00-08:00"}
    Slot.model_validate(good)
    for broken in ({k: v for k, v in good.items() if k != "schedule"}, {**good, "start": "2027-01-05T09:00:00"},
                   {**good, "begin": good["start"]}, {**good, "extension": [{"valueUrl": "https://x.example"}]}):
        with pytest.raises(ValueError):
            Slot.model_validate(broken)


def test_only_listed_practitioners_appear_and_only_at_their_listed_clinics(client, now):
    listed = with_hours(display_name="Listed One")
    add_clinic(listed, **NEW_YORK)      # no New York licence: not listed there
    db.session.commit()
    booking_fixtures.open_every_day(listed.clinics[1])
    suspended = with_hours(display_name="Suspended One")
    suspended.listing_state = ListingState.SUSPENDED
    lapsed = with_hours(display_name="Lapsed One", licences=[{
        "jurisdiction": "US-CA", "verification_state": VerificationState.LAPSED,
        "expires_on": date.today() - timedelta(days=1)}])
    # Expired yesterday, still "verified" until the nightly lapse job runs: already unlisted.
    expired = with_hours(display_name="Expired One", licences=[{
        "jurisdiction": "US-CA", "expires_on": date.today() - timedelta(days=1)}])
    pending = with_hours(display_name="Pending One", licences=[{
        "jurisdiction": "US-CA", "verification_state": VerificationState.PENDING}])
    db.session.commit()
    found = every_file(client)
    assert [r["id"] for r in found["PractitionerRole"]] == [str(listed.id)]
    assert [r["id"] for r in found["Location"]] == [str(listed.clinics[0].id)]
    assert [r["id"] for r in found["Schedule"]] == [f"{listed.id}-{listed.clinics[0].id}"]
    assert found["Slot"] and {s["schedule"]["reference"] for s in found["Slot"]} == {
        f"Schedule/{listed.id}-{listed.clinics[0].id}"}
    assert [o["extension"]["state"] for o in manifest(client)["output"] if o["type"] == "Slot"] == [["CA"]]
    hidden = {str(p.id) for p in (suspended, lapsed, expired, pending)}
    text = json.dumps(found)
    assert not any(f"PractitionerRole/{i}\"" in text or f"\"Schedule/{i}-" in text for i in hidden)


def test_a_licence_expiring_today_drops_out_tomorrow_before_the_lapse_job_runs(client, now, monkeypatch):
    expiring = with_hours(licences=[{"jurisdiction": "US-CA", "expires_on": date.today()}])
    assert [r["id"] for r in every_file(client)["PractitionerRole"]] == [str(expiring.id)]

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return date.today() + timedelta(days=1)

    monkeypatch.setattr(routes, "date", Tomorrow)
    assert every_file(client) == {"Location": [], "PractitionerRole": [], "Schedule": []}


def test_the_feed_lists_exactly_who_the_profiles_show(client, now):
    people = [with_hours(), with_hours(listing_state=ListingState.SUSPENDED),
              with_hours(licences=[]), with_hours(clinics=[{}, NEW_YORK])]
    roles = {r["id"]: r for r in every_file(client)["PractitionerRole"]}
    for person in people:
        profile = profiles.listed_profile(person.id)
        if profile is None:
            assert str(person.id) not in roles
        else:
            assert [loc["reference"] for loc in roles[str(person.id)]["location"]] == [
                f"Location/{c.id}" for c in profile.clinics]


def test_slots_are_exactly_the_free_first_visits_of_the_next_fourteen_days(client, now):
    practitioner = with_hours()
    clinic = practitioner.clinics[0]
    zone = ZoneInfo(clinic.timezone)
    today = now.astimezone(zone).date()
    # A booked visit and a day off both take slots away.
    taken = scheduling.free_slots(practitioner, start=today + timedelta(days=3), days=1,
                                  kind=AppointmentKind.INITIAL, now=now)[2]
    booking_fixtures.request(booking_fixtures.patient(), practitioner, taken.start, now=now)
    availability.add_time_off(practitioner, first_day=today + timedelta(days=5), last_day=today + timedelta(days=5),
                            clinic_id=None)
    expected = scheduling.free_slots(practitioner, start=today, days=publish.SLOT_DAYS,
                                     kind=AppointmentKind.INITIAL, now=now)
    published = slot_file(client, "CA")
    assert [(datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])) for s in published] == [
        (s.start, s.end) for s in expected]
    assert taken.start not in {datetime.fromisoformat(s["start"]) for s in published}
    # Written in the clinic's own offset, and nothing past fourteen local days.
    assert all(datetime.fromisoformat(s["start"]).utcoffset() == s_start.astimezone(zone).utcoffset()
               for s, s_start in zip(published, (e.start for e in expected)))
    assert max(datetime.fromisoformat(s["start"]).date() for s in published) == today + timedelta(days=13)
    assert len({s["id"] for s in published}) == len(published)


def test_a_practitioner_not_taking_new_patients_publishes_no_free_slots(client, now):
    practitioner = with_hours(accepting_new_patients=False)
    found = every_file(client)
    assert [r["id"] for r in found["Schedule"]] == [f"{practitioner.id}-{practitioner.clinics[0].id}"]
    assert found.get("Slot", []) == []


def test_slot_files_are_split_by_state(client, now):
    west = with_hours()
    east = with_hours(clinics=[NEW_YORK])
    both = with_hours(clinics=[{}, NEW_YORK])
    by_state = {state: slot_file(client, state) for state in ("CA", "NY")}
    schedules = {state: {s["schedule"]["reference"] for s in slots} for state, slots in by_state.items()}
    assert schedules["CA"] == {f"Schedule/{west.id}-{west.clinics[0].id}", f"Schedule/{both.id}-{both.clinics[0].id}"}
    assert schedules["NY"] == {f"Schedule/{east.id}-{east.clinics[0].id}", f"Schedule/{both.id}-{both.clinics[1].id}"}
    assert all(s["start"].endswith(("-08:00", "-07:00")) for s in by_state["CA"])
    assert all(s["start"].endswith(("-05:00", "-04:00")) for s in by_state["NY"])


def test_a_location_is_the_clinic_with_its_address_phone_and_profile(client, now):
    practitioner = with_hours(clinics=[{"name": "Mission Acupuncture", "address": "3150 18th St",
                                        "phone": "(415) 555-0142"}])
    clinic = practitioner.clinics[0]
    [location] = every_file(client)["Location"]
    assert location["name"] == "Mission Acupuncture"
    assert location["address"] == {"line": ["3150 18th St"], "city": "San Francisco", "state": "CA",
                                   "postalCode": "94110", "country": "US"}
    assert location["telecom"] == [{"system": "phone", "value": "(415) 555-0142"},
                                   {"system": "url", "value": f"http://localhost/practitioners/{practitioner.id}"}]
    assert location["position"] == {"longitude": clinic.longitude, "latitude": clinic.latitude}
    assert client.get(path(location["telecom"][1]["value"])).status_code == 200


def test_practitioner_role_carries_the_npi_and_only_verified_licences(client, now):
    practitioner = with_hours(npi="1234567893", clinics=[{}, NEW_YORK], licences=[
        {"jurisdiction": "US-CA", "number": "AC 14873"},
        {"jurisdiction": "US-NY", "number": "NY-99", "verification_state": VerificationState.PENDING}])
    without_npi = with_hours(npi=None)
    roles = {r["id"]: r for r in every_file(client)["PractitionerRole"]}
    role = roles[str(practitioner.id)]
    assert role["identifier"] == [{"system": NPI_SYSTEM, "value": "1234567893"}]
    contained = role["contained"][0]
    assert role["practitioner"]["reference"] == f"#{contained['id']}"
    assert contained["identifier"] == [{"system": NPI_SYSTEM, "value": "1234567893"}]
    [qualification] = contained["qualification"]
    assert qualification["identifier"] == [{"value": "AC 14873"}]
    assert qualification["issuer"] == {"display": "California"}
    assert qualification["period"]["end"] == practitioner.licences[0].expires_on.isoformat()
    assert role["location"] == [{"reference": f"Location/{practitioner.clinics[0].id}",
                                 "display": practitioner.clinics[0].label}]
    assert "identifier" not in roles[str(without_npi.id)]


def test_each_slot_links_to_the_profiles_booking_page_for_that_time(client, now):
    practitioner = with_hours(clinics=[{"phone": "(415) 555-0142"}])
    patient = create_user(role=Role.PATIENT)
    db.session.commit()
    first = slot_file(client, "CA")[0]
    link = ext(first, BOOKING_DEEP_LINK)["valueUrl"]
    assert ext(first, BOOKING_PHONE) == {"url": BOOKING_PHONE, "valueString": "(415) 555-0142"}
    profile = Page(client.get(f"/practitioners/{practitioner.id}").get_data(as_text=True))
    assert link == "http://localhost" + profile.find("a", **{"class": "slot"})[0]["href"]
    login_as(client, patient)
    page = client.get(path(link))
    assert page.status_code == 200
    start = datetime.fromisoformat(first["start"])
    text = page.get_data(as_text=True)
    assert f"{start.hour % 12 or 12}:{start.minute:02d}" in text and "First visit" in text
    assert f'value="{start.astimezone(ZoneInfo("UTC")):%Y-%m-%dT%H:%M:%SZ}"' in text


def test_a_clinic_without_a_phone_has_no_booking_phone(client, now):
    with_hours(clinics=[{"phone": ""}])
    assert all(ext(s, BOOKING_PHONE) is None for s in slot_file(client, "CA"))


def test_an_unchanged_file_answers_304_and_a_booking_changes_it(client, now):
    practitioner = with_hours()
    url = "/fhir/slots/US-CA.ndjson"
    first = client.get(url)
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    taken = datetime.fromisoformat(json.loads(first.get_data(as_text=True).splitlines()[0])["start"])
    booking_fixtures.request(booking_fixtures.patient(), practitioner, taken, now=now)
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    starts = {datetime.fromisoformat(json.loads(line)["start"]) for line in changed.get_data(as_text=True).splitlines()}
    assert taken not in starts


@pytest.mark.parametrize("url", ["/fhir/slots/california.ndjson", "/fhir/slots/US-CA-X.ndjson",
                                 "/fhir/slots/%00.ndjson", "/fhir/Patient.ndjson", "/fhir/slots/US-ca.ndjson"])
def test_an_unknown_file_is_a_json_404(client, url):
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_state_nobody_is_listed_in_has_an_empty_slot_file(client, now):
    with_hours()
    response = client.get("/fhir/slots/US-WY.ndjson")
    assert response.status_code == 200 and response.data == b""
