"""`flask seed-demo`: demo practitioners and logins."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from directory.cli.support import require_table
from directory.services.demo import seed as demo


@click.command("seed-demo")
@click.option("--practitioners", "count", type=click.IntRange(0, demo.MAX_PRACTITIONERS), default=1000,
              show_default=True, help="How many demo practitioners to create.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same count and seed give the same practitioners.")
@click.option("--if-empty", is_flag=True, help="Do nothing when any practitioner already exists.")
@with_appcontext
def seed_demo_command(count: int, seed: int, if_empty: bool) -> None:
    """Create demo practitioners, clinics and licences, and demo admin/practitioner/patient logins."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.UsageError("seed-demo creates logins with a published password; it refuses to run "
                               "in production (MERIDIAN_ENV=production).")
    require_table("practitioner")
    if if_empty and demo.has_practitioners():
        click.echo("Practitioners already exist: demo data not seeded (--if-empty).")
        # `make run` passes --if-empty on every start and relies on this to show the logins.
        _echo_logins(demo.existing_demo_accounts())
        return
    click.echo(f"Seeding {count:,} demo practitioners (seed {seed})...")

    step = max(demo.BATCH_SIZE, count // 10 // demo.BATCH_SIZE * demo.BATCH_SIZE)

    def progress(done: int, total: int) -> None:
        if total >= 50_000 and (done % step == 0 or done == total):
            click.echo(f"  {done:,} / {total:,}")

    result = demo.seed(count, seed, progress=progress)
    planted = ", ".join(f"{n:,} {kind.replace('_', '-')}" for kind, n in sorted(result.kinds.items())
                        if kind != "listed")
    click.echo(f"Created {result.created:,} practitioners in {result.seconds:.1f} s: "
               f"{result.listed:,} listed, {result.unlisted:,} not listed"
               + (f" ({planted})." if planted else "."))
    _echo_logins(result.accounts)


def _echo_logins(accounts: list[demo.DemoAccount]) -> None:
    if not accounts:
        return
    click.echo("Demo logins:")
    for account in accounts:
        note = "" if account.created else "  (already existed; password left unchanged)"
        click.echo(f"  {account.role:<13} {account.email:<36} password: {account.password}{note}")
