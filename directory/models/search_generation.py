"""A value that changes with every committed change a search answer could show.

Search answers are cached per process (``services.search_cache``) under this value,
so they must never outlive the data they were built from. Any transaction that writes
a practitioner, clinic, licence or search-index row gives the one row a new random
value in the same commit: a search that reads the value before its data either sees
the old value with data at least as new, or the new value with the new data. Random
rather than counted, so that a database restored from a backup never brings back a
value that running processes have already used for other data.

The row is written as the very last statement before COMMIT. Taking its lock last
means a transaction never waits for another's data rows while holding it, so the
single hot row cannot take part in a deadlock, and it is held only for the commit.
"""
from __future__ import annotations

import os
import secrets
import threading

from sqlalchemy import DDL, BigInteger, Integer, Table, event, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, mapped_column
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from directory.extensions import db
from directory.models.licence import Licence
from directory.models.practitioner import Clinic, Practitioner
from directory.models.review import Review
from directory.models.search import SearchCell, SearchEntry

ROW_ID = 1
CHANGED = "search_generation_changed"  # key in Session.info
NEXT_FREE_CHANGED = "next_free_generation_changed"  # key in Session.info
# Reviews too: a result shows its practitioner's rating and count.
SHOWN_IN_SEARCH = (Practitioner, Clinic, Licence, SearchEntry, Review)
SHOWN_TABLES = frozenset(model.__tablename__ for model in (*SHOWN_IN_SEARCH, SearchCell))


class SearchGeneration(db.Model):
    __tablename__ = "search_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    # Moved on by every commit that changes a next free time (services.search.next_free): answers
    # ordered or filtered by those times are kept under it; the others fill the times in afresh.
    next_free_value: Mapped[int] = mapped_column(BigInteger, default=0)


# db.create_all() (tests) gets the row as the migration does.
event.listen(SearchGeneration.__table__, "after_create",
             DDL(f"INSERT INTO search_generation (id, value, next_free_value) VALUES ({ROW_ID}, 0, 0)"))


def read_generation(session: Session) -> int | None:
    """The value as this transaction sees it; None when its row is missing (caching then stops)."""
    return session.scalar(select(SearchGeneration.value).where(SearchGeneration.id == ROW_ID))


# --- the read every cached search makes -------------------------------------------------------

READ_SQL = f"SELECT value, next_free_value FROM search_generation WHERE id = {ROW_ID}"
KEPT_READERS = 4  # per thread; tests make a database per test, production has one


class _Readers(threading.local):
    def __init__(self) -> None:
        self.connections: dict = {}  # (pid, database URL) -> DBAPI connection


_readers = _Readers()


def read_committed(session: Session) -> tuple[int, int] | None:
    """The latest committed generation and next-free generation, or None when they can't be read
    (the caller then skips the cache)."""
    rows = read_latest(session, READ_SQL)
    return (int(rows[0][0]), int(rows[0][1])) if rows else None


def read_latest(session: Session, sql: str) -> list[tuple] | None:
    """Rows of ``sql`` as of the latest commit, or None when the database can't be reached.

    Read on a connection of this thread's own, kept open and outside any transaction, so
    each read sees the latest commit. A pooled session would cost a checkout, a ping and a
    rollback: measured, that is 40 % more time for a cached answer than this read. ``sql``
    must be complete (no parameters): its values are the caller's own numbers.
    """
    engine = session.get_bind()
    if isinstance(engine.pool, (StaticPool, SingletonThreadPool)):
        # One shared connection (in-memory SQLite): no other to open.
        return [tuple(row) for row in session.execute(text(sql))]
    held = _readers.connections
    key = (os.getpid(), engine.url)  # a forked worker must not talk over its parent's socket
    connection = held.get(key)
    try:
        if connection is None:
            connection = held[key] = _open_reader(engine)
            while len(held) > KEPT_READERS:
                _close_quietly(held.pop(next(iter(held))))
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()
    except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error):
        # The database restarted or went away: open a new connection on the next search.
        held.pop(key, None)
        if connection is not None:
            _close_quietly(connection)
        return None


def _open_reader(engine: Engine):
    raw = engine.raw_connection()  # through the engine, so its connect hooks (SQLite pragmas) run
    driver = raw.driver_connection
    raw.detach()  # ours to keep: never handed back to the pool
    try:
        driver.rollback()  # end what the pool's ping may have begun, before leaving transactions behind
        if engine.dialect.name == "sqlite":
            driver.isolation_level = None  # autocommit: every SELECT sees the latest commit
        else:
            driver.autocommit = True
    except BaseException:
        _close_quietly(driver)
        raise
    return driver


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - already broken; nothing more to do with it
        pass


def mark_search_changed(session: Session) -> None:
    """For writes that bypass the ORM's bookkeeping (Core statements on a connection)."""
    session.info[CHANGED] = True


def mark_next_free_changed(session: Session) -> None:
    session.info[NEXT_FREE_CHANGED] = True


def note_flushed_changes(session: Session, _context) -> None:
    if session.info.get(CHANGED):
        return
    if any(isinstance(obj, SHOWN_IN_SEARCH) for obj in (*session.new, *session.deleted)) or any(
            isinstance(obj, SHOWN_IN_SEARCH) and session.is_modified(obj, include_collections=False)
            for obj in session.dirty):
        session.info[CHANGED] = True


def note_bulk_statements(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if isinstance(table, Table) and table.name in SHOWN_TABLES:
        state.session.info[CHANGED] = True


def bump_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # the outer commit counts for it
    session.flush()  # the commit's own flush comes after this hook; its changes count too
    values = {}
    if session.info.pop(CHANGED, False):
        values["value"] = secrets.randbits(62)
    if session.info.pop(NEXT_FREE_CHANGED, False):
        values["next_free_value"] = secrets.randbits(62)
    if values:
        session.execute(update(SearchGeneration).where(SearchGeneration.id == ROW_ID).values(**values))


def forget_on_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(CHANGED, None)
        session.info.pop(NEXT_FREE_CHANGED, None)
