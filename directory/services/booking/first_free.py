"""The first free first-visit slot of each clinic, for many practitioners at once.

The same rule as ``scheduling.free_slots`` (weekly hours − time off − appointments with the
buffer − notice − horizon, measured from ``booking_clock``), read with three queries per
batch of practitioners rather than three per practitioner, and stopping at each clinic's
first slot instead of listing them all: search needs only that one, for every listed
clinic.

Each answer says how long it stays true as time passes (``fresh_until``). Time only takes
slots away at the front (notice) and adds them at the back (horizon), so a first slot stays
first until its notice begins; "none" stays none until the first free slot past the horizon
comes within it. A booking, a cancellation or a change of hours or time off is not covered:
the caller recomputes on those.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from directory.models import (ACTIVE_STATUSES, Appointment, AvailabilityRule, Clinic, Practitioner,
                              TimeOff)
from directory.models._types import as_utc
from directory.services.booking.scheduling import _Blocked, booking_clock, wall_range, zone

# How far past the horizon to look for the slot whose arrival ends a "none".
LOOKAHEAD = timedelta(days=7)
# A practitioner who takes no new patients has no first-visit slot whatever the time; only
# an edit (which recomputes) changes that.
NEVER = timedelta(days=366)


@dataclass(frozen=True)
class FirstFree:
    start: datetime | None     # aware UTC; None: no first-visit slot within the horizon
    fresh_until: datetime      # true for every booking_clock() before this moment


@dataclass(frozen=True)
class _Settings:
    length: timedelta
    buffer: timedelta
    notice: timedelta
    horizon: timedelta
    accepting: bool


def first_free(connection: Connection, practitioner_ids: list[int],
               now: datetime | None = None) -> dict[int, FirstFree]:
    """Every non-archived clinic of these practitioners (clinic id → its first free first visit)."""
    clock = booking_clock(now)
    found: dict[int, FirstFree] = {}
    ids = sorted(set(practitioner_ids))
    for at in range(0, len(ids), 500):
        found.update(_batch(connection, ids[at:at + 500], clock))
    return found


def _batch(connection: Connection, ids: list[int], clock: datetime) -> dict[int, FirstFree]:
    settings = {row.id: _Settings(timedelta(minutes=row.initial_minutes), timedelta(minutes=row.buffer_minutes),
                                  timedelta(hours=row.min_notice_hours), timedelta(days=row.horizon_days),
                                  bool(row.accepting_new_patients))
                for row in connection.execute(
                    select(Practitioner.id, Practitioner.initial_minutes, Practitioner.buffer_minutes,
                           Practitioner.min_notice_hours, Practitioner.horizon_days,
                           Practitioner.accepting_new_patients).where(Practitioner.id.in_(ids)))}
    clinics: dict[int, tuple[int, str]] = {
        row.id: (row.practitioner_id, row.timezone) for row in connection.execute(
            select(Clinic.id, Clinic.practitioner_id, Clinic.timezone)
            .where(Clinic.practitioner_id.in_(ids), Clinic.archived_at.is_(None)))}
    if not clinics:
        return {}
    end = clock + max((s.horizon for s in settings.values()), default=timedelta(0)) + LOOKAHEAD
    rules: dict[int, dict[int, list[tuple[time, time]]]] = defaultdict(lambda: defaultdict(list))
    for row in connection.execute(
            select(AvailabilityRule.clinic_id, AvailabilityRule.weekday, AvailabilityRule.start_time,
                   AvailabilityRule.end_time).where(AvailabilityRule.clinic_id.in_(list(clinics)))
            .order_by(AvailabilityRule.clinic_id, AvailabilityRule.weekday, AvailabilityRule.start_time)):
        rules[row.clinic_id][row.weekday].append((row.start_time, row.end_time))
    time_off: dict[int, list[tuple[int | None, datetime, datetime]]] = defaultdict(list)
    for row in connection.execute(
            select(TimeOff.practitioner_id, TimeOff.clinic_id, TimeOff.starts_at, TimeOff.ends_at)
            .where(TimeOff.practitioner_id.in_(ids), TimeOff.starts_at < end, TimeOff.ends_at > clock)):
        time_off[row.practitioner_id].append((row.clinic_id, as_utc(row.starts_at), as_utc(row.ends_at)))
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    longest_buffer = max((s.buffer for s in settings.values()), default=timedelta(0))
    for row in connection.execute(
            select(Appointment.practitioner_id, Appointment.starts_at, Appointment.ends_at)
            .where(Appointment.practitioner_id.in_(ids), Appointment.status.in_(ACTIVE_STATUSES),
                   Appointment.starts_at < end + longest_buffer, Appointment.ends_at > clock - longest_buffer)):
        buffer = settings[row.practitioner_id].buffer
        busy[row.practitioner_id].append((as_utc(row.starts_at) - buffer, as_utc(row.ends_at) + buffer))

    found: dict[int, FirstFree] = {}
    for clinic_id, (practitioner_id, tz_name) in clinics.items():
        s = settings[practitioner_id]
        if not s.accepting:
            found[clinic_id] = FirstFree(None, clock + NEVER)
            continue
        blocked = _Blocked(busy[practitioner_id] + [(start, stop) for c, start, stop in time_off[practitioner_id]
                                                    if c in (None, clinic_id)])
        found[clinic_id] = _first(rules.get(clinic_id, {}), zone(tz_name), blocked, s, clock)
    return found


def _first(rules: dict[int, list[tuple[time, time]]], tz: ZoneInfo, blocked: _Blocked, s: _Settings,
           clock: datetime) -> FirstFree:
    earliest, latest = clock + s.notice, clock + s.horizon
    last_start = latest + LOOKAHEAD
    if rules:
        day: date = earliest.astimezone(tz).date() - timedelta(days=1)
        final = last_start.astimezone(tz).date() + timedelta(days=1)
        while day <= final:
            for wall_start, wall_end in rules.get(day.weekday(), ()):
                start = _first_in_range(*wall_range(day, wall_start, wall_end, tz), s, earliest, last_start, blocked)
                if start is not None:
                    if start <= latest:
                        return FirstFree(start, start - s.notice)
                    return FirstFree(None, start - s.horizon)
            day += timedelta(days=1)
    return FirstFree(None, clock + LOOKAHEAD)


def _first_in_range(range_start: datetime, range_end: datetime, s: _Settings, earliest: datetime,
                    last_start: datetime, blocked: _Blocked) -> datetime | None:
    # The grid of scheduling._grid: from the range's start, every session length + buffer.
    at = range_start
    while at + s.length <= range_end and at <= last_start:
        if at > earliest and not blocked.overlaps(at, at + s.length):
            return at
        at += s.length + s.buffer
    return None
