"""Officer accounts: creation, passwords (Argon2id) and sign-in throttling."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..extensions import db
from ..models import Agency, AuditLog, User, UserRole
from ..models.types import utcnow
from ..workflow.states import Role

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# verifying against this keeps the time of an unknown user equal to a known one
_DUMMY = _hasher.hash("not a password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(username: str, password: str, *, full_name: str, agency: Agency, roles, email=None,
                by: User | None = None) -> User:
    user = User(username=username.strip().lower(), full_name=full_name, email=email,
                password_hash=hash_password(password), agency_id=agency.id)
    user.role_rows = [UserRole(role=Role(r).value) for r in roles]
    db.session.add(user)
    db.session.flush()
    db.session.add(AuditLog(user_id=by.id if by else None, action="create_user", object_type="user",
                            object_id=str(user.id),
                            details={"username": user.username, "agency": agency.code,
                                     "roles": sorted(Role(r).value for r in roles)}))
    return user


@dataclass(frozen=True)
class SignIn:
    user: User | None
    locked_until: datetime | None = None


def authenticate(username: str, password: str, *, max_failures: int, lock_seconds: int) -> SignIn:
    """Check a password. After ``max_failures`` wrong passwords the account waits
    ``lock_seconds`` (even the right password is refused meanwhile)."""
    user = db.session.scalar(db.select(User).where(User.username == (username or "").strip().lower()))
    now = utcnow()
    if user is None:
        try:
            _hasher.verify(_DUMMY, password or "")
        except VerificationError:
            pass
        return SignIn(None)
    if user.locked_until and user.locked_until > now:
        return SignIn(None, user.locked_until)
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(seconds=lock_seconds)
            user.failed_logins = 0
            db.session.add(AuditLog(user_id=user.id, action="lock_account", object_type="user",
                                    object_id=str(user.id), details={"seconds": lock_seconds}))
            return SignIn(None, user.locked_until)
        return SignIn(None)
    if not user.active:
        return SignIn(None)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return SignIn(user)
