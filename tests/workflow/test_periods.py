from datetime import date

import pytest

from petitions.workflow.periods import custom, period_of, reporting_period


@pytest.mark.parametrize("kind, year, start, end", [
    ("q1", 2026, date(2025, 12, 15), date(2026, 3, 14)),
    ("q2", 2026, date(2026, 3, 15), date(2026, 6, 14)),
    ("q3", 2026, date(2026, 6, 15), date(2026, 9, 14)),
    ("q4", 2026, date(2026, 9, 15), date(2026, 12, 14)),
    ("h1", 2026, date(2025, 12, 15), date(2026, 6, 14)),
    ("m9", 2026, date(2025, 12, 15), date(2026, 9, 14)),
    ("year", 2026, date(2025, 12, 15), date(2026, 12, 14)),
])
def test_reporting_periods_follow_tt_01_2024(kind, year, start, end):
    p = reporting_period(kind, year)
    assert (p.start, p.end) == (start, end)


def test_period_of_a_day_near_the_boundaries():
    assert period_of(date(2026, 12, 15)).year == 2027  # the 2027 report starts on 15/12/2026
    assert period_of(date(2026, 12, 14)).year == 2026
    assert period_of(date(2026, 3, 14), "q1").kind == "q1"
    assert period_of(date(2026, 3, 15), "q1").kind == "q2"
    assert period_of(date(2025, 12, 20), "q1") == reporting_period("q1", 2026)


def test_bad_periods_are_refused():
    with pytest.raises(ValueError):
        reporting_period("q5", 2026)
    with pytest.raises(ValueError):
        custom(date(2026, 2, 1), date(2026, 1, 1))
