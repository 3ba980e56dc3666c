"""Working days and holidays. Expected dates are worked out by hand in the comments."""
from __future__ import annotations

from datetime import date

import pytest

from petitions.workflow.calendar import DayOverride, WorkingCalendar


@pytest.fixture()
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def test_calendar_weekend_and_holidays_are_not_working_days(cal):
    assert cal.is_working_day(date(2026, 7, 1))  # Wednesday
    assert cal.non_working_reason(date(2026, 7, 4)) == "Saturday"
    assert cal.non_working_reason(date(2026, 7, 5)) == "Sunday"
    assert cal.non_working_reason(date(2026, 9, 2)) == "National Day"
    # 24/11 Vietnam Culture Day from 2026, not before
    assert cal.non_working_reason(date(2026, 11, 24)) == "Vietnam Cultural Day"
    assert cal.is_working_day(date(2025, 11, 24))  # Monday


def test_calendar_package_swap_2026_makes_a_saturday_a_working_day(cal):
    # the package carries the 2026 swap: Monday 31/8 off, Saturday 22/8 worked
    assert cal.is_working_day(date(2026, 8, 22))
    assert not cal.is_working_day(date(2026, 8, 31))


def test_calendar_add_working_days_does_not_count_the_start_day(cal):
    # Mon 2026-07-06 + 1 working day = Tue 07-07
    assert cal.add_working_days(date(2026, 7, 6), 1) == date(2026, 7, 7)
    # Fri 2026-07-03 + 1 -> Sat, Sun skipped -> Mon 07-06
    counted = cal.count_working_days(date(2026, 7, 3), 1)
    assert counted.day == date(2026, 7, 6)
    assert counted.skipped == ((date(2026, 7, 4), "Saturday"), (date(2026, 7, 5), "Sunday"))
    assert cal.add_working_days(date(2026, 7, 3), 0) == date(2026, 7, 3)


def test_calendar_add_working_days_across_tet_2027(cal):
    # Wed 2027-02-03; 04..10/2 Tết (7 days, incl. the weekend 6-7/2);
    # Thu 11 (1), Fri 12 (2), Sat 13 and Sun 14 off, Mon 15 (3)
    counted = cal.count_working_days(date(2027, 2, 3), 3)
    assert counted.day == date(2027, 2, 15)
    assert [d for d, _ in counted.skipped] == [date(2027, 2, d) for d in (4, 5, 6, 7, 8, 9, 10, 13, 14)]
    assert counted.skipped[2] == (date(2027, 2, 6), "Lunar New Year")


def test_calendar_add_calendar_days_moves_a_sunday_end(cal):
    # Fri 2026-07-03 + 30 days = Sun 2026-08-02 -> Mon 08-03
    counted = cal.count_calendar_days(date(2026, 7, 3), 30)
    assert counted.day == date(2026, 8, 3)
    assert counted.skipped == ((date(2026, 8, 2), "Sunday"),)


def test_calendar_add_calendar_days_moves_a_holiday_end(cal):
    # Thu 2026-08-03 + 30 = Wed 09-02 National Day; Thu 09-03 is a working day
    # (1/9 and 2/9 are the two days off in 2026)
    assert cal.add_calendar_days(date(2026, 8, 3), 30) == date(2026, 9, 3)
    # Tue 2027-01-05 + 30 = Thu 02-04, Tết until Wed 02-10 -> Thu 02-11
    counted = cal.count_calendar_days(date(2027, 1, 5), 30)
    assert counted.day == date(2027, 2, 11)
    assert len(counted.skipped) == 7


def test_calendar_next_working_day(cal):
    assert cal.next_working_day(date(2026, 7, 1)) == date(2026, 7, 1)
    # Sat 2026-04-25, Sun 26 Hùng Kings, Mon 27 observed -> Tue 28
    assert cal.next_working_day(date(2026, 4, 25)) == date(2026, 4, 28)


def test_calendar_working_days_between(cal):
    # after Wed 2026-07-01 up to Fri 07-10: 2,3,6,7,8,9,10 = 7 working days
    assert cal.working_days_between(date(2026, 7, 1), date(2026, 7, 10)) == 7
    assert cal.working_days_between(date(2026, 7, 10), date(2026, 7, 1)) == -7
    assert cal.working_days_between(date(2026, 7, 1), date(2026, 7, 1)) == 0
    assert cal.non_working_days_between(date(2026, 7, 1), date(2026, 7, 10)) == (
        (date(2026, 7, 4), "Saturday"),
        (date(2026, 7, 5), "Sunday"),
    )


def test_calendar_override_adds_a_day_off():
    cal = WorkingCalendar([DayOverride(date(2026, 7, 7), "day_off", "QĐ test: extra day off")])
    assert cal.non_working_reason(date(2026, 7, 7)) == "QĐ test: extra day off"
    # Mon 2026-07-06 + 2 working days: Tue 7 off -> Wed 8 (1), Thu 9 (2)
    assert cal.add_working_days(date(2026, 7, 6), 2) == date(2026, 7, 9)


def test_calendar_override_makes_a_saturday_a_working_day():
    cal = WorkingCalendar([DayOverride(date(2026, 7, 4), "working_day", "make-up Saturday")])
    assert cal.is_working_day(date(2026, 7, 4))
    # Fri 2026-07-03 + 1 working day = Sat 07-04 (worked)
    assert cal.add_working_days(date(2026, 7, 3), 1) == date(2026, 7, 4)
    # and a calendar period ending on it is not moved: Thu 2026-06-04 + 30 = Sat 07-04
    assert cal.add_calendar_days(date(2026, 6, 4), 30) == date(2026, 7, 4)


def test_calendar_override_can_cancel_a_package_holiday():
    cal = WorkingCalendar([DayOverride(date(2026, 11, 24), "working_day", "worked this year")])
    assert cal.is_working_day(date(2026, 11, 24))


def test_calendar_override_rejects_bad_kind_and_duplicates():
    with pytest.raises(ValueError):
        DayOverride(date(2026, 7, 4), "holiday", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        WorkingCalendar([DayOverride(date(2026, 7, 4), "day_off", "a"), DayOverride(date(2026, 7, 4), "day_off", "b")])


def test_calendar_negative_period_raises(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 7, 1), -1)
