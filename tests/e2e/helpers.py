"""The app as it is deployed: gunicorn workers on a free loopback port, over a fresh database
built by the real migrations, and the flask CLI run with the same settings. Plus named steps
that save a screenshot when they fail."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
# gunicorn took 10-15 s to boot at load average 10; a busy CI machine gets room to spare.
START_TIMEOUT_SECONDS = 90
BIND_ATTEMPTS = 3


def free_port() -> int:
    """A port the kernel just handed out; gunicorn may still lose it to another process (we retry)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(database_url: str, folder: Path, **settings: str) -> dict[str, str]:
    """What an operator would export: every setting explicit, so nothing leaks in from the
    shell running the tests and nothing is written into the repository's instance/."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("DATABASE_URL", "RATELIMIT_STORAGE_URI", "MERIDIAN_ENV", "MAIL_SERVER")}
    (folder / "mail").mkdir(parents=True, exist_ok=True)
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    env.update({
        "FLASK_APP": "wsgi.py",
        "MERIDIAN_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": Fernet.generate_key().decode(),
        "INTAKE_KEYS": Fernet.generate_key().decode(),
        "GEOCODER": "offline",
        "MAIL_FILE_DIR": str(folder / "mail"),
        "PHOTO_DIR": str(folder / "photos"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(settings)
    return env


def flask_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """``python -m flask ARGS`` in the repository with ``env``; fails the test with its output."""
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"`flask {' '.join(args)}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}",
                    pytrace=False)
    return done.stdout


@dataclass
class Server:
    url: str
    env: dict[str, str]
    folder: Path
    log_path: Path
    access_log: Path | None
    process: subprocess.Popen = field(repr=False)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def flask(self, *args: str, stdin: str | None = None) -> str:
        return flask_cli(self.env, *args, stdin=stdin)

    @property
    def mail_dir(self) -> Path:
        return Path(self.env["MAIL_FILE_DIR"])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown of the arbiter and workers
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _start(env: dict[str, str], folder: Path, workers: int, access_log: Path | None) -> Server:
    log_path = folder / "gunicorn.log"
    for attempt in range(BIND_ATTEMPTS):
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                   "--graceful-timeout", "5", "--timeout", "60",
                   # Its default control socket is one path for every gunicorn on the machine.
                   "--no-control-socket"]
        if access_log is not None:
            # %(p)s names the worker that answered, to prove both workers took requests.
            command += ["--access-logfile", str(access_log), "--access-logformat", "%(p)s %(m)s %(s)s %(U)s"]
        command.append("wsgi:app")
        with log_path.open("a") as log:
            log.write(f"--- attempt {attempt + 1}: port {port}\n")
            log.flush()
            # A session of its own, so a last-resort SIGKILL reaches the workers too.
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        server = Server(f"http://127.0.0.1:{port}", env, folder, log_path, access_log, process)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(server.url):
                return server
            time.sleep(0.2)
        _stop(process)
        lost_port = "Address already in use" in server.log_text().rsplit("--- attempt", 1)[-1]
        if not lost_port:
            break
    pytest.fail(f"gunicorn did not answer on {server.url}/ within {START_TIMEOUT_SECONDS} s. "
                f"Its log:\n{server.log_text()}", pytrace=False)


@contextmanager
def running_server(env: dict[str, str], folder: Path, *, workers: int = 2, access_log: bool = False):
    """Migrate the database with the real migrations, then serve ``wsgi:app`` with gunicorn."""
    # The schema comes from `flask db upgrade`, as on a deploy: this proves the migrations.
    flask_cli(env, "db", "upgrade")
    server = _start(env, folder, workers, folder / "access.log" if access_log else None)
    try:
        yield server
    finally:
        _stop(server.process)


# --- databases ---------------------------------------------------------------------------

def driver_url(url: str) -> str:
    """The SQLAlchemy URL for the test process (the app adds the psycopg driver itself)."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def fresh_database(backend: str, folder: Path, admin_url: str, name: str):
    """A SQLite file in ``folder``, or a PostgreSQL database of its own created through
    ``admin_url`` (TEST_DATABASE_URL), dropped afterwards. That database's own tables are
    never touched."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'e2e.db'}"
        return
    import psycopg
    from psycopg import sql

    assert re.fullmatch(r"[a-z0-9_]+", name), name
    parts = urlsplit(admin_url)
    url = urlunsplit(parts._replace(path="/" + name))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --- steps with screenshots -----------------------------------------------------------------

def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


class Steps:
    """``with steps("2. admin approves", admin=page): ...``: when the block fails, each page
    named is saved as test-results/e2e/<test>-<step>[-<who>].png and the error says where."""

    def __init__(self, test_name: str, out_dir: Path):
        self.test_name = test_name
        self.out_dir = out_dir

    @contextmanager
    def __call__(self, name: str, **pages):
        try:
            yield
        except BaseException as error:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            saved = []
            for who, page in pages.items():
                suffix = f"-{who}" if len(pages) > 1 else ""
                path = self.out_dir / f"{_slug(self.test_name)}-{_slug(name)}{suffix}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                    saved.append(str(path.relative_to(ROOT)))
                except Exception as shot_error:  # a closed page must not hide the real failure
                    saved.append(f"(no screenshot of {who}: {shot_error})")
            error.add_note(f"Step {name!r} failed; screenshots: {', '.join(saved) or 'none'}")
            raise
