"""`flask licences check FILE`: screen a CSV of licence records, one JSON line per row, nothing saved."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.cli.licences import licences_group
from directory.models import AuditEvent, Licence, Practitioner, RosterEntry, User

HEADER = "name,jurisdiction,title,number,issued,expires,npi,nccaom_id\n"
GOOD = "Jane Smith,US-CA,L.Ac.,AC 12345,2019-06-01,2027-01-31,1234567893,12345\n"


@pytest.fixture
def cli(app):
    app.cli.add_command(licences_group)  # the lead wires it in directory/commands.py too; same object

    def run(path, *options):
        return app.test_cli_runner().invoke(args=["licences", "check", str(path), "--today", "2026-03-01", *options])
    return run


@pytest.fixture
def csv_file(tmp_path):
    def write(text: str | bytes, name: str = "licences.csv"):
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path
    return write


def lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_one_json_object_per_row_in_the_documented_shape(cli, csv_file):
    result = cli(csv_file(HEADER + GOOD + "Bob Jones,US-AL,Dipl. Ac. (NCCAOM),123456,2020-01-01,2028-01-01,,\n"
                          + "Ann Lee,US-NY,L.Ac.,012345,2021-01-01,2027-06-30,1234567890,\n"))
    assert result.exit_code == 0, result.output
    rows = lines(result)
    assert [r["row"] for r in rows] == [1, 2, 3]
    assert [r["verdict"] for r in rows] == ["pass", "warn", "fail"]
    for row in rows:
        assert set(row) == {"row", "verdict", "checks"}
        assert all(set(check) == {"name", "result", "message"} for check in row["checks"])
    assert [c["name"] for c in rows[0]["checks"]] == ["required", "dates", "jurisdiction", "number_format", "npi",
                                                      "nccaom_id", "duplicate"]
    warn = next(c for c in rows[1]["checks"] if c["name"] == "jurisdiction")
    assert warn["result"] == "warn" and warn["message"].startswith("Alabama does not license acupuncture")
    npi = next(c for c in rows[2]["checks"] if c["name"] == "npi")
    assert npi["result"] == "fail" and "check" in npi["message"]


def test_exit_code_is_0_even_when_every_row_fails(cli, csv_file):
    result = cli(csv_file(HEADER + "X,US-ZZ,Wizard,?,2030-01-01,2020-01-01,12,0\n"))
    assert result.exit_code == 0
    [row] = lines(result)
    assert row["verdict"] == "fail"
    assert {c["name"] for c in row["checks"] if c["result"] == "fail"} == {"dates", "jurisdiction", "npi", "nccaom_id"}


def test_a_bad_date_is_a_failed_check_not_a_crash(cli, csv_file):
    result = cli(csv_file(HEADER + "Jane Smith,US-CA,L.Ac.,AC12345,2019-02-30,31/01/2027,,\n"))
    assert result.exit_code == 0, result.output
    [row] = lines(result)
    failed = [c for c in row["checks"] if c["result"] == "fail"]
    assert [c["message"] for c in failed] == [
        "issued '2019-02-30' is not a date: use YYYY-MM-DD.", "expires '31/01/2027' is not a date: use YYYY-MM-DD."]
    assert next(c for c in row["checks"] if c["name"] == "required")["result"] == "pass"
    assert next(c for c in row["checks"] if c["name"] == "number_format")["result"] == "pass"


def test_missing_values_are_reported(cli, csv_file):
    [row] = lines(cli(csv_file(HEADER + "Jane Smith,US-CA,,AC12345,,2027-01-31,,\n")))
    required = row["checks"][0]
    assert required == {"name": "required", "result": "fail", "message": "Missing: title, issue date."}


def test_today_option_decides_what_has_expired(app, cli, csv_file):
    path = csv_file(HEADER + GOOD)
    assert lines(cli(path))[0]["verdict"] == "pass"
    later = app.test_cli_runner().invoke(args=["licences", "check", str(path), "--today", "2027-02-01"])
    dates = next(c for c in lines(later)[0]["checks"] if c["name"] == "dates")
    assert dates == {"name": "dates", "result": "fail", "message": "This expired on 2027-01-31."}


def test_bom_header_case_column_order_and_extra_columns_are_tolerated(cli, csv_file):
    text = ("\ufeffClinic, Expires ,Number,NAME,Title,Jurisdiction,Issued\r\n"
            "Downtown,2027-01-31,AC12345,Jane Smith,L.Ac.,us-ca,2019-06-01\r\n")
    result = cli(csv_file(text.encode("utf-8")))
    assert result.exit_code == 0, result.output
    [row] = lines(result)
    assert row["verdict"] == "pass"
    assert "npi" not in {c["name"] for c in row["checks"]}


def test_blank_rows_are_skipped_but_counted(cli, csv_file):
    rows = lines(cli(csv_file(HEADER + GOOD + ",,,,,,,\n\n" + GOOD.replace("AC 12345", "AC54321"))))
    assert [r["row"] for r in rows] == [1, 4]


def test_header_without_rows_says_so_and_exits_0(cli, csv_file):
    result = cli(csv_file(HEADER))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no licence rows" in result.stderr


@pytest.mark.parametrize("content, message", [
    ("", "is empty: expected a header row name,jurisdiction,title,number,issued,expires,npi,nccaom_id"),
    ("  \n", "is empty"),
    ("name,jurisdiction,number\nJane,US-CA,AC12345\n", "has no column title, issued, expires"),
    (b"\xff\xfen\x00a\x00m\x00e\x00", "is not UTF-8 text"),
])
def test_unusable_files_exit_2_with_a_message(cli, csv_file, content, message):
    result = cli(csv_file(content))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_a_missing_file_exits_2(cli, tmp_path):
    result = cli(tmp_path / "nope.csv")
    assert result.exit_code == 2
    assert "cannot read" in result.stderr and "nope.csv" in result.stderr


def test_a_directory_exits_2(cli, tmp_path):
    assert cli(tmp_path).exit_code == 2


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Licence, Practitioner, User, RosterEntry, AuditEvent)}


def test_nothing_is_saved_and_existing_licences_are_flagged(app, cli, csv_file, create_practitioner):
    create_practitioner(licences=[{"jurisdiction": "US-CA", "number": "AC12345"}])
    before = counts()
    result = cli(csv_file(HEADER + GOOD + GOOD.replace("AC 12345", "AC77777")))
    db.session.rollback()
    assert counts() == before
    assert db.session.scalar(select(Licence).where(Licence.number_normalized == "AC77777")) is None
    duplicate = [next(c for c in row["checks"] if c["name"] == "duplicate") for row in lines(result)]
    assert [d["result"] for d in duplicate] == ["fail", "pass"]


def test_only_the_documented_date_form_is_read(cli, csv_file):
    [row] = lines(cli(csv_file(HEADER + "Jane Smith,US-CA,L.Ac.,AC12345,20190601,2027-W05-1,,\n")))
    assert [c["message"] for c in row["checks"] if c["result"] == "fail"] == [
        "issued '20190601' is not a date: use YYYY-MM-DD.", "expires '2027-W05-1' is not a date: use YYYY-MM-DD."]
