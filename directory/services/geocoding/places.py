"""What every geocoder here shares: the Place it answers with, the error it raises, and
how what a person typed is cleaned up first. Imports nothing from the project, so the
geocoding modules can all depend on it."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

ACCEPTED_FORMS = ('a US ZIP code (94110 or 94110-1234), "City, ST" or "City, State" '
                  '(Portland, OR), or coordinates as "lat,lon" (40.7128,-74.0060)')
# Which places search can find: the offline data is US ZIP codes only; a network
# geocoder also finds Canadian ones, where clinics may then be entered.
COVERAGE = {
    ("US",): "Search covers the United States: the 50 states, DC, Puerto Rico and the other US territories.",
    ("US", "CA"): "Search covers the United States (with its territories) and Canada.",
}
MAX_QUERY_LENGTH = 300  # the cache column's size; no real place needs more
_TOO_LONG = f"That location is too long (at most {MAX_QUERY_LENGTH} characters)."


class LocationNotFound(ValueError):
    """str(exc) is a message for the person who typed the location."""

    def __init__(self, message: str, *, retry_online: bool = False, suggestions: tuple[str, ...] = ()):
        super().__init__(message)
        # True when a network geocoder might know what the offline data does not.
        self.retry_online = retry_online
        # What the person may have meant, likeliest first: each is a location that is found.
        self.suggestions = tuple(suggestions)


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    label: str
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str = "US"
    timezone: str | None = None
    source: str = "offline"  # how it was found: zip, city, coordinates or nominatim


def normalise(query: str | None) -> str:
    """Whitespace collapsed, compatibility forms folded; raises on what cannot be a place."""
    if query is None:
        return ""
    if not isinstance(query, str):
        raise LocationNotFound(f"Enter a location as text: {ACCEPTED_FORMS}.")
    if len(query) > 4 * MAX_QUERY_LENGTH:  # don't spend time normalising megabytes
        raise LocationNotFound(_TOO_LONG)
    value = unicodedata.normalize("NFKC", query)
    value = "".join(c for c in value if unicodedata.category(c) != "Cf")  # zero-width, BOM
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co") and not c.isspace() for c in value):
        raise LocationNotFound("That location contains control characters, which no place name "
                               f"has. Enter {ACCEPTED_FORMS}.")
    value = " ".join(value.split())
    if len(value) > MAX_QUERY_LENGTH:
        raise LocationNotFound(_TOO_LONG)
    return value


def echo(value: str, limit: int = 60) -> str:
    """``value`` short enough to quote back in a message."""
    return value if len(value) <= limit else value[: limit - 1] + "…"
