"""The patient's booking pages: free times on the profile, requesting a slot with an intake
(login first, red flags, a slot taken meanwhile), My appointments, cancelling, rescheduling
and calendar files."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from directory.booking.display import GRID_PER_DAY
from directory.extensions import db
from directory.models import (Appointment, AppointmentKind, AppointmentStatus, AuditEvent, ListingState,
                              Role)
from directory.services.booking import requests as booking
from directory.services.booking import availability
from directory.services.booking import scheduling
from directory.services.accounts.passwords import hash_password
from directory.web import TOO_MANY
from tests.factories import create_practitioner, create_user
from tests.helpers_auth import login_as, logout
from tests.test_pages import Page, assert_accessible_layout

PASSWORD = "lantern orchard ripple"
INTAKE = {"reason": "Low back pain since lifting boxes", "pain_duration": "3_to_12_months", "pain_score": "6",
          "medical_history": "Herniated disc in 2019", "medications": "Ibuprofen 400 mg", "safety": ["needle_fear"]}
CLEAN_INTAKE = {"reason": "Sciatica on the left", "pain_duration": "over_1_year", "pain_score": 5,
                "medical_history": "", "medications": "Warfarin",
                "safety": {"anticoagulants": True, "pregnancy": False, "implanted_device": False,
                           "needle_fear": False, "prior_reaction": False},
                "red_flags": {"bladder_bowel": False, "saddle_numbness": False, "fever": False,
                              "major_trauma": False, "cancer_history": False, "weight_loss": False,
                              "leg_weakness": False}}


def open_hours(practitioner, start: time = time(8), end: time = time(18)) -> None:
    for clinic in practitioner.clinics:
        availability.set_weekly_hours(clinic, {day: [(start, end)] for day in range(7)})


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def slots(practitioner, kind=AppointmentKind.INITIAL, clinic_id=None) -> list[scheduling.Slot]:
    return scheduling.free_slots(practitioner, start=date.today(), days=14, kind=kind, clinic_id=clinic_id)


def slot_url(practitioner, slot: scheduling.Slot) -> str:
    return (f"/appointments/new?practitioner={practitioner.id}&clinic={slot.clinic_id}"
            f"&start={iso(slot.start)}&kind={slot.kind.value}")


def request_form(practitioner, slot: scheduling.Slot, **overrides) -> dict:
    return {"practitioner": practitioner.id, "clinic": slot.clinic_id, "start": iso(slot.start),
            "kind": slot.kind.value, **INTAKE, **overrides}


def make_appointment(practitioner, patient, start: datetime, *, status=AppointmentStatus.CONFIRMED,
                     kind=AppointmentKind.INITIAL, **extra) -> Appointment:
    """An appointment written directly, e.g. one starting too soon to have been requested now."""
    appointment = Appointment(
        practitioner_id=practitioner.id, clinic_id=practitioner.clinics[0].id, patient_id=patient.id,
        starts_at=start, ends_at=start + timedelta(minutes=60), kind=kind, status=status,
        intake=CLEAN_INTAKE, hold_expires_at=start - timedelta(hours=24), **extra)
    db.session.add(appointment)
    db.session.commit()
    return appointment


def page_of(response, status: int = 200) -> Page:
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return Page(response.get_data(as_text=True))


def appointment_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Appointment))


@pytest.fixture
def world(app):
    practitioner = create_practitioner(display_name="Mei Chen")
    open_hours(practitioner)
    patient = create_user(role=Role.PATIENT, name="Pat Lee", email="pat@example.test",
                          password_hash=hash_password(PASSWORD))
    db.session.commit()
    return SimpleNamespace(pr=practitioner, clinic=practitioner.clinics[0], patient=patient)


def requested_by(world, client, slot=None) -> Appointment:
    slot = slot or slots(world.pr)[0]
    response = client.post("/appointments/new", data=request_form(world.pr, slot))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.scalars(select(Appointment).order_by(Appointment.id.desc())).first()


# --- the profile ------------------------------------------------------------------------

def test_profile_lists_free_times_per_day_in_the_clinics_zone(client, world):
    # 07:00-20:00 with 60-minute visits and a 15-minute buffer gives 10 times a day: more than a
    # week column holds, so each day ends in a link to the rest.
    open_hours(world.pr, time(7), time(20))
    page = page_of(client.get(f"/practitioners/{world.pr.id}"))
    assert_accessible_layout(page)
    assert "Request an appointment" in page.text
    assert "Times are in the clinic's time zone: Pacific Time (America/Los_Angeles)." in page.text
    first = slots(world.pr)[0]
    local = first.local_start(ZoneInfo("America/Los_Angeles"))
    label = f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'} {local.tzname()}"
    assert label in page.text
    links = [a["href"] for a in page.find("a", **{"class": "slot"})]
    assert slot_url(world.pr, first) in links
    more = [a["href"] for a in page.find("a") if "/slots?" in a.get("href", "")]
    assert more, "no link to a whole day"
    day_page = page_of(client.get(more[0]))
    assert_accessible_layout(day_page)
    day = date.fromisoformat(parse_qs(urlsplit(more[0]).query)["date"][0])
    expected = scheduling.free_slots(world.pr, start=day, days=1, kind=AppointmentKind.INITIAL)
    assert len(expected) > GRID_PER_DAY
    assert [a["href"] for a in day_page.find("a", **{"class": "slot"})] == [slot_url(world.pr, s) for s in expected]
    assert "Pacific Time (America/Los_Angeles)" in day_page.text


def test_each_clinic_shows_its_own_zone(client, app):
    practitioner = create_practitioner(clinics=[
        {"name": "Mission", "city": "San Francisco"},
        {"name": "Midtown", "city": "New York", "region": "NY", "postal_code": "10001",
         "latitude": 40.75, "longitude": -73.99, "timezone": "America/New_York"}])
    open_hours(practitioner, time(9), time(10, 15))
    page = page_of(client.get(f"/practitioners/{practitioner.id}"))
    assert "Eastern Time (America/New_York)" in page.text
    assert "Pacific Time (America/Los_Angeles)" in page.text
    # 09:00 on the clinic's own clock, whatever the zone.
    assert page.text.count("9:00 AM P") >= 1 and page.text.count("9:00 AM E") >= 1


def test_a_practitioner_not_taking_new_patients_shows_no_first_visit_times(client, app):
    practitioner = create_practitioner(accepting_new_patients=False)
    open_hours(practitioner)
    page = page_of(client.get(f"/practitioners/{practitioner.id}"))
    assert "is not accepting new patients" in page.text
    assert not page.find("a", **{"class": "slot"})


def test_day_page_rejects_bad_parameters(client, world):
    assert client.get(f"/practitioners/{world.pr.id}/slots?clinic={world.clinic.id}&date=soon").status_code == 400
    assert client.get(f"/practitioners/{world.pr.id}/slots?clinic=999999&date=2030-01-01").status_code == 404


# --- requesting -------------------------------------------------------------------------

def test_anonymous_visitor_logs_in_and_comes_back_to_the_slot(client, world):
    url = slot_url(world.pr, slots(world.pr)[0])
    response = client.get(url)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    assert parse_qs(urlsplit(location).query)["next"] == [url]
    login = page_of(client.get(location))
    # The login page's "Create an account" link (the header's plain "Sign up" link is the other one).
    signup_links = [a["href"] for a in login.find("a") if a.get("href", "").startswith("/signup?")]
    assert signup_links and parse_qs(urlsplit(signup_links[0]).query)["next"] == [url]
    signup = page_of(client.get(signup_links[0]))
    assert [i.get("value") for i in signup.find("input", name="next")] == [url]
    response = client.post("/login", data={"email": "pat@example.test", "password": PASSWORD, "next": url})
    assert response.status_code == 302 and response.headers["Location"] == url
    page = page_of(client.get(url))
    assert page.h1 == ["Request an appointment"]


def test_a_session_that_ran_out_while_filling_in_returns_to_the_same_slot(client, world):
    slot = slots(world.pr)[0]
    response = client.post("/appointments/new", data=request_form(world.pr, slot))
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == [slot_url(world.pr, slot)]
    assert appointment_count() == 0


def test_signing_up_in_the_flow_returns_to_the_slot(client, world):
    url = slot_url(world.pr, slots(world.pr)[0])
    response = client.post("/signup", data={"role": "patient", "name": "New Patient", "email": "new.patient@example.com",
                                            "password": PASSWORD, "confirm": PASSWORD, "next": url})
    assert response.status_code == 302 and response.headers["Location"] == url
    assert page_of(client.get(url)).h1 == ["Request an appointment"]


def test_intake_form_is_labelled_and_shows_the_slot_with_its_zone(client, world):
    login_as(client, world.patient)
    slot = slots(world.pr)[0]
    page = page_of(client.get(slot_url(world.pr, slot)))
    assert_accessible_layout(page)
    assert "Pacific Time (America/Los_Angeles)" in page.text
    assert "Mei Chen" in page.text and "First visit" in page.text
    for name in ("reason", "pain_score", "medical_history", "medications"):
        assert page.find("textarea", name=name) or page.find("select", name=name), name
    assert len(page.find("input", type="radio", name="pain_duration")) == 4
    assert len(page.find("input", type="checkbox", name="safety")) == 5
    assert len(page.find("input", type="checkbox", name="red_flags")) == 7
    assert "Do you have any of these along with your back pain?" in page.text
    assert "Numbness in the groin, buttocks or inner thighs (saddle area)" in page.text
    assert "I take anticoagulants (blood thinners) or have a bleeding disorder" in page.text


def test_requesting_a_slot_creates_a_request_and_lists_it(client, world):
    login_as(client, world.patient)
    slot = slots(world.pr)[0]
    response = client.post("/appointments/new", data=request_form(world.pr, slot))
    assert response.status_code == 302 and response.headers["Location"] == "/appointments"
    appointment = db.session.scalars(select(Appointment)).one()
    assert appointment.status is AppointmentStatus.REQUESTED
    assert appointment.patient_id == world.patient.id and appointment.kind is AppointmentKind.INITIAL
    assert appointment.intake["reason"] == INTAKE["reason"]
    assert appointment.intake["safety"]["needle_fear"] is True
    page = page_of(client.get("/appointments"))
    assert_accessible_layout(page)
    assert "has been sent to Mei Chen" in page.text
    assert "Requested" in page.text and "Pacific Time (America/Los_Angeles)" in page.text
    assert "The time is held for you until" in page.text
    # The slot is no longer offered on the profile.
    profile = page_of(client.get(f"/practitioners/{world.pr.id}"))
    assert slot_url(world.pr, slot) not in [a["href"] for a in profile.find("a", **{"class": "slot"})]


def test_a_red_flag_stops_the_request_and_sends_the_patient_to_urgent_care(client, world):
    login_as(client, world.patient)
    slot = slots(world.pr)[0]
    # Even with the rest of the form left empty, the red flag is what the patient is told about.
    response = client.post("/appointments/new", data={**request_form(world.pr, slot, reason="", pain_score=""),
                                                      "red_flags": ["saddle_numbness", "fever"]})
    page = page_of(response, 200)
    assert_accessible_layout(page)
    alert = page.find("div", role="alert")
    assert alert
    assert page.h1 == ["Seek urgent medical care now"]
    assert "call 911" in page.text and "emergency room (ER)" in page.text
    assert "Numbness in the groin, buttocks or inner thighs (saddle area)" in page.text
    assert "nothing has been booked" in page.text
    assert appointment_count() == 0


def test_missing_answers_are_shown_beside_their_fields(client, world):
    login_as(client, world.patient)
    slot = slots(world.pr)[0]
    response = client.post("/appointments/new", data=request_form(world.pr, slot, reason="  ", pain_score="",
                                                                  pain_duration=""))
    page = page_of(response, 400)
    assert_accessible_layout(page)
    assert "Your request was not sent" in page.text
    assert page.by_id("reason-error") and page.by_id("pain_score-error") and page.by_id("pain_duration-error")
    # The answers already given are kept.
    assert "Herniated disc in 2019" in page.text
    assert appointment_count() == 0


def test_a_slot_taken_meanwhile_gets_a_friendly_page_with_fresh_times(client, world):
    slot = slots(world.pr)[0]
    rival = create_user(role=Role.PATIENT)
    login_as(client, world.patient)
    form_page = client.get(slot_url(world.pr, slot))
    assert form_page.status_code == 200
    booking.request_appointment(patient=rival, practitioner=world.pr, clinic_id=slot.clinic_id, start=slot.start,
                                kind=slot.kind, intake=CLEAN_INTAKE)
    page = page_of(client.post("/appointments/new", data=request_form(world.pr, slot)), 409)
    assert_accessible_layout(page)
    assert page.h1 == ["This slot was just taken"]
    fresh = [a["href"] for a in page.find("a", **{"class": "slot"})]
    assert fresh and slot_url(world.pr, slot) not in fresh
    assert slot_url(world.pr, slots(world.pr)[0]) in fresh
    assert appointment_count() == 1
    # Coming back to the old link later says the same, without an error page.
    page = page_of(client.get(slot_url(world.pr, slot)), 409)
    assert page.h1 == ["This time is no longer available"]
    assert page.find("a", **{"class": "slot"})


def test_only_patients_can_request(client, world):
    url = slot_url(world.pr, slots(world.pr)[0])
    for user in (world.pr.user, create_user(role=Role.ADMIN)):
        db.session.commit()
        login_as(client, user)
        for response in (client.get(url), client.post("/appointments/new", data=request_form(
                world.pr, slots(world.pr)[0]))):
            page = page_of(response, 403)
            assert "Only patient accounts can request and manage appointments" in page.text
        assert client.get("/appointments").status_code == 403
    assert appointment_count() == 0


@pytest.mark.parametrize("query, status", [
    ("practitioner=1&clinic=1&start=tomorrow&kind=initial", 400),
    ("practitioner=x", 400),
    ("practitioner={pr}&clinic={clinic}&start=2030-01-01T10:00:00&kind=initial", 400),  # no zone
    ("practitioner={pr}&clinic={clinic}&start=2030-01-01T10:00:00Z&kind=massage", 400),
    ("practitioner=99999999999&clinic={clinic}&start=2030-01-01T10:00:00Z&kind=initial", 400),
    ("practitioner=999999&clinic={clinic}&start=2030-01-01T10:00:00Z&kind=initial", 404),
    ("practitioner={pr}&clinic=999999&start=2030-01-01T10:00:00Z&kind=initial", 404),
])
def test_damaged_slot_links_get_a_clear_page(client, world, query, status):
    login_as(client, world.patient)
    response = client.get("/appointments/new?" + query.format(pr=world.pr.id, clinic=world.clinic.id))
    assert response.status_code == status
    assert response.mimetype == "text/html"


FAR_OFF_STARTS = ["9999-12-31T23:00:00-05:00", "9999-12-31T23:30:00+00:00", "0001-01-01T00:00:00+05:00",
                  "0001-01-01T00:00:00Z", "2999-01-01T09:00:00Z"]


@pytest.mark.parametrize("start", FAR_OFF_STARTS)
def test_far_off_start_times_are_damaged_links_not_errors(client, world, start):
    login_as(client, world.patient)
    query = {"practitioner": world.pr.id, "clinic": world.clinic.id, "start": start, "kind": "initial"}
    assert client.get("/appointments/new", query_string=query).status_code == 400
    form = {**request_form(world.pr, slots(world.pr)[0]), "start": start}
    assert client.post("/appointments/new", data=form).status_code == 400
    old = requested_by(world, client)
    # Moving to such a time shows the real choices instead.
    for response in (client.get(f"/appointments/{old.id}/reschedule",
                                query_string={"clinic": world.clinic.id, "start": start}),
                     client.post(f"/appointments/{old.id}/reschedule",
                                 data={"clinic": world.clinic.id, "start": start})):
        assert response.status_code == 200
        assert page_of(response).find("a", **{"class": "slot"})
    assert appointment_count() == 1


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_far_off_days_are_refused(client, world, day):
    login_as(client, world.patient)
    old = requested_by(world, client)
    assert client.get(f"/practitioners/{world.pr.id}/slots",
                      query_string={"clinic": world.clinic.id, "date": day}).status_code == 400
    response = client.get(f"/appointments/{old.id}/reschedule", query_string={"clinic": world.clinic.id, "date": day})
    assert response.status_code == 200


def test_a_time_that_is_not_a_slot_offers_real_ones(client, world):
    login_as(client, world.patient)
    odd = slots(world.pr)[0].start + timedelta(minutes=7)
    url = f"/appointments/new?practitioner={world.pr.id}&clinic={world.clinic.id}&start={iso(odd)}&kind=initial"
    page = page_of(client.get(url), 409)
    assert page.find("a", **{"class": "slot"})
    response = client.post("/appointments/new", data={**request_form(world.pr, slots(world.pr)[0]), "start": iso(odd)})
    assert response.status_code == 409
    assert appointment_count() == 0


def test_an_unlisted_practitioner_cannot_be_booked(client, world):
    login_as(client, world.patient)
    slot = slots(world.pr)[0]
    world.pr.listing_state = ListingState.SUSPENDED
    db.session.commit()
    assert client.get(slot_url(world.pr, slot)).status_code == 404
    assert client.post("/appointments/new", data=request_form(world.pr, slot)).status_code == 404
    assert appointment_count() == 0


def test_follow_up_visits_are_for_returning_patients(client, world):
    login_as(client, world.patient)
    follow_up = slots(world.pr, AppointmentKind.FOLLOW_UP)[0]
    page = page_of(client.get(slot_url(world.pr, follow_up)), 409)
    assert page.h1 == ["Choose a time for a first visit"]
    assert all("kind=initial" in a["href"] for a in page.find("a", **{"class": "slot"}))
    assert client.post("/appointments/new", data=request_form(world.pr, follow_up)).status_code == 409
    assert appointment_count() == 0

    make_appointment(world.pr, world.patient, datetime.now(timezone.utc) - timedelta(days=30),
                     status=AppointmentStatus.COMPLETED)
    profile = page_of(client.get(f"/practitioners/{world.pr.id}"))
    assert "Free times for a follow-up visit" in profile.text
    assert any("kind=initial" in a["href"] for a in profile.find("a") if "#availability" in a.get("href", ""))
    follow_up = slots(world.pr, AppointmentKind.FOLLOW_UP)[0]
    assert slot_url(world.pr, follow_up) in [a["href"] for a in profile.find("a", **{"class": "slot"})]
    response = client.post("/appointments/new", data=request_form(world.pr, follow_up))
    assert response.status_code == 302
    newest = db.session.scalars(select(Appointment).order_by(Appointment.id.desc())).first()
    assert newest.kind is AppointmentKind.FOLLOW_UP and newest.status is AppointmentStatus.REQUESTED


def test_the_day_page_offers_only_visits_the_viewer_may_request(client, world):
    day = slots(world.pr)[0].start.astimezone(ZoneInfo(world.clinic.timezone)).date().isoformat()
    url = f"/practitioners/{world.pr.id}/slots?clinic={world.clinic.id}&date={day}"
    assert client.get(url + "&kind=follow_up").status_code == 404      # anonymous: never seen
    assert page_of(client.get(url + "&kind=initial")).find("a", **{"class": "slot"})
    login_as(client, world.patient)
    assert client.get(url + "&kind=follow_up").status_code == 404
    make_appointment(world.pr, world.patient, datetime.now(timezone.utc) - timedelta(days=30),
                     status=AppointmentStatus.COMPLETED)
    assert page_of(client.get(url + "&kind=follow_up")).find("a", **{"class": "slot"})
    world.pr.accepting_new_patients = False
    db.session.commit()
    assert client.get(url + "&kind=initial").status_code == 404
    assert client.get(url).status_code == 404   # a first visit when no kind is named


# --- my appointments ----------------------------------------------------------------------

def test_my_appointments_shows_every_status_with_its_details(client, world):
    now = datetime.now(timezone.utc)
    declined = make_appointment(world.pr, world.patient, now + timedelta(days=5), status=AppointmentStatus.DECLINED,
                                decline_message="I am away that week, sorry.")
    cancelled = make_appointment(world.pr, world.patient, now + timedelta(days=6),
                                 status=AppointmentStatus.CANCELLED, cancel_reason="Clinic closed for repairs",
                                 cancelled_by_id=world.pr.user_id)
    make_appointment(world.pr, world.patient, now + timedelta(days=7), status=AppointmentStatus.EXPIRED)
    make_appointment(world.pr, world.patient, now + timedelta(days=8), status=AppointmentStatus.CONFIRMED)
    login_as(client, world.patient)
    page = page_of(client.get("/appointments"))
    for words in ("Declined", "I am away that week, sorry.", "Cancelled", "Clinic closed for repairs",
                  "cancelled by Mei Chen", "Expired", "did not answer in time", "Confirmed",
                  "Add to your calendar (.ics)"):
        assert words in page.text, words
    assert declined.id and cancelled.id


def test_patient_reads_their_own_intake_and_the_read_is_audited(client, world):
    login_as(client, world.patient)
    appointment = requested_by(world, client)
    page = page_of(client.get(f"/appointments/{appointment.id}"))
    assert_accessible_layout(page)
    assert "Low back pain since lifting boxes" in page.text and "Ibuprofen 400 mg" in page.text
    assert "I am afraid of needles" in page.text
    reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "intake.read")).all()
    assert [(e.actor_id, e.subject_id) for e in reads] == [(world.patient.id, appointment.id)]


def test_cancelling_before_the_cut_off(client, world):
    login_as(client, world.patient)
    appointment = make_appointment(world.pr, world.patient, datetime.now(timezone.utc) + timedelta(days=3))
    page = page_of(client.get(f"/appointments/{appointment.id}/cancel"))
    assert_accessible_layout(page)
    # A reason is optional (as in the API), but one that is too long is sent back.
    too_long = "x" * (booking.CANCEL_REASON_MAX + 1)
    page = page_of(client.post(f"/appointments/{appointment.id}/cancel", data={"reason": too_long}), 400)
    assert page.by_id("reason-error")
    response = client.post(f"/appointments/{appointment.id}/cancel", data={"reason": "Feeling better"})
    assert response.status_code == 302 and response.headers["Location"] == "/appointments"
    db.session.expire_all()
    appointment = db.session.get(Appointment, appointment.id)
    assert appointment.status is AppointmentStatus.CANCELLED and appointment.cancel_reason == "Feeling better"
    page = page_of(client.get("/appointments"))
    assert "you cancelled it" in page.text


def test_cancelling_after_the_cut_off_is_refused_and_the_cut_off_is_configurable(app, client, world):
    login_as(client, world.patient)
    appointment = make_appointment(world.pr, world.patient, datetime.now(timezone.utc) + timedelta(hours=5))
    page = page_of(client.get(f"/appointments/{appointment.id}/cancel"))
    assert "less than 24 hours" in page.text and not page.find("textarea")
    page = page_of(client.post(f"/appointments/{appointment.id}/cancel", data={"reason": "Busy"}), 409)
    assert "call the clinic" in page.text.lower()
    listing = page_of(client.get("/appointments"))
    assert "Less than 24 hours to go" in listing.text
    assert f"/appointments/{appointment.id}/cancel" not in [a["href"] for a in listing.find("a")]
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status is AppointmentStatus.CONFIRMED

    app.config["CANCEL_CUTOFF_HOURS"] = 2
    response = client.post(f"/appointments/{appointment.id}/cancel", data={"reason": "Busy"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status is AppointmentStatus.CANCELLED


def test_rescheduling_claims_the_new_time_and_releases_the_old(client, world):
    login_as(client, world.patient)
    old = requested_by(world, client)
    page = page_of(client.get(f"/appointments/{old.id}/reschedule"))
    assert_accessible_layout(page)
    choices = [a["href"] for a in page.find("a", **{"class": "slot"})]
    assert choices
    assert not any(f"start={iso(scheduling.as_utc(old.starts_at))}" in url for url in choices)
    target = choices[-1]
    confirm = page_of(client.get(target))
    assert "Move it to" in confirm.text and "Pacific Time (America/Los_Angeles)" in confirm.text
    fields = {i["name"]: i.get("value") for i in confirm.find("input") if i.get("type") == "hidden"}
    response = client.post(f"/appointments/{old.id}/reschedule", data=fields)
    assert response.status_code == 302 and response.headers["Location"] == "/appointments"
    db.session.expire_all()
    old = db.session.get(Appointment, old.id)
    new = db.session.scalars(select(Appointment).where(Appointment.rescheduled_from_id == old.id)).one()
    assert old.status is AppointmentStatus.CANCELLED
    assert new.status is AppointmentStatus.REQUESTED and iso(scheduling.as_utc(new.starts_at)) == fields["start"]
    assert new.intake["reason"] == INTAKE["reason"]


def test_rescheduling_to_a_taken_time_keeps_the_appointment(client, world):
    login_as(client, world.patient)
    free = slots(world.pr)
    old = requested_by(world, client, free[0])
    wanted = free[-1]
    booking.request_appointment(patient=create_user(role=Role.PATIENT), practitioner=world.pr,
                                clinic_id=wanted.clinic_id, start=wanted.start, kind=wanted.kind, intake=CLEAN_INTAKE)
    page = page_of(client.post(f"/appointments/{old.id}/reschedule",
                               data={"clinic": wanted.clinic_id, "start": iso(wanted.start)}), 409)
    assert "no longer available" in page.text or "just taken" in page.text
    assert page.find("a", **{"class": "slot"})
    db.session.expire_all()
    assert db.session.get(Appointment, old.id).status is AppointmentStatus.REQUESTED


def test_calendar_file_for_a_confirmed_appointment(client, world):
    login_as(client, world.patient)
    appointment = make_appointment(world.pr, world.patient, datetime.now(timezone.utc) + timedelta(days=4))
    response = client.get(f"/appointments/{appointment.id}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in body
    requested = make_appointment(world.pr, world.patient, datetime.now(timezone.utc) + timedelta(days=9),
                                 status=AppointmentStatus.REQUESTED)
    assert client.get(f"/appointments/{requested.id}/calendar.ics").status_code == 404


def test_another_patients_appointment_is_not_found(client, world):
    owner = create_user(role=Role.PATIENT)
    db.session.commit()
    appointment = make_appointment(world.pr, owner, datetime.now(timezone.utc) + timedelta(days=4))
    login_as(client, world.patient)
    base = f"/appointments/{appointment.id}"
    for method, url in [("GET", base), ("GET", base + "/cancel"), ("POST", base + "/cancel"),
                        ("GET", base + "/reschedule"), ("POST", base + "/reschedule"),
                        ("GET", base + "/calendar.ics")]:
        response = client.open(url, method=method, data={"reason": "mine now", "clinic": world.clinic.id,
                                                         "start": iso(slots(world.pr)[0].start)})
        assert response.status_code == 404, (method, url)
    assert client.get("/appointments/99999999999").status_code == 404
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status is AppointmentStatus.CONFIRMED
    assert appointment_count() == 1
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "intake.read")).all()


def test_anonymous_visitors_are_sent_to_log_in_from_my_appointments(client, world):
    response = client.get("/appointments")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == ["/appointments"]
    logout(client)


@pytest.fixture
def limited_app(make_app):
    return make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", BOOKING_RATE_LIMIT="2 per minute")


def test_requests_are_rate_limited(limited_app):
    practitioner = create_practitioner()
    open_hours(practitioner)
    patient = create_user(role=Role.PATIENT)
    db.session.commit()
    client = limited_app.test_client()
    login_as(client, patient)
    free = slots(practitioner)
    # Incomplete forms count too: the limit is on attempts.
    for slot in free[:2]:
        assert client.post("/appointments/new", data=request_form(practitioner, slot, reason="")).status_code == 400
    response = client.post("/appointments/new", data=request_form(practitioner, free[2]))
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)
    assert appointment_count() == 0
    # Reading the form is not limited.
    assert client.get(slot_url(practitioner, free[2])).status_code == 200
