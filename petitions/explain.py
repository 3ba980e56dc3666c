""""How this date was computed", written when it is shown, in the reader's language.

A due date is stored with its structured data (``DueDate.to_data()``: the rule, the
counting, the days not counted and why); the explanation is written from it at
display time: the workflow's sentence templates through the catalogue, dates as
dd/mm/yyyy, weekdays and the package's holidays by their Vietnamese names, the
shipped calendar decisions in the reader's language. Rows stored before this
(English sentences) are translated sentence by sentence as before.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache

import holidays
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from . import labels
from .workflow import calendar_decisions
from .workflow.calendar import SATURDAY, SUNDAY
from .workflow.deadlines import DueDate, Line

WEEKEND = {SATURDAY: _l("Saturday"), SUNDAY: _l("Sunday")}
UNENACTED_MARK = _l("no enacted legal basis: counted as a day off by the province's setting")


def _vietnamese() -> bool:
    return str(get_locale() or "vi").startswith("vi")


# the package writes "Tết Nguyên Đán"; Vietnamese writes the second word of a name in lower case
# ("Tết Nguyên đán", as in the Labour Code and the Government's notices)
_SPELLING = {"Nguyên Đán": "Nguyên đán"}


def spelled(name: str) -> str:
    for wrong, right in _SPELLING.items():
        name = name.replace(wrong, right)
    return name


@lru_cache(maxsize=64)
def _holiday_names(year: int, language: str) -> dict[date, str]:
    names = dict(holidays.country_holidays("VN", years=year, language=language))
    return {d: spelled(n) for d, n in names.items()} if language == "vi" else names


def day_reason(day: date, reason: str) -> str:
    """Why ``day`` is not counted, in the reader's language: weekends, the package's holidays,
    the shipped decisions; a note an administrator wrote stays as written."""
    if reason in WEEKEND:
        return str(WEEKEND[reason])
    vi = _vietnamese()
    if reason in calendar_decisions.NOTES_VI:
        return calendar_decisions.NOTES_VI[reason] if vi else reason
    if _holiday_names(day.year, "en_US").get(day) == reason:
        name = _holiday_names(day.year, "vi").get(day, reason) if vi else reason
        if calendar_decisions.unenacted_for(day) is not None:
            name = f"{name} ({UNENACTED_MARK})"
        return name
    return reason


def vn_day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def render_line(line: Line) -> str:
    return line.render(tr=labels.tr, day=vn_day, reason=day_reason)


def due_lines(due: DueDate, *, public: bool = False) -> list[str]:
    """The explanation of a computed due date; ``public`` leaves out how the text was read
    (the public page says it once, in a note)."""
    return [render_line(line) for line in due.lines() if not (public and line.kind == "status")]


def explanation_lines(explanation, *, public: bool = False) -> list[str]:
    """A stored explanation (structured data, or the English lines of older rows)."""
    if not explanation:
        return []
    if isinstance(explanation, Mapping):
        try:
            due = DueDate.from_data(explanation)
        except (KeyError, TypeError, ValueError):  # unreadable data: say nothing rather than fail the page
            return []
        return due_lines(due, public=public)
    return [labels.tr_message(line) for line in explanation]
