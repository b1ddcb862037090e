"""A fresh gunicorn worker's first search against steady-state uncached searches.

    python bench/first_request.py [--rounds 5] [--steady 30] [--practitioners 2000]

One SQLite database (migrated with `flask db upgrade`, seeded with `flask seed-demo`),
then gunicorn with one worker, started and stopped once per round in each of two
configurations, alternating so both see the same machine load:

  cold   no configuration file (`-c` an empty one): the app loads in the worker and
         builds what it needs on first use, as before gunicorn.conf.py existed
  warm   the repository's gunicorn.conf.py (preload_app and the warm-up in the master)

Each round waits until the worker has loaded the app (a post_worker_init hook the bench
adds writes a file; nothing is requested before), times the worker's first search page
(`/?near=<ZIP>`), then --steady more searches at other ZIP codes and radii. The search
answer cache is on, as in production, but no query repeats within a round, so every
search is computed (uncached) and pays for the cache's epoch check as real ones do.
Also, each in a new interpreter: reading the `zipcodes` package's records (what the app
did before) and building the whole index from the shipped table. Progress to stderr,
the Markdown report to stdout.
"""
from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchlib import log  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

# Demo cities' ZIP codes, then others: no two searches of a round share an origin.
ZIPS = ("94110", "10001", "98101", "60601", "02139", "97205", "80202", "78701", "33130", "30303",
        "19103", "20001", "55401", "85004", "96813", "87501", "92101", "95113", "94612", "11201",
        "90012", "77002", "48226", "63101", "64106", "70112", "37203", "28202", "27601", "23219",
        "21201", "15222", "44113", "45202", "46204", "53202", "84111", "89101", "99501", "83702")
HOOK = '''
import pathlib
_chained = globals().get("post_worker_init")


def post_worker_init(worker):
    if _chained is not None:
        _chained(worker)
    pathlib.Path({ready!r}, f"ready-{{worker.pid}}").touch()
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> float:
    """Milliseconds for one GET, on a new connection as a browser's first request would be."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    if response.status != 200 or b"practitioner" not in body:
        raise RuntimeError(f"GET {path} answered {response.status}")
    return elapsed


def _config(folder: Path, mode: str) -> Path:
    ready = folder / f"ready-{mode}"
    ready.mkdir(exist_ok=True)
    base = (ROOT / "gunicorn.conf.py").read_text() if mode == "warm" else ""
    path = folder / f"gunicorn-{mode}.py"
    path.write_text(base + HOOK.format(ready=str(ready)))
    return path


def _round(env: dict, folder: Path, mode: str, steady: int, offset: int) -> tuple[float, list[float]]:
    config = _config(folder, mode)
    ready = folder / f"ready-{mode}"
    for marker in ready.iterdir():
        marker.unlink()
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", str(config), "--bind",
               f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket", "wsgi:app"]
    log_file = (folder / f"gunicorn-{mode}.log").open("a")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not any(ready.iterdir()):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn ({mode}) did not start; see {folder}/gunicorn-{mode}.log")
            time.sleep(0.05)
        zips = ZIPS[offset % len(ZIPS):] + ZIPS[:offset % len(ZIPS)]
        first = _get(port, f"/?near={zips[0]}")
        rest = [_get(port, f"/?near={zips[1 + i % (len(zips) - 1)]}&radius={25 + i // (len(zips) - 1)}")
                for i in range(steady)]
        return first, rest
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log_file.close()


def _index_build() -> dict[str, float]:
    """Seconds to build the ZIP index in a new interpreter: from the package, from the table."""
    code = {  # (import, then the timed statement)
        "zipcodes package (reading its records only)": ("import zipcodes", "zipcodes.list_all()"),
        "shipped table (records and the whole index)": ("from directory.services.geocoding import zip_index",
                                                        "zip_index.load()"),
    }
    spent = {}
    for name, (setup, statement) in code.items():
        timer = f"{setup}; import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
        spent[name] = float(subprocess.run([sys.executable, "-c", timer], cwd=ROOT, check=True,
                                           capture_output=True, text=True).stdout)
    return spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steady", type=int, default=30)
    parser.add_argument("--practitioners", type=int, default=2000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="meridian-first-request-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "FLASK_APP": "wsgi.py", "DATABASE_URL": f"sqlite:///{folder}/bench.db",
               "SECRET_KEY": "bench", "INTAKE_KEYS": Fernet.generate_key().decode(),
               "MAIL_FILE_DIR": str(folder / "mail"), "PHOTO_DIR": str(folder / "photos")}
        log(f"seeding {options.practitioners:,} demo practitioners in {folder}")
        for args in (["db", "upgrade"], ["seed-demo", "--practitioners", str(options.practitioners)]):
            subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, check=True,
                           capture_output=True)
        results: dict[str, dict[str, list[float]]] = {m: {"first": [], "steady": []} for m in ("cold", "warm")}
        for n in range(options.rounds):
            for mode in ("cold", "warm"):
                first, rest = _round(env, folder, mode, options.steady, offset=n * 7)
                results[mode]["first"].append(first)
                results[mode]["steady"].extend(rest)
                log(f"round {n + 1} {mode}: first {first:.0f} ms, steady median {statistics.median(rest):.1f} ms")
        index = _index_build()
    print(f"{options.rounds} rounds, one worker each, {options.practitioners:,} demo practitioners, SQLite, "
          f"every search a different query (uncached)\n")
    print("| gunicorn | first search of a worker, median (max) | steady-state uncached search, median "
          "| first / steady |")
    print("|---|---|---|---|")
    for mode, label in (("cold", "no config (cold worker)"), ("warm", "gunicorn.conf.py (warm worker)")):
        first, steady = results[mode]["first"], statistics.median(results[mode]["steady"])
        print(f"| {label} | {statistics.median(first):.0f} ms ({max(first):.0f} ms) | {steady:.1f} ms "
              f"| {statistics.median(first) / steady:.1f}× |")
    print("\nZIP index, built in a new interpreter: "
          + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in index.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
