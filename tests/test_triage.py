"""Triage of reaction reports: every symptom × severity against the rules file, and the rules
the product promises written out here literally (not derived from the code's own tables)."""
from __future__ import annotations

import tomllib

import pytest

from directory.models import TriageLevel
from directory.services.safety import triage
from directory.services.safety.triage import SymptomError

RULES = tomllib.loads(triage.DATA_FILE.read_text(encoding="utf-8"))
CODES = ["bruising_bleeding", "needle_site_pain", "worse_back_pain", "tiredness", "dizziness_fainting",
         "nausea", "headache", "needle_left", "spreading_redness", "fever", "chest_pain_breathless",
         "leg_numbness_weakness", "bladder_bowel_groin", "other"]
URGENT, CONTACT, SELF = TriageLevel.URGENT, TriageLevel.CONTACT_PRACTITIONER, TriageLevel.SELF_CARE


def level(*pairs: tuple[str, str]) -> TriageLevel:
    return triage.triage(triage.clean([{"code": c, "severity": s} for c, s in pairs])).level


def test_the_checklist_has_exactly_the_documented_symptom_codes():
    assert triage.symptom_codes() == CODES


@pytest.mark.parametrize("entry", RULES["symptoms"], ids=lambda e: e["code"])
@pytest.mark.parametrize("severity", ["mild", "moderate", "severe"])
def test_every_symptom_and_severity_gives_the_level_in_the_rules_file(entry, severity):
    assert level((entry["code"], severity)) is TriageLevel(entry[severity])


@pytest.mark.parametrize("severity", ["mild", "moderate", "severe"])
@pytest.mark.parametrize("code", ["chest_pain_breathless", "leg_numbness_weakness", "bladder_bowel_groin"])
def test_chest_pain_breathlessness_and_the_red_flags_are_urgent_at_any_severity(code, severity):
    assert level((code, severity)) is URGENT


@pytest.mark.parametrize("severity", ["mild", "moderate", "severe"])
def test_spreading_redness_with_fever_is_urgent(severity):
    assert level(("spreading_redness", "mild"), ("fever", severity)) is URGENT
    assert level(("spreading_redness", severity), ("fever", "mild")) is URGENT


def test_severe_fainting_is_urgent():
    assert level(("dizziness_fainting", "severe")) is URGENT


@pytest.mark.parametrize("severity", ["mild", "moderate", "severe"])
def test_a_needle_left_in_the_skin_means_contact_the_practitioner(severity):
    assert level(("needle_left", severity)) is CONTACT


@pytest.mark.parametrize("code", ["bruising_bleeding", "needle_site_pain", "tiredness", "nausea", "headache"])
def test_mild_common_reactions_are_self_care(code):
    assert level((code, "mild")) is SELF


def test_a_report_takes_its_most_pressing_symptom():
    assert level(("bruising_bleeding", "mild"), ("chest_pain_breathless", "mild")) is URGENT
    assert level(("tiredness", "mild"), ("needle_left", "mild")) is CONTACT


def test_nothing_to_report_is_level_none():
    outcome = triage.triage(triage.clean([]))
    assert outcome.level is TriageLevel.NONE


def test_urgent_advice_says_to_call_911_or_go_to_an_emergency_department():
    outcome = triage.triage(triage.clean([{"code": "chest_pain_breathless", "severity": "mild"}]))
    assert "911" in outcome.advice and "emergency department" in outcome.advice
    assert any("pneumothorax" in reason for reason in outcome.reasons)


@pytest.mark.parametrize("bad, field", [
    ([{"code": "broken_leg", "severity": "mild"}], "symptoms[0].code"),
    ([{"code": "nausea", "severity": "terrible"}], "symptoms[0].severity"),
    ([{"code": "nausea"}], "symptoms[0].severity"),
    (["nausea"], "symptoms[0]"),
    ([{"code": ["nausea"], "severity": "mild"}], "symptoms[0].code"),
])
def test_unknown_codes_and_severities_are_refused_naming_the_field(bad, field):
    with pytest.raises(SymptomError) as caught:
        triage.clean(bad)
    assert caught.value.field == field
