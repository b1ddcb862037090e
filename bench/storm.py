"""Booking storm: many patients request the same few slots at once, through gunicorn.

    python bench/storm.py                                   SQLite file in a temporary directory
    python bench/storm.py --database-url postgresql://postgres@127.0.0.1:5432/bench   (TABLES DROPPED)
    python bench/storm.py --kill-worker 40                  SIGKILL a worker once 40 answers are in

A fresh database (`flask db upgrade`), the demo practitioner open every day, --patients
patient accounts with API tokens made through the service, gunicorn (wsgi:app, --workers
sync workers) with BOOKING_RATE_LIMIT raised (every request comes from one address). The
free slots are read from the slots API; one thread per patient, released together by a
barrier, POSTs /api/v1/appointments for slot i % --slots (so ~4 contenders per slot), each
with its own Idempotency-Key. Every answer must be 201 or 409 slot_taken, never 5xx; then
the database must hold no overlap, one appointment per 201 and per slot won, each with its
intake, its audit event and both emails in the outbox, and nothing else (bookinglib.invariants).

--kill-worker N: once N answers are in, SIGKILL one gunicorn worker (--kills of them, one
every 20 answers). The requests those workers were serving get no answer ("connection
dropped": what a client sees of a crashed worker); gunicorn starts new workers; the same
invariants must hold, and a retry of each dropped request with its Idempotency-Key must be
answered 201 or 409. Exit status 1 when anything is violated.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchdb  # noqa: E402  (bench/, the script's own folder)
import benchlib  # noqa: E402
import bookinglib  # noqa: E402
from benchlib import log  # noqa: E402

from directory import create_app  # noqa: E402
from directory.extensions import db  # noqa: E402

KILL_EVERY = 20  # answers between two kills


def storm(port: int, booking: bookinglib.Booking, starts: list[str], args, master_pid: int) -> tuple[list, list, list, float]:
    n = len(booking.tokens)
    keys = [bookinglib.new_key() for _ in range(n)]
    answers: list[bookinglib.Answer | None] = [None] * n
    barrier = threading.Barrier(n + 1)
    done = threading.Semaphore(0)
    kills: list[dict] = []

    def patient(i: int) -> None:
        body = bookinglib.request_body(booking, starts[i % len(starts)])
        barrier.wait()
        answers[i] = bookinglib.call(port, "POST", "/api/v1/appointments", body=body,
                                     token=booking.tokens[i], key=keys[i], index=i)
        done.release()

    threads = [threading.Thread(target=patient, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.monotonic()
    received = 0
    for _ in range(n):
        done.acquire()
        received += 1
        due = args.kill_worker is not None and len(kills) < args.kills
        if due and received >= args.kill_worker + KILL_EVERY * len(kills):
            workers = benchdb.children(master_pid)
            if workers:
                # Any of them: every worker is busy while the storm lasts.
                victim = workers[len(kills) % len(workers)]
                os.kill(victim, signal.SIGKILL)
                kills.append({"pid": victim, "after_answers": received})
                log(f"SIGKILL worker {victim} after {received} answers")
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    log(f"{n} requests answered in {seconds:.2f} s")
    retries = []
    dropped = [a for a in answers if a.status is None]
    if dropped:
        time.sleep(1.0)  # gunicorn notices the dead worker and starts another
        for a in dropped:
            i = a.index
            retries.append(bookinglib.call(port, "POST", "/api/v1/appointments",
                                           body=bookinglib.request_body(booking, starts[i % len(starts)]),
                                           token=booking.tokens[i], key=keys[i], index=i))
    return answers, retries, kills, seconds


def tally(answers: list, retries: list) -> dict:
    statuses = Counter(str(a.status) if a.status is not None else "connection dropped" for a in answers)
    codes = Counter(f"{a.status} {a.code}" for a in answers if a.status and a.status != 201)
    latencies = sorted(a.seconds for a in answers if a.status is not None)
    return {
        "statuses": dict(statuses), "error_codes": dict(codes),
        "retries": dict(Counter(f"{a.status} {a.code or ''}".strip() for a in retries)),
        "p50_ms": round(benchlib.percentile([x * 1000 for x in latencies], 50), 1) if latencies else None,
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
    }


def verdict(answers: list, retries: list, checks: dict, starts: list[str]) -> dict:
    answered = [a for a in answers if a.status is not None]
    won = [a for a in answered + retries if a.status == 201]
    bad = {
        "5xx": sum(1 for a in answered + retries if (a.status or 0) >= 500),
        "not_201_or_409": sum(1 for a in answered if a.status not in (201, 409)),
        "409_not_slot_taken": sum(1 for a in answered if a.status == 409 and a.code != "slot_taken"),
        "retries_not_201_or_409": sum(1 for a in retries if a.status not in (201, 409)),
        "slots_won_twice": len(won) - len({a.appointment_id for a in won}) if won else 0,
        **checks["violations"],
    }
    ids = set(checks["appointment_ids"])
    answered_ids = {a.appointment_id for a in won}
    # Every appointment was answered 201 to its patient, unless its request was dropped
    # (then the retry replays the 201, or, if the worker died between the booking's commit
    # and storing the answer, the key is still claimed: see the README).
    dropped = sum(1 for a in answers if a.status is None)
    bad["201_answers_without_appointment"] = len(answered_ids - ids)
    bad["appointments_never_answered_201"] = max(0, len(ids - answered_ids) - dropped)
    bad["more_appointments_than_slots"] = max(0, checks["active"] - len(starts))
    bad["appointments_not_on_distinct_slots"] = checks["active"] - checks["distinct_starts"]
    return bad


def run(url: str, args, tmp: Path) -> dict:
    env = benchdb.app_environment(url, BOOKING_RATE_LIMIT="100000 per minute", LOGIN_RATE_LIMIT="100000 per minute")
    if args.database_url:
        benchdb.reset(url)
    bookinglib.migrate(env)
    os.environ.update(env)  # the in-process app reads the same settings (INTAKE_KEYS to read intakes)
    app = create_app()
    with app.app_context():
        booking = bookinglib.prepare(args.patients, date.today())
        db.session.remove()
    port = benchdb.free_port()
    server = benchdb.start_gunicorn("wsgi:app", port, args.workers, env, tmp / "gunicorn.log")
    try:
        benchdb.wait_for(f"http://127.0.0.1:{port}/api/v1/openapi.json", 60, server)
        starts = bookinglib.free_slots(port, booking, args.slots)
        log(f"{args.patients} patients, {len(starts)} slots, {args.workers} workers: go")
        answers, retries, kills, seconds = storm(port, booking, starts, args, server.pid)
        alive = server.poll() is None
    finally:
        benchdb.stop(server)
    with app.app_context():
        checks = bookinglib.invariants(booking)
        db.session.remove()
        db.engine.dispose()
    leaks = sum(1 for a in answers + retries if a.leaked_stack)
    problems = {**verdict(answers, retries, checks, starts), "stack_traces_in_answers": leaks,
                "gunicorn_master_died": int(not alive)}
    holders = set(checks["patients_with_appointment"])
    dropped = [{"patient": a.index, "retry": f"{a.status} {a.code or ''}".strip(),
                "holds_appointment": a.index in holders} for a in retries]
    return {"database": url.split("://", 1)[0].split("+", 1)[0], "patients": args.patients, "slots": len(starts),
            "workers": args.workers, "storm_seconds": round(seconds, 2), "kills": kills, "dropped": dropped, **tally(answers, retries),
            "appointments": checks["appointments"], "outbox_messages": checks["outbox_messages"],
            "unfinished_idempotency_claims": checks["unfinished_idempotency_claims"],
            "problems": problems, "ok": not any(problems.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--slots", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--kill-worker", type=int, metavar="N", help="SIGKILL a worker after N answers")
    parser.add_argument("--kills", type=int, default=1, help="how many workers to kill (with --kill-worker)")
    parser.add_argument("--database-url", help="PostgreSQL (or other) database; ALL ITS TABLES ARE DROPPED")
    parser.add_argument("--json", metavar="PATH", help="also write the result as JSON to PATH")
    args = parser.parse_args(argv)
    if not 0 < args.slots <= args.patients or args.workers < 1 or args.kills < 1:
        parser.error("need 0 < --slots <= --patients, --workers >= 1 and --kills >= 1")
    url = benchdb.sqlalchemy_url(args.database_url) if args.database_url else None
    benchdb.exit_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="meridian-storm-") as tmp:
        result = run(url or f"sqlite:///{Path(tmp) / 'storm.db'}", args, Path(tmp))
        if not result["ok"]:
            log(benchdb.log_errors(Path(tmp) / "gunicorn.log"))
    result["machine"] = benchlib.machine(url or "sqlite://")
    return benchlib.print_result(result, args.json)


if __name__ == "__main__":
    sys.exit(main())
