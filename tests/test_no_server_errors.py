"""Junk in every field of every route, as every kind of user: never a 500."""
from __future__ import annotations

import re

import pytest

from directory.extensions import db
from tests.helpers_auth import login_as
from tests.test_access_control import build_world

NASTY = ["", "-1", "99999999999999999999999", "2026-02-30", "x" * 5000, "☃ <script>alert(1)</script>",
         "1e309", "NaN", "../../etc/passwd", "2026-11-01T01:30:00", "US-ZZ", " ", "9999-12-31T23:00:00-05:00",
         "9999-12-31", "²"]
# Field and parameter names the app's forms and pages read, filled with the same junk.
FIELDS = ["email", "password", "confirm", "name", "role", "next", "display_name", "credentials", "bio",
          "years_chronic_pain", "fee_initial", "fee_follow_up", "techniques", "languages", "npi", "nccaom_id",
          "cnt_certificate_on", "address", "city", "region", "postal_code", "phone", "jurisdiction", "title",
          "number", "issued_on", "expires_on", "decision", "reason", "override", "source", "q", "page",
          "action", "since", "until", "subject_id", "subject_type", "actor", "start", "kind", "clinic",
          "practitioner", "date", "message", "pain_score", "pain_duration", "first_day", "last_day",
          "clinic_id", "note", "initial_minutes", "buffer_minutes", "mon", "tue", "near", "radius", "unit",
          "technique", "language", "min_years", "accepting", "per_page", "days", "status", "new_email",
          "pw-password", "email-new_email", "current_password"]


def _urls(app, world):
    values = {"clinic_id": world["a_clinic"], "practitioner_id": world["a"].id, "token": "x",
              "licence_id": world["a"].licences[0].id, "appointment_id": world["appointment"],
              "time_off_id": world["time_off"], "course_id": world["course"], "secret": "x", "key": "x",
              "filename": "css/site.css"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


@pytest.mark.parametrize("who", ["anonymous", "patient", "practitioner", "admin"])
def test_junk_never_causes_a_server_error(app, client, who):
    world = build_world()
    users = {"patient": world["patient"], "practitioner": world["a"].user, "admin": world["admin"]}
    if who in users:
        login_as(client, users[who])
    failures = []
    for method, url in _urls(app, world):
        for junk in NASTY:
            data = {field: junk for field in FIELDS}
            if method == "GET":
                response = client.get(url, query_string=data)
            elif url.startswith("/api/"):
                response = client.open(url, method=method, json=data,
                                       headers={"Authorization": f"Bearer {junk}"})
            else:
                response = client.open(url, method=method, data=data)
            if response.status_code >= 500:
                failures.append((who, method, url, junk[:30], response.status_code))
            if who in users and "/login" in response.headers.get("Location", ""):
                # A junk-filled log-out ended the session (its version moved on): log in again.
                db.session.refresh(users[who])
                login_as(client, users[who])
    assert failures == []
