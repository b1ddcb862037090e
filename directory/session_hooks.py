"""Every listener on the database session and engine, installed in one place and one order.

They are installed on the app's own session factory (``db.session``) and its engines, never on
SQLAlchemy's global ``Session`` or ``Engine`` classes, so a session or engine made elsewhere
(a bench script, another library) is left alone.

What happens around a commit, in order:

1. each flush — ``before_flush``: the search index notes the cells of the practitioners being
   changed; ``after_flush``: it re-indexes them (same transaction), then the search
   next-free times note the practitioners whose free slots may have changed (appointments,
   hours, time off, booking settings, rebuilt index rows), then the search generation notes
   that something shown in search changed, then the mail delivery notes the outbox rows the
   flush inserted;
2. ``before_commit`` (outermost transaction only): the next-free times of the noted
   practitioners are recomputed (``services.search.next_free``), noting a change to the
   generation when a time shown changed; then the search generation flushes what is
   still pending (which runs step 1 for it, once) and, if anything shown changed, writes a
   new generation in the same transaction, so every worker's answer cache sees the commit;
3. the commit itself;
4. ``after_commit``: the noted mail is handed to a background sender;
5. ``after_transaction_end`` / ``after_soft_rollback``: per-transaction notes are forgotten,
   so a rolled-back change neither bumps the generation nor sends mail.

Core ``UPDATE``/``DELETE`` statements on search tables are noted by ``do_orm_execute``.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import event

from directory.extensions import configure_sqlite, db
from directory.models import search_generation, search_sync
from directory.services.mail import delivery
from directory.services.search import next_free

# (event, listener), in the order they run within one event.
SESSION_HOOKS: list[tuple[str, Callable]] = [
    ("before_flush", search_sync.remember_indexed_cells),
    ("after_flush", search_sync.reindex_after_flush),
    ("after_flush", next_free.note_slot_changes),
    ("after_flush", search_generation.note_flushed_changes),
    ("after_flush", delivery.note_new_mail),
    ("do_orm_execute", search_generation.note_bulk_statements),
    ("before_commit", next_free.refresh_before_commit),
    ("before_commit", search_generation.bump_before_commit),
    ("after_commit", delivery.send_new_mail),
    ("after_soft_rollback", search_sync.forget_failed_flush),
    ("after_transaction_end", next_free.forget_on_end),
    ("after_transaction_end", search_generation.forget_on_end),
    ("after_transaction_end", delivery.forget_new_mail),
]


def install(app: Flask) -> None:
    """Called by create_app. ``db`` is shared by every app a process builds (tests build
    many), so installing twice must not add a listener twice."""
    for name, listener in SESSION_HOOKS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
    with app.app_context():
        for engine in db.engines.values():
            if not event.contains(engine, "connect", configure_sqlite):
                event.listen(engine, "connect", configure_sqlite)
