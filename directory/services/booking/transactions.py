"""The two primitives every appointment change is built on: a write transaction that
serialises bookings, and a compare-and-swap on the status.

On SQLite the transaction's first statement is BEGIN IMMEDIATE, so one writer at a time holds
the lock while it re-checks and writes (pysqlite would otherwise only BEGIN at the first
INSERT or UPDATE, after two requests had both checked the slot). On PostgreSQL the exclusion
constraint ``appointment_no_overlap`` is the guard; a row lock on the practitioner also
serialises bookings per practitioner, so that buffers, which the constraint cannot see, hold
under concurrency as well.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select, update

from directory.extensions import db
from directory.models import Appointment, AppointmentStatus, Practitioner
from directory.models._types import as_utc, utcnow
from directory.services.search import next_free


def now_utc(now: datetime | None = None) -> datetime:
    return as_utc(now) if now else utcnow()


@contextmanager
def write_transaction(practitioner_id: int | None = None) -> Iterator[None]:
    """Commits on success, rolls back on any exception. Commits the caller's open transaction
    first: BEGIN IMMEDIATE has to be the first statement of a transaction."""
    session = db.session
    session.commit()
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # pysqlite now sees a transaction open (in_transaction), so it issues no BEGIN of its
        # own before DML, and the session's COMMIT or ROLLBACK ends this one.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif practitioner_id is not None:
        session.execute(select(Practitioner.id).where(Practitioner.id == practitioner_id).with_for_update())
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def swap(appointment_id: int, from_statuses: Iterable[AppointmentStatus], values: dict, *conditions) -> bool:
    """Update the appointment only while its status is still one of ``from_statuses``."""
    changed = db.session.execute(
        update(Appointment)
        .where(Appointment.id == appointment_id, Appointment.status.in_(list(from_statuses)), *conditions)
        .values(**values).returning(Appointment.practitioner_id)
        .execution_options(synchronize_session=False)).scalars().all()
    for practitioner_id in changed:  # the flush never sees this statement: say whose slots moved
        next_free.note(db.session, practitioner_id)
    return len(changed) == 1
