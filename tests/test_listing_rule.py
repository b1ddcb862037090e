"""The listing rule (models.listing): its Python predicate, its SQL twin and the search
index give the same answer for any practitioner, before and after edits."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from directory.extensions import db
from directory.models import Clinic, ListingState, Practitioner, SearchEntry, VerificationState, listing
from directory.services.search import nearby as geo
from tests.conftest import clear_database
from tests.factories import create_practitioner

TODAY = date.today()
PLACES = {"CA": (37.7749, -122.4194), "NY": (40.7580, -73.9855), "AK": (61.2181, -149.9003)}

clinic_specs = st.fixed_dictionaries({
    "region": st.sampled_from(["CA", "NY", "AK", "ca", "ny"]),  # a lower-case region still names its state
})
licence_specs = st.fixed_dictionaries({
    "jurisdiction": st.sampled_from(["US-CA", "US-NY", "US-AK", "us-ny", "us-ca"]),
    # Weighted towards what lists, so that most examples have someone to find.
    "verification_state": st.sampled_from([VerificationState.VERIFIED] * 4 + list(VerificationState)),
    "is_licence": st.sampled_from([True, True, True, False]),  # False: a certification, never lists
    "expires_on": st.one_of(st.none(), st.sampled_from([-400, -1, 0, 1, 2, 30, 400]).map(
        lambda days: TODAY + timedelta(days=days))),
})
practitioner_specs = st.fixed_dictionaries({
    "listing_state": st.sampled_from([ListingState.LISTED] * 2 + list(ListingState)),
    "clinics": st.lists(clinic_specs, min_size=1, max_size=3),
    "licences": st.lists(licence_specs, max_size=3),
})
# One edit after the first check, of the kinds that move a practitioner in or out of search.
edits = st.tuples(st.integers(0, 10), st.sampled_from(
    ["suspend", "publish", "unpublish", "verify", "reject", "lapse", "certify", "move", "renew", "archive"]))


def with_position(spec: dict) -> dict:
    lat, lon = PLACES[spec["region"].upper()]
    return {**spec, "latitude": lat, "longitude": lon}


def apply(practitioners: list[Practitioner], edit: tuple[int, str]) -> None:
    index, kind = edit
    p = practitioners[index % len(practitioners)]
    licence = p.licences[index % len(p.licences)] if p.licences else None
    if kind in ("suspend", "publish", "unpublish"):
        p.listing_state = {"suspend": ListingState.SUSPENDED, "publish": ListingState.LISTED,
                           "unpublish": ListingState.DRAFT}[kind]
    elif licence is not None and kind in ("verify", "reject", "lapse"):
        licence.verification_state = {"verify": VerificationState.VERIFIED, "reject": VerificationState.REJECTED,
                                      "lapse": VerificationState.LAPSED}[kind]
    elif licence is not None and kind == "certify":
        licence.is_licence = not licence.is_licence
    elif licence is not None and kind == "renew":
        licence.expires_on = TODAY + timedelta(days=200)
    elif kind == "archive" and p.clinics:
        # Kept for its past visits, never shown again.
        p.clinics[index % len(p.clinics)].archived_at = datetime.now(timezone.utc)
    elif kind == "move" and p.clinics:
        clinic = p.clinics[index % len(p.clinics)]
        clinic.region = "NY" if clinic.region.upper() != "NY" else "CA"
        clinic.latitude, clinic.longitude = PLACES[clinic.region]
    db.session.commit()


def assert_all_agree(practitioners: list[Practitioner], day: date) -> None:
    db.session.expire_all()
    predicate_people = {p.id for p in practitioners if listing.is_listed(p, day)}
    predicate_clinics = {c.id for p in practitioners for c in listing.shown_clinics(p, day)}

    sql_people = set(db.session.scalars(select(Practitioner.id).where(listing.is_listed_sql(day))))
    sql_clinics = set(db.session.scalars(select(Clinic.id).where(listing.clinic_is_shown_sql(day))))
    # The twin also holds inside a query that joins the tables it looks at.
    joined = set(db.session.scalars(select(Clinic.id).join(Practitioner, Practitioner.id == Clinic.practitioner_id)
                                    .where(listing.clinic_is_shown_sql(day))))
    index_clinics = set(db.session.scalars(select(SearchEntry.clinic_id).where(SearchEntry.expires_on >= day)))
    found = geo.search(None, per_page=100, today=day)

    assert sql_people == predicate_people
    assert sql_clinics == joined == predicate_clinics
    assert index_clinics == predicate_clinics
    assert {hit.practitioner.id for hit in found.hits} == predicate_people == set(
        db.session.scalars(select(SearchEntry.practitioner_id).where(SearchEntry.expires_on >= day)))
    assert found.total == len(predicate_people)
    # The licence each shown clinic is listed under is the one the index keeps.
    by_clinic = dict(db.session.execute(
        select(SearchEntry.clinic_id, SearchEntry.licence_id).where(SearchEntry.expires_on >= day)).all())
    for p in practitioners:
        for clinic in listing.shown_clinics(p, day):
            assert by_clinic[clinic.id] == listing.listing_licence(p, clinic, day).id


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])
@given(specs=st.lists(practitioner_specs, min_size=1, max_size=5), shift=st.sampled_from([0, 1, 2, 31, 401]),
       edit=edits)
def test_predicate_sql_and_search_index_agree_on_any_practitioner(app, specs, shift, edit):
    clear_database()
    people = [create_practitioner(clinics=[with_position(c) for c in spec["clinics"]],
                                  licences=spec["licences"], listing_state=spec["listing_state"], commit=False)
              for spec in specs]
    db.session.commit()
    # The index is written as of today; a later day is what search sees then.
    assert_all_agree(people, TODAY)
    assert_all_agree(people, TODAY + timedelta(days=shift))
    apply(people, edit)
    assert_all_agree(people, TODAY)
    assert_all_agree(people, TODAY + timedelta(days=shift))


def test_a_licence_for_another_state_or_a_certification_lists_nobody(app):
    ca_clinic_ny_licence = create_practitioner(licences=[{"jurisdiction": "US-NY"}])
    certified = create_practitioner(licences=[{"jurisdiction": "US-CA", "is_licence": False}])
    licensed = create_practitioner(clinics=[{"region": "ca"}], licences=[{"jurisdiction": "us-ca"}])
    assert not listing.is_listed(ca_clinic_ny_licence, TODAY)
    assert not listing.is_listed(certified, TODAY)
    assert listing.is_listed(licensed, TODAY)
    assert_all_agree([ca_clinic_ny_licence, certified, licensed], TODAY)
