"""Plain-dict representations of search results and profiles for the JSON API.

Field names here are the public contract described in ``openapi.py``; add fields,
never rename or remove them.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import url_for

from directory.models import Clinic, Licence, Practitioner
from directory.models._types import as_utc
from directory.services.reviews.reviews import Summary
from directory.services.search.cache import Place
from directory.services.search.live import Recorder
from directory.services.search.nearby import Hit


def iso_datetime(value: datetime | None) -> str | None:
    """UTC, ISO 8601 with a "Z"."""
    if value is None:
        return None
    return as_utc(value).isoformat(timespec="seconds").replace("+00:00", "Z")


def iso_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def rounded_distance(distance: float | None) -> float | None:
    return None if distance is None else round(distance, 1)


def location(clinic: Clinic) -> dict:
    return {
        "clinic_id": clinic.id,
        "lat": clinic.latitude,
        "lon": clinic.longitude,
        "city": clinic.city,
        "region": clinic.region,
        "postal_code": clinic.postal_code or None,
        "country": clinic.country,
    }


def licence(lic: Licence) -> dict:
    return {
        "jurisdiction": lic.jurisdiction,
        "title": lic.title,
        "number": lic.number,
        "verified_at": iso_datetime(lic.verified_at),
        "expires_on": iso_date(lic.expires_on),
    }


def clinic(c: Clinic) -> dict:
    return {
        "id": c.id,
        "name": c.name or None,
        "address": c.address or None,
        "city": c.city,
        "region": c.region,
        "postal_code": c.postal_code or None,
        "country": c.country,
        "lat": c.latitude,
        "lon": c.longitude,
        "timezone": c.timezone,
    }


def rating(found: Summary | None) -> dict | None:
    return None if found is None else {"average": found.average, "count": found.count}


def amount(cents: int | None) -> float | None:
    return None if cents is None else round(cents / 100, 2)


def brief_fees(practitioner: Practitioner) -> dict:
    return {"initial": amount(practitioner.fee_initial_cents), "follow_up": amount(practitioner.fee_follow_up_cents),
            "currency": practitioner.fee_currency or "USD"}


def next_available(start: datetime | None, at: Clinic) -> dict | None:
    """The slot's start in the clinic's own offset, as the booking link and the profile show it."""
    return live_next_available(Place(at.id, (at.timezone,)), start)


def shown_clinic_address(c: Clinic) -> dict:
    return {"id": c.id, "name": c.name or None, "street": c.address or None, "city": c.city,
            "region": c.region, "postal_code": c.postal_code or None}


def photo_url(practitioner: Practitioner) -> str | None:
    if not practitioner.photo_key:
        return None
    return url_for("practitioners.photo", practitioner_id=practitioner.id, key=practitioner.photo_key,
                   _external=True)


def result(hit: Hit, rated: Summary | None, live: Recorder) -> dict:
    """A search result, its next free time a place ``live`` fills in at each serve."""
    found = summary(hit.practitioner, hit.clinic, hit.licence, hit.distance, rated)
    found["next_available"] = live.json(hit.clinic.id, hit.clinic.timezone)
    return found


def live_next_available(place: Place, start: datetime | None) -> dict | None:
    """What ``result``'s place holds for ``start`` (see services.search.live)."""
    (timezone,) = place.view
    if start is None:
        return None
    return {"start": as_utc(start).astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds"),
            "clinic_id": place.clinic_id}


def summary(practitioner: Practitioner, shown_clinic: Clinic, shown_licence: Licence,
            distance: float | None, rated: Summary | None = None, next_start: datetime | None = None) -> dict:
    """One search result: the practitioner at one clinic, with the licence that lists it there,
    the rating from verified reviews (``rated``, looked up for the whole page at once) and the
    clinic's next free first-visit time."""
    return {
        "id": practitioner.id,
        "name": practitioner.display_name,
        "slug": practitioner.slug,
        "credentials": practitioner.credentials or "",
        "distance": rounded_distance(distance),
        "location": location(shown_clinic),
        "licence": licence(shown_licence),
        "years_chronic_pain": practitioner.years_chronic_pain or 0,
        "techniques": list(practitioner.techniques or []),
        "languages": list(practitioner.languages or []),
        "accepting_new_patients": bool(practitioner.accepting_new_patients),
        "rating": rating(rated),
        "next_available": next_available(next_start, shown_clinic),
        "fees": brief_fees(practitioner),
        "insurance": list(practitioner.insurance or []),
        "photo_url": photo_url(practitioner),
        "clinic": shown_clinic_address(shown_clinic),
        "profile_url": url_for("practitioners.profile", practitioner_id=practitioner.id, _external=True),
        "api_url": url_for("api.practitioner", practitioner_id=str(practitioner.id), _external=True),
    }


def fees(practitioner: Practitioner) -> dict:
    return {
        **brief_fees(practitioner),
        "initial_cents": practitioner.fee_initial_cents,
        "follow_up_cents": practitioner.fee_follow_up_cents,
        "sliding_scale": bool(practitioner.sliding_scale),
    }


def detail(practitioner: Practitioner, clinics: list[Clinic], licences: list[Licence],
           shown_clinic: Clinic, shown_licence: Licence, rated: Summary | None = None,
           next_start: datetime | None = None) -> dict:
    """The profile: the search-result fields plus everything a patient may read."""
    return {
        **summary(practitioner, shown_clinic, shown_licence, None, rated, next_start),
        "bio": practitioner.bio or "",
        "back_pain_focus": practitioner.back_pain_focus or "",
        "complementary_therapies": list(practitioner.complementary_therapies or []),
        "fees": fees(practitioner),
        "clinics": [clinic(c) for c in clinics],
        "licences": [licence(lic) for lic in licences],
    }
