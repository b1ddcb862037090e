"""The listing-status service: its reasons, and agreement with what search shows."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from directory.extensions import db
from directory.models import ListingState, SearchEntry, VerificationState
from directory.services.search import nearby as geo
from directory.services.practice import editing as practice
from directory.services.search import profiles
from directory.services.search.listing_status import listing_status
from tests.conftest import clear_database
from tests.factories import add_clinic, create_practitioner

TODAY = date.today()
NY = {"name": "Midtown", "city": "New York", "region": "NY", "postal_code": "10001",
      "latitude": 40.7484, "longitude": -73.9967, "timezone": "America/New_York"}


def codes(status) -> list[str]:
    return [r.code for r in status.reasons]


def messages(status) -> str:
    return " | ".join(r.message for r in status.reasons)


def test_a_listed_practitioner_with_a_verified_licence_is_shown(app):
    p = create_practitioner()
    status = listing_status(p)
    assert status.listed and status.reasons == [] and status.blockers == []
    assert status.shown_clinic_ids == {p.clinics[0].id}


def test_draft_without_anything(app):
    p = create_practitioner(listing_state=ListingState.DRAFT, clinics=[], licences=[], credentials="", bio="")
    status = listing_status(p)
    assert not status.listed
    assert codes(status) == ["draft", "missing_credentials", "missing_bio", "no_clinic"]
    assert [r.code for r in status.blockers] == ["missing_credentials", "missing_bio", "no_clinic"]
    assert {r.fix_endpoint for r in status.blockers} == {"practice.profile", "practice.clinic_new"}
    assert not status.can_publish


def test_complete_draft_can_publish_and_says_it_is_a_draft(app):
    p = create_practitioner(listing_state=ListingState.DRAFT)
    status = listing_status(p)
    assert codes(status) == ["draft"] and status.can_publish and not status.listed
    # Its clinic would be shown once published: the licence is not what stops it.
    assert status.clinics[0].reason is None


def test_suspended(app):
    status = listing_status(create_practitioner(listing_state=ListingState.SUSPENDED))
    assert codes(status) == ["suspended"] and not status.listed and not status.can_publish
    assert status.reasons[0].fix_endpoint is None
    assert "suspended" in status.reasons[0].message


@pytest.mark.parametrize("licences, expected", [
    ([], "no verified licence for California. No licence for California has been submitted."),
    ([{"verification_state": VerificationState.PENDING, "verified_at": None}],
     "no verified licence for California. Your California licence is waiting for review"),
    ([{"verification_state": VerificationState.NEEDS_CHANGES}], "asked for changes to your California licence"),
    ([{"verification_state": VerificationState.REJECTED}], "The California licence you submitted was rejected."),
    ([{"expires_on": date(2025, 3, 1)}], "Your California licence expired on 1 Mar 2025: submit the renewed licence."),
    ([{"verification_state": VerificationState.LAPSED, "expires_on": date(2025, 3, 1)}],
     "Your California licence expired on 1 Mar 2025"),
    ([{"expires_on": None}], "has no expiry date on record"),
    ([{"jurisdiction": "US-NY"}], "No licence for California has been submitted."),
    # A newer licence waiting for review says more than the expired one it replaces.
    ([{"expires_on": TODAY - timedelta(days=3)}, {"verification_state": VerificationState.PENDING}],
     "Your California licence is waiting for review"),
])
def test_reasons_for_a_clinic_without_a_current_licence(app, licences, expected):
    p = create_practitioner(clinics=[{"name": "Mission"}], licences=licences)
    status = listing_status(p)
    assert not status.listed
    assert codes(status) == ["licence"]
    assert status.reasons[0].message.startswith("Mission (San Francisco, CA): no verified licence for California.")
    assert expected in status.reasons[0].message
    assert status.reasons[0].fix_endpoint in {"practice.licence_new", "practice.licences", "practice.licence_edit"}


@pytest.mark.parametrize("licences, endpoint, args", [
    ([], "practice.licence_new", {"jurisdiction": "US-CA"}),
    ([{"jurisdiction": "US-NY"}], "practice.licence_new", {"jurisdiction": "US-CA"}),
    ([{"verification_state": VerificationState.PENDING, "verified_at": None}], "practice.licences", "anchor"),
    ([{"verification_state": VerificationState.NEEDS_CHANGES}], "practice.licence_edit", "id"),
    ([{"verification_state": VerificationState.REJECTED}], "practice.licence_edit", "id"),
    ([{"verification_state": VerificationState.LAPSED, "expires_on": date(2025, 3, 1)}], "practice.licence_edit", "id"),
])
def test_a_licence_reason_links_to_where_to_fix_it(app, licences, endpoint, args):
    p = create_practitioner(licences=licences)
    reason = listing_status(p).reasons[0]
    assert reason.fix_endpoint == endpoint
    own = [lic for lic in p.licences if lic.jurisdiction == "US-CA"]
    if args == "anchor":
        args = {"_anchor": f"licence-{own[0].id}"}
    elif args == "id":
        args = {"licence_id": own[0].id}
    assert reason.fix_args == args


def test_a_certification_only_place_has_nothing_to_fix(app):
    alabama = {"name": "Magic City", "city": "Birmingham", "region": "AL", "postal_code": "35203",
               "latitude": 33.5186, "longitude": -86.8104, "timezone": "America/Chicago"}
    p = create_practitioner(clinics=[alabama], licences=[{"jurisdiction": "US-AL", "is_licence": False}])
    status = listing_status(p)
    assert not status.listed
    assert "Alabama does not license acupuncture" in status.reasons[0].message
    assert status.reasons[0].fix_endpoint is None


def test_expiry_today_still_counts_and_tomorrow_does_not(app):
    p = create_practitioner(licences=[{"expires_on": TODAY}])
    assert listing_status(p, TODAY).listed
    assert not listing_status(p, TODAY + timedelta(days=1)).listed


def test_each_clinic_needs_a_licence_for_its_own_state(app):
    p = create_practitioner(clinics=[{"name": "Mission"}, NY], licences=[{"jurisdiction": "US-CA"}])
    status = listing_status(p)
    assert status.listed
    assert [c.shown for c in status.clinics] == [True, False]
    assert messages(status) == ("Midtown (New York, NY): no verified licence for New York. "
                                "No licence for New York has been submitted.")


def test_required_fields_while_listed_are_refused(app):
    p = create_practitioner()
    with pytest.raises(practice.ProfileError) as caught:
        practice.update_profile(p, {"credentials": "  ", "bio": "New bio"})
    assert set(caught.value.errors) == {"credentials"}
    db.session.refresh(p)
    assert p.bio == "Treats chronic low back pain."  # nothing applied


def test_publish_refuses_with_the_blockers(app):
    p = create_practitioner(listing_state=ListingState.DRAFT, clinics=[], licences=[])
    with pytest.raises(practice.ListingRefused) as caught:
        practice.publish(p)
    assert [r.code for r in caught.value.reasons] == ["no_clinic"]
    assert p.listing_state is ListingState.DRAFT


def _indexed_clinics(today: date) -> set[int]:
    return set(db.session.scalars(select(SearchEntry.clinic_id).where(SearchEntry.expires_on >= today)))


def _check_agreement(practitioners, today: date) -> None:
    statuses = {p.id: listing_status(p, today) for p in practitioners}
    listed_for = {cid for s in statuses.values() for cid in s.shown_clinic_ids}
    assert listed_for == _indexed_clinics(today)
    # The practitioners search returns, and the profile pages that exist, agree too.
    found = {hit.practitioner.id for hit in geo.search(None, per_page=100, today=today).hits}
    assert found == {pid for pid, s in statuses.items() if s.listed}
    for pid, status in statuses.items():
        profile = profiles.listed_profile(pid, today)
        assert (profile is not None) == status.listed
        if profile is not None:
            assert {c.id for c in profile.clinics} == status.shown_clinic_ids


def test_listed_for_agrees_with_search_on_a_mixed_set(app):
    people = [
        create_practitioner(),
        create_practitioner(listing_state=ListingState.DRAFT),
        create_practitioner(listing_state=ListingState.SUSPENDED),
        create_practitioner(clinics=[{}, NY], licences=[{"jurisdiction": "US-CA"}]),
        create_practitioner(clinics=[{}, NY], licences=[{"jurisdiction": "US-CA"}, {"jurisdiction": "US-NY"}]),
        create_practitioner(licences=[{"expires_on": TODAY - timedelta(days=1)}]),
        create_practitioner(licences=[{"verification_state": VerificationState.PENDING}]),
        create_practitioner(clinics=[]),
    ]
    _check_agreement(people, TODAY)
    _check_agreement(people, TODAY + timedelta(days=301))  # the factory licences have lapsed


clinic_specs = st.sampled_from([{}, NY])
licence_specs = st.fixed_dictionaries({
    "jurisdiction": st.sampled_from(["US-CA", "US-NY", "US-WA"]),
    "verification_state": st.sampled_from(list(VerificationState)),
    "expires_on": st.one_of(st.none(), st.integers(-3, 3).map(lambda d: TODAY + timedelta(days=d))),
})
practitioner_specs = st.fixed_dictionaries({
    "listing_state": st.sampled_from(list(ListingState)),
    "clinics": st.lists(clinic_specs, max_size=3),
    "licences": st.lists(licence_specs, max_size=3),
})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# The index is written as of today; a check date in the future is what search sees later.
@given(specs=st.lists(practitioner_specs, min_size=1, max_size=4), shift=st.integers(0, 3))
def test_listed_for_always_agrees_with_search(app, specs, shift):
    clear_database()
    people = [create_practitioner(**spec) for spec in specs]
    _check_agreement(people, TODAY + timedelta(days=shift))


def test_agreement_survives_adding_a_clinic_in_another_state(app):
    p = create_practitioner()
    add_clinic(p, **NY)
    db.session.commit()
    _check_agreement([p], TODAY)
    assert len(listing_status(p).shown_clinics) == 1
