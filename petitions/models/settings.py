"""What an administrator edits: official calendar decisions and provincial deadline settings."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class CalendarOverride(db.Model):
    """A yearly official decision that overrides the ``holidays`` package for one day:
    an extra day off, a swapped day, or a make-up working day (e.g. a Saturday)."""

    __tablename__ = "calendar_overrides"
    __table_args__ = (CheckConstraint("kind IN ('day_off', 'working_day')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeadlineSetting(db.Model):
    """A provincial setting that replaces a deadline rule's limit from a date on
    (only rules marked "open" in the workflow: not fixed by law)."""

    __tablename__ = "deadline_settings"
    __table_args__ = (
        UniqueConstraint("step", "effective_from", name="uq_deadline_settings_step_from"),
        CheckConstraint("unit IN ('working', 'calendar')", name="unit"),
        CheckConstraint("limit_days > 0 AND limit_days <= 365", name="limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    step: Mapped[str] = mapped_column(String(40))
    effective_from: Mapped[date] = mapped_column(Date)
    limit_days: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
