"""Board roster import: column mapping, upsert, idempotence, the re-check report and the CLI."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import RosterEntry, RosterImport, Role, VerificationState
from directory.services.licensing import rosters
from directory.services.licensing.roster_csv import RosterFormatError, detect_mapping
from directory.services.licensing.rosters import import_roster
from tests.factories import create_practitioner, create_user
from tests.test_admin import statements_during
from tests.test_licensing import events

TODAY = date.today()
EXPIRY = TODAY + timedelta(days=300)
US = EXPIRY.strftime("%m/%d/%Y")


def entries() -> dict[str, RosterEntry]:
    return {e.number_normalized: e for e in db.session.scalars(select(RosterEntry))}


def import_count() -> int:
    return db.session.scalar(select(func.count()).select_from(RosterImport))


def run(text: str | bytes, jurisdiction: str = "US-CA", **kwargs) -> rosters.RosterReport:
    data = text.encode() if isinstance(text, str) else text
    kwargs.setdefault("source", "California Acupuncture Board licensee list")
    kwargs.setdefault("filename", "ca.csv")
    return import_roster(data, jurisdiction=jurisdiction, **kwargs)


# --- column mapping -------------------------------------------------------------------------

@pytest.mark.parametrize("headers, expected", [
    (["License Number", "Name", "Status", "Expiration Date", "City"],
     {"number": "License Number", "name": "Name", "status": "Status", "expires_on": "Expiration Date"}),
    (["Lic #", "First Name", "Middle Name", "Last Name", "License Status", "Exp Date"],
     {"number": "Lic #", "first_name": "First Name", "middle_name": "Middle Name", "last_name": "Last Name",
      "status": "License Status", "expires_on": "Exp Date"}),
    (["LicenseNumber", "Licensee Name", "Status", "Expires"],
     {"number": "LicenseNumber", "name": "Licensee Name", "status": "Status", "expires_on": "Expires"}),
    (["license_number", "Full Name", "status", "expiration"],
     {"number": "license_number", "name": "Full Name", "status": "status", "expires_on": "expiration"}),
    (["Registration Number", "Name", "License Status", "License Expiration Date"],
     {"number": "Registration Number", "name": "Name", "status": "License Status",
      "expires_on": "License Expiration Date"}),
    (["  License No. ", "NAME", "STATUS"], {"number": "  License No. ", "name": "NAME", "status": "STATUS"}),
    # The more specific column wins, and a single name column beats first/last.
    (["Number", "License Number", "First Name", "Last Name", "Name", "Status"],
     {"number": "License Number", "name": "Name", "status": "Status"}),
    (["Number", "First Name", "Status"], {"number": "Number", "status": "Status"}),
])
def test_detect_mapping(headers, expected):
    assert detect_mapping(headers) == expected


# --- importing ----------------------------------------------------------------------------

def test_import_creates_entries_with_dates_names_and_extra_columns(app):
    admin = create_user(role=Role.ADMIN)
    report = run("\ufeffLic #,First Name,Middle Name,Last Name,License Status,Exp Date,County\r\n"
                 f"AC 10001,Jane,Q,Doe,ACTIVE,{US},San Francisco\r\n"
                 "AC-10002,Ken,,Ito,Delinquent,3/1/27,Alameda\r\n"
                 "ac10003,Mina,,Park,Active,2027-01-31,\r\n"
                 "AC10004,Ann,,Lee,Active,,Marin\r\n", actor=admin)
    assert (report.rows, report.created, report.updated, report.unchanged) == (4, 4, 0, 0)
    assert not report.already_imported and report.errors == []
    found = entries()
    assert set(found) == {"AC10001", "AC10002", "AC10003", "AC10004"}
    jane = found["AC10001"]
    assert (jane.jurisdiction, jane.number, jane.name, jane.status) == ("US-CA", "AC 10001", "Jane Q Doe", "ACTIVE")
    assert jane.expires_on == EXPIRY and jane.extra == {"County": "San Francisco"}
    assert jane.source == "California Acupuncture Board licensee list" and jane.import_id == report.import_id
    assert found["AC10002"].expires_on == date(2027, 3, 1)
    assert found["AC10003"].expires_on == date(2027, 1, 31)
    assert found["AC10004"].expires_on is None
    record = db.session.get(RosterImport, report.import_id)
    assert (record.jurisdiction, record.filename, record.rows, record.created) == ("US-CA", "ca.csv", 4, 4)
    assert len(record.sha256) == 64 and record.imported_by_id == admin.id
    [event] = events("roster.imported")
    assert (event.actor_id, event.subject_type, event.subject_id) == (admin.id, "roster_import", report.import_id)
    assert event.after["created"] == 4 and event.after["jurisdiction"] == "US-CA"
    assert rosters.recent_imports() == [record]


def test_latin1_semicolons_and_a_title_line_before_the_header(app):
    text = ("Acupuncture Board of California - licensee export;;\n\n"
            "License Number;Licensee Name;Status;Expiration Date\n"
            f"AC10001;José Núñez;Active;{US}\n")
    report = run(text.encode("latin-1"))
    assert report.created == 1 and report.errors == []
    assert entries()["AC10001"].name == "José Núñez"


def test_an_explicit_mapping_for_unusual_headers(app):
    text = "Lic,Practitioner,Standing,Valid Until\nAC10001,Jane Doe,Active,2027-01-31\n"
    with pytest.raises(RosterFormatError):
        run(text)
    report = run(text, mapping={"number": "Lic", "name": "Practitioner", "status": "Standing",
                                "expires_on": "Valid Until"})
    assert report.created == 1 and entries()["AC10001"].expires_on == date(2027, 1, 31)
    with pytest.raises(RosterFormatError, match="no column named Missing"):
        run(text, mapping={"number": "Missing"})


def test_bad_rows_are_reported(app):
    report = run("License Number,Name,Status,Expiration Date\n"
                 "AC10001,Jane Doe,Active,someday\n"
                 ",No Number,Active,\n"
                 "\n"
                 "AC10002,Ken Ito,Active,\n"
                 "AC-10002,Ken Ito,Expired,\n")
    assert report.rows == 2 and report.created == 2
    assert report.errors == [
        "Row 2: expiration date 'someday' not understood (use YYYY-MM-DD or MM/DD/YYYY); kept without one.",
        "Row 3: no licence number; skipped.",
        "Row 6: number AC-10002 already appeared on row 5; the later row is used.",
    ]
    assert entries()["AC10002"].status == "Expired" and entries()["AC10001"].expires_on is None


def test_a_row_with_control_characters_is_reported_and_skipped(app):
    report = run("License Number,Name,Status,County\x00\n"
                 "AC10001,Jane\x00Doe,Active,Marin\n"
                 "AC10002,Ken Ito,Active,Alameda\x07\n"
                 "AC10003,\"Mei\tChen\",Active,\"Line one\nline two\"\n")
    assert report.created == 1
    assert report.errors == ["Row 2: control characters (such as a null byte) in Name; skipped.",
                             "Row 3: control characters (such as a null byte) in County; skipped."]
    # Tabs and line breaks are ordinary text; the header's NUL is dropped from its name.
    assert entries()["AC10003"].extra == {"County": "Line one\nline two"}


def test_windows_1252_punctuation_is_read_as_such(app):
    run("License Number,Name,Status\nAC10001,Seán O’Brien,Active\n".encode("cp1252"))
    assert entries()["AC10001"].name == "Seán O’Brien"


@pytest.mark.parametrize("text, message", [
    ("Licence,Person,Standing\nAC1,Jane,Active\n",
     "No column was recognised for the licence number, the licensee's name (or first and last name) "
     "or the licence status. Columns found: Licence, Person, Standing."),
    ("License Number,First Name,Status\nAC10001,Jane,Active\n",
     "the licensee's name (or first and last name). Columns found: License Number, First Name, Status."),
    ("", "The file is empty."),
    ("\n\n", "The file is empty."),
])
def test_missing_columns_are_named(app, text, message):
    with pytest.raises(RosterFormatError) as error:
        run(text)
    assert message in error.value.message
    assert import_count() == 0 and events() == []


def test_jurisdiction_and_source_are_required(app):
    text = "License Number,Name,Status\nAC10001,Jane Doe,Active\n"
    with pytest.raises(RosterFormatError, match="Unknown jurisdiction US-XX"):
        run(text, jurisdiction="US-XX")
    with pytest.raises(RosterFormatError, match="where the roster comes from"):
        run(text, source="  ")
    assert run(text, jurisdiction=" us-ca ").created == 1


# --- idempotence and upsert ---------------------------------------------------------------------

ROSTER = ("License Number,Name,Status,Expiration Date\n"
          f"AC10001,\"DOE, JANE Q\",Active,{US}\n"
          f"AC10002,\"ITO, KEN\",Active,{US}\n")


def test_reimporting_the_same_file_changes_nothing(app):
    first = run(ROSTER)
    before = {n: (e.import_id, e.imported_at, e.name) for n, e in entries().items()}
    audit_events = len(events())
    again = run(ROSTER)
    assert again.already_imported and again.import_id == first.import_id
    assert (again.rows, again.created, again.updated, again.unchanged) == (2, 0, 0, 2)
    assert (again.matched, again.mismatched, again.not_found) == (first.matched, first.mismatched, first.not_found)
    assert import_count() == 1 and len(events()) == audit_events
    db.session.expire_all()
    assert {n: (e.import_id, e.imported_at, e.name) for n, e in entries().items()} == before


def test_a_changed_file_updates_only_what_changed(app):
    first = run(ROSTER)
    second = run(ROSTER.replace('"ITO, KEN",Active', '"ITO, KEN",Suspended') + "AC10003,Mina Park,Active,\n",
                 source="Board list, next month")
    assert not second.already_imported and second.import_id != first.import_id
    assert (second.rows, second.created, second.updated, second.unchanged) == (3, 1, 1, 1)
    found = entries()
    assert found["AC10001"].import_id == first.import_id and found["AC10001"].source.startswith("California")
    assert found["AC10002"].import_id == second.import_id and found["AC10002"].status == "Suspended"
    assert found["AC10002"].source == "Board list, next month"
    # Going back to the first file is a real change again.
    third = run(ROSTER)
    assert not third.already_imported and (third.updated, third.unchanged) == (1, 1)
    assert entries()["AC10002"].status == "Active" and len(entries()) == 3
    # The same content in a different file (here: another line ending) changes no entry.
    fourth = run(ROSTER.replace("\n", "\r\n"))
    assert not fourth.already_imported and (fourth.created, fourth.updated, fourth.unchanged) == (0, 0, 2)


def test_rosters_of_jurisdictions_are_separate(app):
    run(ROSTER)
    report = run("License Number,Name,Status\n012345,Jane Doe,Active\nAC10001,Other,Active\n",
                 jurisdiction="US-NY", source="NY list")
    assert report.created == 2
    assert db.session.scalar(select(func.count()).select_from(RosterEntry)) == 4


# --- re-checking licences --------------------------------------------------------------------

def test_import_rechecks_the_jurisdictions_licences_and_reports(app):
    matched = create_practitioner(display_name="Dr. Jane Q. Doe",
                                  licences=[{"number": "AC10001", "expires_on": EXPIRY}])
    renamed = create_practitioner(display_name="Kenji Watanabe",
                                  licences=[{"number": "AC10002", "expires_on": EXPIRY}])
    missing = create_practitioner(display_name="Mina Park", licences=[
        {"number": "AC10009", "expires_on": EXPIRY, "verification_state": VerificationState.PENDING}])
    elsewhere = create_practitioner(display_name="Ann Lee", licences=[{"jurisdiction": "US-NY", "number": "012345"}])
    assert all(not lic.check_results for p in (matched, renamed, missing) for lic in p.licences)

    report = run(ROSTER)
    assert (report.matched, report.mismatched, report.not_found) == (1, 1, 1)

    def roster_results(practitioner) -> list[str]:
        return [r["result"] for r in practitioner.licences[0].check_results if r["name"] == "roster"]

    assert roster_results(matched) == ["pass"]
    assert "fail" in roster_results(renamed)
    assert roster_results(missing) == ["fail"]
    assert elsewhere.licences[0].check_results == []
    # Re-checking informs the admin; it does not change any decision by itself.
    assert renamed.licences[0].verification_state is VerificationState.VERIFIED
    record = db.session.get(RosterImport, report.import_id)
    assert record.report["matched"] == 1 and record.report["not_found"] == 1
    assert events("roster.imported")[0].after["mismatched"] == 1

    # The board corrects its roster: the report follows.
    fixed = run(ROSTER.replace('"ITO, KEN"', '"WATANABE, KENJI"'))
    assert (fixed.matched, fixed.mismatched, fixed.not_found) == (2, 0, 1)
    assert roster_results(renamed) == ["pass"]


def test_the_recheck_reads_the_roster_once_however_many_licences(app):
    def roster_reads(count: int) -> int:
        for n in range(count):
            create_practitioner(licences=[{"number": f"AC2{count}{n:03d}", "expires_on": EXPIRY}])
        statements = statements_during(lambda: run(ROSTER + f"AC9{count}000,Someone New,Active,{US}\n"))
        table = RosterEntry.__tablename__
        return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT") and table in s)

    assert roster_reads(1) == roster_reads(4)


# --- the command ----------------------------------------------------------------------------

@pytest.fixture
def cli(app):
    import directory.cli.licences  # noqa: F401
    from directory.cli.licences import licences_group
    if "licences" not in app.cli.commands:
        app.cli.add_command(licences_group)
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["licences", *args])


def test_import_roster_command(cli, tmp_path):
    create_practitioner(display_name="Jane Doe", licences=[{"number": "AC10001", "expires_on": EXPIRY}])
    path = tmp_path / "ca-roster.csv"
    path.write_text(ROSTER + ",Nobody,Active,\n")
    result = cli("import-roster", str(path), "--jurisdiction", "US-CA", "--source", "CA board, March")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Rows: 2 (2 new, 0 updated, 0 unchanged)",
        "Licences in US-CA: 1 matched, 0 mismatched, 0 not found",
        "  Row 4: no licence number; skipped.",
    ]
    again = cli("import-roster", str(path), "--jurisdiction", "US-CA", "--source", "CA board, March")
    assert again.exit_code == 0
    assert again.output.splitlines()[:2] == [
        f"This file was already imported (import {db.session.scalar(select(RosterImport.id))}): nothing changed.",
        "Rows: 2 (0 new, 0 updated, 2 unchanged)"]
    assert import_count() == 1
    assert db.session.scalar(select(RosterImport.filename)) == "ca-roster.csv"


def test_import_roster_command_errors(cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Foo,Bar\n1,2\n")
    result = cli("import-roster", str(path), "--jurisdiction", "US-CA", "--source", "x")
    assert result.exit_code == 1 and "No column was recognised" in result.output
    missing = cli("import-roster", str(tmp_path / "nope.csv"), "--jurisdiction", "US-CA", "--source", "x")
    assert missing.exit_code == 2 and "does not exist" in missing.output
    no_jurisdiction = cli("import-roster", str(path), "--source", "x")
    assert no_jurisdiction.exit_code == 2 and "--jurisdiction" in no_jurisdiction.output


def test_an_unrecognised_header_after_a_title_line_is_the_one_named(app):
    with pytest.raises(RosterFormatError) as error:
        run("Board export, March 2026\nLicense Number,Person,Standing\nAC10001,Jane Doe,Active\n")
    assert error.value.message.endswith("Columns found: License Number, Person, Standing.")
    assert error.value.message.startswith(
        "No column was recognised for the licensee's name (or first and last name) or the licence status.")
