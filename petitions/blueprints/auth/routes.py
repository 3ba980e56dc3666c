"""Sign-in (password, then the two-factor code when the account uses it), sign-out, and
the officer's own account: password, two-factor sign-in, sign out everywhere, recent
sign-ins. ``_session_guard`` runs before every request: idle and absolute session limits,
revoked sessions, and the steps an officer must take before anything else (a new password
after an administrator's reset; enrolment in two-factor sign-in for the roles that require it).
"""
from __future__ import annotations

import secrets
import time
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import segno
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from ...security import BaseForm as FlaskForm
from markupsafe import Markup
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ...extensions import db
from ...models import User
from ...services import accounts
from ...services.accounts import authenticate
from . import bp

REQUIRED = _l("This field is required.")
PENDING = "pending_2fa"
# what an officer who must first change the password, or enrol, may still reach
_ALWAYS = {"static", "auth.logout", "auth.login", "public.set_language"}


LOGIN_OUTCOMES = {
    "signed_in": _l("Signed in"),
    "throttled": _l("Refused: too many failures, waiting"),
    "recovery": _l("Signed in with a recovery code"),
    "password_ok": _l("Password accepted, code asked"),
    "password": _l("Wrong password"),
    "locked": _l("Refused: account locked"),
    "disabled": _l("Refused: account disabled"),
    "wrong_code": _l("Wrong code"),
    "reused": _l("Code used twice"),
}


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(message=REQUIRED)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=REQUIRED)])


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(message=REQUIRED), Length(max=20)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(message=REQUIRED)])
    new = PasswordField(_l("New password"), validators=[DataRequired(message=REQUIRED)])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(message=REQUIRED), EqualTo("new", message=_l("The two new passwords differ."))])


class PasswordConfirmForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(message=REQUIRED)])


class EmptyForm(FlaskForm):
    pass


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return _home()


def _home() -> str:
    """Where an officer lands: the work queue; the People's Council office its voter meetings."""
    if current_user.is_authenticated and current_user.council_office_only:
        return url_for("voters.list_meetings")
    return url_for("reception.queue")


def _client() -> dict:
    return {"ip": request.remote_addr, "user_agent": request.headers.get("User-Agent")}


def _local_time(moment) -> str:
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%H:%M")


def _lifetime() -> float:
    value = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _server_session(user: User) -> None:
    """A new session row on the server; the cookie carries its token (issue 14)."""
    session["sid"] = accounts.start_server_session(user, lifetime=_lifetime(), **_client())


def _start_session(user: User, outcome: str = "signed_in", throttle_key: str | None = None) -> None:
    """The sign-in is complete: a permanent (time-limited) session checked on the server,
    no remember-me cookie."""
    lang = session.get("lang")
    accounts.end_server_session(session.get("sid"))
    from ...services import citizens  # one identity a browser: a citizen's VNeID session ends here
    citizens.end_session(session.get(citizens.SESSION_KEY))
    session.clear()  # nothing from before the sign-in is carried over
    if lang:
        session["lang"] = lang
    _server_session(user)
    login_user(user, remember=False)
    session.permanent = True
    now = int(time.time())
    session["signed_in_at"] = now
    session["seen_at"] = now
    accounts.finish_sign_in(user, throttle_key)
    accounts.record_login(user, outcome, True, **_client())


# -- known devices: a browser the officer signed in from is not slowed by strangers' failures

_DEVICE_DAYS = 365


def _device_cookie_name() -> str:
    return "__Host-device" if current_app.config.get("ENV") == "production" else "petitions_device"


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _known_device() -> tuple[int | None, str | None]:
    """(account id, device nonce) from this browser's signed device cookie, if any."""
    try:
        data = _device_serializer().loads(request.cookies.get(_device_cookie_name(), ""),
                                          max_age=_DEVICE_DAYS * 86400)
    except BadSignature:
        return None, None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("d"), str):
        return None, None
    return data["u"], data["d"]


def _remember_device(response, user: User):
    uid, nonce = _known_device()
    if uid != user.id:
        nonce = secrets.token_urlsafe(16)
    response.set_cookie(_device_cookie_name(), _device_serializer().dumps({"u": user.id, "d": nonce}),
                        max_age=_DEVICE_DAYS * 86400, path="/", httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def _wait_message(until) -> str:
    moment = until.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%H:%M:%S")
    return _("Too many failed sign-ins with this user name. Wait until %(time)s before trying again; "
             "each new failure doubles the wait. If you did not cause this, tell an administrator.", time=moment)


def _after_sign_in(user: User, next_url: str | None):
    if user.must_change_password:
        return redirect(url_for("auth.change_password"))
    if accounts.totp_required(user, current_app.config["TOTP_REQUIRED_ROLES"]) and not user.totp_enabled:
        return redirect(url_for("auth.setup_two_factor"))
    return redirect(_safe_next(next_url))


@bp.before_app_request
def _session_guard():
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    now = time.time()
    signed_in, seen = session.get("signed_in_at"), session.get("seen_at")
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    message = None
    if signed_in is None or seen is None or now - seen > idle:
        message = _("Your session expired after %(minutes)d minutes without activity. Please sign in again.",
                    minutes=current_app.config["SESSION_IDLE_MINUTES"])
    elif now - signed_in > _lifetime():
        message = _("Your session expired: a sign-in lasts at most %(hours)d hours. Please sign in again.",
                    hours=int(_lifetime() // 3600))
    elif not current_user.is_authenticated:
        message = _("You have been signed out: your password was changed, your account was signed out on "
                    "all devices or disabled. Please sign in again.")
    if message:
        accounts.end_server_session(session.get("sid"))
        db.session.commit()
        logout_user()
        for key in ("signed_in_at", "seen_at", PENDING, "sid"):
            session.pop(key, None)
        if request.path.startswith("/api/"):
            return None
        flash(message)
        if request.endpoint in ("auth.login", "auth.two_factor", "public.set_language"):
            return None  # already where the officer signs in
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    session["seen_at"] = int(now)
    if request.path.startswith("/api/") or request.endpoint in _ALWAYS:
        return None
    user = current_user
    if user.must_change_password:
        if request.endpoint != "auth.change_password":
            flash(_("An administrator set a temporary password: choose your own password before going on."))
            return redirect(url_for("auth.change_password"))
    elif (accounts.totp_required(user, current_app.config["TOTP_REQUIRED_ROLES"]) and not user.totp_enabled
          and request.endpoint != "auth.setup_two_factor"):
        flash(_("Your role requires two-factor sign-in: set it up before going on."))
        return redirect(url_for("auth.setup_two_factor"))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home())
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        device_user, device = _known_device()
        result = authenticate(form.username.data, form.password.data,
                              throttle=accounts.Throttle.from_config(current_app.config),
                              device_user_id=device_user, device=device)
        user = result.user
        if user and user.totp_enabled:
            accounts.record_login(user, "password_ok", True, **_client())
            db.session.commit()
            session[PENDING] = {"uid": user.id, "gen": user.session_generation or 0, "at": int(time.time()),
                                "next": request.args.get("next"), "tk": result.throttle_key}
            return redirect(url_for("auth.two_factor"))
        if user:
            _start_session(user, throttle_key=result.throttle_key)
            db.session.commit()
            return _remember_device(_after_sign_in(user, request.args.get("next")), user)
        if result.account is not None:
            accounts.record_login(result.account, result.outcome, False, **_client())
        db.session.commit()
        # the same answers whether the account exists or not: they depend only on the name's failures
        status = 401
        if result.wait_until:
            form.password.errors = [_wait_message(result.wait_until)]
            status = 429
        else:
            form.password.errors = [_("Wrong user name or password.")]
    return render_template("auth/login.html", form=form), status


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > current_app.config["TOTP_PENDING_SECONDS"]:
        return None
    user = db.session.get(User, pending["uid"])
    if user is None or not user.active or (user.session_generation or 0) != pending["gen"] \
            or not user.totp_enabled:
        return None
    return user


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor():
    """The second step: the 6-digit code of the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("The sign-in took too long or was interrupted. Please enter your user name and password again."))
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        key = session.get(PENDING, {}).get("tk")
        result = accounts.check_second_factor(user, form.code.data,
                                              throttle=accounts.Throttle.from_config(current_app.config),
                                              throttle_key=key)
        if result.ok:
            next_url = session.get(PENDING, {}).get("next")
            _start_session(user, "signed_in" if result.outcome == "code" else "recovery", throttle_key=key)
            db.session.commit()
            if result.outcome == "recovery":
                flash(_("You signed in with a recovery code; it cannot be used again. %(n)d left.",
                        n=accounts.recovery_codes_left(user)))
            return _remember_device(_after_sign_in(user, next_url), user)
        accounts.record_login(user, result.outcome, False, **_client())
        db.session.commit()
        if result.outcome == "locked":
            session.pop(PENDING, None)
            form.code.errors = [_wait_message(result.locked_until)]
            status = 429
        elif result.outcome == "reused":
            form.code.errors = [_("This code has already been used. Wait for the next code in the app "
                                  "(a new one every 30 seconds).")]
            status = 401
        else:
            form.code.errors = [_("Wrong code. Check that the clock of your phone is right, or use a recovery code.")]
            status = 401
    return render_template("auth/two_factor.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    accounts.end_server_session(session.pop("sid", None))
    db.session.commit()
    logout_user()
    session.pop("signed_in_at", None)
    session.pop("seen_at", None)
    flash(_("You have signed out."))
    return redirect(url_for("public.index"))


# -- the officer's account -------------------------------------------------------------

@bp.get("/account")
@login_required
def account():
    required = accounts.totp_required(current_user, current_app.config["TOTP_REQUIRED_ROLES"])
    return render_template("auth/account.html", logins=accounts.recent_logins(current_user), required=required,
                           login_outcomes=LOGIN_OUTCOMES,
                           codes_left=accounts.recovery_codes_left(current_user) if current_user.totp_enabled else 0,
                           confirm_form=PasswordConfirmForm(), empty_form=EmptyForm())


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not accounts.verify_password(user, form.current.data):
            form.current.errors = [_("The current password is wrong.")]
            status = 422
        elif form.new.data == form.current.data:
            form.new.errors = [_("Choose a password different from the current one.")]
            status = 422
        else:
            try:
                accounts.set_password(user, form.new.data, by=user)
            except accounts.PasswordRejected as rejected:
                form.new.errors = [str(p) for p in rejected.problems]
                status = 422
            else:
                # every other session ends (the generation moved, the rows are gone); this one goes on
                _server_session(user)
                login_user(user, remember=False)
                db.session.commit()
                flash(_("Your password has been changed. Your other sessions have been signed out."))
                return _after_sign_in(user, url_for("auth.account"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/change_password.html", form=form), status


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    if EmptyForm().validate_on_submit():
        accounts.sign_out_everywhere(current_user._get_current_object(), by=current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.pop("signed_in_at", None)
        session.pop("seen_at", None)
        flash(_("You have been signed out on every device, this one included."))
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.account"))


def _qr_svg(uri: str) -> Markup:
    """The enrolment QR code drawn on the server as inline SVG (no script, no image request)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff",
                                                title=_("QR code for the authenticator app"))
    return Markup(svg)


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@login_required
def setup_two_factor():
    user = current_user._get_current_object()
    if user.totp_enabled:
        flash(_("Two-factor sign-in is already on."))
        return redirect(url_for("auth.account"))
    secret = accounts.start_totp_enrolment(user)
    db.session.commit()
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        codes = accounts.confirm_totp(user, form.code.data)
        if codes:
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, first=True)
        db.session.rollback()
        form.code.errors = [_("Wrong code. Type the 6 digits the app shows now for this account.")]
        status = 422
    groups = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    uri = accounts.totp_uri(user, secret, current_app.config["TOTP_ISSUER"])
    required = accounts.totp_required(user, current_app.config["TOTP_REQUIRED_ROLES"])
    return render_template("auth/setup_two_factor.html", form=form, qr=_qr_svg(uri), secret_groups=groups,
                           required=required), status


@bp.post("/account/two-factor/disable")
@login_required
def disable_two_factor():
    user = current_user._get_current_object()
    form = PasswordConfirmForm()
    if accounts.totp_required(user, current_app.config["TOTP_REQUIRED_ROLES"]):
        flash(_("Your role requires two-factor sign-in: it cannot be turned off."))
    elif form.validate_on_submit() and accounts.verify_password(user, form.password.data):
        accounts.remove_totp(user, by=user)
        db.session.commit()
        flash(_("Two-factor sign-in is off."))
    else:
        flash(_("The password is wrong: nothing was changed."))
    return redirect(url_for("auth.account"))


@bp.post("/account/two-factor/recovery-codes")
@login_required
def new_recovery_codes():
    user = current_user._get_current_object()
    form = PasswordConfirmForm()
    if not user.totp_enabled:
        return redirect(url_for("auth.account"))
    if form.validate_on_submit() and accounts.verify_password(user, form.password.data):
        codes = accounts.regenerate_recovery_codes(user)
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes, first=False)
    flash(_("The password is wrong: nothing was changed."))
    return redirect(url_for("auth.account"))
