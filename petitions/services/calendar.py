"""The working-day calendar and deadline rules in force, as the workflow needs them."""
from __future__ import annotations

from datetime import date

from ..workflow.calendar import WorkingCalendar
from ..workflow.deadlines import DueDate
from ..workflow.deadlines import compute_due as _compute_due


def get_calendar() -> WorkingCalendar:
    return WorkingCalendar()


def compute_due(step: str, start: date, **kwargs) -> DueDate:
    kwargs.setdefault("calendar", get_calendar())
    return _compute_due(step, start, **kwargs)
