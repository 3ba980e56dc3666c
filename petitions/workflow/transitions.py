"""The transition table: what may happen to a case, by whom, with what, and when it is due.

One row = one event from one or more statuses, for one or more kinds (and, for
complaints, first time, second time or both). The engine (``engine.py``) enforces
the table and the UI asks it which buttons to show: nothing else decides a status.

Following LEGAL.md, "What each kind of case goes through":

- every letter is handled once: accepted, refused, forwarded, guided, archived,
  attached to an open case, split, or (anonymous denunciations) referred;
- complaint: verification, dialogue (mandatory at second time), decision,
  notification, legal effect, enforcement, closed; suspended/resumed, terminated,
  escalated to a second-time complaint, taken to court;
- denunciation: verification with up to two extensions, conclusion, handling of the
  conclusion, public notice, closed; suspended/resumed, terminated;
- petition or feedback: answered, closed;
- voter petition: consolidated, assigned, answered, reported, monitored, closed or
  carried over to the next session.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

from .deadlines import DEFAULT_RULES, RuleSource, Step, select_rule
from .states import Event, Kind, Role, Status

if TYPE_CHECKING:
    from .engine import CaseSnapshot

__all__ = [
    "ALL",
    "ACT_DATE",
    "CURRENT_STATUS",
    "INCREMENT",
    "FieldSpec",
    "Guard",
    "GuardContext",
    "Start",
    "TRANSITIONS",
    "Transition",
    "rows_for",
]

FieldType = Literal["text", "date", "agency", "choice", "case", "user", "int"]

#: ``stops=ALL``: stop every running deadline of the case
ALL = "all"
#: values in ``Transition.sets`` replaced by the engine
ACT_DATE = "<act date>"
CURRENT_STATUS = "<current status>"
INCREMENT = "<increment>"

# -- fields ---------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """A value the officer supplies with the event. ``choices`` are (value, label)."""

    name: str
    type: FieldType
    label: str
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    source: str = ""
    #: bounds of an "int" field, both included
    min: int | None = None
    max: int | None = None


#: Law on Complaints 02/2011 Art. 11: complaints that are not accepted
COMPLAINT_REFUSAL_REASONS: tuple[tuple[str, str], ...] = (
    ("not_administrative", "Not an administrative decision or act that can be complained about"),
    ("not_directly_affected", "The complainant's rights and interests are not directly affected"),
    ("no_capacity", "The complainant lacks legal capacity and has no lawful representative"),
    ("unlawful_representative", "The representative is not lawful"),
    ("unsigned", "The complaint is not signed or fingerprinted"),
    ("filing_period_passed", "The 90-day filing period has passed without a valid reason"),
    ("decided_second_time", "Already decided at second time"),
    ("in_court", "Already accepted or decided by a court"),
    ("withdrawn_before", "The complaint was withdrawn before"),
    ("other", "Another reason of Art. 11 (stated in the note)"),
)

#: Law on Denunciations 25/2018: why a denunciation is not accepted (the reason is given)
DENUNCIATION_REFUSAL_REASONS: tuple[tuple[str, str], ...] = (
    ("not_in_form", "Not made in the form the law requires"),
    ("no_capacity", "The denouncer lacks civil capacity"),
    ("no_basis", "The content gives no basis to identify the violator or the violation"),
    ("resolved_nothing_new", "Already resolved, and the denouncer gives nothing new"),
    ("other", "Another reason (stated in the note)"),
)

#: TT 05/2021/TT-TTCP [open]; Law on Denunciations 25/2018 for anonymous letters
ARCHIVE_REASONS: tuple[tuple[str, str], ...] = (
    ("no_identity", "No name, address or signature (or a false name)"),
    ("sent_to_several", "Sent to several bodies including the competent one"),
    ("already_guided", "Already guided once"),
    ("finally_decided", "Already finally decided, with nothing new"),
    ("other", "Another reason (stated in the note)"),
)

COMPLAINT_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("uphold", "Uphold the decision or act complained about"),
    ("amend", "Amend it"),
    ("annul", "Annul it"),
)

#: second-time decisions and denunciation conclusions (reporting indicator, TT 01/2024)
VERDICTS: tuple[tuple[str, str], ...] = (
    ("correct", "Correct"),
    ("partly_correct", "Partly correct"),
    ("wrong", "Wrong"),
)

COMPLAINT_TERMINATION_REASONS: tuple[tuple[str, str], ...] = (
    ("withdrawn", "The complainant withdrew the complaint in writing"),
    ("complainant_died", "The complainant died"),
    ("all_withdrew", "All co-complainants withdrew"),
)

DENUNCIATION_TERMINATION_REASONS: tuple[tuple[str, str], ...] = (
    ("withdrawn", "The denouncer withdrew the denunciation"),
    ("accused_died", "The accused died"),
)

COMPLEXITY: tuple[tuple[str, str], ...] = (
    ("complex", "Complex"),
    ("very_complex", "Especially complex"),
)

_ART_3A = "NĐ 124/2020/NĐ-CP, new Art. 3a, added by NĐ 155/2026/NĐ-CP, Art. 2"

#: NĐ 155/2026 (new Art. 3a of NĐ 124/2020): the seven grounds for a complex complaint. The
#: decree's text could not be read in this review, so the grounds are numbered, not quoted:
#: the written determination cites the ground in its own words.
COMPLEXITY_GROUNDS: tuple[tuple[str, str], ...] = tuple(
    (f"ground_{n}", f"Ground {n} of the seven in Art. 3a (as cited in the written determination)")
    for n in range(1, 8)
)

NOTE = FieldSpec("note", "text", "Note", required=False)
REASON_TEXT = FieldSpec("reason", "text", "Reason")
AGENCY = FieldSpec("agency", "agency", "Competent body")

# -- guards ---------------------------------------------------------------------


@dataclass(frozen=True)
class GuardContext:
    """What a guard may look at: the case, the cleaned fields, the act date, the rules."""

    snapshot: CaseSnapshot
    fields: Mapping[str, Any]
    act_date: date
    rules: RuleSource = DEFAULT_RULES


@dataclass(frozen=True)
class Guard:
    """A named condition; ``message`` (a plain sentence) says why it failed."""

    name: str
    message: str
    test: Callable[[GuardContext], bool]

    def __call__(self, ctx: GuardContext) -> bool:
        return self.test(ctx)


def _allowed_extensions(ctx: GuardContext) -> int:
    rule = select_rule(Step.DENUNCIATION_RESOLUTION, ctx.snapshot.received_on, ctx.rules)
    level = ctx.fields.get("complexity")
    very = ctx.snapshot.very_complex or level == "very_complex"
    return rule.allowed_extensions(complex=True, very_complex=very)


def _effect_days(ctx: GuardContext) -> int:
    return 45 if ctx.snapshot.remote else 30


def _first_time_expired(ctx: GuardContext) -> bool:
    running = ctx.snapshot.deadlines.get(Step.COMPLAINT_RESOLUTION)
    return running is not None and ctx.act_date > running[1]


NOT_ANONYMOUS = Guard(
    "not_anonymous",
    "An anonymous denunciation cannot be accepted: refer it to inspection as information "
    "or archive it.",
    lambda ctx: not ctx.snapshot.anonymous,
)
REPRESENTATIVES = Guard(
    "representatives",
    "A joint complaint is accepted only with every signature and the written appointment "
    "of representatives.",
    lambda ctx: not ctx.snapshot.mass
    or (bool(ctx.fields.get("representatives")) and ctx.fields.get("all_signed") == "yes"),
)
ALL_SIGNED = FieldSpec("all_signed", "choice", "Every co-signer has signed the complaint", required=False,
                       choices=(("yes", "Yes, every signature is there"),))
DIALOGUE_NOTICE = Guard(
    "dialogue_notice",
    "The dialogue notice must be sent at least 5 days before the dialogue.",
    lambda ctx: ctx.act_date - ctx.fields["notice_sent_on"] >= timedelta(days=5),
)
DIALOGUE_HELD = Guard(
    "dialogue_held",
    "A second-time complaint cannot be decided before the dialogue has been held.",
    lambda ctx: not ctx.snapshot.second_time or ctx.snapshot.dialogue_held,
)
EXTENSIONS_LEFT = Guard(
    "extensions_left",
    "This denunciation cannot be extended again: a complex case allows one extension of "
    "30 days, an especially complex case two.",
    lambda ctx: ctx.snapshot.extensions_used < _allowed_extensions(ctx),
)
NOT_SEVERAL_PLACES = Guard(
    "not_several_places",
    "The initial processing has already been extended to 10 working days.",
    lambda ctx: not ctx.snapshot.several_places,
)
WITHDRAWAL_RECORDED = Guard(
    "withdrawal_recorded",
    "A case is terminated as withdrawn only after the written withdrawal has been recorded.",
    lambda ctx: ctx.fields.get("reason") != "withdrawn" or ctx.snapshot.withdrawal_received,
)
LEGAL_EFFECT_PERIOD = Guard(
    "legal_effect_period",
    "A complaint decision takes legal effect only when 30 days (45 in a remote area) have "
    "passed since it was made.",
    lambda ctx: ctx.snapshot.decided_on is not None
    and ctx.act_date > ctx.snapshot.decided_on + timedelta(days=_effect_days(ctx)),
)
FIRST_TIME_EXPIRED = Guard(
    "first_time_expired",
    "A second-time complaint can be filed before the first-time decision only when the "
    "first-time time limit has expired.",
    _first_time_expired,
)
NOT_YET_COMPLEX = Guard(
    "not_yet_complex",
    "This complaint is already recorded as complex.",
    lambda ctx: not ctx.snapshot.complex,
)
RECEIPT_AFTER_DECISION = Guard(
    "receipt_after_decision",
    "The complainant cannot have received the decision before it was made.",
    lambda ctx: ctx.snapshot.decided_on is None or ctx.fields.get("decision_received_on") is None
    or ctx.fields["decision_received_on"] >= ctx.snapshot.decided_on,
)


def notice_owed(*steps: str) -> Guard:
    """Offered, and allowed, only while one of these notices is owed (its limit runs)."""
    return Guard(
        "notice_owed",
        "No notice is owed on this case now.",
        lambda ctx: any(step in ctx.snapshot.deadlines for step in steps),
    )


WAS_SUSPENDED = Guard(
    "was_suspended",
    "Only a suspended case can be resumed.",
    lambda ctx: ctx.snapshot.status_before_suspension is not None
    and ctx.snapshot.suspended_since is not None,
)

# -- rows -----------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """Start the deadline of ``step``, counted from the act date or the receipt date."""

    step: str
    since: Literal["act", "received", "decision_received"] = "act"
    #: when the step already runs, count it again from the new start (not a second row)
    restart: bool = False


@dataclass(frozen=True)
class Transition:
    """One row of the table.

    ``target`` is ``None`` for an event that keeps the status (a recorded act), and
    for ``resume``, which returns to the status held before the suspension.
    ``second_time`` restricts a complaint row to first-time (False) or second-time
    (True) complaints; ``None`` is both. ``sets`` are snapshot changes (``ACT_DATE``
    and ``INCREMENT`` are filled in by the engine). ``effect`` asks the service to
    act: (effect name, field holding its value).
    """

    kinds: tuple[Kind, ...]
    sources: tuple[Status, ...]
    event: Event
    target: Status | None
    roles: frozenset[Role]
    label: str
    source: str = ""
    second_time: bool | None = None
    guards: tuple[Guard, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    starts: tuple[Start, ...] = ()
    stops: tuple[str, ...] | Literal["all"] = ()
    checks: tuple[str, ...] = ()
    #: (step, field): checked like ``checks``, only when the officer set that field
    checks_when: tuple[tuple[str, str], ...] = ()
    pauses: tuple[str, ...] = ()
    recomputes: tuple[str, ...] = ()
    sets: tuple[tuple[str, Any], ...] = ()
    effect: tuple[str, str | None] | None = None
    public: bool = True
    any_agency: bool = False
    #: offered (as a button) only when this guard holds on the case alone
    offer_if: Guard | None = None

    def applies_to(self, kind: Kind, second_time: bool) -> bool:
        return kind in self.kinds and self.second_time in (None, second_time)

    @property
    def resumes(self) -> bool:
        return self.event == Event.RESUME


K = Kind
S = Status
E = Event
R = Role

HEAD = frozenset({R.HEAD})
DESK = frozenset({R.RECEPTION, R.HEAD})
WORK = frozenset({R.HANDLER, R.HEAD})
ANYONE = frozenset({R.RECEPTION, R.HANDLER, R.HEAD})

LETTERS = (K.COMPLAINT, K.DENUNCIATION, K.PETITION)

COMPLAINT_RUNNING = (S.ACCEPTED, S.UNDER_VERIFICATION, S.IN_DIALOGUE)
DENUNCIATION_RUNNING = (S.ACCEPTED, S.UNDER_VERIFICATION)

#: a handling outcome ends these (the outcome is what the person at the desk is told)
HANDLED = (Step.LETTER_HANDLING, Step.RECEPTION_REPLY)
COMPLAINT_HANDLED = (*HANDLED, Step.COMPLAINT_ACCEPTANCE)
DENUNCIATION_HANDLED = (*HANDLED, Step.DENUNCIATION_PROCESSING)
#: time limits not counted while a case is suspended
COMPLAINT_RESOLUTION = (Step.COMPLAINT_RESOLUTION, Step.COMPLAINT2_RESOLUTION)
DENUNCIATION_RESOLUTION = (Step.DENUNCIATION_RESOLUTION,)

_TT05 = "TT 05/2021/TT-TTCP (letter handling) [open]"
_LC = "Law on Complaints 02/2011/QH13"
_LD = "Law on Denunciations 25/2018/QH14"

#: NĐ 20/2008's 5 working days apply to feedback on an administrative regulation only
REGULATION_FEEDBACK = FieldSpec(
    "regulation_feedback", "choice", "Feedback on an administrative regulation (NĐ 20/2008/NĐ-CP)",
    required=False, choices=(("yes", "Yes: forwarded within 5 working days of receipt (NĐ 20/2008/NĐ-CP)"),),
    source="NĐ 20/2008/NĐ-CP, Art. 9(1)(d)")
DECISION_RECEIVED = "decision_received_on"
_NOTICE_155 = "NĐ 124/2020/NĐ-CP, Art. 28b, added by NĐ 155/2026/NĐ-CP, Art. 12"
COMPLAINT_NOTICE_OWED = notice_owed(Step.COMPLAINT_PROCEDURE_NOTICE)
CONCLUSION_NOTICE_OWED = notice_owed(Step.DENUNCIATION_CONCLUSION_NOTICE)

LETTER_HANDLING: tuple[Transition, ...] = (
    Transition(
        (K.COMPLAINT,), (S.RECEIVED,), E.ACCEPT, S.ACCEPTED, HEAD,
        "Accept the complaint (thụ lý)", f"{_LC}; NĐ 124/2020/NĐ-CP, Art. 16",
        second_time=False, guards=(REPRESENTATIVES,),
        fields=(FieldSpec("complexity", "choice", "Complexity", required=False,
                          choices=(("complex", "Complex"),)),
                FieldSpec("representatives", "text", "Appointed representatives", required=False), ALL_SIGNED,
                NOTE),
        starts=(Start(Step.COMPLAINT_RESOLUTION),), stops=COMPLAINT_HANDLED,
    ),
    Transition(
        (K.COMPLAINT,), (S.RECEIVED,), E.ACCEPT, S.ACCEPTED, HEAD,
        "Accept the second-time complaint (thụ lý)", f"{_LC}; NĐ 124/2020/NĐ-CP, Art. 16",
        second_time=True, guards=(REPRESENTATIVES,),
        fields=(FieldSpec("complexity", "choice", "Complexity", required=False,
                          choices=(("complex", "Complex"),)),
                FieldSpec("representatives", "text", "Appointed representatives", required=False), ALL_SIGNED,
                NOTE),
        starts=(Start(Step.COMPLAINT2_RESOLUTION),), stops=COMPLAINT_HANDLED,
    ),
    Transition(
        (K.COMPLAINT,), (S.RECEIVED,), E.REFUSE, S.REFUSED, HEAD,
        "Refuse the complaint, with a reason of Art. 11", f"{_LC}, Art. 11",
        fields=(FieldSpec("reason", "choice", "Reason", choices=COMPLAINT_REFUSAL_REASONS,
                          source=f"{_LC}, Art. 11"), NOTE),
        stops=ALL,
    ),
    Transition(
        (K.DENUNCIATION,), (S.RECEIVED,), E.ACCEPT, S.ACCEPTED, HEAD,
        "Accept the denunciation (thụ lý)", f"{_LD}, Art. 24(1) and 29(3)",
        guards=(NOT_ANONYMOUS,), fields=(NOTE,),
        starts=(Start(Step.DENUNCIATION_RESOLUTION), Start(Step.DENUNCIATION_ACCEPTANCE_NOTICE)),
        stops=DENUNCIATION_HANDLED,
    ),
    Transition(
        (K.DENUNCIATION,), (S.RECEIVED,), E.REFUSE, S.REFUSED, HEAD,
        "Do not accept the denunciation, with the reason", f"{_LD}, Art. 24(1)",
        fields=(FieldSpec("reason", "choice", "Reason", choices=DENUNCIATION_REFUSAL_REASONS,
                          source=_LD), NOTE),
        stops=ALL,
    ),
    Transition(
        (K.DENUNCIATION,), (S.RECEIVED,), E.EXTEND, None, HEAD,
        "Extend the initial processing to 10 working days (checking at several places)",
        f"{_LD}, Art. 24(1)",
        guards=(NOT_SEVERAL_PLACES,),
        fields=(REASON_TEXT,
                FieldSpec("days", "int", "Length decided, in working days (8 to 10; 10 when empty)",
                          required=False, min=8, max=10, source=f"{_LD}, Art. 24(1)")),
        sets=(("several_places", True),), recomputes=(Step.DENUNCIATION_PROCESSING,),
        public=False,
    ),
    Transition(
        (K.PETITION,), (S.RECEIVED,), E.ACCEPT, S.ACCEPTED, DESK,
        "Accept the petition for an answer", "Provincial setting [open]",
        fields=(NOTE,), starts=(Start(Step.PETITION_ANSWER),), stops=HANDLED,
    ),
    Transition(
        (K.DENUNCIATION,), (S.RECEIVED,), E.FORWARD, S.FORWARDED, DESK,
        "Forward to the competent body and tell the denouncer", f"{_LD}, Art. 24(2)",
        fields=(AGENCY, NOTE), checks=(Step.DENUNCIATION_FORWARDING,), stops=ALL,
        effect=("forward_to", "agency"),
    ),
    Transition(
        (K.PETITION,), (S.RECEIVED,), E.FORWARD, S.FORWARDED, DESK,
        "Forward to the competent body",
        f"{_TT05}; NĐ 20/2008/NĐ-CP, Art. 9(1)(d) for feedback on an administrative regulation",
        fields=(AGENCY, REGULATION_FEEDBACK, NOTE),
        checks_when=((Step.PETITION_FORWARDING, "regulation_feedback"),), stops=ALL,
        effect=("forward_to", "agency"),
    ),
    Transition(
        (K.COMPLAINT, K.PETITION), (S.RECEIVED,), E.GUIDE, S.GUIDED, DESK,
        "Guide the filer to the competent body (once)", _TT05,
        fields=(AGENCY, NOTE), stops=ALL,
    ),
    Transition(
        LETTERS, (S.RECEIVED,), E.ARCHIVE, S.ARCHIVED, DESK,
        "Archive as ineligible, or not processed", f"{_TT05}; {_LD}",
        fields=(FieldSpec("reason", "choice", "Reason", choices=ARCHIVE_REASONS), NOTE),
        stops=ALL,
    ),
    Transition(
        LETTERS, (S.RECEIVED,), E.ATTACH, S.ATTACHED, DESK,
        "Attach to the open case it repeats (no new deadline)", _TT05,
        fields=(FieldSpec("case", "case", "Open case"), NOTE), stops=ALL,
        effect=("attach_to", "case"),
    ),
    Transition(
        LETTERS, (S.RECEIVED,), E.SPLIT, S.SPLIT, DESK,
        "Split a letter mixing several kinds into one letter per kind", _TT05,
        fields=(FieldSpec("kinds", "text", "Kinds found in the letter"), NOTE), stops=ALL,
        effect=("split_into", "kinds"), public=False,
    ),
    Transition(
        (K.DENUNCIATION,), (S.RECEIVED,), E.REFER, S.REFERRED, DESK,
        "Refer an anonymous letter with concrete evidence to inspection, as information",
        _LD,
        fields=(FieldSpec("agency", "agency", "Inspection body"), NOTE), stops=ALL,
        effect=("refer_to", "agency"), public=False,
    ),
)

COMPLAINT: tuple[Transition, ...] = (
    Transition(
        (K.COMPLAINT,), COMPLAINT_RUNNING, E.ASSIGN, None, HEAD,
        "Assign a handler", fields=(FieldSpec("handler", "user", "Handler"),), public=False,
        effect=("assign_handler", "handler"),
    ),
    Transition(
        (K.COMPLAINT,), (S.ACCEPTED,), E.START_VERIFICATION, S.UNDER_VERIFICATION, WORK,
        "Start verification", fields=(NOTE,), public=False,
    ),
    Transition(
        (K.COMPLAINT,), (S.UNDER_VERIFICATION, S.IN_DIALOGUE), E.HOLD_DIALOGUE, S.IN_DIALOGUE, WORK,
        "Record the dialogue held (mandatory at second time)", _LC,
        guards=(DIALOGUE_NOTICE,),
        fields=(FieldSpec("notice_sent_on", "date", "Dialogue notice sent on"),
                FieldSpec("minutes", "text", "Minutes of the dialogue")),
        sets=(("dialogue_held", True),),
    ),
    Transition(
        (K.COMPLAINT,), (S.UNDER_VERIFICATION, S.IN_DIALOGUE), E.DECIDE, S.DECIDED, HEAD,
        "Decide the complaint: uphold, amend or annul", _LC,
        second_time=False,
        fields=(FieldSpec("outcome", "choice", "Outcome", choices=COMPLAINT_OUTCOMES),
                FieldSpec("decision_no", "text", "Decision number")),
        starts=(Start(Step.COMPLAINT_DECISION_NOTICE),), stops=(Step.COMPLAINT_RESOLUTION,),
        sets=(("decided_on", ACT_DATE),),
    ),
    Transition(
        (K.COMPLAINT,), (S.UNDER_VERIFICATION, S.IN_DIALOGUE), E.DECIDE, S.DECIDED, HEAD,
        "Decide the second-time complaint: correct, partly correct or wrong", _LC,
        second_time=True, guards=(DIALOGUE_HELD,),
        fields=(FieldSpec("outcome", "choice", "Outcome", choices=VERDICTS),
                FieldSpec("decision_no", "text", "Decision number")),
        starts=(Start(Step.COMPLAINT2_DECISION_NOTICE),),
        stops=(Step.COMPLAINT2_RESOLUTION,), sets=(("decided_on", ACT_DATE),),
    ),
    Transition(
        (K.COMPLAINT,), (S.DECIDED,), E.NOTIFY, S.NOTIFIED, ANYONE,
        "Send the decision to the complainant and the parties", f"{_LC}, Art. 32 and 33",
        second_time=False, guards=(RECEIPT_AFTER_DECISION,),
        fields=(FieldSpec(DECISION_RECEIVED, "date", "Day the complainant received the decision (if known)",
                          required=False, source=f"{_LC}, Art. 33"), NOTE),
        starts=(Start(Step.COMPLAINT2_FILING, since="decision_received"),),
        stops=(Step.COMPLAINT_DECISION_NOTICE,),
    ),
    Transition(
        (K.COMPLAINT,), (S.NOTIFIED,), E.RECORD_RECEIPT, None, ANYONE,
        "Record the day the complainant received the decision (the second-time filing period "
        "counts from it)", f"{_LC}, Art. 33",
        second_time=False, guards=(RECEIPT_AFTER_DECISION,),
        fields=(FieldSpec(DECISION_RECEIVED, "date", "Day the complainant received the decision",
                          source=f"{_LC}, Art. 33"), NOTE),
        starts=(Start(Step.COMPLAINT2_FILING, since="decision_received", restart=True),),
    ),
    Transition(
        (K.COMPLAINT,), (S.DECIDED,), E.NOTIFY, S.NOTIFIED, ANYONE,
        "Send the second-time decision to the complainant and the parties", f"{_LC}, Art. 41",
        second_time=True, fields=(NOTE,), stops=(Step.COMPLAINT2_DECISION_NOTICE,),
    ),
    Transition(
        (K.COMPLAINT,), (S.NOTIFIED,), E.TAKE_EFFECT, S.IN_EFFECT, WORK,
        "Record that the decision has legal effect", f"{_LC} (30 days, 45 in a remote area)",
        guards=(LEGAL_EFFECT_PERIOD,), stops=ALL,
    ),
    Transition(
        (K.COMPLAINT,), (S.IN_EFFECT,), E.ENFORCE, S.ENFORCED, WORK,
        "Record the enforcement of the decision", fields=(NOTE,),
    ),
    Transition(
        (K.COMPLAINT,), (S.ENFORCED,), E.CLOSE, S.CLOSED, WORK, "Close the case", stops=ALL,
    ),
    Transition(
        (K.COMPLAINT,), (S.NOTIFIED,), E.ESCALATE, S.ESCALATED, ANYONE,
        "Record a second-time complaint against the decision (opens a linked case)",
        f"{_LC}, Art. 33", second_time=False,
        fields=(AGENCY, NOTE), stops=ALL, effect=("open_second_time", "agency"),
    ),
    Transition(
        (K.COMPLAINT,), COMPLAINT_RUNNING, E.ESCALATE, S.ESCALATED, ANYONE,
        "Record a second-time complaint after the first-time limit expired (opens a linked case)",
        f"{_LC}, Art. 33", second_time=False, guards=(FIRST_TIME_EXPIRED,),
        fields=(AGENCY, NOTE), stops=ALL, effect=("open_second_time", "agency"),
    ),
    Transition(
        (K.COMPLAINT,), (S.REFUSED, *COMPLAINT_RUNNING, S.DECIDED, S.NOTIFIED, S.SUSPENDED),
        E.TAKE_TO_COURT, S.IN_COURT, ANYONE,
        "Record that the complainant took the case to court (ends the administrative route)",
        _LC,
        fields=(FieldSpec("court", "text", "Court"), NOTE), stops=ALL,
    ),
    Transition(
        (K.COMPLAINT,), COMPLAINT_RUNNING, E.DETERMINE_COMPLEXITY, None, HEAD,
        "Determine in writing that the complaint is complex (the longer limit runs)", _ART_3A,
        guards=(NOT_YET_COMPLEX,),
        fields=(FieldSpec("ground", "choice", "Ground", choices=COMPLEXITY_GROUNDS, source=_ART_3A),
                FieldSpec("document", "text", "Written determination (number)"), NOTE),
        recomputes=COMPLAINT_RESOLUTION,
    ),
    Transition(
        (K.COMPLAINT,), COMPLAINT_RUNNING, E.SUSPEND, S.SUSPENDED, HEAD,
        "Suspend the resolution (time suspended is not counted)",
        "NĐ 155/2026 amending NĐ 124/2020, Art. 28b [open]",
        fields=(REASON_TEXT,), pauses=COMPLAINT_RESOLUTION,
        starts=(Start(Step.COMPLAINT_PROCEDURE_NOTICE),),
        sets=(("status_before_suspension", CURRENT_STATUS), ("suspended_since", ACT_DATE)),
    ),
    Transition(
        (K.COMPLAINT,), (S.SUSPENDED,), E.RESUME, None, HEAD,
        "Resume the resolution: the remaining time runs from today",
        "NĐ 155/2026 amending NĐ 124/2020, Art. 28b [open]",
        guards=(WAS_SUSPENDED,), fields=(NOTE,), recomputes=COMPLAINT_RESOLUTION,
        starts=(Start(Step.COMPLAINT_PROCEDURE_NOTICE),),
    ),
    Transition(
        (K.COMPLAINT,), (*COMPLAINT_RUNNING, S.SUSPENDED, S.TERMINATED), E.NOTIFY, None, ANYONE,
        "Send the decision to suspend, resume or terminate to the complainant and the parties",
        _NOTICE_155, guards=(COMPLAINT_NOTICE_OWED,), offer_if=COMPLAINT_NOTICE_OWED,
        fields=(NOTE,), stops=(Step.COMPLAINT_PROCEDURE_NOTICE,),
    ),
    Transition(
        (K.COMPLAINT,), (*COMPLAINT_RUNNING, S.SUSPENDED), E.WITHDRAW, None, ANYONE,
        "Record a written withdrawal", _LC,
        fields=(FieldSpec("withdrawn_on", "date", "Withdrawal dated"), NOTE),
        sets=(("withdrawal_received", True),),
    ),
    Transition(
        (K.COMPLAINT,), (*COMPLAINT_RUNNING, S.SUSPENDED), E.TERMINATE, S.TERMINATED, HEAD,
        "Terminate the resolution (đình chỉ)", f"{_LC}; {_NOTICE_155}",
        guards=(WITHDRAWAL_RECORDED,),
        fields=(FieldSpec("reason", "choice", "Reason", choices=COMPLAINT_TERMINATION_REASONS), NOTE),
        stops=ALL, starts=(Start(Step.COMPLAINT_PROCEDURE_NOTICE),),
    ),
)

DENUNCIATION: tuple[Transition, ...] = (
    Transition(
        (K.DENUNCIATION,), DENUNCIATION_RUNNING, E.ASSIGN, None, HEAD,
        "Assign a handler", fields=(FieldSpec("handler", "user", "Handler"),), public=False,
        effect=("assign_handler", "handler"),
    ),
    Transition(
        (K.DENUNCIATION,), (S.ACCEPTED,), E.START_VERIFICATION, S.UNDER_VERIFICATION, WORK,
        "Start verification", fields=(NOTE,), public=False,
    ),
    Transition(
        (K.DENUNCIATION,), DENUNCIATION_RUNNING, E.NOTIFY, None, ANYONE,
        "Notify the denouncer and the accused of the acceptance", f"{_LD}, Art. 29(3)",
        fields=(NOTE,),
        # also completes a suspension notice still owed after a resumption
        stops=(Step.DENUNCIATION_ACCEPTANCE_NOTICE, Step.DENUNCIATION_SUSPENSION_NOTICE),
    ),
    Transition(
        (K.DENUNCIATION,), (S.UNDER_VERIFICATION,), E.EXTEND, None, HEAD,
        "Extend the resolution by up to 30 days, by written decision", f"{_LD}, Art. 30",
        guards=(EXTENSIONS_LEFT,),
        fields=(FieldSpec("complexity", "choice", "Complexity", choices=COMPLEXITY),
                FieldSpec("days", "int", "Length of the extension decided, in days (1 to 30; 30 when empty)",
                          required=False, min=1, max=30, source=f"{_LD}, Art. 30"),
                FieldSpec("decision_no", "text", "Extension decision number")),
        sets=(("extensions_used", INCREMENT),), recomputes=(Step.DENUNCIATION_RESOLUTION,),
    ),
    Transition(
        (K.DENUNCIATION,), (S.UNDER_VERIFICATION,), E.CONCLUDE, S.CONCLUDED, HEAD,
        "Conclude on the content of the denunciation", f"{_LD}, Art. 30, 35 and 36",
        fields=(FieldSpec("outcome", "choice", "Outcome", choices=VERDICTS),
                FieldSpec("decision_no", "text", "Conclusion number")),
        starts=(Start(Step.DENUNCIATION_CONCLUSION_NOTICE), Start(Step.DENUNCIATION_CONCLUSION_HANDLING)),
        stops=(Step.DENUNCIATION_RESOLUTION,), sets=(("decided_on", ACT_DATE),),
    ),
    Transition(
        (K.DENUNCIATION,), (S.CONCLUDED,), E.HANDLE_CONCLUSION, S.CONCLUSION_HANDLED, HEAD,
        "Record the handling of the conclusion", f"{_LD}, Art. 36", fields=(NOTE,),
        stops=(Step.DENUNCIATION_CONCLUSION_HANDLING,),
    ),
    Transition(
        (K.DENUNCIATION,), (S.CONCLUDED, S.CONCLUSION_HANDLED, S.PUBLISHED), E.NOTIFY, None, ANYONE,
        "Send the conclusion to the accused and their agency, and notify the denouncer", f"{_LD}, Art. 35",
        guards=(CONCLUSION_NOTICE_OWED,), offer_if=CONCLUSION_NOTICE_OWED,
        fields=(NOTE,), stops=(Step.DENUNCIATION_CONCLUSION_NOTICE,),
    ),
    Transition(
        (K.DENUNCIATION,), (S.CONCLUSION_HANDLED,), E.PUBLISH, S.PUBLISHED, ANYONE,
        "Publish the conclusion (redacted)", _LD, fields=(NOTE,),
    ),
    Transition(
        (K.DENUNCIATION,), (S.PUBLISHED,), E.CLOSE, S.CLOSED, WORK, "Close the case", stops=ALL,
    ),
    Transition(
        (K.DENUNCIATION,), DENUNCIATION_RUNNING, E.SUSPEND, S.SUSPENDED, HEAD,
        "Suspend the resolution (time suspended is not counted)", f"{_LD}, Art. 34",
        fields=(REASON_TEXT,), pauses=DENUNCIATION_RESOLUTION,
        starts=(Start(Step.DENUNCIATION_SUSPENSION_NOTICE),),
        sets=(("status_before_suspension", CURRENT_STATUS), ("suspended_since", ACT_DATE)),
    ),
    Transition(
        (K.DENUNCIATION,), (S.SUSPENDED,), E.RESUME, None, HEAD,
        "Resume the resolution: the remaining time runs from today", f"{_LD}, Art. 34",
        guards=(WAS_SUSPENDED,), fields=(NOTE,), recomputes=DENUNCIATION_RESOLUTION,
    ),
    Transition(
        (K.DENUNCIATION,), (*DENUNCIATION_RUNNING, S.SUSPENDED), E.WITHDRAW, None, ANYONE,
        "Record a withdrawal (the case continues if the act looks unlawful or the withdrawal "
        "was coerced)", _LD,
        fields=(FieldSpec("withdrawn_on", "date", "Withdrawal dated"), NOTE),
        sets=(("withdrawal_received", True),),
    ),
    Transition(
        (K.DENUNCIATION,), (*DENUNCIATION_RUNNING, S.SUSPENDED), E.TERMINATE, S.TERMINATED, HEAD,
        "Terminate the resolution (đình chỉ)", f"{_LD}, Art. 34",
        guards=(WITHDRAWAL_RECORDED,),
        fields=(FieldSpec("reason", "choice", "Reason", choices=DENUNCIATION_TERMINATION_REASONS),
                NOTE),
        stops=ALL, starts=(Start(Step.DENUNCIATION_SUSPENSION_NOTICE),),
    ),
    Transition(
        (K.DENUNCIATION,), (S.SUSPENDED, S.TERMINATED), E.NOTIFY, None, ANYONE,
        "Notify the suspension or termination", f"{_LD}, Art. 34",
        fields=(NOTE,), stops=(Step.DENUNCIATION_SUSPENSION_NOTICE,),
    ),
)

PETITION: tuple[Transition, ...] = (
    Transition(
        (K.PETITION,), (S.ACCEPTED,), E.ASSIGN, None, HEAD,
        "Assign a handler", fields=(FieldSpec("handler", "user", "Handler"),), public=False,
        effect=("assign_handler", "handler"),
    ),
    Transition(
        (K.PETITION,), (S.ACCEPTED,), E.ANSWER, S.ANSWERED, WORK,
        "Answer the petition", "Provincial setting [open]",
        fields=(FieldSpec("answer", "text", "Answer"),), stops=(Step.PETITION_ANSWER,),
    ),
    Transition(
        (K.PETITION,), (S.ANSWERED,), E.CLOSE, S.CLOSED, WORK, "Close the case", stops=ALL,
    ),
)

_QD33 = "QĐ 33/2017/QĐ-TTg as amended by QĐ 30/2020/QĐ-TTg"

VOTER_PETITION: tuple[Transition, ...] = (
    Transition(
        (K.VOTER_PETITION,), (S.RECEIVED,), E.CONSOLIDATE, S.CONSOLIDATED, HEAD,
        "Consolidate with the petitions of the session (People's Council standing committee)",
        _QD33, fields=(FieldSpec("session", "text", "Session"), NOTE), public=False,
    ),
    Transition(
        # the same petition raised at several meetings is answered once: the others are
        # merged into it (their meeting is listed on its page; no deadline of their own)
        (K.VOTER_PETITION,), (S.RECEIVED, S.CONSOLIDATED), E.ATTACH, S.ATTACHED, HEAD,
        "Merge into the same petition raised at another meeting", _QD33,
        fields=(FieldSpec("case", "case", "The petition it repeats (tracking code)"), NOTE), stops=ALL,
        effect=("attach_to", "case"), public=False,
    ),
    Transition(
        (K.VOTER_PETITION,), (S.CONSOLIDATED, S.CARRIED_OVER), E.ASSIGN, S.ASSIGNED, HEAD,
        "Assign to the agency that answers", f"{_QD33}, Art. 12(1)",
        fields=(AGENCY, NOTE), starts=(Start(Step.VOTER_PETITION_ANSWER),),
        effect=("assign_to", "agency"),
    ),
    Transition(
        (K.VOTER_PETITION,), (S.ASSIGNED,), E.ANSWER, S.ANSWERED, WORK,
        "Answer the voter petition", f"{_QD33}, Art. 12(1)",
        fields=(FieldSpec("answer", "text", "Answer"),), stops=(Step.VOTER_PETITION_ANSWER,),
    ),
    Transition(
        (K.VOTER_PETITION,), (S.ANSWERED,), E.REPORT, S.REPORTED, WORK,
        "Report the answer back to voters", _QD33, fields=(NOTE,),
    ),
    Transition(
        (K.VOTER_PETITION,), (S.REPORTED,), E.MONITOR, S.MONITORED,
        frozenset({R.INSPECTOR, R.HEAD}),
        "Record the monitoring of the answer", _QD33,
        fields=(FieldSpec("finding", "text", "Finding"),), public=False, any_agency=True,
    ),
    Transition(
        (K.VOTER_PETITION,), (S.REPORTED, S.MONITORED), E.CLOSE, S.CLOSED, HEAD,
        "Close: the petition is settled", stops=ALL,
    ),
    Transition(
        (K.VOTER_PETITION,), (S.REPORTED, S.MONITORED), E.CARRY_OVER, S.CARRIED_OVER, HEAD,
        "Carry over to the next session", _QD33,
        fields=(FieldSpec("session", "text", "Next session"),), stops=ALL,
    ),
)

#: the whole table
TRANSITIONS: tuple[Transition, ...] = (
    LETTER_HANDLING + COMPLAINT + DENUNCIATION + PETITION + VOTER_PETITION
)


def rows_for(kind: Kind, second_time: bool = False) -> tuple[Transition, ...]:
    """The rows that apply to a kind (and, for complaints, to first or second time)."""
    return tuple(t for t in TRANSITIONS if t.applies_to(kind, second_time))
