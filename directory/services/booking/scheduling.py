"""Free appointment slots: weekly hours − time off − appointments − notice − horizon.

Slots = weekly hours − time off − active appointments (with the buffer on both sides)
− minimum notice − beyond the horizon. Times are aware UTC datetimes throughout.

Weekly hours are wall-clock ranges in each clinic's own zone (``zoneinfo``). On a given
local day a range runs from the first moment the clinic's clock shows its start to the
last moment it shows its end. So on the spring-forward day a time that does not exist
(02:30) means the moment the clocks jump, and 01:00–04:00 is two real hours with nothing
at 02:xx; on the fall-back day a start in the repeated hour is its first occurrence and an
end its second, so 00:00–03:00 is four real hours.

Slot step: slots start at the beginning of each range and then every session length +
buffer (first visits of 60 minutes with a 15-minute buffer: 09:00, 10:15, 11:30), counted
in real minutes, separately for first and follow-up visits. The grid does not move when
something is booked, so a slot a patient has seen stays the same slot until it is taken.

A slot must start more than ``min_notice_hours`` after now and at most ``horizon_days`` × 24
hours after now, where "now" is the current time rounded up to the whole minute
(``booking_clock``): the free slots then stay the same for a whole minute, so the
profile, a booking's check, the search's next free time and a cached search answer
made within one minute all agree on them. A request holds its slot while its status is "requested", even once its
hold has lapsed and until ``flask appointments expire`` runs, as the database's no-overlap
constraint sees it.

Queries: ``free_slots`` reads the rules, the time off and the appointments once each,
whatever the number of days or appointments.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select

from directory.extensions import db
from directory.models import (ACTIVE_STATUSES, Appointment, AppointmentKind, AvailabilityRule, Clinic,
                              Practitioner, TimeOff)
from directory.models._types import as_utc, utcnow

UTC = timezone.utc
# Inclusive bounds of each booking setting, as (low, high, unit).
SETTING_LIMITS = {
    "initial_minutes": (15, 240, "minutes"), "follow_up_minutes": (15, 240, "minutes"),
    "buffer_minutes": (0, 120, "minutes"), "min_notice_hours": (0, 336, "hours"),
    "horizon_days": (1, 365, "days"),
}
MAX_RANGES_PER_DAY = 6
MINUTE_STEP = 5
MAX_TIME_OFF_DAYS = 366
# Time off may be planned this far ahead (about two years): well past the longest horizon.
TIME_OFF_DAYS_AHEAD = 731
TIME_OFF_TOO_FAR = "Choose days within the next two years."
# Form field names of the weekdays, Monday first as in date.weekday().
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class AvailabilityError(ValueError):
    """``errors`` maps a field name (a DAY_KEYS entry, a setting, first_day...) to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Slot:
    start: datetime   # aware, UTC
    end: datetime     # aware, UTC
    clinic_id: int
    kind: AppointmentKind

    def local_start(self, tz: ZoneInfo) -> datetime:
        return self.start.astimezone(tz)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def session_minutes(practitioner: Practitioner, kind: AppointmentKind) -> int:
    return practitioner.initial_minutes if kind == AppointmentKind.INITIAL else practitioner.follow_up_minutes


def slot_end(practitioner: Practitioner, start: datetime, kind: AppointmentKind) -> datetime:
    return as_utc(start) + timedelta(minutes=session_minutes(practitioner, kind))


def local_moment(day: date, wall: time, tz: ZoneInfo, *, last: bool) -> datetime:
    """The UTC instant the clinic's clock shows ``wall`` on ``day`` (see the module notes)."""
    local = datetime.combine(day, wall, tzinfo=tz)
    first, second = local.replace(fold=0).astimezone(UTC), local.replace(fold=1).astimezone(UTC)
    if first == second:
        return first
    if first < second:  # the repeated hour of a fall-back day
        return second if last else first
    # A time skipped by spring-forward: zoneinfo reads fold=0 with the old offset (later
    # instant) and fold=1 with the new one (earlier); the jump lies between, to the second.
    lo, hi, before = second, first, second.astimezone(tz).utcoffset()
    while (hi - lo).total_seconds() > 1:
        mid = lo + timedelta(seconds=int((hi - lo).total_seconds()) // 2)
        lo, hi = (mid, hi) if mid.astimezone(tz).utcoffset() == before else (lo, mid)
    return hi


def wall_range(day: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The real (UTC) interval of a weekly-hours range on one local day."""
    return local_moment(day, start, tz, last=False), local_moment(day, end, tz, last=True)


class _Blocked:
    """Sorted, merged busy intervals, for a quick overlap test."""

    def __init__(self, intervals: list[tuple[datetime, datetime]]):
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        for start, end in sorted(intervals):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        i = bisect_right(self.ends, start)
        return i < len(self.starts) and self.starts[i] < end


def booking_clock(now: datetime | None = None) -> datetime:
    """The moment the slot rules measure notice and horizon from: ``now`` rounded up to the minute."""
    now = as_utc(now) if now else utcnow()
    whole = now.replace(second=0, microsecond=0)
    return whole if whole == now else whole + timedelta(minutes=1)


def free_slots(practitioner: Practitioner, *, start: date, days: int, kind: AppointmentKind | None = None,
               clinic_id: int | None = None, now: datetime | None = None,
               ignore_appointment_id: int | None = None) -> list[Slot]:
    """Free slots on the local days ``start`` .. ``start + days - 1`` of each clinic, sorted by start."""
    now = booking_clock(now)
    kinds = [AppointmentKind(kind)] if kind else list(AppointmentKind)
    lengths = {k: timedelta(minutes=session_minutes(practitioner, k)) for k in kinds}
    buffer = timedelta(minutes=practitioner.buffer_minutes)
    earliest = now + timedelta(hours=practitioner.min_notice_hours)
    latest = now + timedelta(days=practitioner.horizon_days)
    # Only local days near [earliest, latest] can hold a slot (every zone is within a day of
    # UTC): skip the others, which also keeps far-fetched dates from overflowing.
    skip = max(0, (earliest.date() - start).days - 2)
    start, days = start + timedelta(days=min(skip, max(days, 0))), days - skip
    days = min(days, (latest.date() - start).days + 2)
    if days <= 0:
        return []
    window_start = max(datetime.combine(start, time.min, UTC) - timedelta(days=1), earliest)
    window_end = min(datetime.combine(start + timedelta(days=days), time.min, UTC) + timedelta(days=1),
                     latest + max(lengths.values()))
    if window_start >= window_end:
        return []

    rules = _rules(practitioner.id, clinic_id)
    if not rules:
        return []
    time_off = db.session.execute(select(TimeOff.clinic_id, TimeOff.starts_at, TimeOff.ends_at).where(
        TimeOff.practitioner_id == practitioner.id, TimeOff.starts_at < window_end,
        TimeOff.ends_at > window_start)).all()
    booked = select(Appointment.starts_at, Appointment.ends_at).where(
        Appointment.practitioner_id == practitioner.id, Appointment.status.in_(ACTIVE_STATUSES),
        Appointment.starts_at < window_end + buffer, Appointment.ends_at > window_start - buffer)
    if ignore_appointment_id is not None:
        booked = booked.where(Appointment.id != ignore_appointment_id)
    # The practitioner is one person: an appointment at any clinic blocks every clinic.
    busy = [(as_utc(s) - buffer, as_utc(e) + buffer) for s, e in db.session.execute(booked)]

    slots: list[Slot] = []
    for cid, (tz, ranges) in rules.items():
        blocked = _Blocked(busy + [(as_utc(s), as_utc(e)) for c, s, e in time_off if c in (None, cid)])
        for offset in range(days):
            day = start + timedelta(days=offset)
            for wall_start, wall_end in ranges.get(day.weekday(), ()):
                range_start, range_end = wall_range(day, wall_start, wall_end, tz)
                for k in kinds:
                    slots.extend(_grid(range_start, range_end, lengths[k], buffer, cid, k,
                                       earliest, latest, blocked))
    slots.sort(key=lambda s: (s.start, s.clinic_id, s.kind is not AppointmentKind.INITIAL))
    return slots


def _grid(range_start, range_end, length, buffer, clinic_id, kind, earliest, latest, blocked) -> list[Slot]:
    found = []
    at = range_start
    while at + length <= range_end and at <= latest:
        # Strictly after: a request holds its slot until the notice period begins, so a slot
        # starting right at its edge would be requested with a hold already over.
        if at > earliest and not blocked.overlaps(at, at + length):
            found.append(Slot(at, at + length, clinic_id, kind))
        at += length + buffer
    return found


def _rules(practitioner_id: int, clinic_id: int | None) -> dict[int, tuple[ZoneInfo, dict[int, list]]]:
    query = (select(AvailabilityRule.clinic_id, Clinic.timezone, AvailabilityRule.weekday,
                    AvailabilityRule.start_time, AvailabilityRule.end_time)
             .join(Clinic, Clinic.id == AvailabilityRule.clinic_id)
             .where(Clinic.practitioner_id == practitioner_id, Clinic.archived_at.is_(None))
             .order_by(AvailabilityRule.clinic_id, AvailabilityRule.weekday, AvailabilityRule.start_time))
    if clinic_id is not None:
        query = query.where(AvailabilityRule.clinic_id == clinic_id)
    rules: dict[int, tuple[ZoneInfo, dict[int, list]]] = {}
    for cid, tz_name, weekday, start, end in db.session.execute(query):
        rules.setdefault(cid, (zone(tz_name), {}))[1].setdefault(weekday, []).append((start, end))
    return rules


def is_free(practitioner: Practitioner, clinic_id: int, start: datetime, kind: AppointmentKind, *,
            now: datetime | None = None, ignore_appointment_id: int | None = None) -> bool:
    """Whether ``start`` is exactly one of the free slots of this clinic and kind."""
    try:
        start = as_utc(start)
        first = start.date() - timedelta(days=1)
    except OverflowError:  # a start at the very end of the calendar is no slot
        return False
    # Three UTC days hold the clinic's local day of ``start`` whatever its zone.
    return any(slot.start == start for slot in free_slots(
        practitioner, start=first, days=3, kind=kind, clinic_id=clinic_id,
        now=now, ignore_appointment_id=ignore_appointment_id))
