"""The automatic licence checks: each with passing and failing cases."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from directory.extensions import db
from directory.models import RosterEntry, RosterImport, VerificationState
from directory.models.licence import normalise_number
from directory.services.licensing import jurisdictions
from directory.services.licensing.names import names_match
from directory.services.licensing.checks import (FAIL, PASS, WARN, CheckResult, LicenceRecord, add_months,
                                               check_dates, check_jurisdiction, check_nccaom_id, check_npi,
                                               check_number_format, check_required,
                                               nccaom_id_is_valid, npi_is_valid, roster_entry_for, roster_status,
                                               run_checks, verdict)
from tests.factories import add_licence

TODAY = date(2026, 3, 1)


def record(**overrides) -> LicenceRecord:
    values = {"name": "Jane A. Smith", "jurisdiction": "US-CA", "title": "L.Ac.", "number": "AC 12345",
              "issued_on": date(2019, 6, 1), "expires_on": date(2027, 1, 31)}
    values.update(overrides)
    return LicenceRecord(**values)


def by_name(results: list[CheckResult], name: str) -> list[CheckResult]:
    return [r for r in results if r.name == name]


def only(results: list[CheckResult], name: str) -> CheckResult:
    found = by_name(results, name)
    assert len(found) == 1, found
    return found[0]


def dates(rec: LicenceRecord) -> list[CheckResult]:
    return check_dates(rec, jurisdictions.get(rec.jurisdiction), TODAY)


def juris(rec: LicenceRecord) -> list[CheckResult]:
    return check_jurisdiction(rec, jurisdictions.get(rec.jurisdiction))


def number_format(code: str, number: str) -> CheckResult:
    return check_number_format(normalise_number(number), jurisdictions.get(code))


# required

def test_required_passes_when_everything_is_given():
    assert check_required(record()) == [CheckResult("required", PASS, "All required fields are filled in.")]


def test_required_fails_listing_what_is_missing():
    [result] = check_required(record(title=" ", number="", expires_on=None))
    assert result.result == FAIL and result.message == "Missing: title, number, expiry date."
    assert result.field is None


def test_one_missing_field_is_pointed_at():
    [result] = check_required(record(issued_on=None))
    assert (result.result, result.field) == (FAIL, "issued_on")


# dates

def test_consistent_dates_pass():
    assert [r.result for r in dates(record())] == [PASS]


def test_issue_date_in_the_future_fails():
    [result] = dates(record(issued_on=TODAY + timedelta(days=1)))
    assert (result.result, result.field) == (FAIL, "issued_on") and "future" in result.message


def test_expiry_before_issue_fails():
    [result] = dates(record(issued_on=date(2025, 5, 1), expires_on=date(2025, 4, 30)))
    assert (result.result, result.field) == (FAIL, "expires_on")
    assert result.message == "The expiry date must be after the issue date."


def test_expired_fails_and_expiring_today_passes():
    [expired] = dates(record(expires_on=TODAY - timedelta(days=1)))
    assert (expired.result, expired.field) == (FAIL, "expires_on")
    assert expired.message == "This expired on 2026-02-28."
    assert [r.result for r in dates(record(expires_on=TODAY))] == [PASS]


def test_expiry_within_the_renewal_cycle_plus_a_month_passes():
    # California renews every 24 months; boards expire at the end of a month.
    assert [r.result for r in dates(record(expires_on=add_months(TODAY, 24) + timedelta(days=31)))] == [PASS]


def test_expiry_beyond_the_renewal_cycle_fails():
    [result] = dates(record(expires_on=add_months(TODAY, 24) + timedelta(days=32)))
    assert (result.result, result.field) == (FAIL, "expires_on")
    assert "24 months" in result.message and "California" in result.message


def test_the_cycle_is_the_jurisdictions():
    eighteen_months = add_months(TODAY, 18)
    assert dates(record(jurisdiction="US-WA", expires_on=eighteen_months))[0].result == FAIL  # yearly
    assert dates(record(expires_on=eighteen_months))[0].result == PASS                        # CA: 2 years
    assert dates(record(jurisdiction="US-NY", expires_on=add_months(TODAY, 35)))[0].result == PASS  # 3 years


def test_a_long_held_renewed_licence_passes():
    # Boards keep the original issue date across renewals: the cycle counts from today.
    assert dates(record(issued_on=date(2001, 9, 1), expires_on=date(2027, 9, 30)))[0].result == PASS


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)


def test_no_dates_no_dates_result():
    assert dates(record(issued_on=None, expires_on=None)) == []


# jurisdiction and title

def test_known_licensing_jurisdiction_with_its_title_passes():
    [result] = juris(record())
    assert result.result == PASS and "California Acupuncture Board" in result.message


def test_unknown_jurisdiction_fails():
    [result] = juris(record(jurisdiction="US-ZZ"))
    assert (result.result, result.field) == (FAIL, "jurisdiction") and "US-ZZ" in result.message


@pytest.mark.parametrize("code, name", [("US-AL", "Alabama"), ("US-OK", "Oklahoma"), ("US-SD", "South Dakota")])
def test_non_licensing_states_warn_that_it_is_a_certification_only(code, name):
    [result] = juris(record(jurisdiction=code, title="Dipl. Ac. (NCCAOM)"))
    assert (result.result, result.field) == (WARN, "jurisdiction")
    assert result.message.startswith(f"{name} does not license acupuncture")
    assert "certification, not a licence" in result.message and "does not list" in result.message


def test_the_uk_register_is_a_registration_not_a_licence():
    [result] = juris(record(jurisdiction="GB-ENG", title="MBAcC"))
    assert result.result == WARN and "registration, not a licence" in result.message


@pytest.mark.parametrize("code, title", [("US-WA", "EAMP"), ("US-FL", "A.P."), ("US-NM", "DOM"), ("CA-ON", "R.Ac."),
                                         ("US-RI", "D.Ac."), ("US-NV", "OMD"), ("AU-VIC", "Registered Acupuncturist")])
def test_jurisdiction_specific_titles_pass(code, title):
    assert [r.result for r in juris(record(jurisdiction=code, title=title))] == [PASS]


def test_a_title_the_jurisdiction_does_not_use_fails_listing_the_accepted_ones():
    [result] = juris(record(jurisdiction="US-NM", title="L.Ac."))
    assert (result.result, result.field) == (FAIL, "title")
    assert result.message == "'L.Ac.' is not a title New Mexico uses. Accepted: DOM, Doctor of Oriental Medicine."


def test_non_licensing_state_with_a_wrong_title_warns_and_fails():
    results = juris(record(jurisdiction="US-SD", title="L.Ac."))
    assert [(r.result, r.field) for r in results] == [(WARN, "jurisdiction"), (FAIL, "title")]


# number format

def test_california_number_matches_after_normalising():
    assert number_format("US-CA", "ac-12345").result == PASS


def test_documented_format_mismatch_fails_with_an_example():
    result = number_format("US-CA", "AC1234")
    assert (result.result, result.field) == (FAIL, "number")
    assert result.message == "AC1234 is not a California number. Expected a number like AC12345."


@pytest.mark.parametrize("number", ["CMR0001234567", "cmr 000 123 4567", "CMR-0001234567"])
def test_ahpra_registration_numbers_pass(number):
    assert number_format("AU-NSW", number).result == PASS


@pytest.mark.parametrize("number", ["CMR000123456", "CMR00012345678", "MED0001234567", "0001234567", "CMRA001234567"])
def test_malformed_ahpra_numbers_fail(number):
    result = number_format("AU-QLD", number)
    assert result.result == FAIL and "CMR0001234567" in result.message


def test_undocumented_format_mismatch_only_warns():
    result = number_format("US-NY", "AB-99")
    assert (result.result, result.field) == (WARN, "number")
    assert "not documented" in result.message and "012345" in result.message
    assert number_format("US-NY", "012345").result == PASS


def test_permissive_pattern_accepts_ordinary_numbers_and_warns_on_junk():
    assert number_format("US-TX", "AC01234").result == PASS
    assert number_format("US-TX", "AC.0012345").result == PASS
    assert number_format("US-TX", "#!").result == WARN


# NPI (Luhn over "80840" + the first nine digits; the tenth is the check digit)

def luhn_valid(digits: str) -> bool:
    """Textbook Luhn validation over a whole number, written independently of the module."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def test_cms_documented_example_npi_is_valid():
    assert npi_is_valid("1234567893")
    assert check_npi("1234567893").result == PASS


def test_npi_with_check_digit_zero():
    prefix = next(p for p in (str(n) for n in range(123456780, 123457000)) if luhn_valid("80840" + p + "0"))
    assert npi_is_valid(prefix + "0")
    assert not any(npi_is_valid(prefix + str(d)) for d in range(1, 10))


def test_npi_validity_agrees_with_textbook_luhn():
    for prefix in ("100000000", "123456789", "198765432", "987654321", "555123456", "300000001"):
        for digit in "0123456789":
            assert npi_is_valid(prefix + digit) == luhn_valid("80840" + prefix + digit), prefix + digit


@pytest.mark.parametrize("npi", ["1234567890", "1234567894", "2234567893"])
def test_npi_with_a_wrong_check_digit_fails(npi):
    assert not npi_is_valid(npi)
    result = check_npi(npi)
    assert (result.result, result.field) == (FAIL, "npi") and "check" in result.message


@pytest.mark.parametrize("npi", ["123456789", "12345678930", "", "123456789X", "ABCDEFGHIJ", "1234 67893",
                                 "１２３４５６７８９３"])  # full-width digits
def test_npi_of_the_wrong_shape_fails(npi):
    assert not npi_is_valid(npi)


def test_check_npi_says_ten_digits():
    result = check_npi("12345")
    assert (result.result, result.message) == (FAIL, "An NPI is exactly 10 digits.")


# NCCAOM diplomate id

@pytest.mark.parametrize("value", ["100", "12345", "999999"])
def test_valid_nccaom_ids(value):
    assert nccaom_id_is_valid(value) and check_nccaom_id(value).result == PASS


@pytest.mark.parametrize("value", ["99", "1234567", "0123", "012", "12a4", "", "12 34"])
def test_invalid_nccaom_ids(value):
    assert not nccaom_id_is_valid(value)


def test_check_nccaom_id_fails_with_the_rule():
    result = check_nccaom_id("0123")
    assert (result.result, result.field) == (FAIL, "nccaom_id") and "3 to 6 digits" in result.message


# names, status, verdict

@pytest.mark.parametrize("a, b", [
    ("Jane Smith", "JANE SMITH"), ("Jane A. Smith", "SMITH, JANE A"), ("Jane Smith", "Jane Alice Smith"),
    ("Dr. Jane Smith, L.Ac.", "Smith, Jane"), ("Jane Smith, Dipl. O.M. (NCCAOM)", "jane smith"),
    ("J. Smith", "Jane Smith"), ("José Núñez", "NUNEZ, JOSE"), ("Mary Smith-Jones", "Mary Smith Jones"),
    ("Sean O'Brien", "OBRIEN, SEAN"), ("Robert Smith Jr.", "Smith, Robert"), ("Zhang Wei", "Wei Zhang"),
    ("Minh Do", "DO, MINH"), ("Li Ma", "Ma, Li"), ("Jane Smith DOM", "Jane Smith"),
])
def test_names_that_match(a, b):
    assert names_match(a, b) and names_match(b, a)


@pytest.mark.parametrize("a, b", [
    ("Jane Smith", "John Smith"), ("Jane Smith", "Jane Smyth"), ("Jane Smith", "Smith"), ("Jane Smith", ""),
    ("Jane Smith", "K. Smith"), ("Dr. Smith", "Jane Smith"), ("", ""),
])
def test_names_that_do_not_match(a, b):
    assert not names_match(a, b)


@pytest.mark.parametrize("status", ["Active", "ACTIVE", "Current", "Clear", "Active - Clear", "Renewed"])
def test_active_roster_statuses(status):
    assert roster_status(status) == PASS


@pytest.mark.parametrize("status", ["Expired", "Inactive", "Delinquent", "Suspended", "Revoked", "Retired",
                                    "Surrendered", "Cancelled", "Deceased", "Not Current", "Lapsed"])
def test_statuses_not_in_force(status):
    assert roster_status(status) == FAIL


@pytest.mark.parametrize("status", ["Probation", "Active - Probation", "Pending", ""])
def test_probation_and_unknown_statuses_warn(status):
    assert roster_status(status) == WARN


def test_verdict_is_the_worst_result():
    p, w, f = (CheckResult("x", r, "") for r in (PASS, WARN, FAIL))
    assert verdict([]) == PASS
    assert verdict([p, p]) == PASS and verdict([p, w]) == WARN and verdict([w, f, p]) == FAIL


def test_as_dict():
    assert CheckResult("npi", FAIL, "bad", "npi").as_dict() == {"name": "npi", "result": FAIL, "message": "bad",
                                                                 "field": "npi"}


# run_checks over the database: order, duplicates, rosters

def test_run_checks_on_a_good_record_all_pass(app):
    results = run_checks(record(npi="1234567893", nccaom_id="12345"), today=TODAY)
    assert [r.name for r in results] == ["required", "dates", "jurisdiction", "number_format", "npi",
                                         "nccaom_id", "duplicate"]
    assert verdict(results) == PASS


def test_run_checks_leaves_out_what_has_nothing_to_check(app):
    results = run_checks(record(jurisdiction="", number="", issued_on=None, expires_on=None), today=TODAY)
    assert [(r.name, r.result) for r in results] == [("required", FAIL)]
    assert only(results, "required").message == "Missing: jurisdiction, number, issue date, expiry date."


def test_run_checks_on_a_non_licensing_state_warns(app):
    results = run_checks(record(jurisdiction="US-OK", title="Dipl. O.M. (NCCAOM)", number="123456",
                                expires_on=date(2029, 12, 31)), today=TODAY)
    assert verdict(results) == WARN and only(results, "jurisdiction").result == WARN


def test_another_practitioners_licence_is_a_duplicate(app, create_practitioner):
    holder = create_practitioner(licences=[{"jurisdiction": "US-CA", "number": "AC12345"}])
    results = run_checks(record(number="ac-12345"), today=TODAY, practitioner_id=holder.id + 1000)
    result = only(results, "duplicate")
    assert (result.result, result.field) == (FAIL, "number")
    assert result.message == ("Another practitioner has already recorded California number AC12345. "
                              "If it is yours, contact us.")
    assert holder.display_name not in result.message
    # Screening (no practitioner) counts any holder too.
    assert only(run_checks(record(), today=TODAY), "duplicate").result == FAIL


def test_own_licences_are_not_duplicates(app, create_practitioner):
    holder = create_practitioner(licences=[{"jurisdiction": "US-CA", "number": "AC12345"}])
    licence = holder.licences[0]
    assert only(run_checks(record(), today=TODAY, practitioner_id=holder.id), "duplicate").result == PASS
    assert only(run_checks(record(), today=TODAY, licence_id=licence.id), "duplicate").result == PASS


def test_same_number_elsewhere_or_rejected_is_not_a_duplicate(app, create_practitioner):
    create_practitioner(licences=[{"jurisdiction": "US-OR", "number": "AC12345"}])
    rejected = create_practitioner(licences=[])
    add_licence(rejected, jurisdiction="US-CA", number="AC12345", verification_state=VerificationState.REJECTED)
    db.session.commit()
    assert only(run_checks(record(), today=TODAY, practitioner_id=0), "duplicate").result == PASS


def test_a_pending_claim_by_another_practitioner_is_a_duplicate(app, create_practitioner):
    other = create_practitioner(licences=[])
    add_licence(other, jurisdiction="US-CA", number="AC12345", verification_state=VerificationState.PENDING)
    db.session.commit()
    mine = create_practitioner(licences=[])
    assert only(run_checks(record(), today=TODAY, practitioner_id=mine.id), "duplicate").result == FAIL


def add_roster(jurisdiction: str, *entries: dict) -> None:
    roster = RosterImport(jurisdiction=jurisdiction, source="Board export", filename="roster.csv", sha256="0" * 64)
    db.session.add(roster)
    db.session.flush()
    for values in entries:
        db.session.add(RosterEntry(jurisdiction=jurisdiction, number_normalized=normalise_number(values["number"]),
                                   source="Board export", import_id=roster.id, **values))
    db.session.commit()


ROSTER_ROW = {"number": "AC-12345", "name": "SMITH, JANE A", "status": "Active", "expires_on": date(2027, 1, 31)}


def test_no_roster_imported_means_no_roster_result(app):
    add_roster("US-OR", {**ROSTER_ROW, "number": "AC99999"})
    assert by_name(run_checks(record(), today=TODAY), "roster") == []


def test_roster_match_passes(app):
    add_roster("US-CA", ROSTER_ROW)
    result = only(run_checks(record(), today=TODAY), "roster")
    assert result.result == PASS and "California roster" in result.message


def test_number_not_on_the_roster_fails(app):
    add_roster("US-CA", {**ROSTER_ROW, "number": "AC55555"})
    result = only(run_checks(record(), today=TODAY), "roster")
    assert (result.result, result.field) == (FAIL, "number")
    assert result.message == "AC12345 is not on the California roster."


def test_roster_name_mismatch_fails(app):
    add_roster("US-CA", {**ROSTER_ROW, "name": "DOE, JOHN"})
    result = only(run_checks(record(), today=TODAY), "roster")
    assert result.result == FAIL and "'DOE, JOHN'" in result.message and "'Jane A. Smith'" in result.message


def test_roster_status_not_active_fails(app):
    add_roster("US-CA", {**ROSTER_ROW, "status": "REVOKED"})
    result = only(run_checks(record(), today=TODAY), "roster")
    assert result.result == FAIL and "'REVOKED', not active" in result.message


def test_roster_probation_warns(app):
    add_roster("US-CA", {**ROSTER_ROW, "status": "Probation"})
    assert only(run_checks(record(), today=TODAY), "roster").result == WARN


def test_roster_expiry_that_differs_warns(app):
    add_roster("US-CA", {**ROSTER_ROW, "expires_on": date(2026, 1, 31)})
    result = only(run_checks(record(), today=TODAY), "roster")
    assert (result.result, result.field) == (WARN, "expires_on")
    assert "2026-01-31" in result.message and "2027-01-31" in result.message


def test_roster_reports_every_problem(app):
    add_roster("US-CA", {**ROSTER_ROW, "name": "Jones, Pat", "status": "Expired", "expires_on": date(2025, 1, 31)})
    results = by_name(run_checks(record(), today=TODAY), "roster")
    assert [r.result for r in results] == [FAIL, FAIL, WARN]


def test_roster_entry_for_normalises_the_number(app):
    add_roster("US-CA", ROSTER_ROW)
    assert roster_entry_for("us-ca", "ac 12345").name == "SMITH, JANE A"
    assert roster_entry_for("US-CA", "AC12346") is None
    assert roster_entry_for("US-OR", "AC12345") is None


def test_roster_warns_when_there_is_no_name_to_compare(app):
    add_roster("US-CA", ROSTER_ROW)
    result = only(run_checks(replace(record(), name=""), today=TODAY), "roster")
    assert result.result == WARN and "No name" in result.message
