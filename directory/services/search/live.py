"""Next free times filled into an answer at each serve, so that a booking costs the answer cache
nothing but the one clinic it changes.

An answer is rendered with a marker wherever a next free time goes (``Recorder``), cut into
the bytes around them (``LiveAnswer``), and every serve reads those clinics' times from the
search index (one query by primary key; rows the passing of time made stale are recomputed
first, as search does) and puts the words for them in (``fill``). The markers carry a random
number of this process, which no practitioner's text can guess.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select

from directory.extensions import db
from directory.models import SearchEntry
from directory.models._types import as_utc
from directory.models.search_generation import read_latest
from directory.services.booking.scheduling import booking_clock
from directory.services.search import next_free
from directory.services.search.cache import LiveAnswer, Place

NONCE = secrets.token_hex(12)
HTML_MARKER = re.compile(rb"<!--nf-" + NONCE.encode() + rb"-(\d+)-->")
JSON_MARKER = re.compile(rb'"nf-' + NONCE.encode() + rb'-(\d+)"')

Render = Callable[[Place, datetime | None], bytes]


class Recorder:
    """Hands out markers while an answer is rendered, and remembers the place of each."""

    def __init__(self) -> None:
        self.places: list[Place] = []

    def _add(self, clinic_id: int, view: tuple) -> int:
        self.places.append(Place(clinic_id, view))
        return len(self.places) - 1

    def html(self, clinic_id: int, *view) -> str:
        return f"<!--nf-{NONCE}-{self._add(clinic_id, view)}-->"

    def json(self, clinic_id: int, *view) -> str:
        """A JSON string value; serialised, it is replaced whole (quotes included)."""
        return f"nf-{NONCE}-{self._add(clinic_id, view)}"

    def cut(self, body: bytes, *, json: bool, timely: bool) -> LiveAnswer:
        parts = (JSON_MARKER if json else HTML_MARKER).split(body)
        segments, order = parts[0::2], [int(i) for i in parts[1::2]]
        return LiveAnswer(tuple(segments), tuple(self.places[i] for i in order), timely)


def current_starts(clinic_ids: list[int], now: datetime | None = None) -> dict[int, datetime | None]:
    """Each clinic's next free first-visit start as of this minute (None: none, or not listed).

    Read as of the latest commit on the connection the epoch is read on (not through the
    session: a pooled checkout would cost more than the answer's own bytes)."""
    if not clinic_ids:
        return {}
    clock = booking_clock(now)
    ids = sorted({int(i) for i in clinic_ids})
    sql = ("SELECT clinic_id, next_start, next_fresh_until FROM search_entry "
           f"WHERE clinic_id IN ({', '.join(map(str, ids))})")
    rows = read_latest(db.session, sql)
    if rows is None or any(_moment(fresh_until) <= clock for _, _, fresh_until in rows):
        next_free.refresh_stale([SearchEntry.clinic_id.in_(ids)], now)
        rows = db.session.execute(select(SearchEntry.clinic_id, SearchEntry.next_start, SearchEntry.next_fresh_until)
                                  .where(SearchEntry.clinic_id.in_(ids))).all()
    return {clinic_id: None if start is None else _moment(start) for clinic_id, start, _ in rows}


def _moment(value: datetime | str) -> datetime:
    # SQLite hands back text to a plain DB-API read, and naive UTC through the ORM.
    return as_utc(value) if isinstance(value, datetime) else _parsed(value)


@lru_cache(maxsize=16384)
def _parsed(text: str) -> datetime:
    # Every serve reads the same few hundred times again: parse each once.
    return as_utc(datetime.fromisoformat(text))


def fill(answer: LiveAnswer, render: Render, now: datetime | None = None) -> bytes:
    """The answer's bytes with the times of this minute put in."""
    starts = current_starts([p.clinic_id for p in answer.places], now)
    out = [answer.segments[0]]
    for place, after in zip(answer.places, answer.segments[1:]):
        out.append(render(place, starts.get(place.clinic_id)))
        out.append(after)
    return b"".join(out)
