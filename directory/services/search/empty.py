"""Why a search found nobody: which filter, taken away on its own, would bring results back."""
from __future__ import annotations

from dataclasses import fields, replace
from datetime import date

from directory.services.search.area import Circle, Filters
from directory.services.search.counting import count_all, count_practitioners

# Query-string name of each Filters field, in the order the form shows them.
PARAMS = {"technique": "technique", "language": "language", "min_years": "min_years", "accepting": "accepting",
          "available_by": "available_within", "insurance": "insurance", "max_fee_cents": "max_fee",
          "therapy": "therapy"}
assert set(PARAMS) == {f.name for f in fields(Filters)}


def emptied_by(circle: Circle | None, filters: Filters, today: date | None = None) -> dict[str, int]:
    """Each filter in use (by query-string name) → how many practitioners the search finds
    without that one filter."""
    today = today or date.today()
    found = {}
    for name, param in PARAMS.items():
        if getattr(filters, name) in (None, False, ""):
            continue
        fewer = replace(filters, **{name: None})
        found[param] = count_all(fewer, today) if circle is None else count_practitioners(circle, fewer, today)
    return found
