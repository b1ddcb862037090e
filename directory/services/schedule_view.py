"""Free slots grouped for display: per clinic, per local day, with the zone named."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from directory.models import AppointmentKind, Clinic, Practitioner
from directory.models._types import utcnow
from directory.services.scheduling import Slot, as_utc, free_slots, zone

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
    """"9:00 AM" (value already in the zone to show)."""
    return value.strftime("%I:%M %p").lstrip("0")


@dataclass(frozen=True)
class DaySlots:
    day: date
    initial: list[Slot]
    follow_up: list[Slot]
    # True on a day the clocks change: times then show their abbreviation (1:30 AM EDT / EST).
    offsets_change: bool


@dataclass(frozen=True)
class ClinicSlots:
    clinic: Clinic
    zone: ZoneInfo
    zone_label: str
    days: list[DaySlots]   # only days with at least one free slot

    def label(self, slot: Slot) -> str:
        local = slot.local_start(self.zone)
        day = next((d for d in self.days if d.day == local.date()), None)
        return f"{clock(local)} {local:%Z}" if day and day.offsets_change else clock(local)


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
        by_day: dict[date, list[Slot]] = {}
        for slot in slots:
            local_day = slot.local_start(tz).date()
            if slot.clinic_id == clinic.id and today <= local_day < today + timedelta(days=days):
                by_day.setdefault(local_day, []).append(slot)
        listing.append(ClinicSlots(clinic, tz, zone_label(clinic.timezone), [
            DaySlots(day, [s for s in found if s.kind is AppointmentKind.INITIAL],
                     [s for s in found if s.kind is AppointmentKind.FOLLOW_UP], _offsets_change(day, tz))
            for day, found in sorted(by_day.items())]))
    return listing


def _offsets_change(day: date, tz: ZoneInfo) -> bool:
    return (datetime.combine(day, time.min, tzinfo=tz).utcoffset()
            != datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz).utcoffset())
