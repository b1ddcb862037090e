"""`flask mail send` (for cron) and `flask mail status`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from directory.cli.support import require_table
from directory.services.mail import outbox as mail


@click.group("mail")
def mail_group() -> None:
    """Deliver and inspect the mail outbox."""



@mail_group.command("send")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True,
              help="Messages per batch; each batch uses one SMTP connection.")
@click.option("--max-batches", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="Stop after this many batches even if more mail is due.")
@with_appcontext
def send_command(limit: int, max_batches: int) -> None:
    """Deliver the mail that is due, then exit. Run it from cron, e.g. every minute.

    Exits 0 when it ran, even if some messages must be retried: they stay in the
    outbox with their error and are tried again later with backoff (see `flask mail
    status`). Exits 1 when the mail settings cannot work (e.g. both MAIL_USE_SSL and
    MAIL_USE_TLS set, or a MAIL_FROM without an address) or the database has no tables.
    """
    require_table("outbox_message")
    total = mail.SendReport()
    for _ in range(max_batches):
        try:
            report = mail.send_due(limit=limit)
        except mail.MailConfigError as exc:
            raise click.ClickException(f"Mail settings: {exc}") from None
        total.add(report)
        # A short batch means nothing more is due; a batch where nothing got through
        # means the server is unwell, and the next batch would only wait on it too.
        if report.claimed < limit or (report.sent == 0 and report.retried):
            break
    click.echo(f"sent {total.sent}, will retry {total.retried}, failed {total.failed}")
    if total.released:
        click.echo(f"{total.released} left for the next run (the batch ran long)")
    if total.last_error and (total.retried or total.failed):
        click.echo(f"last error: {total.last_error}")
    if total.sent and not current_app.config.get("MAIL_SERVER"):
        click.echo(f"No MAIL_SERVER set: messages were written to {current_app.config['MAIL_FILE_DIR']}")


@mail_group.command("status")
@click.option("--errors", "errors", type=click.IntRange(0, 100), default=5, show_default=True,
              help="How many recent errors to list.")
@with_appcontext
def status_command(errors: int) -> None:
    """Count pending, sent and failed mail and list recent errors.

    Recipients appear as their domain only, and message bodies never.
    """
    require_table("outbox_message")
    status = mail.outbox_status(problems=errors)
    click.echo(f"pending {status.pending} (due now {status.due}), sent {status.sent}, "
               f"failed {status.failed}")
    if status.problems:
        click.echo("recent errors:")
    for problem in status.problems:
        when = (f"failed {problem.failed_at:%Y-%m-%d %H:%M} UTC" if problem.failed_at
                else f"next try {problem.next_attempt_at:%Y-%m-%d %H:%M} UTC")
        click.echo(f"  #{problem.id} to @{problem.recipient_domain}, {problem.attempts} attempts, "
                   f"{when}: {problem.last_error}")
