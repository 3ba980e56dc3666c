"""The cumulative working-day index agrees with counting day by day, across year ends,
holidays and official decisions, and a calendar with other decisions never reuses it."""
from __future__ import annotations

import random
from datetime import date, timedelta

from petitions.workflow.calendar import DayOverride, WorkingCalendar


def walk(cal: WorkingCalendar, a: date, b: date) -> int:
    """The definition: working days after a up to and including b, negative if b < a."""
    lo, hi = min(a, b), max(a, b)
    n, d = 0, lo + timedelta(days=1)
    while d <= hi:
        n += cal.is_working_day(d)
        d += timedelta(days=1)
    return n if b >= a else -n


def test_index_matches_the_day_by_day_count_over_ten_years():
    cal = WorkingCalendar([DayOverride(date(2026, 12, 31), "day_off", "Quyết định nghỉ bù"),
                           DayOverride(date(2027, 1, 2), "working_day", "Làm bù thứ Bảy")])
    rng = random.Random(7)
    for _ in range(1500):
        a = date(2018, 1, 1) + timedelta(days=rng.randrange(3650))
        b = a + timedelta(days=rng.randrange(-900, 900))
        assert cal.working_days_between(a, b) == walk(cal, a, b), (a, b)
    # by hand: Wed 30/12/2026 -> Mon 4/1/2027: 31/12 off (decision), 1/1 New Year, 2/1 worked, 3/1 Sunday, 4/1
    assert cal.working_days_between(date(2026, 12, 30), date(2027, 1, 4)) == 2


def test_calendars_with_different_decisions_do_not_share_an_index():
    plain = WorkingCalendar()
    tet_extra = WorkingCalendar([DayOverride(date(2026, 7, 8), "day_off", "Nghỉ thêm")])
    assert plain.working_days_between(date(2026, 7, 6), date(2026, 7, 10)) == 4
    assert tet_extra.working_days_between(date(2026, 7, 6), date(2026, 7, 10)) == 3
    assert plain.working_days_between(date(2026, 7, 6), date(2026, 7, 10)) == 4
