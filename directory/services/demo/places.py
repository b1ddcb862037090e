"""Where demo clinics go: real ZIP codes, weighted towards where acupuncturists practise."""
from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import zipcodes
from geopy.distance import EARTH_RADIUS

from directory.data import demo as ref
from directory.services.search.counting import haversine

@dataclass(frozen=True)
class Zip:
    code: str
    city: str
    state: str
    lat: float
    lon: float
    timezone: str
    area_code: str


class Weighted:
    """A weighted choice over precomputed cumulative weights."""

    def __init__(self, items: list, weights: list[float]):
        self.items, self.cum = items, list(accumulate(weights))

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.cum[-1])]


@dataclass
class Geography:
    states: Weighted
    anywhere: dict[str, Weighted]                # state -> its standard ZIPs, uniformly
    metros: dict[str, Weighted]                  # state -> metro index, by metro weight
    metro_zips: dict[tuple[str, int], Weighted]  # (state, metro) -> ZIPs near its centre

    def place(self, rng: random.Random, state: str) -> tuple[tuple[str, int] | None, Zip]:
        if state in self.metros and rng.random() < ref.METRO_SHARE:
            metro = (state, self.metros[state].pick(rng))
            return metro, self.metro_zips[metro].pick(rng)
        return None, self.anywhere[state].pick(rng)

    def near(self, rng: random.Random, state: str, metro: tuple[str, int] | None) -> Zip:
        return (self.metro_zips[metro] if metro else self.anywhere[state]).pick(rng)


@lru_cache(maxsize=1)
def geography() -> Geography:
    by_state: dict[str, list[Zip]] = {}
    for z in zipcodes.list_all():
        if z["zip_code_type"] == "STANDARD" and z["active"] and z["state"] in ref.STATE_WEIGHTS:
            by_state.setdefault(z["state"], []).append(Zip(
                z["zip_code"], z["city"], z["state"], float(z["lat"]), float(z["long"]),
                z["timezone"], (z["area_codes"] or ["555"])[0]))
    states = [s for s in ref.STATE_WEIGHTS if s in by_state and s not in ref.UNLICENSED_STATES]
    metros, metro_zips = {}, {}
    for state, centres in ref.METROS.items():
        kept = []
        for i, (_name, lat, lon, weight) in enumerate(centres):
            near = [(z, haversine(lat, lon, z.lat, z.lon, EARTH_RADIUS)) for z in by_state[state]]
            near = [(z, d) for z, d in near if d <= ref.METRO_RADIUS_KM]
            if near:  # ZIPs are denser towards the centre, and so are clinics
                metro_zips[(state, i)] = Weighted([z for z, _ in near], [1 / (d + 4) for _, d in near])
                kept.append((i, weight))
        metros[state] = Weighted([i for i, _ in kept], [w for _, w in kept])
    return Geography(Weighted(states, [ref.STATE_WEIGHTS[s] for s in states]),
                     {s: Weighted(zs, [1.0] * len(zs)) for s, zs in by_state.items()}, metros, metro_zips)
