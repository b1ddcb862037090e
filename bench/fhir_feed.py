"""Size and build time of every open-availability file (/fhir/$bulk-publish) on an
existing database, e.g. the one `make run` seeded:

    DATABASE_URL=sqlite:///instance/meridian.db .venv/bin/python bench/fhir_feed.py
    DATABASE_URL=... .venv/bin/python bench/fhir_feed.py --days 60 --only US-CA

Reads only. Each file is fetched once through the app in-process (Flask's test client), so
the times include the queries, free-slot computation and JSON, not the network. ``--days``
overrides the published window (publish.SLOT_DAYS) to compare against a longer horizon.
Markdown to stdout.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory import create_app  # noqa: E402
from directory.services.fhir import publish  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=publish.SLOT_DAYS)
    parser.add_argument("--only", help="one jurisdiction's Slot file, such as US-CA")
    args = parser.parse_args()
    publish.SLOT_DAYS = args.days
    client = create_app().test_client()
    started = time.perf_counter()
    manifest = client.get("/fhir/$bulk-publish").get_json()
    print(f"manifest: {len(manifest['output'])} files, {time.perf_counter() - started:.2f} s; "
          f"slot window {args.days} days\n")
    print("| file | lines | KiB | seconds |\n|---|---:|---:|---:|")
    total_bytes = total_lines = total_seconds = 0.0
    for output in manifest["output"]:
        path = urlsplit(output["url"]).path
        if args.only and not path.endswith(f"/{args.only}.ndjson"):
            continue
        started = time.perf_counter()
        body = client.get(path).data
        seconds = time.perf_counter() - started
        lines = body.count(b"\n")
        total_bytes, total_lines, total_seconds = total_bytes + len(body), total_lines + lines, total_seconds + seconds
        print(f"| {path} | {lines:,} | {len(body) // 1024:,} | {seconds:.2f} |")
    print(f"| **all** | {int(total_lines):,} | {int(total_bytes) // 1024:,} | {total_seconds:.1f} |")


if __name__ == "__main__":
    main()
