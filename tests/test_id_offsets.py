"""Test databases number each table's rows in a block of its own (tests/id_offsets.py)."""
from __future__ import annotations

from sqlalchemy import select

from directory.extensions import db
from directory.models import AuditEvent, Role
from tests import booking_fixtures, id_offsets
from tests.factories import create_practitioner, create_user


def test_a_practitioner_its_user_clinic_licence_and_appointment_never_share_an_id(app):
    practitioner = booking_fixtures.practitioner_with_hours()
    db.session.commit()
    patient = booking_fixtures.patient()
    appointment = booking_fixtures.request(patient, practitioner,
                                           booking_fixtures.local(booking_fixtures.NEXT_THURSDAY, 9))
    db.session.commit()
    ids = [practitioner.user_id, patient.id, practitioner.id, practitioner.clinics[0].id,
           practitioner.licences[0].id, appointment.id]
    assert len(set(ids)) == len(ids)
    assert practitioner.user_id > 1_000_000 and practitioner.id > 2_000_000


def test_each_numbered_table_starts_in_its_own_block(app):
    starts = id_offsets.starts(db.metadata)
    assert len(set(starts.values())) == len(starts)
    assert {"user_account", "practitioner", "clinic", "licence", "appointment",
            "audit_event", "time_off", "availability_rule"} <= set(starts)
    user = create_user(role=Role.ADMIN)
    practitioner = create_practitioner()
    assert user.id == starts["user_account"] + 1
    assert practitioner.id == starts["practitioner"] + 1
    events = db.session.scalars(select(AuditEvent.id)).all()
    assert all(starts["audit_event"] < event_id < starts["audit_event"] + id_offsets.BLOCK
               for event_id in events)
