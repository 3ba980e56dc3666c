"""Officers and their roles."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..workflow.states import Role
from .types import EncryptedText, UTCDateTime, utcnow
from .units import Agency

_ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # officer API: the SHA-256 of the bearer token (the token itself is shown once)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # alerts by e-mail once a day in one digest instead of one mail each
    alert_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    # -- account security (issue 8) --
    # part of the session's user id: bumping it signs the user out on every device
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # an administrator set a temporary password: the next sign-in must choose a new one
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    # TOTP (RFC 6238): the secret is encrypted at rest (services.crypto); set but not yet
    # confirmed while ``totp_enabled_at`` is empty; the last accepted time step refuses replays
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    agency: Mapped[Agency] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        cascade="all, delete-orphan", lazy="select", back_populates="user"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot sign in
        return self.active

    def get_id(self) -> str:
        """The session's user id carries the generation: bumping it invalidates every session."""
        return f"{self.id}:{self.session_generation or 0}"

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def council_office_only(self) -> bool:
        """The People's Council office's liaison works on voter meetings only: no case queue."""
        return self.roles == {Role.COUNCIL}

    @property
    def sees_all_agencies(self) -> bool:
        """Inspectors and administrators see the cases of every agency."""
        return self.has_role(Role.INSPECTOR, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class RecoveryCode(db.Model):
    """One-time codes for signing in without the authenticator app (stored as SHA-256)."""
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class LoginEvent(db.Model):
    """A sign-in attempt on a known account: shown to the officer (recent sign-ins) and to
    administrators. Attempts on unknown user names are not stored (they may hold a password)."""
    __tablename__ = "login_events"
    __table_args__ = (Index("ix_login_events_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean)
    # password, locked, disabled, code, recovery, reused, signed_in
    outcome: Mapped[str] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class UserSession(db.Model):
    """A signed-in browser session, checked on the server at every request (issue 14): the
    cookie carries a random token, this table its SHA-256. Signing out deletes the row, so a
    cookie saved before the sign-out opens nothing; so do a password change, signing out
    everywhere, a two-factor reset and disabling the account (every row of the officer)."""
    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class SignInThrottle(db.Model):
    """Failed sign-ins per user name as typed (whether or not the account exists, so the
    answers never tell which names exist), or per user name and known device. After
    ``LOGIN_FREE_FAILURES`` failures each attempt waits exponentially longer (at most
    ``LOGIN_MAX_WAIT_SECONDS``): a stranger can slow guessing down but never lock an
    officer out of a browser they signed in from before (its own key)."""
    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # HMAC of the name (and device)
    name_key: Mapped[str] = mapped_column(String(64), index=True)    # HMAC of the name alone
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
