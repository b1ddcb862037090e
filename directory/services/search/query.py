"""Validation of search parameters, shared by the search page and the JSON API."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from directory.data.vocabulary import (COMPLEMENTARY_THERAPIES, INSURANCE, LANGUAGES, TECHNIQUES, insurance_name,
                                       language_name, technique_slug, therapy_slug)
from directory.services.booking.scheduling import booking_clock
from directory.services.geocoding import locate as geocoding
from directory.services.search.area import Filters
from directory.services.search.nearby import MAX_RADIUS, SORTS, UNITS

DEFAULT_RADIUS = 25.0
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_NEAR_LENGTH = 200
MAX_AVAILABLE_WITHIN = 365  # days: the longest booking horizon
MAX_FEE = Decimal("100000")
TRUE_WORDS = {"1", "true", "yes", "on", "y"}
FALSE_WORDS = {"0", "false", "no", "off", "n"}


@dataclass(frozen=True)
class SearchRequest:
    near: str | None = None
    place: geocoding.Place | None = None
    radius: float = DEFAULT_RADIUS
    unit: str = "mi"
    filters: Filters = field(default_factory=Filters)
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "distance"
    available_within: int | None = None  # days, as asked; ``filters.available_by`` is the moment

    @property
    def timely(self) -> bool:
        """Whether the order or the set of results depends on next free times."""
        return self.sort == "soonest" or self.filters.available_by is not None

    @property
    def origin(self) -> tuple[float, float] | None:
        return None if self.place is None else (self.place.latitude, self.place.longitude)


@dataclass(frozen=True)
class ParamError:
    field: str
    code: str  # "unknown_location" or "invalid_parameter"
    message: str
    suggestions: tuple[str, ...] = ()  # for "near": locations that are found, likeliest first


class InvalidSearch(Exception):
    def __init__(self, errors: list[ParamError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, str]:
        return {e.field: e.message for e in self.errors}

    def suggestions(self, field: str) -> tuple[str, ...]:
        return next((e.suggestions for e in self.errors if e.field == field), ())


def _int(args: Mapping[str, str], name: str, default: int | None, low: int, high: int,
         errors: list[ParamError]) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors.append(ParamError(name, "invalid_parameter", f"{name} must be a whole number."))
        return default
    if not low <= value <= high:
        errors.append(ParamError(name, "invalid_parameter", f"{name} must be between {low} and {high}."))
        return default
    return value


def _choice(args: Mapping[str, str], name: str, resolve: Callable[[str], str | None],
            allowed: Iterable[str], errors: list[ParamError]) -> str | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    value = resolve(raw)
    if value is None:
        errors.append(ParamError(name, "invalid_parameter", f"{name} must be one of: {', '.join(allowed)}."))
    return value


def parse(args: Mapping[str, str], *, geocode: bool = True, now: datetime | None = None) -> SearchRequest:
    """Turn query-string values into a SearchRequest, or raise InvalidSearch listing
    every problem. Empty values mean "not given"."""
    errors: list[ParamError] = []

    unit = (args.get("unit") or "mi").strip().lower()
    if unit not in UNITS:
        errors.append(ParamError("unit", "invalid_parameter", "unit must be mi or km."))
        unit = "mi"

    radius = DEFAULT_RADIUS
    raw_radius = (args.get("radius") or "").strip()
    if raw_radius:
        try:
            radius = float(raw_radius)
            if not math.isfinite(radius) or not 0 < radius <= MAX_RADIUS[unit]:
                raise ValueError
        except ValueError:
            errors.append(ParamError(
                "radius", "invalid_parameter",
                f"radius must be a number above 0 and at most {MAX_RADIUS[unit]:g} {unit}."))
            radius = DEFAULT_RADIUS

    page = _int(args, "page", 1, 1, MAX_PAGE, errors)
    per_page = _int(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, errors)
    min_years = _int(args, "min_years", None, 0, 80, errors)

    technique = _choice(args, "technique", technique_slug, TECHNIQUES, errors)
    language = _choice(args, "language", language_name, LANGUAGES, errors)

    therapy = _choice(args, "therapy", therapy_slug, COMPLEMENTARY_THERAPIES, errors)
    insurance = _choice(args, "insurance", insurance_name, INSURANCE, errors)
    available_within = _int(args, "available_within", None, 1, MAX_AVAILABLE_WITHIN, errors)
    max_fee_cents = _money(args, "max_fee", errors)
    sort = (args.get("sort") or "").strip().lower() or "distance"
    if sort not in SORTS:
        errors.append(ParamError("sort", "invalid_parameter", f"sort must be one of: {', '.join(SORTS)}."))

    accepting = None
    raw_accepting = (args.get("accepting") or "").strip().lower()
    if raw_accepting in TRUE_WORDS:
        accepting = True
    elif raw_accepting in FALSE_WORDS:
        accepting = False
    elif raw_accepting:
        errors.append(ParamError("accepting", "invalid_parameter", "accepting must be true or false."))

    near = " ".join((args.get("near") or "").split()) or None
    place = None
    if near is not None:
        if len(near) > MAX_NEAR_LENGTH:
            errors.append(ParamError("near", "invalid_parameter",
                                     f"near must be at most {MAX_NEAR_LENGTH} characters."))
        elif geocode:
            try:
                place = geocoding.locate(near)
            except geocoding.LocationNotFound as exc:
                errors.append(ParamError("near", "unknown_location", str(exc), exc.suggestions))

    if errors:
        raise InvalidSearch(errors)
    return SearchRequest(near=near, place=place, radius=radius, unit=unit,
                         filters=Filters(technique=technique, language=language,
                                         min_years=min_years, accepting=accepting,
                                         insurance=insurance, therapy=therapy, max_fee_cents=max_fee_cents,
                                         available_by=_available_by(available_within, now)),
                         page=page or 1, per_page=per_page or DEFAULT_PER_PAGE, sort=sort,
                         available_within=available_within)


def _available_by(days: int | None, now: datetime | None) -> datetime | None:
    """Slots starting within ``days`` × 24 hours of now (of the minute slots are measured from)."""
    return None if days is None else booking_clock(now) + timedelta(days=days)


def _money(args: Mapping[str, str], name: str, errors: list[ParamError]) -> int | None:
    """An amount in the currency's units ("80", "80.50") as cents."""
    raw = (args.get(name) or "").strip().lstrip("$").replace(",", "")
    if not raw:
        return None
    try:
        amount = Decimal(raw)
        if not amount.is_finite() or not 0 <= amount <= MAX_FEE or amount != amount.quantize(Decimal("0.01")):
            raise InvalidOperation
    except InvalidOperation:
        errors.append(ParamError(name, "invalid_parameter",
                                 f"{name} must be an amount from 0 to {MAX_FEE:,}, like 80 or 80.50."))
        return None
    return int(amount * 100)
