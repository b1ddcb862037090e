"""The README's API examples, run as a reader would run them: every ```sh block of its "JSON API
v1" section, in order, in one bash, against gunicorn serving the demo data `make run` loads
(the Makefile's own seed-demo line). A renamed practitioner, a changed id or a field the API no
longer has fails here instead of in a reader's terminal."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.request
from itertools import count

import pytest

from tests.e2e.helpers import ROOT, app_environment, flask_cli, fresh_database, running_server

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
README = ROOT / "README.md"
_databases = count(1)

pytestmark = pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None,
                                reason="the README's examples need curl and bash")


def api_section() -> str:
    text = README.read_text()
    return text.split("\n## JSON API v1\n", 1)[1].split("\n## ", 1)[0]


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", api_section(), re.S | re.M)


def makefile_seed_command() -> list[str]:
    """`flask seed-demo ...` exactly as `make run` calls it, with the Makefile's default count."""
    makefile = (ROOT / "Makefile").read_text()
    practitioners = re.search(r"^DEMO_PRACTITIONERS \?= (\d+)$", makefile, re.M).group(1)
    line = re.search(r"^\t\$\(BIN\)/flask (seed-demo .*)$", makefile, re.M).group(1)
    return line.replace("$(DEMO_PRACTITIONERS)", practitioners).split()


@pytest.fixture(scope="module", params=["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else []))
def demo_server(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"readme-{request.param}")
    name = f"meridian_readme_{os.getpid()}_{next(_databases)}"
    with fresh_database(request.param, folder, TEST_DATABASE_URL, name) as url:
        env = app_environment(url, folder)
        flask_cli(env, "db", "upgrade")
        flask_cli(env, *makefile_seed_command())
        with running_server(env, folder) as live:
            yield live


def run_examples(base: str) -> subprocess.CompletedProcess:
    script = "\n".join(blocks("sh"))
    assert "BASE=http://127.0.0.1:8000" in script, "the examples no longer name make run's address"
    # Fail on the first command that fails, and on any HTTP error (curl alone exits 0 on a 400).
    prelude = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; }\n'
    script = prelude + script.replace("BASE=http://127.0.0.1:8000", f"BASE={base}")
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_every_readme_api_example_works_against_the_demo_data_and_again_on_a_second_run(demo_server):
    for attempt in (1, 2):
        done = run_examples(demo_server.url)
        assert done.returncode == 0, f"run {attempt}: exit {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr}"
        lines = done.stdout.splitlines()
        # What the README's comments promise each step prints.
        assert "Mei Lin" in lines and "confirmed" in lines and "cancelled" in lines, done.stdout[-2000:]
        assert "304" in lines, done.stdout[-2000:]  # the profile revalidated with its ETag


def test_the_readmes_sample_answers_match_what_the_demo_data_answers(demo_server):
    samples = [json.loads(block) for block in blocks("json")]
    search = next(s for s in samples if "results" in s)
    with urllib.request.urlopen(demo_server.url + "/api/v1/practitioners?near=94110&radius=10&technique=cupping") as r:
        live = json.load(r)
    for key in ("origin", "radius", "unit", "total", "page", "per_page", "pages"):
        assert search[key] == live[key], key
    shown, first = search["results"][0], live["results"][0]
    assert set(shown) == set(first), "the sample result's fields differ from the API's"
    # Dates depend on the day the demo was seeded (and the next free time on the hour it is
    # asked at), and links on the host; the rest is fixed.
    for key in set(shown) - {"licence", "profile_url", "api_url", "next_available"}:
        assert shown[key] == first[key], key
    assert first["next_available"] is not None and set(shown["next_available"]) == set(first["next_available"])
    assert shown["next_available"]["clinic_id"] == first["next_available"]["clinic_id"] == first["clinic"]["id"]
    assert {k: v for k, v in shown["licence"].items() if k not in ("verified_at", "expires_on")} == \
        {k: v for k, v in first["licence"].items() if k not in ("verified_at", "expires_on")}
    assert [r["name"] for r in search["results"]] == [r["name"] for r in live["results"][:len(search["results"])]]

    slots = next(s for s in samples if "slots" in s)["slots"][0]
    with urllib.request.urlopen(f"{demo_server.url}/api/v1/practitioners/{first['id']}/slots?kind=initial") as r:
        live_slot = json.load(r)["slots"][0]
    assert set(slots) == set(live_slot)
    assert (slots["clinic_id"], slots["kind"], slots["timezone"]) == \
        (live_slot["clinic_id"], live_slot["kind"], live_slot["timezone"])
