"""``OfflineGeocoder``: a geopy geocoder that answers from the bundled ZIP data (ZIP,
ZIP+4, "City, ST", "City, State", "City, ST ZIP") and parses "lat,lon" itself."""
from __future__ import annotations

import math
import re

from geopy.exc import GeocoderQueryError
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location

from directory.data.places import CANADIAN_PROVINCES, CITY_NICKNAMES
from directory.services.geocoding.places import ACCEPTED_FORMS, COVERAGE, LocationNotFound, echo, normalise
from directory.services.geocoding.zip_index import (STATES, City, find_city, find_zip, largest_city,
                                                    nearest_zip, similar_cities, state_code, states_with_city)

ZIP_RE = re.compile(r"([0-9]{5})(?:\s*-?\s*([0-9]{4}))?")
COUNTRY_SUFFIX_RE = re.compile(r"(?<=\S)\s*,?\s+(?:usa|us|united states(?: of america)?)$", re.I)
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_COORDINATES_RE = re.compile(rf"({_NUMBER})\s*,\s*({_NUMBER})")
_CITY_STATE_ZIP_RE = re.compile(r"(.*?)[\s,]+([0-9]{5}(?:\s*-?\s*[0-9]{4})?)")
# Letters typed for the digits they look like: "1001O" is 10010.
_LOOKALIKES = str.maketrans("OoIilSsB", "00111558")
_ZIP_LOOKALIKE_RE = re.compile(r"[0-9OoIilSsB]{5}")
_WRONG_LENGTH_ZIP_RE = re.compile(r"[0-9]{3,4}|[0-9]{6,8}")
_CANADIAN_POSTAL_RE = re.compile(r"[A-Za-z][0-9][A-Za-z](?:\s?[0-9][A-Za-z][0-9])?")
_CANADA_WORDS = {"canada", *(code.lower() for code in CANADIAN_PROVINCES),
                 *(name.lower() for name in CANADIAN_PROVINCES.values())}


def zip_location(code: str) -> Location:
    z = find_zip(code)
    if z is None:
        raise LocationNotFound(f"ZIP code {code} was not found. Check the number, or enter {ACCEPTED_FORMS}.")
    if not z.located:
        raise LocationNotFound(f"ZIP code {code} is a military mail (APO/FPO) code with no map "
                               f"location. Enter {ACCEPTED_FORMS}.")
    raw = {"postal_code": code, "city": z.city, "region": z.state, "country": "US",
           "timezone": z.timezone or None, "source": "zip"}
    return Location(f"{z.city}, {z.state} {code}", (z.latitude, z.longitude), raw)


def city_location(city: City) -> Location:
    raw = {"postal_code": city.postal_code, "city": city.name, "region": city.state,
           "country": "US", "timezone": city.timezone, "source": "city"}
    return Location(f"{city.name}, {city.state}", (city.latitude, city.longitude), raw)


def _cityish(value: str) -> bool:
    return any(c.isalpha() for c in value) and not any(c.isdigit() or c == "," for c in value)


def _state_splits(value: str) -> list[tuple[str, str]]:
    """Ways to read ``value`` as "<city>[,] <state>": (city text, state code) pairs."""
    if "," in value:
        city, _, state = value.rpartition(",")
        code = state_code(state)
        return [(city.strip(), code)] if code else []
    words = value.split()
    splits = []
    for n in range(1, min(4, len(words)) + 1):  # the longest state name has four words
        code = state_code(" ".join(words[-n:]))
        if code:
            splits.append((" ".join(words[:-n]), code))
    return splits


def _parse_zip(value: str) -> Location | None:
    match = ZIP_RE.fullmatch(value)
    return zip_location(match.group(1)) if match else None


def _parse_coordinates(value: str) -> Location | None:
    match = _COORDINATES_RE.fullmatch(value)
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise LocationNotFound("Coordinates must be a latitude from -90 to 90, then a longitude "
                               "from -180 to 180, e.g. 40.7128,-74.0060.")
    near = nearest_zip(lat, lon)
    raw = {"postal_code": None, "city": None, "region": near.state if near else None,
           "country": "US" if near else None, "timezone": near.timezone if near else None,
           "source": "coordinates"}
    return Location(f"{lat:.4f}, {lon:.4f}", (lat, lon), raw)


def _parse_city_state_zip(value: str) -> Location | None:
    """"Portland, OR 97205": the ZIP decides, as long as the state agrees."""
    match = _CITY_STATE_ZIP_RE.fullmatch(value)
    if not match:
        return None
    head = match.group(1).strip(" ,")
    splits = [(city, state) for city, state in _state_splits(head) if not city or _cityish(city)]
    if not splits:
        return None
    code = match.group(2)[:5]
    location = zip_location(code)
    if all(state != location.raw["region"] for _, state in splits):
        raise LocationNotFound(f"ZIP code {code} is in {location.raw['region']}, not {splits[0][1]}. "
                               "Check the ZIP code and the state.")
    return location


def _did_you_mean(places: list[str]) -> str:
    return "Did you mean " + " or ".join(places) + "?"


def _nickname(name: str) -> str | None:
    return CITY_NICKNAMES.get(" ".join(name.casefold().replace(".", "").split()))


def _close_to(name: str, state: str | None) -> list[str]:
    """Places the person may have meant by ``name``: a nickname's city, or a near spelling."""
    nickname = _nickname(name)
    if nickname:
        return [nickname]
    return [f"{city}, {where}" for city, where in similar_cities(name, state)]


def _city_alone(value: str) -> Location | None:
    """A city without its state: found when one state has it, else the choices or near spellings."""
    states = states_with_city(value)
    nickname = _nickname(value)
    if len(states) == 1 and not nickname:
        return city_location(find_city(value, states[0]))
    if len(states) > 1:
        choices = tuple(f"{find_city(value, state).name}, {state}" for state in states[:8])
        raise LocationNotFound(f'There is a "{echo(value)}" in {len(states)} states: add the state, e.g. '
                               f'"{choices[0]}".', retry_online=True, suggestions=choices)
    if not nickname and (code := state_code(value)):
        example = f"{largest_city(code)}, {code}"
        raise LocationNotFound(f'{STATES[code]} is a whole state: enter a ZIP code or a city in it, e.g. '
                               f'"{example}".', suggestions=(example,))
    close = _close_to(value, None)
    if close:
        raise LocationNotFound(f'No US city called "{echo(value)}" was found. {_did_you_mean(close)}',
                               retry_online=True, suggestions=tuple(close))
    return None


def parse_city_state(value: str) -> Location | None:
    splits = [(city, state) for city, state in _state_splits(value) if _cityish(city)]
    if not splits:
        return _city_alone(value) if _cityish(value) else None
    found = {city for name, state in splits if (city := find_city(name, state))}
    if len(found) > 1:
        raise LocationNotFound(f'"{echo(value)}" could mean more than one place; write it as '
                               '"City, ST", with a comma.', retry_online=True)
    if not found:
        name, state = splits[0]
        close = _close_to(name, state)
        hint = _did_you_mean(close) if close else f"Check the spelling, or enter {ACCEPTED_FORMS}."
        raise LocationNotFound(f'No city called "{echo(name)}" was found in {STATES[state]}. {hint}',
                               retry_online=True, suggestions=tuple(close))
    return city_location(found.pop())


def _mistyped_zip(value: str) -> None:
    """Raises, with the likely ZIP code when there is one, for what looks like a mistyped one."""
    if _ZIP_LOOKALIKE_RE.fullmatch(value) and sum(c.isdigit() for c in value) >= 3:
        code = value.translate(_LOOKALIKES)
        z = find_zip(code)
        likely = z is not None and z.located
        hint = f" Did you mean {code} ({z.city}, {z.state})?" if likely else " Check the number."
        raise LocationNotFound(f'"{value}" has letters in it, but ZIP codes are five digits.{hint}',
                               suggestions=(code,) if likely else ())
    if _WRONG_LENGTH_ZIP_RE.fullmatch(value):
        # A spreadsheet drops the leading zero of New England's and New Jersey's ZIP codes.
        z = find_zip("0" + value) if len(value) == 4 else None
        if z is not None and z.located:
            raise LocationNotFound(f'ZIP codes have five digits; "{value}" has {len(value)}. Did you mean '
                                   f'{z.code} ({z.city}, {z.state})?', suggestions=(z.code,))
        raise LocationNotFound(f'ZIP codes have five digits; "{value}" has {len(value)}. Check the number.')


def _in_canada(value: str) -> None:
    words = value.replace(",", " ").casefold().split()
    named = any(" ".join(words[-n:]) in _CANADA_WORDS for n in (1, 2, 3))
    if _CANADIAN_POSTAL_RE.fullmatch(value) or (named and (len(words) > 1 or "," in value)):
        raise LocationNotFound(f'"{echo(value)}" looks like a place in Canada. {COVERAGE[("US",)]}',
                               retry_online=True)


def lookup(value: str) -> Location | None:
    """``resolve`` for a query already normalised and not empty."""
    value = COUNTRY_SUFFIX_RE.sub("", value)
    for parse in (_parse_zip, _parse_coordinates, _parse_city_state_zip, parse_city_state):
        location = parse(value)
        if location is not None:
            return location
    _mistyped_zip(value)
    _in_canada(value)
    return None


class OfflineGeocoder(Geocoder):
    """A geopy geocoder over the zipcodes data: no network, no key, no rate limit."""

    def __init__(self, *, user_agent: str = "meridian-offline", **kwargs):
        super().__init__(user_agent=user_agent, **kwargs)

    def geocode(self, query, exactly_one=True, timeout=DEFAULT_SENTINEL):
        try:
            location = self.resolve(query)
        except LocationNotFound:
            location = None
        if location is None:
            return None
        return location if exactly_one else [location]

    def resolve(self, query: str) -> Location | None:
        """The Location for an accepted form; None when ``query`` is not one (a street
        address, say). Raises LocationNotFound, with the reason, when it is one but no
        such place exists."""
        if not isinstance(query, str):
            raise GeocoderQueryError("OfflineGeocoder takes a text query.")
        value = normalise(query)
        if not value:
            raise LocationNotFound(f"Enter a location: {ACCEPTED_FORMS}.")
        return lookup(value)
