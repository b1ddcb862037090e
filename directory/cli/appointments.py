"""`flask appointments ...`: the cron jobs (expire, remind and safety check-ins) and intake key rotation."""
from __future__ import annotations

import click
from cryptography.fernet import InvalidToken
from flask.cli import with_appcontext
from sqlalchemy import Text, select, text, type_coerce

from directory.cli.support import require_table
from directory.extensions import db
from directory.models import Appointment
from directory.models.encrypted import current_fernet
from directory.services.accounts import api_tokens
from directory.services.booking import jobs as booking_jobs
from directory.services.safety import checkins as safety_checkins
from directory.services.courses import jobs as course_jobs

appointments_group = click.Group("appointments", help="Appointment holds, reminders and intake encryption.")



@appointments_group.command("expire")
@with_appcontext
def expire_command() -> None:
    """Expire requests whose hold has passed, free their slots and tell both sides.

    Safe to run as often as you like (e.g. every 5 minutes from cron): a request is
    expired, and emailed about, once. Also removes stored API answers older than their
    24-hour Idempotency-Key window and tokens dead for 30 days."""
    require_table("appointment")
    count = booking_jobs.expire_holds()
    click.echo(f"Expired {count} request{'' if count == 1 else 's'}.")
    answers, tokens = api_tokens.purge()
    if answers or tokens:
        click.echo(f"Removed {answers} stored API answer{'' if answers == 1 else 's'} past their "
                   f"Idempotency-Key window and {tokens} long-dead API token{'' if tokens == 1 else 's'}.")


@appointments_group.command("remind")
@with_appcontext
def remind_command() -> None:
    """Email patients about confirmed appointments starting within the next 24 hours and the
    safety check-in a day after each attended visit, each once; then the course jobs: review
    notices, one nudge per missed check-in, completing finished courses.

    Run it from cron, e.g. every 15 minutes."""
    require_table("appointment")
    count = booking_jobs.send_reminders()
    click.echo(f"Sent {count} reminder{'' if count == 1 else 's'}.")
    checkins = safety_checkins.send_due()
    click.echo(f"Sent {checkins} safety check-in{'' if checkins == 1 else 's'}.")
    require_table("course")
    done = course_jobs.run()
    click.echo(f"Courses: {done['review_notices']} review notice(s), {done['nudges']} check-in nudge(s), "
               f"{done['completed']} completed.")


@appointments_group.command("rotate-intake-keys")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, show_default=True,
              help="Intakes re-encrypted per transaction.")
@with_appcontext
def rotate_intake_keys_command(batch_size: int) -> None:
    """Re-encrypt every intake with the first key of INTAKE_KEYS.

    To change keys: put the new key first in INTAKE_KEYS (keep the old ones after it), run
    this, then remove the old keys. Exits 1 if some intake could be read by no key."""
    require_table("appointment")
    fernet = current_fernet()
    table = Appointment.__table__
    # The raw tokens, not the decrypted JSON: MultiFernet.rotate re-encrypts without parsing.
    token_column = type_coerce(table.c.intake, Text)
    rotated, unreadable, last_id = 0, [], 0
    while True:
        rows = db.session.execute(select(table.c.id, token_column).where(table.c.id > last_id)
                                  .order_by(table.c.id).limit(batch_size)).all()
        if not rows:
            break
        for appointment_id, token in rows:
            last_id = appointment_id
            if token is None:
                continue
            try:
                new_token = fernet.rotate(token.encode("ascii")).decode("ascii")
            except InvalidToken:
                unreadable.append(appointment_id)
                continue
            db.session.execute(text("UPDATE appointment SET intake = :token WHERE id = :id"),
                               {"token": new_token, "id": appointment_id})
            rotated += 1
        db.session.commit()
    click.echo(f"Re-encrypted {rotated} intake{'' if rotated == 1 else 's'} with the first key.")
    if unreadable:
        ids = ", ".join(str(i) for i in unreadable[:20]) + (" ..." if len(unreadable) > 20 else "")
        click.echo(f"Error: {len(unreadable)} intake(s) could not be decrypted with any key in INTAKE_KEYS "
                   f"(appointments {ids}); keep the key they were written with.", err=True)
        raise SystemExit(1)
