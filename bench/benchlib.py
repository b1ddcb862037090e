"""What the benchmarks share: percentiles, the machine description and the report."""
from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import __version__ as sqlalchemy_version
from sqlalchemy import text

from directory import create_app
from directory.extensions import db


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def database_url(given: str | None) -> str | None:
    """The --database-url with the psycopg driver named, as the app's own settings do."""
    if given:
        for prefix in ("postgres://", "postgresql://"):
            if given.startswith(prefix):
                return "postgresql+psycopg://" + given[len(prefix):]
    return given


def machine(url: str) -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "os": platform.platform(), "sqlite": sqlite3.sqlite_version, "sqlalchemy": sqlalchemy_version,
            "database": url.split("://", 1)[0].split("+", 1)[0]}
    if url.startswith("postgresql"):
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            info["server"] = db.session.scalar(text("SHOW server_version"))
        with app.app_context():
            db.engine.dispose()
    return info


def report(results: list[dict], url: str | None, json_path: str | None,
           markdown: Callable[[list[dict], dict], str]) -> int:
    """Print the Markdown table (and/or write JSON) for ``results``; the exit status."""
    info = machine(url or "sqlite://")
    if json_path:
        payload = json.dumps({"machine": info, "results": results}, indent=2)
        if json_path == "-":
            print(payload)
        else:
            Path(json_path).write_text(payload + "\n")
    if json_path != "-":
        print(markdown(results, info))
    return 0
