"""What the booking pages show: times in a clinic's zone, slots grouped by day, the
patient's own appointments. Shared by the booking, practice and profile pages."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, g, url_for

from directory.models import Appointment, AppointmentKind, AppointmentStatus, Clinic, Practitioner, User
from directory.models._types import as_utc, utcnow
from directory.services.booking import requests as booking
from directory.services.booking import queries as booking_queries
from directory.services.booking import scheduling
from directory.services.booking.calendar_files import clock, day_label, local, short_day
from directory.services.booking.queries import shown_status

PROFILE_DAYS = 14
WEEK = 7
PER_DAY = 6   # slots shown per day on a list before a link to the whole day
# A column of the profile's week shows a day of hourly visits whole (09:00-17:00 is eight);
# only denser days end in a link to the rest, so most columns need no second page.
GRID_PER_DAY = 8

STATUS_LABELS = {
    AppointmentStatus.REQUESTED: "Requested",
    AppointmentStatus.CONFIRMED: "Confirmed",
    AppointmentStatus.DECLINED: "Declined",
    AppointmentStatus.CANCELLED: "Cancelled",
    AppointmentStatus.EXPIRED: "Expired",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.NO_SHOW: "Missed",
}


def iso_utc(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_start(text: str | None) -> datetime | None:
    """An ISO 8601 time with a zone (``2026-03-10T17:00:00Z``), as UTC; None if it is not
    one, or is too far from now to be anyone's slot (booking.valid_start)."""
    if not text or len(text) > 40:
        return None
    try:
        return booking.valid_start(datetime.fromisoformat(text.strip()))
    except (ValueError, booking.InvalidSlot):
        return None


def parse_day(text: str | None) -> date | None:
    """A YYYY-MM-DD day near enough to today to hold slots; None otherwise (far-off days only
    overflow date arithmetic)."""
    try:
        day = date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None
    if day is None or abs(day - utcnow().date()) > booking.MAX_START_DISTANCE:
        return None
    return day


def parse_kind(text: str | None) -> AppointmentKind | None:
    try:
        return AppointmentKind(text or "")
    except ValueError:
        return None


@dataclass(frozen=True)
class SlotLink:
    label: str        # "9:00 AM PDT"
    url: str

    # The two halves of the label, so a narrow column can wrap between them and never inside one.
    @property
    def time(self) -> str:
        return self.label.rpartition(" ")[0]

    @property
    def abbr(self) -> str:
        return self.label.rpartition(" ")[2]


@dataclass(frozen=True)
class DayGroup:
    day: date
    label: str
    slots: list[SlotLink]
    total: int
    more_url: str | None

    @property
    def weekday(self) -> str:
        """"Tue": a week column's heading, over short_date."""
        return scheduling.DAY_NAMES[self.day.weekday()][:3]

    @property
    def short_date(self) -> str:
        return short_day(self.day)


@dataclass(frozen=True)
class ClinicSlots:
    clinic: Clinic
    zone: str
    days: list[DayGroup]
    today: date | None = None   # in the clinic's zone: the week grid marks it

    @property
    def total(self) -> int:
        return sum(day.total for day in self.days)


def group_by_day(slots: Iterable[scheduling.Slot], zone: str, slot_url: Callable[[scheduling.Slot], str],
                 day_url: Callable[[date], str] | None = None, per_day: int | None = PER_DAY,
                 every_day: Iterable[date] = ()) -> list[DayGroup]:
    """Slots per local day, in order; each of ``every_day`` gets a group even when it has no
    slot, so a week shows its empty days too."""
    by_day: dict[date, list[scheduling.Slot]] = {day: [] for day in every_day}
    for slot in slots:
        by_day.setdefault(local(slot.start, zone).date(), []).append(slot)
    groups = []
    for day, day_slots in sorted(by_day.items()):
        shown = day_slots if per_day is None or day_url is None else day_slots[:per_day]
        links = [SlotLink(clock(s.start, zone), slot_url(s)) for s in shown]
        more = day_url(day) if len(shown) < len(day_slots) and day_url is not None else None
        groups.append(DayGroup(day, day_label(day), links, len(day_slots), more))
    return groups


def slot_url(practitioner: Practitioner) -> Callable[[scheduling.Slot], str]:
    """Each slot links to the request page for it."""
    return lambda slot: url_for("booking.new", practitioner=practitioner.id, clinic=slot.clinic_id,
                                start=iso_utc(slot.start), kind=slot.kind.value)


def booking_path() -> str:
    """The request page's path, built once per request."""
    path = g.get("booking_new_path")
    if path is None:
        path = g.booking_new_path = url_for("booking.new")
    return path


def first_visit_url(practitioner_id: int, clinic_id: int, start: datetime) -> str:
    """The request page for one first-visit time, as the profile's own slot links give it. Put
    together here (numbers and an ISO time need no quoting): search pages hold dozens of these,
    and url_for costs a tenth of a millisecond each."""
    return (f"{booking_path()}?practitioner={int(practitioner_id)}&clinic={int(clinic_id)}&start={iso_utc(start)}"
            f"&kind={AppointmentKind.INITIAL.value}")


def day_url(practitioner: Practitioner, kind: AppointmentKind) -> Callable[[Clinic, date], str]:
    return lambda clinic, day: url_for("practitioners.slots", practitioner_id=practitioner.id,
                                       clinic=clinic.id, date=day.isoformat(), kind=kind.value)


@dataclass(frozen=True)
class WeekPage:
    """One week of the profile's free times: week 0 starts today, the last reaches the horizon."""
    number: int
    last: int
    first_day: date     # in the zone of the practitioner's first clinic, for the heading
    last_day: date

    @property
    def earlier(self) -> int | None:
        return self.number - 1 if self.number > 0 else None

    @property
    def later(self) -> int | None:
        return self.number + 1 if self.number < self.last else None


def week_page(practitioner: Practitioner, clinics: list[Clinic], asked: str | None,
              now: datetime | None = None) -> WeekPage:
    """The week asked for by ``?week=N``, clamped to the weeks before the booking horizon (a
    link from before the horizon shrank still shows something)."""
    last = max(0, practitioner.horizon_days // WEEK)
    number = int(asked) if asked and asked.isascii() and asked.isdigit() and len(asked) < 4 else 0
    number = min(number, last)
    today = clinic_today(clinics[0], now) if clinics else (now or utcnow()).date()
    first = today + timedelta(days=number * WEEK)
    return WeekPage(number, last, first, first + timedelta(days=WEEK - 1))


def clinic_today(clinic: Clinic, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(clinic.timezone)).date()


def slots_by_clinic(practitioner: Practitioner, clinics: list[Clinic], kind: AppointmentKind, *,
                    slot_url: Callable[[scheduling.Slot], str],
                    day_url: Callable[[Clinic, date], str] | None = None,
                    days: int = PROFILE_DAYS, ignore_appointment_id: int | None = None,
                    keep: Callable[[scheduling.Slot], bool] | None = None,
                    now: datetime | None = None, offset_days: int = 0, per_day: int | None = PER_DAY,
                    every_day: bool = False) -> list[ClinicSlots]:
    """``days`` days of free slots of each clinic from ``offset_days`` after its today, counted
    in the clinic's own zone (with ``every_day``, days without a slot included). One call to
    the scheduler covers every clinic."""
    if not clinics:
        return []
    now = now or utcnow()
    todays = {c.id: clinic_today(c, now) + timedelta(days=offset_days) for c in clinics}
    first = min(todays.values())
    span = (max(todays.values()) - first).days + days
    found = scheduling.free_slots(practitioner, start=first, days=span, kind=kind, now=now,
                                  ignore_appointment_id=ignore_appointment_id)
    result = []
    for clinic in clinics:
        last = todays[clinic.id] + timedelta(days=days)
        mine = [s for s in found if s.clinic_id == clinic.id and (keep is None or keep(s))
                and todays[clinic.id] <= local(s.start, clinic.timezone).date() < last]
        shown_days = [todays[clinic.id] + timedelta(days=n) for n in range(days)] if every_day else []
        result.append(ClinicSlots(clinic, clinic.timezone, group_by_day(
            mine, clinic.timezone, slot_url,
            (lambda day, c=clinic: day_url(c, day)) if day_url is not None else None,
            per_day=per_day, every_day=shown_days), today=clinic_today(clinic, now)))
    return result


def day_slots(practitioner: Practitioner, clinic: Clinic, day: date, kind: AppointmentKind,
              slot_url: Callable[[scheduling.Slot], str], *,
              ignore_appointment_id: int | None = None,
              keep: Callable[[scheduling.Slot], bool] | None = None) -> list[DayGroup]:
    found = scheduling.free_slots(practitioner, start=day, days=1, kind=kind, clinic_id=clinic.id,
                                  ignore_appointment_id=ignore_appointment_id)
    return group_by_day([s for s in found if keep is None or keep(s)], clinic.timezone, slot_url, per_day=None)


def own_appointment(appointment_id: int, patient: User) -> Appointment:
    """The patient's own appointment; anyone else's is "not found", so ids reveal nothing."""
    found = booking_queries.patients_appointment(appointment_id, patient)
    if found is None:
        abort(404)
    return found


def practitioners_appointment(appointment_id: int, practitioner_user: User) -> Appointment:
    found = booking_queries.practitioners_appointment(appointment_id, practitioner_user)
    if found is None:
        abort(404)
    return found


def is_upcoming(appointment: Appointment, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return shown_status(appointment, now) in (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED) \
        and as_utc(appointment.ends_at) > now
