"""The table bench/load.sh prints: wrk's figures per target and connection count, and the
search's throughput as a share of the ceiling measured in the same run.

    python bench/load_report.py RESULTS.jsonl --practitioners N --workers W --database-url URL [--json PATH]

Each line of RESULTS.jsonl is {"target", "connections", "duration", ...the BENCH_RESULT
fields of bench/lua/search.lua}. Exit status 1 when any request failed (the target is zero
errors); a search under half its ceiling is reported, not failed, since it measures
capacity rather than correctness.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchlib  # noqa: E402  (bench/, the script's own folder)

TARGETS = {"api": "search API", "ceiling-api": "ceiling (API bytes)",
           "page": "search page", "ceiling-page": "ceiling (page bytes)"}
CEILING_OF = {"api": "ceiling-api", "page": "ceiling-page"}
TARGET_SHARE = 0.5


def figures(row: dict) -> dict:
    seconds = row["duration_us"] / 1e6
    kinds = {"connect": row["connect_errors"], "read": row["read_errors"], "write": row["write_errors"],
             "timeout": row["timeouts"]}
    return {"target": row["target"], "connections": row["connections"],
            "requests": row["requests"], "rps": row["requests"] / seconds if seconds else 0.0,
            "p50_ms": row["p50_us"] / 1000, "p99_ms": row["p99_us"] / 1000,
            "http_errors": row["http_errors"], "socket_errors": sum(kinds.values()),
            "socket_error_kinds": {k: v for k, v in kinds.items() if v},
            "bytes_per_response": row["bytes"] / row["requests"] if row["requests"] else 0}


def shares(rows: list[dict]) -> list[dict]:
    by_key = {(r["target"], r["connections"]): r for r in rows}
    found = []
    for r in rows:
        ceiling = by_key.get((CEILING_OF.get(r["target"]), r["connections"]))
        if ceiling and ceiling["rps"]:
            share = r["rps"] / ceiling["rps"]
            found.append({"target": r["target"], "connections": r["connections"], "share": share,
                          "meets_target": share >= TARGET_SHARE and r["http_errors"] + r["socket_errors"] == 0})
    return found


def _sockets(row: dict) -> str:
    kinds = ", ".join(f"{n} {kind}" for kind, n in row["socket_error_kinds"].items())
    return f"{row['socket_errors']} ({kinds})" if kinds else "0"


def markdown(rows: list[dict], ratios: list[dict], args, info: dict) -> str:
    lines = ["| target | connections | req/s | p50 | p99 | HTTP errors | socket errors | bytes/response |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {TARGETS.get(r['target'], r['target'])} | {r['connections']} | {r['rps']:,.1f} | "
                     f"{r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['http_errors']} | {_sockets(r)} | "
                     f"{r['bytes_per_response']:,.0f} |")
    lines += ["", "| search | connections | share of its ceiling | target (≥ 50 %, zero errors) |",
              "|---|---:|---:|---|"]
    for s in ratios:
        lines.append(f"| {TARGETS[s['target']]} | {s['connections']} | {s['share'] * 100:.1f} % | "
                     f"{'met' if s['meets_target'] else 'not met'} |")
    lines.append("")
    lines.append(f"{args.practitioners:,} demo practitioners (seed 42), gunicorn {args.workers} sync workers, "
                 f"wrk -t2 (timeout {rows[0]['timeout'] if rows else '?'}), "
                 f"{rows[0]['duration'] if rows else '?'} per row, search answer cache: {cache_setting()}.")
    lines.append(benchlib.machine_line(info))
    if args.live:
        lines += ["", live_line(args.live)]
    return "\n".join(lines)


def live_line(live: dict) -> str:
    """The bookings made during the runs and the stale check of next_available."""
    w, c = live.get("writer") or {}, live.get("check") or {}
    if not w:
        written = "During the runs: no writer (WRITER=0). "
    else:
        written = (f"During the runs: {w.get('booked', '?')} first visits requested and {w.get('cancelled', '?')} "
                   f"cancelled by a writer, one a second, each at the very next_available a search showed "
                   f"({w.get('failed', '?')} attempts failed"
                   f"{': ' + '; '.join(w['errors'][:3]) if w.get('errors') else ''}). ")
    return (written + f"Stale check: {c.get('answers', '?')} search API answers, {c.get('results', '?')} results "
            f"({c.get('with_time', '?')} with a next_available) compared with the first initial slot of the "
            f"slots endpoint fetched right after; {c.get('differed_once', '?')} differed at first (a booking in "
            f"between), **{c.get('stale', '?')} stale** (a difference that persisted over 3 re-fetches a second "
            f"apart){'; examples: ' + json.dumps(c['examples'][:3]) if c.get('examples') else ''}; "
            f"{c.get('errors', '?')} check errors.")


def cache_setting() -> str:
    """What the served app was told about its search answer cache (it reads the same environment)."""
    value = os.environ.get("SEARCH_CACHE_MB", "").strip()
    if not value:
        return "on (SEARCH_CACHE_MB default)"
    return "off (SEARCH_CACHE_MB=0)" if float(value) == 0 else f"on (SEARCH_CACHE_MB={value})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--practitioners", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--writer", type=Path, help="bench/load_live.py writer's JSON")
    parser.add_argument("--check", type=Path, help="bench/load_live.py check's JSON")
    args = parser.parse_args(argv)
    args.live = {name: json.loads(path.read_text()) for name, path in (("writer", args.writer),
                                                                       ("check", args.check))
                 if path is not None and path.exists()}
    raw = [json.loads(line) for line in args.results.read_text().splitlines() if line.strip()]
    rows = [{**figures(r), "duration": r["duration"], "timeout": r["timeout"]} for r in raw]
    ratios = shares(rows)
    info = benchlib.machine(benchlib.database_url(args.database_url))
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "practitioners": args.practitioners,
                                               "workers": args.workers, "search_cache": cache_setting(),
                                               "rows": rows, "shares": ratios, "live": args.live},
                                              indent=2) + "\n")
    print(markdown(rows, ratios, args, info))
    failed = sum(r["http_errors"] + r["socket_errors"] for r in rows)
    if failed:
        print(f"\n{failed} requests failed: the target is zero errors.", file=sys.stderr)
    stale = (args.live.get("check") or {}).get("stale", 0)
    if stale:
        print(f"\n{stale} stale next_available answers: the target is zero.", file=sys.stderr)
    return 1 if failed or stale else 0


if __name__ == "__main__":
    sys.exit(main())
