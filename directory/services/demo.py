"""Demo data: deterministic, realistic practitioners, inserted in bulk.

The same ``count`` and ``seed`` give the same records (names, places, licences) on a
fresh database: one ``random.Random(seed)`` drives everything, in a fixed order. Dates
are relative to ``today`` so that licences are current whenever the demo is seeded.
Rows go in with Core ``insert()`` in large batches, with ids assigned here so related
rows need no round trip; the search index is then rebuilt for the new practitioners.
"""
from __future__ import annotations

import math
import random
import re
import time
import unicodedata
from bisect import bisect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from itertools import accumulate

import zipcodes
from sqlalchemy import func, insert, select, text

from directory.data import demo as ref
from directory.data.vocabulary import COMPLEMENTARY_THERAPIES, INSURANCE, LANGUAGES, TECHNIQUES
from directory.extensions import db
from directory.models import (BoardStatus, Clinic, Licence, ListingState, Practitioner, Role,
                              SearchEntry, User, VerificationState)
from directory.models.licence import normalise_number
from directory.models.search import reindex
from directory.services.passwords import hash_password

DEMO_DOMAIN = "demo.meridian.test"
DEMO_PASSWORD = "meridian-demo-2026"
MAX_PRACTITIONERS = 2_000_000
BATCH_SIZE = 10_000
# Planted practitioners the listing rule must hide, with their shares; the rest are listed.
UNLISTED_SHARES = (("pending", 0.08), ("expired", 0.04), ("wrong_state", 0.03),
                   ("suspended", 0.02), ("draft", 0.03))
SECOND_CLINIC_SHARE = 0.12
JITTER_KM = 1.0
KM_PER_DEGREE = 111.195  # on geopy's sphere


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
    practitioner_ids: range

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
    started = time.perf_counter()
    today = today or date.today()
    accounts, admin_id = ensure_demo_accounts(today)
    generator = _Generator(random.Random(seed), today, admin_id, _Taken.load(), geography())
    ids = _Ids.next_free()
    new_ids = range(ids.practitioner, ids.practitioner + count)
    kinds: Counter = Counter()
    while (done := sum(kinds.values())) < count:
        batch = _Batch()
        for _ in range(min(batch_size, count - done)):
            kinds[generator.practitioner(ids, batch)] += 1
        _insert(batch)
        db.session.commit()
        if progress:
            progress(sum(kinds.values()), count)
    listed = db.session.scalar(
        select(func.count(func.distinct(SearchEntry.practitioner_id)))
        .where(SearchEntry.practitioner_id.between(new_ids.start, new_ids.stop - 1),
               SearchEntry.expires_on >= today)) if count else 0
    return SeedResult(count, listed or 0, kinds, time.perf_counter() - started, accounts, new_ids)


def npi_check_digit(first_nine: str) -> int:
    """The NPI's tenth digit: Luhn over "80840" + the first nine digits."""
    total = 0
    for i, ch in enumerate(reversed("80840" + first_nine)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower().replace("'", "")).strip("-")


# --- demo accounts ---------------------------------------------------------------------

def ensure_demo_accounts(today: date) -> tuple[list[DemoAccount], int]:
    """The admin, patient and practitioner logins; returns them and the admin's user id."""
    emails = {role: f"{role}@{DEMO_DOMAIN}" for role in ("admin", "practitioner", "patient")}
    existing = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails.values())))}
    accounts = []
    for role, email in emails.items():
        accounts.append(DemoAccount(role, email, DEMO_PASSWORD, email not in existing))
        if email in existing:
            continue
        names = {"admin": "Morgan Reyes", "practitioner": "Mei Lin", "patient": "Jordan Blake"}
        user = User(email=email, name=names[role], role=Role(role), password_hash=hash_password(DEMO_PASSWORD))
        db.session.add(user)
        existing[email] = user
    db.session.flush()
    admin = existing[emails["admin"]]
    user = existing[emails["practitioner"]]
    if user.practitioner is None and user.role is Role.PRACTITIONER:
        _demo_practitioner(user, admin, today)
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
        board_status=BoardStatus.ACTIVE, verification_state=VerificationState.VERIFIED,
        verified_by_id=admin.id, verified_at=datetime.now(timezone.utc) - timedelta(days=30)))
    db.session.add(practitioner)


# --- ids and uniqueness ----------------------------------------------------------------

@dataclass
class _Ids:
    user: int
    practitioner: int
    clinic: int
    licence: int

    @classmethod
    def next_free(cls) -> _Ids:
        return cls(*(1 + (db.session.scalar(select(func.max(model.id))) or 0)
                     for model in (User, Practitioner, Clinic, Licence)))

    def take(self, kind: str) -> int:
        value = getattr(self, kind)
        setattr(self, kind, value + 1)
        return value


@dataclass
class _Taken:
    """Slugs, e-mails, licence and NPI numbers already in use, so new ones never collide."""
    slugs: set[str]
    emails: set[str]
    licences: set[tuple[str, str]]
    npis: set[str]
    nccaom_ids: set[str]

    @classmethod
    def load(cls) -> _Taken:
        def column(col, *where) -> set:
            return set(db.session.scalars(select(col).where(*where)))
        licences = db.session.execute(select(Licence.jurisdiction, Licence.number_normalized))
        return cls(column(Practitioner.slug), column(User.email, User.email.like(f"%@{DEMO_DOMAIN}")),
                   {tuple(row) for row in licences},
                   column(Practitioner.npi, Practitioner.npi.is_not(None)),
                   column(Practitioner.nccaom_id, Practitioner.nccaom_id.is_not(None)))


# --- places ----------------------------------------------------------------------------

def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.009 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class _Zip:
    code: str
    city: str
    state: str
    lat: float
    lon: float
    timezone: str
    area_code: str


class _Weighted:
    """A weighted choice over precomputed cumulative weights."""

    def __init__(self, items: list, weights: list[float]):
        self.items, self.cum = items, list(accumulate(weights))

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.cum[-1])]


@dataclass
class _Geography:
    states: _Weighted
    anywhere: dict[str, _Weighted]                # state -> its standard ZIPs, uniformly
    metros: dict[str, _Weighted]                  # state -> metro index, by metro weight
    metro_zips: dict[tuple[str, int], _Weighted]  # (state, metro) -> ZIPs near its centre

    def place(self, rng: random.Random, state: str) -> tuple[tuple[str, int] | None, _Zip]:
        if state in self.metros and rng.random() < ref.METRO_SHARE:
            metro = (state, self.metros[state].pick(rng))
            return metro, self.metro_zips[metro].pick(rng)
        return None, self.anywhere[state].pick(rng)

    def near(self, rng: random.Random, state: str, metro: tuple[str, int] | None) -> _Zip:
        return (self.metro_zips[metro] if metro else self.anywhere[state]).pick(rng)


@lru_cache(maxsize=1)
def geography() -> _Geography:
    by_state: dict[str, list[_Zip]] = {}
    for z in zipcodes.list_all():
        if z["zip_code_type"] == "STANDARD" and z["active"] and z["state"] in ref.STATE_WEIGHTS:
            by_state.setdefault(z["state"], []).append(_Zip(
                z["zip_code"], z["city"], z["state"], float(z["lat"]), float(z["long"]),
                z["timezone"], (z["area_codes"] or ["555"])[0]))
    states = [s for s in ref.STATE_WEIGHTS if s in by_state and s not in ref.UNLICENSED_STATES]
    metros, metro_zips = {}, {}
    for state, centres in ref.METROS.items():
        kept = []
        for i, (_name, lat, lon, weight) in enumerate(centres):
            near = [(z, _km(lat, lon, z.lat, z.lon)) for z in by_state[state]]
            near = [(z, d) for z, d in near if d <= ref.METRO_RADIUS_KM]
            if near:  # ZIPs are denser towards the centre, and so are clinics
                metro_zips[(state, i)] = _Weighted([z for z, _ in near], [1 / (d + 4) for _, d in near])
                kept.append((i, weight))
        metros[state] = _Weighted([i for i, _ in kept], [w for _, w in kept])
    return _Geography(_Weighted(states, [ref.STATE_WEIGHTS[s] for s in states]),
                      {s: _Weighted(zs, [1.0] * len(zs)) for s, zs in by_state.items()}, metros, metro_zips)


# --- records ---------------------------------------------------------------------------

@dataclass
class _Batch:
    users: list[dict] = field(default_factory=list)
    practitioners: list[dict] = field(default_factory=list)
    clinics: list[dict] = field(default_factory=list)
    licences: list[dict] = field(default_factory=list)


def _insert(batch: _Batch) -> None:
    connection = db.session.connection()
    for model, rows in ((User, batch.users), (Practitioner, batch.practitioners),
                        (Clinic, batch.clinics), (Licence, batch.licences)):
        if rows:
            connection.execute(insert(model), rows)
    if connection.dialect.name == "postgresql":
        # Explicit ids leave the serial sequences behind; move them past the new rows.
        for model in (User, Practitioner, Clinic, Licence):
            table = model.__tablename__
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    reindex(connection, [p["id"] for p in batch.practitioners])


def _sample(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    """k distinct keys, heavier ones likelier (Efraimidis-Spirakis), kept in the dict's order."""
    chosen = set(sorted(weights, key=lambda key: rng.random() ** (1 / weights[key]), reverse=True)[:k])
    return [key for key in weights if key in chosen]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


_POOLS = _Weighted(list(ref.NAME_POOLS.values()), [p.weight for p in ref.NAME_POOLS.values()])
_SUFFIXES = _Weighted([s for s, _ in ref.CREDENTIAL_SUFFIXES], [w for _, w in ref.CREDENTIAL_SUFFIXES])
_THERAPY_WEIGHTS = {key: 1.0 for key in COMPLEMENTARY_THERAPIES}
_INSURANCE_WEIGHTS = {name: (4.0 if name == "HSA/FSA" else 1.0) for name in INSURANCE}
_KINDS = list(accumulate(share for _, share in UNLISTED_SHARES))


class _Generator:
    """Turns one random stream into practitioner rows; call order fixes the output."""

    def __init__(self, rng: random.Random, today: date, admin_id: int, taken: _Taken, geo: _Geography):
        self.rng, self.today, self.admin_id, self.taken, self.geo = rng, today, admin_id, taken, geo
        self.now = datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=12)
        self.counters: dict[str, int] = {}

    def practitioner(self, ids: _Ids, batch: _Batch) -> str:
        rng = self.rng
        draw = rng.random()
        kind = next((name for (name, _), cum in zip(UNLISTED_SHARES, _KINDS) if draw < cum), "listed")
        pool = _POOLS.pick(rng)
        first, last = rng.choice(pool.first), rng.choice(pool.last)
        middle = f" {rng.choice('ABCDEFGHJKLMNPRSTVW')}." if rng.random() < 0.2 else ""
        name = f"{first}{middle} {last}"
        slug = self._unique_slug(slugify(name))
        state = self.geo.states.pick(rng)
        metro, place = self.geo.place(rng, state)
        places = [place]
        if rng.random() < SECOND_CLINIC_SHARE:  # a second location in the same metro, elsewhere if it can
            second = self.geo.near(rng, state, metro)
            places.append(second if second.code != place.code else self.geo.near(rng, state, metro))
        suffix = _SUFFIXES.pick(rng)
        years_practice = int(rng.triangular(1, 36, 8))
        licences = self._licences(kind, state, years_practice)
        # Credential letters follow the licence held (a wrong-state one included).
        credentials = (licences[0]["title"] if licences else ref.LICENCES.get(state, ref.DEFAULT_LICENCE)[0]) + suffix
        years_pain = max(1, years_practice - rng.randint(0, 4))
        techniques = _sample(rng, ref.TECHNIQUE_WEIGHTS, rng.randint(2, 6))
        therapies = _sample(rng, _THERAPY_WEIGHTS, rng.choice((0, 1, 1, 2, 2, 3)))
        languages = self._languages(pool)
        focus = [rng.choice(ref.BACK_PAIN_FOCUS)]
        focus += [f for f in rng.sample(ref.BACK_PAIN_FOCUS, 2) if f not in focus][:rng.randint(0, 2)]
        clinic_names = [self._clinic_name(last, p.city) for p in places]
        community = clinic_names[0] == ref.COMMUNITY_CLINIC.format(city=places[0].city)
        initial, follow_up = self._fees(state, community)
        user_id, practitioner_id = ids.take("user"), ids.take("practitioner")
        email = f"{slug}@{DEMO_DOMAIN}"
        self.taken.emails.add(email)
        created = self.now - timedelta(days=rng.randint(1, 900), minutes=rng.randint(0, 1439))
        batch.users.append({
            "id": user_id, "email": email, "password_hash": None, "role": Role.PRACTITIONER,
            "name": name, "active": True, "created_at": created})
        listing = {"suspended": ListingState.SUSPENDED, "draft": ListingState.DRAFT}.get(kind, ListingState.LISTED)
        batch.practitioners.append({
            "id": practitioner_id, "user_id": user_id, "display_name": name, "slug": slug,
            "credentials": credentials,
            "bio": self._bio(first, name, years_pain, focus, techniques, therapies, places[0].city),
            "years_chronic_pain": years_pain, "back_pain_focus": _join(focus).capitalize(),
            "techniques": techniques, "complementary_therapies": therapies, "languages": languages,
            "fee_initial_cents": initial, "fee_follow_up_cents": follow_up, "fee_currency": "USD",
            "sliding_scale": community or rng.random() < 0.1, "insurance": self._insurance(state),
            "accepting_new_patients": rng.random() < 0.82, "npi": self._npi(),
            "nccaom_id": self._nccaom_id("Dipl." in credentials),
            "cnt_certificate_on": self.today - timedelta(days=365 * years_practice + rng.randint(30, 700)),
            "listing_state": listing, "created_at": created, "updated_at": created})
        for place, clinic_name in zip(places, clinic_names):
            batch.clinics.append(self._clinic(ids.take("clinic"), practitioner_id, place, clinic_name, created))
        for licence in licences:
            licence.update(id=ids.take("licence"), practitioner_id=practitioner_id, created_at=created,
                           updated_at=created)
            batch.licences.append(licence)
        return kind

    def _unique_slug(self, base: str) -> str:
        slug, n = base, 1
        while slug in self.taken.slugs or f"{slug}@{DEMO_DOMAIN}" in self.taken.emails:
            n += 1
            slug = f"{base}-{n}"
        self.taken.slugs.add(slug)
        return slug

    def _languages(self, pool: ref.NamePool) -> list[str]:
        rng = self.rng
        spoken = {"English"} if rng.random() < 0.97 else set()
        spoken |= {lang for lang, chance in pool.languages if rng.random() < chance}
        if rng.random() < 0.03 or not spoken:
            spoken.add(rng.choice(LANGUAGES))
        return [lang for lang in LANGUAGES if lang in spoken]

    def _insurance(self, state: str) -> list[str]:
        offered = {n: w for n, w in _INSURANCE_WEIGHTS.items()
                   if state in ref.REGIONAL_INSURANCE.get(n, frozenset({state}))}
        return _sample(self.rng, offered, self.rng.choice((0, 0, 1, 2, 3, 4)))

    def _fees(self, state: str, community: bool) -> tuple[int, int]:
        rng = self.rng
        if community:  # community acupuncture: group rooms, low fees
            return rng.choice((4000, 4500, 5000, 6000)), rng.choice((2500, 3000, 3500, 4000))
        initial = min(25000, max(7000, round(rng.gauss(12000 * ref.FEE_FACTOR.get(state, 1.0), 2000) / 500) * 500))
        return initial, max(5000, round(initial * rng.uniform(0.65, 0.85) / 500) * 500)

    def _npi(self) -> str | None:
        if self.rng.random() >= 0.65:
            return None
        while True:
            first_nine = f"1{self.rng.randrange(10 ** 8):08d}"
            npi = first_nine + str(npi_check_digit(first_nine))
            if npi not in self.taken.npis:
                self.taken.npis.add(npi)
                return npi

    def _nccaom_id(self, diplomate: bool) -> str | None:
        if self.rng.random() >= (0.95 if diplomate else 0.05):
            return None
        for _ in range(20):  # the 3-6 digit space is finite: give up rather than loop
            value = str(self.rng.randint(100, 999_999))
            if value not in self.taken.nccaom_ids:
                self.taken.nccaom_ids.add(value)
                return value
        return None

    def _bio(self, first, name, years, focus, techniques, therapies, city) -> str:
        rng = self.rng
        values = {
            "first": first, "name": name, "years": years, "city": city, "school": rng.choice(ref.SCHOOLS),
            "focus": _join(focus), "techniques": _join([TECHNIQUES[t].lower() for t in techniques[:2]]),
            "therapy": _join([COMPLEMENTARY_THERAPIES[t].lower() for t in therapies]) if therapies
            else "simple exercises to do at home"}
        return " ".join(s for s in (rng.choice(group).format(**values) for group in ref.BIO_SENTENCES) if s)

    def _clinic_name(self, last: str, city: str) -> str:
        rng = self.rng
        return rng.choice(ref.CLINIC_NAMES).format(last=last, city=city, word=rng.choice(ref.CLINIC_WORDS))

    def _clinic(self, clinic_id: int, practitioner_id: int, place: _Zip, name: str, created: datetime) -> dict:
        rng = self.rng
        distance, bearing = JITTER_KM * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        lat = place.lat + distance * math.cos(bearing) / KM_PER_DEGREE
        lon = place.lon + distance * math.sin(bearing) / (KM_PER_DEGREE * math.cos(math.radians(place.lat)))
        suite = f", Suite {rng.randint(1, 4)}{rng.randint(0, 2)}{rng.randint(1, 9)}" if rng.random() < 0.35 else ""
        return {
            "id": clinic_id, "practitioner_id": practitioner_id, "name": name,
            "address": f"{rng.randint(10, 9899)} {rng.choice(ref.STREETS)} {rng.choice(ref.STREET_TYPES)}{suite}",
            "city": place.city, "region": place.state, "postal_code": place.code, "country": "US",
            "phone": f"({place.area_code}) 555-01{rng.randint(0, 99):02d}",  # 555-01xx: reserved for fiction
            "latitude": round(lat, 6), "longitude": round(lon, 6), "timezone": place.timezone,
            "geocoded_by": "zipcodes", "geocoded_at": created}

    def _licences(self, kind: str, state: str, years_practice: int) -> list[dict]:
        rng = self.rng
        if kind == "draft" and rng.random() < 0.5:
            return []  # drafts often have not submitted a licence yet
        if kind == "wrong_state":
            return [self._licence(self._other_state(state), years_practice)]
        if kind == "pending":
            state_ = rng.choice((VerificationState.PENDING,) * 15 + (VerificationState.NEEDS_CHANGES,) * 3
                                + (VerificationState.REJECTED,) * 2)
            return [self._licence(state, years_practice, verification=state_)]
        if kind == "draft":
            return [self._licence(state, years_practice, verification=VerificationState.PENDING)]
        if kind == "expired":  # half still verified (the daily lapse job has not run yet)
            return [self._licence(state, years_practice, expired=True, verification=rng.choice(
                (VerificationState.VERIFIED, VerificationState.LAPSED)))]
        licences = [self._licence(state, years_practice)]
        if kind == "listed" and rng.random() < 0.06:  # also licensed where they used to practise
            licences.append(self._licence(self._other_state(state), years_practice))
        return licences

    def _other_state(self, state: str) -> str:
        while (other := self.geo.states.pick(self.rng)) == state:
            pass
        return other

    def _licence(self, state: str, years_practice: int, *, expired: bool = False,
                 verification: VerificationState = VerificationState.VERIFIED) -> dict:
        rng = self.rng
        title, pattern = ref.LICENCES.get(state, ref.DEFAULT_LICENCE)
        jurisdiction = f"US-{state}"
        while True:  # boards issue numbers in sequence
            self.counters[state] = self.counters.get(state, 1000 + 37 * len(self.counters)) + rng.randint(1, 3)
            digits = pattern.count("#")
            number = pattern.replace("#" * digits, f"{self.counters[state]:0{digits}d}", 1)
            if (jurisdiction, normalise_number(number)) not in self.taken.licences:
                break
        self.taken.licences.add((jurisdiction, normalise_number(number)))
        issued = self.today - timedelta(days=365 * years_practice + rng.randint(0, 364))
        expires = (self.today - timedelta(days=rng.randint(1, 400)) if expired
                   else self.today + timedelta(days=rng.randint(15, 730)))
        verified = verification in (VerificationState.VERIFIED, VerificationState.LAPSED)
        # Verified some time after issue and, for expired ones, before expiry.
        last_day = min(self.today, expires)
        verified_on = last_day - timedelta(days=rng.randint(1, max(1, min(700, (last_day - issued).days))))
        return {
            "country": "US", "jurisdiction": jurisdiction, "title": title, "number": number,
            "number_normalized": normalise_number(number), "issued_on": issued, "expires_on": expires,
            "board_status": (rng.choice((BoardStatus.EXPIRED, BoardStatus.EXPIRED, BoardStatus.DELINQUENT))
                             if expired else BoardStatus.ACTIVE),
            "verification_state": verification,
            "verified_by_id": self.admin_id if verified else None,
            "verified_at": datetime.combine(verified_on, self.now.timetz()) if verified else None,
            "check_results": []}
