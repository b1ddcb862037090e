"""Two patients, each in a browser of their own, send a request for the same time at the same
moment to a server with two workers: exactly one gets it, the other is told kindly and
offered fresh times, and the database holds one active appointment for that time."""
from __future__ import annotations

import re
import time as clock
from datetime import time, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import Appointment, Role
from directory.models.booking import ACTIVE_STATUSES
from directory.services.booking import scheduling
from directory.services.accounts.passwords import hash_password
from tests.e2e import ui
from tests.factories import create_practitioner, create_user

pytestmark = pytest.mark.e2e

NAME = "Ruth Okafor"
PATIENTS = ("ana.ruiz@example.com", "ben.kim@example.com")
MIDTOWN = {"name": "Midtown Acupuncture", "address": "350 W 31st St", "city": "New York", "region": "NY",
           "postal_code": "10001", "latitude": 40.7506, "longitude": -73.9972, "timezone": "America/New_York"}
# Both browsers submit at this many milliseconds from now, by the same machine clock.
SUBMIT_DELAY_MS = 400


@pytest.fixture
def practitioner_id(server_db) -> int:
    with server_db.app_context():
        user = create_user(role=Role.PRACTITIONER, email="ruth.okafor@example.com", name=NAME,
                           password_hash=hash_password(ui.PASSWORD))
        # In New York, away from the journeys' California practitioner on the same server.
        practitioner = create_practitioner(user=user, display_name=NAME, clinics=[MIDTOWN])
        scheduling.set_weekly_hours(practitioner.clinics[0], {day: [(time(9), time(17))] for day in range(7)})
        for number, email in enumerate(PATIENTS, 1):
            create_user(role=Role.PATIENT, email=email, name=f"Patient {number}",
                        password_hash=hash_password(ui.PASSWORD))
        db.session.commit()
        return practitioner.id


def is_booking_post(response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/appointments/new")


@pytest.mark.browser
def test_two_patients_race_for_one_slot_and_exactly_one_wins(server, server_db, practitioner_id, new_page,
                                                              steps):
    profile_url = f"{server.url}/practitioners/{practitioner_id}"
    pages = [new_page(), new_page()]
    shots = {f"patient{n}": page for n, page in enumerate(pages, 1)}

    with steps("4a. both patients fill in the intake for the same time", **shots):
        chosen = []
        for page, email in zip(pages, PATIENTS):
            ui.log_in(page, server.url, email)
            page.goto(profile_url)
            slot, start = ui.first_slot(page)
            chosen.append((slot.get_attribute("href"), start))
            slot.click()
            ui.fill_intake(page)
        assert chosen[0] == chosen[1], "both patients must be asking for the same time"
        href, start = chosen[0]

    with steps("4b. both submit at once", **shots):
        at = clock.time() * 1000 + SUBMIT_DELAY_MS
        submit = ("at => setTimeout(() => document.querySelector('form.intake-form').submit(), "
                  "Math.max(0, at - Date.now()))")
        # Scheduled in both browsers first, so neither waits for the other's answer.
        with pages[0].expect_response(is_booking_post) as first, pages[1].expect_response(is_booking_post) as second:
            for page in pages:
                page.evaluate(submit, at)
        statuses = sorted([first.value.status, second.value.status])
        for page in pages:
            # The answer is in; wait until the page shows it (the query string is gone then).
            page.wait_for_url(re.compile(r"/appointments(/new)?$"))

    with steps("4c. exactly one wins and the other is told kindly", **shots):
        # The winner is redirected to their appointments; the loser gets the 409 page.
        assert statuses == [302, 409]
        winners = [p for p in pages if p.url.endswith("/appointments")]
        losers = [p for p in pages if not p.url.endswith("/appointments")]
        assert len(winners) == 1 and len(losers) == 1
        expect(winners[0].get_by_role("status")).to_contain_text(f"has been sent to {NAME}")
        expect(winners[0].get_by_role("region", name="Upcoming")).to_contain_text("Requested")
        loser = losers[0]
        expect(loser.get_by_role("heading", level=1)).to_have_text("This slot was just taken")
        expect(loser.get_by_role("status")).to_contain_text("Nothing has been booked for you")
        fresh = loser.locator("a.slot")
        expect(fresh.first).to_be_visible()
        assert href not in fresh.evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert loser.get_by_role("alert").count() == 0  # a choice to make, not an error

    with server_db.app_context():
        theirs = select(func.count()).select_from(Appointment).where(Appointment.practitioner_id == practitioner_id)
        assert db.session.scalar(theirs.where(Appointment.starts_at == start.astimezone(timezone.utc),
                                              Appointment.status.in_(ACTIVE_STATUSES))) == 1
        assert db.session.scalar(theirs) == 1  # the loser's attempt left nothing behind

