"""Finished search answers, kept per process until anything they show changes.

Most searches repeat (a ZIP code, a city), and an uncached search costs several
milliseconds of SQL, ORM and rendering, where answering the same bytes costs well
under one. Every lookup first reads the current epoch from the database:

- the search generation (``models.search_generation``), moved on by every commit that
  changes a practitioner, clinic, licence or review, and today's date (an expired licence
  unlists the day after its expiry): an answer of another generation or day is never
  served, and a process that sees a new one drops what it held;
- the next-free generation, moved on by every commit that changes a next free time (a
  booking, a cancellation, new hours), and the minute free slots are measured from
  (``scheduling.booking_clock``).

Next free times change far more often than listings (every booking), so an answer does not
keep them: it keeps its bytes around the places they go (``LiveAnswer``), and each serve
fills them in from the search index (``services.search.live``), as true as at this
minute. Only answers whose order or membership depends on those times (``sort=soonest``,
``available_within``) are "timely": kept for one next-free generation and one minute.

The callers decide what is safe to share: answers that do not depend on who asks.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Hashable, NamedTuple

from flask import Flask, current_app

from directory.extensions import db
from directory.models.search_generation import read_committed
from directory.services.booking.scheduling import booking_clock

EXTENSION = "search_cache"


class Epoch(NamedTuple):
    generation: int
    next_free: int
    day: date
    minute: datetime

    @property
    def base(self) -> tuple[int, date]:
        return self.generation, self.day


class Place(NamedTuple):
    """Where an answer shows one clinic's next free time, and what the words there need.
    (A named tuple: it keys the words' cache on every serve, and hashes in C.)"""
    clinic_id: int
    view: tuple  # for the renderer: e.g. ("badge", practitioner id, accepting, horizon days, zone)


@dataclass(frozen=True)
class LiveAnswer:
    segments: tuple[bytes, ...]   # one more than places: the bytes between them
    places: tuple[Place, ...]
    timely: bool                  # its order or membership depends on next free times

    @property
    def size(self) -> int:
        return sum(len(s) for s in self.segments) + 64 * len(self.places)


class AnswerCache:
    """Least-recently-used answers of one generation and day, bounded by their size in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._base: tuple[int, date] | None = None
        self._answers: OrderedDict[Hashable, tuple[LiveAnswer, Epoch]] = OrderedDict()
        self._bytes = 0

    def get(self, epoch: Epoch, key: Hashable) -> LiveAnswer | None:
        with self._lock:
            if epoch.base != self._base:
                return None
            found = self._answers.get(key)
            if found is None:
                return None
            answer, made = found
            if answer.timely and made != epoch:
                return None
            self._answers.move_to_end(key)
            return answer

    def put(self, epoch: Epoch, key: Hashable, answer: LiveAnswer) -> None:
        if answer.size > self.max_bytes // 4:
            return  # one huge answer must not push out everything else
        with self._lock:
            if epoch.base != self._base:
                # Generations are not ordered: the newest request's epoch wins. An answer of an
                # older epoch can only push out answers; get() never serves across epochs.
                self._base = epoch.base
                self._answers.clear()
                self._bytes = 0
            old = self._answers.pop(key, None)
            self._bytes += answer.size - (old[0].size if old is not None else 0)
            self._answers[key] = (answer, epoch)
            while self._bytes > self.max_bytes:
                _, (evicted, _made) = self._answers.popitem(last=False)
                self._bytes -= evicted.size

    def __len__(self) -> int:
        return len(self._answers)


@dataclass(frozen=True)
class Lookup:
    """What a search found in the cache, and the epoch to store a fresh answer under."""
    answer: LiveAnswer | None
    epoch: Epoch | None  # None: caching is off, or the generation could not be read


def init_app(app: Flask) -> None:
    megabytes = app.config.get("SEARCH_CACHE_MB", 0)
    if megabytes > 0:
        app.extensions[EXTENSION] = AnswerCache(int(megabytes * 1024 * 1024))


def _cache() -> AnswerCache | None:
    return current_app.extensions.get(EXTENSION)


def current_epoch() -> Epoch | None:
    """What answers are built from now; None when the generations can't be read.

    Call before reading any search data in the transaction: data read afterwards is at
    least as new as this epoch, never older (a later change only moves the epoch on).
    """
    values = read_committed(db.session)
    return None if values is None else Epoch(values[0], values[1], date.today(), booking_clock())


def lookup(key: Hashable, epoch: Epoch | None) -> Lookup:
    cache = _cache()
    if cache is None or epoch is None:
        return Lookup(None, None)
    return Lookup(cache.get(epoch, key), epoch)


def store(found: Lookup, key: Hashable, answer: LiveAnswer) -> None:
    cache = _cache()
    if cache is not None and found.epoch is not None:
        cache.put(found.epoch, key, answer)
