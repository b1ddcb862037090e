"""How long POST /password/forgot takes to answer for a known and an unknown address.

    .venv/bin/python bench/reset_timing.py [--samples 40]

Both orders in one run, on one SQLite database with one account, requests interleaved
(known, unknown, known, ...):

- ``inline``: the lookup, token and mail queuing finish before the client has its answer
  (the order the view used before issue 12): timed to the end of the response's close,
  where that work now runs.
- ``after answer``: what a client measures now: timed to the answer, the work running
  afterwards (untimed) when the response is closed, as a WSGI server does after sending it.

Prints the median and p90 in milliseconds for each address and order.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask.testing import FlaskClient  # noqa: E402

from directory import create_app  # noqa: E402
from directory.extensions import db  # noqa: E402
from directory.models import Role, User  # noqa: E402
from directory.services.accounts.passwords import hash_password  # noqa: E402

KNOWN, UNKNOWN = "rosa@example.com", "nobody@example.com"


def make_app(folder: Path):
    app = create_app({
        "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "MAIL_SEND_AFTER_COMMIT": False,
        "MAIL_FILE_DIR": str(folder / "mail"), "INTAKE_KEYS": ["q2Jx0m1m6J4y8H3nM8l1pQ9sX3vV5kR7tB0wC2eA4dE="],
    })
    with app.app_context():
        db.create_all()
        db.session.add(User(email=KNOWN, name="Rosa", role=Role.PATIENT,
                            password_hash=hash_password("a password for the bench")))
        db.session.commit()
    return app


def one(app, client: FlaskClient, email: str, inline: bool) -> float:
    with app.app_context():
        started = time.perf_counter()
        response = client.post("/password/forgot", data={"email": email})
        if inline:
            response.close()
        elapsed = time.perf_counter() - started
        if not inline:
            response.close()
    assert response.status_code == 302, response.status_code
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        client = FlaskClient(app, app.response_class, use_cookies=False)  # no flashes pile up
        for _ in range(10):  # warm-up: templates compiled, connections open
            for email in (KNOWN, UNKNOWN):
                one(app, client, email, inline=True)
        timings: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.samples):
            for order, inline in (("inline", True), ("after answer", False)):
                for label, email in (("known", KNOWN), ("unknown", UNKNOWN)):
                    timings.setdefault((order, label), []).append(one(app, client, email, inline))
    print(f"POST /password/forgot, {args.samples} samples each, SQLite, ms")
    print(f"{'order':<14}{'address':<10}{'median':>8}{'p90':>8}")
    for (order, label), values in timings.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{order:<14}{label:<10}{statistics.median(values):>8.2f}{p90:>8.2f}")


if __name__ == "__main__":
    main()
