"""The login rate limit under gunicorn with two workers: with Redis storage the budget is one
for the whole server, whichever worker answers; with memory:// each worker counts on its own,
so more attempts get through (which shows this test can tell the two apart)."""
from __future__ import annotations

import re
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
import redis

from tests.e2e.helpers import app_environment, running_server

pytestmark = pytest.mark.e2e

REDIS_URL = "redis://127.0.0.1:6379/0"
LIMIT = 5
ROUNDS = 8  # two attempts at once per round: 16 in all, well past the limit in any worker


def redis_or_fail() -> redis.Redis:
    store = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        store.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379; these tests need it (CI and `make test` start it).",
                    pytrace=False)
    return store


@contextmanager
def limited_server(tmp_path, storage: str, prefix: str):
    env = app_environment(f"sqlite:///{tmp_path / 'limits.db'}", tmp_path, RATELIMIT_STORAGE_URI=storage,
                          RATELIMIT_KEY_PREFIX=prefix, LOGIN_RATE_LIMIT=f"{LIMIT} per minute")
    with running_server(env, tmp_path, workers=2, access_log=True) as server:
        yield server


def wrong_logins(base_url: str) -> list[list[int]]:
    """Rounds of two failed logins sent at once, each on a connection of its own (urllib opens
    one per request), with the CSRF token and cookie of one visitor. While one worker is busy
    with an attempt the other takes the next, so both workers answer."""
    opener = build_opener(HTTPCookieProcessor(CookieJar()))
    with opener.open(base_url + "/login", timeout=10) as response:
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                          r'name="csrf_token" value="([^"]+)"', response.read().decode())
    assert token, "no CSRF token on the login page"
    body = urlencode({"csrf_token": token.group(1) or token.group(2),
                      "email": f"{uuid.uuid4().hex}@example.com", "password": "not the password"}).encode()

    def attempt(_) -> int:
        try:
            with opener.open(Request(base_url + "/login", data=body, method="POST"), timeout=30) as answer:
                return answer.status
        except HTTPError as refused:
            if refused.code == 429:
                assert refused.headers.get("Retry-After"), "a 429 must say when to retry"
            return refused.code

    with ThreadPoolExecutor(max_workers=2) as pool:
        return [list(pool.map(attempt, range(2))) for _ in range(ROUNDS)]


def workers_that_answered(server) -> Counter:
    lines = server.access_log.read_text().splitlines()
    return Counter(line.split()[0] for line in lines if line.endswith(" /login") and " POST " in line)


def test_redis_storage_holds_the_limit_across_workers(tmp_path):
    store = redis_or_fail()
    prefix = f"meridian-e2e-{uuid.uuid4().hex}"
    try:
        with limited_server(tmp_path, REDIS_URL, prefix) as server:
            rounds = wrong_logins(server.url)
            workers = workers_that_answered(server)
            keys = [key.decode() for key in store.scan_iter(f"*{prefix}*")]
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
    answers = [status for pair in rounds for status in pair]
    assert len(workers) >= 2, f"only one worker answered: {workers}"
    # Exactly the budget got through (wrong password: 400), then only 429s.
    assert sorted(answers).count(400) == LIMIT and answers.count(429) == len(answers) - LIMIT, rounds
    first_limited = next(n for n, pair in enumerate(rounds) if 429 in pair)
    assert all(pair == [429, 429] for pair in rounds[first_limited + 1:]), rounds
    assert any("/auth.login/" in key for key in keys), keys  # the count lived in Redis


def test_memory_storage_counts_per_worker(tmp_path):
    with limited_server(tmp_path, "memory://", "") as server:
        rounds = wrong_logins(server.url)
        workers = workers_that_answered(server)
    answers = [status for pair in rounds for status in pair]
    assert len(workers) >= 2, f"only one worker answered: {workers}"
    # Each worker lets its own budget through: more than one server-wide budget passes.
    assert answers.count(400) > LIMIT, rounds
    assert set(answers) == {400, 429}, rounds
