"""Searches from a state that does not license acupuncture (``licensed = false`` in
``data/jurisdictions.toml``: Alabama, Oklahoma, South Dakota). No one practising there can
be listed, so such a search says why, and when it finds no one it shows the nearest
licensed practitioners across the state line, with their distance."""
from __future__ import annotations

from dataclasses import dataclass, field

from directory.services.search import nearby as geo
from directory.services.licensing import jurisdictions
from directory.services.search.nearby import MAX_RADIUS, Filters, Hit
from directory.services.geocoding.places import Place

NEAREST_COUNT = 5


@dataclass(frozen=True)
class UnlicensedState:
    state: str  # "AL"
    name: str   # "Alabama"
    message: str
    nearest: list[Hit] = field(default_factory=list)  # only when the search itself found no one


def unlicensed_jurisdiction(place: Place | None) -> jurisdictions.Jurisdiction | None:
    if place is None or place.country != "US" or not place.region:
        return None
    found = jurisdictions.get(f"US-{place.region}")
    return found if found is not None and not found.licensed else None


def explain(place: Place | None, results: geo.Page, filters: Filters) -> UnlicensedState | None:
    """What to say about a search from ``place`` that gave ``results``; None outside such states."""
    jurisdiction = unlicensed_jurisdiction(place)
    if jurisdiction is None or results.origin is None:
        return None
    name = jurisdiction.name
    message = (f"{name} does not license acupuncturists, and Meridian lists only practitioners whose "
               f"state licence it has verified, so no one practising in {name} is listed.")
    nearest: list[Hit] = []
    if results.total:
        message += " The practitioners found are in neighbouring states."
    else:
        limit = MAX_RADIUS[results.unit]
        nearest = geo.search(results.origin, radius=limit, unit=results.unit, filters=filters,
                             per_page=NEAREST_COUNT).hits
        message += (" The nearest licensed practitioners, across the state line, are listed with their distance."
                    if nearest else f" No licensed practitioner is within {limit:g} {results.unit} either.")
    return UnlicensedState(place.region, name, message, nearest)
