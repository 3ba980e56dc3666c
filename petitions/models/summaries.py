"""Per-day summary rows of the target 4 figures (services/summaries.py keeps them)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

#: the counters of one summary row: each counts the letters (``l_``) or the resolution
#: limits (``k_``) whose own date of that kind falls on the row's day (see services/summaries.py)
MEASURES = (
    "l_received", "l_ended", "l_on_time", "l_late", "l_fresh_end", "l_overdue_from", "l_overdue_end",
    "k_started", "k_ended", "k_resolved", "k_on_time", "k_late", "k_withdrawn",
    "k_correct", "k_partly_correct", "k_wrong", "k_overdue_from", "k_overdue_end",
)


class ReportDay(db.Model):
    """One day (grain ``d``) or one month (grain ``m``, day = the 1st) of one agency, commune
    and kind. ``copy_of`` is the agency of the letter a forwarded or split copy came from
    (0: not such a copy), so that a scope holding both counts the letter once. The open end
    of a running limit is kept on 9999-12-31 (its month row on 9999-12-01)."""

    __tablename__ = "report_days"
    # every read names the commune (-1: all of them), then a range of days of one grain
    __table_args__ = (PrimaryKeyConstraint("commune_id", "grain", "day", "agency_id", "kind", "copy_of",
                                           name="pk_report_days"),)

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    commune_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 0: none; -1: the sum over every commune
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    copy_of: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)

    l_received: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    l_ended: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    l_on_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    l_late: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    l_fresh_end: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    l_overdue_from: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    l_overdue_end: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    k_started: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    k_ended: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    k_resolved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    k_on_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    k_late: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    k_withdrawn: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    k_correct: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    k_partly_correct: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    k_wrong: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    k_overdue_from: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    k_overdue_end: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
