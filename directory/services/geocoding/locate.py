"""Geocoding: turn what a person typed into a place on the map.

``OfflineGeocoder`` (a geopy geocoder, in ``offline_geocoder``) answers from the
``zipcodes`` package's bundled ZIP centroids, which carry time zones, and parses
"lat,lon" itself. With GEOCODER=nominatim, what it cannot answer (a street address)
goes to Nominatim behind geopy's RateLimiter, cached in the database (``geocode_cache``).
"""
from __future__ import annotations

import logging
import re
from dataclasses import replace

from flask import current_app, has_app_context
from geopy.location import Location

from directory.services.geocoding.network import network_place
from directory.services.geocoding.offline import (COUNTRY_SUFFIX_RE, ZIP_RE, OfflineGeocoder, city_location,
                                                 lookup, parse_city_state, zip_location)
from directory.services.geocoding.places import ACCEPTED_FORMS, COVERAGE, LocationNotFound, Place, echo, normalise
from directory.services.geocoding.zip_index import find_city, state_code

__all__ = ["ACCEPTED_FORMS", "LocationNotFound", "OfflineGeocoder", "Place", "coverage", "locate",
           "locate_address", "normalise", "searched_countries"]

log = logging.getLogger(__name__)

_TRAILING_ZIP_RE = re.compile(r".*[\s,]([0-9]{5})(?:-[0-9]{4})?")


def _place(location: Location) -> Place:
    raw = location.raw or {}
    return Place(latitude=location.latitude, longitude=location.longitude, label=location.address,
                 postal_code=raw.get("postal_code"), city=raw.get("city"), region=raw.get("region"),
                 country=raw.get("country") or "", timezone=raw.get("timezone"),
                 source=raw.get("source", "offline"))


def _trailing_zip(value: str) -> Place | None:
    """For "123 Main St, Portland, OR 97205": the ZIP's area, labelled as such."""
    match = _TRAILING_ZIP_RE.fullmatch(value)
    if not match:
        return None
    try:
        place = _place(zip_location(match.group(1)))
    except LocationNotFound:
        return None
    return replace(place, label=f"ZIP {place.postal_code} ({place.city}, {place.region})")


def _trailing_city(value: str) -> str | None:
    """For "1600 Amphitheatre Pkwy, Mountain View, CA": "Mountain View, CA", when it is found."""
    parts = [p.strip() for p in COUNTRY_SUFFIX_RE.sub("", value).split(",")]
    if len(parts) < 3:
        return None
    try:
        location = parse_city_state(f"{parts[-2]}, {parts[-1]}")
    except LocationNotFound:
        return None
    return location.address if location else None


def _unrecognised(value: str) -> LocationNotFound:
    city = _trailing_city(value)
    if city or (value[:1].isdigit() and any(c.isalpha() for c in value)):
        hint = f' Try "{city}" or its ZIP code.' if city else ""
        return LocationNotFound(f"Search by street address is not available here: enter {ACCEPTED_FORMS}.{hint}",
                                suggestions=(city,) if city else ())
    return LocationNotFound(f'"{echo(value)}" was not found. Enter {ACCEPTED_FORMS}. {COVERAGE[("US",)]}')


def searched_countries() -> tuple[str, ...]:
    """Where search can find a place: clinics elsewhere would never be found."""
    return ("US", "CA") if _network_enabled() else ("US",)


def coverage() -> str:
    return COVERAGE[searched_countries()]


def _network_enabled() -> bool:
    return has_app_context() and current_app.config["GEOCODER"] == "nominatim"


def locate(query: str) -> Place:
    """Where ``query`` is; raises LocationNotFound with a message for the user."""
    value = normalise(query)
    if not value:
        raise LocationNotFound(f"Enter a location: {ACCEPTED_FORMS}.")
    if not any(c.isalnum() for c in value):
        raise LocationNotFound(f'"{echo(value)}" is not a place name. Enter {ACCEPTED_FORMS}.')
    online = _network_enabled()
    offline_error = None
    try:
        location = lookup(value)
    except LocationNotFound as exc:
        if not (online and exc.retry_online):
            raise
        location, offline_error = None, exc
    if location is not None:
        return _place(location)
    if not online:
        fallback = _trailing_zip(value)
        if fallback is None:
            raise _unrecognised(value)
        return fallback
    try:
        return network_place(value)
    except LocationNotFound as network_error:
        fallback = _trailing_zip(value)  # better the ZIP's area than nothing
        if fallback is None:
            # "No city called X in Illinois" says more than "no match" or "unavailable".
            raise (offline_error or network_error) from None
        return fallback


def locate_address(address: str, city: str, region: str, postal_code: str, country: str = "US") -> Place:
    """Where a clinic is: the full address through the network geocoder when one is
    configured, else the ZIP code's centroid, else the city's."""
    address, city, region, postal_code = (normalise(v) for v in (address, city, region, postal_code))
    country = (normalise(country) or "US").upper()
    state = state_code(region) if country == "US" else None
    region = state or region.upper()
    zip_match = ZIP_RE.fullmatch(postal_code) if country == "US" else None
    zip_place = _place(zip_location(zip_match.group(1))) if zip_match else None
    if zip_place is not None and state and zip_place.region != state:
        raise LocationNotFound(f"ZIP code {zip_place.postal_code} is in {zip_place.region}, not {state}.")
    if address and _network_enabled():
        full = normalise(", ".join(p for p in (address, city, f"{region} {postal_code}".strip()) if p))
        try:
            place = network_place(full, country=country.lower())
        except LocationNotFound as exc:
            log.info("Falling back to the ZIP code or city for %r: %s", full, exc)
        else:
            timezone = zip_place.timezone if zip_place else place.timezone
            return replace(place, postal_code=zip_place.postal_code if zip_place else postal_code or None,
                           city=city or None, region=region or None, country=country, timezone=timezone)
    if zip_place is not None:
        return replace(zip_place, city=city or zip_place.city)
    if state and city and (found := find_city(city, state)):
        return replace(_place(city_location(found)), postal_code=postal_code or None)
    if country != "US":
        raise LocationNotFound("Addresses outside the US need a network geocoder, which is not enabled.")
    raise LocationNotFound("Could not locate this address: check the ZIP code, the city and the state.")
