"""The law's second pass (issue 16), in the pure workflow. Dates are counted by hand in
the comments.

Landmarks: 19/12/2025 is a Friday; 1/1/2026 a Thursday; 1/7/2026 a Wednesday;
24/11/2026 a Tuesday; 25/9/2026 a Friday.
"""
from __future__ import annotations

from datetime import date

import pytest

from petitions.workflow import calendar_decisions
from petitions.workflow.calendar import WorkingCalendar
from petitions.workflow.deadlines import DEFAULT_RULES, DeadlineError, DueDate, Step, compute_due, select_rule
from petitions.workflow.engine import (
    Actor, CaseSnapshot, FieldError, GuardFailed, available_events, decide, initial_deadlines,
)
from petitions.workflow.states import Channel, Event, Kind, Role, Status

PACKAGE = WorkingCalendar()
SHIPPED = WorkingCalendar(calendar_decisions.overrides())
HEAD = Actor(frozenset({Role.HEAD}))
DESK = Actor(frozenset({Role.RECEPTION}))
TODAY = date(2026, 12, 5)


def apply(snap, d):
    deadlines = {k: v for k, v in snap.deadlines.items() if k not in d.stop_deadlines}
    for step, due in d.start_deadlines + d.recomputed_deadlines:
        deadlines[step] = (due.start, due.due)
    from dataclasses import replace
    return replace(snap, status=d.to_status, deadlines=deadlines, **d.changes)


def act(snap, event, on, actor=HEAD, cal=SHIPPED, **fields):
    d = decide(snap, event, actor, on, fields, TODAY, cal)
    return apply(snap, d), d


def received(kind=Kind.COMPLAINT, on=date(2026, 7, 1), **flags):
    deadlines = {s: (due.start, due.due) for s, due in initial_deadlines(kind, on, SHIPPED, channel=Channel.POST)}
    return CaseSnapshot(kind=kind, status=Status.RECEIVED, received_on=on, last_event_on=on,
                        deadlines=deadlines, **flags)


# -- 1. official calendar decisions as data ----------------------------------------


def test_calendar_decisions_new_year_2026_moves_acceptance_by_one_day():
    # Received Fri 19/12/2025: 10 working days (before 1/7/2026).
    # 22, 23, 24, 25, 26 (5); [27, 28]; 29, 30, 31 (8); 1/1 New Year's Day;
    # 2/1 off by the New Year 2026 decision; [3, 4]; Mon 5/1 (9), Tue 6/1 (10) -> 06/01/2026.
    # The package alone counts Fri 2/1 as the 9th day -> Mon 05/01/2026.
    assert compute_due(Step.COMPLAINT_ACCEPTANCE, date(2025, 12, 19), calendar=PACKAGE).due == date(2026, 1, 5)
    due = compute_due(Step.COMPLAINT_ACCEPTANCE, date(2025, 12, 19), calendar=SHIPPED)
    assert due.due == date(2026, 1, 6)
    reasons = dict(due.skipped)
    assert "12729/VPCP-KGVX" in reasons[date(2026, 1, 2)] and "New Year 2026" in reasons[date(2026, 1, 2)]
    assert any("12729/VPCP-KGVX" in line for line in due.explain())


def test_calendar_decisions_saturday_10_january_2026_is_worked():
    # From Thu 8/1/2026, 3 working days: Fri 9 (1), Sat 10 worked by the decision (2), Mon 12 (3).
    # Without the decision: 9 (1), [10, 11], 12 (2), 13 (3) -> 13/01.
    assert PACKAGE.add_working_days(date(2026, 1, 8), 3) == date(2026, 1, 13)
    assert SHIPPED.add_working_days(date(2026, 1, 8), 3) == date(2026, 1, 12)


def test_calendar_decisions_carry_version_and_source_and_repeat_nothing_the_package_has():
    assert calendar_decisions.DATA_VERSION
    for d in calendar_decisions.DECISIONS:
        assert d.source and d.read_in and d.name_vi
        package_off = PACKAGE.non_working_reason(d.day) is not None
        assert package_off != (d.kind == "day_off"), d  # each one changes what the package says
        assert 2025 <= d.day.year <= 2027


def test_calendar_unenacted_culture_day_followed_or_ignored():
    # 24/11/2026 (Tue) is in the package. From Mon 23/11/2026, 2 working days:
    # followed: [24 Culture Day], 25 (1), 26 (2) -> 26/11; ignored: 24 (1), 25 (2) -> 25/11.
    assert calendar_decisions.unenacted_for(date(2026, 11, 24)) is not None
    assert "Labour Code" in calendar_decisions.unenacted_for(date(2026, 11, 24)).basis
    followed = WorkingCalendar(calendar_decisions.overrides(follow_unenacted=True))
    ignored = WorkingCalendar(calendar_decisions.overrides(follow_unenacted=False))
    assert followed.add_working_days(date(2026, 11, 23), 2) == date(2026, 11, 26)
    assert ignored.add_working_days(date(2026, 11, 23), 2) == date(2026, 11, 25)


# -- 2-3. new time limits -------------------------------------------------------------


def test_complaint_suspension_resumption_termination_notices_within_3_working_days():
    snap, _ = act(received(), Event.ACCEPT, date(2026, 7, 3))
    # suspended Fri 10/7: notice by 13, 14, 15 -> Wed 15/7 (NĐ 155/2026, new Art. 28b)
    snap, d = act(snap, Event.SUSPEND, date(2026, 7, 10), reason="waiting for a court")
    assert snap.deadlines[Step.COMPLAINT_PROCEDURE_NOTICE] == (date(2026, 7, 10), date(2026, 7, 15))
    assert d.start_deadlines[0][1].rule.status == "2026"
    assert Event.NOTIFY in {r.event for r in available_events(snap, DESK)}
    snap, d = act(snap, Event.NOTIFY, date(2026, 7, 13), DESK)
    assert d.stop_deadlines == (Step.COMPLAINT_PROCEDURE_NOTICE,)
    assert Event.NOTIFY not in {r.event for r in available_events(snap, DESK)}  # nothing owed
    with pytest.raises(GuardFailed, match="No notice is owed"):
        act(snap, Event.NOTIFY, date(2026, 7, 14), DESK)
    # resumed Mon 20/7: notice by 21, 22, 23 -> Thu 23/7
    snap, _ = act(snap, Event.RESUME, date(2026, 7, 20))
    assert snap.deadlines[Step.COMPLAINT_PROCEDURE_NOTICE] == (date(2026, 7, 20), date(2026, 7, 23))


def test_complaint_notice_limit_does_not_run_for_letters_received_before_1_july_2026():
    snap, _ = act(received(on=date(2026, 6, 30)), Event.ACCEPT, date(2026, 7, 3))
    snap, d = act(snap, Event.SUSPEND, date(2026, 7, 10), reason="x")
    assert d.start_deadlines == () and Step.COMPLAINT_PROCEDURE_NOTICE not in snap.deadlines


def test_second_time_decision_sent_within_7_working_days_art_41():
    # decided Mon 3/8/2026: 4, 5, 6, 7 (4), [8, 9], 10, 11, 12 (7) -> Wed 12/8
    due = compute_due(Step.COMPLAINT2_DECISION_NOTICE, date(2026, 8, 3), calendar=SHIPPED)
    assert due.due == date(2026, 8, 12)
    assert due.rule.source.endswith("Art. 41") and due.rule.status == "unread"
    assert "could not be read" in due.rule.note


def test_denunciation_conclusion_sent_art_35_and_acted_on_art_36():
    # concluded Fri 25/9/2026: Art. 35, 5 working: 28, 29, 30/9, 1, 2/10 -> Fri 2/10;
    # Art. 36, 7 working: ..., 5, 6/10 -> Tue 6/10
    assert compute_due(Step.DENUNCIATION_CONCLUSION_NOTICE, date(2026, 9, 25), calendar=SHIPPED).due \
        == date(2026, 10, 2)
    assert compute_due(Step.DENUNCIATION_CONCLUSION_HANDLING, date(2026, 9, 25), calendar=SHIPPED).due \
        == date(2026, 10, 6)
    assert select_rule(Step.DENUNCIATION_CONCLUSION_NOTICE, date(2026, 9, 25)).source.endswith("Art. 35")
    assert select_rule(Step.DENUNCIATION_CONCLUSION_HANDLING, date(2026, 9, 25)).source.endswith("Art. 36")


# -- 4. petition forwarding scope ---------------------------------------------------


def test_petition_forwarding_scope_only_regulation_feedback_has_5_working_days():
    # received Wed 1/7/2026, forwarded Wed 8/7: 5 working days ended Wed 8/7
    # (2, 3, 6, 7, 8); forwarded Thu 9/7 is on time for letter handling (10 working
    # days: ..., 9, 10, 13, 14, 15 -> Wed 15/7) and late only for regulation feedback.
    snap = received(Kind.PETITION)
    assert snap.deadlines[Step.LETTER_HANDLING] == (date(2026, 7, 1), date(2026, 7, 15))
    _, ordinary = act(snap, Event.FORWARD, date(2026, 7, 9), DESK, agency=7)
    assert ordinary.checked_deadlines == () and Step.LETTER_HANDLING in ordinary.stop_deadlines
    _, regulation = act(snap, Event.FORWARD, date(2026, 7, 9), DESK, agency=7, regulation_feedback="yes")
    (step, due, on_time), = regulation.checked_deadlines
    assert (step, due.due, on_time) == (Step.PETITION_FORWARDING, date(2026, 7, 8), False)


# -- 5. complexity decided during verification -------------------------------------


def test_complexity_determined_during_verification_switches_the_limit_and_explains_it():
    # accepted Fri 3/7/2026: 30 days -> Sun 2/8 -> Mon 3/8; complex from the
    # determination of Tue 14/7: 45 days from 3/7 -> Mon 17/8
    snap, _ = act(received(), Event.ACCEPT, date(2026, 7, 3))
    assert snap.deadlines[Step.COMPLAINT_RESOLUTION][1] == date(2026, 8, 3)
    snap, _ = act(snap, Event.START_VERIFICATION, date(2026, 7, 6))
    with pytest.raises(FieldError):
        act(snap, Event.DETERMINE_COMPLEXITY, date(2026, 7, 14), ground="ground_9", document="12/QĐ")
    snap, d = act(snap, Event.DETERMINE_COMPLEXITY, date(2026, 7, 14), ground="ground_3", document="12/QĐ-UBND")
    assert snap.complex and snap.status == Status.UNDER_VERIFICATION
    step, due = d.recomputed_deadlines[0]
    assert step == Step.COMPLAINT_RESOLUTION and due.due == date(2026, 8, 17) and due.variant == "complex"
    text = " ".join(due.explain())
    assert "12/QĐ-UBND" in text and "2026-07-14" in text and "Ground 3" in text and "Art. 3a" in text
    with pytest.raises(GuardFailed, match="already recorded as complex"):
        act(snap, Event.DETERMINE_COMPLEXITY, date(2026, 7, 15), ground="ground_1", document="13")
    # the basis survives a later recomputation (a suspension and resumption) and the stored data
    assert DueDate.from_data(due.to_data()).explain() == due.explain()


# -- 6. lengths of extensions and of maxima -----------------------------------------


def test_extension_lengths_recorded_and_counted():
    # accepted Wed 1/7/2026: 30 days -> Fri 31/7; extended by 20 days (complex) -> Thu 20/8;
    # especially complex, +15 -> 65 days from 1/7 = Fri 4/9
    snap, _ = act(received(Kind.DENUNCIATION), Event.ACCEPT, date(2026, 7, 1))
    snap, _ = act(snap, Event.START_VERIFICATION, date(2026, 7, 2))
    with pytest.raises(FieldError, match="whole number from 1 to 30"):
        act(snap, Event.EXTEND, date(2026, 7, 20), complexity="complex", days=31, decision_no="1")
    snap, d = act(snap, Event.EXTEND, date(2026, 7, 20), complexity="complex", days="20", decision_no="1")
    assert snap.extension_lengths == (20,) and d.recomputed_deadlines[0][1].due == date(2026, 8, 20)
    snap, d = act(snap, Event.EXTEND, date(2026, 8, 10), complexity="very_complex", days=15, decision_no="2")
    due = d.recomputed_deadlines[0][1]
    assert due.due == date(2026, 9, 4) and "20 + 15 days" in due.explain()[0]
    # an extension without a length counts the maximum, 30 days (older records): 60 days from
    # 1/7 = Sun 30/8; 31/8 swapped day off, 1-2/9 National Day -> Thu 3/9
    assert compute_due(Step.DENUNCIATION_RESOLUTION, date(2026, 7, 1), calendar=SHIPPED, complex=True,
                       extensions=1).due == date(2026, 9, 3)
    with pytest.raises(DeadlineError, match="from 1 to 30"):
        compute_due(Step.DENUNCIATION_RESOLUTION, date(2026, 7, 1), calendar=SHIPPED, complex=True,
                    extensions=1, extension_lengths=[40])


def test_several_places_length_decided_within_10_working_days():
    # received Wed 1/7/2026; several places, 8 working days decided: 2, 3, 6, 7, 8, 9, 10, 13 -> Mon 13/7
    snap = received(Kind.DENUNCIATION)
    snap, d = act(snap, Event.EXTEND, date(2026, 7, 3), reason="two communes", days=8)
    due = d.recomputed_deadlines[0][1]
    assert due.due == date(2026, 7, 13) and due.chosen_days == 8
    assert any("Length decided: 8 working days" in line for line in due.explain())
    with pytest.raises(DeadlineError, match="from 8 to 10"):
        compute_due(Step.DENUNCIATION_PROCESSING, date(2026, 7, 1), calendar=SHIPPED, several_places=True,
                    chosen_days=12)
    assert "several_places" in select_rule(Step.DENUNCIATION_PROCESSING, date(2026, 7, 1)).chosen_variants


# -- 7. second-time filing period from the day of receipt ---------------------------


def test_second_time_filing_counts_from_the_day_the_decision_was_received():
    snap, _ = act(received(), Event.ACCEPT, date(2026, 7, 3))
    snap, _ = act(snap, Event.START_VERIFICATION, date(2026, 7, 6))
    snap, _ = act(snap, Event.DECIDE, date(2026, 7, 20), outcome="uphold", decision_no="5")
    # sent Tue 21/7, receipt unknown: 30 days from 21/7 = Thu 20/8, explained as counted from sending
    snap, d = act(snap, Event.NOTIFY, date(2026, 7, 21), DESK)
    due = dict(d.start_deadlines)[Step.COMPLAINT2_FILING]
    assert due.due == date(2026, 8, 20) and due.start_basis == "decision_sent"
    assert any("is not recorded" in line for line in due.explain())
    # received Mon 27/7, recorded later: 30 days from 27/7 = Wed 26/8; the same row restarts
    with pytest.raises(GuardFailed, match="before it was made"):
        act(snap, Event.RECORD_RECEIPT, date(2026, 7, 28), DESK, decision_received_on="2026-07-19")
    snap, d = act(snap, Event.RECORD_RECEIPT, date(2026, 7, 28), DESK, decision_received_on="2026-07-27")
    assert d.start_deadlines == ()
    step, due = d.recomputed_deadlines[0]
    assert step == Step.COMPLAINT2_FILING and (due.start, due.due) == (date(2026, 7, 27), date(2026, 8, 26))
    assert any("the day the complainant received the first-time decision" in line and "Art. 33" in line
               for line in due.explain())


# -- 9. acceptance: the Law's "10 ngày" and the decree's working days ---------------


def test_acceptance_cites_the_law_and_the_decree_and_says_which_it_follows():
    for rule in (r for r in DEFAULT_RULES if r.step == Step.COMPLAINT_ACCEPTANCE):
        assert "Art. 27 and 36" in rule.source and "NĐ 124/2020/NĐ-CP, Art. 16" in rule.source
        assert "“10 ngày”" in rule.note and "follows the decree and counts working days" in rule.note
        assert rule.unit == "working"
    # Wed 1/7/2026, 7 working days: 2, 3, 6, 7, 8, 9, 10 -> Fri 10/7 (10 calendar days would be Sat 11/7)
    due = compute_due(Step.COMPLAINT_ACCEPTANCE, date(2026, 7, 1), calendar=SHIPPED)
    assert due.due == date(2026, 7, 10)
    assert any("“10 ngày”" in line for line in due.explain())
