"""Every route of the app, tried by every kind of visitor: who gets in, who is turned away,
and that no state-changing form works without its CSRF token."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import (Appointment, AppointmentKind, AppointmentStatus, Clinic, Course, ListingState,
                              Practitioner, Role, TimeOff)
from tests import factories
from tests.helpers_auth import login_as

PUBLIC, ANONYMOUS, LOGGED_IN, PRACTITIONER, ADMIN = "public", "anonymous", "logged-in", "practitioner", "admin"
PATIENT, API_TOKEN = "patient", "api-token"

# Who each endpoint is for. A new route fails test_every_route_is_classified until it is added.
ACCESS = {
    "static": PUBLIC,
    "search.index": PUBLIC,
    "legal.privacy": PUBLIC,
    "legal.terms": PUBLIC,
    "health.healthz": PUBLIC,
    "practitioners.profile": PUBLIC,
    "practitioners.photo": PUBLIC,
    "api.practitioners": PUBLIC,
    "api.practitioner": PUBLIC,
    "api.openapi": PUBLIC,
    "api.slots": PUBLIC,
    "practitioners.slots": PUBLIC,
    "booking.feed": PUBLIC,  # by its secret: an unknown or revoked one is a 404
    "api.create_token": PUBLIC,
    "api.practitioner_reviews": PUBLIC,
    "reviews.practitioner_reviews": PUBLIC,
    "reviews.report": PUBLIC,  # anyone may report a review to the admins (CSRF and a rate limit)
    # Bearer-token API routes (tests/test_api_booking.py): a session cookie opens none of them.
    "api.revoke_token": API_TOKEN,
    "api.request_appointment": API_TOKEN,
    "api.appointments": API_TOKEN,
    "api.appointment": API_TOKEN,
    "api.appointment_cancel": API_TOKEN,
    "api.appointment_confirm": API_TOKEN,
    "api.appointment_decline": API_TOKEN,
    "api.course_create": API_TOKEN,
    "api.course": API_TOKEN,
    "api.course_proposal": API_TOKEN,
    "api.course_book": API_TOKEN,
    "api.appointment_check_in": API_TOKEN,
    "api.course_outcomes": API_TOKEN,
    "api.report_reaction": API_TOKEN,
    "api.reactions": API_TOKEN,
    "api.mark_attendance": API_TOKEN,
    "api.write_review": API_TOKEN,
    # Courses: any logged-in user may ask; anyone but that course's patient or practitioner gets a
    # 404 (tests/test_course_pages.py has the matrix).
    "courses.courses": LOGGED_IN,
    "courses.propose": LOGGED_IN,
    "courses.course": LOGGED_IN,
    "courses.book": LOGGED_IN,
    "courses.check_in": LOGGED_IN,
    "courses.decide": LOGGED_IN,
    "auth.signup": ANONYMOUS,
    "auth.login": ANONYMOUS,
    "auth.forgot_password": ANONYMOUS,
    "auth.reset_password": ANONYMOUS,
    "auth.logout": LOGGED_IN,
    "account.settings": LOGGED_IN,
    "account.change_password": LOGGED_IN,
    "account.change_email": LOGGED_IN,
    "account.confirm_email": LOGGED_IN,
    "account.export": PATIENT,
    "account.close": PATIENT,
    "account.close_confirmed": PATIENT,
    "practice.dashboard": PRACTITIONER,
    "practice.listing": PRACTITIONER,
    "practice.profile": PRACTITIONER,
    "practice.preview": PRACTITIONER,
    "practice.photo": PRACTITIONER,
    "practice.photo_delete": PRACTITIONER,
    "practice.clinics": PRACTITIONER,
    "practice.clinic_new": PRACTITIONER,
    "practice.clinic_edit": PRACTITIONER,
    "practice.clinic_delete": PRACTITIONER,
    "practice.licences": PRACTITIONER,
    "practice.licence_new": PRACTITIONER,
    "practice.licence_edit": PRACTITIONER,
    "practice.licence_withdraw": PRACTITIONER,
    "practice.availability": PRACTITIONER,
    "practice.availability_hours": PRACTITIONER,
    "practice.availability_settings": PRACTITIONER,
    "practice.time_off_add": PRACTITIONER,
    "practice.time_off_remove": PRACTITIONER,
    "practice.appointments": PRACTITIONER,
    "practice.appointment": PRACTITIONER,
    "practice.appointment_confirm": PRACTITIONER,
    "practice.appointment_decline": PRACTITIONER,
    "practice.appointment_cancel": PRACTITIONER,
    "practice.calendar": PRACTITIONER,
    "safety.practice_reports": PRACTITIONER,
    "safety.practice_report": PRACTITIONER,
    "safety.mark_attendance": PRACTITIONER,
    "reviews.practice_reviews": PRACTITIONER,
    "reviews.reply": PRACTITIONER,
    "booking.new": PATIENT,
    "booking.request": PATIENT,
    "booking.appointments": PATIENT,
    "booking.appointment": PATIENT,
    "booking.cancel": PATIENT,
    "booking.reschedule": PATIENT,
    "booking.ics": PATIENT,
    "safety.report": PATIENT,
    "safety.report_result": PATIENT,
    "safety.missed": PATIENT,
    "reviews.write": PATIENT,
    "admin.overview": ADMIN,
    "admin.queue": ADMIN,
    "admin.licence": ADMIN,
    "admin.decide": ADMIN,
    "admin.rosters": ADMIN,
    "admin.expiring": ADMIN,
    "admin.practitioners": ADMIN,
    "admin.practitioner": ADMIN,
    "admin.suspend": ADMIN,
    "admin.reinstate": ADMIN,
    "admin.audit": ADMIN,
    "admin.roster_import": ADMIN,
    "admin.board_status": ADMIN,
    "admin.safety": ADMIN,
    "admin.safety_close": ADMIN,
    "admin.reviews_queue": ADMIN,
    "admin.review_moderate": ADMIN,
}


INTAKE = {"reason": "Low back pain", "pain_duration": "over_1_year", "pain_score": 5, "medical_history": "",
          "medications": "", "safety": {}, "red_flags": {}}


def build_world() -> dict:
    """Two practitioners (A unlisted with a clinic, a photo key, time off and a confirmed
    appointment with the patient; B listed), the patient, another patient, an admin."""
    a = factories.create_practitioner(listing_state=ListingState.DRAFT, photo_key="a" * 32)
    b = factories.create_practitioner()
    patient = factories.create_user(role=Role.PATIENT)
    other_patient = factories.create_user(role=Role.PATIENT)
    admin = factories.create_user(role=Role.ADMIN)
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=5)
    appointment = Appointment(practitioner=a, clinic=a.clinics[0], patient=patient, starts_at=start,
                              ends_at=start + timedelta(hours=1), kind=AppointmentKind.INITIAL,
                              status=AppointmentStatus.CONFIRMED, intake=INTAKE)
    time_off = TimeOff(practitioner_id=a.id, starts_at=start + timedelta(days=3),
                       ends_at=start + timedelta(days=4), note="Away")
    db.session.add_all([appointment, time_off])
    db.session.flush()
    course = Course(practitioner_id=a.id, patient_id=patient.id, clinic_id=a.clinics[0].id,
                    origin_appointment_id=appointment.id, sessions=10, weeks=7, review_after=5,
                    plan={"goals": ["Walking"], "advice": ""})
    db.session.add(course)
    db.session.commit()
    return {"a": a, "b": b, "patient": patient, "other_patient": other_patient, "admin": admin,
            "a_clinic": a.clinics[0].id, "appointment": appointment.id, "time_off": time_off.id,
            "course": course.id}


@pytest.fixture
def world(app):
    return build_world()


def _value(name: str, world) -> object:
    return {"clinic_id": world["a_clinic"], "practitioner_id": world["a"].id, "token": "x.y.z",
            "licence_id": world["a"].licences[0].id, "appointment_id": world["appointment"],
            "time_off_id": world["time_off"], "course_id": world["course"], "secret": "not-a-real-secret",
            "report_id": 1, "review_id": 1, "action": "hide", "import_id": 1,
            "key": world["a"].photo_key, "filename": "css/site.css"}[name]


def requests(app, world, *, only: str | None = None):
    """(method, url, endpoint) for every route and method, ids pointing at practitioner A's things."""
    for rule in app.url_map.iter_rules():
        if only and ACCESS.get(rule.endpoint) != only:
            continue
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(_value(m.group(1), world)), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url, rule.endpoint


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - ACCESS.keys() == set(), "add the new routes to ACCESS"
    assert ACCESS.keys() - endpoints == set(), "ACCESS names routes that no longer exist"


def test_anonymous_visitors_are_sent_to_log_in(app, client, world):
    for group in (LOGGED_IN, PRACTITIONER, ADMIN, PATIENT):
        for method, url, endpoint in requests(app, world, only=group):
            response = client.open(url, method=method)
            if endpoint == "auth.logout":
                assert response.status_code == 302 and "/login" not in response.headers["Location"]
                continue
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/login?next="), (method, url)


@pytest.mark.parametrize("role", ["patient", "admin"])
def test_patients_and_admins_cannot_open_practitioner_pages(app, client, world, role):
    login_as(client, world[role])
    for method, url, _ in requests(app, world, only=PRACTITIONER):
        assert client.open(url, method=method).status_code == 403, (method, url)


@pytest.mark.parametrize("role", ["practitioner", "admin"])
def test_practitioners_and_admins_cannot_use_patient_booking_pages(app, client, world, role):
    login_as(client, world["b"].user if role == "practitioner" else world[role])
    for method, url, _ in requests(app, world, only=PATIENT):
        assert client.open(url, method=method).status_code == 403, (method, url)


def test_a_patient_cannot_see_or_change_another_patients_appointment(app, client, world):
    login_as(client, world["other_patient"])
    for method, url, endpoint in requests(app, world, only=PATIENT):
        if "appointment_id" in next(r.rule for r in app.url_map.iter_rules() if r.endpoint == endpoint):
            response = client.open(url, method=method, data={"reason": "Not mine", "start": "x"})
            assert response.status_code == 404, (method, url)
    db.session.expire_all()
    assert db.session.get(Appointment, world["appointment"]).status is AppointmentStatus.CONFIRMED


def test_an_unknown_calendar_feed_secret_is_not_found(app, client, world):
    assert client.get("/calendar/not-a-real-secret.ics").status_code == 404


@pytest.mark.parametrize("role", ["patient", "practitioner"])
def test_patients_and_practitioners_cannot_open_admin_pages(app, client, world, role):
    login_as(client, world["b"].user if role == "practitioner" else world[role])
    for method, url, _ in requests(app, world, only=ADMIN):
        assert client.open(url, method=method).status_code == 403, (method, url)


def test_a_practitioner_cannot_read_or_change_another_practitioners_things(app, client, world):
    before = {c.id: (c.name, c.address, c.latitude) for c in db.session.scalars(select(Clinic))}
    login_as(client, world["b"].user)
    for method, url, endpoint in requests(app, world, only=PRACTITIONER):
        if "<" in next(r.rule for r in app.url_map.iter_rules() if r.endpoint == endpoint):
            response = client.open(url, method=method, data={"name": "Taken over", "address": "1 Evil St",
                                                              "city": "Reno", "region": "NV",
                                                              "postal_code": "89501", "message": "No",
                                                              "reason": "No"})
            assert response.status_code == 404, (method, url)
    db.session.expire_all()
    after = {c.id: (c.name, c.address, c.latitude) for c in db.session.scalars(select(Clinic))}
    assert after == before
    assert db.session.get(Appointment, world["appointment"]).status is AppointmentStatus.CONFIRMED
    assert db.session.get(TimeOff, world["time_off"]) is not None


def test_an_unlisted_practitioners_profile_and_photo_are_hidden_from_others(app, client, world):
    a = world["a"]
    for viewer in (None, world["patient"], world["b"].user, world["admin"]):
        if viewer is not None:
            login_as(client, viewer)
        assert client.get(f"/practitioners/{a.id}").status_code == 404
        assert client.get(f"/practitioners/{a.id}/photo/{a.photo_key}").status_code == 404


def test_logged_in_users_are_sent_away_from_sign_up_and_login(app, client, world):
    login_as(client, world["patient"])
    for url in ("/signup", "/login"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/", url


@pytest.fixture
def csrf_client(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_no_state_changing_request_works_without_its_csrf_token(csrf_client):
    app = csrf_client
    world = build_world()
    owner = world["a"]
    before = (owner.listing_state, owner.display_name, len(owner.clinics), owner.user.session_version)
    client = app.test_client()
    posts = [(m, u, e) for m, u, e in requests(app, world) if m not in ("GET",)
             and not e.startswith("api.")]
    assert posts, "no state-changing routes found"
    as_user = {LOGGED_IN: owner.user, PRACTITIONER: owner.user, ADMIN: world["admin"], PATIENT: world["patient"]}
    for method, url, endpoint in posts:
        if ACCESS[endpoint] in as_user:
            login_as(client, as_user[ACCESS[endpoint]])
        else:
            client = app.test_client()
        response = client.open(url, method=method, data={"display_name": "Changed", "name": "Changed",
                                                         "email": "new@example.com", "reason": "x",
                                                         "message": "x"})
        assert response.status_code == 400, (method, url, response.status_code)
        assert "could not be sent" in response.get_data(as_text=True)
    db.session.expire_all()
    owner = db.session.get(Practitioner, owner.id)
    assert (owner.listing_state, owner.display_name, len(owner.clinics),
            owner.user.session_version) == before
    assert db.session.get(Appointment, world["appointment"]).status is AppointmentStatus.CONFIRMED
    assert db.session.get(TimeOff, world["time_off"]) is not None
