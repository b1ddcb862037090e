"""US ZIP centroids, indexed once per process on first use: ZIP codes, cities (with
their acceptable alternative names) and a grid for the nearest ZIP to a point. The
records carry time zones, which is why they are used.

They come from ``directory/data/zipcodes.tsv.gz``, a table made from the pinned
``zipcodes`` package by ``directory/data/build_zip_table.py``: it loads several times
faster than the package. gunicorn's master loads it before forking (``directory/warmup``),
so no worker pays for it on a patient's first search."""
from __future__ import annotations

import difflib
import functools
import gzip
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from geopy.distance import EARTH_RADIUS

from directory.data.build_zip_table import ALIAS_SEPARATOR, COLUMNS, TABLE
from directory.data.places import US_STATES as STATES
from directory.services.search.counting import haversine

NEAREST_ZIP_KM = 100.0

_STATE_ALIASES = {"virgin islands": "VI", "washington dc": "DC", "micronesia": "FM"}
# Written both ways in addresses; the data spells them out.
_WORD_ALIASES = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}
_NOT_WORD_RE = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class Zip:
    code: str
    city: str
    state: str
    latitude: float
    longitude: float
    timezone: str
    located: bool  # military (APO/FPO) ZIPs have no coordinates


@dataclass(frozen=True)
class City:
    name: str
    state: str
    latitude: float
    longitude: float
    timezone: str | None
    postal_code: str | None  # only when the city has a single ZIP


class _Record(NamedTuple):
    """One row of the table, as ``build_zip_table.COLUMNS`` orders it."""
    zip_code: str
    zip_code_type: str
    active: bool
    city: str
    state: str
    lat: float
    long: float
    timezone: str
    acceptable_cities: tuple[str, ...]


@dataclass(frozen=True)
class _Index:
    zips: dict[str, Zip]
    cities: dict[tuple[str, str], list[_Record]]   # (canonical city, state) -> its ZIP records
    aliases: dict[tuple[str, str], list[_Record]]  # the same, from acceptable_cities
    names: dict[tuple[str, str], str]           # how the data spells each key
    states_of: dict[str, list[str]]             # canonical city -> states, most ZIPs first
    grid: dict[tuple[int, int], list[Zip]]      # 1-degree cells, for the nearest ZIP


def _fold(value: str) -> str:
    if not value.isascii():  # "Cañon City" -> "canon city"
        value = unicodedata.normalize("NFKD", value)
        value = "".join(c for c in value if not unicodedata.combining(c))
    return " ".join(_NOT_WORD_RE.sub(" ", value.casefold().replace(".", "")).split())


def _canon_city(value: str) -> str:
    return " ".join(_WORD_ALIASES.get(w, w) for w in _fold(value).split())


_STATE_CODES = {**{_fold(name): code for code, name in STATES.items()}, **_STATE_ALIASES,
                **{code.lower(): code for code in STATES}}


def state_code(value: str) -> str | None:
    """The two-letter code for a state's code or name, however written."""
    return _STATE_CODES.get(_fold(value))


def _centroid(records: list[_Record], name: str) -> City:
    active = [r for r in records if r.active] or records
    chosen = [r for r in active if r.zip_code_type == "STANDARD"] or active
    lats = [r.lat for r in chosen]
    lons = [r.long for r in chosen]
    if max(lons) - min(lons) > 180:  # straddles the antimeridian: average on one side
        lons = [lon + 360 if lon < 0 else lon for lon in lons]
    lon = sum(lons) / len(lons)
    zones = Counter(r.timezone for r in chosen if r.timezone)  # some cities span two
    codes = {r.zip_code for r in records}
    return City(name=name, state=records[0].state, latitude=sum(lats) / len(lats),
                longitude=lon - 360 if lon > 180 else lon,
                timezone=zones.most_common(1)[0][0] if zones else None,
                postal_code=codes.pop() if len(codes) == 1 else None)


def _records() -> list[_Record]:
    lines = gzip.decompress(TABLE.read_bytes()).decode("utf-8").splitlines()
    if tuple(lines[0].split("\t")) != COLUMNS:
        raise ValueError(f"{TABLE.name}: unexpected columns; regenerate it with build_zip_table")
    records = []
    for line in lines[1:]:
        code, kind, active, city, state, lat, lon, zone, aliases = line.split("\t")
        records.append(_Record(code, kind, active == "1", city, state, float(lat), float(lon), zone,
                               tuple(aliases.split(ALIAS_SEPARATOR)) if aliases else ()))
    return records


@functools.cache
def _index() -> _Index:
    zips: dict[str, Zip] = {}
    by_city: dict[tuple[str, str], list[_Record]] = defaultdict(list)
    by_alias: dict[tuple[str, str], list[_Record]] = defaultdict(list)
    names: dict[tuple[str, str], str] = {}
    grid: dict[tuple[int, int], list[Zip]] = defaultdict(list)
    canon = functools.cache(_canon_city)  # city names repeat across ZIPs
    for r in _records():
        lat, lon = r.lat, r.long
        located = r.state in STATES and not (lat == 0 and lon == 0)
        z = Zip(r.zip_code, r.city, r.state, lat, lon, r.timezone, located)
        zips[z.code] = z
        if not located:
            continue
        key = (canon(r.city), r.state)
        by_city[key].append(r)
        names.setdefault(key, r.city)
        for alias in r.acceptable_cities:
            alias_key = (canon(alias), r.state)
            by_alias[alias_key].append(r)
            names.setdefault(alias_key, alias)
        if r.timezone:
            grid[(math.floor(lat), math.floor(lon))].append(z)
    states_of: dict[str, list[str]] = defaultdict(list)
    for (city, state) in sorted(by_city, key=lambda key: -len(by_city[key])):
        states_of[city].append(state)
    return _Index(zips, dict(by_city), dict(by_alias), names, dict(states_of), dict(grid))


def load() -> None:
    """Build the index (and what suggestions use) now rather than on first use."""
    _index()
    _spellings()
    _largest_cities()


def find_zip(code: str) -> Zip | None:
    return _index().zips.get(code)


def find_city(name: str, state: str) -> City | None:
    return _city((_canon_city(name), state))


@functools.lru_cache(maxsize=4096)
def _city(key: tuple[str, str]) -> City | None:
    index = _index()
    rows = index.cities.get(key) or index.aliases.get(key)
    return _centroid(rows, index.names[key]) if rows else None


def states_with_city(name: str) -> list[str]:
    """The states that have a city called ``name``, the one with most ZIPs first."""
    return _index().states_of.get(_canon_city(name), [])


@functools.cache
def _spellings() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Canonical city names by state, and by first letter (for a city given without state)."""
    index = _index()
    by_state: dict[str, set[str]] = defaultdict(set)
    for city, state in (*index.cities, *index.aliases):
        by_state[state].add(city)
    by_initial: dict[str, list[str]] = defaultdict(list)
    for city in index.states_of:
        by_initial[city[:1]].append(city)
    return {state: sorted(cities) for state, cities in by_state.items()}, dict(by_initial)


def similar_cities(name: str, state: str | None = None, n: int = 3) -> list[tuple[str, str]]:
    """("Seattle", "WA") for "Seatle": spellings close to ``name`` that exist, closest first,
    in ``state`` or else (same first letter, to keep it quick) in the state with most ZIPs."""
    word = _canon_city(name)
    by_state, by_initial = _spellings()
    pool = by_state.get(state, []) if state else by_initial.get(word[:1], [])
    index = _index()
    found = []
    for city in difflib.get_close_matches(word, pool, n=n, cutoff=0.8):
        where = state or index.states_of[city][0]
        found.append((index.names[(city, where)], where))
    return found


def largest_city(state: str) -> str | None:
    """The state's city with most ZIP codes, to give as an example."""
    return _largest_cities().get(state)


@functools.cache
def _largest_cities() -> dict[str, str]:
    index = _index()
    best: dict[str, tuple[int, str]] = {}
    for (city, state), rows in index.cities.items():
        if len(rows) > best.get(state, (0, ""))[0]:
            best[state] = (len(rows), index.names[(city, state)])
    return {state: name for state, (_count, name) in best.items()}


def nearest_zip(lat: float, lon: float, max_km: float = NEAREST_ZIP_KM) -> Zip | None:
    grid = _index().grid
    row, col = math.floor(lat), math.floor(lon)
    # Cells narrow towards the poles, so more of them are within max_km east and west.
    shrink = math.cos(math.radians(min(89.0, abs(lat) + 1)))
    span = min(180, math.ceil(max_km / (111.0 * shrink)))
    best, best_km = None, max_km
    for r in range(row - 1, row + 2):
        for c in range(col - span, col + span + 1):
            for z in grid.get((r, (c + 180) % 360 - 180), ()):
                km = haversine(lat, lon, z.latitude, z.longitude, EARTH_RADIUS)
                if km <= best_km:
                    best, best_km = z, km
    return best
