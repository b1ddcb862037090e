"""Benchmark free-slot computation for one busy practitioner, with its SQL query count.

    python bench/slots.py --runs 200
    python bench/slots.py --database-url postgresql://postgres@127.0.0.1/bench

A fresh database (a SQLite file in a temporary directory, or the given URL with ALL ITS
TABLES DROPPED), one practitioner with two clinics and realistic weekly hours (mornings
09:00-12:30 and afternoons 13:30-18:00, Monday to Saturday split between the clinics),
two days of time off, then `directory.services.booking.scheduling.free_slots` timed in-process
for 1, 7 and 30 days from tomorrow, with 0 and then 100 active appointments spread over the 30 days.
Each case counts the SQL statements one call sends: the count must not grow with the
number of days or appointments. Progress goes to stderr; the Markdown table (or JSON
with --json) to stdout.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, time as clock, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchlib  # noqa: E402  (bench/, the script's own folder)
from benchlib import log, percentile  # noqa: E402

from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import event  # noqa: E402

from directory import create_app  # noqa: E402
from directory.extensions import db  # noqa: E402
from directory.models import (Appointment, AppointmentStatus, Clinic, ListingState, Practitioner, Role,  # noqa: E402
                              User)
from directory.services import scheduling  # noqa: E402

WARM_UP = 10
APPOINTMENTS = 100
DAYS = (1, 7, 30)
DAY = [(clock(9), clock(12, 30)), (clock(13, 30), clock(18))]
# Clinic A on Monday, Wednesday and Friday; clinic B on Tuesday, Thursday and Saturday morning.
HOURS = ({0: DAY, 2: DAY, 4: DAY}, {1: DAY, 3: DAY, 5: [(clock(9), clock(13))]})




def seed() -> Practitioner:
    user = User(email="bench@example.test", name="Bench Practitioner", role=Role.PRACTITIONER)
    practitioner = Practitioner(user=user, display_name="Bench Practitioner", slug="bench-practitioner",
                                listing_state=ListingState.LISTED)
    for name, city, lat, lon in (("Mission", "San Francisco", 37.7509, -122.4153),
                                 ("Lakeshore", "Oakland", 37.8044, -122.2712)):
        practitioner.clinics.append(Clinic(name=name, city=city, region="CA", postal_code="94110", country="US",
                                           latitude=lat, longitude=lon, timezone="America/Los_Angeles",
                                           geocoded_by="bench"))
    db.session.add(practitioner)
    db.session.commit()
    for clinic, hours in zip(practitioner.clinics, HOURS):
        scheduling.set_weekly_hours(clinic, hours)
    return practitioner


def book(practitioner: Practitioner, slots: list[scheduling.Slot], rng: random.Random) -> int:
    """Up to APPOINTMENTS active appointments on free slots chosen at random, none overlapping."""
    patient = User(email="patient@example.test", name="Bench Patient", role=Role.PATIENT)
    db.session.add(patient)
    db.session.flush()
    taken: list[scheduling.Slot] = []
    buffer = timedelta(minutes=practitioner.buffer_minutes)
    for slot in rng.sample(slots, len(slots)):
        if len(taken) == APPOINTMENTS:
            break
        if any(slot.start < t.end + buffer and t.start < slot.end + buffer for t in taken):
            continue
        taken.append(slot)
        db.session.add(Appointment(
            practitioner_id=practitioner.id, clinic_id=slot.clinic_id, patient_id=patient.id,
            starts_at=slot.start, ends_at=slot.end, kind=slot.kind, intake={"reason": "benchmark"},
            status=rng.choice([AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED])))
    db.session.commit()
    return len(taken)


def measure(practitioner_id: int, days: int, runs: int, now: datetime) -> dict:
    start = now.date() + timedelta(days=1)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    practitioner = db.session.get(Practitioner, practitioner_id)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        slots = scheduling.free_slots(practitioner, start=start, days=days, now=now)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    for _ in range(WARM_UP):
        scheduling.free_slots(practitioner, start=start, days=days, now=now)
    timings = []
    for _ in range(runs):
        t = time.perf_counter()
        scheduling.free_slots(practitioner, start=start, days=days, now=now)
        timings.append((time.perf_counter() - t) * 1000)
    return {"days": days, "queries": len(statements), "slots": len(slots), "runs": runs,
            "ms": {"p50": round(percentile(timings, 50), 3), "p95": round(percentile(timings, 95), 3),
                   "max": round(max(timings), 3)}}


def run(url: str, args) -> list[dict]:
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "INTAKE_KEYS": [Fernet.generate_key().decode()]})
    # Midnight UTC: with the default 24 hours' notice every local day from tomorrow is bookable.
    now = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    results = []
    with app.app_context():
        db.drop_all()
        db.create_all()
        practitioner = seed()
        first_day = now.date() + timedelta(days=12)
        scheduling.add_time_off(practitioner, first_day=first_day, last_day=first_day + timedelta(days=1),
                                clinic_id=None, note="Conference")
        pid = practitioner.id
        log("0 appointments...")
        for days in DAYS:
            results.append({"appointments": 0, **measure(pid, days, args.runs, now)})
        tomorrow = now.date() + timedelta(days=1)
        booked = book(practitioner, scheduling.free_slots(practitioner, start=tomorrow, days=30, now=now),
                      random.Random(args.seed))
        log(f"{booked} appointments...")
        for days in DAYS:
            results.append({"appointments": booked, **measure(pid, days, args.runs, now)})
        db.session.remove()  # end the read transaction, or DROP TABLE waits for it
        if args.database_url:
            db.drop_all()
        db.engine.dispose()
    return results




def markdown(results: list[dict], info: dict) -> str:
    lines = ["| days | appointments | free slots | SQL queries | p50 | p95 |", "|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['days']} | {r['appointments']} | {r['slots']} | {r['queries']} | "
                     f"{r['ms']['p50']:.2f} ms | {r['ms']['p95']:.2f} ms |")
    lines.append("")
    lines.append(f"{results[0]['runs']} calls per row after {WARM_UP} warm-up calls; one practitioner, two clinics, "
                 "both kinds of visit.")
    lines.append(benchlib.machine_line(info))
    return "\n".join(lines)




def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="timed calls per case")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the appointments")
    parser.add_argument("--database-url",
                        help="use this database instead of a SQLite file; ALL ITS TABLES ARE DROPPED")
    parser.add_argument("--json", metavar="PATH", help="write results as JSON to PATH ('-' for stdout)")
    args = parser.parse_args(argv)
    if args.runs < 2:
        parser.error("--runs must be at least 2")
    url = benchlib.database_url(args.database_url)
    with tempfile.TemporaryDirectory(prefix="meridian-bench-") as tmp:
        results = run(url or f"sqlite:///{Path(tmp) / 'slots.db'}", args)
    return benchlib.report(results, url, args.json, markdown)


if __name__ == "__main__":
    sys.exit(main())
