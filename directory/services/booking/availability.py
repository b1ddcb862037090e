"""A practitioner's settings that shape their free slots: weekly hours per clinic (wall-clock
ranges in the clinic's zone), session lengths, notice, horizon and buffer, and time off."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from directory.extensions import db
from directory.models import (AvailabilityRule, Clinic,
                              Practitioner, TimeOff)
from directory.models._types import as_utc, utcnow
from directory.services.booking.scheduling import (DAY_KEYS, DAY_NAMES, MAX_RANGES_PER_DAY, MAX_TIME_OFF_DAYS,
                                                   MINUTE_STEP, SETTING_LIMITS, TIME_OFF_DAYS_AHEAD,
                                                   TIME_OFF_TOO_FAR, AvailabilityError, _rules, local_moment,
                                                   zone)


def weekly_hours(practitioner: Practitioner) -> dict[int, dict[int, list[tuple[time, time]]]]:
    """Every clinic's hours by clinic id, then weekday (a closed day is []), from one query."""
    rules = _rules(practitioner.id, None)
    return {clinic.id: {day: rules.get(clinic.id, (None, {}))[1].get(day, []) for day in range(7)}
            for clinic in practitioner.clinics}


def hours_errors(hours: dict[int, list[tuple[time, time]]]) -> dict[str, str]:
    """What is wrong with each day's ranges, keyed by DAY_KEYS; empty when all is well."""
    errors: dict[str, str] = {}
    for weekday, ranges in hours.items():
        if weekday not in range(7):
            raise ValueError(f"weekday {weekday} is not 0..6")
        name = DAY_NAMES[weekday]
        ordered = sorted(ranges)
        if len(ordered) > MAX_RANGES_PER_DAY:
            errors[DAY_KEYS[weekday]] = f"{name}: use at most {MAX_RANGES_PER_DAY} ranges."
        elif any(t.second or t.microsecond or t.minute % MINUTE_STEP for r in ordered for t in r):
            errors[DAY_KEYS[weekday]] = f"{name}: use times on {MINUTE_STEP}-minute marks, like 09:05."
        elif bad := next((r for r in ordered if r[0] >= r[1]), None):
            errors[DAY_KEYS[weekday]] = (f"{name}: {bad[0]:%H:%M}–{bad[1]:%H:%M} ends before it starts. "
                                         "Ranges end on the same day, by 23:55.")
        elif clash := next((pair for pair in zip(ordered, ordered[1:]) if pair[1][0] < pair[0][1]), None):
            errors[DAY_KEYS[weekday]] = (f"{name}: {clash[0][0]:%H:%M}–{clash[0][1]:%H:%M} and "
                                         f"{clash[1][0]:%H:%M}–{clash[1][1]:%H:%M} overlap.")
    return errors


def set_weekly_hours(clinic: Clinic, hours: dict[int, list[tuple[time, time]]]) -> None:
    """Replace the clinic's weekly hours (days missing from ``hours`` are closed), or change nothing."""
    errors = hours_errors(hours)
    if errors:
        raise AvailabilityError(errors)
    # Through the session rather than one DELETE, so the flush sees the change (next free times).
    for rule in db.session.scalars(select(AvailabilityRule).where(AvailabilityRule.clinic_id == clinic.id)):
        db.session.delete(rule)
    db.session.flush()
    for weekday, ranges in hours.items():
        for start, end in sorted(ranges):
            db.session.add(AvailabilityRule(clinic_id=clinic.id, weekday=weekday, start_time=start, end_time=end))
    db.session.commit()


def update_settings(practitioner: Practitioner, *, initial_minutes: int, follow_up_minutes: int,
                    buffer_minutes: int, min_notice_hours: int, horizon_days: int) -> None:
    values = {"initial_minutes": initial_minutes, "follow_up_minutes": follow_up_minutes,
              "buffer_minutes": buffer_minutes, "min_notice_hours": min_notice_hours, "horizon_days": horizon_days}
    errors = {name: f"Enter a whole number of {unit} from {low} to {high}."
              for name, (low, high, unit) in SETTING_LIMITS.items()
              if not isinstance(values[name], int) or isinstance(values[name], bool)
              or not low <= values[name] <= high}
    if errors:
        raise AvailabilityError(errors)
    for name, value in values.items():
        setattr(practitioner, name, value)
    db.session.commit()


def add_time_off(practitioner: Practitioner, *, first_day: date, last_day: date, clinic_id: int | None,
                 note: str = "") -> TimeOff:
    """Whole local days off, stored as one UTC interval.

    For one clinic: midnight to midnight in its zone. For all clinics (``clinic_id`` None):
    from the first midnight of ``first_day`` in any of their zones to the last midnight
    ending ``last_day``, so every clinic is off on each of those local days (with clinics in
    several zones, the edges cover a few extra hours in the western or eastern one)."""
    errors: dict[str, str] = {}
    clinics = [c for c in practitioner.clinics if clinic_id is None or c.id == clinic_id]
    if not clinics:
        errors["clinic_id"] = ("Choose one of your clinics." if clinic_id is not None
                               else "Add a clinic before adding time off.")
    latest = date.today() + timedelta(days=TIME_OFF_DAYS_AHEAD)
    if first_day > latest:
        errors["first_day"] = TIME_OFF_TOO_FAR
    elif last_day > latest:
        errors["last_day"] = TIME_OFF_TOO_FAR
    elif last_day < first_day:
        errors["last_day"] = "The last day cannot be before the first day."
    elif (last_day - first_day).days >= MAX_TIME_OFF_DAYS:
        errors["last_day"] = f"Add at most {MAX_TIME_OFF_DAYS} days at a time."
    if len(note) > 200:
        errors["note"] = "Use at most 200 characters."
    if errors:
        raise AvailabilityError(errors)
    zones = {zone(c.timezone) for c in clinics}
    after = last_day + timedelta(days=1)
    entry = TimeOff(practitioner_id=practitioner.id, clinic_id=clinic_id, note=note,
                    starts_at=min(local_moment(first_day, time.min, tz, last=False) for tz in zones),
                    ends_at=max(local_moment(after, time.min, tz, last=False) for tz in zones))
    db.session.add(entry)
    db.session.commit()
    return entry


def time_off_days(entry: TimeOff, zones: list[ZoneInfo]) -> tuple[date, date]:
    """The first and last local day of an entry made by add_time_off, in the given zones."""
    first = max(as_utc(entry.starts_at).astimezone(tz).date() for tz in zones)
    last = min((as_utc(entry.ends_at) - timedelta(microseconds=1)).astimezone(tz).date() for tz in zones)
    return first, max(first, last)


def upcoming_time_off(practitioner: Practitioner, *, now: datetime | None = None) -> list[TimeOff]:
    now = as_utc(now) if now else utcnow()
    return list(db.session.scalars(select(TimeOff).where(
        TimeOff.practitioner_id == practitioner.id, TimeOff.ends_at > now).order_by(TimeOff.starts_at, TimeOff.id)))


def remove_time_off(time_off: TimeOff) -> None:
    db.session.delete(time_off)
    db.session.commit()

