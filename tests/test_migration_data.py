"""Migration 0007 rebuilds tables on SQLite: rows of every table survive it, nothing points at
a missing row afterwards, and ids are never handed out twice."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from directory.extensions import db
from tests.test_migrations import empty_app  # noqa: F401  (the fixture)

BEFORE = "0005searchgeneration"  # the rows below fit this schema
MIGRATION = Path(__file__).parents[1] / "migrations" / "versions" / "0007_booking_integrity.py"
# The revision 0007 follows (the chain is re-ordered as work merges): the snapshot is taken there.
PREVIOUS = re.search(r"^down_revision = '([^']+)'", MIGRATION.read_text(), re.M).group(1)
# Later migrations change rows on purpose (0009 resets unreported board statuses): stop at 0007.
THIS = re.search(r"^revision = '([^']+)'", MIGRATION.read_text(), re.M).group(1)
AT = "'2026-03-10 17:00:00+00'"

ROWS = [
    "INSERT INTO user_account (id, email, role, name, active, created_at) VALUES "
    f"(1, 'mei@example.com', 'practitioner', 'Mei', true, {AT}), "
    f"(2, 'pat@example.com', 'patient', 'Pat', true, {AT}), "
    f"(3, 'sam@example.com', 'patient', 'Sam', true, {AT})",
    "INSERT INTO practitioner (id, user_id, display_name, slug, credentials, bio, years_chronic_pain, "
    "back_pain_focus, techniques, complementary_therapies, languages, fee_currency, sliding_scale, insurance, "
    "accepting_new_patients, listing_state, created_at, updated_at) VALUES (1, 1, 'Mei Lin', 'mei-lin', "
    f"'L.Ac.', '', 5, '', '[]', '[]', '[]', 'USD', false, '[]', true, 'listed', {AT}, {AT})",
    "INSERT INTO clinic (id, practitioner_id, name, address, city, region, postal_code, country, phone, "
    "latitude, longitude, timezone, geocoded_by, geocoded_at) VALUES "
    f"(1, 1, 'East', '1 Main St', 'New York', 'NY', '10001', 'US', '', 40.75, -73.99, 'America/New_York', 'zip', {AT}), "
    f"(2, 1, 'West', '2 Main St', 'New York', 'NY', '10002', 'US', '', 40.71, -73.98, 'America/New_York', 'zip', {AT})",
    "INSERT INTO licence (id, practitioner_id, country, jurisdiction, title, number, number_normalized, "
    "board_status, verification_state, check_results, created_at, updated_at, submitted_at) VALUES "
    f"(1, 1, 'US', 'US-NY', 'L.Ac.', '123', '123', 'active', 'verified', '[]', {AT}, {AT}, {AT})",
    "INSERT INTO availability_rule (id, clinic_id, weekday, start_time, end_time) VALUES "
    "(1, 1, 1, '09:00:00', '17:00:00'), (2, 2, 2, '09:00:00', '17:00:00')",
    "INSERT INTO appointment (id, practitioner_id, clinic_id, patient_id, starts_at, ends_at, kind, status, "
    "intake, created_at, updated_at, rescheduled_from_id, cancelled_by_id) VALUES "
    f"(1, 1, 1, 2, '2026-03-10 15:00:00+00', '2026-03-10 16:00:00+00', 'initial', 'completed', 'x', {AT}, {AT}, NULL, NULL), "
    f"(2, 1, 1, 3, '2026-03-11 15:00:00+00', '2026-03-11 16:00:00+00', 'initial', 'cancelled', 'x', {AT}, {AT}, NULL, 3), "
    f"(3, 1, 2, 3, '2026-03-12 15:00:00+00', '2026-03-12 16:00:00+00', 'initial', 'confirmed', 'x', {AT}, {AT}, 2, NULL)",
    "INSERT INTO audit_event (id, actor_id, action, subject_type, subject_id, created_at) VALUES "
    f"(1, 2, 'appointment.requested', 'appointment', 1, {AT}), "
    f"(2, 1, 'appointment.confirmed', 'appointment', 3, {AT})",
]
TABLES = ("user_account", "practitioner", "clinic", "licence", "availability_rule", "appointment", "audit_event")


def _everything() -> dict[str, list]:
    with db.engine.connect() as connection:
        return {table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
                for table in TABLES}


def _fill() -> None:
    with db.engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement))
        if connection.dialect.name == "postgresql":
            for table in TABLES:
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))


def test_upgrading_a_database_with_data_keeps_every_row_and_every_link(empty_app):
    upgrade(revision=BEFORE)
    _fill()
    upgrade(revision=PREVIOUS)
    before = _everything()

    upgrade(revision=THIS)

    after = _everything()
    # The new columns (archived_at, replaces_id) are appended, empty; every old value is unchanged.
    assert {table: [row[:len(before[table][0])] for row in rows] for table, rows in after.items()} == before
    assert all(row[len(before["clinic"][0]):] == (None,) for row in after["clinic"])
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_after_the_upgrade_a_deleted_rows_id_is_never_given_to_a_new_row(empty_app):
    upgrade(revision=BEFORE)
    _fill()
    upgrade(revision=THIS)
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM appointment WHERE id = 3"))
        with pytest.raises(Exception, match="append-only"), connection.begin_nested():
            connection.execute(text("DELETE FROM audit_event WHERE id = 2"))
        connection.execute(text("INSERT INTO appointment (practitioner_id, clinic_id, patient_id, starts_at, "
                                "ends_at, kind, status, intake, created_at, updated_at) VALUES (1, 1, 2, "
                                f"'2026-03-13 15:00:00+00', '2026-03-13 16:00:00+00', 'initial', 'requested', "
                                f"'x', {AT}, {AT})"))
        new_id = connection.execute(text("SELECT max(id) FROM appointment")).scalar()
    assert new_id == 4


def test_after_the_upgrade_a_clinic_with_appointments_cannot_be_deleted_from_under_them(empty_app):
    upgrade(revision=BEFORE)
    _fill()
    upgrade(revision=THIS)
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM clinic WHERE id = 2"))
    assert len(_everything()["appointment"]) == 3


def test_the_rebuilt_sqlite_tables_keep_their_checks_triggers_and_indexes(empty_app):
    upgrade(revision=THIS)
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL alters these tables in place")
    with db.engine.connect() as connection:
        schema = dict(connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all())
        triggers = {name for (name,) in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")}
    for table in ("user_account", "practitioner", "clinic", "licence", "roster_import", "appointment",
                  "audit_event"):
        assert "AUTOINCREMENT" in schema[table], table
    assert "CHECK (starts_at < ends_at)" in schema["appointment"]
    assert triggers == {"audit_event_no_update", "audit_event_no_delete"}
    assert "ix_appointment_replaces_id" in {index["name"] for index in inspect(db.engine).get_indexes("appointment")}
