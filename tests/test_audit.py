"""The audit trail: recording, searching, and that no one can rewrite it."""
from __future__ import annotations

import enum
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from directory.extensions import db
from directory.models import AuditEvent, Role, VerificationState
from directory.models.audit import AuditTrailIsAppendOnly
from directory.services import audit
from directory.services.audit import AuditFilter
from tests.factories import create_user


@pytest.fixture
def admin(app):
    return create_user(role=Role.ADMIN, name="Ada Admin")


def test_record_is_saved_with_the_callers_commit_only(app, admin):
    audit.record("licence.approved", "licence", 7, actor=admin, before={"state": "pending"},
                 after={"state": "verified"}, reason="  ")
    db.session.rollback()
    assert audit.search(AuditFilter()) == ([], 0)
    admin = create_user(role=Role.ADMIN)
    event = audit.record("licence.rejected", "licence", 7, actor=admin, reason=" Wrong number ")
    db.session.commit()
    [found], total = audit.search(AuditFilter())
    assert total == 1 and found.id == event.id
    assert (found.actor_id, found.action, found.subject_type, found.subject_id) == (
        admin.id, "licence.rejected", "licence", 7)
    assert found.reason == "Wrong number" and found.created_at is not None


def test_values_are_stored_json_safe(app):
    class Colour(enum.Enum):
        RED = "red"

    audit.record("x.changed", "thing", None, before={"on": date(2026, 3, 1), "state": VerificationState.LAPSED},
                 after={"at": datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc), "list": [Colour.RED, 3], "n": None})
    db.session.commit()
    db.session.expire_all()
    [event], _ = audit.search(AuditFilter())
    assert event.actor_id is None and event.subject_id is None
    assert event.before == {"on": "2026-03-01", "state": "lapsed"}
    assert event.after == {"at": "2026-03-01T12:00:00+00:00", "list": ["red", 3], "n": None}


def _event(action: str, *, actor=None, subject_type="licence", subject_id=1, at: datetime | None = None):
    event = audit.record(action, subject_type, subject_id, actor=actor)
    if at is not None:
        event.created_at = at
    return event


def test_search_filters_and_pages_newest_first(app, admin):
    other = create_user(role=Role.ADMIN, name="Other Admin")
    day = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)
    _event("licence.approved", actor=admin, subject_id=1, at=day - timedelta(days=2))
    _event("licence.rejected", actor=other, subject_id=2, at=day - timedelta(days=1))
    _event("practitioner.suspended", actor=admin, subject_type="practitioner", subject_id=1, at=day)
    _event("licence.lapsed", subject_id=1, at=day + timedelta(hours=8, minutes=59))
    db.session.commit()

    def actions(**filters) -> list[str]:
        found, total = audit.search(AuditFilter(**filters))
        assert total == len(found)
        return [e.action for e in found]

    assert actions() == ["licence.lapsed", "practitioner.suspended", "licence.rejected", "licence.approved"]
    assert actions(action="licence.rejected") == ["licence.rejected"]
    assert actions(actor_id=admin.id) == ["practitioner.suspended", "licence.approved"]
    assert actions(subject_type="licence", subject_id=1) == ["licence.lapsed", "licence.approved"]
    assert actions(subject_type="practitioner") == ["practitioner.suspended"]
    assert actions(since=date(2026, 3, 9)) == ["licence.lapsed", "practitioner.suspended", "licence.rejected"]
    # "until" includes the whole of that (UTC) day.
    assert actions(until=date(2026, 3, 9)) == ["licence.rejected", "licence.approved"]
    assert actions(since=date(2026, 3, 10), until=date(2026, 3, 10)) == ["licence.lapsed", "practitioner.suspended"]
    assert actions(action="nothing.like.this") == []

    page_one, total = audit.search(AuditFilter(), page=1, per_page=3)
    page_two, _ = audit.search(AuditFilter(), page=2, per_page=3)
    assert total == 4 and len(page_one) == 3
    assert [e.action for e in page_two] == ["licence.approved"]
    assert audit.search(AuditFilter(), page=0, per_page=0)[0][0].action == "licence.lapsed"
    assert audit.actions() == ["licence.approved", "licence.lapsed", "licence.rejected", "practitioner.suspended"]


def test_events_of_one_transaction_come_newest_first(app, admin):
    same = datetime(2026, 1, 1, tzinfo=timezone.utc)
    first = _event("licence.approved", actor=admin, at=same)
    second = _event("licence.lapsed", at=same)
    db.session.commit()
    assert [e.id for e in audit.search(AuditFilter())[0]] == [second.id, first.id]


# --- append-only --------------------------------------------------------------------------

@pytest.fixture
def saved_event(app, admin):
    event = audit.record("licence.approved", "licence", 1, actor=admin, reason="ok")
    db.session.commit()
    return event


def test_the_orm_refuses_to_update_an_event(saved_event):
    saved_event.reason = "rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert audit.search(AuditFilter())[0][0].reason == "ok"


def test_the_orm_refuses_to_delete_an_event(saved_event):
    db.session.delete(saved_event)
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert audit.search(AuditFilter())[1] == 1


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET reason = 'rewritten'",
    "UPDATE audit_event SET actor_id = NULL",
    "DELETE FROM audit_event",
])
def test_the_database_refuses_raw_sql_changes(saved_event, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    [event], total = audit.search(AuditFilter())
    assert total == 1 and event.reason == "ok" and event.actor_id is not None


def test_the_database_refuses_bulk_orm_statements(saved_event):
    with pytest.raises(DatabaseError):
        db.session.execute(update(AuditEvent).values(reason="rewritten"))
    db.session.rollback()
    with pytest.raises(DatabaseError):
        db.session.execute(delete(AuditEvent))
    db.session.rollback()
    assert audit.search(AuditFilter())[0][0].reason == "ok"
