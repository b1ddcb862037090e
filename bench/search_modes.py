"""Search with next free times against today's distance search, side by side in one run.

    git archive 51bf806 | tar -x -C /tmp/before      # the checkout before next_available
    python bench/search_modes.py --before /tmp/before --size 100000 --origins 200
    python bench/search_modes.py --before /tmp/before --size 100000 \
        --database-url postgresql://postgres@127.0.0.1:5432/bench_nf \
        --before-database-url postgresql://postgres@127.0.0.1:5432/bench_nf_before

Two worker processes, each with its own database seeded by its own checkout's demo seed
(same size and seed; the schemas differ): the checkout before next_available serves mode
"a" (distance, as before); this checkout serves "b" (distance with next_available, the
default), "c" (sort=soonest), "d" (available_within=7, distance order) and "b0" (this
checkout's distance search with the next-free refresh on read switched off: what "b" costs
without recomputing rows that time made stale). Step by step, every mode searches once, the
order rotating, so a busy shared machine weighs on all alike; at each step each mode
searches a different origin (every mode covers every origin once), so that none reads the
pages the mode before it just read for the very same query. Time passes during the
run: rows whose next free time ran out are recomputed on read by b, c and d, as they would
be in production between two cron runs. On a sample of origins, each hit's next_available
of b, c and d is checked against ``scheduling.free_slots`` at the same clock.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AFTER_MODES = ("b", "b0", "c", "d")
MODES = ("a", *AFTER_MODES)
NAMES = {"a": "distance, as before (51bf806)", "b": "distance + next_available", "b0": "b, no refresh on read",
         "c": "sort=soonest", "d": "available_within=7"}


def _command(checkout: Path, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--worker", str(checkout), *args]


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(HERE)}  # compare_search, from this checkout's bench/


def _seed(checkout: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(_command(checkout, *args), cwd=checkout, stdout=subprocess.PIPE, text=True, env=_env())


def _start(checkout: Path, *args: str) -> subprocess.Popen:
    process = subprocess.Popen(_command(checkout, *args), cwd=checkout, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env=_env())
    if process.stdout.readline().strip() != "ready":
        raise SystemExit(f"{checkout}: the search worker did not start")
    return process


def _ask(process: subprocess.Popen, line: str):
    process.stdin.write(line + "\n")
    process.stdin.flush()
    return json.loads(process.stdout.readline())


def run(args) -> dict:
    sys.path.insert(0, str(HERE))
    from benchlib import summary
    from search import WARM_UP, origins

    tmp = args.workdir
    points = origins(args.origins + WARM_UP, args.seed)
    origins_file = tmp / "origins.json"
    origins_file.write_text(json.dumps({"warm": points[:WARM_UP], "measured": points[WARM_UP:]}))
    checkouts = {"before": args.before.resolve(), "after": HERE.parent}
    urls = {"before": args.before_database_url or f"sqlite:///{tmp / f'before-{args.size}.db'}",
            "after": args.database_url or f"sqlite:///{tmp / f'after-{args.size}.db'}"}
    common = (str(origins_file), str(args.size), str(args.seed))
    seeded = {}
    if args.reuse:
        seeded = json.loads((tmp / f"seeded-{args.size}.json").read_text())
    else:
        print(f"[{args.size:,}] seeding both checkouts (in parallel)...", file=sys.stderr, flush=True)
        seeds = {name: _seed(checkouts[name], urls[name], "seed", *common) for name in checkouts}
        for name, process in seeds.items():
            out, _ = process.communicate()
            if process.returncode != 0:
                raise SystemExit(f"{name}: seeding failed")
            seeded[name] = json.loads(out.strip().splitlines()[-1])
        print(f"[{args.size:,}] seeded: {seeded}", file=sys.stderr, flush=True)
        (tmp / f"seeded-{args.size}.json").write_text(json.dumps(seeded))
        if args.seed_only:
            return {"seeded": seeded}
    workers = {name: _start(checkouts[name], urls[name], "serve", *common) for name in checkouts}
    timings = {mode: [] for mode in MODES}
    answers = {mode: [None] * args.origins for mode in MODES}
    load = os.getloadavg()[0]
    crons, last_cron = [], 0.0
    try:
        for index in range(args.origins):
            if args.cron and time.monotonic() - last_cron >= 60:  # untimed, between two origins
                crons.append(_ask(workers["after"], "cron"))
                last_cron = time.monotonic()
            order = MODES[index % len(MODES):] + MODES[:index % len(MODES)]
            for mode in order:
                # Each mode at its own origin of the moment (all modes cover every origin once):
                # one mode never reads the pages the one before it just read for the same query.
                at = (index + MODES.index(mode) * args.origins // len(MODES)) % args.origins
                elapsed, total, ids = _ask(workers["before" if mode == "a" else "after"], f"{mode} {at}")
                timings[mode].append(elapsed)
                answers[mode][at] = [total, ids]
            if index % 50 == 49:
                print(f"  {index + 1} / {args.origins}", file=sys.stderr, flush=True)
        sample = list(range(0, args.origins, max(1, args.origins // args.verify)))[:args.verify]
        verified = {"checked": 0, "with_time": 0, "wrong": []}
        for index in sample:
            for mode in ("b", "c", "d"):
                found = _ask(workers["after"], f"verify {mode} {index}")
                verified["checked"] += found["checked"]
                verified["with_time"] += found["with_time"]
                verified["wrong"] += found["wrong"]
        statements = {mode: [_ask(workers["before" if mode == "a" else "after"], f"count {mode} {index}")
                             for index in sample] for mode in MODES}
    finally:
        for process in workers.values():
            process.stdin.close()
            process.wait(timeout=120)
    same = lambda x, y: sum(p == q for p, q in zip(answers[x], answers[y]))  # noqa: E731
    return {"size": args.size, "database": urls["after"].split(":", 1)[0], "origins": args.origins,
            "seeded": seeded, "load_start": round(load, 1), "load_end": round(os.getloadavg()[0], 1),
            "ms": {mode: summary(timings[mode]) for mode in MODES},
            "b_same_as_b0": same("b", "b0"), "b_same_as_a": same("b", "a"),
            "d_totals_le_b": sum(d[0] <= b[0] for d, b in zip(answers["d"], answers["b"])),
            "avg_total": {m: round(sum(t for t, _ in answers[m]) / len(answers[m]), 1) for m in MODES},
            "cron": crons if args.cron else None, "verify_origins": len(sample), "verified": verified,
            "statements": {mode: [len(x) for x in found] for mode, found in statements.items()},
            "statement_ms": {mode: [round(sum(ms for _s, ms in x), 2) for x in found]
                             for mode, found in statements.items()},
            "statement_detail": {mode: found for mode, found in statements.items()}}


def markdown(r: dict) -> str:
    a = r["ms"]["a"]
    lines = [f"{r['size']:,} practitioners, {r['database']}, {r['origins']} origins, every mode once per step (each at another origin) "
             f"in rotating order (load average {r['load_start']} → {r['load_end']}). "
             + (f"Cron (`flask search refresh-times`) every minute between two origins, untimed: "
                f"{[c[0] for c in r['cron']]} practitioners refreshed." if r["cron"] is not None else
                "No cron: every row that time made stale is recomputed by the search that reads it."), "",
             "| mode | p50 | p95 | p99 | p95 / a | avg total |", "|---|---:|---:|---:|---:|---:|"]
    for mode in MODES:
        s = r["ms"][mode]
        lines.append(f"| {mode}: {NAMES[mode]} | {s['p50']:.2f} ms | {s['p95']:.2f} ms | {s['p99']:.2f} ms | "
                     f"{s['p95'] / a['p95']:.2f} | {r['avg_total'][mode]:,} |")
    v = r["verified"]
    lines += ["", f"next_available checked against free_slots on {r['verify_origins']} origins × b, c, d: "
              f"{v['checked']} hits ({v['with_time']} with a time), {len(v['wrong'])} wrong"
              + (f": {v['wrong'][:5]}" if v["wrong"] else "") + ".",
              f"Same total and first page: b and b0 on {r['b_same_as_b0']}/{r['origins']} origins; "
              f"b and a on {r['b_same_as_a']}/{r['origins']}.",
              "Statements sent per search (round trips) on the verified origins, and the time spent in them: "
              + "; ".join(f"{m} {r['statements'][m]} ({r['statement_ms'][m]} ms)" for m in MODES) + "."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        checkout, url, task, origins_file, size, seed = argv[1:7]
        from modes_worker import worker
        worker(checkout, url, task, origins_file, int(size), int(seed))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, type=Path, help="checkout before next_available (51bf806)")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--origins", type=int, default=200)
    parser.add_argument("--verify", type=int, default=5, help="origins whose hits are checked against free_slots")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="PostgreSQL for this checkout; ALL ITS TABLES ARE DROPPED")
    parser.add_argument("--before-database-url", help="PostgreSQL for --before; ALL ITS TABLES ARE DROPPED")
    parser.add_argument("--workdir", type=Path, help="keep SQLite files and origins here (default: temporary)")
    parser.add_argument("--reuse", action="store_true", help="search the databases seeded by an earlier run")
    parser.add_argument("--cron", action="store_true",
                        help="run `flask search refresh-times`' work every minute between origins (untimed)")
    parser.add_argument("--seed-only", action="store_true", help="seed (into --workdir) and stop")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)
    if bool(args.database_url) != bool(args.before_database_url):
        parser.error("--database-url and --before-database-url go together")
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    from benchlib import database_url
    args.database_url = database_url(args.database_url)
    args.before_database_url = database_url(args.before_database_url)
    return run_and_report(args, "meridian-modes-", run, markdown)


def run_and_report(args, prefix: str, run, markdown) -> int:
    """Run in --workdir (or a temporary one), write --json, and print the Markdown report."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        args.workdir = args.workdir or Path(tmp)
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = run(args)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "statement_detail"}), file=sys.stderr)
    if not args.seed_only:
        print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
