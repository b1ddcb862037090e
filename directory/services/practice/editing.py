"""A practitioner's own changes: profile fields, clinic locations, publishing."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from directory.data.places import CANADIAN_PROVINCES, US_STATES
from directory.extensions import db
from directory.models import ACTIVE_STATUSES, Appointment, Clinic, ListingState, Practitioner
from directory.models._types import utcnow
from directory.services import audit
from directory.services.geocoding import locate as geocoding
from directory.services.search import listing_status
from directory.services.booking.transactions import write_transaction
from directory.services.geocoding.zip_index import find_zip

PROFILE_FIELDS = frozenset({
    "display_name", "credentials", "bio", "years_chronic_pain", "back_pain_focus", "techniques",
    "complementary_therapies", "languages", "insurance", "fee_initial_cents", "fee_follow_up_cents",
    "fee_currency", "sliding_scale", "accepting_new_patients", "npi", "nccaom_id", "cnt_certificate_on",
})
# The profile form's error when a published profile leaves a required field blank.
PUBLISHED_REQUIRED = {name: blank for name, (_reason, blank) in listing_status.REQUIRED_FIELDS.items()}

US_ZIP_RE = re.compile(r"[0-9]{5}(?:-[0-9]{4})?")
CA_POSTAL_RE = re.compile(r"([ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z]) ?([0-9][ABCEGHJ-NPRSTV-Z][0-9])")

# Offline data has no Canadian time zones; a network geocoder's Canadian answer gets
# the zone where most of the province lives (shown to the practitioner after saving).
PROVINCE_TIMEZONES = {
    "AB": "America/Edmonton", "BC": "America/Vancouver", "MB": "America/Winnipeg",
    "NB": "America/Moncton", "NL": "America/St_Johns", "NS": "America/Halifax",
    "NT": "America/Yellowknife", "NU": "America/Iqaluit", "ON": "America/Toronto",
    "PE": "America/Halifax", "QC": "America/Toronto", "SK": "America/Regina", "YT": "America/Whitehorse",
}


class ProfileError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class ClinicError(ValueError):
    """``field`` names the form field at fault, or None when the whole address is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ClinicInUse(ClinicError):
    """A change that would move or remove visits patients still expect; ``appointments`` lists them."""

    def __init__(self, message: str, appointments: list[Appointment]):
        super().__init__(message)
        self.appointments = appointments


class ListingRefused(ValueError):
    def __init__(self, message: str, reasons: list[listing_status.Reason] | None = None):
        super().__init__(message)
        self.message = message
        self.reasons = reasons or []


@dataclass(frozen=True)
class ClinicDetails:
    name: str
    address: str
    city: str
    region: str       # state or province code, e.g. "CA"
    postal_code: str
    country: str      # "US" or "CA"
    phone: str

    def location(self) -> tuple[str, str, str, str, str]:
        return (self.address, self.city, self.region, self.postal_code, self.country)


@dataclass(frozen=True)
class SavedClinic:
    clinic: Clinic
    place: geocoding.Place | None  # None when the address did not change


def update_profile(practitioner: Practitioner, values: Mapping[str, Any]) -> None:
    """Apply every value or none of them."""
    unknown = set(values) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"not profile fields: {', '.join(sorted(unknown))}")
    if practitioner.listing_state is ListingState.LISTED:
        errors = {name: message for name, message in PUBLISHED_REQUIRED.items()
                  if name in values and not str(values[name] or "").strip()}
        if errors:
            raise ProfileError(errors)
    for name, value in values.items():
        setattr(practitioner, name, value)
    db.session.commit()


def normalise_postal_code(country: str, value: str) -> str:
    value = " ".join((value or "").upper().split())
    if country == "CA" and (match := CA_POSTAL_RE.fullmatch(value)):
        return f"{match.group(1)} {match.group(2)}"
    return value.replace(" ", "") if country == "US" else value


def _check_us_zip(region: str, postal_code: str) -> None:
    if not US_ZIP_RE.fullmatch(postal_code):
        raise ClinicError("Enter a 5-digit ZIP code, like 94110, or ZIP+4, like 94110-1234.", "postal_code")
    known = find_zip(postal_code[:5])
    if known is None:
        raise ClinicError(f"We could not find ZIP code {postal_code[:5]}. Check the ZIP code.")
    if not known.located:
        raise ClinicError(f"ZIP code {known.code} is a military mail (APO/FPO) code with no place "
                          "on the map. Enter the ZIP code of the clinic's street address.")
    if known.state != region:
        raise ClinicError(
            f"ZIP code {known.code} is in {US_STATES.get(known.state, known.state)}, not "
            f"{US_STATES.get(region, region)}. Check the ZIP code and the state.", "postal_code")


def locate(details: ClinicDetails) -> geocoding.Place:
    """Where the clinic is, with its time zone; raises ClinicError when unknown."""
    if details.country == "US" and details.region in US_STATES:
        _check_us_zip(details.region, details.postal_code)
    elif details.country == "CA" and details.region in CANADIAN_PROVINCES:
        if "CA" not in geocoding.searched_countries():
            # Patients could never find it: search has no Canadian places without a network geocoder.
            raise ClinicError("Patients can search only for places in the United States here, so they "
                              "could not find a clinic in Canada. Choose a US state.", "region")
        if not CA_POSTAL_RE.fullmatch(details.postal_code):
            raise ClinicError("Enter a postal code like K1A 0B1.", "postal_code")
    else:
        raise ClinicError("Choose a US state or a Canadian province.", "region")
    try:
        place = geocoding.locate_address(*details.location())
    except geocoding.LocationNotFound as exc:
        raise ClinicError(f"We could not find this address on the map. {exc}") from None
    timezone = place.timezone or (PROVINCE_TIMEZONES.get(details.region) if details.country == "CA" else None)
    if not timezone:
        raise ClinicError("We found this address but not its time zone. Check the postal code.")
    return replace(place, timezone=timezone)


def _in_use(clinic: Clinic, doing: str) -> ClinicInUse:
    visits = open_appointments(clinic)
    one = len(visits) == 1
    return ClinicInUse(
        f"{clinic.label} has {len(visits)} upcoming appointment{'' if one else 's'} requested or confirmed, "
        f"booked at this address and time zone. Decline or cancel {'it' if one else 'them'} (the patient is "
        f"emailed each time) before {doing}; the name and phone can be changed meanwhile.", visits)


def save_clinic(practitioner: Practitioner, details: ClinicDetails,
                clinic: Clinic | None = None) -> SavedClinic:
    """Create or update a clinic, geocoding it when its address is new or changed.

    Raises ClinicError and changes nothing when the address cannot be located, and ClinicInUse
    when the address, zone or jurisdiction of a clinic with upcoming visits would change: those
    patients booked a time and place that must not move under them."""
    if clinic is not None and (clinic.practitioner_id != practitioner.id or clinic.archived_at is not None):
        raise ValueError("clinic belongs to another practitioner or is archived")
    unchanged = clinic is not None and details.location() == (
        clinic.address, clinic.city, clinic.region, clinic.postal_code, clinic.country)
    if not unchanged and clinic is not None and open_appointments(clinic):
        raise _in_use(clinic, "changing its address")
    place = None if unchanged else locate(details)
    # Serialised with bookings, so no request lands between the check and the change.
    with write_transaction(practitioner.id):
        if not unchanged and clinic is not None and open_appointments(clinic):
            raise _in_use(clinic, "changing its address")
        if clinic is None:
            clinic = Clinic()
            practitioner.clinics.append(clinic)
        clinic.name, clinic.address, clinic.city = details.name, details.address, details.city
        clinic.region, clinic.postal_code, clinic.country = details.region, details.postal_code, details.country
        clinic.phone = details.phone
        if place is not None:
            clinic.latitude, clinic.longitude = place.latitude, place.longitude
            clinic.timezone = place.timezone
            clinic.geocoded_by = place.source[:40]
            clinic.geocoded_at = utcnow()
    return SavedClinic(clinic, place)


def open_appointments(clinic: Clinic) -> list[Appointment]:
    """Requested or confirmed appointments at the clinic that have not ended yet, soonest first."""
    if clinic.id is None:
        return []
    return list(db.session.scalars(
        select(Appointment).where(Appointment.clinic_id == clinic.id, Appointment.status.in_(ACTIVE_STATUSES),
                                  Appointment.ends_at > utcnow())
        .order_by(Appointment.starts_at, Appointment.id).options(selectinload(Appointment.patient))))


def has_history(clinic: Clinic) -> bool:
    """Whether any appointment, in any state, ever named the clinic."""
    return bool(db.session.scalar(select(exists().where(Appointment.clinic_id == clinic.id))))


def delete_clinic(practitioner: Practitioner, clinic: Clinic) -> bool:
    """Take the clinic out of use; True when it was archived rather than deleted.

    A clinic any appointment ever named is archived: gone from search, schedules and new
    bookings, kept with its visits' history (the database refuses to delete it). Raises
    ClinicInUse and changes nothing while patients still expect a visit there."""
    if clinic.practitioner_id != practitioner.id:
        raise ValueError("clinic belongs to another practitioner")
    with write_transaction(practitioner.id):
        if open_appointments(clinic):
            raise _in_use(clinic, "removing the clinic")
        if not has_history(clinic):
            practitioner.clinics.remove(clinic)
            return False
        clinic.archived_at = utcnow()
        audit.record("clinic.archived", "clinic", clinic.id, actor=practitioner.user,
                     after={"archived_at": clinic.archived_at})
    return True


def _lock(practitioner: Practitioner) -> None:
    # Re-read the row (locked on PostgreSQL) so an admin's suspension made a moment
    # ago is seen rather than overwritten.
    db.session.refresh(practitioner, with_for_update=True)


def publish(practitioner: Practitioner) -> None:
    _lock(practitioner)
    if practitioner.listing_state is ListingState.SUSPENDED:
        db.session.rollback()
        raise ListingRefused("Your listing is suspended by an administrator, so it cannot be "
                             "published. Contact Meridian support.")
    if practitioner.listing_state is ListingState.LISTED:
        db.session.rollback()
        return
    blockers = listing_status.listing_status(practitioner).blockers
    if blockers:
        db.session.rollback()
        raise ListingRefused("Your profile cannot be published yet.", blockers)
    practitioner.listing_state = ListingState.LISTED
    db.session.commit()


def unpublish(practitioner: Practitioner) -> None:
    _lock(practitioner)
    if practitioner.listing_state is ListingState.SUSPENDED:
        db.session.rollback()
        raise ListingRefused("Your listing is suspended by an administrator; only an "
                             "administrator can change it.")
    practitioner.listing_state = ListingState.DRAFT
    db.session.commit()


def place_label(place: geocoding.Place) -> str:
    how = {"zip": "the ZIP code's centre", "city": "the city's centre",
           "coordinates": "the coordinates given"}.get(place.source, "the street address")
    return f"{place.label} (located by {how})"

