"""Small pure helpers that turn stored values into the words people read.

Shared by the HTML pages and the JSON API, so a fee or a licence badge reads the
same everywhere.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from directory.data.places import JURISDICTION_NAMES
from directory.data.vocabulary import COMPLEMENTARY_THERAPIES, TECHNIQUES
from directory.services.licensing import jurisdictions

CURRENCY_SYMBOLS = {"USD": "$", "CAD": "CA$"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def jurisdiction_name(code: str | None) -> str:
    """"US-CA" -> "California"; an unknown code is shown as given."""
    if not code:
        return ""
    code = code.strip().upper()
    if code in JURISDICTION_NAMES:
        return JURISDICTION_NAMES[code]
    found = jurisdictions.get(code)  # the rules file also names Australian and UK places
    return found.name if found is not None else code


def region_name(country: str, region: str) -> str:
    return jurisdiction_name(f"{country}-{region}")


def short_date(value: date | datetime | None) -> str:
    """12 Mar 2026, independent of the server's locale."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def money(cents: int | None, currency: str = "USD") -> str:
    """12000 -> "$120", 12050 -> "$120.50"; empty when not given."""
    if cents is None:
        return ""
    whole, rest = divmod(abs(int(cents)), 100)
    amount = f"{whole:,}" if rest == 0 else f"{whole:,}.{rest:02d}"
    sign = "-" if cents < 0 else ""
    symbol = CURRENCY_SYMBOLS.get((currency or "USD").upper())
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency.upper()}"


def _labels(slugs: Iterable[str] | None, vocabulary: dict[str, str]) -> list[str]:
    # Unknown slugs still read as words rather than disappearing.
    return [vocabulary.get(s) or s.replace("-", " ").capitalize() for s in (slugs or []) if s]


def technique_labels(slugs: Iterable[str] | None) -> list[str]:
    return _labels(slugs, TECHNIQUES)


def therapy_labels(slugs: Iterable[str] | None) -> list[str]:
    return _labels(slugs, COMPLEMENTARY_THERAPIES)


def licence_badge(verified_at: date | datetime | None, jurisdiction: str) -> str:
    """ "Licence verified 12 Mar 2026 · California"."""
    place = jurisdiction_name(jurisdiction)
    when = short_date(verified_at)
    return f"Licence verified {when} · {place}" if when else f"Licence verified · {place}"


def distance_text(distance: float | None, unit: str) -> str:
    """3.4321 -> "3.4 mi"; very close places don't claim to be 0 away."""
    if distance is None:
        return ""
    if distance < 0.05:
        return f"under 0.1 {unit}"
    return f"{distance:.1f} {unit}"


def years_text(years: int | None) -> str:
    years = years or 0
    if years == 0:
        return "Less than a year treating chronic pain"
    return f"{years} year{'s' if years != 1 else ''} treating chronic pain"
