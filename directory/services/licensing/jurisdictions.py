"""Jurisdiction rules for acupuncture credentials, read from ``directory/data/jurisdictions.toml``.

The rules are data: adding or correcting a jurisdiction is an edit to that file only.
The file is validated as a whole the first time it is read; any problem raises
``JurisdictionDataError`` naming the jurisdiction, so a bad edit fails at start-up and in
the test suite rather than when a practitioner happens to pick that jurisdiction.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "jurisdictions.toml"

CREDENTIAL_LABELS = ("licence", "registration", "certification")
_CODE = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")
_REQUIRED = ("name", "licensed", "regulator", "titles", "number_pattern",
             "pattern_documented", "renewal_months", "credential_label")
_OPTIONAL = ("country", "number_example", "notes")


class JurisdictionDataError(ValueError):
    pass


def _title_key(title: str) -> str:
    # "L.Ac.", "LAc" and "l. ac" are one title as people type it; so are "R.TCM.P." and "R.TCMP".
    return re.sub(r"[\W_]", "", title).casefold()


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    country: str
    name: str
    licensed: bool
    regulator: str
    titles: tuple[str, ...]
    number_pattern: str | None
    pattern_documented: bool
    renewal_months: int | None
    credential_label: str
    number_example: str | None = None
    notes: str = ""

    def accepts_title(self, title: str) -> bool:
        key = _title_key(title or "")
        return bool(key) and any(_title_key(t) == key for t in self.titles)

    def canonical_title(self, title: str) -> str | None:
        """The title as this jurisdiction spells it ("lac" -> "L.Ac."), or None if not accepted."""
        key = _title_key(title or "")
        return next((t for t in self.titles if _title_key(t) == key), None)

    def number_matches(self, number_normalized: str) -> bool:
        return self.number_pattern is None or re.fullmatch(self.number_pattern, number_normalized) is not None


@dataclass(frozen=True)
class _Rules:
    countries: dict[str, str]
    by_code: dict[str, Jurisdiction]


def load(path: Path = DATA_FILE) -> _Rules:
    """Read and validate a rules file (the app's own is read once, through ``_rules``)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise JurisdictionDataError(f"{path.name}: {error}") from error
    countries = raw.get("countries")
    if not isinstance(countries, dict) or not countries:
        raise JurisdictionDataError(f"{path.name}: a [countries] table is required")
    names: dict[str, str] = {}
    for code, country in countries.items():
        if not isinstance(country, dict) or not isinstance(country.get("name"), str):
            raise JurisdictionDataError(f"{path.name}: [countries.{code}] needs a name")
        names[code] = country["name"]
    entries = raw.get("jurisdiction")
    if not isinstance(entries, list) or not entries:
        raise JurisdictionDataError(f"{path.name}: no [[jurisdiction]] entries")
    by_code: dict[str, Jurisdiction] = {}
    for position, entry in enumerate(entries, start=1):
        code = entry.get("code") if isinstance(entry.get("code"), str) else f"entry #{position}"
        if code in by_code:
            raise JurisdictionDataError(f"{path.name}: {code} is defined twice")
        country_table = countries.get(code.partition("-")[0], {})
        by_code[code] = _build(code, {**country_table.get("defaults", {}), **entry}, names, path.name)
    return _Rules(countries=names, by_code=by_code)


def _build(code: str, values: dict, countries: dict[str, str], filename: str) -> Jurisdiction:
    def bad(problem: str) -> JurisdictionDataError:
        return JurisdictionDataError(f"{filename}: {code}: {problem}")

    if not _CODE.fullmatch(code):
        raise bad("code must be an ISO 3166-2 code such as US-CA")
    values = {"country": code.partition("-")[0], **{k: v for k, v in values.items() if k != "code"}}
    missing = [key for key in _REQUIRED if key not in values]
    if missing:
        raise bad(f"missing {', '.join(missing)}")
    unknown = sorted(set(values) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise bad(f"unknown key {', '.join(unknown)}")
    if values["country"] not in countries or code.partition("-")[0] != values["country"]:
        raise bad(f"country {values['country']!r} must match the code and be in [countries]")
    for key in ("name", "regulator"):
        if not isinstance(values[key], str) or not values[key].strip():
            raise bad(f"{key} must be a non-empty string")
    for key in ("licensed", "pattern_documented"):
        if not isinstance(values[key], bool):
            raise bad(f"{key} must be true or false")
    titles = values["titles"]
    if not isinstance(titles, list) or not titles or not all(isinstance(t, str) and t.strip() for t in titles):
        raise bad("titles must be a non-empty list of strings")
    pattern = values["number_pattern"] or None
    if pattern is not None:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as error:
            raise bad(f"number_pattern does not compile: {error}") from error
    if values["pattern_documented"] and pattern is None:
        raise bad("pattern_documented needs a number_pattern")
    example = values.get("number_example")
    if example is not None and (pattern is None or not re.fullmatch(pattern, example)):
        raise bad(f"number_example {example!r} does not match number_pattern")
    renewal = values["renewal_months"]
    if isinstance(renewal, bool) or not isinstance(renewal, int) or not 0 <= renewal <= 120:
        raise bad("renewal_months must be a whole number of months (0 = no fixed cycle)")
    if values["credential_label"] not in CREDENTIAL_LABELS:
        raise bad(f"credential_label must be one of {', '.join(CREDENTIAL_LABELS)}")
    return Jurisdiction(
        code=code, country=values["country"], name=values["name"].strip(), licensed=values["licensed"],
        regulator=values["regulator"].strip(), titles=tuple(t.strip() for t in titles),
        number_pattern=pattern, pattern_documented=values["pattern_documented"],
        renewal_months=renewal or None, credential_label=values["credential_label"],
        number_example=example, notes=str(values.get("notes", "")).strip())


@cache
def _rules() -> _Rules:
    return load()


def get(code: str) -> Jurisdiction | None:
    return _rules().by_code.get((code or "").strip().upper())


def country_name(country: str) -> str:
    return _rules().countries.get(country, country)


def all_jurisdictions() -> list[Jurisdiction]:
    """By country (in the file's [countries] order: United States first), then by name."""
    order = {code: i for i, code in enumerate(_rules().countries)}
    return sorted(_rules().by_code.values(), key=lambda j: (order[j.country], j.name))


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(country name, [(code, name), ...]), ...]`` for a grouped ``<select>``."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for jurisdiction in all_jurisdictions():
        groups.setdefault(country_name(jurisdiction.country), []).append((jurisdiction.code, jurisdiction.name))
    return list(groups.items())
