"""flask commands: seed, users."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db
from .workflow.states import Role

seed_cli = AppGroup("seed", help="Load reference and demo data.")
users_cli = AppGroup("users", help="Manage officer accounts.")


@seed_cli.command("units")
def seed_units():
    """Nghệ An's province, communes/wards (vietnam-provinces) and agencies."""
    from .services.units import load_units
    created = load_units()
    db.session.commit()
    click.echo(f"Administrative units created: {created['units']}, agencies created: {created['agencies']}")


@seed_cli.command("demo")
@click.option("--cases", default=300, show_default=True, help="How many demo letters to create.")
@click.option("--if-empty", is_flag=True, help="Do nothing when officers already exist.")
def seed_demo(cases: int, if_empty: bool):
    """Units, agencies, one officer per role, and realistic letters over the last 18 months."""
    from .models import User
    from .services.demo import demo_sign_ins, seed_demo_data
    if if_empty and db.session.scalar(db.select(User.id).limit(1)) is not None:
        click.echo("Demo data already present.")
    else:
        seed_demo_data(cases)
        db.session.commit()
        click.echo(f"Demo data: {cases} letters.")
    click.echo("Demo sign-ins at /auth/login (development only):")
    for username, password, roles, agency in demo_sign_ins():
        click.echo(f"  {username:<14} {password:<18} {', '.join(roles):<22} {agency}")


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
    if len(password) < 10:
        raise click.BadParameter("the password needs at least 10 characters", param_hint="--password")
    create_user(username, password, full_name=full_name, agency=agency, roles=roles, email=email)
    db.session.commit()
    click.echo(f"Created {username.lower()} ({', '.join(roles)}) at {agency.name}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
