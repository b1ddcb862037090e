"""Finding what a URL names, the same way on every API route."""
from __future__ import annotations

from directory.errors.handlers import json_error
from directory.services.booking.queries import parse_id
from directory.services.search import profiles


def listed_profile(raw_id: str) -> profiles.PublicProfile | None:
    """The listed practitioner a path's id names; None for a malformed, unknown or unlisted id."""
    found_id = parse_id(raw_id)
    return profiles.listed_profile(found_id) if found_id is not None else None


def not_listed(raw_id: str):
    return json_error(404, "not_found", f"No listed practitioner has the id {raw_id[:40]!r}.")
