"""The engine on whole cases: deadlines started, stopped, paused, extended; every refusal.

Expected dates are counted by hand in the comments (2026: 1/7 is a Wednesday,
1/8 a Saturday; 31/8, 1/9 and 2/9 are days off).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from petitions.workflow import deadlines, engine
from petitions.workflow.calendar import WorkingCalendar
from petitions.workflow.deadlines import Step
from petitions.workflow.engine import (
    ActDateError,
    Actor,
    CaseSnapshot,
    Decision,
    EventNotAllowed,
    FieldError,
    GuardFailed,
    RoleNotAllowed,
    TransitionError,
    UnknownEvent,
    available_events,
    decide,
    initial_deadlines,
)
from petitions.workflow.states import Channel, Event, Kind, Role, Status
from petitions.workflow.transitions import TRANSITIONS

CAL = WorkingCalendar()
TODAY = date(2026, 12, 31)
HEAD = Actor(frozenset({Role.HEAD}))
DESK = Actor(frozenset({Role.RECEPTION}))
HANDLER = Actor(frozenset({Role.HANDLER}), is_assigned_handler=True)


def apply(snap: CaseSnapshot, d: Decision) -> CaseSnapshot:
    """What the service does with a decision (paused deadlines stay stored)."""
    deadlines = {k: v for k, v in snap.deadlines.items() if k not in d.stop_deadlines}
    for step, due in d.start_deadlines + d.recomputed_deadlines:
        deadlines[step] = (due.start, due.due)
    return replace(snap, status=d.to_status, deadlines=deadlines, **d.changes)


def act(snap, event, on, actor=HEAD, **fields) -> tuple[CaseSnapshot, Decision]:
    d = decide(snap, event, actor, on, fields, TODAY, CAL)
    return apply(snap, d), d


def received(kind=Kind.COMPLAINT, on=date(2026, 7, 1), **flags) -> CaseSnapshot:
    deadlines = {s: (due.start, due.due) for s, due in initial_deadlines(kind, on, CAL, channel=Channel.DESK)}
    return CaseSnapshot(kind=kind, status=Status.RECEIVED, received_on=on, last_event_on=on,
                        deadlines=deadlines, **flags)


def test_engine_initial_deadlines():
    snap = received()
    # Wed 1/7 + 10 working -> Wed 15/7; complaint acceptance from 1/7/2026: 7 working -> Fri 10/7
    assert snap.deadlines == {
        Step.LETTER_HANDLING: (date(2026, 7, 1), date(2026, 7, 15)),
        Step.RECEPTION_REPLY: (date(2026, 7, 1), date(2026, 7, 15)),
        Step.COMPLAINT_ACCEPTANCE: (date(2026, 7, 1), date(2026, 7, 10)),
    }
    # received Tue 30/6 by post: 10 working days for acceptance -> Tue 14/7
    steps = dict(initial_deadlines(Kind.COMPLAINT, date(2026, 6, 30), CAL, channel=Channel.POST))
    assert set(steps) == {Step.LETTER_HANDLING, Step.COMPLAINT_ACCEPTANCE}
    assert steps[Step.COMPLAINT_ACCEPTANCE].due == date(2026, 7, 14)
    assert dict(initial_deadlines(Kind.DENUNCIATION, date(2026, 7, 1), CAL))[
        Step.DENUNCIATION_PROCESSING].due == date(2026, 7, 10)
    assert initial_deadlines(Kind.VOTER_PETITION, date(2026, 7, 1), CAL) == ()


def test_engine_complaint_first_time_whole_route():
    snap = received()
    # accepted Fri 3/7 as complex: 45 days: 28 to 31/7, 17 -> Mon 17/8
    snap, d = act(snap, Event.ACCEPT, date(2026, 7, 3), complexity="complex")
    assert d.to_status == Status.ACCEPTED and snap.complex
    assert set(d.stop_deadlines) == {Step.LETTER_HANDLING, Step.RECEPTION_REPLY, Step.COMPLAINT_ACCEPTANCE}
    assert snap.deadlines == {Step.COMPLAINT_RESOLUTION: (date(2026, 7, 3), date(2026, 8, 17))}
    snap, d = act(snap, Event.START_VERIFICATION, date(2026, 7, 6), HANDLER)
    assert not d.public
    # decided Mon 10/8: notice in 3 working days: 11, 12, 13 -> Thu 13/8
    snap, d = act(snap, Event.DECIDE, date(2026, 8, 10), outcome="amend", decision_no="12/QĐ")
    assert d.stop_deadlines == (Step.COMPLAINT_RESOLUTION,)
    assert snap.deadlines == {Step.COMPLAINT_DECISION_NOTICE: (date(2026, 8, 10), date(2026, 8, 13))}
    assert snap.decided_on == date(2026, 8, 10)
    # sent Wed 12/8: second-time filing 30 days -> Fri 11/9
    snap, d = act(snap, Event.NOTIFY, date(2026, 8, 12), DESK)
    assert snap.deadlines == {Step.COMPLAINT2_FILING: (date(2026, 8, 12), date(2026, 9, 11))}
    # legal effect: 30 days after 10/8 is 9/9; possible from 10/9
    with pytest.raises(GuardFailed, match="legal effect"):
        act(snap, Event.TAKE_EFFECT, date(2026, 9, 9), HANDLER)
    snap, d = act(snap, Event.TAKE_EFFECT, date(2026, 9, 10), HANDLER)
    assert snap.deadlines == {}
    snap, _ = act(snap, Event.ENFORCE, date(2026, 9, 20), HANDLER)
    snap, _ = act(snap, Event.CLOSE, date(2026, 9, 21), HANDLER)
    assert snap.status == Status.CLOSED
    assert available_events(snap, HEAD) == []


def test_engine_complaint_remote_variants():
    # remote: 45 days from Fri 3/7 -> Mon 17/8
    snap, _ = act(received(remote=True), Event.ACCEPT, date(2026, 7, 3))
    assert snap.deadlines[Step.COMPLAINT_RESOLUTION][1] == date(2026, 8, 17)
    # remote and complex: 60 days from Fri 3/7 = Tue 1/9 (day off), 2/9 too -> Thu 3/9
    snap, d = act(received(remote=True), Event.ACCEPT, date(2026, 7, 3), complexity="complex")
    assert snap.deadlines[Step.COMPLAINT_RESOLUTION][1] == date(2026, 9, 3)
    assert dict(d.start_deadlines)[Step.COMPLAINT_RESOLUTION].limit_days == 60
    # second time, remote and complex: 70 days from Fri 3/7: 28 to 31/7, 31 to 31/8, 11 -> Fri 11/9
    snap, _ = act(received(remote=True, second_time=True), Event.ACCEPT, date(2026, 7, 3), complexity="complex")
    assert snap.deadlines == {Step.COMPLAINT2_RESOLUTION: (date(2026, 7, 3), date(2026, 9, 11))}
    # remote first-time decision sent Wed 12/8: filing 45 days = Sat 26/9 -> Mon 28/9
    snap = replace(received(remote=True), status=Status.DECIDED, decided_on=date(2026, 8, 10), deadlines={})
    snap, _ = act(snap, Event.NOTIFY, date(2026, 8, 12))
    assert snap.deadlines[Step.COMPLAINT2_FILING][1] == date(2026, 9, 28)
    # remote legal effect: 45 days after 10/8 is 24/9
    with pytest.raises(GuardFailed):
        act(snap, Event.TAKE_EFFECT, date(2026, 9, 24))
    assert act(snap, Event.TAKE_EFFECT, date(2026, 9, 25))[0].status == Status.IN_EFFECT


def test_engine_second_time_decision_requires_dialogue():
    snap, _ = act(received(second_time=True), Event.ACCEPT, date(2026, 7, 3))
    snap, _ = act(snap, Event.START_VERIFICATION, date(2026, 7, 6))
    with pytest.raises(GuardFailed, match="before the dialogue has been held") as info:
        act(snap, Event.DECIDE, date(2026, 8, 3), outcome="correct", decision_no="1")
    assert info.value.guard == "dialogue_held"
    # the notice must go at least 5 days ahead: sent Mon 20/7, dialogue Thu 23/7 is too soon
    with pytest.raises(GuardFailed, match="at least 5 days"):
        act(snap, Event.HOLD_DIALOGUE, date(2026, 7, 23), notice_sent_on=date(2026, 7, 20), minutes="m")
    snap, _ = act(snap, Event.HOLD_DIALOGUE, date(2026, 7, 27), notice_sent_on="2026-07-20", minutes="m")
    assert snap.dialogue_held and snap.status == Status.IN_DIALOGUE
    # second-time outcomes are correct / partly correct / wrong, not uphold
    with pytest.raises(FieldError, match="must be one of: correct, partly_correct, wrong"):
        act(snap, Event.DECIDE, date(2026, 8, 3), outcome="uphold", decision_no="1")
    snap, d = act(snap, Event.DECIDE, date(2026, 8, 3), outcome="partly_correct", decision_no="1")
    assert d.stop_deadlines == (Step.COMPLAINT2_RESOLUTION,)
    # the second-time decision is sent within 7 working days (Art. 41): Mon 3/8 -> 4,5,6,7,10,11,12
    assert dict(snap.deadlines) == {Step.COMPLAINT2_DECISION_NOTICE: (date(2026, 8, 3), date(2026, 8, 12))}
    # no second-time escalation from a second-time case
    snap, _ = act(snap, Event.NOTIFY, date(2026, 8, 4))
    with pytest.raises(EventNotAllowed):
        act(snap, Event.ESCALATE, date(2026, 8, 5), agency="UBND tỉnh")


def test_engine_escalate_only_after_first_time_limit_or_decision():
    snap, _ = act(received(), Event.ACCEPT, date(2026, 7, 1))  # due Fri 31/7
    with pytest.raises(GuardFailed, match="first-time time limit has expired"):
        act(snap, Event.ESCALATE, date(2026, 7, 31), DESK, agency="UBND tỉnh")
    snap, d = act(snap, Event.ESCALATE, date(2026, 8, 1), DESK, agency="UBND tỉnh")
    assert snap.status == Status.ESCALATED and d.effects == {"open_second_time": "UBND tỉnh"}
    assert d.stop_deadlines == (Step.COMPLAINT_RESOLUTION,)


def test_engine_mass_complaint_needs_representatives():
    with pytest.raises(GuardFailed, match="appointment of representatives"):
        act(received(mass=True), Event.ACCEPT, date(2026, 7, 3))
    with pytest.raises(GuardFailed, match="every signature"):  # representatives, but signatures missing
        act(received(mass=True), Event.ACCEPT, date(2026, 7, 3), representatives="Ông A, Bà B")
    snap, d = act(received(mass=True), Event.ACCEPT, date(2026, 7, 3), representatives="Ông A, Bà B",
                  all_signed="yes")
    assert d.fields["representatives"] == "Ông A, Bà B"


def test_engine_complaint_refusal_reason_is_one_of_art_11():
    snap, d = act(received(), Event.REFUSE, date(2026, 7, 3), reason="filing_period_passed")
    assert snap.status == Status.REFUSED and snap.deadlines == {}
    with pytest.raises(FieldError):
        act(received(), Event.REFUSE, date(2026, 7, 3), reason="bored")
    # a refused complainant may go to court
    assert act(snap, Event.TAKE_TO_COURT, date(2026, 7, 20), DESK, court="TAND tỉnh")[0].status == Status.IN_COURT


def test_engine_complaint_suspension_in_the_middle():
    snap, _ = act(received(), Event.ACCEPT, date(2026, 7, 1))  # 30 days -> Fri 31/7
    snap, _ = act(snap, Event.START_VERIFICATION, date(2026, 7, 2))
    snap, d = act(snap, Event.SUSPEND, date(2026, 7, 10), reason="waiting for a court ruling")
    assert snap.status == Status.SUSPENDED and d.paused_deadlines == (Step.COMPLAINT_RESOLUTION,)
    assert snap.status_before_suspension == Status.UNDER_VERIFICATION
    # only a suspended case resumes; a suspended case cannot be suspended again
    with pytest.raises(EventNotAllowed):
        act(snap, Event.SUSPEND, date(2026, 7, 11), reason="x")
    # resumed Sun 19/7: 10 days 10/7..19/7 not counted: 2/7..9/7 (8 days), then 22 from 20/7 -> Mon 10/8
    snap, d = act(snap, Event.RESUME, date(2026, 7, 19))
    assert d.to_status == Status.UNDER_VERIFICATION
    (step, due), = d.recomputed_deadlines
    assert (step, due.due, due.suspended_days) == (Step.COMPLAINT_RESOLUTION, date(2026, 8, 10), 10)
    assert snap.suspensions == ((date(2026, 7, 10), date(2026, 7, 19)),)
    assert snap.status_before_suspension is None and snap.suspended_since is None
    with pytest.raises(EventNotAllowed):
        act(snap, Event.RESUME, date(2026, 7, 20))


def test_engine_withdrawal_and_termination():
    snap, _ = act(received(), Event.ACCEPT, date(2026, 7, 1))
    with pytest.raises(GuardFailed, match="withdrawal has been recorded"):
        act(snap, Event.TERMINATE, date(2026, 7, 5), reason="withdrawn")
    # other reasons need no recorded withdrawal
    assert act(snap, Event.TERMINATE, date(2026, 7, 5), reason="complainant_died")[0].status == Status.TERMINATED
    snap, d = act(snap, Event.WITHDRAW, date(2026, 7, 4), DESK, withdrawn_on="2026-07-03")
    assert snap.status == Status.ACCEPTED and snap.withdrawal_received
    snap, d = act(snap, Event.TERMINATE, date(2026, 7, 5), reason="withdrawn")
    # every limit stops; the termination must be sent within 3 working days (NĐ 155/2026):
    # Sun 5/7 -> 6, 7, 8 -> Wed 8/7
    assert snap.status == Status.TERMINATED
    assert dict(snap.deadlines) == {Step.COMPLAINT_PROCEDURE_NOTICE: (date(2026, 7, 5), date(2026, 7, 8))}


def test_engine_denunciation_whole_route_with_extensions():
    snap = received(Kind.DENUNCIATION)
    with pytest.raises(GuardFailed, match="anonymous"):
        act(replace(snap, anonymous=True), Event.ACCEPT, date(2026, 7, 1))
    # accepted Wed 1/7: resolve in 30 days -> Fri 31/7; notify in 5 working: 2,3,6,7,8 -> Wed 8/7
    snap, d = act(snap, Event.ACCEPT, date(2026, 7, 1))
    assert snap.deadlines == {
        Step.DENUNCIATION_RESOLUTION: (date(2026, 7, 1), date(2026, 7, 31)),
        Step.DENUNCIATION_ACCEPTANCE_NOTICE: (date(2026, 7, 1), date(2026, 7, 8)),
    }
    snap, d = act(snap, Event.NOTIFY, date(2026, 7, 6), DESK)
    assert d.to_status == Status.ACCEPTED and d.stop_deadlines == (Step.DENUNCIATION_ACCEPTANCE_NOTICE,)
    snap, _ = act(snap, Event.START_VERIFICATION, date(2026, 7, 7), HANDLER)
    # first extension, complex: 60 days = Sun 30/8 -> 31/8, 1/9, 2/9 off -> Thu 3/9
    snap, d = act(snap, Event.EXTEND, date(2026, 7, 25), complexity="complex", days=30, decision_no="5/QĐ")
    assert snap.extensions_used == 1 and snap.deadlines[Step.DENUNCIATION_RESOLUTION][1] == date(2026, 9, 3)
    # a complex case allows one extension only
    with pytest.raises(GuardFailed, match="cannot be extended again"):
        act(snap, Event.EXTEND, date(2026, 8, 25), complexity="complex", days=30, decision_no="6/QĐ")
    # especially complex: a second one: 90 days: 30 to 31/7, 31 to 31/8, 29 -> Tue 29/9
    snap, d = act(snap, Event.EXTEND, date(2026, 8, 25), complexity="very_complex", days=30, decision_no="6/QĐ")
    assert snap.very_complex and snap.deadlines[Step.DENUNCIATION_RESOLUTION][1] == date(2026, 9, 29)
    assert "2 extension(s)" in d.recomputed_deadlines[0][1].explain()[0]
    # a third is refused
    with pytest.raises(GuardFailed, match="cannot be extended again"):
        act(snap, Event.EXTEND, date(2026, 9, 20), complexity="very_complex", days=30, decision_no="7/QĐ")
    snap, d = act(snap, Event.CONCLUDE, date(2026, 9, 25), outcome="partly_correct", decision_no="9/KL")
    # concluded Fri 25/9: sent within 5 working days (Art. 35): 28, 29, 30/9, 1, 2/10 -> Fri 2/10;
    # acted on within 7 (Art. 36): ..., 5, 6/10 -> Tue 6/10
    assert snap.deadlines == {Step.DENUNCIATION_CONCLUSION_NOTICE: (date(2026, 9, 25), date(2026, 10, 2)),
                              Step.DENUNCIATION_CONCLUSION_HANDLING: (date(2026, 9, 25), date(2026, 10, 6))}
    snap, _ = act(snap, Event.HANDLE_CONCLUSION, date(2026, 9, 28))
    snap, d = act(snap, Event.NOTIFY, date(2026, 9, 28), DESK)
    assert d.stop_deadlines == (Step.DENUNCIATION_CONCLUSION_NOTICE,) and snap.deadlines == {}
    snap, _ = act(snap, Event.PUBLISH, date(2026, 9, 29), DESK)
    snap, _ = act(snap, Event.CLOSE, date(2026, 9, 30), HANDLER)
    assert snap.status == Status.CLOSED


def test_engine_denunciation_suspension_notice_and_resumption():
    snap, _ = act(received(Kind.DENUNCIATION), Event.ACCEPT, date(2026, 7, 1))
    # suspended Fri 10/7: notice within 5 working days: 13, 14, 15, 16, 17 -> Fri 17/7
    snap, d = act(snap, Event.SUSPEND, date(2026, 7, 10), reason="waiting for an expert opinion")
    assert d.paused_deadlines == (Step.DENUNCIATION_RESOLUTION,)
    assert snap.deadlines[Step.DENUNCIATION_SUSPENSION_NOTICE] == (date(2026, 7, 10), date(2026, 7, 17))
    snap, d = act(snap, Event.NOTIFY, date(2026, 7, 13))
    assert d.to_status == Status.SUSPENDED
    # resumed Sun 19/7: 30 days from 1/7 plus 10 days suspended -> Mon 10/8
    snap, d = act(snap, Event.RESUME, date(2026, 7, 19))
    assert snap.status == Status.ACCEPTED
    assert snap.deadlines[Step.DENUNCIATION_RESOLUTION] == (date(2026, 7, 1), date(2026, 8, 10))
    # terminated: the notice runs again, 5 working days from Mon 20/7 -> Mon 27/7
    snap, d = act(snap, Event.TERMINATE, date(2026, 7, 20), reason="accused_died")
    assert snap.deadlines == {Step.DENUNCIATION_SUSPENSION_NOTICE: (date(2026, 7, 20), date(2026, 7, 27))}


def test_engine_denunciation_initial_processing_extension():
    snap = received(Kind.DENUNCIATION)
    # checking at several places: 10 working days from Wed 1/7 -> Wed 15/7
    snap, d = act(snap, Event.EXTEND, date(2026, 7, 3), reason="three communes to visit")
    assert snap.status == Status.RECEIVED and snap.several_places
    assert snap.deadlines[Step.DENUNCIATION_PROCESSING] == (date(2026, 7, 1), date(2026, 7, 15))
    with pytest.raises(GuardFailed, match="already been extended"):
        act(snap, Event.EXTEND, date(2026, 7, 6), reason="again")


def test_engine_forwarding_is_checked_against_receipt():
    # received Wed 22/4/2026: forward within 5 working days -> Mon 4/5
    snap = received(Kind.DENUNCIATION, on=date(2026, 4, 22))
    _, d = act(snap, Event.FORWARD, date(2026, 5, 4), DESK, agency="Công an tỉnh")
    (step, due, on_time), = d.checked_deadlines
    assert (step, due.due, on_time) == (Step.DENUNCIATION_FORWARDING, date(2026, 5, 4), True)
    assert d.effects == {"forward_to": "Công an tỉnh"}
    _, d = act(snap, Event.FORWARD, date(2026, 5, 5), DESK, agency="Công an tỉnh")
    assert d.checked_deadlines[0][2] is False
    # petitions: NĐ 20/2008 Art. 9(1)(d)'s 5 working days only for feedback on an
    # administrative regulation (see test_engine_petition_forwarding_scope)
    _, d = act(received(Kind.PETITION, on=date(2026, 4, 22)), Event.FORWARD, date(2026, 5, 4), DESK, agency=7,
               regulation_feedback="yes")
    assert d.checked_deadlines[0][0] == Step.PETITION_FORWARDING and d.effects == {"forward_to": 7}


def test_engine_anonymous_denunciation_referred_and_letters_attached():
    snap = received(Kind.DENUNCIATION, anonymous=True)
    snap2, d = act(snap, Event.REFER, date(2026, 7, 2), DESK, agency="Thanh tra tỉnh")
    assert snap2.status == Status.REFERRED and not d.public
    snap2, d = act(received(Kind.PETITION), Event.ATTACH, date(2026, 7, 2), DESK, case="PA-2026-0012")
    assert snap2.status == Status.ATTACHED and d.effects == {"attach_to": "PA-2026-0012"}
    assert snap2.deadlines == {}


def test_engine_petition_route():
    snap, d = act(received(Kind.PETITION), Event.ACCEPT, date(2026, 7, 1), DESK)
    # provincial default: 15 working days from Wed 1/7 -> Wed 22/7
    assert snap.deadlines == {Step.PETITION_ANSWER: (date(2026, 7, 1), date(2026, 7, 22))}
    assert dict(d.start_deadlines)[Step.PETITION_ANSWER].rule.status == "open"
    snap, _ = act(snap, Event.ANSWER, date(2026, 7, 20), HANDLER, answer="Đã trả lời")
    snap, _ = act(snap, Event.CLOSE, date(2026, 7, 21), HANDLER)
    assert snap.status == Status.CLOSED and snap.deadlines == {}


def test_engine_voter_petition_route():
    snap = received(Kind.VOTER_PETITION, on=date(2026, 7, 1))
    snap = replace(snap, deadlines={})
    snap, _ = act(snap, Event.CONSOLIDATE, date(2026, 7, 3), session="Kỳ họp thứ 5")
    # assigned Mon 6/7: answer in 60 days: 25 to 31/7, 31 to 31/8, 4 -> Fri 4/9
    snap, d = act(snap, Event.ASSIGN, date(2026, 7, 6), agency="Sở Y tế")
    assert snap.deadlines == {Step.VOTER_PETITION_ANSWER: (date(2026, 7, 6), date(2026, 9, 4))}
    assert d.effects == {"assign_to": "Sở Y tế"}
    snap, _ = act(snap, Event.ANSWER, date(2026, 8, 20), HANDLER, answer="…")
    snap, _ = act(snap, Event.REPORT, date(2026, 8, 25), HANDLER)
    # the provincial inspectorate monitors any agency's answers
    inspector = Actor(frozenset({Role.INSPECTOR}), same_agency=False)
    snap, _ = act(snap, Event.MONITOR, date(2026, 9, 1), inspector, finding="incomplete")
    snap, _ = act(snap, Event.CARRY_OVER, date(2026, 9, 2), session="Kỳ họp thứ 6")
    snap, _ = act(snap, Event.ASSIGN, date(2026, 9, 3), agency="Sở Y tế")
    assert snap.status == Status.ASSIGNED


def test_engine_available_events_follow_roles_and_assignment():
    snap = received()
    names = lambda actor: {t.event for t in available_events(snap, actor)}  # noqa: E731
    assert names(DESK) == {Event.GUIDE, Event.ARCHIVE, Event.ATTACH, Event.SPLIT}
    assert names(HEAD) == {Event.ACCEPT, Event.REFUSE, Event.GUIDE, Event.ARCHIVE, Event.ATTACH, Event.SPLIT}
    assert names(Actor(frozenset({Role.HEAD}), same_agency=False)) == set()
    accepted = replace(snap, status=Status.ACCEPTED)
    unassigned = Actor(frozenset({Role.HANDLER}), is_assigned_handler=False)
    # a handler acts on the cases assigned to them only
    assert available_events(accepted, unassigned) == []
    assert Event.START_VERIFICATION in {t.event for t in available_events(accepted, HANDLER)}


def test_engine_actor_refusals():
    snap, _ = act(received(), Event.ACCEPT, date(2026, 7, 1))
    with pytest.raises(RoleNotAllowed, match="Only the handler assigned"):
        act(snap, Event.START_VERIFICATION, date(2026, 7, 2), Actor(frozenset({Role.HANDLER})))
    with pytest.raises(RoleNotAllowed, match="your own agency"):
        act(snap, Event.START_VERIFICATION, date(2026, 7, 2), Actor(frozenset({Role.HEAD}), same_agency=False))
    with pytest.raises(RoleNotAllowed, match="it is for: head"):
        act(snap, Event.SUSPEND, date(2026, 7, 2), HANDLER, reason="x")


def test_engine_unknown_or_misplaced_event():
    snap = received()
    with pytest.raises(UnknownEvent, match="no action called 'fly'"):
        act(snap, "fly", date(2026, 7, 2))
    with pytest.raises(EventNotAllowed, match="does not apply to a complaint"):
        act(snap, Event.CONSOLIDATE, date(2026, 7, 2), session="x")
    with pytest.raises(EventNotAllowed, match="while the case is received"):
        act(snap, Event.DECIDE, date(2026, 7, 2), outcome="uphold", decision_no="1")


def test_engine_act_date_checks():
    snap = replace(received(), last_event_on=date(2026, 7, 3))
    with pytest.raises(ActDateError, match="in the future"):
        decide(snap, Event.ACCEPT, HEAD, date(2026, 7, 5), {}, date(2026, 7, 4), CAL)
    with pytest.raises(ActDateError, match="before the previous event"):
        act(snap, Event.ACCEPT, date(2026, 7, 2))
    with pytest.raises(ActDateError, match="before the letter was received"):
        act(replace(snap, last_event_on=None), Event.ACCEPT, date(2026, 6, 30))
    # the same day as the previous event is fine
    assert act(snap, Event.ACCEPT, date(2026, 7, 3))[0].status == Status.ACCEPTED


def test_engine_field_checks():
    snap = received()
    with pytest.raises(FieldError, match="'Reason' is required") as info:
        act(snap, Event.REFUSE, date(2026, 7, 2))
    assert info.value.field == "reason"
    with pytest.raises(FieldError, match="'Competent body' is required"):
        act(snap, Event.GUIDE, date(2026, 7, 2), agency="   ")
    with pytest.raises(FieldError, match="not used by this action"):
        act(snap, Event.GUIDE, date(2026, 7, 2), agency="x", colour="red")
    accepted, _ = act(snap, Event.ACCEPT, date(2026, 7, 1))
    with pytest.raises(FieldError, match="must be a date"):
        act(accepted, Event.WITHDRAW, date(2026, 7, 2), withdrawn_on="3 July")
    with pytest.raises(FieldError, match="cannot be a date in the future"):
        decide(accepted, Event.WITHDRAW, HEAD, date(2026, 7, 2), {"withdrawn_on": "2026-07-09"},
               date(2026, 7, 3), CAL)
    with pytest.raises(FieldError, match="must be text"):
        act(accepted, Event.ASSIGN, date(2026, 7, 2), handler=["thuly"])
    _, d = act(snap, Event.GUIDE, date(2026, 7, 2), agency="  UBND xã Nghi Lộc ")
    assert d.fields == {"agency": "UBND xã Nghi Lộc"}


def test_engine_errors_are_value_errors_with_sentences():
    assert issubclass(TransitionError, ValueError)
    errors = [deadlines.UNKNOWN_STEP, deadlines.NO_RULE_IN_FORCE, deadlines.TOO_MANY_EXTENSIONS,
              deadlines.BAD_SUSPENSION, deadlines.SUSPENSION_BEFORE_START, deadlines.INVALID_RULE]
    assert set(errors) <= set(deadlines.MESSAGES)
    for message in (*engine.MESSAGES, *errors):
        assert message[0].isupper(), message
        assert message.endswith(".") or message == engine.DEADLINE_FAILED, message
    for row in TRANSITIONS:
        for guard in row.guards:
            assert guard.message[0].isupper() and guard.message.endswith("."), guard
