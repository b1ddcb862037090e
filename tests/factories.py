"""Factories for test data: each returns a saved object, every field overridable."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

from directory.extensions import db
from directory.models import (Clinic, Licence, ListingState, Practitioner, Role, User,
                              VerificationState)

_seq = itertools.count(1)


def create_user(**overrides) -> User:
    n = next(_seq)
    values = {"email": f"user{n}@example.test", "name": f"User {n}", "role": Role.PATIENT,
              "password_hash": None}
    values.update(overrides)
    user = User(**values)
    db.session.add(user)
    db.session.flush()
    return user


def create_practitioner(*, clinics: list[dict] | None = None, licences: list[dict] | None = None,
                        commit: bool = True, **overrides) -> Practitioner:
    """A listed practitioner with one clinic (San Francisco by default) and a verified
    licence for each clinic's state, unless ``clinics``/``licences`` say otherwise."""
    n = next(_seq)
    values = {
        "display_name": f"Practitioner {n}", "slug": f"practitioner-{n}", "credentials": "L.Ac.",
        "bio": "Treats chronic low back pain.", "years_chronic_pain": 5,
        "techniques": ["electroacupuncture"], "complementary_therapies": ["exercise"],
        "languages": ["English"], "insurance": [], "accepting_new_patients": True,
        "listing_state": ListingState.LISTED, "fee_initial_cents": 12000, "fee_follow_up_cents": 9000,
    }
    values.update(overrides)
    if "user" not in values:
        values["user"] = create_user(role=Role.PRACTITIONER, name=values["display_name"])
    practitioner = Practitioner(**values)
    db.session.add(practitioner)
    for spec in clinics if clinics is not None else [{}]:
        add_clinic(practitioner, **spec)
    if licences is None:
        licences = [{"jurisdiction": j} for j in sorted({c.jurisdiction for c in practitioner.clinics})]
    for spec in licences:
        add_licence(practitioner, **spec)
    db.session.flush()
    if commit:
        db.session.commit()
    return practitioner


def add_clinic(practitioner: Practitioner, **overrides) -> Clinic:
    values = {"name": "Clinic", "address": "1 Main St", "city": "San Francisco", "region": "CA",
              "postal_code": "94110", "country": "US", "latitude": 37.7509, "longitude": -122.4153,
              "timezone": "America/Los_Angeles", "geocoded_by": "test",
              "geocoded_at": datetime(2026, 1, 1, tzinfo=timezone.utc)}
    values.update(overrides)
    clinic = Clinic(**values)
    practitioner.clinics.append(clinic)
    return clinic


def add_licence(practitioner: Practitioner, **overrides) -> Licence:
    jurisdiction = overrides.pop("jurisdiction", "US-CA")
    values = {"country": jurisdiction.split("-")[0], "jurisdiction": jurisdiction, "title": "L.Ac.",
              "number": f"AC{next(_seq):05d}", "issued_on": date.today() - timedelta(days=400),
              "expires_on": date.today() + timedelta(days=300),
              "verification_state": VerificationState.VERIFIED,
              "verified_at": datetime.now(timezone.utc)}
    values.update(overrides)
    licence = Licence(**values)
    practitioner.licences.append(licence)
    return licence
