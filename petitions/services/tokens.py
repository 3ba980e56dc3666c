"""Bearer tokens for the officers' JSON API: random, shown once, stored as SHA-256."""
from __future__ import annotations

import hashlib
import secrets

from ..extensions import db
from ..models import AuditLog, User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, by: User | None = None) -> str:
    """A new token for ``user``; any previous one stops working."""
    token = "pt_" + secrets.token_urlsafe(32)
    user.api_token_hash = _digest(token)
    db.session.add(AuditLog(user_id=by.id if by else None, action="issue_api_token", object_type="user",
                            object_id=str(user.id), details={"username": user.username}))
    db.session.flush()
    return token


def user_for_token(token: str | None) -> User | None:
    if not token or not token.startswith("pt_"):
        return None
    user = db.session.scalar(db.select(User).where(User.api_token_hash == _digest(token)))
    return user if user is not None and user.active else None
