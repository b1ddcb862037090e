"""Triage of a reaction report, by the rules in ``directory/data/triage.toml``.

The rules are data: changing what a symptom means is an edit to that file. The file is
validated as a whole when first read, so a bad edit fails at start-up and in the tests.
"""
from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from directory.models.safety import SEVERITIES, TriageLevel

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "triage.toml"
SEVERITY_WORDS = {
    "mild": "Mild — didn't need anything",
    "moderate": "Moderate — needed something: ice, a painkiller, rest",
    "severe": "Severe — stopped me doing normal things",
}
LEVEL_LABELS = {"none": "Nothing to report", "self_care": "Self-care",
                "contact_practitioner": "Contact practitioner", "urgent": "Urgent"}
_ORDER = [TriageLevel.NONE, TriageLevel.SELF_CARE, TriageLevel.CONTACT_PRACTITIONER, TriageLevel.URGENT]


class TriageDataError(ValueError):
    pass


class SymptomError(ValueError):
    """A symptom code or severity the rules do not know; ``field`` names the bad part."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Symptom:
    code: str
    label: str
    levels: dict[str, TriageLevel]
    reason: str | None


@dataclass(frozen=True)
class Rules:
    symptoms: dict[str, Symptom]
    combinations: list[tuple[frozenset[str], TriageLevel, str]]
    advice: dict[TriageLevel, str]
    labels: dict[TriageLevel, str]


@dataclass(frozen=True)
class Outcome:
    level: TriageLevel
    advice: str
    reasons: list[str]


def _level(value: object, where: str) -> TriageLevel:
    try:
        level = TriageLevel(value)
    except ValueError:
        raise TriageDataError(f"{where}: unknown level {value!r}") from None
    if level is TriageLevel.NONE:
        raise TriageDataError(f"{where}: 'none' is only for a report without symptoms")
    return level


@cache
def rules() -> Rules:
    data = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    advice, labels = {}, {}
    for name, entry in data.get("levels", {}).items():
        level = _level(name, "levels")
        advice[level], labels[level] = entry["advice"].strip(), entry["label"]
    missing = set(_ORDER[1:]) - set(advice)
    if missing:
        raise TriageDataError(f"levels: no advice for {sorted(m.value for m in missing)}")
    symptoms: dict[str, Symptom] = {}
    for entry in data["symptoms"]:
        code = entry["code"]
        if code in symptoms:
            raise TriageDataError(f"symptom {code}: listed twice")
        levels = {severity: _level(entry.get(severity), f"symptom {code}, {severity}") for severity in SEVERITIES}
        symptoms[code] = Symptom(code, entry["label"], levels, entry.get("reason"))
    combinations = []
    for entry in data.get("combinations", []):
        codes = frozenset(entry["codes"])
        if not codes <= symptoms.keys():
            raise TriageDataError(f"combination {sorted(codes)}: unknown symptom")
        combinations.append((codes, _level(entry["level"], f"combination {sorted(codes)}"), entry["reason"]))
    return Rules(symptoms, combinations, advice, labels)


def symptom_codes() -> list[str]:
    return list(rules().symptoms)


def clean(symptoms: Iterable[object]) -> dict[str, str]:
    """``[{"code", "severity"}, ...]`` as {code: severity}, refusing what the rules don't know.
    A symptom named twice keeps its worst severity."""
    chosen: dict[str, str] = {}
    for index, item in enumerate(symptoms):
        if not isinstance(item, dict):
            raise SymptomError("Each symptom is an object with a code and a severity.", f"symptoms[{index}]")
        code, severity = item.get("code"), item.get("severity")
        if not isinstance(code, str) or code not in rules().symptoms:
            raise SymptomError(f"Unknown symptom code. Use one of: {', '.join(symptom_codes())}.",
                               f"symptoms[{index}].code")
        if not isinstance(severity, str) or severity not in SEVERITIES:
            raise SymptomError("Severity must be mild, moderate or severe.", f"symptoms[{index}].severity")
        previous = chosen.get(code)
        if previous is None or SEVERITIES.index(severity) > SEVERITIES.index(previous):
            chosen[code] = severity
    return chosen


def triage(chosen: dict[str, str]) -> Outcome:
    """The level for a cleaned report ({code: severity}); no symptoms is level ``none``."""
    if not chosen:
        return Outcome(TriageLevel.NONE, "Thank you: nothing to report is useful to know too.", [])
    table = rules()
    level, reasons = TriageLevel.SELF_CARE, []
    for code, severity in chosen.items():
        symptom = table.symptoms[code]
        found = symptom.levels[severity]
        level = max(level, found, key=_ORDER.index)
        if found is not TriageLevel.SELF_CARE and symptom.reason:
            reasons.append(symptom.reason)
    for codes, found, reason in table.combinations:
        if codes <= chosen.keys():
            level = max(level, found, key=_ORDER.index)
            reasons.append(reason)
    return Outcome(level, table.advice[level], reasons)


def at_least(level: TriageLevel, floor: TriageLevel) -> bool:
    return _ORDER.index(level) >= _ORDER.index(floor)
