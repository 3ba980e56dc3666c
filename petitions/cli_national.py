"""``flask national``: the reconciliation report of the national database sync."""
from __future__ import annotations

import click
from flask.cli import AppGroup

national_cli = AppGroup("national", help="The national database sync (services/national.py).")


@national_cli.command("report")
def report_cmd():
    """What was sent, what is waiting or retried, what was refused, and which cases the
    national side sees differently from us."""
    from .services.national import reconcile
    r = reconcile()
    click.echo(f"sent: {r.sent}")
    click.echo(f"waiting: {r.waiting}")
    click.echo(f"retrying: {r.failed}")
    click.echo(f"refused: {len(r.rejected)}")
    for code, sequence, event, reason in r.rejected:
        click.echo(f"  {code} #{sequence} {event}: {reason}")
    click.echo(f"cases that differ: {len(r.differs)}")
    for code, ours, theirs in r.differs:
        click.echo(f"  {code}: here {ours}, national database {theirs or '(nothing yet)'}")
