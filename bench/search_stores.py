"""The distance search on PostgreSQL against the same search on SQLite, side by side in one run.

    python bench/search_stores.py --size 1000000 --workdir /tmp/stores --seed-only \
        --database-url postgresql://postgres@127.0.0.1:5432/bench_stores
    python bench/search_stores.py --size 1000000 --workdir /tmp/stores --reuse \
        --database-url postgresql://postgres@127.0.0.1:5432/bench_stores

This checkout's code in two worker processes (bench/modes_worker.py), one per database,
each seeded with the same demo data (size, seed 1; PostgreSQL is vacuumed and analysed after the load, as autovacuum would).
Both warm up on the same 20 origins, then search in turn, origin by origin, the first to
go alternating, so whatever else a shared machine does weighs on both alike: the search
a user gets by default (distance order, radius 25 mi, first page of 20, with each hit's
next free time). The two must agree on the total and the first page. On a sample of
origins each search's statements are counted and timed: a round trip costs more on a
server than on an embedded file, so their number decides the ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STORES = ("sqlite", "postgresql")


def run(args) -> dict:
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    from benchlib import database_url, summary
    from search import WARM_UP, origins
    from search_modes import _ask, _seed, _start

    tmp = args.workdir
    points = origins(args.origins + WARM_UP, args.seed)
    origins_file = tmp / "origins.json"
    origins_file.write_text(json.dumps({"warm": points[:WARM_UP], "measured": points[WARM_UP:]}))
    urls = {"sqlite": f"sqlite:///{tmp / f'stores-{args.size}.db'}", "postgresql": database_url(args.database_url)}
    common = (str(origins_file), str(args.size), str(args.seed))
    seeded_file = tmp / f"stores-seeded-{args.size}.json"
    if args.reuse:
        seeded = json.loads(seeded_file.read_text())
    else:
        print(f"[{args.size:,}] seeding both databases (in parallel)...", file=sys.stderr, flush=True)
        seeds = {store: _seed(HERE.parent, urls[store], "seed", *common) for store in STORES}
        seeded = {}
        for store, process in seeds.items():
            out, _ = process.communicate()
            if process.returncode != 0:
                raise SystemExit(f"{store}: seeding failed")
            seeded[store] = json.loads(out.strip().splitlines()[-1])
        seeded_file.write_text(json.dumps(seeded))
        print(f"[{args.size:,}] seeded: {seeded}", file=sys.stderr, flush=True)
        if args.seed_only:
            return {"seeded": seeded}
    workers = {store: _start(HERE.parent, urls[store], "serve", *common) for store in STORES}
    timings = {store: [] for store in STORES}
    answers = {store: [] for store in STORES}
    load = os.getloadavg()[0]
    started = time.monotonic()
    try:
        for index in range(args.origins):
            for store in (STORES if index % 2 == 0 else STORES[::-1]):
                elapsed, total, ids = _ask(workers[store], f"b {index}")
                timings[store].append(elapsed)
                answers[store].append([total, ids])
            if index % 50 == 49:
                print(f"  {index + 1} / {args.origins}", file=sys.stderr, flush=True)
        sample = list(range(0, args.origins, max(1, args.origins // args.count)))[:args.count]
        statements = {store: [_ask(workers[store], f"count b {index}") for index in sample] for store in STORES}
    finally:
        for process in workers.values():
            process.stdin.close()
            process.wait(timeout=120)
    return {"size": args.size, "origins": args.origins, "seeded": seeded,
            "load_start": round(load, 1), "load_end": round(os.getloadavg()[0], 1),
            "minutes": round((time.monotonic() - started) / 60, 1),
            "ms": {store: summary(timings[store]) for store in STORES},
            "same_answers": sum(a == b for a, b in zip(answers["sqlite"], answers["postgresql"])),
            "avg_total": round(sum(t for t, _ in answers["sqlite"]) / args.origins, 1),
            "statements": {store: [len(found) for found in statements[store]] for store in STORES},
            "statement_ms": {store: [round(sum(ms for _s, ms in found), 2) for found in statements[store]]
                             for store in STORES},
            "statement_detail": statements}


def markdown(r: dict) -> str:
    sq, pg = r["ms"]["sqlite"], r["ms"]["postgresql"]
    lines = [f"{r['size']:,} practitioners, {r['origins']} origins, the two stores in turn origin by origin "
             f"(load average {r['load_start']} → {r['load_end']}, {r['minutes']} min); "
             f"average total within 25 mi {r['avg_total']:,}.", "",
             "| store | p50 | p95 | p99 | p95 / SQLite's |", "|---|---:|---:|---:|---:|"]
    for name, s in (("SQLite", sq), ("PostgreSQL", pg)):
        lines.append(f"| {name} | {s['p50']:.2f} ms | {s['p95']:.2f} ms | {s['p99']:.2f} ms | "
                     f"{s['p95'] / sq['p95']:.2f} |")
    lines += ["", f"Same total and first page on {r['same_answers']}/{r['origins']} origins.",
              "Statements per search on the sampled origins (time in them): "
              + "; ".join(f"{store} {r['statements'][store]} ({r['statement_ms'][store]} ms)" for store in STORES)
              + "."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--origins", type=int, default=200)
    parser.add_argument("--count", type=int, default=5, help="origins whose statements are counted")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", required=True, help="PostgreSQL; ALL ITS TABLES ARE DROPPED")
    parser.add_argument("--workdir", type=Path, help="keep the SQLite file and origins here (default: temporary)")
    parser.add_argument("--reuse", action="store_true", help="search the databases seeded by an earlier run")
    parser.add_argument("--seed-only", action="store_true", help="seed (into --workdir) and stop")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
        parser.error("--database-url must be a PostgreSQL URL")
    if (args.reuse or args.seed_only) and args.workdir is None:
        parser.error("--reuse and --seed-only need --workdir")
    sys.path.insert(0, str(HERE))
    from search_modes import run_and_report
    return run_and_report(args, "meridian-stores-", run, markdown)


if __name__ == "__main__":
    sys.exit(main())
