"""Concrete times for a course's sessions, following its cadence.

The sessions are spread over the course's weeks front-loaded, as in the trials: with more
sessions than weeks the first weeks take two (Tuesday and Friday style, three days apart),
then one a week (10 sessions over 7 weeks: 2, 2, 2, 1, 1, 1, 1 — Cherkin 2009); with fewer,
they are spaced evenly. Every session keeps the anchor's weekday pattern and its wall-clock
time in the clinic's zone, so a daylight-saving change moves nothing on the clock.

The anchor is the first free follow-up slot after the first visit (and after now), preferring
the first visit's time of day. A session whose target time is not free gets ``start`` None;
every session carries a few free alternatives near its target (same time on nearby days
first), none of them a time another session of the proposal already uses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from directory.models import AppointmentKind, Course
from directory.models._types import as_utc
from directory.services.booking import scheduling
from directory.services.booking.transactions import now_utc

KIND = AppointmentKind.FOLLOW_UP
ALTERNATIVES = 3
ANCHOR_SEARCH_DAYS = 14
NEARBY_DAYS = 3
# Days after the week's first session for a second and third session that week.
DAY_OFFSETS = {1: (0,), 2: (0, 3), 3: (0, 2, 4)}


@dataclass
class ProposedSession:
    session: int
    target: datetime                 # the cadence's time, UTC, free or not
    start: datetime | None           # the target when free, else None
    end: datetime | None
    alternatives: list[scheduling.Slot] = field(default_factory=list)


def week_counts(sessions: int, weeks: int) -> list[int]:
    """Sessions per week, front-loaded: [2, 2, 2, 1, 1, 1, 1] for 10 over 7; [1, 0, 1, 0] for 2 over 4."""
    if sessions >= weeks:
        counts, extra = [1] * weeks, sessions - weeks
        for cap in (2, 3):
            for week in range(weeks):
                if extra and counts[week] < cap:
                    counts[week] += 1
                    extra -= 1
        return counts
    counts = [0] * weeks
    for i in range(sessions):
        counts[i * weeks // sessions] += 1
    return counts


def target_days(first: date, sessions: int, weeks: int) -> list[date]:
    days = []
    for week, count in enumerate(week_counts(sessions, weeks)):
        days.extend(first + timedelta(days=7 * week + offset) for offset in DAY_OFFSETS[count])
    return days


def _anchor(course: Course, slots: list[scheduling.Slot], tz, after: datetime) -> tuple[date, time] | None:
    """The first day with a free follow-up slot after ``after``, at the slot nearest the first visit's time."""
    wanted = as_utc(course.origin.starts_at).astimezone(tz)
    wanted_minutes = wanted.hour * 60 + wanted.minute
    by_day: dict[date, list[datetime]] = {}
    for slot in slots:
        if slot.start > after:
            by_day.setdefault(slot.start.astimezone(tz).date(), []).append(slot.start.astimezone(tz))
    if not by_day:
        return None
    day = min(by_day)
    best = min(by_day[day], key=lambda local: abs(local.hour * 60 + local.minute - wanted_minutes))
    return day, best.time()


def propose_times(course: Course, *, first_session: int = 1, now: datetime | None = None) -> list[ProposedSession]:
    """Times for sessions ``first_session`` .. ``course.sessions`` (the ones not booked yet)."""
    now = now_utc(now)
    practitioner, tz = course.practitioner, scheduling.zone(course.clinic.timezone)
    after = max(now, as_utc(course.origin.ends_at))
    today = after.astimezone(tz).date()
    span = 7 * course.weeks + ANCHOR_SEARCH_DAYS + NEARBY_DAYS
    slots = scheduling.free_slots(practitioner, start=today, days=span, kind=KIND, clinic_id=course.clinic_id,
                                  now=now)
    count = course.sessions - first_session + 1
    anchor = _anchor(course, [s for s in slots if s.start.astimezone(tz).date() < today + timedelta(
        days=ANCHOR_SEARCH_DAYS)], tz, after)
    if anchor is None:
        return [ProposedSession(first_session + i, after, None, None) for i in range(count)]
    first_day, wall = anchor
    by_start = {slot.start: slot for slot in slots}
    weeks = max(1, -(-course.weeks * count // course.sessions)) if first_session > 1 else course.weeks
    weeks = max(weeks, -(-count // 3))
    used: set[datetime] = set()
    proposal = []
    for i, day in enumerate(target_days(first_day, count, weeks)):
        target = scheduling.wall_range(day, wall, wall, tz)[0]
        slot = by_start.get(target)
        if slot is not None and target not in used:
            used.add(target)
            proposal.append(ProposedSession(first_session + i, target, slot.start, slot.end))
        else:
            proposal.append(ProposedSession(first_session + i, target, None, None))
    for item in proposal:
        item.alternatives = _alternatives(item.target, slots, used | ({item.start} if item.start else set()), tz)
    return proposal


def _alternatives(target: datetime, slots: list[scheduling.Slot], used: set[datetime], tz) -> list[scheduling.Slot]:
    """Free slots within NEARBY_DAYS of the target: nearest in days first, then nearest in time of day."""
    target_local = target.astimezone(tz)
    target_day = target_local.date()
    target_minutes = target_local.hour * 60 + target_local.minute

    def distance(slot: scheduling.Slot) -> tuple[int, int]:
        local = slot.start.astimezone(tz)
        return abs((local.date() - target_day).days), abs(local.hour * 60 + local.minute - target_minutes)

    near = [s for s in slots if s.start not in used
            and abs((s.start.astimezone(tz).date() - target_day).days) <= NEARBY_DAYS]
    return sorted(near, key=distance)[:ALTERNATIVES]
