"""Finished search answers, kept per process until anything they show changes.

Most searches repeat (a ZIP code, a city), and an uncached search costs several
milliseconds of SQL, ORM and rendering, where answering the same bytes costs well
under one. An answer is stored under the epoch it was built in: the search
generation (``models.search_generation``, moved on by every commit that changes a
practitioner, clinic, licence, review or a next free time), today's date (an expired
licence unlists the day after its expiry) and the minute free slots are measured from
(``scheduling.booking_clock``: a next free time is true for that minute, and the
passing of time alone may take it away in the next one). Every lookup reads the current epoch from the database first,
so a suspension, an approval or a profile edit shows in the very next search, on
every worker and machine, and a process that sees a new epoch drops what it held.

The callers decide what is safe to share: answers that do not depend on who asks.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Hashable

from flask import Flask, current_app

from directory.extensions import db
from directory.models.search_generation import read_committed
from directory.services.booking.scheduling import booking_clock

EXTENSION = "search_cache"

Epoch = tuple[int, date, datetime]


class AnswerCache:
    """Least-recently-used answers of one epoch, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._epoch: Epoch | None = None
        self._answers: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0

    def get(self, epoch: Epoch, key: Hashable) -> bytes | None:
        with self._lock:
            if epoch != self._epoch:
                return None
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, epoch: Epoch, key: Hashable, answer: bytes) -> None:
        if len(answer) > self.max_bytes // 4:
            return  # one huge answer must not push out everything else
        with self._lock:
            if epoch != self._epoch:
                # Generations are not ordered: the newest request's epoch wins. An answer of an
                # older epoch can only push out answers; get() never serves across epochs.
                self._drop_all(epoch)
            old = self._answers.pop(key, None)
            self._bytes += len(answer) - (len(old) if old is not None else 0)
            self._answers[key] = answer
            while self._bytes > self.max_bytes:
                _, evicted = self._answers.popitem(last=False)
                self._bytes -= len(evicted)

    def _drop_all(self, epoch: Epoch) -> None:
        self._epoch = epoch
        self._answers.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._answers)


@dataclass(frozen=True)
class Lookup:
    """What a search found in the cache, and the epoch to store a fresh answer under."""
    answer: bytes | None
    epoch: Epoch | None  # None: caching is off, or the generation could not be read


def init_app(app: Flask) -> None:
    megabytes = app.config.get("SEARCH_CACHE_MB", 0)
    if megabytes > 0:
        app.extensions[EXTENSION] = AnswerCache(int(megabytes * 1024 * 1024))


def _cache() -> AnswerCache | None:
    return current_app.extensions.get(EXTENSION)


def current_epoch() -> Epoch | None:
    """What answers are built from now; None when the generation can't be read.

    Call before reading any search data in the transaction: data read afterwards is at
    least as new as this epoch, never older (a later change only moves the epoch on).
    """
    generation = read_committed(db.session)
    return None if generation is None else (generation, date.today(), booking_clock())


def lookup(key: Hashable, epoch: Epoch | None) -> Lookup:
    cache = _cache()
    if cache is None or epoch is None:
        return Lookup(None, None)
    return Lookup(cache.get(epoch, key), epoch)


def store(found: Lookup, key: Hashable, answer: bytes) -> None:
    cache = _cache()
    if cache is not None and found.epoch is not None:
        cache.put(found.epoch, key, answer)
