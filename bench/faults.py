"""PostgreSQL restarted under traffic: the app must recover by itself, through gunicorn.

    python bench/faults.py --restart-db                 30 s of traffic, restart at 10 s
    python bench/faults.py --restart-db --seconds 60 --restart-at 20
    python bench/faults.py --restart-db --down-for 5     stop, 5 s down, start: a longer outage

A private, throwaway PostgreSQL cluster (initdb in a temporary directory, run as the
`postgres` user when we are root, on a free port, trust auth on 127.0.0.1 only), never the
shared server. On it: the schema (`flask db upgrade`), --practitioners demo practitioners,
the demo practitioner open every day and 200 patients with API tokens (bench/bookinglib.py).
gunicorn (wsgi:app) serves it; --threads clients loop over the search API, the search page,
the slots API and booking requests (each patient once, a random free slot) until --seconds
are up. At --restart-at, `pg_ctl restart -m fast` (connections cut, server down, up again).

Reported per phase (before the restart, while it runs, after it returned): answers by status.
Expected: a few 503s while the server is down, each a clean error (JSON for the API, the error
page for HTML, never a stack trace); after it, every request answered as usual (2xx, and 409
for a slot taken) with the same gunicorn, no restart: the pool's pre-ping replaces dead
connections. Then the booking invariants (bookinglib.invariants) and a retry of the bookings
that failed during the outage (201 or 409). The cluster is stopped and removed at the end.
"""
from __future__ import annotations

import argparse
import glob
import os
import random
import shutil
import subprocess
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
from directory.services.demo import seed as demo  # noqa: E402
from sqlalchemy import text  # noqa: E402

PLACES = ["10001", "94110", "60614", "98103", "02139", "Seattle%2C+WA", "Denver%2C+CO", "59001", "82001",
          "Boise%2C+ID"]


def pg_bin() -> Path:
    """The PostgreSQL server programs: pg_config's answer, else Debian's versioned layout."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
        if (found / "initdb").exists():
            return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise SystemExit("initdb not found: install PostgreSQL's server package")
    return Path(candidates[-1]).parent


class Cluster:
    """A private PostgreSQL cluster in a temporary directory, as `postgres` when we are root."""

    def __init__(self, root: Path, port: int) -> None:
        self.bin, self.data, self.port, self.root = pg_bin(), root / "data", port, root
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode:
            raise RuntimeError(f"{args[0]} failed: {result.stderr or result.stdout}")

    def start(self) -> None:
        self.root.chmod(0o755)
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "--no-sync")
        self._ctl("start")

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -h 127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w",
                  action, *extra)

    def restart(self, down_for: float) -> None:
        if down_for <= 0:
            self._ctl("restart", "-m", "fast")
            return
        self._ctl("stop", "-m", "fast")
        time.sleep(down_for)
        self._ctl("start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-w", "stop", "-m", "immediate")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


def traffic(port: int, booking: bookinglib.Booking, starts: list[str], args, clock: dict) -> tuple[list, dict]:
    answers: list[tuple[str, bookinglib.Answer]] = []
    patients = iter(range(len(booking.tokens)))
    keys: dict[int, tuple[str, dict]] = {}
    lock = threading.Lock()
    end = clock["start"] + args.seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        while time.monotonic() < end:
            kind = rng.choice(["api", "page", "slots", "book"])
            if kind == "api":
                answer = bookinglib.call(port, "GET", f"/api/v1/practitioners?near={rng.choice(PLACES)}")
            elif kind == "page":
                answer = bookinglib.call(port, "GET", f"/?near={rng.choice(PLACES)}", accept="text/html")
            elif kind == "slots":
                answer = bookinglib.call(port, "GET", f"/api/v1/practitioners/{booking.practitioner_id}/slots")
            else:
                with lock:
                    i = next(patients, None)
                if i is None:
                    continue
                keys[i] = (bookinglib.new_key(), bookinglib.request_body(booking, rng.choice(starts)))
                answer = bookinglib.call(port, "POST", "/api/v1/appointments", body=keys[i][1],
                                         token=booking.tokens[i], key=keys[i][0], index=i)
            with lock:
                answers.append((kind, answer))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.threads)]
    for t in threads:
        t.start()
    return threads, {"answers": answers, "keys": keys}


def warm_up(port: int, booking: bookinglib.Booking, workers: int) -> None:
    """Each worker's first search loads the ZIP index and compiles templates: not the outage."""
    paths = [f"/api/v1/practitioners?near={p}" for p in PLACES] + [f"/?near={p}" for p in PLACES] + \
            [f"/api/v1/practitioners/{booking.practitioner_id}/slots"]
    for _ in range(workers):
        threads = [threading.Thread(target=bookinglib.call, args=(port, "GET", path)) for path in paths]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def phase(answer: bookinglib.Answer, clock: dict) -> str:
    if answer.started + answer.seconds < clock["restart_began"]:
        return "before"
    return "after" if answer.started > clock["restart_done"] else "during"


def expected(kind: str, answer: bookinglib.Answer) -> bool:
    return answer.status == 200 or (kind == "book" and answer.status in (201, 409))


def run(args, tmp: Path) -> dict:
    cluster = Cluster(tmp / "pg", benchdb.free_port())
    (tmp / "pg").mkdir()
    cluster.start()
    server = None
    try:
        env = benchdb.app_environment(cluster.url, BOOKING_RATE_LIMIT="100000 per minute")
        bookinglib.migrate(env)
        os.environ.update(env)
        app = create_app()
        with app.app_context():
            demo.seed(args.practitioners, 42)
            booking = bookinglib.prepare(200, date.today())
            db.session.remove()
        port = benchdb.free_port()
        server = benchdb.start_gunicorn("wsgi:app", port, args.workers, env, tmp / "gunicorn.log")
        benchdb.wait_for(f"http://127.0.0.1:{port}/api/v1/openapi.json", 60, server)
        starts = bookinglib.free_slots(port, booking, 50)
        warm_up(port, booking, args.workers)
        workers_before = set(benchdb.children(server.pid))
        clock = {"start": time.monotonic()}
        threads, state = traffic(port, booking, starts, args, clock)
        time.sleep(max(0.0, clock["start"] + args.restart_at - time.monotonic()))
        log("pg_ctl restart -m fast")
        clock["restart_began"] = time.monotonic()
        cluster.restart(args.down_for)
        clock["restart_done"] = time.monotonic()
        log(f"PostgreSQL back after {clock['restart_done'] - clock['restart_began']:.2f} s")
        for t in threads:
            t.join()
        failed_bookings = [(i, k) for i, k in state["keys"].items()
                           if any(a.index == i and kind == "book" and a.status not in (201, 409)
                                  for kind, a in state["answers"])]
        retries = [bookinglib.call(port, "POST", "/api/v1/appointments", body=body, token=booking.tokens[i],
                                   key=key, index=i) for i, (key, body) in failed_bookings]
        alive = server.poll() is None
        workers_replaced = len(workers_before - set(benchdb.children(server.pid)))
    finally:
        if server is not None:
            benchdb.stop(server)
    with app.app_context():
        checks = bookinglib.invariants(booking)
        version = db.session.scalar(text("SHOW server_version"))
        db.session.remove()
        db.engine.dispose()
    by_phase: dict[str, Counter] = {p: Counter() for p in ("before", "during", "after")}
    for kind, a in state["answers"]:
        by_phase[phase(a, clock)][f"{kind} {a.status or a.error}{' ' + a.code if a.code else ''}"] += 1
    unexpected_after = [f"{kind} {a.status or a.error}" for kind, a in state["answers"]
                        if phase(a, clock) == "after" and not expected(kind, a)]
    won = {a.appointment_id for _kind, a in state["answers"] if a.status == 201} | \
          {a.appointment_id for a in retries if a.status == 201}
    problems = {
        "unexpected_answers_after_restart": len(unexpected_after),
        "5xx_other_than_503": sum(1 for _k, a in state["answers"] if a.status and a.status >= 500 and a.status != 503),
        "stack_traces_in_answers": sum(1 for _k, a in state["answers"] + [("book", r) for r in retries]
                                       if a.leaked_stack),
        "retries_not_201_or_409": sum(1 for a in retries if a.status not in (201, 409)),
        "201_answers_without_appointment": len(won - set(checks["appointment_ids"])),
        "gunicorn_master_died": int(not alive),
        **checks["violations"],
    }
    return {
        "restart_seconds": round(clock["restart_done"] - clock["restart_began"], 2), "down_for": args.down_for,
        "traffic_seconds": args.seconds, "restart_at": args.restart_at, "threads": args.threads,
        "workers": args.workers, "postgresql": version, "workers_replaced": workers_replaced,
        "answers": {p: dict(sorted(c.items())) for p, c in by_phase.items()},
        "error_content_types": dict(Counter(a.content_type.split(";")[0] for _k, a in state["answers"]
                                            if a.status and a.status >= 500)),
        "retried_bookings": dict(Counter(f"{a.status} {a.code or ''}".strip() for a in retries)),
        "appointments": checks["appointments"], "unexpected_after_restart": unexpected_after[:10],
        "problems": problems, "ok": not any(problems.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restart-db", action="store_true", required=True,
                        help="restart a private PostgreSQL cluster in the middle of the traffic")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the traffic")
    parser.add_argument("--restart-at", type=float, default=10.0, help="seconds into the traffic")
    parser.add_argument("--down-for", type=float, default=0.0,
                        help="instead of pg_ctl restart: stop, wait this many seconds, start")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--practitioners", type=int, default=2000, help="demo practitioners to search")
    parser.add_argument("--json", metavar="PATH", help="also write the result as JSON to PATH")
    args = parser.parse_args(argv)
    if not 0 < args.restart_at < args.seconds:
        parser.error("--restart-at must fall within --seconds")
    benchdb.exit_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="meridian-faults-") as tmp:
        os.chmod(tmp, 0o755)  # the postgres user must reach its data directory inside
        cluster_root = Path(tmp) / "pg"
        try:
            result = run(args, Path(tmp))
        finally:
            Cluster(cluster_root, 0).stop()
        if not result["ok"]:
            log(benchdb.log_errors(Path(tmp) / "gunicorn.log"))
    result["machine"] = {**benchlib.machine("sqlite://"), "database": "postgresql " + result["postgresql"]}
    return benchlib.print_result(result, args.json)


if __name__ == "__main__":
    sys.exit(main())
