"""The listing rule: who patients can find in search, as Python and as its SQL twin.

A clinic is shown while it is open (not archived), its practitioner's listing is published (``listed``: not a
draft, not suspended) and the practitioner holds a licence that lists it: a real
licence (not a certification from a place that does not license acupuncture),
verified, unexpired on the day asked about, for the clinic's own jurisdiction. A
California licence does not list a New York clinic. A practitioner is in search while
at least one clinic is shown.

Each Python function here has an SQL twin of the same name ending in ``_sql``; a
property test (tests/test_listing_rule.py) holds them and the search index to the same
answers. The search index (``models.search.build_entries``) is built from these, and
profiles, listing status and the lapse emails read them. It lives beside the models,
not in a service, because the index build runs inside every ORM flush.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, exists, func, select

from directory.models.licence import Licence, VerificationState
from directory.models.practitioner import Clinic, ListingState, Practitioner


def is_published(practitioner: Practitioner) -> bool:
    return practitioner.listing_state is ListingState.LISTED


def is_published_sql() -> ColumnElement[bool]:
    return Practitioner.listing_state == ListingState.LISTED


def licence_is_current_sql(today: date) -> ColumnElement[bool]:
    """Twin of ``Licence.is_current``."""
    return and_(Licence.verification_state == VerificationState.VERIFIED, Licence.is_licence.is_(True),
                Licence.expires_on >= today)


def licence_lists_in(licence: Licence, jurisdiction: str, today: date) -> bool:
    return licence.is_current(today) and licence.jurisdiction.upper() == jurisdiction.upper()


def clinic_is_open(clinic: Clinic) -> bool:
    """An archived clinic (kept for its past visits) is never shown."""
    return clinic.archived_at is None


def licence_lists_clinic_sql(today: date) -> ColumnElement[bool]:
    """Correlates a Licence with a Clinic: true where the licence lists that (open) clinic."""
    return and_(Licence.practitioner_id == Clinic.practitioner_id, licence_is_current_sql(today),
                func.upper(Licence.jurisdiction) == Clinic.jurisdiction, Clinic.archived_at.is_(None))


def licensed_in(practitioner: Practitioner, jurisdiction: str, today: date) -> bool:
    """Whether a licence would list the practitioner's clinics in ``jurisdiction``, whatever
    the state of the listing."""
    return any(licence_lists_in(lic, jurisdiction, today) for lic in practitioner.licences)


def listing_licence(practitioner: Practitioner, clinic: Clinic, today: date) -> Licence | None:
    """The licence a clinic is listed under: the latest-expiring one that lists it."""
    candidates = [lic for lic in practitioner.licences if licence_lists_in(lic, clinic.jurisdiction, today)]
    return max(candidates, key=lambda lic: (lic.expires_on, -lic.id), default=None)


def clinic_is_shown(practitioner: Practitioner, clinic: Clinic, today: date) -> bool:
    return (clinic_is_open(clinic) and is_published(practitioner)
            and licensed_in(practitioner, clinic.jurisdiction, today))


def clinic_is_shown_sql(today: date) -> ColumnElement[bool]:
    """A condition on Clinic rows (the enclosing query may join Practitioner or Licence too)."""
    return and_(
        exists(select(Practitioner.id).where(Practitioner.id == Clinic.practitioner_id, is_published_sql())
               .correlate_except(Practitioner)),
        _licence_lists_it(today))


def _licence_lists_it(today: date) -> ColumnElement[bool]:
    return exists(select(Licence.id).where(licence_lists_clinic_sql(today)).correlate_except(Licence))


def shown_clinics(practitioner: Practitioner, today: date) -> list[Clinic]:
    """The clinics search shows, in the practitioner's order (by id)."""
    return [c for c in practitioner.clinics if clinic_is_shown(practitioner, c, today)]


def is_listed(practitioner: Practitioner, today: date) -> bool:
    """Whether the practitioner appears in search on ``today``."""
    return bool(shown_clinics(practitioner, today))


def is_listed_sql(today: date) -> ColumnElement[bool]:
    """A condition on Practitioner rows."""
    return and_(is_published_sql(), exists(
        select(Clinic.id).where(Clinic.practitioner_id == Practitioner.id, _licence_lists_it(today))
        .correlate_except(Clinic)))
