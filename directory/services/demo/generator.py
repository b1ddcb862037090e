"""Deterministic demo records: one random stream turned into practitioner, clinic and licence rows.

Nothing here touches the database. ``DemoGenerator`` draws from one ``random.Random`` in a
fixed order, so the same seed, ``today`` and already-taken values give the same rows; any
change to the order or number of draws changes every record after it. Dates are relative
to ``today`` so that licences are current whenever the demo is seeded.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate

from directory.data import demo as ref
from directory.data.vocabulary import (
    COMPLEMENTARY_THERAPIES,
    INSURANCE,
    LANGUAGES,
    TECHNIQUES,
)
from directory.models import ListingState, Role, VerificationState
from directory.models.licence import normalise_number
from directory.services.demo.places import Geography, Weighted, Zip
from directory.services.slugs import slugify

DEMO_DOMAIN = "demo.meridian.test"
# Planted practitioners the listing rule must hide, with their shares; the rest are listed.
UNLISTED_SHARES = (("pending", 0.08), ("expired", 0.04), ("wrong_state", 0.03),
                   ("suspended", 0.02), ("draft", 0.03))
SECOND_CLINIC_SHARE = 0.12
JITTER_KM = 1.0
KM_PER_DEGREE = 111.195  # on geopy's sphere


def npi_check_digit(first_nine: str) -> int:
    """The NPI's tenth digit: Luhn over "80840" + the first nine digits."""
    total = 0
    for i, ch in enumerate(reversed("80840" + first_nine)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10



@dataclass
class Ids:
    """The next id of each table: assigned here so related rows need no round trip."""
    user: int
    practitioner: int
    clinic: int
    licence: int

    def take(self, kind: str) -> int:
        value = getattr(self, kind)
        setattr(self, kind, value + 1)
        return value


@dataclass
class Taken:
    """Slugs, e-mails, licence and NPI numbers already in use, so new ones never collide."""
    slugs: set[str]
    emails: set[str]
    licences: set[tuple[str, str]]  # (jurisdiction, normalised number)
    npis: set[str]
    nccaom_ids: set[str]


@dataclass
class Batch:
    """Rows for Core ``insert()``, one list per table."""
    users: list[dict] = field(default_factory=list)
    practitioners: list[dict] = field(default_factory=list)
    clinics: list[dict] = field(default_factory=list)
    licences: list[dict] = field(default_factory=list)


# --- records ---------------------------------------------------------------------------

def _sample(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    """k distinct keys, heavier ones likelier (Efraimidis-Spirakis), kept in the dict's order."""
    chosen = set(sorted(weights, key=lambda key: rng.random() ** (1 / weights[key]), reverse=True)[:k])
    return [key for key in weights if key in chosen]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


_POOLS = Weighted(list(ref.NAME_POOLS.values()), [p.weight for p in ref.NAME_POOLS.values()])
_SUFFIXES = Weighted([s for s, _ in ref.CREDENTIAL_SUFFIXES], [w for _, w in ref.CREDENTIAL_SUFFIXES])
_THERAPY_WEIGHTS = {key: 1.0 for key in COMPLEMENTARY_THERAPIES}
_INSURANCE_WEIGHTS = {name: (4.0 if name == "HSA/FSA" else 1.0) for name in INSURANCE}
_KINDS = list(accumulate(share for _, share in UNLISTED_SHARES))


class DemoGenerator:
    """Turns one random stream into practitioner rows; call order fixes the output."""

    def __init__(self, rng: random.Random, today: date, admin_id: int, taken: Taken, geo: Geography):
        self.rng, self.today, self.admin_id, self.taken, self.geo = rng, today, admin_id, taken, geo
        self.now = datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=12)
        self.counters: dict[str, int] = {}

    def practitioner(self, ids: Ids, batch: Batch) -> str:
        """Add one practitioner with its user, clinics and licences to ``batch``; return its kind."""
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
                           submitted_at=created, updated_at=created)
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

    def _clinic(self, clinic_id: int, practitioner_id: int, place: Zip, name: str, created: datetime) -> dict:
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
            key = (jurisdiction, normalise_number(number))
            if key not in self.taken.licences:
                break
        self.taken.licences.add(key)
        issued = self.today - timedelta(days=365 * years_practice + rng.randint(0, 364))
        expires = (self.today - timedelta(days=rng.randint(1, 400)) if expired
                   else self.today + timedelta(days=rng.randint(15, 730)))
        verified = verification in (VerificationState.VERIFIED, VerificationState.LAPSED)
        # Verified some time after issue and, for expired ones, before expiry.
        last_day = min(self.today, expires)
        verified_on = last_day - timedelta(days=rng.randint(1, max(1, min(700, (last_day - issued).days))))
        return {
            "country": "US", "jurisdiction": jurisdiction, "title": title, "number": number,
            "number_normalized": key[1], "issued_on": issued, "expires_on": expires,
            # No board status: no board has reported on made-up licences.
            "verification_state": verification,
            "verified_by_id": self.admin_id if verified else None,
            "verified_at": datetime.combine(verified_on, self.now.timetz()) if verified else None,
            "check_results": []}
