"""Free slots grouped for display: per clinic, per local day, with the zone named."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from directory.models import AppointmentKind, Clinic, Practitioner
from directory.models._types import as_utc, utcnow
from directory.services.booking.scheduling import free_slots, zone

# North American zones by standard UTC offset (hours). Zones elsewhere keep their IANA name only.
_GENERIC_NAMES = {-3.5: "Newfoundland", -4: "Atlantic", -5: "Eastern", -6: "Central", -7: "Mountain",
                  -8: "Pacific", -9: "Alaska", -10: "Hawaii-Aleutian"}


def zone_label(name: str, year: int | None = None) -> str:
    """"Pacific Time (America/Los_Angeles)", "Mountain Standard Time (America/Phoenix)"."""
    tz = zone(name)
    year = year or utcnow().year
    offsets = {datetime(year, month, 15, 12, tzinfo=tz).utcoffset() for month in (1, 7)}
    standard = min(offsets).total_seconds() / 3600
    generic = _GENERIC_NAMES.get(standard)
    if generic is None or not (name.startswith("America/") or name == "Pacific/Honolulu"):
        return name
    return f"{generic} {'Time' if len(offsets) > 1 else 'Standard Time'} ({name})"


def clock(value: datetime) -> str:
    """"9:00 AM PDT" (value already in the zone to show). The abbreviation tells the
    repeated hour of a fall-back day apart, and says which half of the year a time is in."""
    return f"{value.hour % 12 or 12}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'} {value.tzname()}"


@dataclass(frozen=True)
class DaySlots:
    day: date
    initial: list[str]     # start times, as clock() shows them
    follow_up: list[str]


@dataclass(frozen=True)
class ClinicSlots:
    clinic: Clinic
    zone_label: str
    days: list[DaySlots]   # only days with at least one free slot


def upcoming_by_clinic(practitioner: Practitioner, *, days: int = 14, kind: AppointmentKind | None = None,
                       now: datetime | None = None) -> list[ClinicSlots]:
    """Free slots on each clinic's next ``days`` local days (today first), for every clinic."""
    now = as_utc(now) if now else utcnow()
    # One call for every clinic: from yesterday in UTC, which is today or earlier everywhere.
    slots = free_slots(practitioner, start=now.date() - timedelta(days=1), days=days + 2, kind=kind, now=now)
    listing = []
    for clinic in practitioner.clinics:
        tz = zone(clinic.timezone)
        today = now.astimezone(tz).date()
        # Slots come sorted by start, so the days are added in order.
        by_day: dict[date, DaySlots] = {}
        for slot in slots:
            local = slot.local_start(tz)
            if slot.clinic_id == clinic.id and today <= local.date() < today + timedelta(days=days):
                found = by_day.setdefault(local.date(), DaySlots(local.date(), [], []))
                (found.initial if slot.kind is AppointmentKind.INITIAL else found.follow_up).append(clock(local))
        listing.append(ClinicSlots(clinic, zone_label(clinic.timezone), list(by_day.values())))
    return listing
