"""The pure workflow engine: given a case snapshot, an event and an actor, decide or refuse.

The service layer builds a :class:`CaseSnapshot` from the stored case, calls
:func:`decide`, and applies the :class:`Decision` (status, flag changes, deadline
rows, an event row, the effects such as forwarding). Nothing here touches a
database: every refusal is a :class:`TransitionError` with a plain sentence.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType
from typing import Any

from .calendar import WorkingCalendar
from .deadlines import DEFAULT_RULES, DeadlineError, DueDate, RuleSource, Step, compute_due, rule_in_force
from .states import Channel, Event, Kind, Role, Status
from .transitions import (
    ACT_DATE,
    ALL,
    CURRENT_STATUS,
    INCREMENT,
    FieldSpec,
    GuardContext,
    Transition,
    rows_for,
)

__all__ = [
    "Actor",
    "CaseSnapshot",
    "Decision",
    "TransitionError",
    "UnknownEvent",
    "EventNotAllowed",
    "RoleNotAllowed",
    "GuardFailed",
    "FieldError",
    "ActDateError",
    "available_events",
    "decide",
    "find_transition",
    "initial_deadlines",
]

# -- messages (plain sentences, extracted for translation) -----------------------

UNKNOWN_EVENT = "There is no action called {event!r}."
NOT_FOR_KIND = "The action {event!r} does not apply to a {kind}."
NOT_FROM_STATUS = "The action {event!r} is not possible while the case is {status}."
ROLE_NOT_ALLOWED = "Your role does not allow the action {event!r}; it is for: {roles}."
OTHER_AGENCY = "You can act only on cases of your own agency."
NOT_ASSIGNED = "Only the handler assigned to this case can do this."
FIELD_MISSING = "The field {label!r} is required."
FIELD_INVALID_DATE = "The field {label!r} must be a date (YYYY-MM-DD)."
FIELD_INVALID_CHOICE = "The field {label!r} must be one of: {choices}."
FIELD_INVALID_TEXT = "The field {label!r} must be text."
FIELD_INVALID_INT = "The field {label!r} must be a whole number from {low} to {high}."
FIELD_DATE_IN_FUTURE = "The field {label!r} cannot be a date in the future."
UNKNOWN_FIELD = "The field {name!r} is not used by this action."
ACT_IN_FUTURE = "The date of the act ({act}) cannot be in the future."
ACT_BEFORE_PREVIOUS = "The date of the act ({act}) cannot be before the previous event ({previous})."
ACT_BEFORE_RECEIPT = "The date of the act ({act}) cannot be before the letter was received ({received})."
DEADLINE_FAILED = "The time limit cannot be computed: {reason}"

#: every message above, for translation extraction
MESSAGES: tuple[str, ...] = (
    UNKNOWN_EVENT, NOT_FOR_KIND, NOT_FROM_STATUS, ROLE_NOT_ALLOWED, OTHER_AGENCY, NOT_ASSIGNED,
    FIELD_MISSING, FIELD_INVALID_DATE, FIELD_INVALID_CHOICE, FIELD_INVALID_TEXT, FIELD_INVALID_INT,
    FIELD_DATE_IN_FUTURE, UNKNOWN_FIELD, ACT_IN_FUTURE, ACT_BEFORE_PREVIOUS, ACT_BEFORE_RECEIPT,
    DEADLINE_FAILED,
)


class TransitionError(ValueError):
    """An event was refused. ``str(error)`` is a plain English sentence."""


class UnknownEvent(TransitionError):
    pass


class EventNotAllowed(TransitionError):
    """The event does not apply to this kind, or not from this status."""


class RoleNotAllowed(TransitionError):
    pass


class GuardFailed(TransitionError):
    def __init__(self, message: str, guard: str) -> None:
        super().__init__(message)
        self.guard = guard


class FieldError(TransitionError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class ActDateError(TransitionError):
    pass


# -- inputs and output -----------------------------------------------------------

RunningDeadlines = Mapping[str, tuple[date, date]]


@dataclass(frozen=True)
class CaseSnapshot:
    """What the engine needs to know about a case, read from storage.

    ``deadlines`` are the running ones, ``{step: (start, due)}`` (they stay listed
    while the case is suspended). ``suspensions`` are past (from, to) suspensions.
    """

    kind: Kind
    status: Status
    received_on: date
    second_time: bool = False
    complex: bool = False
    very_complex: bool = False
    remote: bool = False
    several_places: bool = False
    mass: bool = False
    anonymous: bool = False
    extensions_used: int = 0
    #: the length decided for each extension so far (older extensions may lack one: the maximum)
    extension_lengths: tuple[int | None, ...] = ()
    #: the initial processing's length decided when checking at several places (None: the maximum)
    several_places_days: int | None = None
    #: a complexity determined in writing during the case: (("day", iso), ("document", no), ("ground", msgid))
    complexity_basis: tuple[tuple[str, str], ...] = ()
    #: the day the complainant received the first-time decision, when known (Art. 33)
    decision_received_on: date | None = None
    status_before_suspension: Status | None = None
    suspended_since: date | None = None
    suspensions: tuple[tuple[date, date], ...] = ()
    dialogue_held: bool = False
    withdrawal_received: bool = False
    decided_on: date | None = None
    last_event_on: date | None = None
    deadlines: RunningDeadlines = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Actor:
    roles: frozenset[Role]
    same_agency: bool = True
    is_assigned_handler: bool = False


@dataclass(frozen=True)
class Decision:
    """What the service applies. ``changes`` are new values for snapshot fields."""

    event: Event
    from_status: Status
    to_status: Status
    act_date: date
    transition: Transition
    start_deadlines: tuple[tuple[str, DueDate], ...] = ()
    stop_deadlines: tuple[str, ...] = ()
    #: deadlines checked at this act, counted from receipt: (step, due, on time?)
    checked_deadlines: tuple[tuple[str, DueDate, bool], ...] = ()
    #: running deadlines frozen by a suspension (their due dates are no longer valid)
    paused_deadlines: tuple[str, ...] = ()
    #: running deadlines with a new due date (after a resumption or an extension)
    recomputed_deadlines: tuple[tuple[str, DueDate], ...] = ()
    changes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    effects: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    fields: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    public: bool = True


# -- the engine ------------------------------------------------------------------


def _coerce_event(event: Event | str) -> Event:
    try:
        return Event(event)
    except ValueError:
        raise UnknownEvent(UNKNOWN_EVENT.format(event=str(event))) from None


def find_transition(snapshot: CaseSnapshot, event: Event | str) -> Transition:
    """The row for this event from the case's status, or raise."""
    event = _coerce_event(event)
    rows = [t for t in rows_for(snapshot.kind, snapshot.second_time) if t.event == event]
    if not rows:
        raise EventNotAllowed(NOT_FOR_KIND.format(event=event.value, kind=_words(snapshot.kind)))
    for row in rows:
        if snapshot.status in row.sources:
            return row
    raise EventNotAllowed(NOT_FROM_STATUS.format(event=event.value, status=_words(snapshot.status)))


def _check_actor(row: Transition, actor: Actor) -> None:
    if not actor.same_agency and not row.any_agency:
        raise RoleNotAllowed(OTHER_AGENCY)
    matching = actor.roles & row.roles
    if not matching:
        roles = ", ".join(sorted(r.value for r in row.roles))
        raise RoleNotAllowed(ROLE_NOT_ALLOWED.format(event=row.event.value, roles=roles))
    if matching == {Role.HANDLER} and not actor.is_assigned_handler:
        raise RoleNotAllowed(NOT_ASSIGNED)


def _actor_may(row: Transition, actor: Actor) -> bool:
    try:
        _check_actor(row, actor)
    except RoleNotAllowed:
        return False
    return True


def available_events(snapshot: CaseSnapshot, actor: Actor) -> list[Transition]:
    """The rows this actor may start from the case's status: the buttons to show.

    Guards are not evaluated (they depend on the fields entered); they are
    checked by :func:`decide`.
    """
    return [
        row
        for row in rows_for(snapshot.kind, snapshot.second_time)
        if snapshot.status in row.sources and _actor_may(row, actor)
        and (row.offer_if is None or row.offer_if(GuardContext(snapshot, {}, snapshot.last_event_on
                                                               or snapshot.received_on)))
    ]


def _clean_field(spec: FieldSpec, value: Any, today: date) -> Any:
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if spec.required:
            raise FieldError(FIELD_MISSING.format(label=spec.label), spec.name)
        return None
    if spec.type == "date":
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise FieldError(FIELD_INVALID_DATE.format(label=spec.label), spec.name) from None
        if not isinstance(value, date):
            raise FieldError(FIELD_INVALID_DATE.format(label=spec.label), spec.name)
        if value > today:
            raise FieldError(FIELD_DATE_IN_FUTURE.format(label=spec.label), spec.name)
        return value
    if spec.type == "choice":
        allowed = [v for v, _ in spec.choices]
        if value not in allowed:
            raise FieldError(
                FIELD_INVALID_CHOICE.format(label=spec.label, choices=", ".join(allowed)), spec.name
            )
        return value
    if spec.type == "int":
        low, high = spec.min if spec.min is not None else 0, spec.max if spec.max is not None else 10**6
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 7:
            number = int(value)
        if number is None or not low <= number <= high:
            raise FieldError(FIELD_INVALID_INT.format(label=spec.label, low=low, high=high), spec.name)
        return number
    if spec.type in ("agency", "case", "user") and isinstance(value, int) and not isinstance(value, bool):
        return value  # an id; the service checks that it exists
    if not isinstance(value, str):
        raise FieldError(FIELD_INVALID_TEXT.format(label=spec.label), spec.name)
    return value


def _clean_fields(row: Transition, fields: Mapping[str, Any], today: date) -> dict[str, Any]:
    known = {spec.name for spec in row.fields}
    for name in fields:
        if name not in known:
            raise FieldError(UNKNOWN_FIELD.format(name=name), name)
    cleaned = {spec.name: _clean_field(spec, fields.get(spec.name), today) for spec in row.fields}
    return {name: value for name, value in cleaned.items() if value is not None}


def _check_act_date(snapshot: CaseSnapshot, act_date: date, today: date) -> None:
    if act_date > today:
        raise ActDateError(ACT_IN_FUTURE.format(act=act_date.isoformat()))
    if act_date < snapshot.received_on:
        raise ActDateError(
            ACT_BEFORE_RECEIPT.format(act=act_date.isoformat(), received=snapshot.received_on.isoformat())
        )
    if snapshot.last_event_on is not None and act_date < snapshot.last_event_on:
        raise ActDateError(
            ACT_BEFORE_PREVIOUS.format(act=act_date.isoformat(), previous=snapshot.last_event_on.isoformat())
        )


def _changes(
    row: Transition, snapshot: CaseSnapshot, act_date: date, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """New values for snapshot fields (``last_event_on`` always)."""
    changes: dict[str, Any] = {"last_event_on": act_date}
    for name, value in row.sets:
        if value == ACT_DATE:
            value = act_date
        elif value == INCREMENT:
            value = getattr(snapshot, name) + 1
        elif value == CURRENT_STATUS:
            value = snapshot.status
        changes[name] = value
    level = fields.get("complexity")
    if level is not None:  # a recorded complexity decision
        changes["complex"] = True
        changes["very_complex"] = snapshot.very_complex or level == "very_complex"
    if row.event == Event.DETERMINE_COMPLEXITY:  # decided during verification (NĐ 155/2026, Art. 3a)
        ground = dict(next(s for s in row.fields if s.name == "ground").choices)[fields["ground"]]
        changes["complex"] = True
        changes["complexity_basis"] = (("day", act_date.isoformat()), ("document", fields["document"]),
                                       ("ground", ground))
    if "days" in fields and Step.DENUNCIATION_PROCESSING in row.recomputes:
        changes["several_places_days"] = fields["days"]
    elif Step.DENUNCIATION_RESOLUTION in row.recomputes and row.event == Event.EXTEND:
        changes["extension_lengths"] = (*_lengths(snapshot), fields.get("days"))
    if fields.get("decision_received_on") is not None:
        changes["decision_received_on"] = fields["decision_received_on"]
    if row.resumes:
        assert snapshot.suspended_since is not None  # WAS_SUSPENDED
        changes["suspensions"] = (*snapshot.suspensions, (snapshot.suspended_since, act_date))
        changes["status_before_suspension"] = None
        changes["suspended_since"] = None
    return changes


def _lengths(case: CaseSnapshot) -> tuple[int | None, ...]:
    """The extension lengths, one per extension used: None for one recorded without a length
    (before lengths were recorded), which counts as the maximum."""
    known = case.extension_lengths[-case.extensions_used:] if case.extensions_used else ()
    return (None,) * (case.extensions_used - len(known)) + tuple(known)


def _due(step: str, start: date, case: CaseSnapshot, calendar: WorkingCalendar, rules: RuleSource,
         start_basis: str | None = None) -> DueDate:
    resolution = step == Step.DENUNCIATION_RESOLUTION
    try:
        return compute_due(
            step, start, calendar=calendar, received_on=case.received_on, rules=rules,
            complex=case.complex, very_complex=case.very_complex, remote=case.remote,
            several_places=case.several_places, extensions=case.extensions_used if resolution else 0,
            extension_lengths=_lengths(case) if resolution else (),
            chosen_days=case.several_places_days if step == Step.DENUNCIATION_PROCESSING else None,
            suspensions=[s for s in case.suspensions if s[0] >= start],
            start_basis=start_basis,
            complexity=dict(case.complexity_basis)
            if case.complexity_basis and step in (Step.COMPLAINT_RESOLUTION, Step.COMPLAINT2_RESOLUTION) else None,
        )
    except DeadlineError as error:
        raise TransitionError(DEADLINE_FAILED.format(reason=error)) from error


def decide(
    snapshot: CaseSnapshot,
    event: Event | str,
    actor: Actor,
    act_date: date,
    fields: Mapping[str, Any],
    today: date,
    calendar: WorkingCalendar,
    rules: RuleSource = DEFAULT_RULES,
) -> Decision:
    """Decide ``event`` on the case, or raise a :class:`TransitionError`.

    Checks, in order: the event exists and applies from the status; the actor's
    role, agency and assignment; the act date (not in the future, not before the
    receipt or the previous event); the fields; the guards. Then computes the
    deadline effects with the flags as they are after the event.
    """
    row = find_transition(snapshot, event)
    _check_actor(row, actor)
    _check_act_date(snapshot, act_date, today)
    cleaned = _clean_fields(row, fields, today)
    ctx = GuardContext(snapshot, cleaned, act_date, rules)
    for guard in row.guards:
        if not guard(ctx):
            raise GuardFailed(guard.message, guard.name)

    changes = _changes(row, snapshot, act_date, cleaned)
    after = replace(snapshot, **changes)
    if row.resumes:
        target = snapshot.status_before_suspension
    else:
        target = row.target or snapshot.status
    assert target is not None

    running = dict(snapshot.deadlines)
    stops = tuple(running) if row.stops == ALL else tuple(s for s in row.stops if s in running)
    starts, restarted = [], []
    for s in row.starts:
        if not rule_in_force(s.step, snapshot.received_on, rules):
            continue  # a limit added by a later text does not run for letters received before it
        basis = None
        if s.since == "act":
            begin = act_date
        elif s.since == "received":
            begin = snapshot.received_on
        else:  # the day the complainant received the decision, when known (Art. 33)
            begin = after.decision_received_on or act_date
            basis = "decision_received" if after.decision_received_on else "decision_sent"
        due = _due(s.step, begin, after, calendar, rules, start_basis=basis)
        (restarted if s.restart and s.step in running else starts).append((s.step, due))
    starts = tuple(starts)
    stops = tuple(s for s in stops if s not in {step for step, _ in starts})
    checks = []
    wanted = [*row.checks, *(step for step, name in row.checks_when if cleaned.get(name))]
    for step in wanted:
        due = _due(step, snapshot.received_on, after, calendar, rules)
        checks.append((step, due, act_date <= due.due))
    recomputed = tuple(
        (step, _due(step, running[step][0], after, calendar, rules))
        for step in row.recomputes if step in running
    ) + tuple(restarted)
    paused = tuple(step for step in row.pauses if step in running)
    effects = {}
    if row.effect is not None:
        name, source = row.effect
        effects[name] = cleaned.get(source) if source else True
    return Decision(
        event=row.event, from_status=snapshot.status, to_status=target, act_date=act_date,
        transition=row, start_deadlines=starts, stop_deadlines=stops,
        checked_deadlines=tuple(checks), paused_deadlines=paused, recomputed_deadlines=recomputed,
        changes=MappingProxyType(changes), effects=MappingProxyType(effects),
        fields=MappingProxyType(cleaned), public=row.public,
    )


def initial_deadlines(
    kind: Kind,
    received_on: date,
    calendar: WorkingCalendar,
    *,
    channel: Channel | None = None,
    rules: RuleSource = DEFAULT_RULES,
) -> tuple[tuple[str, DueDate], ...]:
    """The deadlines that start when a letter is received and registered.

    Letter handling for every letter; the reply to a person received at the desk;
    complaint acceptance; denunciation initial processing. Voter petitions start
    their deadline when assigned to an agency.
    """
    steps: list[str] = []
    if kind != Kind.VOTER_PETITION:
        steps.append(Step.LETTER_HANDLING)
    if channel == Channel.DESK:
        steps.append(Step.RECEPTION_REPLY)
    if kind == Kind.COMPLAINT:
        steps.append(Step.COMPLAINT_ACCEPTANCE)
    if kind == Kind.DENUNCIATION:
        steps.append(Step.DENUNCIATION_PROCESSING)
    return tuple(
        (step, compute_due(step, received_on, calendar=calendar, rules=rules)) for step in steps
    )


def _words(value: str) -> str:
    return value.replace("_", " ")
