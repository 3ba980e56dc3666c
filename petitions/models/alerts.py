"""Deadline alerts and the notifications that carry them (e-mail and in the application)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import EncryptedText, UTCDateTime, utcnow

LEVELS = ("due_soon", "due_today", "overdue", "long_overdue")


class Alert(db.Model):
    """One alert level reached by one running time limit. The unique key (deadline, due
    date, level) is what makes a rerun, or two sweeps at once, send nothing twice."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("deadline_id", "due_on", "level", name="uq_alerts_deadline_due_level"),
        CheckConstraint("level IN ('due_soon', 'due_today', 'overdue', 'long_overdue')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case")


class Notification(db.Model):
    """A message to one officer (in the application, and by e-mail if they have an
    address) or to a filer (e-mail only). Sending is retried; what keeps failing stays
    visible to administrators."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'digest', 'sent', 'failed', 'none')", name="status"),
        UniqueConstraint("alert_id", "user_id", name="uq_notifications_alert_user"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_pending", "status", sqlite_where=text("status IN ('pending', 'digest')"),
              postgresql_where=text("status IN ('pending', 'digest')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # where the mail goes (None: in the app only); sealed like the parties' identity, since a
    # filer's mail carries the (possibly confidential) filer's own address
    email: Mapped[str | None] = mapped_column(EncryptedText)
    kind: Mapped[str] = mapped_column(String(30))  # an alert level, or 'case_update' for a filer
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)
    # e-mail delivery: none (no address), pending, digest (waits for the daily digest), sent, failed
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # not before this moment: the back-off after a failure, or the lease of a worker sending it
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
    case = relationship("Case")
