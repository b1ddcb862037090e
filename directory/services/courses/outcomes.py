"""Outcome arithmetic over a course's check-ins: baseline, change, and whether it is meaningful.

The thresholds are data (directory/data/outcome_thresholds.toml, with their sources): pain at
least ``min_points`` AND at least ``min_percent`` % below baseline (Ostelo 2008); function (the
mean PSFS score) at least ``min_points`` above baseline. Comparisons use exact fractions, so a
boundary (7 -> 5 is 28.6 %) never depends on floating point.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

THRESHOLDS_FILE = Path(__file__).resolve().parents[2] / "data" / "outcome_thresholds.toml"


@lru_cache(maxsize=1)
def thresholds() -> dict:
    return tomllib.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))


def global_change_labels() -> dict[int, str]:
    return {value - 3: label for value, label in enumerate(thresholds()["global_change"]["labels"])}


@dataclass(frozen=True)
class Point:
    session: int
    date: str          # ISO date of the session, in the clinic's zone
    pain: int
    function: Fraction  # mean PSFS score
    global_change: int | None = None


def mean_function(answers: dict) -> Fraction:
    scores = [item["score"] for item in answers.get("function") or []]
    return Fraction(sum(scores), len(scores)) if scores else Fraction(0)


def pain_meaningful(baseline: int, latest: int) -> bool:
    rule = thresholds()["pain"]
    drop = baseline - latest
    return baseline > 0 and drop >= rule["min_points"] and Fraction(drop, baseline) * 100 >= rule["min_percent"]


def function_meaningful(baseline: Fraction, latest: Fraction) -> bool:
    return latest - baseline >= thresholds()["function"]["min_points"]


@dataclass(frozen=True)
class Outcomes:
    series: list[Point]

    @property
    def baseline(self) -> Point | None:
        return self.series[0] if self.series else None

    @property
    def latest(self) -> Point | None:
        return self.series[-1] if len(self.series) > 1 else None

    @property
    def pain_change(self) -> int | None:
        return None if self.latest is None else self.latest.pain - self.baseline.pain

    @property
    def function_change(self) -> Fraction | None:
        return None if self.latest is None else self.latest.function - self.baseline.function

    @property
    def pain_meaningful(self) -> bool:
        return self.latest is not None and pain_meaningful(self.baseline.pain, self.latest.pain)

    @property
    def function_meaningful(self) -> bool:
        return self.latest is not None and function_meaningful(self.baseline.function, self.latest.function)

    @property
    def meaningful(self) -> bool:
        return self.pain_meaningful or self.function_meaningful

    def pain_band(self) -> int | None:
        """The highest pain score that would count as meaningfully lower than baseline."""
        if self.baseline is None:
            return None
        ok = [score for score in range(0, 11) if pain_meaningful(self.baseline.pain, score)]
        return max(ok) if ok else None

    def function_band(self) -> Fraction | None:
        if self.baseline is None:
            return None
        target = self.baseline.function + thresholds()["function"]["min_points"]
        return target if target <= 10 else None


def _points(value: Fraction | int) -> str:
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.1f}"


def sentence(outcomes: Outcomes, *, you: bool = True) -> str:
    """The progress in plain words, e.g. "Your pain is 3 points (43%) lower than when you started —
    a meaningful improvement." ``you`` False speaks of the patient in the third person."""
    whose, start = ("Your", "you started") if you else ("The patient's", "the course started")
    if outcomes.baseline is None:
        return "No check-ins yet: the first one is the baseline everything is compared with."
    if outcomes.latest is None:
        return (f"Baseline recorded: pain {outcomes.baseline.pain} out of 10, daily activities "
                f"{_points(outcomes.baseline.function)} out of 10. Progress shows from the next check-in.")
    parts = []
    change, base = outcomes.pain_change, outcomes.baseline.pain
    if change < 0:
        percent = round(Fraction(-change * 100, base))
        quality = "a meaningful improvement" if outcomes.pain_meaningful else "not yet a meaningful change"
        parts.append(f"{whose} pain is {-change} point{'s' if change != -1 else ''} ({percent}%) lower than "
                     f"when {start} — {quality}.")
    elif change > 0:
        parts.append(f"{whose} pain is {change} point{'s' if change != 1 else ''} higher than when {start}.")
    else:
        parts.append(f"{whose} pain is the same as when {start}.")
    f_change = outcomes.function_change
    if f_change > 0:
        quality = "a meaningful improvement" if outcomes.function_meaningful else "not yet a meaningful change"
        parts.append(f"Daily activities are {_points(f_change)} point{'s' if f_change != 1 else ''} easier on "
                     f"average — {quality}.")
    elif f_change < 0:
        parts.append(f"Daily activities are {_points(-f_change)} point{'s' if f_change != -1 else ''} harder on "
                     "average.")
    else:
        parts.append("Daily activities are rated the same on average.")
    return " ".join(parts)


def points(value: Fraction | int | None) -> str:
    return "–" if value is None else _points(value)
