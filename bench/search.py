"""Benchmark the nearby search against a naive scan, at several directory sizes.

    python bench/search.py --sizes 10000,100000,1000000 --origins 200
    python bench/search.py --sizes 10000 --database-url postgresql://postgres@127.0.0.1/bench

For each size: a fresh database (a SQLite file in a temporary directory, or the given
URL with ALL ITS TABLES DROPPED), the schema, the demo seed (the same function as
`flask seed-demo`), then `directory.services.search.nearby.search` latency over origins weighted
towards dense cities (radius 25 mi, first page of 20), in-process with an app context,
after a warm-up. Side by side, on a sample of the same origins, a naive search that
loads every listed clinic and computes geopy's great-circle distance to each in Python.
Progress goes to stderr; the Markdown table (or JSON with --json) to stdout.
Search with next_available, sort=soonest and available_within against today's distance
search, side by side in one run: bench/search_modes.py (same origins).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchlib  # noqa: E402  (bench/, the script's own folder)
from benchlib import log, percentile  # noqa: E402

import zipcodes  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from geopy.distance import great_circle  # noqa: E402
from sqlalchemy import func, inspect, select  # noqa: E402

from directory import create_app  # noqa: E402
from directory.extensions import db  # noqa: E402
from directory.models import Clinic, Practitioner, SearchEntry, listing  # noqa: E402
from directory.services.demo import seed as demo  # noqa: E402
from directory.services.search import nearby as geo  # noqa: E402

RADIUS_MI = 25.0
PER_PAGE = 20
WARM_UP = 20
# (city, lat, lon, weight): where people search from, densest first.
CITIES = (
    ("Manhattan", 40.7831, -73.9712, 14), ("Los Angeles", 34.0522, -118.2437, 12),
    ("San Francisco", 37.7749, -122.4194, 10), ("Brooklyn", 40.6782, -73.9442, 6),
    ("Seattle", 47.6062, -122.3321, 6), ("Chicago", 41.8781, -87.6298, 6), ("Boston", 42.3601, -71.0589, 5),
    ("Miami", 25.7617, -80.1918, 4), ("Houston", 29.7604, -95.3698, 4), ("Denver", 39.7392, -104.9903, 4),
    ("Portland", 45.5152, -122.6784, 4), ("San Diego", 32.7157, -117.1611, 4), ("Austin", 30.2672, -97.7431, 3),
    ("Philadelphia", 39.9526, -75.1652, 3), ("Washington", 38.9072, -77.0369, 3), ("Oakland", 37.8044, -122.2712, 3),
    ("San Jose", 37.3382, -121.8863, 3), ("Atlanta", 33.7490, -84.3880, 2), ("Minneapolis", 44.9778, -93.2650, 2),
    ("Phoenix", 33.4484, -112.0740, 2), ("Honolulu", 21.3069, -157.8583, 2), ("Santa Fe", 35.6870, -105.9378, 1),
)
RURAL_SHARE = 0.1  # the rest: any US ZIP, for searches from sparse places
JITTER_KM = 8.0  # origins spread over each city, not one point
# --explain: every statement of one search from a dense and from a sparse origin.
EXPLAIN_ORIGINS = (("Manhattan", (40.7831, -73.9712)), ("Casper, WY", (42.8666, -106.3131)))


def origins(count: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    zips = [z for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD" and z["active"]]
    points = []
    for _ in range(count):
        if rng.random() < RURAL_SHARE:
            z = rng.choice(zips)
            points.append((float(z["lat"]), float(z["long"])))
            continue
        _name, lat, lon, _w = rng.choices(CITIES, weights=[c[3] for c in CITIES])[0]
        km, bearing = JITTER_KM * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        points.append((lat + km * math.cos(bearing) / 111.195,
                       lon + km * math.sin(bearing) / (111.195 * math.cos(math.radians(lat)))))
    return points




def naive_search(origin: tuple[float, float], today) -> tuple[int, list[int]]:
    """Load every clinic the listing rule shows and measure the distance to each in Python."""
    rows = db.session.execute(
        select(Clinic.practitioner_id, Clinic.latitude, Clinic.longitude, Practitioner.display_name)
        .join(Practitioner, Practitioner.id == Clinic.practitioner_id)
        .where(listing.clinic_is_shown_sql(today))).all()
    best: dict[int, tuple[float, str]] = {}
    for pid, lat, lon, name in rows:
        miles = great_circle(origin, (lat, lon)).miles
        if miles <= RADIUS_MI and (pid not in best or miles < best[pid][0]):
            best[pid] = (miles, name.lower())
    ranked = sorted(best, key=lambda pid: (best[pid], pid))
    return len(best), ranked[:PER_PAGE]


def prepare(size: int, args) -> tuple[float | None, int]:
    """Seed a fresh schema (seconds taken, listed count), or with --reuse keep a seeded one
    (None, listed count)."""
    if args.reuse and inspect(db.engine).has_table("search_entry") and demo.has_practitioners():
        seeded = db.session.scalar(select(func.count()).select_from(Practitioner)) - 1  # less the demo login's
        if seeded != size:
            sys.exit(f"--reuse: the database holds {seeded:,} seeded practitioners, not {size:,}")
        log(f"[{size:,}] reusing the seeded database")
        listed = db.session.scalar(select(func.count(func.distinct(SearchEntry.practitioner_id)))
                                   .where(SearchEntry.expires_on >= date.today()))
        return None, listed - 1  # less the demo login's own listed profile, as demo.seed counts
    db.drop_all()
    db.create_all()
    log(f"[{size:,}] seeding...")
    started = time.perf_counter()
    result = demo.seed(size, args.seed, progress=lambda done, total: log(f"  {done:,} / {total:,}")
                       if done % 100_000 == 0 else None)
    seed_seconds = time.perf_counter() - started
    db.session.commit()
    benchlib.settle(db.engine)
    log(f"[{size:,}] seeded in {seed_seconds:.1f} s")
    return seed_seconds, result.listed


def search_all(warm, points) -> tuple[list[float], list[tuple]]:
    """Search from every point after a warm-up; the timings (ms) and the answers."""
    timings: list[float] = []
    answers: list[tuple] = []
    for origin in warm:
        geo.search(origin, radius=RADIUS_MI, unit="mi", per_page=PER_PAGE)
        db.session.remove()
    for origin in points:
        t = time.perf_counter()
        page = geo.search(origin, radius=RADIUS_MI, unit="mi", per_page=PER_PAGE)
        timings.append((time.perf_counter() - t) * 1000)
        answers.append((page.total, [h.practitioner.id for h in page.hits]))
        db.session.remove()
    return timings, answers


def run_size(url: str, size: int, args) -> dict:
    # The demo seed stores encrypted intakes: a throwaway key, nothing read from instance/.
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "TESTING": True,
                      "INTAKE_KEYS": [Fernet.generate_key().decode()]})
    with app.app_context():
        seed_seconds, listed = prepare(size, args)
        points = origins(args.origins + WARM_UP, args.seed)
        warm, measured = points[:WARM_UP], points[WARM_UP:]
        log(f"[{size:,}] searching from {len(measured)} origins...")
        timings, answers = search_all(warm, measured)
        totals = [total for total, _ids in answers]
        sample = list(range(0, len(measured), max(1, len(measured) // args.naive_sample)))[:args.naive_sample]
        log(f"[{size:,}] naive scan from {len(sample)} origins...")
        naive_timings, agree = [], 0
        today = date.today()
        for i in sample:
            t = time.perf_counter()
            total, ids = naive_search(measured[i], today)
            naive_timings.append((time.perf_counter() - t) * 1000)
            agree += total == totals[i] and ids == answers[i][1]
            db.session.remove()
        if args.explain:
            benchlib.write_explains(args.explain, size, EXPLAIN_ORIGINS, lambda origin: geo.search(
                origin, radius=RADIUS_MI, unit="mi", per_page=PER_PAGE))
        if args.database_url and not args.reuse:
            db.drop_all()
        db.engine.dispose()
    naive_p50 = statistics.median(naive_timings)
    return {
        "size": size, "seed_seconds": None if seed_seconds is None else round(seed_seconds, 1), "listed": listed,
        "search_ms": benchlib.summary(timings), "speed_up": round(naive_p50 / percentile(timings, 50), 1),
        "avg_results": round(statistics.mean(totals), 1), "origins": len(measured),
        "naive_ms_p50": round(naive_p50, 1), "naive_origins": len(sample), "naive_agrees": agree,
    }


def markdown(results: list[dict], info: dict) -> str:
    lines = ["| size | seed time | search p50 | p95 | p99 | avg results within 25 mi | naive p50 | speed-up |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        seeded = "reused" if r["seed_seconds"] is None else f"{r['seed_seconds']:.1f} s"
        s = r["search_ms"]
        lines.append(f"| {r['size']:,} | {seeded} | {s['p50']:.2f} ms | {s['p95']:.2f} ms | {s['p99']:.2f} ms | "
                     f"{r['avg_results']:,.1f} | {r['naive_ms_p50']:,.0f} ms | {r['speed_up']:,.0f}× |")
    lines.append("")
    lines.append(f"{results[0]['origins'] if results else 0} origins (warm-up {WARM_UP}), radius 25 mi, "
                 f"first page of {PER_PAGE}; naive on {results[0]['naive_origins'] if results else 0} of them, "
                 "agreeing with the search (total and first page) on "
                 + ", ".join(f"{r['naive_agrees']}/{r['naive_origins']}" for r in results) + ".")
    lines.append(benchlib.machine_line(info))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated practitioner counts")
    parser.add_argument("--origins", type=int, default=200, help="search origins per size (>= 200 recommended)")
    parser.add_argument("--naive-sample", type=int, default=10, help="origins for the naive scan")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url",
                        help="use this database instead of SQLite files; ALL ITS TABLES ARE DROPPED")
    parser.add_argument("--reuse", action="store_true",
                        help="with --database-url and one size: keep the seeded data afterwards, and "
                             "use it instead of seeding when it is already there")
    parser.add_argument("--explain", metavar="PATH",
                        help="PostgreSQL: write EXPLAIN (ANALYZE, BUFFERS) of a dense and a sparse search "
                             "to PATH (Markdown)")
    parser.add_argument("--json", metavar="PATH", help="write results as JSON to PATH ('-' for stdout)")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes takes comma-separated whole numbers, e.g. 10000,100000")
    if not sizes or any(not 0 < s <= demo.MAX_PRACTITIONERS for s in sizes):
        parser.error(f"each size must be between 1 and {demo.MAX_PRACTITIONERS:,}")
    if args.explain and not args.database_url:
        parser.error("--explain needs a PostgreSQL --database-url")
    if args.reuse and (not args.database_url or len(sizes) != 1):
        parser.error("--reuse needs --database-url and a single size")
    if args.origins < 2 or args.naive_sample < 1:
        parser.error("--origins must be at least 2 and --naive-sample at least 1")

    url = benchlib.database_url(args.database_url)
    results = []
    with tempfile.TemporaryDirectory(prefix="meridian-bench-") as tmp:
        for size in sizes:
            results.append(run_size(url or f"sqlite:///{Path(tmp) / f'bench-{size}.db'}", size, args))
            log(json.dumps(results[-1]))
    return benchlib.report(results, url, args.json, markdown)


if __name__ == "__main__":
    sys.exit(main())
