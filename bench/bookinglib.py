"""What the booking storm and the fault runs share: the data they book against, one HTTP
call, and the invariants checked in the database afterwards."""
from __future__ import annotations

import http.client
import json
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, time as clock
from pathlib import Path

from sqlalchemy import select, text

from directory.extensions import db
from directory.models import (ACTIVE_STATUSES, Appointment, IdempotentRequest, OutboxMessage, Practitioner,
                              Role, User)
from directory.services.accounts import api_tokens
from directory.services.demo import seed as demo
from directory.services.booking import scheduling

ROOT = Path(__file__).resolve().parent.parent
PATIENT_DOMAIN = "storm.bench.meridian.test"
INTAKE = {"reason": "Low back pain for two years", "pain_duration": "over_1_year", "pain_score": 6,
          "medical_history": "", "medications": "", "safety": {}, "red_flags": {}}
# Every day 09:00-17:00: six first visits a day (60 minutes + 15 buffer), ~80 in 14 days.
OPEN_HOURS = {day: [(clock(9), clock(17))] for day in range(7)}


def migrate(env: dict[str, str]) -> None:
    """The schema as production builds it: `flask db upgrade` (migration 0004 adds the exclusion
    constraint on PostgreSQL)."""
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "db", "upgrade"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"flask db upgrade failed:\n{result.stderr}")


@dataclass
class Booking:
    practitioner_id: int
    clinic_id: int
    practitioner_email: str
    tokens: list[str]      # one per patient, in patient order
    emails: list[str]


def prepare(patients: int, today: date) -> Booking:
    """The demo practitioner (Mei Lin, listed in San Francisco) open every day, and ``patients``
    patient accounts, each with an API token made through the service (no HTTP login, which is
    rate limited per address: the storm comes from one address)."""
    demo.ensure_demo_accounts(today)
    practitioner = db.session.scalar(select(Practitioner).where(Practitioner.slug.like("mei-lin%")))
    clinic = practitioner.clinics[0]
    scheduling.set_weekly_hours(clinic, OPEN_HOURS)
    tokens, emails = [], []
    for i in range(patients):
        user = User(email=f"patient{i}@{PATIENT_DOMAIN}", name=f"Storm Patient {i}", role=Role.PATIENT)
        db.session.add(user)
        db.session.flush()
        secret, _token = api_tokens.create_token(user)  # commits
        tokens.append(secret)
        emails.append(user.email)
    return Booking(practitioner.id, clinic.id, practitioner.user.email, tokens, emails)


@dataclass
class Answer:
    index: int
    status: int | None = None      # None: no HTTP answer (the connection dropped)
    code: str | None = None        # error.code of a JSON error
    appointment_id: int | None = None
    content_type: str = ""
    leaked_stack: bool = False
    error: str | None = None
    started: float = 0.0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


def call(port: int, method: str, path: str, *, body: dict | None = None, token: str | None = None,
         key: str | None = None, index: int = 0, timeout: float = 60.0, accept: str = "application/json") -> Answer:
    headers = {"Accept": accept}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    answer = Answer(index, started=time.monotonic())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        answer.status, answer.content_type = response.status, response.getheader("Content-Type", "")
        answer.leaked_stack = b"Traceback" in raw or b'File "/' in raw
        if answer.content_type.startswith("application/json"):
            payload = json.loads(raw)
            if isinstance(payload, dict):
                answer.code = (payload.get("error") or {}).get("code")
                answer.appointment_id = payload.get("id") if response.status == 201 else None
                answer.extra = {"payload": payload} if method == "GET" and response.status == 200 else {}
    except (OSError, http.client.HTTPException) as exc:
        answer.error = type(exc).__name__
    finally:
        connection.close()
        answer.seconds = time.monotonic() - answer.started
    return answer


def free_slots(port: int, booking: Booking, count: int) -> list[str]:
    answer = call(port, "GET", f"/api/v1/practitioners/{booking.practitioner_id}/slots"
                              f"?days=14&kind=initial&clinic_id={booking.clinic_id}")
    if answer.status != 200:
        raise RuntimeError(f"the slots API answered {answer.status} {answer.code}")
    starts = [s["start"] for s in answer.extra["payload"]["slots"]]
    if len(starts) < count:
        raise RuntimeError(f"only {len(starts)} free slots, {count} wanted")
    return starts[:count]


def request_body(booking: Booking, start: str) -> dict:
    return {"practitioner_id": booking.practitioner_id, "clinic_id": booking.clinic_id, "start": start,
            "kind": "initial", "intake": INTAKE}


def new_key() -> str:
    return str(uuid.uuid4())


def _ics_uids(message: OutboxMessage) -> set[str]:
    uids = set()
    for attachment in message.attachments or []:
        for line in str(attachment.get("content", "")).splitlines():
            if line.startswith("UID:"):
                uids.add(line[4:].strip())
    return uids


def invariants(booking: Booking) -> dict:
    """What the database must show after any amount of concurrency and any crash: each count
    here is of violations, so every one must be 0. Plus the figures the report needs."""
    overlaps = db.session.scalar(text(
        "SELECT count(*) FROM appointment a JOIN appointment b ON a.practitioner_id = b.practitioner_id "
        "AND a.id < b.id WHERE a.status IN ('requested', 'confirmed') AND b.status IN ('requested', 'confirmed') "
        "AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"))
    appointments = list(db.session.scalars(select(Appointment).order_by(Appointment.id)))
    active = [a for a in appointments if a.status in ACTIVE_STATUSES]
    # The same overlap test in Python, independent of how the database compares stored times.
    python_overlaps = sum(1 for i, a in enumerate(active) for b in active[i + 1:]
                          if a.starts_at < b.ends_at and b.starts_at < a.ends_at)
    patient_ids = {a.patient_id for a in appointments}
    emails = {u.id: u.email for u in db.session.scalars(select(User).where(User.id.in_(patient_ids)))}
    messages = list(db.session.scalars(select(OutboxMessage)))
    by_uid: dict[str, list[OutboxMessage]] = {}
    for message in messages:
        for uid in _ics_uids(message):
            by_uid.setdefault(uid, []).append(message)
    ids = {f"appointment-{a.id}@meridian": a for a in appointments}
    without_mail = [a.id for uid, a in ids.items()
                    if sorted(m.recipient for m in by_uid.get(uid, []))
                    != sorted([emails[a.patient_id], booking.practitioner_email])]
    orphan_mail = sum(1 for m in messages if not _ics_uids(m) or not _ics_uids(m) <= ids.keys())
    audited = dict(db.session.execute(text(
        "SELECT subject_id, count(*) FROM audit_event WHERE action = 'appointment.requested' "
        "GROUP BY subject_id")).all())
    bad_intake = 0
    for a in appointments:
        try:
            bad_intake += a.intake.get("reason") != INTAKE["reason"]
        except Exception:  # noqa: BLE001  undecryptable or missing: a half-written row
            bad_intake += 1
    claims = list(db.session.scalars(select(IdempotentRequest)))
    claimed_ids = {c.response.get("id") for c in claims if c.status_code == 201}
    per_patient: dict[int, int] = {}
    for a in appointments:
        per_patient[a.patient_id] = per_patient.get(a.patient_id, 0) + 1
    return {
        "violations": {
            "overlapping_active_pairs": overlaps, "overlapping_active_pairs_python": python_overlaps,
            "appointments_without_both_emails": len(without_mail), "emails_without_appointment": orphan_mail,
            "appointments_without_one_audit_event": sum(1 for a in appointments if audited.get(a.id) != 1),
            "audit_events_without_appointment": sum(1 for sid in audited if sid not in {a.id for a in appointments}),
            "appointments_with_bad_intake": bad_intake,
            "patients_with_two_appointments": sum(1 for n in per_patient.values() if n > 1),
            "stored_201_answers_without_appointment": len(claimed_ids - {a.id for a in appointments}),
        },
        "appointments": len(appointments), "active": len(active),
        "distinct_starts": len({a.starts_at for a in active}), "outbox_messages": len(messages),
        "unfinished_idempotency_claims": sum(1 for c in claims if c.status_code == 0),
        "appointments_without_stored_201": len({a.id for a in appointments} - claimed_ids),
        "appointment_ids": [a.id for a in appointments],
        "patients_with_appointment": sorted(booking.emails.index(emails[a.patient_id]) for a in appointments),
    }
