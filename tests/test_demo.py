"""Demo data: `flask seed-demo` is deterministic, realistic, and the listing rule hides what it plants."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
import zipcodes
from geopy.distance import great_circle
from sqlalchemy import func, select

from directory.data.vocabulary import TECHNIQUES
from directory.extensions import db
from directory.models import (Appointment, Clinic, Licence, ListingState, Practitioner, ReactionReport, Role, User,
                              VerificationState)
from directory.services.demo import seed as demo
from directory.services.demo import visits
from directory.services.reviews import reviews
from directory.services.safety import reports
from directory.services.search import nearby as geo
from directory.services.accounts.passwords import hash_password, needs_rehash, verify_password
from tests.conftest import clear_database, create_schema

LOGINS = {"admin": Role.ADMIN, "practitioner": Role.PRACTITIONER, "patient": Role.PATIENT}


def seed_cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=["seed-demo", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def snapshot() -> list[tuple]:
    """Everything a seed decides, without database ids."""
    rows = db.session.execute(
        select(Practitioner.display_name, Practitioner.slug, Practitioner.credentials, Practitioner.bio,
               Practitioner.listing_state, Clinic.postal_code, Clinic.latitude, Clinic.longitude)
        .join(Clinic).order_by(Practitioner.id, Clinic.id)).all()
    numbers = db.session.execute(
        select(Licence.jurisdiction, Licence.number, Licence.verification_state).order_by(Licence.id)).all()
    return [tuple(r) for r in rows] + [tuple(n) for n in numbers]


def expected_listed(today: date) -> set[int]:
    """The listing rule of DESIGN §3, evaluated on the records rather than the index."""
    listed = set()
    for p in db.session.scalars(select(Practitioner)):
        current = {lic.jurisdiction for lic in p.licences
                   if lic.verification_state is VerificationState.VERIFIED and lic.expires_on >= today}
        if p.listing_state is ListingState.LISTED and any(c.jurisdiction in current for c in p.clinics):
            listed.add(p.id)
    return listed


def listed_by_search() -> tuple[int, set[int]]:
    page = geo.search(None, per_page=10_000)
    return page.total, {hit.practitioner.id for hit in page.hits}


def test_same_seed_gives_same_records(app):
    first = seed_cli(app, "--practitioners", "40", "--seed", "7")
    assert first.exit_code == 0, first.output
    records = snapshot()
    assert len(records) > 80
    clear_database()
    again = seed_cli(app, "--practitioners", "40", "--seed", "7")
    assert again.exit_code == 0, again.output
    assert snapshot() == records
    clear_database()
    seed_cli(app, "--practitioners", "40", "--seed", "8")
    assert snapshot() != records


def test_listed_count_matches_search_and_planted_ones_stay_hidden(app):
    result = seed_cli(app, "--practitioners", "400", "--seed", "3")
    assert result.exit_code == 0, result.output
    today = date.today()
    expected = expected_listed(today)
    total, found = listed_by_search()
    assert total == len(expected) and found == expected
    # The summary counts the seeded practitioners; the demo practitioner is listed too.
    assert re.search(rf"Created 400 practitioners in [\d.]+ s: {total - 1} listed, {400 - (total - 1)} not listed",
                     result.output), result.output

    practitioners = list(db.session.scalars(select(Practitioner)))
    planted = {
        "suspended": {p.id for p in practitioners if p.listing_state is ListingState.SUSPENDED},
        "draft": {p.id for p in practitioners if p.listing_state is ListingState.DRAFT},
        "unverified": {p.id for p in practitioners if p.licences and all(
            lic.verification_state in (VerificationState.PENDING, VerificationState.NEEDS_CHANGES,
                                        VerificationState.REJECTED) for lic in p.licences)},
        "expired": {p.id for p in practitioners if p.licences and all(
            lic.expires_on < today for lic in p.licences)},
        "wrong_state": {p.id for p in practitioners if p.licences and all(
            lic.jurisdiction not in {c.jurisdiction for c in p.clinics} for lic in p.licences)},
    }
    for kind, ids in planted.items():
        assert ids, f"no {kind} practitioner planted"
        assert not ids & found, f"{kind} practitioners appear in search"
    # Some expired licences are still marked verified (the lapse job has not run): the date must hide them.
    assert db.session.scalar(select(func.count()).select_from(Licence).where(
        Licence.verification_state == VerificationState.VERIFIED, Licence.expires_on < today))
    assert 0.7 < (total - 1) / 400 < 0.9


def test_records_are_plausible(app):
    demo.seed(300, 11)
    today = date.today()
    for clinic in db.session.scalars(select(Clinic)):
        zip_ = zipcodes.matching(clinic.postal_code)[0]
        assert clinic.region == zip_["state"] and clinic.region not in {"AL", "OK", "SD"}
        assert clinic.timezone == zip_["timezone"] and clinic.city == zip_["city"]
        assert great_circle((clinic.latitude, clinic.longitude), (float(zip_["lat"]), float(zip_["long"]))).km <= 1.01
    for p in db.session.scalars(select(Practitioner).where(Practitioner.slug != "mei-lin")):
        assert p.user.email == f"{p.slug}@{demo.DEMO_DOMAIN}" and p.user.password_hash is None
        assert p.user.role is Role.PRACTITIONER
        assert p.languages and p.techniques and set(p.techniques) <= set(TECHNIQUES)
        assert p.fee_follow_up_cents <= p.fee_initial_cents and p.fee_initial_cents % 500 == 0
        if p.npi:
            assert re.fullmatch(r"\d{10}", p.npi) and int(p.npi[9]) == demo.npi_check_digit(p.npi[:9])
        if p.nccaom_id:
            assert re.fullmatch(r"[1-9]\d{2,5}", p.nccaom_id)
        for lic in p.licences:
            assert lic.issued_on < today and lic.number_normalized == re.sub(r"[\s-]", "", lic.number).upper()
            assert lic.jurisdiction.startswith("US-") and (lic.verified_at is None) == (
                lic.verification_state not in (VerificationState.VERIFIED, VerificationState.LAPSED))
    slugs = db.session.scalars(select(Practitioner.slug)).all()
    assert len(slugs) == len(set(slugs))
    numbers = db.session.execute(select(Licence.jurisdiction, Licence.number_normalized)).all()
    assert len(numbers) == len(set(numbers))
    states = db.session.execute(select(Clinic.region, func.count()).group_by(Clinic.region)).all()
    assert max(states, key=lambda row: row[1])[0] == "CA"


def test_demo_accounts_log_in_and_the_demo_practitioner_is_listed_in_san_francisco(app):
    result = seed_cli(app, "--practitioners", "0")
    assert result.exit_code == 0, result.output
    for role, expected_role in LOGINS.items():
        email = f"{role}@{demo.DEMO_DOMAIN}"
        assert re.search(rf"{role}\s+{re.escape(email)}\s+password: {demo.DEMO_PASSWORD}", result.output)
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.role is expected_role
        assert verify_password(user.password_hash, demo.DEMO_PASSWORD)
        assert not verify_password(user.password_hash, "wrong password")
    page = geo.search((37.7509, -122.4153), radius=1)
    assert [h.practitioner.user.email for h in page.hits] == [f"practitioner@{demo.DEMO_DOMAIN}"]
    hit = page.hits[0]
    assert hit.clinic.postal_code == "94110" and hit.licence.jurisdiction == "US-CA"
    assert hit.licence.verification_state is VerificationState.VERIFIED
    assert hit.practitioner.bio and hit.practitioner.techniques and hit.practitioner.insurance

    again = seed_cli(app, "--practitioners", "0")
    assert "already existed; password left unchanged" in again.output
    # The three logins and the other patients whose reviews and reports the demo shows; nothing twice.
    assert db.session.scalar(select(func.count()).select_from(User)) == 3 + len(visits.OTHERS)


def test_the_demo_patient_can_review_and_report_on_two_recent_attended_visits(app):
    assert seed_cli(app, "--practitioners", "0").exit_code == 0
    patient = db.session.scalar(select(User).where(User.email == f"patient@{demo.DEMO_DOMAIN}"))
    # Two plain attended visits in the last fortnight (the demo course has its own sessions).
    mine = db.session.scalars(select(Appointment).where(Appointment.patient_id == patient.id,
                                                        Appointment.course_id.is_(None),
                                                        Appointment.starts_at >= datetime.now(timezone.utc) - timedelta(days=14))).all()
    assert len(mine) == 2
    for visit in mine:
        assert visit.practitioner.user.email == f"practitioner@{demo.DEMO_DOMAIN}"
        assert reports.may_report(visit, patient) and reports.for_appointment(visit) == []
    assert reviews.may_review(mine[0], patient)
    summary = reviews.summary(mine[0].practitioner_id)
    assert summary is not None and summary.count == len(visits.OTHERS)
    assert db.session.scalar(select(func.count()).select_from(ReactionReport)) == len(visits.OTHERS)


def test_if_empty_does_nothing_the_second_time(app):
    first = seed_cli(app, "--practitioners", "25", "--seed", "2", "--if-empty")
    assert first.exit_code == 0 and "Created 25 practitioners" in first.output
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (User, Practitioner, Clinic, Licence)]
    second = seed_cli(app, "--practitioners", "25", "--seed", "2", "--if-empty")
    assert second.exit_code == 0 and "not seeded" in second.output
    assert [db.session.scalar(select(func.count()).select_from(m))
            for m in (User, Practitioner, Clinic, Licence)] == counts
    # Without the flag it adds more, with fresh slugs and ids, and keeps the index right.
    more = seed_cli(app, "--practitioners", "25", "--seed", "2")
    assert more.exit_code == 0, more.output
    assert db.session.scalar(select(func.count()).select_from(Practitioner)) == 51
    total, found = listed_by_search()
    assert found == expected_listed(date.today()) and total == len(found)
    user = User(email="later@example.test", name="Later", role=Role.PATIENT)
    db.session.add(user)
    db.session.commit()  # ORM inserts still get fresh ids after bulk inserts with explicit ids
    assert user.id > 53


def login_lines(output: str) -> list[tuple[str, str, str]]:
    return re.findall(r"^  (\w+)\s+(\S+@\S+)\s+password: (\S+)", output, re.MULTILINE)


def test_if_empty_skip_still_prints_the_existing_demo_logins(app, create_practitioner):
    # `make run` seeds with --if-empty on every start and shows the logins from this output.
    seed_cli(app, "--practitioners", "5", "--if-empty")
    skipped = seed_cli(app, "--practitioners", "5", "--if-empty")
    assert skipped.exit_code == 0 and "not seeded" in skipped.output and "Created" not in skipped.output
    assert "Demo logins:" in skipped.output
    assert login_lines(skipped.output) == [
        (role, f"{role}@{demo.DEMO_DOMAIN}", demo.DEMO_PASSWORD) for role in ("admin", "practitioner", "patient")]

    # Only the accounts that exist are shown; with none, no login heading at all.
    patient = db.session.scalar(select(User).where(User.email == f"patient@{demo.DEMO_DOMAIN}"))
    db.session.delete(patient)
    db.session.commit()
    partial = seed_cli(app, "--if-empty")
    assert [role for role, _, _ in login_lines(partial.output)] == ["admin", "practitioner"]
    clear_database()
    create_practitioner()
    none = seed_cli(app, "--if-empty")
    assert none.exit_code == 0 and "not seeded" in none.output
    assert "Demo logins:" not in none.output and not login_lines(none.output)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize("args, message", [
    (["--practitioners", "-1"], "-1 is not in the range 0<=x<=2000000"),
    (["--practitioners", "2000001"], "not in the range"),
    (["--practitioners", "many"], "'many' is not a valid integer"),
    (["--seed", "x"], "'x' is not a valid integer"),
])
def test_bad_options_get_clear_errors(app, args, message):
    result = app.test_cli_runner().invoke(args=["seed-demo", *args])
    assert result.exit_code == 2 and message in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_refuses_production_and_explains_missing_schema(app):
    app.config["ENV_NAME"] = "production"
    result = app.test_cli_runner().invoke(args=["seed-demo", "--practitioners", "1"])
    assert result.exit_code == 2 and "refuses to run in production" in result.output
    app.config["ENV_NAME"] = "development"
    db.drop_all()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--practitioners", "1"])
    assert result.exit_code == 1 and "flask db upgrade" in result.output
    create_schema()


def test_seed_validates_count_when_called_directly(app):
    with pytest.raises(ValueError):
        demo.seed(-1, 1)


def test_npi_check_digit_matches_the_cms_example():
    assert demo.npi_check_digit("123456789") == 3  # CMS's published example NPI 1234567893


def test_password_hashing():
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$") and hashed != hash_password("correct horse")
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "correct horsE")
    assert not verify_password(None, "anything") and not verify_password("not-a-hash", "x")
    assert not needs_rehash(hashed)


def test_demo_clinics_have_weekly_hours_so_patients_can_book(app):
    from directory.models import AvailabilityRule

    assert seed_cli(app, "--practitioners", "30", "--seed", "3").exit_code == 0
    clinic_ids = set(db.session.scalars(select(Clinic.id)))
    with_hours = set(db.session.scalars(select(AvailabilityRule.clinic_id)))
    assert clinic_ids and with_hours == clinic_ids
    rules = db.session.scalars(select(AvailabilityRule)).all()
    assert all(rule.start_time < rule.end_time and 0 <= rule.weekday <= 6 for rule in rules)
