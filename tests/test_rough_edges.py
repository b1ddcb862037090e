"""Small things a new user hit: the sign-up link that lost the slot, Werkzeug's wording on error
pages, a cancel reason the API never asked for, Retry-After on a success, "reply to" a no-reply
address, a feed address cut off, "0 results" to jump to, and a decline with no way onwards."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, MethodNotAllowed, NotFound

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus, OutboxMessage, Role
from directory.services.accounts import users as accounts
from directory.services.accounts import api_tokens
from directory.services.booking import requests as booking
from tests.booking_fixtures import INTAKE, open_every_day
from tests.factories import create_practitioner, create_user
from tests.helpers_auth import login_as
from tests.test_booking_pages import page_of, request_form, requested_by, slot_url, slots, world  # noqa: F401
from tests.test_pages import assert_accessible_layout

WERKZEUG_WORDS = [Forbidden.description, NotFound.description, MethodNotAllowed.description,
                  "the requested resource", "on the server"]


def no_werkzeug_words(text: str) -> None:
    for words in WERKZEUG_WORDS:
        assert words not in text


# --- the header's sign-up link ----------------------------------------------------------

def test_the_headers_sign_up_and_log_in_links_keep_the_slot_the_visitor_came_from(client, world):
    url = slot_url(world.pr, slots(world.pr)[0])
    for path in ("/login", "/signup"):
        page = page_of(client.get(path, query_string={"next": url}))
        header = page.find("a", href=True)
        signup = [a["href"] for a in header if urlsplit(a["href"]).path == "/signup"]
        login = [a["href"] for a in header if urlsplit(a["href"]).path == "/login"]
        assert signup and all(parse_qs(urlsplit(h).query).get("next") == [url] for h in signup), signup
        assert login and all(parse_qs(urlsplit(h).query).get("next") == [url] for h in login), login
    # Elsewhere the header links carry nothing.
    home = page_of(client.get("/"))
    assert "/signup" in [a["href"] for a in home.find("a", href=True)]
    assert "/login" in [a["href"] for a in home.find("a", href=True)]


# --- error pages ------------------------------------------------------------------------

def test_a_patient_opening_the_practice_pages_gets_the_apps_403_page(client, app):
    patient = create_user(role=Role.PATIENT)
    db.session.commit()
    login_as(client, patient)
    response = client.get("/practice")
    page = page_of(response, 403)
    assert_accessible_layout(page)
    assert page.h1 == ["Not available to your account"]
    assert "This page is for practitioners, and you are logged in with a patient account." in page.text
    no_werkzeug_words(page.text)
    as_json = client.get("/practice", headers={"Accept": "application/json"})
    assert as_json.status_code == 403 and as_json.json["error"]["code"] == "forbidden"
    no_werkzeug_words(as_json.json["error"]["message"])


@pytest.mark.parametrize("method, url, status", [
    ("GET", "/no-such-page", 404), ("GET", "/practitioners/999999", 404), ("GET", "/practitioners/1/photo/x", 404),
    ("PUT", "/login", 405), ("GET", "/api/v1/nothing-here", 404), ("DELETE", "/api/v1/practitioners", 405),
    ("GET", "/admin", 403), ("GET", "/appointments/999999", 404),
])
def test_every_error_page_speaks_the_apps_words_not_werkzeugs(client, app, method, url, status):
    patient = create_user(role=Role.PATIENT)
    db.session.commit()
    login_as(client, patient)
    response = client.open(url, method=method)
    assert response.status_code == status
    no_werkzeug_words(response.get_data(as_text=True))


# --- cancelling without a reason --------------------------------------------------------

def test_a_patient_cancels_on_the_web_without_giving_a_reason(client, world):
    login_as(client, world.patient)
    appointment = requested_by(world, client)
    page = page_of(client.get(f"/appointments/{appointment.id}/cancel"))
    assert "Why are you cancelling? (optional)" in page.text
    response = client.post(f"/appointments/{appointment.id}/cancel", data={"reason": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status is AppointmentStatus.CANCELLED


def test_a_practitioner_cancels_on_the_web_without_giving_a_reason(client, world):
    login_as(client, world.patient)
    appointment = requested_by(world, client)
    booking.confirm(appointment, practitioner_user=world.pr.user)
    login_as(client, world.pr.user)
    response = client.post(f"/practice/appointments/{appointment.id}/cancel", data={"reason": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status is AppointmentStatus.CANCELLED
    page = page_of(client.get(response.headers["Location"]))
    assert "read your reason" not in page.text


# --- Retry-After ------------------------------------------------------------------------

def test_a_created_appointment_carries_no_retry_after_but_a_refusal_does(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", BOOKING_RATE_LIMIT="1 per minute")
    practitioner = create_practitioner()
    open_every_day(practitioner.clinics[0])
    patient = create_user(role=Role.PATIENT)
    db.session.commit()
    auth = {"Authorization": "Bearer " + api_tokens.create_token(patient)[0]}
    free = slots(practitioner)
    body = {"practitioner_id": practitioner.id, "clinic_id": free[0].clinic_id,
            "start": free[0].start.isoformat(), "kind": "initial", "intake": INTAKE}
    client = app.test_client()
    created = client.post("/api/v1/appointments", json=body, headers=auth)
    assert created.status_code == 201, created.json
    assert "Retry-After" not in created.headers
    assert client.get("/api/v1/appointments", headers=auth).headers.get("Retry-After") is None
    refused = client.post("/api/v1/appointments", json={**body, "start": free[1].start.isoformat()}, headers=auth)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


# --- the welcome email ------------------------------------------------------------------

def test_emails_never_ask_for_a_reply_to_the_no_reply_address(app):
    app.config["SUPPORT_EMAIL"] = "help@meridian.example"
    accounts.register(name="Sam New", email="sam@example.test", password="lantern orchard ripple",
                      role=Role.PATIENT)
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert messages, "no welcome email queued"
    for message in messages:
        assert "reply to this" not in message.body.lower() and "replying to this" not in message.body.lower()
        assert "help@meridian.example" in message.body


@pytest.mark.parametrize("template", ["welcome", "email_changed", "password_changed",
                                      "licence_listing_suspended", "licence_rejected"])
def test_no_email_template_asks_for_a_reply(template):
    text = (Path(__file__).parents[1] / "templates" / "mail" / f"{template}.txt").read_text()
    assert not re.search(r"\brepl(y|ying) to this", text, re.I)
    assert "{{ support_email }}" in text


# --- the calendar feed address ----------------------------------------------------------

def test_the_feed_address_is_shown_whole_in_a_selectable_field_with_a_copy_button_script(client, world):
    login_as(client, world.pr.user)
    response = client.post("/practice/calendar", data={"action": "create"})
    html = response.get_data(as_text=True)
    page = page_of(response)
    assert_accessible_layout(page)
    field = re.search(r'<textarea([^>]*)id="feed-url"([^>]*)>([^<]*)</textarea>', html)
    assert field, "the address is not in a text area that wraps"
    attributes, address = field.group(1) + field.group(2), field.group(3).strip()
    assert "readonly" in attributes and "data-copy" in attributes
    assert re.fullmatch(r"https?://[^/]+/calendar/[A-Za-z0-9_-]{20,}\.ics", address)
    assert page.find("label", **{"for": "feed-url"})
    assert page.find("script", src="/static/js/copy.js")
    assert client.get("/static/js/copy.js").status_code == 200
    # The stylesheet lets the field take the whole width and wrap anywhere.
    css = client.get("/static/css/booking.css").get_data(as_text=True)
    assert re.search(r"\.feed-url \{[^}]*width: 100%[^}]*word-break: break-all", css)


# --- empty search results ---------------------------------------------------------------

def test_an_empty_search_offers_no_jump_to_zero_results(client, app):
    page = page_of(client.get("/?near=10001"))
    assert "No" in page.text or "0" in page.text
    assert "Jump to the 0 results" not in page.text
    assert not page.find("a", href="#results-heading")
    create_practitioner(clinics=[{"city": "New York", "region": "NY", "postal_code": "10001",
                                  "latitude": 40.75, "longitude": -73.99, "timezone": "America/New_York"}])
    assert "Jump to the 1 result" in page_of(client.get("/?near=10001")).text


# --- a declined request -----------------------------------------------------------------

def test_a_declined_request_offers_the_same_practitioners_other_times(app, client, world):
    app.config["PUBLIC_BASE_URL"] = "https://meridian.example"
    login_as(client, world.patient)
    appointment = requested_by(world, client)
    booking.decline(appointment, practitioner_user=world.pr.user, message="Fully booked that day")
    expected = f"/practitioners/{world.pr.id}?kind={appointment.kind.value}#availability"
    for url in ("/appointments", f"/appointments/{appointment.id}"):
        page = page_of(client.get(url))
        assert expected in [a["href"] for a in page.find("a", href=True)], url
        assert f"Pick another time with {world.pr.display_name}" in page.text
    email = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == world.patient.email)
                               .order_by(OutboxMessage.id.desc())).first()
    assert f"https://meridian.example/practitioners/{world.pr.id}?kind={appointment.kind.value}" in email.body
