"""``flask privacy``: the personal data duties (services/retention.py).

    flask --app petitions privacy periods               # the retention period of each kind of record
    flask --app petitions privacy anonymise --dry-run   # what has expired: counts only, nothing changes
    flask --app petitions privacy anonymise             # anonymise / delete it, one audit record

Run it from cron once a day (it is idempotent: an anonymised case is never touched again),
e.g. ``30 2 * * * flask --app petitions privacy anonymise``.
"""
from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from .extensions import db

privacy_cli = click.Group("privacy", help="Personal data: retention periods and anonymisation.")


@privacy_cli.command("periods")
@with_appcontext
def periods_cmd():
    """Print the retention period of each kind of record."""
    from .services.retention import KINDS, periods
    for kind, years in periods().items():
        click.echo(f"{kind}\t{years} years\t(default {KINDS[kind].default_years})")


@privacy_cli.command("anonymise")
@click.option("--dry-run", is_flag=True, help="Count what has expired; change nothing.")
@click.option("--today", "today_text", default=None, help="The day to count from (YYYY-MM-DD); default today.")
@with_appcontext
def anonymise_cmd(dry_run: bool, today_text: str | None):
    """Anonymise the closed cases past their retention period; delete expired notifications and logs."""
    from .services.retention import anonymise_expired
    from .web import local_today
    today = date.fromisoformat(today_text) if today_text else local_today()
    result = anonymise_expired(today, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    head = "would anonymise" if dry_run else "anonymised"
    click.echo(f"{head} (as of {today.isoformat()}):")
    for key, value in result.counts().items():
        click.echo(f"  {key}: {value}")
