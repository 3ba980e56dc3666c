"""Working days and Vietnamese public holidays, for counting legal time limits.

Counting follows the Civil Code 2015, Art. 145-148:

- the day of the triggering event is not counted: counting starts the next day;
- a period in *working days* (ngày làm việc) skips Saturdays, Sundays and public
  holidays;
- a period in plain *days* (ngày) is calendar days, but if its last day is a weekend
  day or a public holiday it ends at the end of the next working day.

Public holidays (Labour Code 2019, Art. 112) come from the ``holidays`` package
(country ``VN``: Tết, Hùng Kings' day, substituted days off, make-up working
Saturdays and, from 2026, 24/11 Vietnam Culture Day). Yearly official decisions
(the exact Tết days, swapped days off, make-up working Saturdays) are given as
:class:`DayOverride` rows, which take precedence over the package.

Every counting method has a ``count_*`` form returning a :class:`Counted`, which
lists the non-working days skipped (or moved over) with their reason, so a due
date can be explained; the ``add_*`` forms return the date only.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import holidays

__all__ = ["DayOverride", "Counted", "Skipped", "WorkingCalendar", "SATURDAY", "SUNDAY"]

OverrideKind = Literal["day_off", "working_day"]
OVERRIDE_KINDS: tuple[OverrideKind, ...] = ("day_off", "working_day")

#: a non-working day and why it is not a working day
Skipped = tuple[date, str]

SATURDAY = "Saturday"
SUNDAY = "Sunday"
_WEEKEND = {5: SATURDAY, 6: SUNDAY}
_ONE_DAY = timedelta(days=1)

INVALID_OVERRIDE_KIND = "A day override must be a day off or a working day, not {kind!r}."
DUPLICATE_OVERRIDE = "The day {day} is overridden twice."
NEGATIVE_PERIOD = "A period cannot be negative ({n} days)."


@dataclass(frozen=True)
class DayOverride:
    """One day of an official yearly decision, overriding the holiday package.

    ``kind`` is ``"day_off"`` (an extra or swapped day off) or ``"working_day"``
    (a make-up working Saturday, or a package holiday that is worked this year).
    ``note`` cites the decision, e.g. "Thông báo 6150/TB-BLĐTBXH: Tết 2025".
    """

    day: date
    kind: OverrideKind
    note: str

    def __post_init__(self) -> None:
        if self.kind not in OVERRIDE_KINDS:
            raise ValueError(INVALID_OVERRIDE_KIND.format(kind=self.kind))


@dataclass(frozen=True)
class Counted:
    """The result of a count: the day reached and the non-working days passed over."""

    day: date
    skipped: tuple[Skipped, ...] = ()


class WorkingCalendar:
    """Working days in Vietnam: weekends and public holidays off, overrides applied.

    Holidays are computed lazily, one year at a time, by the ``holidays`` package.
    ``subdiv`` is passed to the package (Vietnam has no subdivisions today).
    """

    def __init__(
        self,
        overrides: Iterable[DayOverride] = (),
        *,
        subdiv: str | None = None,
        language: str = "en_US",
    ) -> None:
        self._overrides: dict[date, DayOverride] = {}
        for override in overrides:
            if override.day in self._overrides:
                raise ValueError(DUPLICATE_OVERRIDE.format(day=override.day.isoformat()))
            self._overrides[override.day] = override
        self._subdiv = subdiv
        self._language = language
        self._years: dict[int, holidays.HolidayBase] = {}
        self._cumulatives: dict[int, tuple[int, ...]] = {}

    @property
    def overrides(self) -> tuple[DayOverride, ...]:
        return tuple(sorted(self._overrides.values(), key=lambda o: o.day))

    # -- one day ---------------------------------------------------------------

    def _package(self, year: int) -> holidays.HolidayBase:
        if year not in self._years:
            self._years[year] = _package_year(self._subdiv, self._language, year)
        return self._years[year]

    def _package_workday(self, d: date) -> bool:
        """A weekend day the package makes a working day (make-up day for a swap).

        A swap may cross a year end (a Saturday in late December worked for a day
        off in January), so the neighbouring years are consulted too.
        """
        return any(d in self._package(y).weekend_workdays for y in (d.year - 1, d.year, d.year + 1))

    def non_working_reason(self, d: date) -> str | None:
        """Why ``d`` is not a working day ("Sunday", a holiday name, an override note),
        or ``None`` when it is a working day."""
        override = self._overrides.get(d)
        if override is not None:
            return override.note if override.kind == "day_off" else None
        name = self._package(d.year).get(d)
        if name:
            return name
        if d.weekday() in _WEEKEND and not self._package_workday(d):
            return _WEEKEND[d.weekday()]
        return None

    def is_working_day(self, d: date) -> bool:
        return self.non_working_reason(d) is None

    # -- counting --------------------------------------------------------------

    def count_next_working_day(self, d: date) -> Counted:
        """``d`` itself if it is a working day, else the first working day after it."""
        skipped: list[Skipped] = []
        while (reason := self.non_working_reason(d)) is not None:
            skipped.append((d, reason))
            d += _ONE_DAY
        return Counted(d, tuple(skipped))

    def next_working_day(self, d: date) -> date:
        return self.count_next_working_day(d).day

    def count_working_days(self, start: date, n: int) -> Counted:
        """The n-th working day after ``start`` (``start`` itself is not counted)."""
        if n < 0:
            raise ValueError(NEGATIVE_PERIOD.format(n=n))
        skipped: list[Skipped] = []
        d, counted = start, 0
        while counted < n:
            d += _ONE_DAY
            reason = self.non_working_reason(d)
            if reason is None:
                counted += 1
            else:
                skipped.append((d, reason))
        return Counted(d, tuple(skipped))

    def add_working_days(self, start: date, n: int) -> date:
        return self.count_working_days(start, n).day

    def count_calendar_days(self, start: date, n: int) -> Counted:
        """``start`` + n days; a last day that is not a working day moves to the next
        working day (Civil Code Art. 148). ``skipped`` lists the days moved over."""
        if n < 0:
            raise ValueError(NEGATIVE_PERIOD.format(n=n))
        return self.count_next_working_day(start + timedelta(days=n))

    def add_calendar_days(self, start: date, n: int) -> date:
        return self.count_calendar_days(start, n).day

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b``; negative when b < a.

        For "N working days left" displays: ``working_days_between(today, due)``
        is 0 on the due day and -1 one working day after it.
        """
        if b < a:
            return -self.working_days_between(b, a)
        if a.year == b.year:
            cumulative = self._cumulative(a.year)
            return cumulative[_yday(b)] - cumulative[_yday(a)]
        first = self._cumulative(a.year)
        total = first[-1] - first[_yday(a)]
        total += sum(self._cumulative(y)[-1] for y in range(a.year + 1, b.year))
        return total + self._cumulative(b.year)[_yday(b)]

    def _cumulative(self, year: int) -> tuple[int, ...]:
        """``c[i]``: the working days among the first ``i`` days of ``year`` (``c[0] == 0``),
        so counting between two dates is two look-ups, not a walk over the days (the queue
        page shows "N working days left" on every row). Shared between calendars with the
        same official decisions for that year."""
        found = self._cumulatives.get(year)
        if found is None:
            key = tuple(o for o in self._overrides.values() if o.day.year == year)
            found = self._cumulatives[year] = _cumulative_year(self._subdiv, self._language, year, key, self)
        return found

    def non_working_days_between(self, a: date, b: date) -> tuple[Skipped, ...]:
        """The non-working days after ``a`` up to and including ``b``, with reasons."""
        lo, hi = min(a, b), max(a, b)
        found = ((d, self.non_working_reason(d)) for d in _days_after(lo, hi))
        return tuple((d, reason) for d, reason in found if reason is not None)


@lru_cache(maxsize=64)
def _package_year(subdiv: str | None, language: str, year: int) -> holidays.HolidayBase:
    """The package's holidays for one year, built once per process (building them costs
    about a millisecond, and every request used to build its own). Only ever read."""
    return holidays.country_holidays("VN", subdiv=subdiv, years=year, language=language)


_CUMULATIVE: dict[tuple, tuple[int, ...]] = {}


def _cumulative_year(subdiv, language, year: int, overrides: tuple[DayOverride, ...],
                     calendar: WorkingCalendar) -> tuple[int, ...]:
    key = (subdiv, language, year, overrides)
    found = _CUMULATIVE.get(key)
    if found is None:
        counts, d, n = [0], date(year, 1, 1), 0
        while d.year == year:
            n += calendar.non_working_reason(d) is None
            counts.append(n)
            d += _ONE_DAY
        found = tuple(counts)
        if len(_CUMULATIVE) > 512:  # calendars change rarely: a bound, not an eviction policy
            _CUMULATIVE.clear()
        _CUMULATIVE[key] = found
    return found


def _yday(d: date) -> int:
    """1 for 1 January."""
    return d.toordinal() - date(d.year, 1, 1).toordinal() + 1


def _days_after(a: date, b: date) -> Iterable[date]:
    """The days after ``a`` up to and including ``b``."""
    d = a + _ONE_DAY
    while d <= b:
        yield d
        d += _ONE_DAY
