"""Time the nearby search of two checkouts side by side: before and after a change.

    git worktree add /tmp/before main        # or any other revision
    python bench/compare_search.py --before /tmp/before --sizes 10000,100000 --rounds 3

Each checkout seeds its own SQLite database per size with the same demo seed (the
schemas may differ), then one worker process per checkout warms up (20 searches) and the
two search in turn from the origins of bench/search.py, origin by origin, the first to
go alternating, so whatever else a shared machine is doing weighs on both alike.
Timings of all rounds are pooled per checkout; the two must return the same total and
first page from every origin.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


# Module names of the code being timed, in the package layout and in the flat one before
# it. Built from parts so that import-rewriting scripts leave the old names alone.
SEARCH_MODULES = (".".join(("directory", "services", "search", "nearby")), ".".join(("directory", "services", "geo")))
SEED_MODULES = (".".join(("directory", "services", "demo", "seed")), ".".join(("directory", "services", "demo")))


def _first_module(names: tuple[str, ...]):
    for name in names:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    raise SystemExit(f"none of {', '.join(names)} in this checkout")


def worker(checkout: str, database: str, task: str, origins_file: str, size: int, seed: int) -> None:
    """Runs in the checkout's own process: seed, or serve timed searches; JSON on stdout."""
    sys.path.insert(0, checkout)
    from directory import create_app
    from directory.extensions import db

    from cryptography.fernet import Fernet
    # Checkouts whose demo seed stores encrypted intakes need a key; older ones ignore it.
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "TESTING": True,
                      "INTAKE_KEYS": [Fernet.generate_key().decode()]})
    with app.app_context():
        if task == "seed":
            db.create_all()
            started = time.perf_counter()
            listed = _first_module(SEED_MODULES).seed(size, seed).listed
            print(json.dumps({"listed": listed, "seconds": round(time.perf_counter() - started, 1)}))
            return
        search = _first_module(SEARCH_MODULES).search
        points = json.loads(Path(origins_file).read_text())
        for origin in points["warm"]:
            search(tuple(origin), radius=25.0, unit="mi", per_page=20)
            db.session.remove()
        print("ready", flush=True)
        # One search per line read: the index of the origin to search from.
        for line in sys.stdin:
            origin = tuple(points["measured"][int(line)])
            started, started_cpu = time.perf_counter(), time.process_time()
            page = search(origin, radius=25.0, unit="mi", per_page=20)
            cpu = (time.process_time() - started_cpu) * 1000
            elapsed = (time.perf_counter() - started) * 1000
            print(json.dumps([elapsed, cpu, page.total, [hit.practitioner.id for hit in page.hits]]), flush=True)
            db.session.remove()
        db.engine.dispose()


def _command(checkout: Path, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--worker", str(checkout), *args]


def _seed(checkout: Path, *args: str) -> dict:
    result = subprocess.run(_command(checkout, *args), cwd=checkout, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{checkout}: {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _start(checkout: Path, *args: str) -> subprocess.Popen:
    process = subprocess.Popen(_command(checkout, *args), cwd=checkout, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    if process.stdout.readline().strip() != "ready":
        raise SystemExit(f"{checkout}: the search worker did not start")
    return process


def _search(process: subprocess.Popen, index: int) -> list:
    process.stdin.write(f"{index}\n")
    process.stdin.flush()
    return json.loads(process.stdout.readline())


def compare_size(checkouts: dict[str, Path], size: int, args, tmp: Path) -> dict:
    sys.path.insert(0, str(HERE))
    from search import WARM_UP, origins  # bench/search.py: the same origins as the main benchmark

    points = origins(args.origins + WARM_UP, args.seed)
    origins_file = tmp / "origins.json"
    origins_file.write_text(json.dumps({"warm": points[:WARM_UP], "measured": points[WARM_UP:]}))
    databases = {name: tmp / f"{name}-{size}-{args.seed}.db" for name in checkouts}
    seeded = {}
    for name, checkout in checkouts.items():
        if databases[name].exists():  # --workdir: seeded by an earlier run of the same checkouts
            seeded[name] = json.loads(databases[name].with_suffix(".json").read_text())
            continue
        print(f"[{size:,}] seeding {name}...", file=sys.stderr, flush=True)
        seeded[name] = _seed(checkout, str(databases[name]), "seed", str(origins_file), str(size), str(args.seed))
        databases[name].with_suffix(".json").write_text(json.dumps(seeded[name]))
    # Both workers stay up; they search in turn, one origin each, the first alternating, so
    # whatever else the machine is doing at that moment weighs on both alike.
    workers = {name: _start(checkout, str(databases[name]), "serve", str(origins_file), str(size),
                            str(args.seed)) for name, checkout in checkouts.items()}
    timings: dict[str, list[float]] = {name: [] for name in checkouts}
    cpu_timings: dict[str, list[float]] = {name: [] for name in checkouts}
    answers: dict[str, list] = {name: [] for name in checkouts}
    order = list(checkouts)
    try:
        for round_number in range(args.rounds):
            print(f"[{size:,}] round {round_number + 1} of {args.rounds}", file=sys.stderr, flush=True)
            for index in range(args.origins):
                for name in order if (index + round_number) % 2 == 0 else reversed(order):
                    elapsed, cpu, total, ids = _search(workers[name], index)
                    timings[name].append(elapsed)
                    cpu_timings[name].append(cpu)
                    if round_number == 0:
                        answers[name].append([total, ids])
    finally:
        for process in workers.values():
            process.stdin.close()
            process.wait(timeout=60)
    first, second = order
    agree = sum(a == b for a, b in zip(answers[first], answers[second]))
    return {"size": size, "listed": seeded[first]["listed"], "origins": args.origins, "rounds": args.rounds,
            "agree": agree, **{name: {f"{kind}_{p}": round(percentile(values[name], n), 2)
                                      for kind, values in (("wall", timings), ("cpu", cpu_timings))
                                      for p, n in (("p50", 50), ("p95", 95), ("p99", 99))} for name in checkouts}}


def markdown(results: list[dict], machine: str) -> str:
    lines = ["| size | time | before p50 | p95 | p99 | after p50 | p95 | p99 | after/before p95 | same answers |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        b, a = r["before"], r["after"]
        for kind in ("cpu", "wall"):
            lines.append(f"| {r['size']:,} | {kind} | {b[kind + '_p50']:.2f} ms | {b[kind + '_p95']:.2f} ms | "
                         f"{b[kind + '_p99']:.2f} ms | {a[kind + '_p50']:.2f} ms | {a[kind + '_p95']:.2f} ms | "
                         f"{a[kind + '_p99']:.2f} ms | {a[kind + '_p95'] / b[kind + '_p95']:.2f} | "
                         f"{r['agree']}/{r['origins']} |")
    lines += ["", f"{results[0]['origins']} origins x {results[0]['rounds']} rounds per checkout, the two "
              "checkouts taking turns origin by origin; cpu: the worker's CPU time (SQLite runs in it), "
              "which time spent waiting for a busy machine's CPU does not inflate; wall: elapsed. " + machine]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        checkout, database, task, origins_file, size, seed = argv[1:7]
        worker(checkout, database, task, origins_file, int(size), int(seed))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, type=Path, help="the checkout to compare against")
    parser.add_argument("--after", type=Path, default=HERE.parent, help="default: this checkout")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--origins", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path,
                        help="keep the seeded databases here and reuse them on later runs (same checkouts only)")
    args = parser.parse_args(argv)
    for checkout in (args.before, args.after):
        if not (checkout / "directory" / "__init__.py").is_file():
            parser.error(f"{checkout} is not a checkout of this project")
    if args.origins < 2 or args.rounds < 1:
        parser.error("--origins must be at least 2 and --rounds at least 1")
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    checkouts = {"before": args.before.resolve(), "after": args.after.resolve()}
    load_before = os.getloadavg()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        results = [compare_size(checkouts, size, args, args.workdir) for size in sizes]
    else:
        with tempfile.TemporaryDirectory(prefix="meridian-compare-") as tmp:
            results = [compare_size(checkouts, size, args, Path(tmp)) for size in sizes]
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU") if Path("/proc/cpuinfo").exists() else "unknown CPU"
    machine = (f"Machine: {cpu}, {os.cpu_count()} cores; Python {sys.version.split()[0]}; SQLite; load average "
               f"{load_before[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.")
    print(json.dumps(results), file=sys.stderr)
    print(markdown(results, machine))
    return 0


if __name__ == "__main__":
    sys.exit(main())
