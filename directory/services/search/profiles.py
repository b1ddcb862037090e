"""Public profiles: what a patient may see of a listed practitioner."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.services import presenters
from directory.extensions import db
from directory.models import Clinic, Licence, ListingState, Practitioner, SearchEntry, VerificationState

# Ids are PostgreSQL INTEGERs; a larger number names no row and would overflow the
# bound parameter if it reached the database.
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class PublicProfile:
    practitioner: Practitioner
    clinics: list[Clinic]        # only clinics the listing rule shows, by id
    licences: list[Licence]      # only verified, unexpired licences, as shown_licences orders them
    shown_licence: Licence       # the licence that lists the first clinic
    # Verified, unexpired credentials from places that do not license acupuncture: shown,
    # labelled as such, but they never list anyone.
    certifications: list[Licence] = field(default_factory=list)

    @property
    def shown_clinic(self) -> Clinic:
        return self.clinics[0]


def certifications(practitioner: Practitioner, today: date) -> list[Licence]:
    return [lic for lic in practitioner.licences
            if not lic.is_licence and lic.verification_state is VerificationState.VERIFIED
            and lic.expires_on is not None and lic.expires_on >= today]


def shown_licences(practitioner: Practitioner, today: date) -> list[Licence]:
    """The verified, unexpired licences a profile shows, by place name."""
    return sorted((lic for lic in practitioner.licences if lic.is_current(today)),
                  key=lambda lic: (presenters.jurisdiction_name(lic.jurisdiction), lic.id))


def listed_profile(practitioner_id: int, today: date | None = None) -> PublicProfile | None:
    """The profile of a listed practitioner, or None for unknown and unlisted ones."""
    if not 0 < practitioner_id <= MAX_ID:
        return None
    today = today or date.today()
    # The search index already applies the listing rule per clinic; only its
    # expiry check depends on today's date.
    entries = dict(db.session.execute(
        select(SearchEntry.clinic_id, SearchEntry.licence_id)
        .where(SearchEntry.practitioner_id == practitioner_id, SearchEntry.expires_on >= today)
        .order_by(SearchEntry.clinic_id)).all())
    if not entries:
        return None
    practitioner = db.session.scalar(
        select(Practitioner)
        .where(Practitioner.id == practitioner_id, Practitioner.listing_state == ListingState.LISTED)
        .options(selectinload(Practitioner.clinics), selectinload(Practitioner.licences)))
    if practitioner is None:
        return None
    clinics = [c for c in practitioner.clinics if c.id in entries]
    licences = shown_licences(practitioner, today)
    first_licence_id = entries[clinics[0].id]
    shown = next(lic for lic in practitioner.licences if lic.id == first_licence_id)
    return PublicProfile(practitioner, clinics, licences, shown, certifications(practitioner, today))
