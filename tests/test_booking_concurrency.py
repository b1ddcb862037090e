"""Racing for one slot with real threads, each with its own app context, session and
connection: exactly one wins, on SQLite (BEGIN IMMEDIATE) and on PostgreSQL (the exclusion
constraint)."""
from __future__ import annotations

import sqlite3
import threading
from datetime import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus, Practitioner, User
from directory.services.booking import requests as booking
from directory.services.booking import reschedule as booking_reschedule
from directory.services.booking.transactions import write_transaction
from tests.booking_fixtures import (NEXT_THURSDAY, NOW, appointments, local, open_every_day,
                                    overlapping_active_pairs, patient, practitioner_with_hours, request)

THREADS = 20


def race(app, work) -> list:
    """Run ``work(i)`` in THREADS threads released together; each result or exception, by i."""
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = work(i)
            except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
                results[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    db.session.expire_all()
    return results


def booked_ids(results) -> list[int]:
    return [r for r in results if isinstance(r, int)]


def test_twenty_patients_race_for_one_slot_and_exactly_one_gets_it(app):
    practitioner_id = practitioner_with_hours().id
    patient_ids = [patient().id for _ in range(THREADS)]
    start = local(NEXT_THURSDAY, 9)

    def work(i: int) -> int:
        practitioner = db.session.get(Practitioner, practitioner_id)
        return request(db.session.get(User, patient_ids[i]), practitioner, start).id

    results = race(app, work)
    assert len(booked_ids(results)) == 1, results
    losers = [r for r in results if not isinstance(r, int)]
    assert len(losers) == THREADS - 1 and all(isinstance(r, booking.SlotTaken) for r in losers), losers
    assert all(start not in [s.start for s in r.fresh_slots] for r in losers)
    assert [a.id for a in appointments()] == booked_ids(results)
    assert overlapping_active_pairs() == []


def test_overlapping_slots_at_two_clinics_race_and_only_one_is_booked(app):
    practitioner = practitioner_with_hours(clinics=[{"name": "Mission"}, {"name": "Noe Valley"}])
    mission, noe = practitioner.clinics
    open_every_day(noe, start=time(9, 30))
    practitioner_id, clinic_ids = practitioner.id, (mission.id, noe.id)
    patient_ids = [patient().id for _ in range(THREADS)]

    def work(i: int) -> int:
        practitioner = db.session.get(Practitioner, practitioner_id)
        start = local(NEXT_THURSDAY, 9) if i % 2 == 0 else local(NEXT_THURSDAY, 9, 30)
        return request(db.session.get(User, patient_ids[i]), practitioner, start, clinic_id=clinic_ids[i % 2]).id

    results = race(app, work)
    assert len(booked_ids(results)) == 1, results
    assert all(isinstance(r, booking.SlotTaken) for r in results if not isinstance(r, int)), results
    assert overlapping_active_pairs() == []


def test_twenty_confirmations_of_one_request_succeed_once(app):
    practitioner = practitioner_with_hours()
    appointment_id = request(patient(), practitioner, local(NEXT_THURSDAY, 9)).id
    user_id = practitioner.user_id

    def work(i: int) -> int:
        booking.confirm(db.session.get(Appointment, appointment_id),
                        practitioner_user=db.session.get(User, user_id), now=NOW)
        return appointment_id

    results = race(app, work)
    assert len(booked_ids(results)) == 1, results
    assert all(isinstance(r, booking.BookingError) for r in results if not isinstance(r, int)), results
    assert db.session.get(Appointment, appointment_id).status is AppointmentStatus.CONFIRMED
    confirmations = db.session.execute(text(
        "SELECT count(*) FROM audit_event WHERE action = 'appointment.confirmed'")).scalar()
    assert confirmations == 1


def test_a_reschedule_racing_new_requests_for_its_target_is_atomic(app):
    practitioner = practitioner_with_hours()
    mover = patient()
    old = request(mover, practitioner, local(NEXT_THURSDAY, 9))
    booking.confirm(old, practitioner_user=practitioner.user, now=NOW)
    ids = {"practitioner": practitioner.id, "old": old.id, "mover": mover.id}
    others = [patient().id for _ in range(THREADS)]
    target = local(NEXT_THURSDAY, 14)

    def work(i: int) -> int:
        if i == 0:
            return booking_reschedule.reschedule(db.session.get(Appointment, ids["old"]),
                                      patient=db.session.get(User, ids["mover"]), new_start=target, now=NOW).id
        return request(db.session.get(User, others[i]), db.session.get(Practitioner, ids["practitioner"]), target).id

    results = race(app, work)
    assert len(booked_ids(results)) == 1, results
    assert all(isinstance(r, booking.SlotTaken) for r in results if not isinstance(r, int)), results
    old = db.session.get(Appointment, ids["old"])
    if isinstance(results[0], int):
        # The mover won: a confirmed visit stands until the practitioner confirms its move.
        moved = db.session.get(Appointment, results[0])
        assert old.status is AppointmentStatus.CONFIRMED and moved.replaces_id == old.id
        assert moved.status is AppointmentStatus.REQUESTED
    else:  # the mover lost: their appointment is exactly as it was
        assert old.status is AppointmentStatus.CONFIRMED and old.cancelled_by_id is None
    assert overlapping_active_pairs() == []


def test_postgresql_itself_refuses_an_overlapping_active_appointment(app, backend):
    if backend != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite relies on BEGIN IMMEDIATE")
    practitioner = practitioner_with_hours()
    first = request(patient(), practitioner, local(NEXT_THURSDAY, 9))
    insert = text(
        "INSERT INTO appointment (practitioner_id, clinic_id, patient_id, starts_at, ends_at, kind, status, intake, "
        "created_at, updated_at) VALUES (:p, :c, :u, :s, :e, 'follow_up', :status, 'x', now(), now())")
    values = {"p": practitioner.id, "c": first.clinic_id, "u": first.patient_id}
    with pytest.raises(IntegrityError) as caught:
        with db.engine.begin() as connection:
            connection.execute(insert, {**values, "s": local(NEXT_THURSDAY, 9, 30),
                                        "e": local(NEXT_THURSDAY, 10, 15), "status": "requested"})
    assert caught.value.orig.sqlstate == "23P01"
    with db.engine.begin() as connection:
        # Touching end to start is not an overlap, and ended appointments do not count.
        connection.execute(insert, {**values, "s": local(NEXT_THURSDAY, 10), "e": local(NEXT_THURSDAY, 10, 45),
                                    "status": "confirmed"})
        connection.execute(insert, {**values, "s": local(NEXT_THURSDAY, 9), "e": local(NEXT_THURSDAY, 10),
                                    "status": "cancelled"})
    assert db.session.execute(text("SELECT count(*) FROM appointment")).scalar() == 3


def test_the_database_guard_holds_even_when_the_python_checks_are_wrong(app, backend, monkeypatch):
    """Two requests for overlapping times that every Python check waves through: on PostgreSQL the
    constraint turns the second into SlotTaken; on SQLite the re-check under the lock does."""
    practitioner = practitioner_with_hours()
    request(patient(), practitioner, local(NEXT_THURSDAY, 9))
    monkeypatch.setattr(booking.scheduling, "is_free", lambda *a, **k: True)
    if backend == "postgresql":
        monkeypatch.setattr(booking, "_conflicts", lambda *a, **k: False)
    with pytest.raises(booking.SlotTaken):
        request(patient(), practitioner, local(NEXT_THURSDAY, 9, 20))
    assert len(appointments()) == 1
    # A time clear of it still goes through.
    request(patient(), practitioner, local(NEXT_THURSDAY, 10, 15))
    assert len(appointments()) == 2


def test_on_sqlite_the_write_transaction_holds_the_write_lock_from_its_first_statement(app, backend, tmp_path):
    """pysqlite alone would only BEGIN at the first INSERT; here no other connection can write
    from the start of the transaction until its commit, which really commits."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL serialises with the constraint and a row lock instead")
    other = sqlite3.connect(tmp_path / "test.db", timeout=0, isolation_level=None)
    practitioner = practitioner_with_hours()
    with write_transaction(practitioner.id):
        db.session.execute(text("SELECT 1"))  # a read only: the lock is already ours
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        db.session.execute(text("UPDATE practitioner SET buffer_minutes = 5 WHERE id = :id"), {"id": practitioner.id})
    assert other.execute("SELECT buffer_minutes FROM practitioner WHERE id = ?", (practitioner.id,)).fetchone() == (5,)
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()
