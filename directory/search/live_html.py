"""The words a result card shows for its clinic's next free time, filled into the cached page at
each serve (services.search.live): the availability badge and the link to book that time."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache, partial

from markupsafe import escape

from directory.booking.display import booking_path, first_visit_url
from directory.services.booking.calendar_files import when
from directory.services.search.cache import Place


def badge(accepting: bool, horizon_days: int, start: datetime | None) -> str:
    """"Accepting new patients" only with a first-visit time to show for it."""
    if not accepting:
        return '<p class="badge badge--closed">Not accepting new patients</p>'
    if start is None:
        return f'<p class="badge badge--closed">No first-visit times in the next {int(horizon_days)} days</p>'
    return '<p class="badge badge--open">Accepting new patients</p>'


def next_visit(practitioner_id: int, clinic_id: int, timezone: str, start: datetime | None) -> str:
    if start is None:
        return ""
    return (f'<p class="result__next">Next free first visit: <a href="'
            f'{escape(first_visit_url(practitioner_id, clinic_id, start))}">{escape(when(start, timezone))}</a></p>')


def renderer() -> Callable[[Place, datetime | None], bytes]:
    """What fills this request's page: the words for each place, for the application root the
    booking link starts with (looked up once here, not once per place)."""
    return partial(_words, booking_path=booking_path())


# The same few hundred places are filled in over and over with the same times: keep their words.
@lru_cache(maxsize=8192)
def _words(place: Place, start: datetime | None, booking_path: str) -> bytes:  # noqa: ARG001 (a key)
    kind, *view = place.view
    if kind == "badge":
        accepting, horizon_days = view
        return badge(accepting, horizon_days, start).encode()
    practitioner_id, timezone = view
    return next_visit(practitioner_id, place.clinic_id, timezone, start).encode()
