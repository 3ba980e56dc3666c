"""Reporting periods of the inspectorate's reporting rules (TT 01/2024/TT-TTCP) [2026].

A period's data run from the 15th of the last month of the previous period to the
14th of the period's last month: Q1 is 15/12 of the previous year to 14/3, the year
is 15/12 to 14/12. Six and nine months start where the year starts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SOURCE = "TT 01/2024/TT-TTCP (reporting periods) [2026]"
KINDS = ("q1", "q2", "q3", "q4", "h1", "m9", "year")
LABELS = {"q1": "Quarter I", "q2": "Quarter II", "q3": "Quarter III", "q4": "Quarter IV",
          "h1": "Six months", "m9": "Nine months", "year": "Year"}
# (first month, last month) of each period's months, counted in the report year
_SPANS = {"q1": (12, 3), "q2": (3, 6), "q3": (6, 9), "q4": (9, 12), "h1": (12, 6), "m9": (12, 9), "year": (12, 12)}


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{LABELS.get(self.kind, self.kind)} {self.year}"


def reporting_period(kind: str, year: int) -> Period:
    """The data period of a report, e.g. ("q1", 2026) -> 15/12/2025 .. 14/03/2026."""
    if kind not in _SPANS:
        raise ValueError(f"unknown period {kind!r}; one of {', '.join(KINDS)}")
    first, last = _SPANS[kind]
    start_year = year - 1 if first == 12 else year
    return Period(kind, year, date(start_year, first, 15), date(year, last, 14))


def period_of(day: date, kind: str = "year") -> Period:
    """The reporting period of this kind that contains ``day``."""
    year = day.year + 1 if (day.month, day.day) >= (12, 15) else day.year
    if kind == "year":
        return reporting_period("year", year)
    for candidate in ("q1", "q2", "q3", "q4"):
        p = reporting_period(candidate, year)
        if p.start <= day <= p.end:
            return p
    raise AssertionError("every day is in a quarter")


def custom(start: date, end: date) -> Period:
    if end < start:
        raise ValueError("the period ends before it starts")
    return Period("custom", end.year, start, end)
