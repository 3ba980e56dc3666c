from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ...extensions import db
from ...services.accounts import authenticate
from . import bp


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(message=_l("This field is required."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("This field is required."))])


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("reception.queue")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("reception.queue"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        cfg = current_app.config
        result = authenticate(form.username.data, form.password.data,
                              max_failures=cfg["LOGIN_MAX_FAILURES"], lock_seconds=cfg["LOGIN_LOCK_SECONDS"])
        db.session.commit()
        if result.user:
            login_user(result.user)
            return redirect(_safe_next(request.args.get("next")))
        status = 401
        if result.locked_until:
            until = result.locked_until.astimezone(ZoneInfo(cfg["TIMEZONE"])).strftime("%H:%M")
            form.password.errors = [_("Too many wrong passwords. This account is locked until %(time)s; "
                                      "try again then or ask an administrator.", time=until)]
            status = 429
        else:
            form.password.errors = [_("Wrong user name or password.")]
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have signed out."))
    return redirect(url_for("public.index"))
