"""``flask users ...`` account commands (issue 8): disable, enable, reset-password, reset-2fa,
and ``otp`` for training outside production."""
from __future__ import annotations

import click

from .cli import users_cli
from .extensions import db


def _user(username: str):
    from .models import User
    user = db.session.scalar(db.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.BadParameter(f"no user {username}", param_hint="USERNAME")
    return user


@users_cli.command("otp")
@click.argument("username")
def otp_cmd(username):
    """Print the current two-factor code of USERNAME (training and demo only; refused in production)."""
    from flask import current_app

    from .services.accounts import current_totp_code
    if current_app.config["ENV"] == "production":
        raise click.ClickException("refused in production: the code comes from the officer's own phone")
    user = _user(username)
    if not user.totp_secret:
        raise click.ClickException(f"{user.username} has no two-factor sign-in")
    click.echo(current_totp_code(user))


@users_cli.command("disable")
@click.argument("username")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
def disable_cmd(username, reason):
    """Disable an account at once (its sessions and API token stop working)."""
    from .services.accounts import disable_user
    user = _user(username)
    disable_user(user, by=None, reason=reason)
    db.session.commit()
    click.echo(f"{user.username} disabled")


@users_cli.command("enable")
@click.argument("username")
@click.option("--reason", default="", help="Why (kept in the audit log).")
def enable_cmd(username, reason):
    """Enable a disabled account again (and clear a lock-out)."""
    from .services.accounts import enable_user
    user = _user(username)
    enable_user(user, by=None, reason=reason)
    db.session.commit()
    click.echo(f"{user.username} enabled")


@users_cli.command("reset-password")
@click.argument("username")
@click.password_option(help="The temporary password (the officer must change it at the next sign-in).")
def reset_password_cmd(username, password):
    """Set a temporary password; every session of the officer ends."""
    from .services.accounts import PasswordRejected, set_password
    user = _user(username)
    try:
        set_password(user, password, by=None, temporary=True)
    except PasswordRejected as rejected:
        raise click.BadParameter(" ".join(str(p) for p in rejected.problems), param_hint="--password")
    db.session.commit()
    click.echo(f"temporary password set for {user.username}: to be changed at the next sign-in")


@users_cli.command("reset-2fa")
@click.argument("username")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
def reset_2fa_cmd(username, reason):
    """Remove two-factor sign-in of USERNAME (lost phone and codes); every session ends."""
    from .services.accounts import remove_totp
    user = _user(username)
    remove_totp(user, by=None, reason=reason)
    db.session.commit()
    click.echo(f"two-factor sign-in of {user.username} reset")
