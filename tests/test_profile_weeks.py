"""The public profile pages free times week by week up to the practitioner's booking horizon,
and a phone reads the licences, fees and insurance before the time buttons."""
from __future__ import annotations

from datetime import date, time
from urllib.parse import parse_qs, urlsplit

from directory.models import AppointmentKind
from directory.services.booking import scheduling
from tests.booking_fixtures import open_every_day
from tests.factories import create_practitioner
from tests.test_booking_pages import iso, page_of
from tests.test_pages import assert_accessible_layout


def slot_starts(page) -> set[str]:
    return {parse_qs(urlsplit(a["href"]).query)["start"][0] for a in page.find("a", **{"class": "slot"})}


def later_link(page) -> str | None:
    found = [a["href"] for a in page.find("a", rel="next")]
    assert len(set(found)) <= 1
    return found[0] if found else None


def test_patients_page_week_by_week_to_the_horizon_and_see_every_free_time_once(client, app):
    practitioner = create_practitioner(horizon_days=30)
    for clinic in practitioner.clinics:
        # One first visit a day, so every free time fits on the week's list without a "more" link.
        open_every_day(clinic, start=time(10), end=time(11))
    expected = {iso(s.start) for s in scheduling.free_slots(
        practitioner, start=date.today(), days=40, kind=AppointmentKind.INITIAL)}
    assert len(expected) >= 29   # 30 days ahead, less the notice period

    url, seen, pages = f"/practitioners/{practitioner.id}", set(), 0
    while url is not None:
        page = page_of(client.get(url))
        assert_accessible_layout(page)
        shown = slot_starts(page)
        assert len(shown) <= 7 and not (shown & seen), url
        seen |= shown
        pages += 1
        url = later_link(page)
        assert pages <= 10
    assert seen == expected
    assert pages == 30 // 7 + 1
    assert "Later week" not in page.text and "Earlier week" in page.text


def test_the_week_links_keep_the_kind_of_visit_and_bad_weeks_fall_back(client, app):
    practitioner = create_practitioner()
    for clinic in practitioner.clinics:
        open_every_day(clinic)
    first = page_of(client.get(f"/practitioners/{practitioner.id}"))
    assert "This week" in first.text and not first.find("a", rel="prev")
    later = later_link(first)
    assert parse_qs(urlsplit(later).query) == {"kind": ["initial"], "week": ["1"]}
    for week in ("-1", "x", "1e3", "٣", "99999999999999999999"):
        page = page_of(client.get(f"/practitioners/{practitioner.id}?week={week}"))
        assert "Request an appointment" in page.text
    beyond = page_of(client.get(f"/practitioners/{practitioner.id}?week=50"))
    assert "Week 9 of 9" in beyond.text and not beyond.find("a", rel="next")


def test_on_a_phone_the_licence_and_fee_panels_come_before_the_times(client, app):
    practitioner = create_practitioner(insurance=["Aetna"])
    for clinic in practitioner.clinics:
        open_every_day(clinic)
    html = client.get(f"/practitioners/{practitioner.id}").get_data(as_text=True)
    # A phone shows the single column in the page's order.
    times = html.index('id="availability"')
    assert html.index('id="licences"') < times
    assert html.index('id="fees"') < times
    assert html.index("Aetna") < times
    assert html.index('class="slot"') > times
