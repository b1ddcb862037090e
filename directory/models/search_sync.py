"""Keeps the search index in step with the session: which flushed changes touch what
``build_entries`` reads, and the hooks (installed by ``directory.session_hooks``) that
rebuild those practitioners' rows in the same transaction."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from directory.models.licence import Licence
from directory.models.practitioner import Clinic, Practitioner
from directory.models.review import Review
from directory.models.search import primary_cells, reindex

# What build_entries reads: a change to anything else (a bio, a photo, a licence's stored
# check results or reminder dates) leaves the index as it is and costs no rebuild.
INDEXED_COLUMNS = {
    Practitioner: ("listing_state", "display_name", "years_chronic_pain", "accepting_new_patients",
                   "techniques", "languages", "insurance", "complementary_therapies", "fee_initial_cents"),
    Clinic: ("practitioner_id", "practitioner", "latitude", "longitude", "country", "region", "archived_at",
             "timezone"),
    Licence: ("practitioner_id", "practitioner", "jurisdiction", "verification_state", "is_licence",
              "expires_on"),
    Review: ("practitioner_id", "rating", "hidden_at"),
}


def _changes_index(obj, state) -> bool:
    if state.pending or state.deleted or obj in state.session.deleted:
        return True
    return any(state.attrs[name].history.has_changes() for name in INDEXED_COLUMNS[type(obj)])


def touched_practitioners(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, (Practitioner, Clinic, Licence, Review)):
            continue
        state = inspect(obj)
        if not _changes_index(obj, state):
            continue
        if isinstance(obj, Practitioner):
            if obj.id is not None:
                ids.add(obj.id)
            continue
        ids.update(pid for pid in (obj.practitioner_id, *state.attrs.practitioner_id.history.deleted)
                   if pid is not None)
        # A new clinic or licence added through the relationship has no practitioner_id until
        # the flush; read the already-loaded parent rather than loading one per row.
        parent = state.dict.get("practitioner")
        if parent is not None and parent.id is not None:
            ids.add(parent.id)
    return ids


def remember_indexed_cells(session: Session, _context, _instances) -> None:
    with session.no_autoflush:
        ids = sorted(touched_practitioners(session))
        if ids:
            session.info["search_previous_cells"] = (set(ids), primary_cells(session.connection(), ids))


def reindex_after_flush(session: Session, _context) -> None:
    known, previous = session.info.pop("search_previous_cells", (set(), Counter()))
    ids = touched_practitioners(session) | known
    if ids:
        reindex(session.connection(), ids, previous=previous)


def forget_failed_flush(session: Session, _previous_transaction) -> None:
    session.info.pop("search_previous_cells", None)
