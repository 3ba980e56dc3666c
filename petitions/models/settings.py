"""What an administrator edits: official calendar decisions and provincial deadline settings."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
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
    # the decision cited, for days shipped with the application (workflow/calendar_decisions.py)
    source: Mapped[str | None] = mapped_column(String(300))
    # the version of the shipped data a row came from; None for a day an administrator recorded
    data_version: Mapped[str | None] = mapped_column(String(20))
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


class RetentionSetting(db.Model):
    """How long a kind of personal data is kept before it is anonymised or deleted
    (Law 91/2025 on personal data protection; Decree 13/2023 Art. 9, 16). One row per kind;
    a kind without a row keeps the default of services/retention.py. Changes are audited."""

    __tablename__ = "retention_settings"
    __table_args__ = (CheckConstraint("years > 0 AND years <= 100", name="years"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), unique=True)
    years: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(300))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseAnonymisation(db.Model):
    """A closed case whose personal data were anonymised when its retention period ran
    out: the mark that makes ``flask privacy anonymise`` idempotent, and what it did."""

    __tablename__ = "case_anonymisations"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    anonymised_on: Mapped[date] = mapped_column(Date)
    # {"parties": n, "attachments": n, "files_deleted": n}
    details: Mapped[dict | None] = mapped_column(JSON)
