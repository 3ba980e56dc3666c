"""Official documents: the register that numbers them, the issued files, the templates.

A document (giấy biên nhận, thông báo, quyết định, phiếu chuyển...) gets its number from
the issuing agency's register for the year (NĐ 30/2020/NĐ-CP: numbered from 01 on 1
January to 31 December), in the same transaction that stores it, so a failed issue
leaves no gap. Files are stored under the upload folder with their SHA-256; a re-issue
is a new version row and a new file, the old ones are kept.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint, event)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class DocumentRegister(db.Model):
    """The number book (sổ đăng ký văn bản đi) of one agency for one year."""

    __tablename__ = "document_registers"
    __table_args__ = (UniqueConstraint("agency_id", "year", name="uq_document_registers_agency_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    year: Mapped[int] = mapped_column(Integer)
    # the issuing body's abbreviation in the symbol: "UBND" in "15/TB-UBND"
    symbol_prefix: Mapped[str] = mapped_column(String(20))
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class IssuedDocument(db.Model):
    """One issued document, one version of it. Never updated but for its PDF."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        CheckConstraint("variant IN ('full', 'pseudonymised')", name="variant"),
        UniqueConstraint("agency_id", "year", "number", "version", name="uq_issued_documents_number_version"),
        Index("ix_issued_documents_event", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"))
    urging_id: Mapped[int | None] = mapped_column(ForeignKey("urgings.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    dated_on: Mapped[date] = mapped_column(Date)  # the date written on it; a re-issue keeps it
    symbol: Mapped[str] = mapped_column(String(60))  # "15/TB-UBND"
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))
    recipient: Mapped[str] = mapped_column(String(40))  # the recipient key (filer, accused_agency, ...)
    recipient_label: Mapped[str] = mapped_column(String(300))
    variant: Mapped[str] = mapped_column(String(20), default="full")
    docx_name: Mapped[str] = mapped_column(String(80), unique=True)
    docx_sha256: Mapped[str] = mapped_column(String(64))
    pdf_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_error: Mapped[str | None] = mapped_column(String(300))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("document_templates.id"))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    issued_by = relationship("User")
    agency = relationship("Agency")
    case = relationship("Case")
    supersedes = relationship("IssuedDocument", remote_side=[id])

    @property
    def is_pseudonymised(self) -> bool:
        return self.variant == "pseudonymised"


class DocumentTemplate(db.Model):
    """An administrator's uploaded template for one kind of document; the active one is used.
    Without an active row, the built-in template in petitions/documents/templates/ is used."""

    __tablename__ = "document_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=False)

    uploaded_by = relationship("User")


@event.listens_for(IssuedDocument, "before_delete")
def _kept(mapper, connection, target):
    raise RuntimeError("issued documents are kept: re-issue a new version instead")
