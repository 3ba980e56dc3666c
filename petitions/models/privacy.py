"""The pseudonymised copy of a letter for the verification team (Law on Denunciations
Art. 47: the denouncer's identity is kept from everyone who does not need it).

An officer who may see the identity marks what to hide: passages of the letter's text
(``Redaction`` with a passage) and attachments or pages of attachments to withhold
(``Redaction`` with an attachment). Preparing the copy freezes it as a ZIP file
(``PseudonymisedCopy``) that any officer who may see the case downloads.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import EncryptedText, UTCDateTime, utcnow
from .users import User


class Redaction(db.Model):
    """A passage of the letter to black out, or an attachment (or some of its pages) to withhold."""

    __tablename__ = "redactions"
    __table_args__ = (
        CheckConstraint("(passage IS NULL) <> (attachment_id IS NULL)", name="passage_or_attachment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # the exact text to hide wherever it appears; it may itself identify the denouncer: encrypted
    passage: Mapped[str | None] = mapped_column(EncryptedText)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="CASCADE"))
    # pages of a PDF to withhold (1-based); None: the whole file is withheld
    pages: Mapped[list | None] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()


class PseudonymisedCopy(db.Model):
    """A prepared "hồ sơ bút danh": the ZIP as it was released, kept under UPLOAD_FOLDER."""

    __tablename__ = "pseudonymised_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # what was left out, without the hidden text: {"passages": n, "auto": n, "files": [...]}
    summary: Mapped[dict | None] = mapped_column(JSON)
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prepared_by: Mapped[User] = relationship()
