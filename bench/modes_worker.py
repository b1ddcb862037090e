"""The worker side of bench/search_modes.py: runs in a checkout's own process (its own
``directory`` package first on the path), seeds its database or serves searches, answering
one JSON line per request line on stdin."""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path


def _app(checkout: str, url: str):
    sys.path.insert(0, checkout)
    from cryptography.fernet import Fernet
    from directory import create_app
    # The demo seed stores encrypted intakes: a throwaway key, nothing read from instance/.
    return create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                       "INTAKE_KEYS": [Fernet.generate_key().decode()]})


def worker(checkout: str, url: str, task: str, origins_file: str, size: int, seed: int) -> None:
    """Runs in the checkout's own process: seed, or serve timed searches; JSON on stdout."""
    app = _app(checkout, url)
    from directory.extensions import db
    with app.app_context():
        if task == "seed":
            from compare_search import SEED_MODULES, _first_module
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            listed = _first_module(SEED_MODULES).seed(size, seed).listed
            from benchlib import settle
            settle(db.engine)
            print(json.dumps({"listed": listed, "seconds": round(time.perf_counter() - started, 1)}))
            return
        points = json.loads(Path(origins_file).read_text())
        run = _searcher()
        for origin in points["warm"]:
            for mode in ("b", "c", "d"):  # the old checkout's searcher ignores the mode
                run(mode, tuple(origin))
                db.session.remove()
        print("ready", flush=True)
        for line in sys.stdin:  # "mode index", "verify mode index" or "count mode index"
            words = line.split()
            if words[0] == "cron":  # what `flask search refresh-times` does, run every minute by cron
                from directory.services.search import next_free
                started = time.perf_counter()
                done = next_free.refresh_all()
                print(json.dumps([done, round((time.perf_counter() - started) * 1000, 1)]), flush=True)
                db.session.remove()
                continue
            if words[0] == "count":  # statements (round trips) one search sends, each with its time
                print(json.dumps(_statements(run, words[1], tuple(points["measured"][int(words[2])]))), flush=True)
                db.session.remove()
                continue
            if words[0] == "verify":
                print(json.dumps(_verify(words[1], tuple(points["measured"][int(words[2])]))), flush=True)
                db.session.remove()
                continue
            mode, origin = words[0], tuple(points["measured"][int(words[1])])
            started = time.perf_counter()
            page = run(mode, origin)
            elapsed = (time.perf_counter() - started) * 1000
            print(json.dumps([elapsed, page.total, [h.practitioner.id for h in page.hits]]), flush=True)
            db.session.remove()
        db.engine.dispose()


def _statements(run, mode: str, origin) -> list:
    """[first words of the statement, milliseconds] for each statement of one search."""
    from sqlalchemy import event
    from directory.extensions import db
    sent, started = [], []

    def before(_conn, _cursor, statement, *_rest):
        started.append(time.perf_counter())

    def after(_conn, _cursor, statement, *_rest):
        words = " ".join(statement.split())
        at = words.find(" FROM ")
        sent.append([(words[:24] + " …" + words[at:at + 40]) if at > 0 else words[:64],
                     round((time.perf_counter() - started.pop()) * 1000, 2)])

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        run(mode, origin)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    return sent


def _searcher():
    """mode, origin → the page; in the old checkout only "a" exists."""
    from compare_search import SEARCH_MODULES, _first_module
    geo = _first_module(SEARCH_MODULES)
    if not hasattr(geo, "SORTS"):
        def old(_mode, origin):
            return geo.search(origin, radius=25.0, unit="mi", per_page=20)
        return old

    from directory.services.booking.scheduling import booking_clock
    from directory.services.search.area import Filters
    fresh = geo._fresh

    def new(mode, origin):
        if mode == "b0":
            geo._fresh = lambda rows, _now: rows
            try:
                return geo.search(origin, radius=25.0, unit="mi", per_page=20)
            finally:
                geo._fresh = fresh
        if mode == "c":
            return geo.search(origin, radius=25.0, unit="mi", per_page=20, sort="soonest")
        if mode == "d":
            return geo.search(origin, radius=25.0, unit="mi", per_page=20,
                              filters=Filters(available_by=booking_clock() + timedelta(days=7)))
        return geo.search(origin, radius=25.0, unit="mi", per_page=20)
    return new


def _verify(mode: str, origin) -> dict:
    """Each hit's next_available against the first initial slot free_slots lists, same clock."""
    from directory.models import AppointmentKind
    from directory.services.booking.scheduling import booking_clock, free_slots
    from directory.services.search import nearby as geo
    from directory.services.search.area import Filters
    now = datetime.now(timezone.utc)
    clock = booking_clock(now)
    filters = Filters(available_by=clock + timedelta(days=7)) if mode == "d" else Filters()
    page = geo.search(origin, radius=25.0, unit="mi", per_page=20, filters=filters,
                      sort="soonest" if mode == "c" else "distance", now=now)
    checked, wrong = 0, []
    for hit in page.hits:
        p = hit.practitioner
        slots = free_slots(p, start=(clock - timedelta(days=1)).date(), days=p.horizon_days + 3,
                           kind=AppointmentKind.INITIAL, clinic_id=hit.clinic.id, now=now)
        first = slots[0].start if slots else None
        first = first if first is None or first.tzinfo else first.replace(tzinfo=timezone.utc)
        if not p.accepting_new_patients:
            first = None  # free_slots lists times; a first visit is not offered to new patients
        checked += 1
        if first != hit.next_available:
            wrong.append([p.id, hit.clinic.id, str(hit.next_available), str(first)])
    return {"checked": checked, "wrong": wrong,
            "with_time": sum(h.next_available is not None for h in page.hits)}
