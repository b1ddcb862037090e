"""Bookings during bench/load.sh, and a check that no search answer shows a stale next free time.

    python bench/load_live.py writer --out WRITER.json --stop-file STOP [--every 1.0]
    python bench/load_live.py check BASE_URL --out CHECK.json --stop-file STOP [--every 0.5]

writer: in-process, against the same DATABASE_URL as the served app (the environment
bench/load.sh exports), every ``--every`` seconds the demo patient requests the first free
first visit (the very ``next_available`` a search shows) of a practitioner on the first page
of a search from one of the dense places wrk searches, and cancels it half a second later.
Both writes go through ``directory.services.booking.requests``, so the session hooks move
the search index and the search generation as a real booking would.

check: over HTTP, in a loop, one search API answer (places rotating) and, for each result,
``GET /api/v1/practitioners/{id}/slots?clinic_id=..&kind=initial`` fetched right after; the
result's ``next_available.start`` must be the first slot's start (or both none). The two
requests are not atomic (a booking may fall between them), so a difference is re-fetched
(search, then slots) up to three times, a second apart; only a difference that persists
counts as stale.

Both stop when STOP exists and write their counts as JSON to OUT.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Dense places of bench/lua/search.lua: where wrk's searches find full first pages.
DENSE = ("10001", "10013", "11201", "94110", "94103", "90012", "90027", "60614", "98103", "02139")
SPARSE = ("59001", "82001", "87501", "05401")
SLOT_DAYS = 60  # the slots endpoint's most days per request
INTAKE = {"reason": "Sciatica on the left", "pain_duration": "over_1_year", "pain_score": 5,
          "medical_history": "", "medications": "",
          "safety": {"anticoagulants": False, "pregnancy": False, "implanted_device": False,
                     "needle_fear": False, "prior_reaction": False},
          "red_flags": {"bladder_bowel": False, "saddle_numbness": False, "fever": False, "major_trauma": False,
                        "cancer_history": False, "weight_loss": False, "leg_weakness": False}}


def writer(args) -> dict:
    from sqlalchemy import select

    from directory import create_app
    from directory.extensions import db
    from directory.models import AppointmentKind, User
    from directory.services.booking import requests as booking
    from directory.services.demo.generator import DEMO_DOMAIN
    from directory.services.search import nearby
    from directory.services.search.query import parse

    rng = random.Random(7)
    counts = {"booked": 0, "cancelled": 0, "failed": 0, "errors": [], "seconds": 0.0}
    started = time.monotonic()
    app = create_app()
    with app.app_context():
        patient_id = db.session.scalar(select(User.id).where(User.email == f"patient@{DEMO_DOMAIN}"))
        db.session.remove()
        while not Path(args.stop_file).exists():
            tick = time.monotonic()
            try:
                patient = db.session.get(User, patient_id)
                query = parse({"near": rng.choice(DENSE), "radius": "25"})
                hits = [h for h in nearby.search(query.origin, radius=25.0, unit="mi").hits if h.next_available]
                if hits:
                    hit = rng.choice(hits)
                    appointment = booking.request_appointment(
                        patient=patient, practitioner=hit.practitioner, clinic_id=hit.clinic.id,
                        start=hit.next_available, kind=AppointmentKind.INITIAL, intake=INTAKE)
                    counts["booked"] += 1
                    time.sleep(min(0.5, args.every / 2))
                    booking.cancel(appointment, by=patient, reason="bench")
                    counts["cancelled"] += 1
            except Exception as error:  # noqa: BLE001  (counted and reported: the run goes on)
                db.session.rollback()
                counts["failed"] += 1
                if len(counts["errors"]) < 10:
                    counts["errors"].append(f"{type(error).__name__}: {error}"[:300])
            finally:
                db.session.remove()
            time.sleep(max(0.0, args.every - (time.monotonic() - tick)))
        db.engine.dispose()
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def _shown(base: str, place: str) -> dict[int, tuple[int, str | None]]:
    """practitioner id → (clinic id, next_available start) of one search API answer."""
    found = _get(f"{base}/api/v1/practitioners?radius=25&near={place}")
    return {r["id"]: (r["clinic"]["id"], (r["next_available"] or {}).get("start")) for r in found["results"]}


def _first_slot(base: str, pid: int, clinic_id: int) -> str | None:
    start = date.today() - timedelta(days=1)  # the endpoint clamps to the clinics' today
    for _ in range(3):  # horizons up to 180 days
        slots = _get(f"{base}/api/v1/practitioners/{pid}/slots?clinic_id={clinic_id}&kind=initial"
                     f"&start={start.isoformat()}&days={SLOT_DAYS}")["slots"]
        if slots:
            return slots[0]["start"]
        start += timedelta(days=SLOT_DAYS - 1)
    return None


def _same(a: str | None, b: str | None) -> bool:
    return a == b or (a is not None and b is not None and datetime.fromisoformat(a) == datetime.fromisoformat(b))


def check(args) -> dict:
    base = args.base_url.rstrip("/")
    places = [p for pair in zip(DENSE, SPARSE * 3) for p in pair]
    counts = {"answers": 0, "results": 0, "with_time": 0, "differed_once": 0, "stale": 0, "examples": [],
              "errors": 0}
    turn = 0
    while not Path(args.stop_file).exists():
        tick = time.monotonic()
        place = places[turn % len(places)]
        turn += 1
        try:
            shown = _shown(base, place)
            counts["answers"] += 1
            for pid, (clinic_id, start) in shown.items():
                counts["results"] += 1
                counts["with_time"] += start is not None
                first = _first_slot(base, pid, clinic_id)
                if _same(start, first):
                    continue
                counts["differed_once"] += 1
                for _attempt in range(3):  # not atomic: a booking may have fallen in between
                    time.sleep(1.0)
                    start = _shown(base, place).get(pid, (clinic_id, None))[1]
                    first = _first_slot(base, pid, clinic_id)
                    if _same(start, first):
                        break
                else:
                    counts["stale"] += 1
                    if len(counts["examples"]) < 10:
                        counts["examples"].append({"place": place, "id": pid, "clinic_id": clinic_id,
                                                   "next_available": start, "first_slot": first})
        except Exception as error:  # noqa: BLE001
            counts["errors"] += 1
            print(f"[check] {type(error).__name__}: {error}", file=sys.stderr)
        time.sleep(max(0.0, args.every - (time.monotonic() - tick)))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="task", required=True)
    w = sub.add_parser("writer")
    w.add_argument("--every", type=float, default=1.0)
    c = sub.add_parser("check")
    c.add_argument("base_url")
    c.add_argument("--every", type=float, default=0.5)
    for p in (w, c):
        p.add_argument("--out", required=True, type=Path)
        p.add_argument("--stop-file", required=True)
    args = parser.parse_args(argv)
    result = writer(args) if args.task == "writer" else check(args)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
