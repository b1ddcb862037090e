"""Small helpers the load, storm and fault benchmarks share (also a command line for load.sh).

    python bench/benchdb.py reset URL        drop every table (and enum type) in URL's database
    python bench/benchdb.py analyze URL      refresh PostgreSQL's planner statistics after a bulk load
    python bench/benchdb.py free-port        print a free TCP port on 127.0.0.1
    python bench/benchdb.py wait URL [SECS]  wait until URL answers 200 (gunicorn is up)
    python bench/benchdb.py secrets          print SECRET_KEY=... and INTAKE_KEYS=... lines
"""
from __future__ import annotations

import os
import secrets as secrets_module
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sqlalchemy_url(url: str) -> str:
    """The URL with the psycopg driver named, as the app's own settings do."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def reset(url: str) -> None:
    """Drop every table, including alembic_version, so that `flask db upgrade` starts afresh."""
    from sqlalchemy import MetaData, create_engine, text

    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        metadata.drop_all(connection)
        if connection.dialect.name == "postgresql":
            types = connection.execute(text(
                "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE t.typtype = 'e' AND n.nspname = current_schema()")).scalars().all()
            for name in types:
                connection.exec_driver_sql(f'DROP TYPE IF EXISTS "{name}" CASCADE')
    engine.dispose()


def analyze(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(sqlalchemy_url(url))
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer 200 within {seconds:.0f} s")
        time.sleep(0.2)


def new_secrets() -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {"SECRET_KEY": secrets_module.token_hex(32), "INTAKE_KEYS": Fernet.generate_key().decode()}


def app_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment for gunicorn and flask: fresh secrets (nothing read from or written to
    instance/), mail kept in the outbox (the benchmarks check it, nothing is delivered)."""
    env = dict(os.environ)
    env.update(new_secrets())
    env.update({"DATABASE_URL": database_url, "MAIL_SEND_AFTER_COMMIT": "false", "FLASK_APP": "wsgi.py",
                "MERIDIAN_ENV": "development", "LOG_LEVEL": "WARNING"})
    env.update(extra)
    return env


def start_gunicorn(app: str, port: int, workers: int, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """gunicorn in its own process group (so that stop() can end it and its workers)."""
    log = log_path.open("ab")
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--pythonpath", str(ROOT), "--chdir", str(ROOT),
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--graceful-timeout", "5",
         "--log-level", "warning", app],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def log_errors(path: Path, limit: int = 12000) -> str:
    """gunicorn's log without the expected one-line warnings of a database outage."""
    lines = [line for line in path.read_text(errors="replace").splitlines() if "database unavailable" not in line]
    return "\n".join(lines)[-limit:]


def exit_on_sigterm() -> None:
    """SIGTERM ends the script through its finally blocks (gunicorn, temporary databases)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces or parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "reset" and len(args) == 1:
        reset(args[0])
    elif command == "analyze" and len(args) == 1:
        analyze(args[0])
    elif command == "free-port" and not args:
        print(free_port())
    elif command == "wait" and len(args) in (1, 2):
        wait_for(args[0], float(args[1]) if len(args) == 2 else 60.0)
    elif command == "secrets" and not args:
        for name, value in new_secrets().items():
            print(f"{name}={value}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
