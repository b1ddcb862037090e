"""The practitioner's availability page, end to end: weekly hours, booking rules, time off,
the slot preview with its zone, validation, and other practitioners' ids."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import AvailabilityRule, Practitioner, Role, TimeOff
from directory.services.presenters import short_date
from directory.services.booking import scheduling
from tests.factories import add_clinic, create_practitioner, create_user
from tests.helpers_auth import login_as
from tests.test_pages import Page, assert_accessible_layout

URL = "/practice/availability"
EVERY_DAY = {day: [(time(9), time(12, 30))] for day in range(7)}


@pytest.fixture
def me(app, client) -> Practitioner:
    practitioner = create_practitioner(display_name="Mei Chen", min_notice_hours=0)
    login_as(client, practitioner.user)
    return practitioner


def page_of(response, status: int = 200) -> Page:
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return Page(response.get_data(as_text=True))


def field_error(page: Page, field_id: str) -> None:
    """The control is marked invalid and described by the error paragraph beside it."""
    control = page.by_id(field_id)
    assert control.get("aria-invalid") == "true", control
    assert f"{field_id}-error" in control.get("aria-describedby", "")
    assert page.by_id(f"{field_id}-error")


def summary_links(page: Page) -> list[str]:
    return [a["href"] for a in page.find("a") if a.get("href", "").startswith("#") and a["href"] != "#main"]


def hours_data(clinic_id: int, **days: str) -> dict[str, str]:
    return {f"clinic-{clinic_id}-{key}": days.get(key, "") for key in scheduling.DAY_KEYS}


def rules() -> list[tuple[int, time, time]]:
    db.session.expire_all()
    return [(r.weekday, r.start_time, r.end_time) for r in db.session.scalars(
        select(AvailabilityRule).order_by(AvailabilityRule.weekday, AvailabilityRule.start_time))]


# --- the page ------------------------------------------------------------------------

def test_page_has_every_form_labelled_and_names_the_zone(client, me):
    page = page_of(client.get(URL))
    assert_accessible_layout(page)
    assert page.find("a", href=URL, **{"aria-current": "page"})
    clinic_id = me.clinics[0].id
    for key in scheduling.DAY_KEYS:
        assert page.by_id(f"clinic-{clinic_id}-{key}")
    for name in ("initial_minutes", "follow_up_minutes", "buffer_minutes", "min_notice_hours", "horizon_days",
                 "first_day", "last_day", "clinic_id", "note"):
        assert page.by_id(name)
    assert "Times in Pacific Time (America/Los_Angeles)" in page.text
    assert "every 75 minutes for first visits and every 60 minutes for follow-ups" in page.text
    assert "No free slots at Clinic in the next 14 days" in page.text


def test_other_practice_pages_link_to_availability(client, me):
    assert page_of(client.get("/practice/clinics")).find("a", href=URL)


def test_a_patient_cannot_open_the_page(client, app):
    patient = create_user(role=Role.PATIENT)
    db.session.commit()
    login_as(client, patient)
    assert client.get(URL).status_code == 403
    assert client.post(URL + "/settings", data={}).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, app):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_without_a_clinic_the_page_asks_for_one(client, app):
    practitioner = create_practitioner(clinics=[], licences=[])
    login_as(client, practitioner.user)
    page = page_of(client.get(URL))
    assert page.find("a", href="/practice/clinics/new")
    assert page.by_id("initial_minutes") and not page.find("input", id="first_day")


# --- weekly hours --------------------------------------------------------------------

def test_saving_weekly_hours_shows_them_and_their_slots(client, me):
    clinic_id = me.clinics[0].id
    data = hours_data(clinic_id, **{key: "9:00-12:30, 1:30 pm - 6 pm" for key in scheduling.DAY_KEYS})
    response = client.post(f"{URL}/clinics/{clinic_id}/hours", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{URL}#hours-{clinic_id}")
    assert rules()[:2] == [(0, time(9), time(12, 30)), (0, time(13, 30), time(18))]
    page = page_of(client.get(URL))
    assert "Weekly hours saved for Clinic (San Francisco, CA)." in page.text
    assert page.by_id(f"clinic-{clinic_id}-wed")["value"] == "09:00-12:30, 13:30-18:00"
    # Every day has hours and there is no notice: tomorrow is in the preview, in local time.
    tomorrow = date.today() + timedelta(days=1)
    assert f"{tomorrow:%a} {tomorrow.day} " in page.text
    assert "1:30 PM" in page.text and "4:00 PM" in page.text


def test_blank_days_are_closed(client, me):
    clinic = me.clinics[0]
    scheduling.set_weekly_hours(clinic, EVERY_DAY)
    response = client.post(f"{URL}/clinics/{clinic.id}/hours", data=hours_data(clinic.id, tue="10-11"))
    assert response.status_code == 302
    assert rules() == [(1, time(10), time(11))]


def test_hours_problems_are_shown_beside_each_day_and_nothing_is_saved(client, me):
    clinic = me.clinics[0]
    scheduling.set_weekly_hours(clinic, {4: [(time(8), time(9))]})
    data = hours_data(clinic.id, mon="09:00-12:00, 11:00-13:00", tue="nine to five", wed="17:00-09:00",
                      thu="09:03-10:00", fri="10:00-11:00")
    page = page_of(client.post(f"{URL}/clinics/{clinic.id}/hours", data=data), 400)
    assert "Error: Availability" in page.text  # the page title
    prefix = f"clinic-{clinic.id}"
    assert summary_links(page) == [f"#{prefix}-mon", f"#{prefix}-tue", f"#{prefix}-wed", f"#{prefix}-thu"]
    for key in ("mon", "tue", "wed", "thu"):
        field_error(page, f"{prefix}-{key}")
    assert "Monday: 09:00–12:00 and 11:00–13:00 overlap." in page.text
    assert "Tuesday: “nine to five” is not a time range" in page.text
    assert "Wednesday: 17:00–09:00 ends before it starts" in page.text
    assert "Thursday: use times on 5-minute marks" in page.text
    # What was typed is kept; the saved hours are untouched (Friday's good range too).
    assert page.by_id(f"{prefix}-tue")["value"] == "nine to five"
    assert rules() == [(4, time(8), time(9))]


def test_more_than_six_ranges_a_day_are_refused(client, me):
    clinic = me.clinics[0]
    seven = ", ".join(f"{h:02d}:00-{h:02d}:30" for h in range(8, 15))
    page = page_of(client.post(f"{URL}/clinics/{clinic.id}/hours", data=hours_data(clinic.id, sat=seven)), 400)
    assert "Saturday: use at most 6 ranges." in page.text
    assert rules() == []


def test_each_clinic_has_its_own_hours_form_in_its_zone(client, me):
    phoenix = add_clinic(me, name="Desert", city="Phoenix", region="AZ", postal_code="85004",
                         timezone="America/Phoenix")
    db.session.commit()
    response = client.post(f"{URL}/clinics/{phoenix.id}/hours", data=hours_data(phoenix.id, mon="08:00-10:00"))
    assert response.status_code == 302
    assert [r.clinic_id for r in db.session.scalars(select(AvailabilityRule))] == [phoenix.id]
    page = page_of(client.get(URL))
    assert "Times in Mountain Standard Time (America/Phoenix)" in page.text
    assert "Times in Pacific Time (America/Los_Angeles)" in page.text


@pytest.mark.parametrize("clinic_id", ["other", 0, 999999, 2**40])
def test_another_practitioners_clinic_is_not_found(client, me, clinic_id):
    other = create_practitioner()
    target = other.clinics[0].id if clinic_id == "other" else clinic_id
    response = client.post(f"{URL}/clinics/{target}/hours", data=hours_data(target, mon="09:00-12:00"))
    assert response.status_code == 404
    assert rules() == []


# --- booking rules -------------------------------------------------------------------

SETTINGS = {"initial_minutes": "90", "follow_up_minutes": "30", "buffer_minutes": "0",
            "min_notice_hours": "48", "horizon_days": "90"}


def test_saving_the_booking_rules(client, me):
    response = client.post(f"{URL}/settings", data=SETTINGS)
    assert response.status_code == 302 and response.headers["Location"].endswith("#settings")
    db.session.expire_all()
    assert (me.initial_minutes, me.follow_up_minutes, me.buffer_minutes, me.min_notice_hours, me.horizon_days) == (
        90, 30, 0, 48, 90)
    page = page_of(client.get(URL))
    assert "Booking settings saved." in page.text
    assert page.by_id("initial_minutes")["value"] == "90"
    assert "every 90 minutes for first visits and every 30 minutes for follow-ups" in page.text


@pytest.mark.parametrize("field, value, message", [
    ("initial_minutes", "10", "Enter a whole number of minutes from 15 to 240."),
    ("follow_up_minutes", "241", "Enter a whole number of minutes from 15 to 240."),
    ("buffer_minutes", "121", "Enter a whole number of minutes from 0 to 120."),
    ("buffer_minutes", "-5", "Enter a whole number of minutes from 0 to 120."),
    ("min_notice_hours", "337", "Enter a whole number of hours from 0 to 336."),
    ("horizon_days", "0", "Enter a whole number of days from 1 to 365."),
    ("horizon_days", "lots", "Enter a whole number of days from 1 to 365."),
    ("initial_minutes", "", "Enter a whole number of minutes from 15 to 240."),
    ("initial_minutes", "99999999999999999999", "Enter a whole number of minutes from 15 to 240."),
])
def test_booking_rule_errors_are_shown_and_nothing_is_saved(client, me, field, value, message):
    page = page_of(client.post(f"{URL}/settings", data={**SETTINGS, field: value}), 400)
    field_error(page, field)
    assert message in page.text
    assert summary_links(page) == [f"#{field}"]
    assert page.by_id(field)["value"] == value
    db.session.expire_all()
    assert (me.initial_minutes, me.follow_up_minutes, me.buffer_minutes, me.horizon_days) == (60, 45, 15, 60)


# --- time off ------------------------------------------------------------------------

def test_adding_and_removing_a_single_day_off(client, me):
    scheduling.set_weekly_hours(me.clinics[0], EVERY_DAY)
    day = date.today() + timedelta(days=3)
    label = f"{day:%a} {day.day} "
    assert label in page_of(client.get(URL)).text
    response = client.post(f"{URL}/time-off", data={"first_day": day.isoformat(), "last_day": "",
                                                    "clinic_id": "", "note": "Conference"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#time-off")
    entry = db.session.scalars(select(TimeOff)).one()
    page = page_of(client.get(URL))
    assert "Time off added" in page.text and "Conference" in page.text and "All clinics" in page.text
    assert label not in page.text  # that day's slots are gone from the preview
    remove = f"{URL}/time-off/{entry.id}/remove"
    assert page.find("form", action=remove)
    assert client.post(remove).status_code == 302
    assert db.session.scalars(select(TimeOff)).all() == []
    assert label in page_of(client.get(URL)).text


def test_time_off_for_one_clinic_over_several_days(client, me):
    second = add_clinic(me, name="Second")
    db.session.commit()
    first_day = date.today() + timedelta(days=10)
    response = client.post(f"{URL}/time-off", data={
        "first_day": first_day.isoformat(), "last_day": (first_day + timedelta(days=4)).isoformat(),
        "clinic_id": str(second.id), "note": ""})
    assert response.status_code == 302
    entry = db.session.scalars(select(TimeOff)).one()
    assert entry.clinic_id == second.id
    text = page_of(client.get(URL)).text
    assert f"{short_date(first_day)} to {short_date(first_day + timedelta(days=4))}" in text
    assert "Second (San Francisco, CA)" in text


@pytest.mark.parametrize("data, field, fragment", [
    ({"first_day": "", "last_day": ""}, "first_day", "Enter the date"),
    ({"first_day": "next week"}, "first_day", "Enter the date as year-month-day"),
    ({"first_day": "+10", "last_day": "+9"}, "last_day", "cannot be before the first day"),
    ({"first_day": "+1", "last_day": "+400"}, "last_day", "at most 366 days"),
    ({"first_day": "-10", "last_day": "-5"}, "first_day", "over already"),
    ({"first_day": "+1", "clinic_id": "other"}, "clinic_id", "Choose one of your clinics"),
    ({"first_day": "+1", "clinic_id": "abc"}, "clinic_id", "Choose one of your clinics"),
    ({"first_day": "+1", "note": "x" * 201}, "note", "at most 200 characters"),
    ({"first_day": "+1", "note": "a\x07b"}, "note", "control characters"),
    ({"first_day": "9999-12-31"}, "first_day", "within the next two years"),
    ({"first_day": "+1", "last_day": "9999-12-31"}, "last_day", "within the next two years"),
    ({"first_day": "+800", "last_day": "+801"}, "first_day", "within the next two years"),
])
def test_time_off_errors_are_shown_and_nothing_is_saved(client, me, data, field, fragment):
    other = create_practitioner()

    def value(v: str) -> str:
        if v and v[0] in "+-" and v[1:].isdigit():
            return (date.today() + timedelta(days=int(v))).isoformat()
        return str(other.clinics[0].id) if v == "other" else v
    form = {"first_day": "", "last_day": "", "clinic_id": "", "note": ""}
    form.update({k: value(v) for k, v in data.items()})
    page = page_of(client.post(f"{URL}/time-off", data=form), 400)
    field_error(page, field)
    assert fragment in page.text
    assert f"#{field}" in summary_links(page)
    assert db.session.scalars(select(TimeOff)).all() == []


@pytest.mark.parametrize("which", ["other", "missing", "huge"])
def test_another_practitioners_time_off_is_not_found(client, me, which):
    other = create_practitioner()
    entry = scheduling.add_time_off(other, first_day=date.today() + timedelta(days=1),
                                    last_day=date.today() + timedelta(days=1), clinic_id=None)
    target = {"other": entry.id, "missing": entry.id + 100, "huge": 2**40}[which]
    assert client.post(f"{URL}/time-off/{target}/remove").status_code == 404
    assert db.session.scalars(select(TimeOff)).all() != []


def test_past_time_off_is_not_listed(client, me):
    scheduling.add_time_off(me, first_day=date.today() - timedelta(days=20), last_day=date.today() - timedelta(days=10),
                            clinic_id=None, note="Old holiday")
    text = page_of(client.get(URL)).text
    assert "Old holiday" not in text and "No time off planned." in text


# --- preview -------------------------------------------------------------------------

def test_preview_lists_each_clinic_in_its_own_zone(client, me):
    honolulu = add_clinic(me, name="Island", city="Honolulu", region="HI", postal_code="96813",
                          timezone="Pacific/Honolulu")
    db.session.commit()
    scheduling.set_weekly_hours(me.clinics[0], EVERY_DAY)
    scheduling.set_weekly_hours(honolulu, {day: [(time(14), time(15))] for day in range(7)})
    page = page_of(client.get(URL))
    headings = [a.get("id") for a in page.find("h3")]
    assert f"preview-{me.clinics[0].id}" in headings and f"preview-{honolulu.id}" in headings
    assert "Times in Hawaii-Aleutian Standard Time (Pacific/Honolulu)" in page.text
    assert "2:00 PM HST" in page.text  # Honolulu's hours shown in Honolulu time
    assert "First visits (60 min)" in page.text and "Follow-ups (45 min)" in page.text


def test_ids_are_unique_with_several_clinics_and_time_off(client, me):
    add_clinic(me, name="Second")
    db.session.commit()
    for offset in (1, 3):
        day = date.today() + timedelta(days=offset)
        scheduling.add_time_off(me, first_day=day, last_day=day, clinic_id=None)
    page = page_of(client.get(URL))
    assert_accessible_layout(page)
    ids = [a["id"] for _tag, a in page.elements if "id" in a]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert len([f for f in page.find("form") if f.get("action", "").endswith("/remove")]) == 2
