"""Column types shared by the models."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A moment, stored as naive UTC on every engine and read back aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class EncryptedText(TypeDecorator):
    """Personal data encrypted at rest: a Fernet token under the app's ``IDENTITY_KEYS``
    (petitions.services.crypto). Reads give the plain text back; raw SQL sees only the token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):
        from ..services.crypto import encrypt
        return encrypt(value)

    def process_result_value(self, value: str | None, dialect):
        from ..services.crypto import decrypt
        return decrypt(value)
