"""Officer accounts: creation, passwords (Argon2id) and their rules, sign-in throttling,
two-factor sign-in (TOTP, RFC 6238) with one-time recovery codes, sessions that can be
revoked everywhere (``session_generation``), disabling an account, and the sign-in history.

Functions flush, never commit; every change writes an ``AuditLog`` row.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, update

from ..extensions import db
from ..models import Agency, AuditLog, User, UserRole
from ..models.types import utcnow
from ..models.users import LoginEvent, RecoveryCode, SignInThrottle, UserSession
from ..workflow.states import Role

# Argon2id with the library's recommended parameters (64 MiB, 3 passes); ARGON2_PARAMS
# overrides them (the test suite uses cheap ones: its thousands of sign-ins are not attacks)
_HASHERS: dict[tuple, tuple[PasswordHasher, str]] = {}


def _hasher_and_dummy() -> tuple[PasswordHasher, str]:
    from flask import current_app, has_app_context
    params = (current_app.config.get("ARGON2_PARAMS") if has_app_context() else None) or {}
    key = tuple(sorted(params.items()))
    if key not in _HASHERS:
        hasher = PasswordHasher(**params)
        # verifying against the dummy keeps the time of an unknown user equal to a known one
        _HASHERS[key] = (hasher, hasher.hash("not a password"))
    return _HASHERS[key]


class _Hasher:
    """The configured hasher, looked up at each use."""

    def __getattr__(self, name):
        return getattr(_hasher_and_dummy()[0], name)


_hasher = _Hasher()

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
TOTP_INTERVAL = 30
TOTP_DIGITS = 6
RECOVERY_CODES = 8
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _audit(action: str, user: User, by: User | None, **details) -> None:
    db.session.add(AuditLog(user_id=by.id if by else None, action=action, object_type="user",
                            object_id=str(user.id), details={"username": user.username, **details}))


# -- password rules (pure) ------------------------------------------------------------

_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
_SEQUENCES = ("0123456789" * 3, "abcdefghijklmnopqrstuvwxyz" * 2, "qwertyuiopasdfghjklzxcvbnm" * 2,
              "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "qazwsxedcrfvtgbyhnujmikolp",
              "1q2w3e4r5t6y7u8i9o0p", "zaq1xsw2cde3vfr4bgt5nhy6mju7")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list (folded: lower case, no accents): the most used passwords in the
    world's leaked lists, and the obvious Vietnamese ones."""
    words = set()
    for line in _COMMON_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(fold(line))
    return frozenset(words)


def fold(text: str) -> str:
    """Lower case without accents: "Mật Khẩu Đẹp" -> "mat khau dep"."""
    text = unicodedata.normalize("NFKD", text or "").replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _compact(text: str) -> str:
    return "".join(c for c in fold(text) if c.isalnum())


def password_problems(password: str, *, username: str = "", full_name: str = "") -> list:
    """What is wrong with ``password`` (an empty list: it is acceptable).

    At least 12 characters (a phrase of several words is welcome and encouraged), at most
    200; not mostly one character, a repeat or a keyboard/number sequence; not only
    digits (phone and ID numbers, dates); without the user name or the person's name; and
    not a common password, even with digits or signs added before or after it."""
    password = unicodedata.normalize("NFC", password or "")
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_l("Use at least %(n)d characters. A phrase of several words is easy to remember "
                           "and hard to guess.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(_l("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH))
    folded = fold(password)
    compact = _compact(password)
    if password:
        top = max(folded.count(c) for c in set(folded))
        if top * 2 >= len(folded) or len(set(compact)) <= 3 or re.fullmatch(r"(.{1,6}?)\1+", compact):
            problems.append(_l("The password is mostly one character or a short repeated pattern."))
        elif len(compact) >= 4 and any(compact in s or compact in s[::-1] for s in _SEQUENCES):
            problems.append(_l("The password is a simple sequence of keys or numbers."))
        if compact.isdigit():
            problems.append(_l("Do not use only digits: phone numbers, ID numbers and dates are easy to guess."))
    name = _compact(username)
    if len(name) >= 3 and name in compact:
        problems.append(_l("The password must not contain your user name."))
    parts = [_compact(p) for p in re.split(r"[\s.\-_]+", full_name or "")]
    whole = "".join(parts)
    if (len(whole) >= 3 and whole in compact) or any(len(p) >= 4 and p in compact for p in parts):
        problems.append(_l("The password must not contain your name."))
    if password and _is_common(folded):
        problems.append(_l("This password is among the most used ones and is tried first by attackers. "
                           "Choose another, for example a phrase of several words."))
    return problems


@lru_cache(maxsize=1)
def _common_parts() -> tuple[str, ...]:
    """The list's entries of 4 characters or more, letters and digits only, longest first."""
    return tuple(sorted({_compact(w) for w in common_passwords() if len(_compact(w)) >= 4}, key=len, reverse=True))


def _without_common_parts(compact: str) -> str:
    """What is left once common passwords and key or number runs (4+) are taken out."""
    rest = compact
    for word in _common_parts():
        if word in rest:
            rest = rest.replace(word, "")
    out, i = [], 0
    while i < len(rest):
        j = i + 4
        if j <= len(rest) and any(rest[i:j] in s for s in _SEQUENCES + tuple(x[::-1] for x in _SEQUENCES)):
            while j < len(rest) and any(rest[i:j + 1] in s for s in _SEQUENCES + tuple(x[::-1] for x in _SEQUENCES)):
                j += 1
            i = j
        else:
            out.append(rest[i])
            i += 1
    return "".join(out)


def _is_common(folded: str) -> bool:
    common = common_passwords()
    # a common password with a year, "@123" or another common word around it: little is left
    if len(_without_common_parts(_compact(folded))) < 6:
        return True
    core = folded.strip()
    candidates = {core, core.replace(" ", ""), _compact(core),
                  re.sub(r"^[\W\d_]+|[\W\d_]+$", "", core), re.sub(r"^[\W\d_]+|[\W\d_]+$", "", _compact(core))}
    # "matkhau2026!", "123matkhau", "Matkhau@123": the common word with decorations
    stripped = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", core.replace(" ", ""))
    candidates.add(stripped)
    return any(c and c in common for c in candidates)


class PasswordRejected(ValueError):
    def __init__(self, problems):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def check_password_rules(password: str, *, username: str, full_name: str) -> None:
    problems = password_problems(password, username=username, full_name=full_name)
    if problems:
        raise PasswordRejected(problems)


# -- creation -------------------------------------------------------------------------

def create_user(username: str, password: str, *, full_name: str, agency: Agency, roles, email=None,
                by: User | None = None, must_change_password: bool = False) -> User:
    user = User(username=username.strip().lower(), full_name=full_name, email=email,
                password_hash=hash_password(password), agency_id=agency.id,
                must_change_password=must_change_password, password_changed_at=utcnow())
    user.role_rows = [UserRole(role=Role(r).value) for r in roles]
    db.session.add(user)
    db.session.flush()
    db.session.add(AuditLog(user_id=by.id if by else None, action="create_user", object_type="user",
                            object_id=str(user.id),
                            details={"username": user.username, "agency": agency.code,
                                     "roles": sorted(Role(r).value for r in roles)}))
    return user


# -- sign-in --------------------------------------------------------------------------

@dataclass(frozen=True)
class SignIn:
    user: User | None
    wait_until: datetime | None = None  # the name must wait until then (the same for every name)
    account: User | None = None  # the account the user name names, whatever the outcome
    outcome: str = "password"
    throttle_key: str = ""

    @property
    def locked_until(self):  # the former name
        return self.wait_until


@dataclass(frozen=True)
class Throttle:
    """Sign-in throttling per user name: ``free`` failures, then waits of ``base`` seconds
    doubling at each failure, at most ``cap``; forgotten ``reset`` seconds after the last
    failure; the officer is told after ``notify`` failures (at most once an hour)."""
    free: int = 5
    base: int = 15
    cap: int = 15 * 60
    reset: int = 24 * 3600
    notify: int = 5

    @classmethod
    def from_config(cls, cfg) -> "Throttle":
        return cls(free=cfg.get("LOGIN_FREE_FAILURES", 5), base=cfg.get("LOGIN_BASE_WAIT_SECONDS", 15),
                   cap=cfg.get("LOGIN_MAX_WAIT_SECONDS", 15 * 60), notify=cfg.get("LOGIN_NOTIFY_AFTER", 5))


def _production() -> bool:
    from flask import current_app, has_app_context
    return has_app_context() and current_app.config.get("ENV") == "production"


def _published(**credential) -> bool:
    from .demo import published_credential
    return published_credential(**credential)


def _name_hmac(value: str) -> str:
    from flask import current_app
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, ("sign-in:" + value).encode("utf-8"), hashlib.sha256).hexdigest()


def _folded_name(username: str) -> str:
    return unicodedata.normalize("NFC", (username or "").strip().lower())[:200]


def throttle_keys(username: str, device: str | None = None) -> tuple[str, str]:
    """(the key counted for this attempt, the key of the name alone). A browser the officer
    signed in from before (``device``) is counted apart from strangers."""
    name = _folded_name(username)
    name_key = _name_hmac(name)
    return (_name_hmac(f"{name}\x00device:{device}") if device else name_key), name_key


def sign_in_wait(key: str, now: datetime) -> datetime | None:
    row = db.session.get(SignInThrottle, key)
    if row is not None and row.wait_until and row.wait_until > now:
        return row.wait_until
    return None


def _count_failure(key: str, name_key: str, now: datetime, throttle: Throttle) -> SignInThrottle:
    """One more failure under ``key``; from the ``free``-th on, the next attempt waits."""
    row = db.session.get(SignInThrottle, key)
    if row is None:
        row = SignInThrottle(key=key, name_key=name_key, failures=0)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except Exception:  # noqa: BLE001 - another request created it meanwhile
            row = db.session.get(SignInThrottle, key)
    if row.last_failure_at and (now - row.last_failure_at).total_seconds() > throttle.reset:
        row.failures = 0
    row.failures = (row.failures or 0) + 1
    row.last_failure_at = now
    if row.failures >= throttle.free:
        wait = min(throttle.base * 2 ** (row.failures - throttle.free), throttle.cap)
        row.wait_until = now + timedelta(seconds=wait)
    db.session.flush()
    return row


def clear_throttle(name_key: str) -> None:
    db.session.execute(db.delete(SignInThrottle).where(SignInThrottle.name_key == name_key))


def authenticate(username: str, password: str, *, throttle: Throttle | None = None, device_user_id: int | None = None,
                 device: str | None = None, **_ignored) -> SignIn:
    """Check a password, with throttling per user name (existing or not: the answers are
    the same) and apart for a known device of the account (``device``, valid only when
    ``device_user_id`` is the named account). While the name waits no password is checked.
    For an account with two-factor sign-in the right password does not clear the
    failures: only a complete sign-in does, so wrong codes and passwords add up."""
    throttle = throttle or Throttle()
    name = _folded_name(username)
    user = db.session.scalar(db.select(User).where(User.username == name)) if name else None
    known_device = device if (user is not None and device and device_user_id == user.id) else None
    key, name_key = throttle_keys(name, known_device)
    now = utcnow()
    wait = sign_in_wait(key, now)
    if wait:
        return SignIn(None, wait, user, "throttled", key)
    if user is None:
        try:
            _hasher.verify(_hasher_and_dummy()[1], password or "")
        except VerificationError:
            pass
        row = _count_failure(key, name_key, now, throttle)
        return SignIn(None, row.wait_until if row.wait_until and row.wait_until > now else None, None, "password", key)
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        row = _count_failure(key, name_key, now, throttle)
        user.failed_logins = (user.failed_logins or 0) + 1
        _note_wait(user, row, key == name_key, now)
        _maybe_notify(user, row, now, throttle)
        return SignIn(None, row.wait_until if row.wait_until and row.wait_until > now else None, user, "password",
                      key)
    if _production() and _published(password=password):  # the demo's password, copied into production
        row = _count_failure(key, name_key, now, throttle)
        return SignIn(None, row.wait_until if row.wait_until and row.wait_until > now else None, user, "password",
                      key)
    if not user.active:
        return SignIn(None, None, user, "disabled", key)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return SignIn(user, None, user, "password_ok", key)


def _note_wait(user: User, row: SignInThrottle, for_name: bool, now: datetime) -> None:
    """A wait started for an existing account: audited, and shown to administrators on the
    account (``locked_until``, which they can clear) when it holds for the name itself."""
    if row.wait_until and row.wait_until > now and row.failures >= 1:
        if for_name:
            user.locked_until = row.wait_until
        db.session.add(AuditLog(user_id=None, action="sign_in_wait", object_type="user", object_id=str(user.id),
                                details={"username": user.username, "failures": row.failures,
                                         "seconds": int((row.wait_until - now).total_seconds()),
                                         "known_device": not for_name}))


def _maybe_notify(user: User, row: SignInThrottle, now: datetime, throttle: Throttle) -> None:
    """Tell the officer (in the application, and by mail when they have an address) that
    someone keeps failing to sign in as them; at most once an hour."""
    if row.failures < throttle.notify or (row.notified_at and (now - row.notified_at).total_seconds() < 3600):
        return
    from flask import current_app
    from flask_babel import force_locale

    from ..jobs import enqueue_after_commit
    from ..models import Notification
    from .alerts import SEND_JOB, _render
    row.notified_at = now
    base = current_app.config["BASE_URL"].rstrip("/")
    with force_locale("vi"):
        subject, body = _render("mail/sign_in_failures.txt", username=user.username, failures=row.failures,
                                link=f"{base}/auth/account")
    note = Notification(user_id=user.id, email=user.email, kind="sign_in_failures", subject=subject, body=body,
                        status="pending" if user.email else "none", attempts=0,
                        data={"account": True, "failures": row.failures})
    db.session.add(note)
    db.session.add(AuditLog(user_id=None, action="sign_in_failures", object_type="user", object_id=str(user.id),
                            details={"username": user.username, "failures": row.failures}))
    db.session.flush()
    if user.email:
        enqueue_after_commit(db.session, SEND_JOB, note.id)


def finish_sign_in(user: User, throttle_key: str | None = None) -> None:
    """Password (and code, if any) accepted: the failures counted under the key of this
    attempt are forgotten. A sign-in from a known browser leaves the strangers' count of the
    name alone (else each of the officer's sign-ins would give a guesser a fresh start)."""
    name_key = throttle_keys(user.username)[1]
    key = throttle_key or name_key
    user.failed_logins = 0
    user.last_login_at = utcnow()
    db.session.execute(db.delete(SignInThrottle).where(SignInThrottle.key == key))
    if key == name_key:
        user.locked_until = None


# -- server-side sessions -------------------------------------------------------------

def _session_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start_server_session(user: User, *, ip: str | None, user_agent: str | None, lifetime: float) -> str:
    """A new session row; returns the token for the cookie (only its hash is stored).
    The officer's sessions older than ``lifetime`` are removed on the way."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(db.delete(UserSession).where(UserSession.user_id == user.id,
                                                    UserSession.created_at < now - timedelta(seconds=lifetime)))
    db.session.add(UserSession(id=_session_hash(token), user_id=user.id, created_at=now, seen_at=now,
                               ip=(ip or "")[:45] or None, user_agent=(user_agent or "")[:200] or None))
    db.session.flush()
    return token


def server_session_alive(token: str | None, user_id: int) -> bool:
    """Is this cookie's session still open on the server (read only: the user loader
    calls it in the middle of requests)? Its age and idle time are checked on the signed
    cookie (``_session_guard``)."""
    if not token or not isinstance(token, str):
        return False
    row = db.session.get(UserSession, _session_hash(token))
    return row is not None and row.user_id == user_id


def end_server_session(token: str | None) -> None:
    if token and isinstance(token, str):
        db.session.execute(db.delete(UserSession).where(UserSession.id == _session_hash(token)))


def end_all_sessions(user: User) -> None:
    db.session.execute(db.delete(UserSession).where(UserSession.user_id == user.id))


def record_login(user: User, outcome: str, success: bool, *, ip: str | None, user_agent: str | None) -> None:
    db.session.add(LoginEvent(user_id=user.id, outcome=outcome, success=success, ip=(ip or "")[:45] or None,
                              user_agent=(user_agent or "")[:200] or None))


def recent_logins(user: User, limit: int = 20) -> list[LoginEvent]:
    return list(db.session.scalars(db.select(LoginEvent).where(LoginEvent.user_id == user.id)
                                   .order_by(LoginEvent.at.desc(), LoginEvent.id.desc()).limit(limit)))


@lru_cache(maxsize=2)
def _loader_statement(in_request: bool):
    """The user loader's statement, built once per process (its values are parameters): the
    officer with the roles; in a request also whether the server-side session is alive and
    the unread notifications (base.html's badge, the context processor in
    blueprints/reception/notifications.py), so that a kept queue page is ONE statement."""
    from sqlalchemy import bindparam
    from sqlalchemy.orm import joinedload

    from ..models import Notification
    query = db.select(User).where(User.id == bindparam("uid")).options(joinedload(User.role_rows))
    if not in_request:
        return query
    alive = (db.select(UserSession.id).where(UserSession.id == bindparam("sid"),
                                             UserSession.user_id == User.id).exists())
    unread = (db.select(db.func.count()).select_from(Notification)
              .where(Notification.user_id == User.id, Notification.read_at.is_(None)).scalar_subquery())
    return query.add_columns(alive, unread)


def load_session_user(user_id: str) -> User | None:
    """Flask-Login's loader: ``"id:generation"``; a stale generation or a disabled account
    loads nobody (the session is over)."""
    ident, _, generation = (user_id or "").partition(":")
    from ..security import strict_int
    ident, generation = strict_int(ident, minimum=1, maximum=2**31 - 1), strict_int(generation, minimum=0)
    if ident is None or generation is None:
        return None
    from flask import has_request_context, session
    if has_request_context():
        # the server-side session read in the same statement as the officer and the roles
        # (issue 18: one round trip a page instead of three)
        token = session.get("sid")
        if not token or not isinstance(token, str):
            return None  # signed out on the server: the cookie alone opens nothing
        query, params = _loader_statement(True), {"uid": ident, "sid": _session_hash(token)}
    else:
        query, params = _loader_statement(False), {"uid": ident}
    row = db.session.execute(query, params).unique().first()
    if row is None:
        return None
    user = row[0]
    if not user.active or (user.session_generation or 0) != generation:
        return None
    if len(row) > 1:
        if not row[1]:
            return None  # signed out on the server: the cookie alone opens nothing
        from flask import g
        g.unread_notifications = row[2] or 0  # dropped if this request writes a notification
    return user


def sign_out_everywhere(user: User, *, by: User | None = None, reason: str = "self") -> None:
    user.session_generation = (user.session_generation or 0) + 1
    end_all_sessions(user)
    _audit("sign_out_everywhere", user, by, reason=reason)


# -- password changes -----------------------------------------------------------------

def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def set_password(user: User, new_password: str, *, by: User | None = None, temporary: bool = False) -> None:
    """Check the rules, store the new hash and end every session of the user.
    ``temporary``: set by an administrator, to be changed at the next sign-in."""
    check_password_rules(new_password, username=user.username, full_name=user.full_name)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = temporary
    user.failed_logins = 0
    user.locked_until = None
    user.session_generation = (user.session_generation or 0) + 1
    end_all_sessions(user)
    clear_throttle(throttle_keys(user.username)[1])
    _audit("reset_password" if temporary else "change_password", user, by)


# -- disabling and unlocking ----------------------------------------------------------

def disable_user(user: User, *, by: User | None, reason: str) -> None:
    """The account stops at once: its sessions and its API token no longer work."""
    user.active = False
    user.disabled_at = utcnow()
    user.disabled_reason = reason
    user.session_generation = (user.session_generation or 0) + 1
    end_all_sessions(user)
    _audit("disable_user", user, by, reason=reason)


def enable_user(user: User, *, by: User | None, reason: str = "") -> None:
    user.active = True
    user.disabled_at = None
    user.disabled_reason = None
    user.failed_logins = 0
    user.locked_until = None
    clear_throttle(throttle_keys(user.username)[1])
    _audit("enable_user", user, by, reason=reason)


def unlock_user(user: User, *, by: User | None) -> None:
    user.failed_logins = 0
    user.locked_until = None
    clear_throttle(throttle_keys(user.username)[1])
    _audit("unlock_account", user, by)


# -- two-factor sign-in (TOTP) --------------------------------------------------------

def totp_required(user: User, required_roles) -> bool:
    roles = {r.strip() for r in (required_roles.split(",") if isinstance(required_roles, str) else required_roles)}
    return any(r.value in roles for r in user.roles)


def start_totp_enrolment(user: User) -> str:
    """The secret to show (kept until confirmed; a new one only if none is pending)."""
    if user.totp_enabled:
        raise ValueError("two-factor sign-in is already on")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()  # 160 bits
        user.totp_last_step = None
        db.session.flush()
    return user.totp_secret


def totp_uri(user: User, secret: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def current_step(now: datetime | None = None) -> int:
    return int((now or utcnow()).timestamp()) // TOTP_INTERVAL


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, one before or one after) whose code is ``code``."""
    totp = pyotp.TOTP(secret)
    base = current_step(now)
    found = None
    for step in (base - 1, base, base + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _claim_step(user: User, step: int) -> bool:
    """Record ``step`` as used, atomically: a second use of the same code (or an older one) fails."""
    result = db.session.execute(
        update(User).where(User.id == user.id,
                           or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if result.rowcount == 1:
        db.session.expire(user, ["totp_last_step"])
        return True
    return False


def _digits(code: str) -> str:
    return re.sub(r"[\s\-]", "", code or "")


def confirm_totp(user: User, code: str) -> list[str] | None:
    """Turn two-factor sign-in on when ``code`` matches the pending secret. Returns the
    recovery codes to show once, or None for a wrong code."""
    code = _digits(code)
    if user.totp_enabled or not user.totp_secret or not re.fullmatch(r"\d{6}", code):
        return None
    step = _matching_step(user.totp_secret, code, utcnow())
    if step is None or not _claim_step(user, step):
        return None
    user.totp_enabled_at = utcnow()
    codes = new_recovery_codes(user)
    _audit("enable_totp", user, user)
    return codes


@dataclass(frozen=True)
class SecondFactor:
    ok: bool
    outcome: str  # code, recovery, wrong_code, reused, locked
    locked_until: datetime | None = None


def check_second_factor(user: User, code: str, *, throttle: Throttle | None = None, throttle_key: str | None = None,
                        **_ignored) -> SecondFactor:
    """A 6-digit code from the app (this step, the one before or after; never twice) or an
    unused recovery code. Wrong codes count under the same key as the wrong passwords."""
    throttle = throttle or Throttle()
    now = utcnow()
    key = throttle_key or throttle_keys(user.username)[0]
    wait = sign_in_wait(key, now)
    if wait:
        return SecondFactor(False, "locked", wait)
    value = _digits(code).lower()
    outcome = "wrong_code"
    published = _production() and _published(totp_secret=user.totp_secret)  # the demo's secrets: never in production
    if re.fullmatch(r"\d{6}", value) and user.totp_secret and not published:
        step = _matching_step(user.totp_secret, value, now)
        if step is not None:
            if _claim_step(user, step):
                return SecondFactor(True, "code")
            outcome = "reused"
    elif len(value) == 10 and use_recovery_code(user, value):
        return SecondFactor(True, "recovery")
    name_key = throttle_keys(user.username)[1]
    row = _count_failure(key, name_key, now, throttle)
    user.failed_logins = (user.failed_logins or 0) + 1
    _note_wait(user, row, key == name_key, now)
    _maybe_notify(user, row, now, throttle)
    waiting = row.wait_until if row.wait_until and row.wait_until > now else None
    return SecondFactor(False, "locked" if waiting else outcome, waiting)


def _recovery_hash(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.id}:{code}".encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Eight fresh one-time codes (the old ones stop working); only their hashes are kept."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user, code)))
    db.session.flush()
    db.session.expire(user, ["recovery_codes"])
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def regenerate_recovery_codes(user: User) -> list[str]:
    """The officer asked for new codes (the old ones stop working)."""
    codes = new_recovery_codes(user)
    _audit("new_recovery_codes", user, user)
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    code = _digits(code).lower()
    result = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
                                   RecoveryCode.code_hash == _recovery_hash(user, code))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount == 1:
        _audit("use_recovery_code", user, user)
        return True
    return False


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def remove_totp(user: User, *, by: User | None, reason: str = "") -> None:
    """Two-factor sign-in off (by the officer, or reset by an administrator: then every
    session ends, and an officer who must use it enrols again at the next sign-in)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if by is None or by.id != user.id:  # an administrator (page or command)
        user.session_generation = (user.session_generation or 0) + 1
        end_all_sessions(user)
        _audit("reset_totp", user, by, reason=reason)
    else:
        _audit("disable_totp", user, by)
    db.session.flush()
    db.session.expire(user, ["recovery_codes"])


def current_totp_code(user: User) -> str:
    """For training outside production only (``flask users otp``)."""
    if not user.totp_secret:
        raise ValueError("no TOTP secret")
    return pyotp.TOTP(user.totp_secret).now()
