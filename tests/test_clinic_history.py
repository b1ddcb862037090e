"""A clinic's upcoming visits pin its place, and its history outlives it: an address, zone or
jurisdiction change is refused while patients expect a visit there; a clinic any appointment
ever named is archived, never deleted; and no id the audit log names is ever given out twice."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from directory.extensions import db
from directory.models import Appointment, AppointmentKind, AppointmentStatus, Clinic, OutboxMessage, Role
from directory.services.booking import requests as booking
from directory.services.search import nearby as geo
from directory.services.practice import editing as practice
from directory.services.search import profiles
from directory.services.booking import scheduling
from tests.booking_fixtures import INTAKE, open_every_day
from tests.factories import add_clinic, create_practitioner, create_user
from tests.helpers_auth import login_as

NY = {"name": "Midtown", "address": "350 5th Ave", "city": "New York", "region": "NY", "postal_code": "10118",
      "country": "US", "latitude": 40.7484, "longitude": -73.9857, "timezone": "America/New_York"}
SF_FORM = {"name": "Midtown", "address": "2400 Mission St", "city": "San Francisco", "jurisdiction": "US-CA",
           "postal_code": "94110", "phone": ""}
NY_FORM = {"name": "Midtown", "address": "350 5th Ave", "city": "New York", "jurisdiction": "US-NY",
           "postal_code": "10118", "phone": ""}


def _visit(clinic: Clinic, status: AppointmentStatus, starts_in: timedelta, patient=None) -> Appointment:
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0) + starts_in
    appointment = Appointment(
        practitioner_id=clinic.practitioner_id, clinic_id=clinic.id,
        patient_id=(patient or create_user(role=Role.PATIENT, name="Pat Doe")).id, starts_at=start,
        ends_at=start + timedelta(minutes=45), kind=AppointmentKind.FOLLOW_UP, status=status, intake=INTAKE)
    db.session.add(appointment)
    db.session.commit()
    return appointment


@pytest.fixture
def mei(app, client):
    practitioner = create_practitioner(display_name="Mei Lin", clinics=[NY])
    login_as(client, practitioner.user)
    return practitioner


# --- item 2: upcoming visits pin the clinic's place -------------------------------------------

@pytest.mark.parametrize("change", [
    SF_FORM,                                              # address, zone and jurisdiction
    {**NY_FORM, "address": "1 Wall St", "postal_code": "10005"},  # the address alone
    {**NY_FORM, "jurisdiction": "US-NJ", "city": "Jersey City", "postal_code": "07302"},  # jurisdiction
])
def test_moving_a_clinic_with_upcoming_visits_is_refused_and_lists_them(client, mei, change):
    clinic = mei.clinics[0]
    confirmed = _visit(clinic, AppointmentStatus.CONFIRMED, timedelta(days=3))
    requested = _visit(clinic, AppointmentStatus.REQUESTED, timedelta(days=4))
    before = (clinic.address, clinic.city, clinic.region, clinic.postal_code, clinic.timezone, clinic.latitude)
    mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))

    response = client.post(f"/practice/clinics/{clinic.id}/edit", data=change)

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "has 2 upcoming appointments requested or confirmed, booked at this address and time zone" in page
    for visit in (confirmed, requested):
        assert f'href="/practice/appointments/{visit.id}"' in page
    db.session.expire_all()
    clinic = db.session.get(Clinic, clinic.id)
    assert (clinic.address, clinic.city, clinic.region, clinic.postal_code, clinic.timezone,
            clinic.latitude) == before
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == mails


def test_a_clinic_with_upcoming_visits_can_still_be_renamed_and_given_a_phone(client, mei):
    clinic = mei.clinics[0]
    _visit(clinic, AppointmentStatus.CONFIRMED, timedelta(days=3))
    response = client.post(f"/practice/clinics/{clinic.id}/edit",
                           data={**NY_FORM, "name": "Empire", "phone": "(212) 555-0100"})
    assert response.status_code == 302
    db.session.refresh(clinic)
    assert (clinic.name, clinic.phone, clinic.timezone) == ("Empire", "(212) 555-0100", "America/New_York")


def test_once_its_visits_are_over_or_cancelled_a_clinic_can_move(client, mei):
    clinic = mei.clinics[0]
    _visit(clinic, AppointmentStatus.CONFIRMED, -timedelta(days=3))
    _visit(clinic, AppointmentStatus.CANCELLED, timedelta(days=3))
    assert client.post(f"/practice/clinics/{clinic.id}/edit", data=SF_FORM).status_code == 302
    db.session.refresh(clinic)
    assert (clinic.city, clinic.timezone) == ("San Francisco", "America/Los_Angeles")


# --- item 3: history is archived, never deleted -------------------------------------------------

def test_an_archived_clinic_leaves_search_schedules_and_new_bookings_but_its_visits_keep_it(client, mei):
    old = mei.clinics[0]
    other = add_clinic(mei, name="Harlem", address="1 W 125th St", city="New York", region="NY",
                       postal_code="10027", latitude=40.8075, longitude=-73.9465, timezone="America/New_York")
    db.session.commit()
    for clinic in (old, other):
        open_every_day(clinic)
    seen = _visit(old, AppointmentStatus.COMPLETED, -timedelta(days=10))
    old_id, address = old.id, old.address

    assert practice.delete_clinic(mei, old) is True

    db.session.expire_all()
    archived = db.session.get(Clinic, old_id)
    assert archived is not None and archived.archived_at is not None
    assert [c.id for c in mei.clinics] == [other.id]
    assert {hit.clinic.id for hit in geo.search((40.7484, -73.9857), radius=50).hits} == {other.id}
    assert [c.id for c in profiles.listed_profile(mei.id).clinics] == [other.id]
    tomorrow = datetime.now(timezone.utc).date() + timedelta(days=3)
    assert {s.clinic_id for s in scheduling.free_slots(mei, start=tomorrow, days=2)} == {other.id}
    start = next(s.start for s in scheduling.free_slots(mei, start=tomorrow, days=2))
    with pytest.raises(booking.InvalidSlot):
        booking.request_appointment(patient=create_user(role=Role.PATIENT), practitioner=mei, clinic_id=old_id,
                                    start=start, kind=AppointmentKind.INITIAL, intake=INTAKE)
    assert db.session.get(Appointment, seen.id).clinic.address == address
    assert client.get(f"/practice/clinics/{old_id}/edit").status_code == 404
    assert client.get(f"/practice/clinics/{old_id}/delete").status_code == 404
    assert "Midtown" not in client.get("/practice/clinics").get_data(as_text=True)


def test_archiving_through_the_page_says_so_and_writes_an_audit_event(client, mei):
    clinic = mei.clinics[0]
    _visit(clinic, AppointmentStatus.DECLINED, timedelta(days=3))
    assert "Archive this clinic" in client.get(f"/practice/clinics/{clinic.id}/delete").get_data(as_text=True)
    response = client.post(f"/practice/clinics/{clinic.id}/delete", follow_redirects=True)
    assert "has been archived: patients no longer find or book it" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Clinic)) == 1
    assert db.session.scalar(text("SELECT action FROM audit_event WHERE subject_type = 'clinic'")) == "clinic.archived"


def test_a_clinic_no_appointment_ever_named_is_deleted(client, mei):
    clinic = mei.clinics[0]
    assert practice.delete_clinic(mei, clinic) is False
    assert db.session.scalar(select(func.count()).select_from(Clinic)) == 0


def test_the_database_refuses_to_delete_a_clinic_from_under_its_appointments(mei):
    clinic = mei.clinics[0]
    _visit(clinic, AppointmentStatus.COMPLETED, -timedelta(days=3))
    with pytest.raises(IntegrityError):
        db.session.execute(text("DELETE FROM clinic WHERE id = :id"), {"id": clinic.id})
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1


AUDITED_TABLES = ("user_account", "practitioner", "clinic", "licence", "roster_import", "appointment",
                  "audit_event")


def test_every_table_the_audit_log_names_never_reuses_an_id(mei):
    for table in AUDITED_TABLES:
        assert db.metadata.tables[table].dialect_options["sqlite"]["autoincrement"] is True, table
    clinic = mei.clinics[0]
    last = _visit(clinic, AppointmentStatus.CANCELLED, timedelta(days=3))
    last_id = last.id
    db.session.execute(text("DELETE FROM appointment WHERE id = :id"), {"id": last_id})
    db.session.commit()
    assert _visit(clinic, AppointmentStatus.CANCELLED, timedelta(days=4)).id > last_id
