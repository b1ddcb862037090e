"""Why a practitioner is or is not shown in search, in words they can act on.

The clinic-level rule is the search index's (``models.search.build_entries``): a
clinic is shown while its practitioner is listed and holds a verified licence for
the clinic's jurisdiction that has not expired. The required profile fields are
this module's own rule for publishing; the index does not look at them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from directory.services import presenters
from directory.models import Clinic, Licence, ListingState, Practitioner, VerificationState


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    # Where to fix it: an endpoint name and its arguments, or None when the fix is not
    # in the practitioner's hands here (a suspension is an admin's decision).
    fix_endpoint: str | None = None
    fix_label: str | None = None
    fix_args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ClinicStatus:
    clinic: Clinic
    shown: bool
    reason: Reason | None  # why it is not shown, when the licence is the cause


@dataclass(frozen=True)
class ListingStatus:
    state: ListingState
    clinics: list[ClinicStatus]
    blockers: list[Reason]   # what stops publishing (missing fields, no clinic)
    reasons: list[Reason]    # everything that keeps the profile or a clinic out of search

    @property
    def listed(self) -> bool:
        return bool(self.shown_clinics)

    @property
    def shown_clinics(self) -> list[Clinic]:
        return [c.clinic for c in self.clinics if c.shown]

    @property
    def shown_clinic_ids(self) -> set[int]:
        return {c.id for c in self.shown_clinics}

    @property
    def can_publish(self) -> bool:
        return self.state is ListingState.DRAFT and not self.blockers


# Fields a published profile cannot do without: the reason shown while one is missing, and
# the error beside it when the profile form of a published profile leaves it blank.
REQUIRED_FIELDS = {
    "display_name": ("Add your display name: it is the name patients see.", "Enter your display name."),
    "credentials": ("Add your credential letters (for example L.Ac.).",
                    "Enter your credential letters: a published profile shows them."),
    "bio": ("Write a short biography: patients read it before they choose.",
            "Write a short biography: a published profile shows it."),
}

# When several licences for one place fall short, say the one closest to listing.
_PRIORITY = {VerificationState.PENDING: 0, VerificationState.NEEDS_CHANGES: 1,
             VerificationState.VERIFIED: 2, VerificationState.LAPSED: 3, VerificationState.REJECTED: 4}


def _closest(licences: list[Licence]) -> Licence:
    return min(licences, key=lambda lic: (_PRIORITY[lic.verification_state],
                                          -(lic.expires_on or date.min).toordinal()))


def licence_problem(licences: list[Licence], place: str, today: date) -> str:
    """Why none of ``licences`` (all for one place) lists a clinic there."""
    if not licences:
        return f"No licence for {place} has been submitted."
    if not any(lic.is_licence for lic in licences):
        return (f"{place} does not license acupuncture: your {place} credential is shown as a "
                "certification and cannot list you there.")
    licence = _closest([lic for lic in licences if lic.is_licence])
    state = licence.verification_state
    if state is VerificationState.PENDING:
        return f"Your {place} licence is waiting for review by our team."
    if state is VerificationState.NEEDS_CHANGES:
        return f"Our team asked for changes to your {place} licence before it can be verified."
    if state is VerificationState.REJECTED:
        return f"The {place} licence you submitted was rejected."
    if state is VerificationState.LAPSED or (licence.expires_on is not None and licence.expires_on < today):
        ended = f" on {presenters.short_date(licence.expires_on)}" if licence.expires_on else ""
        return f"Your {place} licence expired{ended}: submit the renewed licence."
    return f"Your verified {place} licence has no expiry date on record."


def licence_fix(licences: list[Licence], jurisdiction: str) -> tuple[str | None, str | None, dict]:
    """Where to act on ``licence_problem``: the licence page (endpoint, link text, arguments)."""
    own = [lic for lic in licences if lic.is_licence]
    if licences and not own:
        return None, None, {}  # nothing to submit where acupuncture is not licensed
    if not own:
        return "practice.licence_new", "Add a licence", {"jurisdiction": jurisdiction}
    licence = _closest(own)
    if licence.verification_state is VerificationState.PENDING:
        return "practice.licences", "See your licence", {"_anchor": f"licence-{licence.id}"}
    if licence.verification_state is VerificationState.REJECTED:
        return "practice.licence_edit", "Correct and resubmit it", {"licence_id": licence.id}
    if licence.verification_state is VerificationState.NEEDS_CHANGES:
        return "practice.licence_edit", "Make the changes", {"licence_id": licence.id}
    return "practice.licence_edit", "Enter the renewed licence", {"licence_id": licence.id}


def missing_fields(practitioner: Practitioner) -> list[Reason]:
    return [Reason(f"missing_{name}", message, "practice.profile", "Edit your profile")
            for name, (message, _blank) in REQUIRED_FIELDS.items()
            if not (getattr(practitioner, name) or "").strip()]


def listing_status(practitioner: Practitioner, today: date | None = None) -> ListingStatus:
    today = today or date.today()
    listed = practitioner.listing_state is ListingState.LISTED
    by_place: dict[str, list[Licence]] = {}
    for licence in practitioner.licences:
        by_place.setdefault(licence.jurisdiction.upper(), []).append(licence)

    clinics: list[ClinicStatus] = []
    for clinic in practitioner.clinics:
        own = by_place.get(clinic.jurisdiction, [])
        if any(lic.is_current(today) for lic in own):
            clinics.append(ClinicStatus(clinic, listed, None))
            continue
        place = presenters.jurisdiction_name(clinic.jurisdiction)
        message = (f"{clinic.label}: no verified licence for {place}. "
                   f"{licence_problem(own, place, today)}")
        clinics.append(ClinicStatus(clinic, False, Reason("licence", message,
                                                          *licence_fix(own, clinic.jurisdiction))))

    blockers = missing_fields(practitioner)
    if not practitioner.clinics:
        blockers.append(Reason("no_clinic", "Add the clinic where you see patients.",
                               "practice.clinic_new", "Add a clinic"))

    reasons: list[Reason] = []
    if practitioner.listing_state is ListingState.SUSPENDED:
        reasons.append(Reason("suspended", "An administrator has suspended your listing. Contact "
                                           "Meridian support to find out why and what to do."))
    elif practitioner.listing_state is ListingState.DRAFT:
        reasons.append(Reason("draft", "Your profile is a draft: it has not been published.",
                              "practice.dashboard", "Publish your profile", {"_anchor": "publish"}))
    reasons.extend(blockers)
    reasons.extend(c.reason for c in clinics if c.reason is not None)
    return ListingStatus(practitioner.listing_state, clinics, blockers, reasons)
