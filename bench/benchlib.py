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
from sqlalchemy import event, text

from directory import create_app
from directory.extensions import db


def settle(engine) -> None:
    """PostgreSQL after a bulk load: VACUUM (ANALYZE), as autovacuum does on its own within a
    minute or so of the load (it may be switched off on a test server). Without it the planner
    has no statistics, and index-only scans visit the heap for every row: at 1,000,000
    practitioners the distance search took 2.5 times as long."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE)"))


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def summary(timings: list[float]) -> dict:
    return {"p50": round(percentile(timings, 50), 2), "p95": round(percentile(timings, 95), 2),
            "p99": round(percentile(timings, 99), 2), "max": round(max(timings), 2)}


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


def machine_line(info: dict) -> str:
    """The machine a report was measured on, as one line."""
    return (f"Machine: {info['cpu']}, {info['cores']} cores; {info['os']}; Python {info['python']}; "
            f"SQLite {info['sqlite']}; SQLAlchemy {info['sqlalchemy']}; database: {info['database']}"
            + (f" {info['server']}" if info.get("server") else "") + ".")


def print_result(result: dict, json_path: str | None) -> int:
    """Print a run's JSON result (and write it to ``json_path``); the exit status it earns."""
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


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


def statements_of(run: Callable[[], object], marker: str) -> list[tuple[str, object]]:
    """The SELECT statements (with their parameters) that ``run`` sends and that contain ``marker``."""
    statements = []

    def remember(_conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("SELECT") and marker in statement:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
        db.session.remove()
    return statements


def write_explains(path: str, size: int, origins, run: Callable) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each search-index statement of ``run(origin)``, per origin,
    as Markdown. Each search runs once before being explained, so the plans read a cache as
    warm as the timed searches did."""
    lines = [f"# EXPLAIN (ANALYZE, BUFFERS) of one search at {size:,} practitioners", ""]
    for name, origin in origins:
        run(origin)
        db.session.remove()
        lines += [f"## {name} {origin}", ""]
        for statement, parameters in statements_of(lambda: run(origin), "FROM search_"):
            with db.engine.connect() as connection:
                plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                lines += ["```sql", statement.strip(), f"-- parameters: {parameters!r}", "```", "```",
                          *plan.scalars(), "```", ""]
    Path(path).write_text("\n".join(lines) + "\n")
