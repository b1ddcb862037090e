"""The data the accessibility suite walks through: one of everything a page can show, so
every template is reached in its empty, filled and error states."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from directory.booking.display import iso_utc
from directory.extensions import db
from directory.models import AppointmentKind, AppointmentStatus, ListingState, Role, User, VerificationState
from directory.services.accounts import users as accounts
from directory.services.booking import requests as booking
from directory.services.booking import reschedule as booking_reschedule
from directory.services.licensing import decisions as licensing
from directory.services.booking import scheduling
from directory.services.accounts.passwords import hash_password
from tests.booking_fixtures import INTAKE, open_every_day, seen_before
from tests.factories import add_clinic, add_licence, create_practitioner, create_user

PASSWORD = "juniper kettle harbour"
PATIENT = "pat.lee@example.com"
PRACTITIONER = "mei.chen@example.com"
ADMIN = "rae.reviewer@example.com"
PENDING_NUMBER = "AC 77123"


@dataclass(frozen=True)
class World:
    """Ids and secrets the pages need; everything else is found by following links."""
    practitioner_id: int          # Mei Chen: listed, open every day, two clinics
    clinic_id: int                # her San Francisco clinic (appointments are here)
    spare_clinic_id: int          # her Oakland clinic: nothing booked, so it can be deleted
    verified_licence_id: int
    requested_id: int             # Pat's request, waiting for Mei's answer
    confirmed_id: int             # Pat's confirmed visit, far enough ahead to change online
    pending_licence_id: int       # Ann Pending's licence in the admin queue
    pending_practitioner_id: int
    expiring_practitioner_id: int  # Eli Expiring: a verified licence running out in 30 days
    slot_day: date                # a local day with free slots at the San Francisco clinic
    taken_start: str              # the start of Pat's request: no longer free, as a link gives it
    reset_token: str              # Pat's password-reset link
    email_token: str              # Pat's pending change of email address
    past_visit_id: int = 0        # Pat's visit with Mei that ended yesterday: a reaction can be reported
    attended_visit_id: int = 0    # Pat's visit with Mei ten days ago, marked attended: reviewable


def _user(role: Role, email: str, name: str) -> User:
    return create_user(role=role, email=email, name=name, password_hash=hash_password(PASSWORD))


def _free_starts(practitioner, clinic_id: int, day: date, now: datetime) -> list[datetime]:
    slots = scheduling.free_slots(practitioner, start=day, days=1, kind=AppointmentKind.INITIAL,
                                  clinic_id=clinic_id, now=now)
    return [slot.start for slot in slots]


def build() -> World:
    """Create the world; call inside the live server's app context."""
    now = datetime.now(timezone.utc)
    today = date.today()

    mei_user = _user(Role.PRACTITIONER, PRACTITIONER, "Mei Chen")
    mei = create_practitioner(user=mei_user, display_name="Mei Chen", languages=["English", "Spanish"])
    oakland = add_clinic(mei, name="Oakland Clinic", city="Oakland", postal_code="94612",
                         latitude=37.8044, longitude=-122.2712)
    db.session.flush()
    for clinic in mei.clinics:
        open_every_day(clinic)
    # Two more listed practitioners near 94110, so results can fill several pages.
    create_practitioner(display_name="Nina Near")
    create_practitioner(display_name="Milo Middle", accepting_new_patients=False)

    pat = _user(Role.PATIENT, PATIENT, "Pat Lee")
    _user(Role.ADMIN, ADMIN, "Rae Reviewer")
    db.session.commit()

    clinic = mei.clinics[0]
    slot_day = today + timedelta(days=4)
    starts = _free_starts(mei, clinic.id, slot_day, now)
    later = _free_starts(mei, clinic.id, slot_day + timedelta(days=1), now)
    requested = booking.request_appointment(patient=pat, practitioner=mei, clinic_id=clinic.id, start=starts[1],
                                            kind=AppointmentKind.INITIAL, intake=INTAKE, now=now)
    confirmed = booking.request_appointment(patient=pat, practitioner=mei, clinic_id=clinic.id, start=later[2],
                                            kind=AppointmentKind.INITIAL, intake=INTAKE, now=now)
    booking.confirm(confirmed, practitioner_user=mei_user, now=now)
    # Pat asked to move the confirmed visit: the pages say it stands until Mei confirms the new time.
    booking_reschedule.reschedule(confirmed, patient=pat, new_start=later[0], now=now)
    declined = booking.request_appointment(patient=pat, practitioner=mei, clinic_id=clinic.id, start=later[4],
                                           kind=AppointmentKind.INITIAL, intake=INTAKE, now=now)
    booking.decline(declined, practitioner_user=mei_user, now=now,
                    message="I am away that week; please choose a time in the week after.")

    # The admin's material: a licence to review (with stored checks, one failing), one
    # about to expire and one lapsed.
    ann = create_practitioner(display_name="Ann Pending", licences=[], commit=False)
    pending = add_licence(ann, number=PENDING_NUMBER, verification_state=VerificationState.PENDING,
                          verified_at=None, submitted_at=now - timedelta(days=2),
                          expires_on=today + timedelta(days=3000))
    db.session.flush()
    licensing.recheck(pending)
    eli = create_practitioner(display_name="Eli Expiring", commit=False,
                              licences=[{"jurisdiction": "US-CA", "expires_on": today + timedelta(days=30)}])
    create_practitioner(display_name="Lou Lapsed", listing_state=ListingState.LISTED, commit=False,
                        licences=[{"jurisdiction": "US-CA", "expires_on": today - timedelta(days=10),
                                   "verification_state": VerificationState.LAPSED}])
    db.session.commit()

    past_visit = seen_before(pat, mei, now=now + timedelta(days=29))
    past_visit.status = AppointmentStatus.CONFIRMED
    attended_visit = seen_before(pat, mei, now=now + timedelta(days=20))
    db.session.commit()

    tokens: list[str] = []
    accounts.request_email_change(pat, PASSWORD, "pat.new@example.com", lambda token: tokens.append(token) or token)
    return World(
        practitioner_id=mei.id, clinic_id=clinic.id, spare_clinic_id=oakland.id,
        verified_licence_id=mei.licences[0].id, requested_id=requested.id, confirmed_id=confirmed.id,
        pending_licence_id=pending.id, pending_practitioner_id=ann.id, expiring_practitioner_id=eli.id,
        slot_day=slot_day, taken_start=iso_utc(starts[1]), reset_token=accounts.reset_token(pat), email_token=tokens[0],
        past_visit_id=past_visit.id, attended_visit_id=attended_visit.id)
