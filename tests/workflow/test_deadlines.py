"""Due dates of every step. Expected dates are counted by hand in the comments.

2026 landmarks: 1/7 is a Wednesday; 1/8 a Saturday; 1/10 a Thursday. Days off in
the package: 26/4 (Sunday) Hùng Kings and 27/4 observed, 30/4, 1/5, 31/8 (swapped
for Saturday 22/8), 1/9, 2/9, 24/11. Tết 2027: 4/2 to 10/2.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from petitions.workflow.calendar import DayOverride, WorkingCalendar
from petitions.workflow.deadlines import (
    DEFAULT_RULES,
    DeadlineError,
    Step,
    compute_due,
    merge_rules,
    select_rule,
)

CAL = WorkingCalendar()


def due(step: str, start: date, **kw) -> date:
    return compute_due(step, start, calendar=kw.pop("calendar", CAL), **kw).due


def test_deadlines_default_table_covers_every_step_with_a_source():
    assert {r.step for r in DEFAULT_RULES} == set(Step)
    for rule in DEFAULT_RULES:
        assert rule.source and rule.label and rule.status in ("law", "2026", "unread", "open")
    assert select_rule(Step.PETITION_ANSWER, date(2026, 7, 1)).status == "open"
    assert select_rule(Step.VOTER_PETITION_ANSWER, date(2026, 7, 1)).status == "open"


@pytest.mark.parametrize(
    ("step", "start", "expected"),
    [
        # Wed 1/7 + 10 working: 2,3,6,7,8,9,10,13,14,15 -> Wed 15/7
        (Step.LETTER_HANDLING, date(2026, 7, 1), date(2026, 7, 15)),
        # Mon 24/8 + 10 working: 25,26,27,28 (4); 29-30 weekend, 31/8 swapped day off,
        # 1-2/9 National Day; 3,4,7,8,9,10 (10) -> Thu 10/9
        (Step.RECEPTION_REPLY, date(2026, 8, 24), date(2026, 9, 10)),
        # Fri 3/7 + 3 working: 6,7,8 -> Wed 8/7
        (Step.COMPLAINT_DECISION_NOTICE, date(2026, 7, 3), date(2026, 7, 8)),
        # Fri 3/7 + 30 days = Sun 2/8 -> Mon 3/8
        (Step.COMPLAINT2_FILING, date(2026, 7, 3), date(2026, 8, 3)),
        # Wed 1/7 + 7 working: 2,3,6,7,8,9,10 -> Fri 10/7
        (Step.DENUNCIATION_PROCESSING, date(2026, 7, 1), date(2026, 7, 10)),
        # Wed 22/4 + 5 working: 23, 24 (2); 25 Sat, 26 Hùng Kings, 27 observed; 28, 29 (4);
        # 30/4, 1/5, 2-3 weekend; Mon 4/5 (5)
        (Step.DENUNCIATION_FORWARDING, date(2026, 4, 22), date(2026, 5, 4)),
        # Fri 3/7 + 5 working: 6,7,8,9,10 -> Fri 10/7
        (Step.DENUNCIATION_ACCEPTANCE_NOTICE, date(2026, 7, 3), date(2026, 7, 10)),
        # Wed 1/7 + 30 days = Fri 31/7
        (Step.DENUNCIATION_RESOLUTION, date(2026, 7, 1), date(2026, 7, 31)),
        # Mon 23/11 + 5 working: 24/11 Culture Day; 25,26,27,30/11, 1/12 -> Tue 1/12
        (Step.DENUNCIATION_SUSPENSION_NOTICE, date(2026, 11, 23), date(2026, 12, 1)),
        # Wed 1/7 + 5 working: 2,3,6,7,8 -> Wed 8/7
        (Step.PETITION_FORWARDING, date(2026, 7, 1), date(2026, 7, 8)),
        # Wed 1/7 + 15 working: 15/7 is the 10th; 16,17,20,21,22 -> Wed 22/7
        (Step.PETITION_ANSWER, date(2026, 7, 1), date(2026, 7, 22)),
        # Mon 6/7 + 60 days: 25 to 31/7, 31 to 31/8, 4 -> Fri 4/9
        (Step.VOTER_PETITION_ANSWER, date(2026, 7, 6), date(2026, 9, 4)),
        # Wed 1/7 + 30 days = Fri 31/7
        (Step.COMPLAINT_RESOLUTION, date(2026, 7, 1), date(2026, 7, 31)),
        # Thu 1/10 + 45 days = Sun 15/11 -> Mon 16/11
        (Step.COMPLAINT2_RESOLUTION, date(2026, 10, 1), date(2026, 11, 16)),
    ],
)
def test_deadlines_every_step(step, start, expected):
    assert due(step, start) == expected


def test_deadlines_start_day_not_counted():
    # decision notice, 3 working days from Mon 6/7: Mon itself is not counted;
    # Tue 7 (1), Wed 8 (2), Thu 9 (3) -> Thu 9/7
    result = compute_due(Step.COMPLAINT_DECISION_NOTICE, date(2026, 7, 6), calendar=CAL)
    assert result.due == date(2026, 7, 9)
    assert result.skipped == ()


def test_deadlines_end_on_sunday_moves_to_monday():
    # Thu 1/10 + 30 days = Sat 31/10; Sun 1/11 -> Mon 2/11
    result = compute_due(Step.COMPLAINT_RESOLUTION, date(2026, 10, 1), calendar=CAL)
    assert result.due == date(2026, 11, 2)
    assert result.moved_from == date(2026, 10, 31)
    assert result.skipped == ((date(2026, 10, 31), "Saturday"), (date(2026, 11, 1), "Sunday"))
    # Fri 3/7 + 30 = Sun 2/8 -> Mon 3/8
    assert due(Step.COMPLAINT_RESOLUTION, date(2026, 7, 3)) == date(2026, 8, 3)


def test_deadlines_end_on_public_holiday_moves_to_next_working_day():
    # Mon 3/8 + 30 days = Wed 2/9 National Day -> Thu 3/9
    result = compute_due(Step.COMPLAINT_RESOLUTION, date(2026, 8, 3), calendar=CAL)
    assert result.due == date(2026, 9, 3)
    assert result.skipped == ((date(2026, 9, 2), "National Day"),)
    assert any("Art. 148" in line for line in result.explain())


def test_deadlines_across_tet_2027():
    # Tue 5/1/2027 + 30 days = Thu 4/2, Tết until Wed 10/2 -> Thu 11/2
    assert due(Step.COMPLAINT_RESOLUTION, date(2027, 1, 5)) == date(2027, 2, 11)
    # Mon 1/2/2027 + 10 working: 2, 3 (2); Tết 4-10; 11, 12 (4); 13-14 weekend;
    # 15, 16, 17, 18, 19 (9); 22 (10) -> Mon 22/2
    result = compute_due(Step.LETTER_HANDLING, date(2027, 2, 1), calendar=CAL)
    assert result.due == date(2027, 2, 22)
    assert [d.day for d, _ in result.skipped] == [4, 5, 6, 7, 8, 9, 10, 13, 14, 20, 21]


def test_deadlines_complaint_acceptance_10_then_7_working_days():
    # received Tue 30/6/2026: old rule, 10 working: 1,2,3,6,7,8,9,10,13,14 -> Tue 14/7
    old = compute_due(Step.COMPLAINT_ACCEPTANCE, date(2026, 6, 30), calendar=CAL)
    assert (old.due, old.limit_days, old.rule.status) == (date(2026, 7, 14), 10, "law")
    # received Wed 1/7/2026: new rule, 7 working: 2,3,6,7,8,9,10 -> Fri 10/7
    new = compute_due(Step.COMPLAINT_ACCEPTANCE, date(2026, 7, 1), calendar=CAL)
    assert (new.due, new.limit_days, new.rule.status) == (date(2026, 7, 10), 7, "2026")


def test_deadlines_rule_chosen_by_received_date_not_start():
    # received 30/6 but the step starts Thu 2/7: still 10 working days:
    # 3,6,7,8,9,10,13,14,15,16 -> Thu 16/7
    result = compute_due(Step.COMPLAINT_ACCEPTANCE, date(2026, 7, 2),
                         received_on=date(2026, 6, 30), calendar=CAL)
    assert (result.due, result.limit_days) == (date(2026, 7, 16), 10)


@pytest.mark.parametrize(
    ("flags", "limit", "expected"),
    [
        # all from Thu 1/10/2026
        ({}, 30, date(2026, 11, 2)),  # Sat 31/10 -> Mon 2/11
        ({"complex": True}, 45, date(2026, 11, 16)),  # Sun 15/11 -> Mon 16/11
        ({"remote": True}, 45, date(2026, 11, 16)),
        ({"remote": True, "complex": True}, 60, date(2026, 11, 30)),  # Mon 30/11
        ({"very_complex": True}, 45, date(2026, 11, 16)),  # especially complex is complex
    ],
)
def test_deadlines_complaint_first_time_variants(flags, limit, expected):
    result = compute_due(Step.COMPLAINT_RESOLUTION, date(2026, 10, 1), calendar=CAL, **flags)
    assert (result.limit_days, result.due) == (limit, expected)


@pytest.mark.parametrize(
    ("flags", "limit", "expected"),
    [
        # all from Thu 1/10/2026
        ({}, 45, date(2026, 11, 16)),  # Sun 15/11 -> Mon 16/11
        ({"complex": True}, 60, date(2026, 11, 30)),  # Mon 30/11
        ({"remote": True}, 60, date(2026, 11, 30)),
        ({"remote": True, "complex": True}, 70, date(2026, 12, 10)),  # Thu 10/12
    ],
)
def test_deadlines_complaint_second_time_variants(flags, limit, expected):
    result = compute_due(Step.COMPLAINT2_RESOLUTION, date(2026, 10, 1), calendar=CAL, **flags)
    assert (result.limit_days, result.due) == (limit, expected)


def test_deadlines_second_time_filing_remote():
    # Fri 3/7 + 45 days: 28 to 31/7, 17 -> Mon 17/8
    assert due(Step.COMPLAINT2_FILING, date(2026, 7, 3), remote=True) == date(2026, 8, 17)


def test_deadlines_denunciation_processing_several_places():
    # Wed 1/7 + 10 working -> Wed 15/7
    assert due(Step.DENUNCIATION_PROCESSING, date(2026, 7, 1), several_places=True) == date(2026, 7, 15)


def test_deadlines_denunciation_extensions():
    start = date(2026, 7, 1)  # Wed
    # complex, one extension: 60 days = Sun 30/8 -> Mon 31/8 swapped day off,
    # 1-2/9 National Day -> Thu 3/9
    one = compute_due(Step.DENUNCIATION_RESOLUTION, start, calendar=CAL, complex=True, extensions=1)
    assert (one.limit_days, one.due) == (60, date(2026, 9, 3))
    # especially complex, two extensions: 90 days: 30 to 31/7, 31 to 31/8, 29 -> Tue 29/9
    two = compute_due(Step.DENUNCIATION_RESOLUTION, start, calendar=CAL, very_complex=True, extensions=2)
    assert (two.limit_days, two.due) == (90, date(2026, 9, 29))
    assert "2 extension(s)" in two.explain()[0]


@pytest.mark.parametrize(
    ("flags", "extensions"),
    [({}, 1), ({"complex": True}, 2), ({"very_complex": True}, 3), ({}, -1)],
)
def test_deadlines_denunciation_too_many_extensions_refused(flags, extensions):
    with pytest.raises(DeadlineError):
        compute_due(Step.DENUNCIATION_RESOLUTION, date(2026, 7, 1), calendar=CAL,
                    extensions=extensions, **flags)


def test_deadlines_extension_of_a_step_without_extensions_refused():
    with pytest.raises(DeadlineError, match="allows 0 extension"):
        compute_due(Step.COMPLAINT_RESOLUTION, date(2026, 7, 1), calendar=CAL, complex=True, extensions=1)


def test_deadlines_suspension_in_the_middle_is_not_counted():
    # Wed 1/7 + 30 days, suspended 10/7 to 19/7 (10 days, both included):
    # counted 2/7..9/7 (8 days), resumes 20/7: 22 more days -> Mon 10/8
    result = compute_due(Step.COMPLAINT_RESOLUTION, date(2026, 7, 1), calendar=CAL,
                         suspensions=[(date(2026, 7, 10), date(2026, 7, 19))])
    assert (result.due, result.suspended_days) == (date(2026, 8, 10), 10)
    assert any("suspended" in line for line in result.explain())


def test_deadlines_suspension_in_working_days():
    # Wed 1/7 + 7 working, suspended Mon 6/7 to Tue 7/7:
    # counted 2, 3 (2); 4-5 weekend; 6-7 suspended; 8,9,10,13,14 (7) -> Tue 14/7
    result = compute_due(Step.DENUNCIATION_PROCESSING, date(2026, 7, 1), calendar=CAL,
                         suspensions=[(date(2026, 7, 6), date(2026, 7, 7))])
    assert (result.due, result.suspended_days) == (date(2026, 7, 14), 2)


def test_deadlines_bad_suspensions_refused():
    with pytest.raises(DeadlineError):
        compute_due(Step.COMPLAINT_RESOLUTION, date(2026, 7, 1), calendar=CAL,
                    suspensions=[(date(2026, 7, 10), date(2026, 7, 9))])
    with pytest.raises(DeadlineError):
        compute_due(Step.COMPLAINT_RESOLUTION, date(2026, 7, 1), calendar=CAL,
                    suspensions=[(date(2026, 6, 20), date(2026, 7, 9))])


def test_deadlines_override_adds_a_day_off():
    cal = WorkingCalendar([DayOverride(date(2026, 7, 7), "day_off", "Provincial decision: day off")])
    # Wed 1/7 + 7 working: 2, 3, 6 (3); 7 off; 8, 9, 10, 13 (7) -> Mon 13/7
    result = compute_due(Step.COMPLAINT_ACCEPTANCE, date(2026, 7, 1), calendar=cal)
    assert result.due == date(2026, 7, 13)
    assert (date(2026, 7, 7), "Provincial decision: day off") in result.skipped
    # Fri 3/7 + 30 days = Sun 2/8; Mon 3/8 made a day off -> Tue 4/8
    cal2 = WorkingCalendar([DayOverride(date(2026, 8, 3), "day_off", "extra day off")])
    assert due(Step.COMPLAINT_RESOLUTION, date(2026, 7, 3), calendar=cal2) == date(2026, 8, 4)


def test_deadlines_override_makes_a_saturday_a_working_day():
    cal = WorkingCalendar([DayOverride(date(2026, 7, 4), "working_day", "make-up Saturday")])
    # Wed 1/7 + 7 working: 2, 3, Sat 4 (3); 5 Sunday; 6, 7, 8, 9 (7) -> Thu 9/7
    assert due(Step.COMPLAINT_ACCEPTANCE, date(2026, 7, 1), calendar=cal) == date(2026, 7, 9)


def test_deadlines_provincial_setting_can_be_edited():
    rule = select_rule(Step.PETITION_ANSWER, date(2026, 7, 1))
    edited = replace(rule, limit=20)
    # Wed 1/7 + 20 working: 22/7 is the 15th; 23, 24, 27, 28, 29 -> Wed 29/7
    assert due(Step.PETITION_ANSWER, date(2026, 7, 1), rules=merge_rules([edited])) == date(2026, 7, 29)
    # a mapping of step -> rule(s) is accepted too
    assert due(Step.PETITION_ANSWER, date(2026, 7, 1), rules={Step.PETITION_ANSWER: edited}) == date(2026, 7, 29)
    assert due(Step.PETITION_ANSWER, date(2026, 7, 1), rules={"x": [edited]}) == date(2026, 7, 29)
    # merging keeps both complaint-acceptance periods
    assert len([r for r in merge_rules([edited]) if r.step == Step.COMPLAINT_ACCEPTANCE]) == 2


def test_deadlines_unknown_step_raises():
    with pytest.raises(DeadlineError, match="no time limit"):
        compute_due("complaint-magic", date(2026, 7, 1), calendar=CAL)
    with pytest.raises(ValueError):
        compute_due(Step.LETTER_HANDLING, date(1999, 7, 1), calendar=CAL)


def test_deadlines_explain_cites_the_source():
    lines = compute_due(Step.COMPLAINT_ACCEPTANCE, date(2026, 7, 1), calendar=CAL).explain()
    assert lines[0].startswith("Accept or refuse a complaint")
    assert "NĐ 155/2026" in lines[1] and "official gazette" in lines[2]
    assert "2026-07-01" in lines[4]
    assert lines[-1] == "Due: end of 2026-07-10."
    open_rule = compute_due(Step.PETITION_ANSWER, date(2026, 7, 1), calendar=CAL).explain()
    assert "provincial setting, not set by law" in open_rule[2]
