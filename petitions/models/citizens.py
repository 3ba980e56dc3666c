"""Citizens signed in with VNeID (issue 19): a server-side session, apart from the officers'.

A citizen is not an account of this system: nothing is kept of them between two sign-ins
but the audit rows. While they are signed in, one row holds what the provider vouched for
(the ID number's blind index, and the name and number sealed like a party's), so that a
cookie alone opens nothing: signing out, or the row's end, ends the session on the server.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import EncryptedText, UTCDateTime, utcnow


class CitizenSession(db.Model):
    """One browser's citizen session. The cookie carries a random token under its own key
    (``citizen_sid``, never Flask-Login's ``_user_id``), this table its SHA-256: a citizen
    session can never be taken for an officer's, nor the other way round."""
    __tablename__ = "citizen_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's token
    # the verified ID number's blind index (services/crypto.id_digest): what "my letters" match on
    id_number_digest: Mapped[str] = mapped_column(String(64), index=True)
    # sealed like a party's identity (Fernet): the public form is pre-filled with them
    full_name: Mapped[str | None] = mapped_column(EncryptedText)
    id_number: Mapped[str] = mapped_column(EncryptedText)
    # the provider's ID token, sealed: sent back as id_token_hint when the citizen signs out
    id_token: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
