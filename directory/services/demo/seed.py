"""Demo data: the demo logins and deterministic, realistic practitioners, inserted in bulk.

The same ``count`` and ``seed`` give the same records on a fresh database (see
``demo_generator``). Rows go in with Core ``insert()`` in large batches, with ids assigned
by the generator so related rows need no round trip; the search index is then rebuilt
for the new practitioners.
"""
from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time as clock, timedelta, timezone

import zipcodes
from sqlalchemy import func, insert, select, text

from directory.extensions import db
from directory.models import (AvailabilityRule, Clinic, Licence, ListingState,
                              Practitioner, Role, SearchEntry, User, VerificationState)
from directory.models.search import reindex
from directory.services.search import next_free
from directory.models.search_generation import mark_search_changed
from directory.services.courses.demo import ensure_demo_course
from directory.services.demo.generator import (DEMO_DOMAIN, Batch, DemoGenerator, Ids, Taken,
                                               npi_check_digit)
from directory.services.demo import visits
from directory.services.demo.places import geography
from directory.services.accounts.passwords import hash_password

DEMO_PASSWORD = "meridian-demo-2026"
# The demo logins, in the order they are printed, and their users' names.
DEMO_USERS = {"admin": "Morgan Reyes", "practitioner": "Mei Lin", "patient": "Jordan Blake"}
MAX_PRACTITIONERS = 2_000_000
# Weekly hours of demo clinics (Monday = 0), varied by clinic id so calendars differ. Not drawn
# from the generator's random stream, so the same seed still gives the same practitioners.
WEEKLY_HOURS = (
    {day: [(clock(9), clock(12, 30)), (clock(13, 30), clock(18))] for day in range(5)},
    {**{day: [(clock(10), clock(19))] for day in (1, 2, 3, 4)}, 5: [(clock(9), clock(14))]},
    {**{day: [(clock(8), clock(13))] for day in (0, 2, 4)}, **{day: [(clock(12), clock(20))] for day in (1, 3)}},
)
BATCH_SIZE = 10_000


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    created: bool  # False when it already existed (its password was left alone)


@dataclass
class SeedResult:
    created: int
    listed: int                # new practitioners that the search lists
    kinds: Counter             # "listed" and each planted unlisted kind -> count
    seconds: float
    accounts: list[DemoAccount]

    @property
    def unlisted(self) -> int:
        return self.created - self.listed


def has_practitioners() -> bool:
    return db.session.scalar(select(Practitioner.id).limit(1)) is not None


def seed(count: int, seed: int, *, today: date | None = None, batch_size: int = BATCH_SIZE,
         progress: Callable[[int, int], None] | None = None) -> SeedResult:
    """Create the demo accounts (when missing) and ``count`` practitioners, committing per batch."""
    if not 0 <= count <= MAX_PRACTITIONERS:
        raise ValueError(f"count must be between 0 and {MAX_PRACTITIONERS:,}, not {count}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, not {batch_size}")
    started = time.perf_counter()
    today = today or date.today()
    accounts, admin_id = ensure_demo_accounts(today)
    users = _demo_users()
    visits.ensure(users["patient"], users["practitioner"], DEMO_PASSWORD)
    generator = DemoGenerator(random.Random(seed), today, admin_id, _taken(), geography())
    ids = _next_ids()
    first_id = ids.practitioner
    kinds: Counter = Counter()
    analyzed = 0
    for done in range(0, count, batch_size):
        batch = Batch()
        for _ in range(min(batch_size, count - done)):
            kinds[generator.practitioner(ids, batch)] += 1
        _insert(batch)
        db.session.commit()
        now_seeded = done + len(batch.practitioners)
        if now_seeded >= 2 * analyzed or now_seeded == count:
            _analyze()
            analyzed = now_seeded
        if progress:
            progress(now_seeded, count)
    listed = db.session.scalar(
        select(func.count(func.distinct(SearchEntry.practitioner_id)))
        .where(SearchEntry.practitioner_id.between(first_id, first_id + count - 1),
               SearchEntry.expires_on >= today)) if count else 0
    return SeedResult(count, listed or 0, kinds, time.perf_counter() - started, accounts)


def _analyze() -> None:
    """PostgreSQL: planner statistics for the tables a batch grew. Each batch re-indexes its
    practitioners with joins whose plan depends on table sizes; planned with the statistics of
    nearly empty tables, they scan whole tables, and a large seed slows down batch by batch
    (autovacuum may be off, or behind a bulk load). Run whenever the seed has doubled."""
    if db.engine.dialect.name != "postgresql":
        return
    db.session.execute(text("ANALYZE user_account, practitioner, clinic, licence, availability_rule, "
                            "search_entry, search_cell"))
    db.session.commit()


# --- demo accounts ---------------------------------------------------------------------

def _demo_users() -> dict[str, User]:
    """The demo logins that exist, by role."""
    emails = {f"{role}@{DEMO_DOMAIN}": role for role in DEMO_USERS}
    return {emails[u.email]: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}


def existing_demo_accounts() -> list[DemoAccount]:
    """The demo logins already in the database, for printing without seeding."""
    users = _demo_users()
    return [DemoAccount(role, users[role].email, DEMO_PASSWORD, False) for role in DEMO_USERS if role in users]


def ensure_demo_accounts(today: date) -> tuple[list[DemoAccount], int]:
    """The admin, patient and practitioner logins; returns them and the admin's user id."""
    users = _demo_users()
    accounts = []
    for role, name in DEMO_USERS.items():
        email = f"{role}@{DEMO_DOMAIN}"
        accounts.append(DemoAccount(role, email, DEMO_PASSWORD, role not in users))
        if role not in users:
            users[role] = User(email=email, name=name, role=Role(role), password_hash=hash_password(DEMO_PASSWORD))
            db.session.add(users[role])
    db.session.flush()
    admin, user = users["admin"], users["practitioner"]
    if user.practitioner is None and user.role is Role.PRACTITIONER:
        _demo_practitioner(user, admin, today)
    if user.practitioner is not None and users["patient"].role is Role.PATIENT:
        ensure_demo_course(users["patient"], user.practitioner, today)
    db.session.commit()
    return accounts, admin.id


def _demo_practitioner(user: User, admin: User, today: date) -> None:
    """A complete listed profile in San Francisco's Mission district (ZIP 94110)."""
    place = zipcodes.matching("94110")[0]
    slug = "mei-lin"
    if db.session.scalar(select(Practitioner.id).where(Practitioner.slug == slug)) is not None:
        slug = "mei-lin-demo"
    practitioner = Practitioner(
        user=user, display_name="Mei Lin", slug=slug, credentials="L.Ac., DAOM, Dipl. O.M. (NCCAOM)",
        bio=("Mei Lin has treated chronic back pain for 14 years. Most patients arrive with sciatica or "
             "a disc problem that physical therapy alone has not settled. Sessions combine "
             "electroacupuncture and cupping with a short home exercise plan, and she is happy to "
             "coordinate care with your physician. Trained at the American College of Traditional "
             "Chinese Medicine; doctoral research on acupuncture for lumbar spinal stenosis."),
        years_chronic_pain=14, back_pain_focus="Chronic low back pain, sciatica and lumbar disc herniation",
        techniques=["electroacupuncture", "cupping", "tui-na", "herbal-medicine"],
        complementary_therapies=["physical-therapy", "exercise", "stress-management"],
        languages=["English", "Mandarin", "Cantonese"], fee_initial_cents=14500, fee_follow_up_cents=9500,
        insurance=["Aetna", "Blue Cross Blue Shield", "HSA/FSA", "Workers' compensation"],
        accepting_new_patients=True, npi="159873412" + str(npi_check_digit("159873412")),
        nccaom_id="104873", cnt_certificate_on=date(2010, 3, 12), listing_state=ListingState.LISTED)
    practitioner.clinics.append(Clinic(
        name="Mission Acupuncture & Pain Care", address="3150 18th St, Suite 204", city=place["city"],
        region=place["state"], postal_code=place["zip_code"], country="US", phone="(415) 555-0142",
        latitude=float(place["lat"]), longitude=float(place["long"]), timezone=place["timezone"],
        geocoded_by="zipcodes"))
    practitioner.licences.append(Licence(
        country="US", jurisdiction="US-CA", title="L.Ac.", number="AC 14873",
        issued_on=today - timedelta(days=13 * 365), expires_on=today + timedelta(days=540),
        verification_state=VerificationState.VERIFIED,
        verified_by_id=admin.id, verified_at=datetime.now(timezone.utc) - timedelta(days=30)))
    db.session.add(practitioner)
    db.session.flush()
    db.session.add_all(AvailabilityRule(**row) for row in _weekly_hours([practitioner.clinics[0].id], pattern=0))


def _weekly_hours(clinic_ids: list[int], pattern: int | None = None) -> list[dict]:
    return [{"clinic_id": clinic_id, "weekday": day, "start_time": start, "end_time": end}
            for clinic_id in clinic_ids
            for day, ranges in WEEKLY_HOURS[clinic_id % len(WEEKLY_HOURS) if pattern is None else pattern].items()
            for start, end in ranges]


# --- what the database already holds, and bulk inserts ---------------------------------

def _next_ids() -> Ids:
    return Ids(*(1 + (db.session.scalar(select(func.max(model.id))) or 0)
                 for model in (User, Practitioner, Clinic, Licence)))


def _taken() -> Taken:
    def column(col, *where) -> set:
        return set(db.session.scalars(select(col).where(*where)))
    licences = db.session.execute(select(Licence.jurisdiction, Licence.number_normalized))
    return Taken(column(Practitioner.slug), column(User.email, User.email.like(f"%@{DEMO_DOMAIN}")),
                 {tuple(row) for row in licences},
                 column(Practitioner.npi, Practitioner.npi.is_not(None)),
                 column(Practitioner.nccaom_id, Practitioner.nccaom_id.is_not(None)))


def _insert(batch: Batch) -> None:
    connection = db.session.connection()
    tables = ((User, batch.users), (Practitioner, batch.practitioners),
              (Clinic, batch.clinics), (Licence, batch.licences))
    for model, rows in tables:
        if rows:
            connection.execute(insert(model), rows)
    hours = _weekly_hours([clinic["id"] for clinic in batch.clinics])
    if hours:
        connection.execute(insert(AvailabilityRule), hours)
    if connection.dialect.name == "postgresql":
        # Explicit ids leave the serial sequences behind; move them past the new rows.
        for model, _rows in tables:
            table = model.__tablename__
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    reindex(connection, [p["id"] for p in batch.practitioners])
    next_free.refresh(connection, [p["id"] for p in batch.practitioners])
    mark_search_changed(db.session)  # Core inserts: the ORM's own bookkeeping never saw them
