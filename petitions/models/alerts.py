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


CHANNELS = ("email", "sms", "zalo", "national")
# pending: to send (first try or a retry once next_attempt_at has passed); sending: claimed by
# a worker until lease_until; failed: the last try failed, retried after the back-off; dead:
# given up (the dead-letter list, "send again"); sent; digest: waits for the daily digest;
# none: in the application only (no address)
STATUSES = ("pending", "digest", "sending", "sent", "failed", "dead", "none")


class Notification(db.Model):
    """The outbox: every message that leaves the application, one row each, written in the
    same transaction as the change that causes it (services/outbox.py delivers them).

    A message to one officer (in the application, and by e-mail if they have an address),
    to a filer (e-mail, SMS or Zalo, as they chose), or a record for the national database.
    ``idempotency_key`` names the message for ever: a second write of the same key is
    refused by the unique index, and the gateway is given the key (an SMTP Message-ID, an
    SMS request id, a Zalo tracking id, a national idempotency header) so a resend after a
    worker died mid-send is recognised. Rows written without a key (the deadline sweep's
    set-based INSERT) use ``notification:<id>``. Sending is retried with back-off; what
    keeps failing stays visible to administrators."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'digest', 'sending', 'sent', 'failed', 'dead', 'none')",
                        name="status"),
        CheckConstraint("channel IN ('email', 'sms', 'zalo', 'national')", name="channel"),
        UniqueConstraint("alert_id", "user_id", name="uq_notifications_alert_user"),
        UniqueConstraint("idempotency_key", name="uq_notifications_idempotency_key"),
        Index("ix_notifications_national_case", "case_id", "id", sqlite_where=text("channel = 'national'"),
              postgresql_where=text("channel = 'national'")),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_pending", "status",
              sqlite_where=text("status IN ('pending', 'digest', 'sending', 'failed')"),
              postgresql_where=text("status IN ('pending', 'digest', 'sending', 'failed')")),
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
    # delivery: see STATUSES
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # not before this moment: the back-off after a failure (or a gateway's Retry-After)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the outbox (issue 19): columns with defaults, so a plain INSERT of the older columns
    # (the sweep's set-based INSERT ... SELECT) still writes an e-mail row
    channel: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    # a phone number for SMS and Zalo (sealed like the parties' identity); None for e-mail and national
    address: Mapped[str | None] = mapped_column(EncryptedText)
    idempotency_key: Mapped[str | None] = mapped_column(String(160))
    # a worker's claim: until this moment nobody else sends the row; a worker killed mid-send
    # leaves it, and the row is claimed again once it has passed
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    # what the gateway answered: its message id, or the Message-ID of the mail
    gateway_ref: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
    case = relationship("Case")

    @property
    def delivery_key(self) -> str:
        """The key the gateway is given: the stored one, else one derived from the id."""
        return self.idempotency_key or f"notification:{self.id}"
