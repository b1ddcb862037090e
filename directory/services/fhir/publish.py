"""What `$bulk-publish` lists and what each of its files holds.

Who appears: exactly the profiles ``profiles.listed_profile`` shows (listed, not suspended,
a verified unexpired licence for the clinic's jurisdiction), read from the search index in
bulk, and only at the clinics that index lists them at.

Slots: free first visits from ``scheduling.free_slots``, on each clinic's local days from
today for ``SLOT_DAYS`` days, and none at all while a
practitioner does not accept new patients: a published free slot must be bookable by anyone.
Follow-up visits are only for returning patients, so they are never published.

Files are computed when fetched, from the data as it is then; nothing is stored.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.models import AppointmentKind, Clinic, ListingState, Practitioner, SearchEntry
from directory.services.fhir import resources
from directory.services.booking import scheduling
from directory.services.search import profiles

# Fourteen local days: at 5,000 demo practitioners the booking horizon
# (60 days by default) would make the slot files four times as large for times few people
# book from an aggregator (README, "Open availability").
SLOT_DAYS = 14
CHUNK = 500
NDJSON = "application/fhir+ndjson"
RESOURCE_FILES = ("Location", "PractitionerRole", "Schedule")
PLACEHOLDER = "0000-00-00T00:00:00Z"
JURISDICTION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


@dataclass(frozen=True)
class Listed:
    practitioner: Practitioner
    clinics: list[Clinic]     # the clinics the listing rule shows, by id


@dataclass(frozen=True)
class Links:
    """Absolute URLs, built by the caller (the service has no request)."""
    file: Callable[[str], str]                    # resource type -> its file
    slot_file: Callable[[str], str]               # jurisdiction code -> its Slot file
    profile: Callable[[int], str]                 # practitioner id -> profile page
    booking: Callable[[int, int, str], str]       # practitioner, clinic, UTC start -> booking page
    site: str                                     # identifier system for clinic ids
    manifest: str                                 # the manifest's own address


def utc_start(moment: datetime) -> str:
    """A slot's start as the booking link carries it (the profile's own links do the same)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def state_hint(country: str, region: str) -> str:
    """The manifest's ``state`` tag: the USPS code in the US, the ISO 3166-2 code elsewhere."""
    return region.upper() if country.upper() == "US" else f"{country}-{region}".upper()


def _entries(today: date, *conditions) -> dict[int, list[int]]:
    rows = db.session.execute(
        select(SearchEntry.practitioner_id, SearchEntry.clinic_id)
        .join(Practitioner, Practitioner.id == SearchEntry.practitioner_id)
        .join(Clinic, Clinic.id == SearchEntry.clinic_id)
        .where(SearchEntry.expires_on >= today, Practitioner.listing_state == ListingState.LISTED, *conditions)
        .order_by(SearchEntry.practitioner_id, SearchEntry.clinic_id))
    found: dict[int, list[int]] = {}
    for practitioner_id, clinic_id in rows:
        found.setdefault(practitioner_id, []).append(clinic_id)
    return found


def listed(today: date, *conditions) -> Iterator[Listed]:
    """Listed practitioners by id with their listed clinics, loaded CHUNK at a time."""
    entries = _entries(today, *conditions)
    ids = list(entries)
    for at in range(0, len(ids), CHUNK):
        chunk = ids[at:at + CHUNK]
        practitioners = db.session.scalars(
            select(Practitioner).where(Practitioner.id.in_(chunk)).order_by(Practitioner.id)
            .options(selectinload(Practitioner.clinics), selectinload(Practitioner.licences)))
        for practitioner in practitioners:
            wanted = set(entries[practitioner.id])
            yield Listed(practitioner, [c for c in practitioner.clinics if c.id in wanted])


def jurisdictions(today: date) -> list[tuple[str, str]]:
    """(country, region) of every clinic someone is listed at, sorted."""
    return sorted(set(db.session.execute(
        select(func.upper(Clinic.country), func.upper(Clinic.region)).join(SearchEntry, SearchEntry.clinic_id == Clinic.id)
        .join(Practitioner, Practitioner.id == SearchEntry.practitioner_id)
        .where(SearchEntry.expires_on >= today, Practitioner.listing_state == ListingState.LISTED)
        .distinct()).all()))


def manifest(links: Links, *, now: datetime, today: date) -> dict:
    output = [{"type": kind, "url": links.file(kind)} for kind in RESOURCE_FILES]
    output += [{"type": "Slot", "url": links.slot_file(f"{country}-{region}"),
                "extension": {"state": [state_hint(country, region)]}}
               for country, region in jurisdictions(today)]
    return {"transactionTime": resources.instant(now), "request": links.manifest, "output": output, "error": []}


def first_visit_slots(practitioner: Practitioner, clinics: list[Clinic], now: datetime) -> list[scheduling.Slot]:
    """The free first-visit slots this feed publishes for these clinics, sorted by start."""
    if not practitioner.accepting_new_patients or not clinics:
        return []
    todays = {c.id: (now.astimezone(scheduling.zone(c.timezone)).date(), c.timezone) for c in clinics}
    first = min(day for day, _ in todays.values())
    span = (max(day for day, _ in todays.values()) - first).days + SLOT_DAYS
    found = scheduling.free_slots(practitioner, start=first, days=span, kind=AppointmentKind.INITIAL, now=now)
    last = timedelta(days=SLOT_DAYS)
    return [s for s in found if s.clinic_id in todays
            and todays[s.clinic_id][0] <= s.start.astimezone(scheduling.zone(todays[s.clinic_id][1])).date()
            < todays[s.clinic_id][0] + last]


def resource_lines(kind: str, links: Links, *, today: date) -> Iterator[dict]:
    for entry in listed(today):
        practitioner = entry.practitioner
        if kind == "Location":
            profile_url = links.profile(practitioner.id)
            for clinic in entry.clinics:
                yield resources.location(clinic, practitioner, identifier_system=links.site, profile_url=profile_url)
        elif kind == "PractitionerRole":
            yield resources.practitioner_role(practitioner, entry.clinics,
                                              profiles.shown_licences(practitioner, today))
        elif kind == "Schedule":
            for clinic in entry.clinics:
                yield resources.schedule(practitioner, clinic)
        else:
            raise ValueError(f"no {kind} file")


def slot_lines(jurisdiction: str, links: Links, *, now: datetime, today: date) -> Iterator[dict]:
    """Free slots at the listed clinics of one jurisdiction ("US-CA"), practitioner by practitioner."""
    country, _, region = jurisdiction.partition("-")
    for entry in listed(today, func.upper(Clinic.country) == country, func.upper(Clinic.region) == region):
        practitioner = entry.practitioner
        clinics = [c for c in entry.clinics if c.country.upper() == country and c.region.upper() == region]
        by_id = {c.id: c for c in clinics}
        # Building a URL costs as much as computing the slots: build one per clinic and put
        # each start in it (a start's characters are never percent-encoded).
        templates = {c.id: links.booking(practitioner.id, c.id, PLACEHOLDER) for c in clinics}
        for found in first_visit_slots(practitioner, clinics, now):
            url = templates[found.clinic_id].replace(f"start={PLACEHOLDER}", f"start={utc_start(found.start)}", 1)
            yield resources.slot(practitioner.id, found, by_id[found.clinic_id], booking_url=url)


def ndjson(lines: Iterator[dict]) -> str:
    return "".join(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n" for line in lines)
