"""The administrators' account pages: the list of officers (last sign-in, two-factor
sign-in, locked or disabled, roles), creating an account, disabling and re-enabling one
at once, a temporary password, unlocking, and resetting someone's two-factor sign-in.
Every change goes through services.accounts (which audits it) and is committed here."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ... import labels
from ...extensions import db
from ...models import Agency, User
from ...models.types import utcnow
from ...security import BaseForm
from ...services import accounts
from ...services.collation import agency_order
from ...workflow.states import Role
from ..auth.routes import LOGIN_OUTCOMES
from . import bp

REQUIRED = _l("This field is required.")


class ReasonForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(message=REQUIRED), Length(max=300)])


class OptionalReasonForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class TemporaryPasswordForm(BaseForm):
    password = PasswordField(_l("Temporary password"), validators=[DataRequired(message=REQUIRED)])


class NewUserForm(BaseForm):
    username = StringField(_l("User name"), validators=[
        DataRequired(message=REQUIRED), Length(min=3, max=80),
        Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Letters without accents, digits, dot, dash or underscore only."))])
    full_name = StringField(_l("Full name"), validators=[DataRequired(message=REQUIRED), Length(max=120)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(message=_l("Not an e-mail address.")),
                                                   Length(max=200)])
    agency = SelectField(_l("Agency"), coerce=int, validators=[DataRequired(message=REQUIRED)])
    roles = SelectMultipleField(_l("Roles"), validators=[DataRequired(message=_l("Choose at least one role."))],
                                option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    password = PasswordField(_l("Temporary password"), validators=[DataRequired(message=REQUIRED)])


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _required_roles() -> str:
    return current_app.config["TOTP_REQUIRED_ROLES"]


@bp.get("/users")
def users():
    rows = db.session.scalars(db.select(User).order_by(User.active.desc(), User.username)).all()
    names = [labels.label(labels.ROLE, r.strip()) for r in _required_roles().split(",") if r.strip()]
    return render_template("admin/users.html", rows=rows, now=utcnow(), required_roles=_required_roles(),
                           required_role_names=", ".join(names), totp_required=accounts.totp_required)


def _render_user(user: User, status: int = 200, **forms):
    forms.setdefault("disable_form", ReasonForm(prefix="disable"))
    forms.setdefault("enable_form", OptionalReasonForm(prefix="enable"))
    forms.setdefault("password_form", TemporaryPasswordForm(prefix="pw"))
    forms.setdefault("totp_form", ReasonForm(prefix="totp"))
    forms.setdefault("unlock_form", OptionalReasonForm(prefix="unlock"))
    return render_template("admin/users_detail.html", user=user, now=utcnow(),
                           logins=accounts.recent_logins(user, 30), login_outcomes=LOGIN_OUTCOMES,
                           required=accounts.totp_required(user, _required_roles()),
                           codes_left=accounts.recovery_codes_left(user), **forms), status


@bp.get("/users/<int:user_id>")
def user_detail(user_id: int):
    return _render_user(_user(user_id))


@bp.post("/users/<int:user_id>/disable")
def disable_user(user_id: int):
    user = _user(user_id)
    form = ReasonForm(prefix="disable")
    if user.id == current_user.id:
        flash(_("You cannot disable your own account."))
        return redirect(url_for("admin.user_detail", user_id=user.id))
    if not form.validate_on_submit():
        return _render_user(user, 422, disable_form=form)
    accounts.disable_user(user, by=current_user._get_current_object(), reason=form.reason.data.strip())
    db.session.commit()
    flash(_("The account %(name)s is disabled: its sessions and its API token stopped working.", name=user.username))
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/enable")
def enable_user(user_id: int):
    user = _user(user_id)
    form = OptionalReasonForm(prefix="enable")
    if form.validate_on_submit():
        accounts.enable_user(user, by=current_user._get_current_object(), reason=(form.reason.data or "").strip())
        db.session.commit()
        flash(_("The account %(name)s is enabled again.", name=user.username))
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/unlock")
def unlock_user(user_id: int):
    user = _user(user_id)
    if OptionalReasonForm(prefix="unlock").validate_on_submit():
        accounts.unlock_user(user, by=current_user._get_current_object())
        db.session.commit()
        flash(_("The account %(name)s is unlocked.", name=user.username))
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    user = _user(user_id)
    form = TemporaryPasswordForm(prefix="pw")
    if not form.validate_on_submit():
        return _render_user(user, 422, password_form=form)
    try:
        accounts.set_password(user, form.password.data, by=current_user._get_current_object(), temporary=True)
    except accounts.PasswordRejected as rejected:
        form.password.errors = [str(p) for p in rejected.problems]
        return _render_user(user, 422, password_form=form)
    db.session.commit()
    flash(_("Temporary password set for %(name)s: give it to the officer in person; it must be changed at the "
            "next sign-in. The officer's sessions have been signed out.", name=user.username))
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/two-factor/reset")
def reset_two_factor(user_id: int):
    user = _user(user_id)
    form = ReasonForm(prefix="totp")
    if not form.validate_on_submit():
        return _render_user(user, 422, totp_form=form)
    accounts.remove_totp(user, by=current_user._get_current_object(), reason=form.reason.data.strip())
    db.session.commit()
    flash(_("Two-factor sign-in of %(name)s has been reset; the officer sets it up again at the next sign-in.",
            name=user.username))
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    form.agency.choices = [(a.id, f"{a.name} ({a.code})") for a in
                           sorted(db.session.scalars(db.select(Agency)), key=agency_order)]
    form.roles.choices = [(r.value, labels.label(labels.ROLE, r.value)) for r in Role]
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        if db.session.scalar(db.select(User.id).where(User.username == username)):
            form.username.errors = [_("This user name is taken.")]
        else:
            problems = accounts.password_problems(form.password.data, username=username,
                                                  full_name=form.full_name.data)
            if problems:
                form.password.errors = [str(p) for p in problems]
            else:
                user = accounts.create_user(username, form.password.data, full_name=form.full_name.data.strip(),
                                            agency=db.session.get(Agency, form.agency.data), roles=form.roles.data,
                                            email=form.email.data or None, by=current_user._get_current_object(),
                                            must_change_password=True)
                db.session.commit()
                flash(_("Account %(name)s created. Give the temporary password to the officer in person; it must "
                        "be changed at the first sign-in.", name=user.username))
                return redirect(url_for("admin.user_detail", user_id=user.id))
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("admin/users_new.html", form=form), status
