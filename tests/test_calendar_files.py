""".ics files and the practitioner's feed, parsed back with icalendar; emails carry them."""
from __future__ import annotations

import email
import email.policy
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from directory.extensions import db
from directory.models import Appointment, AppointmentKind, AppointmentStatus
from directory.services.booking import requests as booking
from directory.services.booking import calendar_files
from directory.services.mail import outbox as mail
from tests.booking_fixtures import (INTAKE, MEDICATION, NEXT_THURSDAY, NOW, local, patient, practitioner_with_hours,
                                    request)
from tests.factories import create_practitioner

UTC = timezone.utc
NEW_YORK = {"name": "Midtown", "address": "5 W 45th St", "city": "New York", "region": "NY", "postal_code": "10036",
            "latitude": 40.756, "longitude": -73.98, "timezone": "America/New_York"}
PHOENIX = {"name": "Camelback", "address": "2 E Camelback Rd", "city": "Phoenix", "region": "AZ",
           "postal_code": "85012", "latitude": 33.51, "longitude": -112.07, "timezone": "America/Phoenix"}
HONOLULU = {"name": "Kapiolani", "address": "3 Kapiolani Blvd", "city": "Honolulu", "region": "HI",
            "postal_code": "96813", "latitude": 21.29, "longitude": -157.84, "timezone": "Pacific/Honolulu"}
CLINICS = {"America/Los_Angeles": {}, "America/New_York": NEW_YORK, "America/Phoenix": PHOENIX,
           "Pacific/Honolulu": HONOLULU}


def appointment_at(zone: str, start: datetime, *, minutes: int = 60, status=AppointmentStatus.CONFIRMED,
                   practitioner=None, patient_user=None) -> Appointment:
    practitioner = practitioner or create_practitioner(display_name="Dr Mei Lee", clinics=[CLINICS[zone]])
    appointment = Appointment(
        practitioner=practitioner, clinic=practitioner.clinics[0], patient=patient_user or patient(name="Ada Lovelace"),
        starts_at=start, ends_at=start + timedelta(minutes=minutes), kind=AppointmentKind.INITIAL, status=status,
        intake=INTAKE, confirmed_at=NOW if status is not AppointmentStatus.REQUESTED else None)
    db.session.add(appointment)
    db.session.commit()
    return appointment


def parse(ics: str) -> tuple[Calendar, list]:
    calendar = Calendar.from_ical(ics)
    return calendar, calendar.walk("VEVENT")


def test_a_confirmed_appointment_as_ics(app):
    start = local(NEXT_THURSDAY, 9)
    appointment = appointment_at("America/Los_Angeles", start)
    ics = calendar_files.ics_for(appointment)
    calendar, [event] = parse(ics)
    assert calendar["METHOD"] == "PUBLISH"
    assert str(event["UID"]) == f"appointment-{appointment.id}@meridian"
    assert str(event["SUMMARY"]) == "Acupuncture with Dr Mei Lee"
    assert str(event["LOCATION"]) == "Clinic, 1 Main St, San Francisco, CA 94110"
    assert str(event["STATUS"]) == "CONFIRMED" and event["SEQUENCE"] == 1
    assert event["DTSTART"].params["TZID"] == "America/Los_Angeles"
    assert event.decoded("DTSTART") == start and event.decoded("DTEND") == start + timedelta(hours=1)
    assert "DTSTART;TZID=America/Los_Angeles:20260312T090000" in ics
    assert [tz.tz_name for tz in calendar.timezones] == ["America/Los_Angeles"]
    for secret in (MEDICATION, "Lovelace", "herniation", "anticoagulant"):
        assert secret not in ics


@pytest.mark.parametrize(("zone", "day", "hour", "utc_hour"), [
    ("America/Los_Angeles", date(2026, 3, 7), 9, 17),   # PST, the day before spring forward
    ("America/Los_Angeles", date(2026, 3, 8), 9, 16),   # PDT, the day of the change
    ("America/Los_Angeles", date(2026, 11, 1), 9, 17),  # PST again, the day of fall back
    ("America/New_York", date(2026, 3, 8), 9, 13),
    ("America/New_York", date(2026, 11, 1), 9, 14),
    ("America/Phoenix", date(2026, 3, 8), 9, 16),       # no daylight saving
    ("America/Phoenix", date(2026, 11, 1), 9, 16),
    ("Pacific/Honolulu", date(2026, 3, 8), 9, 19),
    ("Pacific/Honolulu", date(2026, 11, 1), 9, 19),
])
def test_times_are_right_on_daylight_saving_change_days(app, zone, day, hour, utc_hour):
    start = datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
    assert start.astimezone(ZoneInfo(zone)).hour == hour  # the expectation itself is right
    ics = calendar_files.ics_for(appointment_at(zone, start))
    calendar, [event] = parse(ics)
    assert f"DTSTART;TZID={zone}:{day:%Y%m%d}T{hour:02d}0000" in ics
    assert event.decoded("DTSTART") == start
    # The VTIMEZONE we ship, read on its own (not looked up by name), gives the same instant.
    [vtimezone] = calendar.timezones
    own_zone = vtimezone.to_tz(lookup_tzid=False)
    assert datetime(day.year, day.month, day.day, hour, tzinfo=own_zone).astimezone(UTC) == start


def test_an_appointment_across_spring_forward_ends_an_hour_later_on_the_clock(app):
    start = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)  # 01:30 PST
    ics = calendar_files.ics_for(appointment_at("America/Los_Angeles", start))
    _, [event] = parse(ics)
    assert "DTEND;TZID=America/Los_Angeles:20260308T033000" in ics  # 60 minutes later: 03:30 PDT
    # (Aware datetimes in one zone subtract as wall clocks: compare instants.)
    assert event.decoded("DTEND").astimezone(UTC) - event.decoded("DTSTART").astimezone(UTC) == timedelta(hours=1)


def test_a_time_in_the_repeated_hour_is_written_in_utc(app):
    start = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT; it ends at 01:30 EST
    ics = calendar_files.ics_for(appointment_at("America/New_York", start))
    _, [event] = parse(ics)
    assert "DTSTART:20261101T053000Z" in ics and "DTEND:20261101T063000Z" in ics
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)


def test_each_change_raises_the_sequence_and_cancelling_sends_method_cancel(app):
    practitioner = practitioner_with_hours(display_name="Dr Mei Lee")
    ada = patient(name="Ada Lovelace")
    appointment = request(ada, practitioner, local(NEXT_THURSDAY, 9))
    _, [requested] = parse(calendar_files.ics_for(appointment))
    booking.confirm(appointment, practitioner_user=practitioner.user, now=NOW)
    _, [confirmed] = parse(calendar_files.ics_for(appointment))
    booking.cancel(appointment, by=ada, now=NOW)
    calendar, [cancelled] = parse(calendar_files.ics_for(appointment))
    assert calendar["METHOD"] == "CANCEL"
    assert [str(e["STATUS"]) for e in (requested, confirmed, cancelled)] == ["TENTATIVE", "CONFIRMED", "CANCELLED"]
    assert [e["SEQUENCE"] for e in (requested, confirmed, cancelled)] == [0, 1, 2]
    assert len({str(e["UID"]) for e in (requested, confirmed, cancelled)}) == 1


def test_the_practitioners_copy_names_the_patient_by_first_name_only(app):
    appointment = appointment_at("America/Los_Angeles", local(NEXT_THURSDAY, 9))
    ics = calendar_files.ics_for(appointment, for_practitioner=True)
    _, [event] = parse(ics)
    assert str(event["SUMMARY"]) == "Acupuncture: Ada (first visit)"
    assert "Lovelace" not in ics and MEDICATION not in ics


def test_the_feed_lists_confirmed_appointments_only(app):
    mine = appointment_at("America/Los_Angeles", local(NEXT_THURSDAY, 9))
    practitioner = mine.practitioner
    appointment_at("America/Los_Angeles", local(NEXT_THURSDAY, 11), practitioner=practitioner,
                   status=AppointmentStatus.REQUESTED)
    appointment_at("America/Los_Angeles", local(NEXT_THURSDAY, 13), practitioner=practitioner,
                   status=AppointmentStatus.CANCELLED)
    appointment_at("America/Los_Angeles", local(NEXT_THURSDAY, 9))  # someone else's
    feed = calendar_files.calendar_feed(practitioner, now=NOW)
    calendar, events = parse(feed)
    assert [str(e["UID"]) for e in events] == [f"appointment-{mine.id}@meridian"]
    assert str(calendar["X-WR-CALNAME"]) == "Meridian: Dr Mei Lee"
    assert MEDICATION not in feed and "Lovelace" not in feed


def test_an_empty_feed_is_still_a_calendar(app):
    calendar, events = parse(calendar_files.calendar_feed(create_practitioner(), now=NOW))
    assert calendar["VERSION"] == "2.0" and events == []


def eml_parts(mail_dir: Path) -> list:
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(mail_dir.glob("*.eml"))]
    return [(m, [part for part in m.iter_attachments()]) for m in messages]


def test_emails_carry_the_ics_as_a_text_calendar_attachment(app):
    practitioner = practitioner_with_hours(display_name="Dr Mei Lee")
    ada = patient(name="Ada Lovelace")
    appointment = request(ada, practitioner, local(NEXT_THURSDAY, 9))
    booking.confirm(appointment, practitioner_user=practitioner.user, now=NOW)
    booking.cancel(appointment, by=practitioner.user, reason="Unwell", now=NOW)
    report = mail.send_due()
    assert report.sent == 6
    sent = eml_parts(Path(app.config["MAIL_FILE_DIR"]))
    to_ada = [(m, parts) for m, parts in sent if m["To"] == ada.email]
    methods = []
    for message, [attachment] in to_ada:
        assert attachment.get_content_type() == "text/calendar"
        assert attachment.get_filename() == f"appointment-{appointment.id}.ics"
        assert message.get_body(("plain",)).get_content().startswith("Hello Ada Lovelace")
        methods.append(attachment.get_param("method"))
        _, [event] = parse(attachment.get_content())
        assert str(event["UID"]) == f"appointment-{appointment.id}@meridian"
    assert methods == ["PUBLISH", "PUBLISH", "CANCEL"]
