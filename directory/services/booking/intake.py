"""The intake a patient fills in when requesting an appointment, and the red-flag screen.

``validate_intake`` takes what a form or the API sent and returns the clean dict that is
stored (encrypted) on the appointment:

    {"reason": str, "pain_duration": one of PAIN_DURATIONS, "pain_score": 0..10,
     "medical_history": str, "medications": str,
     "safety": {key: bool for key in SAFETY_FLAGS}, "red_flags": {key: bool for key in RED_FLAGS}}

``safety`` and ``red_flags`` must be present as mappings (a misspelt section must not skip
the screen); inside them a missing key means "no", an unknown key is an error. Booleans
may be given as JSON booleans or as form strings ("y", "on", "true", "1" / "", "n", "false", "0").
Unknown top-level keys (a form's csrf_token, submit button) are ignored.

Any ticked red flag raises RedFlag before anything else is checked: the patient is told to
seek urgent care, whatever else they typed.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

INTAKE_FIELDS = {
    "reason": "Reason for the visit",
    "pain_duration": "How long the pain has lasted",
    "pain_score": "Pain now, from 0 (none) to 10 (worst imaginable)",
    "medical_history": "Medical history",
    "medications": "Current medications",
    "safety": "Needling safety",
    "red_flags": "Urgent symptoms",
}

PAIN_DURATIONS = {
    "under_6_weeks": "Less than 6 weeks",
    "6_to_12_weeks": "6 to 12 weeks",
    "3_to_12_months": "3 to 12 months",
    "over_1_year": "More than a year",
}

SAFETY_FLAGS = {
    "anticoagulants": "I take anticoagulants (blood thinners) or have a bleeding disorder",
    "pregnancy": "I am or may be pregnant",
    "implanted_device": "I have a pacemaker or another implanted electrical device",
    "needle_fear": "I am afraid of needles",
    "prior_reaction": "I have had a bad reaction to acupuncture before",
}

RED_FLAGS = {
    "bladder_bowel": "New loss of bladder or bowel control",
    "saddle_numbness": "Numbness in the groin, buttocks or inner thighs (saddle area)",
    "fever": "Fever together with the back pain",
    "major_trauma": "A recent major injury, such as a fall or a car accident",
    "cancer_history": "A history of cancer",
    "weight_loss": "Weight loss you cannot explain",
    "leg_weakness": "Weakness in one or both legs that is getting worse",
}

URGENT_CARE_MESSAGE = (
    "The symptoms you ticked can be a sign of a serious problem that needs a doctor, not acupuncture. "
    "Please seek urgent medical care now: call your doctor, go to an urgent care centre or emergency "
    "department, or call 911 (or your local emergency number) if symptoms are severe or getting worse. "
    "Your request has not been sent and nothing has been booked."
)

MAX_LENGTHS = {"reason": 2000, "medical_history": 4000, "medications": 2000}
REQUIRED_TEXT = ("reason",)
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"", "0", "false", "no", "n", "off"}


class IntakeError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class RedFlag(Exception):
    def __init__(self, flags: list[str]) -> None:
        super().__init__(URGENT_CARE_MESSAGE)
        self.flags = flags  # labels, in RED_FLAGS order
        self.message = URGENT_CARE_MESSAGE


def _boolean(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return None


def _flags(data: Mapping, section: str, choices: dict[str, str], errors: dict[str, str]) -> dict[str, bool]:
    raw = data.get(section)
    if not isinstance(raw, Mapping):
        errors[section] = "Answer these questions (send an object with a true/false answer for each)."
        return {key: False for key in choices}
    unknown = sorted(str(key) for key in raw if key not in choices)
    if unknown:
        errors[section] = f"Unknown question: {', '.join(unknown)}."
    clean = {}
    for key in choices:
        value = _boolean(raw.get(key))
        if value is None:
            errors[f"{section}.{key}"] = "Answer yes or no."
            value = False
        clean[key] = value
    return clean


def _text(data: Mapping, field: str, errors: dict[str, str]) -> str:
    value = data.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = "Enter text."
        return ""
    value = value.strip().replace("\r\n", "\n")
    if field in REQUIRED_TEXT and not value:
        errors[field] = "Tell the practitioner why you are booking."
    elif len(value) > MAX_LENGTHS[field]:
        errors[field] = f"Keep this under {MAX_LENGTHS[field]} characters (it is {len(value)})."
    return value


def _pain_score(value, errors: dict[str, str]) -> int | None:
    # ASCII digits only, and few of them: int() would take "٧" or choke on 5,000 digits.
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,2}", value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        errors["pain_score"] = "Choose a number from 0 to 10."
        return None
    if not 0 <= value <= 10:
        errors["pain_score"] = "Choose a number from 0 to 10."
        return None
    return value


def validate_intake(data: Mapping) -> dict:
    """The clean intake; raises RedFlag (checked first) or IntakeError (every problem at once)."""
    if not isinstance(data, Mapping):
        raise IntakeError({"intake": "Send the intake as an object."})
    errors: dict[str, str] = {}
    red_flags = _flags(data, "red_flags", RED_FLAGS, errors)
    ticked = [RED_FLAGS[key] for key, value in red_flags.items() if value]
    if ticked:
        raise RedFlag(ticked)
    safety = _flags(data, "safety", SAFETY_FLAGS, errors)
    clean = {
        "reason": _text(data, "reason", errors),
        "pain_duration": data.get("pain_duration"),
        "pain_score": _pain_score(data.get("pain_score"), errors),
        "medical_history": _text(data, "medical_history", errors),
        "medications": _text(data, "medications", errors),
        "safety": safety,
        "red_flags": red_flags,
    }
    if not isinstance(clean["pain_duration"], str) or clean["pain_duration"] not in PAIN_DURATIONS:
        errors["pain_duration"] = "Choose how long the pain has lasted."
    if errors:
        raise IntakeError(errors)
    return clean
