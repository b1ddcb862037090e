"""What the booking pages show: times in a clinic's zone, slots grouped by day, the
patient's own appointments. Shared by the booking, practice and profile pages."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import abort, url_for
from sqlalchemy import exists, select

from directory.extensions import db
from directory.models import Appointment, AppointmentKind, AppointmentStatus, Clinic, Practitioner, User
from directory.services import booking, scheduling
from directory.services.schedule_view import zone_label  # noqa: F401  (used by the templates)
from directory.services.profiles import MAX_ID

PROFILE_DAYS = 14
PER_DAY = 6   # slots shown per day on a list before a link to the whole day
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")

KIND_LABELS = {AppointmentKind.INITIAL: "First visit", AppointmentKind.FOLLOW_UP: "Follow-up visit"}
STATUS_LABELS = {
    AppointmentStatus.REQUESTED: "Requested",
    AppointmentStatus.CONFIRMED: "Confirmed",
    AppointmentStatus.DECLINED: "Declined",
    AppointmentStatus.CANCELLED: "Cancelled",
    AppointmentStatus.EXPIRED: "Expired",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.NO_SHOW: "Missed",
}


def utc(value: datetime) -> datetime:
    # SQLite hands back naive UTC datetimes.
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def local(value: datetime, zone: str) -> datetime:
    return utc(value).astimezone(ZoneInfo(zone))


def clock(value: datetime, zone: str) -> str:
    """ "9:00 AM PDT" in ``zone``."""
    at = local(value, zone)
    hour = at.hour % 12 or 12
    return f"{hour}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'} {at.tzname()}"


def day_label(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def when(value: datetime, zone: str) -> str:
    """ "Tuesday 10 March 2026, 9:00 AM PDT"."""
    return f"{day_label(local(value, zone).date())}, {clock(value, zone)}"


def iso_utc(value: datetime) -> str:
    return utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_start(text: str | None) -> datetime | None:
    """An ISO 8601 time with a zone (``2026-03-10T17:00:00Z``), as UTC; None if it is not one."""
    if not text or len(text) > 40:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    return value.astimezone(timezone.utc)


def parse_kind(text: str | None) -> AppointmentKind | None:
    try:
        return AppointmentKind(text or "")
    except ValueError:
        return None


def parse_id(text: str | None) -> int | None:
    if text and text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


@dataclass(frozen=True)
class SlotLink:
    label: str        # "9:00 AM PDT"
    full_label: str   # "Tuesday 10 March 2026, 9:00 AM PDT"
    url: str


@dataclass(frozen=True)
class DayGroup:
    day: date
    label: str
    slots: list[SlotLink]
    total: int
    more_url: str | None


@dataclass(frozen=True)
class ClinicSlots:
    clinic: Clinic
    zone: str
    days: list[DayGroup]


def group_by_day(slots: Iterable[scheduling.Slot], zone: str, slot_url: Callable[[scheduling.Slot], str],
                 day_url: Callable[[date], str] | None = None, per_day: int | None = PER_DAY) -> list[DayGroup]:
    by_day: dict[date, list[scheduling.Slot]] = {}
    for slot in slots:
        by_day.setdefault(local(slot.start, zone).date(), []).append(slot)
    groups = []
    for day, day_slots in sorted(by_day.items()):
        shown = day_slots if per_day is None or day_url is None else day_slots[:per_day]
        links = [SlotLink(clock(s.start, zone), when(s.start, zone), slot_url(s)) for s in shown]
        more = day_url(day) if len(shown) < len(day_slots) and day_url is not None else None
        groups.append(DayGroup(day, day_label(day), links, len(day_slots), more))
    return groups


def slot_url(practitioner: Practitioner) -> Callable[[scheduling.Slot], str]:
    """Each slot links to the request page for it."""
    return lambda slot: url_for("booking.new", practitioner=practitioner.id, clinic=slot.clinic_id,
                                start=iso_utc(slot.start), kind=slot.kind.value)


def day_url(practitioner: Practitioner, kind: AppointmentKind) -> Callable[[Clinic, date], str]:
    return lambda clinic, day: url_for("practitioners.slots", practitioner_id=practitioner.id,
                                       clinic=clinic.id, date=day.isoformat(), kind=kind.value)


def clinic_today(clinic: Clinic, now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(clinic.timezone)).date()


def slots_by_clinic(practitioner: Practitioner, clinics: list[Clinic], kind: AppointmentKind, *,
                    slot_url: Callable[[scheduling.Slot], str],
                    day_url: Callable[[Clinic, date], str] | None = None,
                    days: int = PROFILE_DAYS, ignore_appointment_id: int | None = None,
                    keep: Callable[[scheduling.Slot], bool] | None = None,
                    now: datetime | None = None) -> list[ClinicSlots]:
    """The next ``days`` days of free slots of each clinic, counted in the clinic's own zone.
    One call to the scheduler covers every clinic."""
    if not clinics:
        return []
    now = now or datetime.now(timezone.utc)
    todays = {c.id: clinic_today(c, now) for c in clinics}
    first = min(todays.values())
    span = (max(todays.values()) - first).days + days
    found = scheduling.free_slots(practitioner, start=first, days=span, kind=kind, now=now,
                                  ignore_appointment_id=ignore_appointment_id)
    result = []
    for clinic in clinics:
        last = todays[clinic.id] + timedelta(days=days)
        mine = [s for s in found if s.clinic_id == clinic.id and (keep is None or keep(s))
                and todays[clinic.id] <= local(s.start, clinic.timezone).date() < last]
        result.append(ClinicSlots(clinic, clinic.timezone, group_by_day(
            mine, clinic.timezone, slot_url,
            (lambda day, c=clinic: day_url(c, day)) if day_url is not None else None)))
    return result


def day_slots(practitioner: Practitioner, clinic: Clinic, day: date, kind: AppointmentKind,
              slot_url: Callable[[scheduling.Slot], str], *,
              ignore_appointment_id: int | None = None,
              keep: Callable[[scheduling.Slot], bool] | None = None) -> list[DayGroup]:
    found = scheduling.free_slots(practitioner, start=day, days=1, kind=kind, clinic_id=clinic.id,
                                  ignore_appointment_id=ignore_appointment_id)
    return group_by_day([s for s in found if keep is None or keep(s)], clinic.timezone, slot_url, per_day=None)


def follow_up_allowed(patient: User, practitioner: Practitioner) -> bool:
    """A follow-up is for someone this practitioner has already seen or agreed to see."""
    if not patient.is_authenticated:
        return False
    return bool(db.session.scalar(select(exists().where(
        Appointment.patient_id == patient.id, Appointment.practitioner_id == practitioner.id,
        Appointment.status.in_((AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED))))))


def kinds_allowed(patient: User, practitioner: Practitioner) -> list[AppointmentKind]:
    """First visits while the practitioner accepts new patients; follow-ups for returning ones."""
    kinds = [AppointmentKind.INITIAL] if practitioner.accepting_new_patients else []
    if follow_up_allowed(patient, practitioner):
        kinds.append(AppointmentKind.FOLLOW_UP)
    return kinds


def own_appointment(appointment_id: int, patient: User) -> Appointment:
    """The patient's own appointment; anyone else's is "not found", so ids reveal nothing."""
    appointment = db.session.get(Appointment, appointment_id) if 0 < appointment_id <= MAX_ID else None
    if appointment is None or appointment.patient_id != patient.id:
        abort(404)
    return appointment


def practitioners_appointment(appointment_id: int, practitioner: Practitioner) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id) if 0 < appointment_id <= MAX_ID else None
    if appointment is None or appointment.practitioner_id != practitioner.id:
        abort(404)
    return appointment


def shown_status(appointment: Appointment, now: datetime | None = None) -> AppointmentStatus:
    """A request whose hold has lapsed is expired, even before the expiry job has run."""
    now = now or datetime.now(timezone.utc)
    if (appointment.status is AppointmentStatus.REQUESTED and appointment.hold_expires_at is not None
            and utc(appointment.hold_expires_at) <= now):
        return AppointmentStatus.EXPIRED
    return appointment.status


def patient_may_change(appointment: Appointment, now: datetime | None = None) -> bool:
    """Whether the patient may still cancel or move it online (the booking service decides the
    deadline: the cut-off before a confirmed visit, the start for an unanswered request)."""
    now = now or datetime.now(timezone.utc)
    deadline = booking.patient_deadline(appointment)
    return (deadline is not None and now < deadline
            and shown_status(appointment, now) is not AppointmentStatus.EXPIRED)


def is_upcoming(appointment: Appointment, now: datetime | None = None) -> bool:
    now = now or datetime.now(timezone.utc)
    return shown_status(appointment, now) in (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED) \
        and utc(appointment.ends_at) > now
