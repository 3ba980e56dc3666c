"""Every row of the transition table, allowed and refused (parametrized over the table)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from petitions.workflow.calendar import WorkingCalendar
from petitions.workflow.deadlines import DEFAULT_RULES, Step
from petitions.workflow.docs import FLOWS
from petitions.workflow.engine import (
    Actor,
    CaseSnapshot,
    EventNotAllowed,
    RoleNotAllowed,
    decide,
)
from petitions.workflow.states import INITIAL_STATUS, Event, Role, Status
from petitions.workflow.transitions import TRANSITIONS, FieldSpec, Transition, rows_for

CAL = WorkingCalendar()
TODAY = date(2026, 10, 15)
RECEIVED = date(2026, 7, 1)

#: a valid value for each field type (choices: the first one)
SAMPLE = {"text": "x", "date": date(2026, 10, 1), "agency": "Sở Tư pháp", "case": "C-1", "user": "thuly"}


def sample(spec: FieldSpec):
    if spec.type == "int":
        return spec.max
    return spec.choices[0][0] if spec.type == "choice" else SAMPLE[spec.type]


def happy_snapshot(row: Transition, kind, second_time: bool, status: Status) -> CaseSnapshot:
    """A case in ``status`` on which every guard of the table passes."""
    started = date(2026, 7, 2)
    return CaseSnapshot(
        kind=kind, status=status, received_on=RECEIVED, second_time=second_time,
        dialogue_held=True, withdrawal_received=True,
        decided_on=date(2026, 7, 10),  # more than 45 days before TODAY
        last_event_on=date(2026, 7, 10),
        status_before_suspension=Status.ACCEPTED if status == Status.SUSPENDED else None,
        suspended_since=date(2026, 7, 10) if status == Status.SUSPENDED else None,
        # all running, all past due (the first-time limit has expired)
        deadlines={step.value: (started, date(2026, 8, 1)) for step in Step},
    )


def fields_for(row: Transition) -> dict:
    return {spec.name: sample(spec) for spec in row.fields}


def actor_for(role: Role) -> Actor:
    return Actor(roles=frozenset({role}), same_agency=True, is_assigned_handler=True)


ALLOWED = [
    pytest.param(kind, second_time, row, status, role,
                 id=f"{kind}{'2' if second_time else ''}-{status}-{row.event}-{role}")
    for _, kind, second_time in FLOWS
    for row in rows_for(kind, second_time)
    for status in row.sources
    for role in sorted(row.roles)
]


@pytest.mark.parametrize(("kind", "second_time", "row", "status", "role"), ALLOWED)
def test_transitions_every_row_is_allowed(kind, second_time, row, status, role):
    snap = happy_snapshot(row, kind, second_time, status)
    decision = decide(snap, row.event, actor_for(role), TODAY, fields_for(row), TODAY, CAL)
    expected = Status.ACCEPTED if row.resumes else (row.target or status)
    assert decision.to_status == expected
    assert decision.from_status == status
    assert decision.transition == row


def flow_statuses(kind, second_time) -> list[Status]:
    """The statuses a case of this flow can be in."""
    rows = rows_for(kind, second_time)
    found = {INITIAL_STATUS} | {s for r in rows for s in r.sources} | {r.target for r in rows if r.target}
    return sorted(found)


REFUSED_STATUS = [
    pytest.param(kind, second_time, event, status,
                 id=f"{kind}{'2' if second_time else ''}-{status}-{event}")
    for _, kind, second_time in FLOWS
    for event in sorted({row.event for row in rows_for(kind, second_time)})
    for status in flow_statuses(kind, second_time)
    if all(status not in row.sources for row in rows_for(kind, second_time) if row.event == event)
]


@pytest.mark.parametrize(("kind", "second_time", "event", "status"), REFUSED_STATUS)
def test_transitions_event_refused_from_other_statuses(kind, second_time, event, status):
    row = next(r for r in rows_for(kind, second_time) if r.event == event)
    snap = happy_snapshot(row, kind, second_time, status)
    head = Actor(frozenset(Role), same_agency=True, is_assigned_handler=True)
    with pytest.raises(EventNotAllowed, match="not possible while the case is"):
        decide(snap, event, head, TODAY, fields_for(row), TODAY, CAL)


REFUSED_ROLE = [
    pytest.param(kind, second_time, row, role,
                 id=f"{kind}{'2' if second_time else ''}-{row.sources[0]}-{row.event}-{role}")
    for _, kind, second_time in FLOWS
    for row in rows_for(kind, second_time)
    for role in Role
    if role not in row.roles
]


@pytest.mark.parametrize(("kind", "second_time", "row", "role"), REFUSED_ROLE)
def test_transitions_role_not_listed_is_refused(kind, second_time, row, role):
    snap = happy_snapshot(row, kind, second_time, row.sources[0])
    with pytest.raises(RoleNotAllowed, match="role does not allow"):
        decide(snap, row.event, actor_for(role), TODAY, fields_for(row), TODAY, CAL)


def test_transitions_table_has_one_row_per_kind_status_event():
    seen = set()
    for _, kind, second_time in FLOWS:
        for row in rows_for(kind, second_time):
            for status in row.sources:
                key = (kind, second_time, status, row.event)
                assert key not in seen, key
                seen.add(key)


def test_transitions_every_status_is_reachable_in_its_flow():
    for _, kind, second_time in FLOWS:
        rows = rows_for(kind, second_time)
        reached, frontier = {INITIAL_STATUS}, [INITIAL_STATUS]
        while frontier:
            status = frontier.pop()
            for row in rows:
                if status in row.sources:
                    targets = [s for r in rows if r.target == Status.SUSPENDED for s in r.sources] \
                        if row.resumes else [row.target or status]
                    for target in targets:
                        if target not in reached:
                            reached.add(target)
                            frontier.append(target)
        used = {s for row in rows for s in row.sources} | {row.target for row in rows if row.target}
        assert used <= reached, (kind, second_time, used - reached)


def test_transitions_deadline_steps_exist_and_rows_are_documented():
    steps = {rule.step for rule in DEFAULT_RULES}
    for row in TRANSITIONS:
        named = [s.step for s in row.starts] + list(row.checks) + list(row.pauses) + list(row.recomputes)
        named += [] if row.stops == "all" else list(row.stops)
        assert set(named) <= steps, row
        assert row.label and row.roles
        for guard in row.guards:
            assert guard.message.endswith(".") and guard.message[0].isupper()
        for spec in row.fields:
            assert (spec.type == "choice") == bool(spec.choices), spec


def test_transitions_every_event_is_used():
    assert {row.event for row in TRANSITIONS} == set(Event)


def test_transitions_suspend_from_every_running_status_returns_there():
    for _, kind, second_time in FLOWS:
        rows = rows_for(kind, second_time)
        for row in [r for r in rows if r.event == Event.SUSPEND]:
            for status in row.sources:
                snap = replace(happy_snapshot(row, kind, second_time, status),
                               status_before_suspension=None, suspended_since=None, suspensions=())
                head = actor_for(Role.HEAD)
                paused = decide(snap, Event.SUSPEND, head, date(2026, 7, 20), {"reason": "x"},
                                TODAY, CAL)
                assert paused.to_status == Status.SUSPENDED
                assert paused.changes["status_before_suspension"] == status
                suspended = replace(snap, status=Status.SUSPENDED, **{
                    k: v for k, v in paused.changes.items() if k != "last_event_on"})
                resumed = decide(suspended, Event.RESUME, head, date(2026, 7, 25), {}, TODAY, CAL)
                assert resumed.to_status == status
                assert resumed.changes["suspensions"] == ((date(2026, 7, 20), date(2026, 7, 25)),)
