"""flask commands: seed, users, deadline."""
from __future__ import annotations

from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from .extensions import db
from .workflow.deadlines import Step
from .workflow.states import Role

seed_cli = AppGroup("seed", help="Load reference and demo data.")
users_cli = AppGroup("users", help="Manage officer accounts.")
report_cli = AppGroup("report", help="The target 4 report's summary rows.")


@report_cli.command("summaries")
@click.option("--rebuild", is_flag=True, help="Recompute every summary row from the cases, limits and events.")
def report_summaries(rebuild: bool):
    """Compare the summary rows with a fresh computation (exit 1 when they differ), or with
    --rebuild recompute them all (after a bulk load or a repair written outside the application)."""
    from .services import summaries
    connection = db.session.connection()
    if rebuild:
        rows = summaries.rebuild(connection)
        from .services import pagecache
        pagecache.changed_everywhere(db.session)
        db.session.info["report_figures_changed"] = True  # the public statistics follow
        db.session.commit()
        click.echo(f"summary rows rebuilt: {rows}")
        return
    differ = summaries.check(connection)
    db.session.rollback()
    if differ:
        for key, fresh, stored in differ[:20]:
            click.echo(f"differs: {dict(zip(summaries.KEY, key))}")
        raise click.ClickException(f"{len(differ)} summary keys differ from the cases; "
                                   "run `flask report summaries --rebuild`")
    click.echo("summary rows equal a fresh computation")


@seed_cli.command("units")
def seed_units():
    """Nghệ An's province, communes/wards (vietnam-provinces) and agencies."""
    from .services.calendar import load_calendar_decisions
    from .services.units import load_units
    from .workflow.calendar_decisions import DATA_VERSION
    created = load_units()
    decisions = load_calendar_decisions()
    db.session.commit()
    click.echo(f"Administrative units created: {created['units']}, agencies created: {created['agencies']}")
    click.echo(f"Official calendar decisions (data {DATA_VERSION}) recorded: {decisions}")


def _refuse_in_production(what: str) -> None:
    """Demo and scale data create accounts with published passwords and two-factor secrets:
    never in production (issue 14)."""
    from flask import current_app
    if current_app.config.get("ENV") == "production":
        raise click.ClickException(
            f"refused: `flask seed {what}` creates accounts with published sign-ins and made-up letters; "
            "it never runs with PETITIONS_ENV=production (create real accounts with `flask users create`)")


@seed_cli.command("demo")
@click.option("--cases", default=300, show_default=True, help="How many demo letters to create.")
@click.option("--if-empty", is_flag=True, help="Do nothing when officers already exist.")
def seed_demo(cases: int, if_empty: bool):
    """Units, agencies, one officer per role, and realistic letters over the last 18 months."""
    _refuse_in_production("demo")
    from .models import User
    from .services.demo import DEMO_DUTIES, demo_sign_ins, seed_demo_data
    if if_empty and db.session.scalar(db.select(User.id).limit(1)) is not None:
        click.echo("Demo data already present.")
    else:
        seed_demo_data(cases)
        db.session.commit()
        click.echo(f"Demo data: {cases} letters.")
    click.echo("Demo sign-ins at /auth/login (development only):")
    for username, password, roles, agency in demo_sign_ins():
        click.echo(f"  {username:<14} {password:<18} {', '.join(roles):<22} {agency}")
        if username in DEMO_DUTIES:
            click.echo(f"  {'':<14} -> {DEMO_DUTIES[username]}")
    from .services.demo import DEMO_TOTP_SECRETS
    click.echo("Two-factor sign-in (required for inspectors and administrators): the demo secrets are")
    for username, secret in DEMO_TOTP_SECRETS.items():
        click.echo(f"  {username:<14} {secret}  (current code: flask --app petitions users otp {username})")


@seed_cli.command("scale")
@click.option("--cases", "n", type=click.IntRange(1, 50_000_000), required=True, help="How many cases to add.")
@click.option("--seed", default=7, show_default=True)
@click.option("--benchmark", is_flag=True,
              help="This database is a throwaway benchmark database: allowed with PETITIONS_ENV=production "
                   "(scripts/bench and scripts/load measure production settings).")
def seed_scale_cmd(n: int, seed: int, benchmark: bool):
    """Add N realistic cases over ten years, fast (bulk insert; COPY on PostgreSQL)."""
    if not benchmark:
        _refuse_in_production("scale")
    from .services.scale import seed_scale
    from .web import local_today
    with click.progressbar(length=n, label="cases") as bar:
        totals = seed_scale(n, seed=seed, today=local_today(), progress=bar.update, benchmark=benchmark)
    rows = totals["cases"] + totals["parties"] + totals["deadlines"] + totals["events"]
    click.echo(f"{totals['cases']} cases, {totals['deadlines']} deadlines, {totals['events']} events, "
               f"{totals['parties']} parties in {totals['seconds']:.1f} s: "
               f"{totals['cases'] / totals['seconds']:,.0f} cases/s, {rows / totals['seconds']:,.0f} rows/s; "
               f"{totals['summary_rows']:,} report summary rows rebuilt in {totals['summary_seconds']} s")


@click.command("bench-sweep")
def bench_sweep_cmd():
    """Time one deadline sweep over the database as it is (seed it first), then a rerun."""
    import resource
    import time

    from flask import current_app
    from rq import Queue

    from .jobs import redis_connection
    from .models import Alert, Case, Deadline
    # the send jobs the sweep enqueues go to a throwaway queue, emptied afterwards
    bench_queue = current_app.config["RQ_QUEUE"] = f'{current_app.config["REDIS_PREFIX"]}-bench'  # under the prefix
    from .services.alerts import sweep
    from .web import local_today
    cases = db.session.scalar(db.select(db.func.count()).select_from(Case))
    running = db.session.scalar(db.select(db.func.count()).select_from(Deadline)
                                .where(Deadline.completed_on.is_(None)))
    for label in ("first sweep", "second sweep (nothing new)"):
        started = time.perf_counter()
        result = sweep(local_today())
        seconds = time.perf_counter() - started
        click.echo(f"{label}: {cases:,} cases, {running:,} running limits, {result.scanned:,} due soon or past, "
                   f"{result.alerts:,} new alerts, {result.notifications:,} notifications in {seconds:.2f} s")
    click.echo(f"alerts recorded: {db.session.scalar(db.select(db.func.count()).select_from(Alert)):,}; "
               f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    Queue(bench_queue, connection=redis_connection()).empty()
    click.echo("(the sweep enqueued one send job per mail, as in production; mails were not sent)")


@users_cli.command("create")
@click.argument("username")
@click.option("--full-name", required=True)
@click.option("--agency", "agency_code", required=True, help="Agency code, e.g. UBND-TINH or TTR-TINH.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--email")
@click.password_option()
def create_user_cmd(username, full_name, agency_code, roles, email, password):
    """Create an officer account."""
    from .models import Agency, User
    from .services.accounts import create_user
    agency = db.session.scalar(db.select(Agency).where(Agency.code == agency_code))
    if agency is None:
        raise click.BadParameter(f"no agency with code {agency_code}", param_hint="--agency")
    if db.session.scalar(db.select(User.id).where(User.username == username.lower())):
        raise click.BadParameter(f"user {username} already exists", param_hint="USERNAME")
    from .services.accounts import password_problems
    problems = password_problems(password, username=username, full_name=full_name)
    if problems:
        raise click.BadParameter(" ".join(str(p) for p in problems), param_hint="--password")
    create_user(username, password, full_name=full_name, agency=agency, roles=roles, email=email)
    db.session.commit()
    click.echo(f"Created {username.lower()} ({', '.join(roles)}) at {agency.name}")


#: the days the holiday tables cover (the deadline rules start in 2000)
_DEADLINE_DAYS = (date(2000, 1, 1), date(2099, 12, 31))


def _iso_day(ctx, param, value):
    """A YYYY-MM-DD option or argument as a date (None stays None)."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-06-30.")
    first, last = _DEADLINE_DAYS
    if not first <= day <= last:
        raise click.BadParameter(f"{day.isoformat()} is outside the dates the calendar covers "
                                 f"({first.isoformat()} to {last.isoformat()}).")
    return day


def _periods(ctx, param, values):
    """FROM:TO options as (date, date) pairs."""
    pairs = []
    for value in values:
        first, sep, last = value.partition(":")
        if not sep:
            raise click.BadParameter(f"{value!r}: write a suspension as FROM:TO, e.g. 2026-07-10:2026-07-19.")
        pairs.append((_iso_day(ctx, param, first), _iso_day(ctx, param, last)))
    return pairs


@click.command("deadline", help="\n\n".join([
    "The due date of STEP started on START (YYYY-MM-DD, the triggering event's day, not counted).",
    "The first line is the due date (YYYY-MM-DD); then the rule, its source and the non-working "
    "days skipped. The administrator's calendar decisions and provincial settings apply.",
    "\b\nSTEP is one of:\n" + "\n".join(f"  {s.value}" for s in Step),
]))
@click.argument("step", metavar="STEP", type=click.Choice([s.value for s in Step]))
@click.argument("start", callback=_iso_day)
@click.option("--complex", "is_complex", is_flag=True, help="A complex case (recorded decision).")
@click.option("--very-complex", is_flag=True, help="An especially complex case (implies --complex).")
@click.option("--remote", is_flag=True, help="A remote area (vùng sâu, vùng xa).")
@click.option("--several-places", is_flag=True,
              help="Denunciation initial processing when checking at several places (up to 10 working days).")
@click.option("--several-places-days", type=click.IntRange(8, 10), metavar="N",
              help="The length decided for --several-places, 8 to 10 working days. [default: 10]")
@click.option("--extensions", default=0, show_default=True, type=click.IntRange(min=0),
              help="Extensions granted (denunciations: 1 if complex, 2 if especially complex).")
@click.option("--extension-days", "extension_days", multiple=True, type=click.IntRange(1, 30), metavar="N",
              help="The length decided for each extension, in order (repeat the option); at most 30 days "
                   "each (Art. 30). Implies as many --extensions. [default: 30 each]")
@click.option("--suspended", "suspended", multiple=True, callback=_periods, metavar="FROM:TO",
              help="A suspension, from the suspension decision to the resumption decision, both not counted "
                   "(YYYY-MM-DD:YYYY-MM-DD; repeat the option for several).")
@click.option("--received", callback=_iso_day, metavar="DATE",
              help="The day the letter was received, YYYY-MM-DD: picks the rule in force. [default: START]")
@click.option("--decision-received", callback=_iso_day, metavar="DATE",
              help="complaint2-filing: the day the complainant received the first-time decision; the period "
                   "counts from it (Law on Complaints, Art. 33). [default: START, the day it was sent]")
@with_appcontext
def deadline_cmd(step, start, is_complex, very_complex, remote, several_places, several_places_days, extensions,
                 extension_days, suspended, received, decision_received):
    """``flask deadline STEP START``: see the command's help."""
    from .services.calendar import compute_due
    from .workflow.deadlines import DeadlineError
    basis = None
    counted_from = start
    if step == Step.COMPLAINT2_FILING:
        basis = "decision_received" if decision_received else "decision_sent"
        counted_from = decision_received or start
    elif decision_received:
        raise click.UsageError("--decision-received applies to complaint2-filing only.")
    try:
        due = compute_due(step, counted_from, received_on=received or start, complex=is_complex,
                          very_complex=very_complex, remote=remote, several_places=several_places,
                          chosen_days=several_places_days, extensions=max(extensions, len(extension_days)),
                          extension_lengths=list(extension_days), suspensions=suspended, start_basis=basis)
    except DeadlineError as e:
        raise click.UsageError(str(e))
    click.echo(due.due.isoformat())
    for line in due.explain():
        click.echo(line)
    if due.skipped:
        click.echo("Non-working days skipped:")
        for day, reason in due.skipped:
            click.echo(f"  {day.isoformat()} {day:%a}  {reason}")


@users_cli.command("token")
@click.argument("username")
def token_cmd(username):
    """Issue an API token for an officer (printed once; the previous one stops working)."""
    from .models import User
    from .services.tokens import issue_token
    user = db.session.scalar(db.select(User).where(User.username == username.lower()))
    if user is None or not user.active:
        raise click.BadParameter(f"no active user {username}", param_hint="USERNAME")
    token = issue_token(user)
    db.session.commit()
    click.echo(token)
    click.echo(f"Send it as 'Authorization: Bearer <token>' to /api/v1/officer/... for {user.username}.", err=True)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--fork", is_flag=True, help="Fork a process per job (RQ's default Worker) instead of SimpleWorker.")
def worker_cmd(burst: bool, fork: bool):
    """Run an RQ worker for the alert jobs, inside this application.

    SimpleWorker by default: the application is built once and every job reuses it
    (PERFORMANCE.md: a forking worker re-imports per job and a SQLAlchemy pool must
    not cross a fork)."""
    from flask import current_app
    from rq import SimpleWorker, Worker

    from .jobs import AppJob, get_queue, redis_connection, use_app
    use_app(current_app._get_current_object())
    connection = redis_connection()
    cls = Worker if fork else SimpleWorker
    worker = cls([get_queue(connection)], connection=connection, job_class=AppJob)
    worker.work(burst=burst, with_scheduler=not burst)


@click.command("sweep")
@click.option("--enqueue", is_flag=True, help="Put the sweep on the queue instead of running it here.")
def sweep_cmd(enqueue: bool):
    """Run the deadline sweep now (idempotent) and print what it recorded."""
    import time

    from redis.exceptions import RedisError

    from .jobs import get_queue
    if enqueue:
        try:
            job = get_queue().enqueue("petitions.jobs.tasks.sweep_deadlines", job_timeout=3600)
        except RedisError as error:
            raise click.ClickException(f"Redis is not reachable ({error}); alerts are paused") from None
        click.echo(f"enqueued {job.id}")
        return
    from .jobs.tasks import sweep_deadlines
    started = time.perf_counter()
    try:
        stats = sweep_deadlines()
    except RedisError as error:
        raise click.ClickException(f"alerts recorded, but Redis is not reachable to send them: {error}") from None
    click.echo(f"{stats} in {time.perf_counter() - started:.2f} s")


@click.command("sweep-loop")
@click.option("--every", type=int, default=None, help="Seconds between sweeps (default SWEEP_EVERY_SECONDS).")
def sweep_loop_cmd(every: int | None):
    """The recurring trigger: enqueue the idempotent sweep every N seconds, forever.
    While Redis is down it says so and tries again at the next tick."""
    import time

    from flask import current_app
    from redis.exceptions import RedisError

    from .jobs import get_queue
    every = every or current_app.config["SWEEP_EVERY_SECONDS"]
    while True:
        try:
            get_queue().enqueue("petitions.jobs.tasks.sweep_deadlines", job_timeout=3600)
            click.echo("sweep enqueued")
        except RedisError as error:
            click.echo(f"Redis unreachable, alerts paused: {error}", err=True)
        time.sleep(every)


def register_cli(app: Flask) -> None:
    app.cli.add_command(worker_cmd)
    app.cli.add_command(bench_sweep_cmd)
    app.cli.add_command(sweep_cmd)
    app.cli.add_command(sweep_loop_cmd)
    app.cli.add_command(seed_cli)
    app.cli.add_command(report_cli)
    from . import cli_accounts  # noqa: F401  (users otp, disable, enable, reset-password, reset-2fa)
    app.cli.add_command(users_cli)
    app.cli.add_command(deadline_cmd)
    from .cli_identity import attachments_cli, identity_cli; app.cli.add_command(identity_cli)  # noqa: E702
    app.cli.add_command(attachments_cli)
    from .cli_privacy import privacy_cli; app.cli.add_command(privacy_cli)  # noqa: E702
    from .cli_documents import documents_cli; app.cli.add_command(documents_cli)  # noqa: E702
    from .cli_national import national_cli; app.cli.add_command(national_cli)  # noqa: E702
