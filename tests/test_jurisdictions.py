"""Jurisdiction rules as data: the shipped file loads, covers every required place, and a bad
edit is refused with the jurisdiction named."""
from __future__ import annotations

import re

import pytest

from directory.data.places import CANADIAN_PROVINCES, US_STATES
from directory.services.licensing import jurisdictions
from directory.services.licensing.jurisdictions import JurisdictionDataError

US_REQUIRED = {f"US-{code}" for code in US_STATES} - {"US-FM", "US-MH", "US-PW"}  # 50 + DC + 5 territories
CANADA = {f"CA-{code}" for code in CANADIAN_PROVINCES}
AUSTRALIA = {f"AU-{c}" for c in ("NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT")}
UK = {"GB-ENG", "GB-SCT", "GB-WLS", "GB-NIR"}


def codes() -> set[str]:
    return {j.code for j in jurisdictions.all_jurisdictions()}


def test_every_required_jurisdiction_is_there():
    assert len(US_REQUIRED) == 56
    assert {"US-DC", "US-PR", "US-GU", "US-VI", "US-AS", "US-MP"} <= US_REQUIRED
    assert len(CANADA) == 13
    missing = (US_REQUIRED | CANADA | AUSTRALIA | UK) - codes()
    assert not missing


def test_every_entry_is_complete_and_consistent():
    for j in jurisdictions.all_jurisdictions():
        assert j.code.startswith(f"{j.country}-") and j.name and j.regulator and j.titles, j.code
        assert j.credential_label in ("licence", "registration", "certification"), j.code
        assert j.number_pattern and re.compile(j.number_pattern), j.code
        assert j.renewal_months and 12 <= j.renewal_months <= 48, j.code
        if j.number_example:
            assert j.number_matches(j.number_example), j.code
        if j.pattern_documented:
            assert j.number_example, f"{j.code}: a documented format needs an example for its messages"
        if not j.licensed:
            assert j.credential_label != "licence", j.code


@pytest.mark.parametrize("code", ["US-AL", "US-OK", "US-SD", "GB-ENG", "GB-SCT", "GB-WLS", "GB-NIR",
                                  "CA-MB", "CA-SK", "CA-NB", "CA-NS", "CA-PE", "CA-YT", "CA-NT", "CA-NU"])
def test_places_that_do_not_license_acupuncture(code):
    j = jurisdictions.get(code)
    assert j.licensed is False
    assert j.notes


@pytest.mark.parametrize("code", ["US-CA", "US-NY", "US-TX", "US-WA", "US-FL", "US-NM", "US-ND", "US-DC",
                                  "CA-AB", "CA-BC", "CA-ON", "CA-QC", "CA-NL", "AU-NSW", "AU-NT"])
def test_places_that_license_it(code):
    assert jurisdictions.get(code).licensed is True


def test_uk_is_a_voluntary_register():
    j = jurisdictions.get("GB-ENG")
    assert j.credential_label == "registration"
    assert "British Acupuncture Council" in j.regulator
    assert j.pattern_documented is False


def test_australia_is_national_ahpra_registration():
    for code in AUSTRALIA:
        j = jurisdictions.get(code)
        assert j.credential_label == "registration" and j.renewal_months == 12
        assert j.pattern_documented and j.number_matches("CMR0001234567")
        assert not j.number_matches("CMR123456789")        # nine digits
        assert not j.number_matches("MED0001234567")       # medical, not Chinese medicine
        assert j.accepts_title("Registered Acupuncturist")


@pytest.mark.parametrize("code, title", [
    ("US-WA", "EAMP"), ("US-WA", "East Asian Medicine Practitioner"), ("US-FL", "A.P."),
    ("US-FL", "Acupuncture Physician"), ("US-NM", "DOM"), ("US-NM", "Doctor of Oriental Medicine"),
    ("CA-ON", "R.Ac."), ("CA-ON", "R.TCMP"), ("US-NV", "OMD"), ("US-RI", "D.Ac."),
    ("US-RI", "Doctor of Acupuncture"), ("US-CA", "L.Ac."), ("US-NY", "Licensed Acupuncturist"),
    ("US-CA", "LAc"), ("US-CA", "l. ac."), ("CA-BC", "R.TCMP"), ("US-AL", "Dipl. Ac. (NCCAOM)"),
])
def test_accepted_titles(code, title):
    assert jurisdictions.get(code).accepts_title(title)


@pytest.mark.parametrize("code, title", [
    ("US-NM", "L.Ac."), ("US-CA", "EAMP"), ("US-WA", "A.P."), ("US-RI", "L.Ac."), ("CA-ON", "L.Ac."),
    ("US-CA", ""), ("US-CA", "..."),
])
def test_titles_a_jurisdiction_does_not_use(code, title):
    assert not jurisdictions.get(code).accepts_title(title)


def test_canonical_title_gives_the_jurisdictions_spelling():
    assert jurisdictions.get("US-CA").canonical_title("lac") == "L.Ac."
    assert jurisdictions.get("US-CA").canonical_title("DOM") is None


def test_california_number_format_is_documented():
    ca = jurisdictions.get("US-CA")
    assert ca.pattern_documented and ca.number_example == "AC12345"
    assert ca.number_matches("AC12345") and not ca.number_matches("AC1234") and not ca.number_matches("12345")


def test_renewal_cycles():
    assert jurisdictions.get("US-CA").renewal_months == 24
    assert jurisdictions.get("US-NY").renewal_months == 36
    assert jurisdictions.get("US-WA").renewal_months == 12


def test_get_is_forgiving_about_case_and_spaces_and_unknown_is_none():
    assert jurisdictions.get(" us-ca ").code == "US-CA"
    assert jurisdictions.get("US-ZZ") is None
    assert jurisdictions.get("") is None


def test_all_jurisdictions_sorted_by_country_then_name():
    entries = jurisdictions.all_jurisdictions()
    countries = [j.country for j in entries]
    assert countries.index("US") < countries.index("CA") < countries.index("AU") < countries.index("GB")
    for country in ("US", "CA", "AU", "GB"):
        names = [j.name for j in entries if j.country == country]
        assert names == sorted(names)


def test_choices_are_grouped_by_country_for_a_select():
    groups = dict(jurisdictions.choices())
    assert list(groups) == ["United States", "Canada", "Australia", "United Kingdom"]
    assert ("US-CA", "California") in groups["United States"]
    assert ("CA-ON", "Ontario") in groups["Canada"]
    assert sum(len(options) for options in groups.values()) == len(jurisdictions.all_jurisdictions())


# A bad edit to the file is refused, naming the entry.

GOOD_HEADER = """
[countries.US]
name = "United States"
[countries.US.defaults]
licensed = true
titles = ["L.Ac."]
number_pattern = '^[A-Z0-9]{3,15}$'
pattern_documented = false
renewal_months = 24
credential_label = "licence"
"""


def load_text(tmp_path, body: str):
    path = tmp_path / "rules.toml"
    path.write_text(GOOD_HEADER + body, encoding="utf-8")
    return jurisdictions.load(path)


def test_a_valid_file_loads_with_defaults_applied(tmp_path):
    rules = load_text(tmp_path, '[[jurisdiction]]\ncode = "US-XX"\nname = "Example"\nregulator = "Board"\n')
    assert rules.by_code["US-XX"].titles == ("L.Ac.",)
    assert rules.by_code["US-XX"].renewal_months == 24


@pytest.mark.parametrize("entry, problem", [
    ('code = "US-XX"\nname = "Example"', "missing regulator"),
    ('code = "US-XX"\nname = "Example"\nregulator = "B"\nnumber_pattern = "^[A-Z"', "does not compile"),
    ('code = "US-XX"\nname = "Example"\nregulator = "B"\nnumber_example = "a b"', "does not match"),
    ('code = "US-XX"\nname = "Example"\nregulator = "B"\nrenewel_months = 12', "unknown key renewel_months"),
    ('code = "US-XX"\nname = "Example"\nregulator = "B"\ncredential_label = "license"', "credential_label"),
    ('code = "US-XX"\nname = "Example"\nregulator = "B"\nlicensed = "yes"', "licensed must be true or false"),
    ('code = "US-XX"\nname = "Example"\nregulator = "B"\ntitles = []', "titles"),
    ('code = "US-XX"\nname = "Example"\nregulator = "B"\nnumber_pattern = ""\npattern_documented = true',
     "pattern_documented needs a number_pattern"),
    ('code = "US-XX"\nname = "Example"\nregulator = "B"\nrenewal_months = "two years"', "renewal_months"),
    ('code = "US-XX"\nname = "Example"\nregulator = "B"\ncountry = "CA"', "country"),
])
def test_a_bad_entry_fails_loudly_naming_the_jurisdiction(tmp_path, entry, problem):
    with pytest.raises(JurisdictionDataError) as error:
        load_text(tmp_path, f"[[jurisdiction]]\n{entry}\n")
    assert "US-XX" in str(error.value) and problem in str(error.value)


def test_duplicate_codes_are_refused(tmp_path):
    entry = '[[jurisdiction]]\ncode = "US-XX"\nname = "Example"\nregulator = "B"\n'
    with pytest.raises(JurisdictionDataError, match="US-XX is defined twice"):
        load_text(tmp_path, entry + entry)


def test_a_malformed_code_or_unknown_country_is_refused(tmp_path):
    with pytest.raises(JurisdictionDataError, match="california: code must be an ISO 3166-2 code"):
        load_text(tmp_path, '[[jurisdiction]]\ncode = "california"\nname = "C"\nregulator = "B"\n')
    with pytest.raises(JurisdictionDataError, match="ZZ-AA"):
        load_text(tmp_path, '[[jurisdiction]]\ncode = "ZZ-AA"\nname = "C"\nregulator = "B"\n')


def test_a_file_that_is_not_toml_is_refused(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("[[jurisdiction]\ncode = ", encoding="utf-8")
    with pytest.raises(JurisdictionDataError, match="rules.toml"):
        jurisdictions.load(path)
