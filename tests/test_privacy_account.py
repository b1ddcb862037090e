"""Privacy policy and terms pages, and a patient's own data at /account: a full copy (intakes
decrypted, every read audited, rate limited) and closing the account (anonymised, never
deleted; clinical records kept for the practitioner, requests that never happened erased)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import Review
from directory.models._types import as_utc
from directory.models import (ApiToken, Appointment, AppointmentStatus, AuditEvent, OutboxMessage, Role,
                              User)
from directory.services.accounts import users as accounts
from directory.services.accounts import api_tokens
from directory.services.booking import requests as booking
from directory.services.accounts.passwords import hash_password
from tests.factories import create_user
from tests.helpers_auth import login_as
from tests.test_booking_pages import (CLEAN_INTAKE, PASSWORD, make_appointment, page_of,
                                      slot_url, slots, world)  # noqa: F401
from tests.test_pages import assert_accessible_layout

NOW = datetime.now(timezone.utc)


def audit_actions(subject_type: str | None = None, subject_id: int | None = None) -> list[str]:
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
    return list(db.session.scalars(query))


# --- the pages ---------------------------------------------------------------------------

def test_the_privacy_policy_says_what_is_collected_who_reads_an_intake_how_long_and_how_to_get_it(client, app):
    app.config["SUPPORT_EMAIL"] = "privacy@meridian.example"
    page = page_of(client.get("/privacy"))
    assert_accessible_layout(page)
    assert page.h1 == ["Privacy policy"]
    for heading in ("What we collect", "Who can read your intake answers", "How long we keep it",
                    "Getting a copy, and closing your account"):
        assert heading in page.text
    assert "Only you and the practitioner you sent them to" in page.text
    assert "administrators included" in page.text
    assert "privacy@meridian.example" in page.text
    assert "Download your data" in page.text and "Close your account" in page.text


def test_the_terms_page_is_plain_and_points_to_the_privacy_policy(client, app):
    page = page_of(client.get("/terms"))
    assert_accessible_layout(page)
    assert page.h1 == ["Terms of use"]
    assert "not for emergencies" in page.text
    assert "/privacy" in [a["href"] for a in page.find("a", href=True)]


def test_the_footer_sign_up_form_and_intake_form_link_to_the_policies(client, world):
    for url in ("/", "/login", "/signup", f"/practitioners/{world.pr.id}"):
        links = [a["href"] for a in page_of(client.get(url)).find("a", href=True)]
        assert "/privacy" in links and "/terms" in links, url
    signup = client.get("/signup").get_data(as_text=True)
    form = signup[signup.index("<form"):signup.index("</form>")]
    assert 'href="/terms"' in form and 'href="/privacy"' in form
    login_as(client, world.patient)
    intake = client.get(slot_url(world.pr, slots(world.pr)[0])).get_data(as_text=True)
    assert 'href="/privacy#intakes"' in intake


# --- the export --------------------------------------------------------------------------

def appointment(practitioner, patient, start, *, intake=None, **extra) -> Appointment:
    made = make_appointment(practitioner, patient, start, **extra)
    if intake is not None:
        made.intake = intake
        db.session.commit()
    return made


@pytest.fixture
def history(world):
    """Pat has a visit that took place, a declined request and an upcoming confirmed visit;
    someone else has a visit with the same practitioner."""
    other = create_user(role=Role.PATIENT, name="Other Person")
    db.session.commit()
    done = appointment(world.pr, world.patient, NOW - timedelta(days=20), status=AppointmentStatus.COMPLETED)
    declined = appointment(world.pr, world.patient, NOW - timedelta(days=10), status=AppointmentStatus.DECLINED,
                                decline_message="Away that week", intake={**CLEAN_INTAKE, "reason": "Declined reason"})
    upcoming = appointment(world.pr, world.patient, NOW + timedelta(days=9))
    theirs = appointment(world.pr, other, NOW - timedelta(days=5), status=AppointmentStatus.COMPLETED,
                              intake={**CLEAN_INTAKE, "reason": "Someone else's pain"})
    api_tokens.create_token(world.patient)
    db.session.commit()
    return world.__class__(**vars(world), done=done, declined=declined, upcoming=upcoming, theirs=theirs, other=other)


def test_a_patient_downloads_everything_held_about_them_with_intakes_decrypted_and_audited(client, history):
    login_as(client, history.patient)
    settings = page_of(client.get("/account"))
    assert settings.find("form", action="/account/export")
    response = client.post("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "pat@example.test" and data["account"]["name"] == "Pat Lee"
    assert not any("hash" in key for key in data["account"])
    assert history.patient.password_hash not in response.get_data(as_text=True)
    by_id = {a["id"]: a for a in data["appointments"]}
    assert set(by_id) == {history.done.id, history.declined.id, history.upcoming.id}
    assert by_id[history.done.id]["intake"]["medications"] == "Warfarin"
    assert by_id[history.declined.id]["intake"]["reason"] == "Declined reason"
    assert by_id[history.declined.id]["decline_message"] == "Away that week"
    assert "Someone else's pain" not in response.get_data(as_text=True)
    assert len(data["api_tokens"]) == 1 and "token" not in data["api_tokens"][0]
    # Every intake read for the export is on the audit trail, and so is the export.
    for appointment in (history.done, history.declined, history.upcoming):
        assert "intake.read" in audit_actions("appointment", appointment.id)
    assert "account.exported" in audit_actions("user", history.patient.id)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.ADMIN])
def test_only_patients_can_download_or_close_here(client, history, role):
    user = history.pr.user if role is Role.PRACTITIONER else create_user(role=Role.ADMIN)
    db.session.commit()
    login_as(client, user)
    before = audit_actions()
    assert client.post("/account/export").status_code == 403
    assert client.get("/account/close").status_code == 403
    assert client.post("/account/close", data={"understood": "true", "password": PASSWORD}).status_code == 403
    assert audit_actions() == before
    page = page_of(client.get("/account"))
    assert not page.find("form", action="/account/export")
    client.application.config["SUPPORT_EMAIL"] = "help@meridian.example"
    assert "help@meridian.example" in page_of(client.get("/account")).text


def test_anonymous_visitors_are_sent_to_log_in(client, app):
    for method, url in (("POST", "/account/export"), ("GET", "/account/close"), ("POST", "/account/close")):
        response = client.open(url, method=method)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url


def test_exports_are_rate_limited_per_account(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", EXPORT_RATE_LIMIT="2 per hour")
    patient = create_user(role=Role.PATIENT)
    db.session.commit()
    client = app.test_client()
    login_as(client, patient)
    assert [client.post("/account/export").status_code for _ in range(3)] == [200, 200, 429]
    assert audit_actions("user", patient.id).count("account.exported") == 2


# --- closing the account -----------------------------------------------------------------

def test_closing_is_refused_while_a_visit_is_still_to_come(client, history):
    login_as(client, history.patient)
    page = page_of(client.get("/account/close"))
    assert_accessible_layout(page)
    assert "First, cancel your upcoming appointments" in page.text
    assert f"/appointments/{history.upcoming.id}" in [a["href"] for a in page.find("a", href=True)]
    response = client.post("/account/close", data={"understood": "true", "password": PASSWORD})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, history.patient.id).active


def test_a_wrong_password_or_no_tick_closes_nothing(client, history):
    booking.cancel(history.upcoming, by=history.patient, reason="")
    login_as(client, history.patient)
    page = page_of(client.post("/account/close", data={"understood": "true", "password": "wrong"}), 400)
    assert "Your password is not correct." in page.text
    page = page_of(client.post("/account/close", data={"password": PASSWORD}), 400)
    assert "Tick the box" in page.text
    db.session.expire_all()
    assert db.session.get(User, history.patient.id).email == "pat@example.test"


def test_closing_anonymises_the_account_keeps_clinical_records_and_erases_what_never_happened(client, history):
    booking.cancel(history.upcoming, by=history.patient, reason="Moving away")
    # Every email so far has gone out (the outbox keeps what it delivered).
    for message in db.session.scalars(select(OutboxMessage)):
        message.sent_at = NOW
    db.session.commit()
    delivered = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.recipient == "pat@example.test"))
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    login_as(client, history.patient)
    page = page_of(client.get("/account/close"))
    assert "1 visit that took place" in page.text and "never became a visit" in page.text

    response = client.post("/account/close", data={"understood": "true", "password": PASSWORD})
    assert response.status_code == 200
    assert "Your account is closed" in page_of(response).text
    # Logged out: the account pages send this browser to log in.
    assert client.get("/account").status_code == 302

    db.session.expire_all()
    user = db.session.get(User, history.patient.id)
    assert user is not None, "the row the audit trail points at is kept"
    assert not user.active and user.password_hash is None
    assert user.email == f"deleted-{user.id}@deleted.invalid"
    assert user.name == "Pat Lee"   # kept only because a clinical record needs it
    assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id)) == 0
    # The visit that took place stays whole for the practitioner...
    done = db.session.get(Appointment, history.done.id)
    assert done.intake["medications"] == "Warfarin"
    # ...requests that never became a visit lose the answers and the messages.
    for appointment_id in (history.declined.id, history.upcoming.id):
        gone = db.session.get(Appointment, appointment_id)
        assert gone.intake == {} and gone.decline_message is None and gone.cancel_reason is None
    # Someone else's records are untouched; the audit trail only grows.
    assert db.session.get(Appointment, history.theirs.id).intake["reason"] == "Someone else's pain"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) > events_before
    assert "account.closed" in audit_actions("user", user.id)
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "pat@example.test")).all()
    assert [m.subject for m in told] == ["Your Meridian account is closed"]
    scrubbed = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)).all()
    assert delivered and len(scrubbed) == delivered and all(m.body == "" for m in scrubbed)

    # The practitioner still reads the kept record, and sees the erased one for what it is.
    login_as(client, history.pr.user)
    kept = page_of(client.get(f"/practice/appointments/{history.done.id}"))
    assert "Warfarin" in kept.text and "account closed" in kept.text
    erased = page_of(client.get(f"/practice/appointments/{history.declined.id}"))
    assert "their answers were erased" in erased.text

    # The address is free again, and the old password opens nothing.
    client.post("/logout")
    refused = client.post("/login", data={"email": "pat@example.test", "password": PASSWORD})
    assert refused.status_code in (200, 400, 401) and client.get("/appointments").status_code == 302
    again = accounts.register(email="pat@example.test", password=PASSWORD, name="Pat Again", role=Role.PATIENT)
    assert again.id != user.id


def test_a_patient_with_no_visits_leaves_no_name_behind(client, app):
    patient = create_user(role=Role.PATIENT, name="Brief Visitor", email="brief@example.test",
                          password_hash=hash_password(PASSWORD))
    db.session.commit()
    login_as(client, patient)
    assert client.post("/account/close", data={"understood": "true", "password": PASSWORD}).status_code == 200
    db.session.expire_all()
    user = db.session.get(User, patient.id)
    assert user.name == "Deleted account" and not user.active
    assert "Brief Visitor" not in json.dumps([e.after for e in db.session.scalars(select(AuditEvent))])



def test_the_export_holds_reaction_reports_and_reviews_and_closing_unsigns_the_reviews(client, history):
    from directory.services.reviews import reviews
    from directory.services.safety import reports

    reports.submit(history.done, history.patient, [{"code": "nausea", "severity": "mild"}], "Queasy evening",
                   now=as_utc(history.done.ends_at) + timedelta(days=1))
    reviews.write(history.done, history.patient, rating=4, text="Kind", now=NOW)
    reports.submit(history.theirs, history.other, [], now=as_utc(history.theirs.ends_at) + timedelta(hours=2))
    login_as(client, history.patient)
    data = json.loads(client.post("/account/export").get_data(as_text=True))
    (report,) = data["reaction_reports"]
    assert report["notes"] == "Queasy evening" and report["symptoms"] == {"nausea": "mild"}
    assert [r["text"] for r in data["reviews"]] == ["Kind"]
    assert "reaction.read" in audit_actions("reaction_report", report["id"])
    history.upcoming.status = AppointmentStatus.CANCELLED
    db.session.commit()
    assert client.post("/account/close", data={"understood": "true", "password": PASSWORD}).status_code == 200
    review = db.session.scalars(select(Review)).one()
    assert review.author == "Verified patient"
