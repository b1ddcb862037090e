"""``OfflineGeocoder``: a geopy geocoder that answers from the bundled ZIP data (ZIP,
ZIP+4, "City, ST", "City, State", "City, ST ZIP") and parses "lat,lon" itself."""
from __future__ import annotations

import math
import re

from geopy.exc import GeocoderQueryError
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location

from directory.services.geocoding.places import ACCEPTED_FORMS, LocationNotFound, echo, normalise
from directory.services.geocoding.zip_index import (STATES, City, find_city, find_zip, nearest_zip, state_code,
                                          states_with_city)

ZIP_RE = re.compile(r"([0-9]{5})(?:\s*-?\s*([0-9]{4}))?")
COUNTRY_SUFFIX_RE = re.compile(r"(?<=\S)\s*,?\s+(?:usa|us|united states(?: of america)?)$", re.I)
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_COORDINATES_RE = re.compile(rf"({_NUMBER})\s*,\s*({_NUMBER})")
_CITY_STATE_ZIP_RE = re.compile(r"(.*?)[\s,]+([0-9]{5}(?:\s*-?\s*[0-9]{4})?)")


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


def parse_city_state(value: str) -> Location | None:
    splits = [(city, state) for city, state in _state_splits(value) if _cityish(city)]
    if not splits:
        if _cityish(value) and (states := states_with_city(value)):
            listed = ", ".join(states[:8]) + (", ..." if len(states) > 8 else "")
            example = f"{find_city(value, states[0]).name}, {states[0]}"
            raise LocationNotFound(f'Add the state to "{echo(value)}" (there is one in {listed}), '
                                   f'e.g. "{example}".', retry_online=True)
        return None
    found = {city for name, state in splits if (city := find_city(name, state))}
    if len(found) > 1:
        raise LocationNotFound(f'"{echo(value)}" could mean more than one place; write it as '
                               '"City, ST", with a comma.', retry_online=True)
    if not found:
        name, state = splits[0]
        raise LocationNotFound(f'No city called "{echo(name)}" was found in {STATES[state]}. Check '
                               f'the spelling, or enter {ACCEPTED_FORMS}.', retry_online=True)
    return city_location(found.pop())


def lookup(value: str) -> Location | None:
    """``resolve`` for a query already normalised and not empty."""
    value = COUNTRY_SUFFIX_RE.sub("", value)
    for parse in (_parse_zip, _parse_coordinates, _parse_city_state_zip, parse_city_state):
        location = parse(value)
        if location is not None:
            return location
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
