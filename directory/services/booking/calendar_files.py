"""Appointments as iCalendar (RFC 5545): one event for an email or a download, and the
practitioner's private feed behind a secret URL.

Times carry the clinic's TZID (with its VTIMEZONE), so a calendar shows them right on both
sides of a daylight-saving change; a wall time the change makes ambiguous is written in UTC.
The UID is fixed per appointment, and SEQUENCE grows with each change (requested 0,
confirmed +1, ended +1), so a later file updates or cancels the event an earlier one
created. Events say who and where, never anything from the intake.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.extensions import db
from directory.models import Appointment, AppointmentKind, AppointmentStatus, Practitioner
from directory.models._types import as_utc, utcnow
from directory.services.booking import schedule_view
from directory.services.accounts.api_tokens import token_hash

PRODID = "-//Meridian//Appointments//EN"
ENDED = (AppointmentStatus.DECLINED, AppointmentStatus.CANCELLED, AppointmentStatus.EXPIRED)
_ICS_STATUS = {AppointmentStatus.REQUESTED: "TENTATIVE", AppointmentStatus.CONFIRMED: "CONFIRMED",
               AppointmentStatus.COMPLETED: "CONFIRMED", AppointmentStatus.NO_SHOW: "CONFIRMED"}
# The feed reaches this far back, so last month's visits stay in the practitioner's calendar.
FEED_PAST = timedelta(days=90)


# How an appointment reads to people, the same in pages, emails and calendar events.
KIND_LABELS = {AppointmentKind.INITIAL: "First visit", AppointmentKind.FOLLOW_UP: "Follow-up visit"}
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def local(moment: datetime, zone: str) -> datetime:
    return as_utc(moment).astimezone(ZoneInfo(zone))


def clock(moment: datetime, zone: str) -> str:
    """"9:00 AM PDT" in ``zone``."""
    return schedule_view.clock(local(moment, zone))


def day_label(day: date) -> str:
    """"Tuesday 10 March 2026"."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def short_day(day: date) -> str:
    """"10 Mar", for email subjects."""
    return f"{day.day} {_MONTHS[day.month - 1][:3]}"


def when(moment: datetime, zone: str) -> str:
    """"Tuesday 10 March 2026, 9:00 AM PDT"."""
    return f"{day_label(local(moment, zone).date())}, {clock(moment, zone)}"


def uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.id}@meridian"


def sequence(appointment: Appointment) -> int:
    return (1 if appointment.confirmed_at else 0) + (1 if appointment.status in ENDED else 0)


def first_name(name: str | None) -> str:
    return (name or "").split()[0] if (name or "").strip() else "Patient"


def clinic_location(clinic) -> str:
    place = ", ".join(part for part in (clinic.address, clinic.city,
                                        f"{clinic.region} {clinic.postal_code}".strip()) if part)
    return f"{clinic.name}, {place}" if clinic.name else place


def summary(appointment: Appointment, *, for_practitioner: bool) -> str:
    if for_practitioner:
        return (f"Acupuncture: {first_name(appointment.patient.name)} "
                f"({KIND_LABELS[appointment.kind].lower()})")
    return f"Acupuncture with {appointment.practitioner.display_name}"


def _organizer() -> vCalAddress:
    address = parseaddr(current_app.config.get("MAIL_FROM") or "")[1] or "no-reply@meridian.localhost"
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = vText("Meridian")
    return organizer


def _ics_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """Clinic-local with its TZID, unless the wall time is ambiguous (the repeated hour when the
    clocks go back): calendars read those as the first occurrence, so they are given in UTC."""
    local = as_utc(moment).astimezone(zone)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return as_utc(moment)
    return local


def _event(appointment: Appointment, *, for_practitioner: bool, stamp: datetime) -> Event:
    zone = ZoneInfo(appointment.clinic.timezone)
    event = Event()
    event.add("uid", uid(appointment))
    event.add("dtstamp", stamp)
    event.add("dtstart", _ics_time(appointment.starts_at, zone))
    event.add("dtend", _ics_time(appointment.ends_at, zone))
    event.add("sequence", sequence(appointment))
    event.add("status", "CANCELLED" if appointment.status in ENDED else _ICS_STATUS[appointment.status])
    event.add("summary", summary(appointment, for_practitioner=for_practitioner))
    event.add("location", clinic_location(appointment.clinic))
    minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
    event.add("description", f"{KIND_LABELS[appointment.kind]}, {minutes} minutes, "
                             f"at {appointment.clinic.name or appointment.clinic.city}. "
                             f"Times are in {appointment.clinic.timezone}.")
    event.add("organizer", _organizer())
    return event


def _calendar(appointments: list[Appointment], *, method: str | None, for_practitioner: bool,
              name: str | None = None) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
    stamp = utcnow().replace(microsecond=0)
    for appointment in appointments:
        calendar.add_component(_event(appointment, for_practitioner=for_practitioner, stamp=stamp))
    if appointments:
        # A VTIMEZONE for the span of these events, not the library's default 1970-2038.
        first = min(as_utc(a.starts_at) for a in appointments).date() - timedelta(days=366)
        last = max(as_utc(a.ends_at) for a in appointments).date() + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical().decode("utf-8")


def ics_for(appointment: Appointment, *, for_practitioner: bool = False) -> str:
    """One event: METHOD:CANCEL once the appointment has ended (declined, cancelled, expired),
    so a calendar that imported it removes it; PUBLISH otherwise."""
    method = "CANCEL" if appointment.status in ENDED else "PUBLISH"
    return _calendar([appointment], method=method, for_practitioner=for_practitioner)


def ics_attachment(appointment: Appointment, *, for_practitioner: bool) -> dict:
    method = "CANCEL" if appointment.status in ENDED else "PUBLISH"
    return {"filename": f"appointment-{appointment.id}.ics",
            "content_type": f"text/calendar; method={method}",
            "content": ics_for(appointment, for_practitioner=for_practitioner)}


def calendar_feed(practitioner: Practitioner, *, now: datetime | None = None) -> str:
    """Confirmed appointments from FEED_PAST ago on: patient first name and visit kind only."""
    now = as_utc(now) if now else utcnow()
    appointments = list(db.session.scalars(
        select(Appointment)
        .where(Appointment.practitioner_id == practitioner.id,
               Appointment.status.in_((AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED)),
               Appointment.ends_at > now - FEED_PAST)
        .options(selectinload(Appointment.clinic), selectinload(Appointment.patient))
        .order_by(Appointment.starts_at, Appointment.id)))
    return _calendar(appointments, method="PUBLISH", for_practitioner=True,
                     name=f"Meridian: {practitioner.display_name}")


def new_calendar_token(practitioner: Practitioner) -> str:
    """A new secret feed token (the old URL stops working). Only its SHA-256 is stored; commits."""
    secret = secrets.token_urlsafe(32)
    practitioner.calendar_token_hash = token_hash(secret)
    db.session.commit()
    return secret


def revoke_calendar_token(practitioner: Practitioner) -> None:
    practitioner.calendar_token_hash = None
    db.session.commit()


def practitioner_for_calendar_token(secret: str | None) -> Practitioner | None:
    if not secret or len(secret) > 200:
        return None
    return db.session.scalar(select(Practitioner).where(Practitioner.calendar_token_hash == token_hash(secret)))

