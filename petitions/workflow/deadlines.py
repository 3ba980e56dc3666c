"""The legal time limits, as data, each with its source, and how a due date is computed.

``DEFAULT_RULES`` is the default table (docs/workflow.md shows it). Every row
carries a ``status``:

- ``"law"``: read in the law's text as enacted;
- ``"2026"``: from the 2025-2026 amendments, read in secondary copies (check against
  the official gazette);
- ``"open"``: not found in a text: a provincial setting, never to be shown as law.

Rules are chosen by the day the letter was **received**, not the day the step
starts: a complaint received on 30/6/2026 keeps 10 working days for acceptance
even if it is handled in July. Rules are editable: pass a replacement table as
``rules`` (see :func:`merge_rules`).

Counting (Civil Code 2015, Art. 147-148): the start day is not counted; working
days skip weekends and holidays; a calendar period whose last day is not a working
day ends on the next working day. Days inside a suspension (both ends included:
the day of the suspension decision up to the day of the resumption decision) are
not counted; the rest of the period runs from the day after the resumption.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Literal

from .calendar import Skipped, WorkingCalendar

__all__ = [
    "BASELINE",
    "DEFAULT_RULES",
    "DeadlineError",
    "DeadlineRule",
    "DueDate",
    "Step",
    "compute_due",
    "merge_rules",
    "rules_for",
    "select_rule",
]

Unit = Literal["working", "calendar"]
RuleStatus = Literal["law", "2026", "unread", "open"]
Suspension = tuple[date, date]

UNITS: tuple[Unit, ...] = ("working", "calendar")
RULE_STATUSES: tuple[RuleStatus, ...] = ("law", "2026", "unread", "open")

#: ``effective_from`` of rules in force before any case in this system was received
#: (their own entry-into-force dates are in their source texts).
BASELINE = date(2000, 1, 1)

#: variant names a rule may define, and how they are named in explanations
VARIANT_LABELS: dict[str, str] = {
    "standard": "standard case",
    "complex": "complex case",
    "remote": "remote area (vùng sâu, vùng xa)",
    "remote_complex": "remote area and complex case",
    "several_places": "checking at several places",
}

STATUS_LABELS: dict[RuleStatus, str] = {
    "law": "law, read in the text as enacted",
    "2026": "2025-2026 amendment, read in secondary copies: check against the official gazette",
    "unread": "law as reported; the article's text could not be read in this review: check it against the law",
    "open": "provincial setting, not set by law",
}

UNIT_LABELS: dict[Unit, str] = {"working": "working days", "calendar": "calendar days"}


class Step(StrEnum):
    """Steps with a time limit. The values are also the CLI names."""

    LETTER_HANDLING = "letter-handling"
    RECEPTION_REPLY = "reception-reply"
    COMPLAINT_ACCEPTANCE = "complaint-acceptance"
    COMPLAINT_RESOLUTION = "complaint-resolution"
    COMPLAINT2_RESOLUTION = "complaint2-resolution"
    COMPLAINT_DECISION_NOTICE = "complaint-decision-notice"
    COMPLAINT2_FILING = "complaint2-filing"
    DENUNCIATION_PROCESSING = "denunciation-processing"
    DENUNCIATION_FORWARDING = "denunciation-forwarding"
    DENUNCIATION_ACCEPTANCE_NOTICE = "denunciation-acceptance-notice"
    DENUNCIATION_RESOLUTION = "denunciation-resolution"
    DENUNCIATION_SUSPENSION_NOTICE = "denunciation-suspension-notice"
    COMPLAINT_PROCEDURE_NOTICE = "complaint-procedure-notice"
    COMPLAINT2_DECISION_NOTICE = "complaint2-decision-notice"
    DENUNCIATION_CONCLUSION_NOTICE = "denunciation-conclusion-notice"
    DENUNCIATION_CONCLUSION_HANDLING = "denunciation-conclusion-handling"
    PETITION_FORWARDING = "petition-forwarding"
    PETITION_ANSWER = "petition-answer"
    VOTER_PETITION_ANSWER = "voter-petition-answer"


# -- messages (plain sentences, extracted for translation) -----------------------

UNKNOWN_STEP = "There is no time limit for the step {step!r}."
NO_RULE_IN_FORCE = "No rule for the step {step!r} was in force on {day}."
TOO_MANY_EXTENSIONS = (
    "The step {step!r} allows {allowed} extension(s) for this case ({why}); {asked} were asked."
)
BAD_SUSPENSION = "A suspension cannot end ({end}) before it starts ({begin})."
SUSPENSION_BEFORE_START = "A suspension ({begin}) cannot start before the period starts ({start})."
NEGATIVE_EXTENSIONS = "The number of extensions cannot be negative."
INVALID_RULE = "The rule for {step!r} is invalid: {problem}."

EXPLAIN_RULE = "{label}: {limit} {unit} ({variant}){extensions}."
EXPLAIN_EXTENSIONS = ", including {count} extension(s) of {days} days ({why})"
EXPLAIN_EXTENSION_LENGTHS = (
    ", including {count} extension(s) decided in writing: {lengths} days ({why}; at most {max} days each)"
)
EXPLAIN_CHOSEN = "Length decided: {days} {unit}, within the maximum of {max} the law allows."
#: the line of explanations stored before 12/2026 (kept so that they are still translated)
EXPLAIN_SOURCE_LEGACY = "Source: {source} [{status}]."
EXPLAIN_SOURCE = "Source: {source}."
EXPLAIN_STATUS = "How the text was read: {status}."
EXPLAIN_EFFECTIVE = (
    "Rule in force from {effective} for letters received on or after that day; "
    "this letter was received on {received}."
)
EXPLAIN_BASELINE = (
    "Rule in force before any letter in this system was received; this letter was "
    "received on {received}."
)
EXPLAIN_START = (
    "Counting starts the day after {start}: the start day is not counted "
    "(Civil Code 2015, Art. 147)."
)
EXPLAIN_FROM_DECISION_RECEIVED = (
    "Counted from {day}, the day the complainant received the first-time decision "
    "(Law on Complaints 02/2011/QH13, Art. 33)."
)
EXPLAIN_FROM_DECISION_SENT = (
    "Counted from {day}, the day the decision was sent: the day the complainant received it "
    "is not recorded (Art. 33 counts from receipt; record it when it is known)."
)
EXPLAIN_COMPLEXITY = (
    "Complex case by written determination {document} of {day}, on the ground: {ground} "
    "(NĐ 124/2020/NĐ-CP, new Art. 3a added by NĐ 155/2026/NĐ-CP); the limit is the complex "
    "case's from that day."
)
EXPLAIN_SKIPPED = "Not counted, not a working day: {days}."
EXPLAIN_SUSPENDED = (
    "Not counted, suspended: {days} day(s) ({ranges}); the remaining period runs "
    "from the day after the resumption."
)
EXPLAIN_MOVED = (
    "The last day, {last}, is not a working day: {reasons}; the period ends at the "
    "end of the next working day (Civil Code 2015, Art. 148)."
)
EXPLAIN_DUE = "Due: end of {due}."
EXPLAIN_RANGE = "{first} to {last}"
BAD_EXTENSION_LENGTH = "An extension lasts from 1 to {max} days, not {days}."
TOO_MANY_LENGTHS = "{lengths} extension lengths were given for {count} extension(s)."
BAD_CHOSEN_LENGTH = "The length decided must be from {low} to {high} {unit}, not {days}."
WHY_COMPLEX = "complex case"
WHY_VERY_COMPLEX = "especially complex case"

#: every message above, for translation extraction
MESSAGES: tuple[str, ...] = (
    UNKNOWN_STEP, NO_RULE_IN_FORCE, TOO_MANY_EXTENSIONS, BAD_SUSPENSION, SUSPENSION_BEFORE_START,
    NEGATIVE_EXTENSIONS, INVALID_RULE, EXPLAIN_RULE, EXPLAIN_EXTENSIONS, EXPLAIN_EXTENSION_LENGTHS,
    EXPLAIN_CHOSEN, EXPLAIN_SOURCE_LEGACY, EXPLAIN_SOURCE, EXPLAIN_STATUS,
    EXPLAIN_EFFECTIVE, EXPLAIN_BASELINE, EXPLAIN_START, EXPLAIN_FROM_DECISION_RECEIVED,
    EXPLAIN_FROM_DECISION_SENT, EXPLAIN_COMPLEXITY, EXPLAIN_SKIPPED, EXPLAIN_SUSPENDED,
    EXPLAIN_MOVED, EXPLAIN_DUE, EXPLAIN_RANGE, BAD_EXTENSION_LENGTH, TOO_MANY_LENGTHS, BAD_CHOSEN_LENGTH,
    WHY_COMPLEX, WHY_VERY_COMPLEX,
)


#: time limits that run for the filer, not the agency (the complainant's 30 days to
#: file a second-time complaint): never "overdue" for the agency, never alerted
FILER_STEPS: frozenset[str] = frozenset({"complaint2-filing"})

#: time limits that a suspension pauses (suspended time is not counted)
PAUSABLE_STEPS: frozenset[str] = frozenset({"complaint-resolution", "complaint2-resolution",
                                            "denunciation-resolution"})


class DeadlineError(ValueError):
    """A deadline cannot be computed: unknown step, too many extensions, ..."""


@dataclass(frozen=True)
class DeadlineRule:
    """One time limit, with the text it comes from.

    ``variants`` are longer limits for flagged cases, by name ("complex",
    "remote", "remote_complex", "several_places"). Extensions (denunciations)
    add at most ``extension_days`` each (the length decided, 1 to
    ``extension_days``, when it is recorded), at most ``max_extensions_complex``
    times for a complex case and ``max_extensions`` times for an especially
    complex one. ``chosen_variants`` are variants the law sets as a maximum ("not
    more than 10 working days"): the length decided may be shorter, down to one
    day more than ``limit``. ``note`` says how the text was read (e.g. which of two
    texts the rule follows).
    """

    step: str
    limit: int
    unit: Unit
    effective_from: date
    source: str
    status: RuleStatus
    label: str
    description: str = ""
    variants: tuple[tuple[str, int], ...] = ()
    max_extensions: int = 0
    max_extensions_complex: int = 0
    extension_days: int = 0
    note: str = ""
    chosen_variants: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problem = None
        if self.unit not in UNITS:
            problem = f"unit {self.unit!r}"
        elif self.status not in RULE_STATUSES:
            problem = f"status {self.status!r}"
        elif self.limit < 0 or any(days < 0 for _, days in self.variants):
            problem = "negative limit"
        elif any(name not in VARIANT_LABELS for name, _ in self.variants):
            problem = "unknown variant"
        elif any(self.variant(name) is None for name in self.chosen_variants):
            problem = "a chosen variant that is not a variant"
        elif self.max_extensions_complex > self.max_extensions:
            problem = "more extensions for complex than for especially complex cases"
        if problem:
            raise DeadlineError(INVALID_RULE.format(step=self.step, problem=problem))

    def variant(self, name: str) -> int | None:
        return dict(self.variants).get(name)

    def limit_for(
        self, *, complex: bool = False, remote: bool = False, several_places: bool = False
    ) -> tuple[int, str]:
        """The limit for a case with these flags, and the name of the variant used."""
        wanted = []
        if remote and complex:
            wanted.append("remote_complex")
        wanted += [name for name, on in (("complex", complex), ("remote", remote),
                                         ("several_places", several_places)) if on]
        found = [(name, days) for name in wanted if (days := self.variant(name)) is not None]
        if not found:
            return self.limit, "standard"
        name, days = found[0] if found[0][0] == "remote_complex" else max(found, key=lambda f: f[1])
        return days, name

    def allowed_extensions(self, *, complex: bool = False, very_complex: bool = False) -> int:
        if very_complex:
            return self.max_extensions
        return self.max_extensions_complex if complex else 0


_LAW_COMPLAINTS = "Law on Complaints 02/2011/QH13"
_LAW_DENUNCIATIONS = "Law on Denunciations 25/2018/QH14"
_ACCEPTANCE_NOTE = (
    "The Law on Complaints (Art. 27, first time; Art. 36, second time) says “10 ngày” (10 days); "
    "NĐ 124/2020/NĐ-CP, Art. 16 says 10 working days: this rule follows the decree and counts "
    "working days."
)
_ACCEPTANCE_NOTE_2026 = (
    "The Law on Complaints (Art. 27, first time; Art. 36, second time) says “10 ngày” (10 days); "
    "NĐ 124/2020/NĐ-CP, Art. 16 as amended by NĐ 155/2026/NĐ-CP says 7 working days: this rule "
    "follows the decree and counts working days."
)

DEFAULT_RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(
        step=Step.LETTER_HANDLING, limit=10, unit="working", effective_from=BASELINE,
        source="TT 05/2021/TT-TTCP (letter handling)", status="open",
        label="Letter handling (xử lý đơn)",
        description="Classify the letter and decide: accept, forward, guide or archive.",
    ),
    DeadlineRule(
        step=Step.RECEPTION_REPLY, limit=10, unit="working", effective_from=BASELINE,
        source="Law on Citizen Reception 42/2013/QH13, Art. 28", status="law",
        label="Reply to a person received at reception",
        description="Tell the person received at reception what happens to their matter.",
    ),
    DeadlineRule(
        step=Step.COMPLAINT_ACCEPTANCE, limit=10, unit="working", effective_from=BASELINE,
        source=f"{_LAW_COMPLAINTS}, Art. 27 and 36; NĐ 124/2020/NĐ-CP, Art. 16", status="law",
        label="Accept or refuse a complaint (thụ lý)",
        description="First- and second-time complaints; letters received before 01/7/2026.",
        note=_ACCEPTANCE_NOTE,
    ),
    DeadlineRule(
        step=Step.COMPLAINT_ACCEPTANCE, limit=7, unit="working", effective_from=date(2026, 7, 1),
        source=f"{_LAW_COMPLAINTS}, Art. 27 and 36; NĐ 124/2020/NĐ-CP, Art. 16, as amended by "
               "NĐ 155/2026/NĐ-CP", status="2026",
        label="Accept or refuse a complaint (thụ lý)",
        description="First- and second-time complaints; letters received from 01/7/2026.",
        note=_ACCEPTANCE_NOTE_2026,
    ),
    DeadlineRule(
        step=Step.COMPLAINT_RESOLUTION, limit=30, unit="calendar", effective_from=BASELINE,
        source=f"{_LAW_COMPLAINTS}, Art. 28", status="law",
        label="Resolve a complaint, first time",
        description="From acceptance. The complex flag is a recorded decision.",
        variants=(("complex", 45), ("remote", 45), ("remote_complex", 60)),
    ),
    DeadlineRule(
        step=Step.COMPLAINT_DECISION_NOTICE, limit=3, unit="working", effective_from=BASELINE,
        source=f"{_LAW_COMPLAINTS}, Art. 32", status="law",
        label="Send the first-time complaint decision",
        description="From the decision.",
    ),
    DeadlineRule(
        step=Step.COMPLAINT2_FILING, limit=30, unit="calendar", effective_from=BASELINE,
        source=f"{_LAW_COMPLAINTS}, Art. 33", status="law",
        label="File a second-time complaint",
        description=(
            "The complainant's limit: from receipt of the first-time decision, or from the "
            "end of the first-time limit when no decision was made."
        ),
        variants=(("remote", 45),),
    ),
    DeadlineRule(
        step=Step.COMPLAINT2_RESOLUTION, limit=45, unit="calendar", effective_from=BASELINE,
        source=f"{_LAW_COMPLAINTS}, Art. 37", status="law",
        label="Resolve a complaint, second time",
        description="From acceptance.",
        variants=(("complex", 60), ("remote", 60), ("remote_complex", 70)),
    ),
    DeadlineRule(
        step=Step.DENUNCIATION_PROCESSING, limit=7, unit="working", effective_from=BASELINE,
        source=f"{_LAW_DENUNCIATIONS}, Art. 24(1)", status="law",
        label="Initial processing of a denunciation",
        description=(
            "Register, classify, check the denouncer, decide acceptance; from receipt. Checking at "
            "several places: longer, but not more than 10 working days."
        ),
        variants=(("several_places", 10),), chosen_variants=("several_places",),
    ),
    DeadlineRule(
        step=Step.DENUNCIATION_FORWARDING, limit=5, unit="working", effective_from=BASELINE,
        source=f"{_LAW_DENUNCIATIONS}, Art. 24(2)", status="law",
        label="Forward a denunciation outside competence",
        description="Forward it to the competent body and tell the denouncer; from receipt.",
    ),
    DeadlineRule(
        step=Step.DENUNCIATION_ACCEPTANCE_NOTICE, limit=5, unit="working", effective_from=BASELINE,
        source=f"{_LAW_DENUNCIATIONS}, Art. 29(3)", status="law",
        label="Notify the acceptance of a denunciation",
        description="Notify the denouncer and the accused; from the acceptance decision.",
    ),
    DeadlineRule(
        step=Step.DENUNCIATION_RESOLUTION, limit=30, unit="calendar", effective_from=BASELINE,
        source=f"{_LAW_DENUNCIATIONS}, Art. 30", status="law",
        label="Resolve a denunciation",
        description=(
            "From acceptance. Complex: one extension of up to 30 days; especially complex: "
            "two, each by written decision (90 days at most). The length decided (1 to 30 "
            "days) is recorded and counted."
        ),
        max_extensions=2, max_extensions_complex=1, extension_days=30,
    ),
    DeadlineRule(
        step=Step.DENUNCIATION_SUSPENSION_NOTICE, limit=5, unit="working", effective_from=BASELINE,
        source=f"{_LAW_DENUNCIATIONS}, Art. 34", status="law",
        label="Notify a suspension or termination",
        description="From the decision to suspend or terminate the resolution.",
    ),
    DeadlineRule(
        step=Step.COMPLAINT_PROCEDURE_NOTICE, limit=3, unit="working", effective_from=date(2026, 7, 1),
        source="NĐ 124/2020/NĐ-CP, Art. 28b, added by NĐ 155/2026/NĐ-CP, Art. 12", status="2026",
        label="Send a decision to suspend, resume or terminate a complaint's resolution",
        description=(
            "From the decision; letters received from 01/7/2026. Sent to the complainant and the "
            "parties concerned."
        ),
        note=(
            "The decree's text could not be read in this review: the 3 working days are those "
            "reported in secondary copies."
        ),
    ),
    DeadlineRule(
        step=Step.COMPLAINT2_DECISION_NOTICE, limit=7, unit="working", effective_from=BASELINE,
        source=f"{_LAW_COMPLAINTS}, Art. 41", status="unread",
        label="Send the second-time complaint decision",
        description="From the second-time decision; to the complainant and the parties concerned.",
        note=(
            "Art. 41 could not be read in this review: the 7 working days are the period as "
            "reported; check it against the Law."
        ),
    ),
    DeadlineRule(
        step=Step.DENUNCIATION_CONCLUSION_NOTICE, limit=5, unit="working", effective_from=BASELINE,
        source=f"{_LAW_DENUNCIATIONS}, Art. 35", status="unread",
        label="Send the conclusion on a denunciation",
        description=(
            "From the conclusion: sent to the accused and their agency, and the denouncer "
            "notified of it."
        ),
        note=(
            "Art. 35 could not be read in this review: the 5 working days are the period as "
            "reported; check it against the Law."
        ),
    ),
    DeadlineRule(
        step=Step.DENUNCIATION_CONCLUSION_HANDLING, limit=7, unit="working", effective_from=BASELINE,
        source=f"{_LAW_DENUNCIATIONS}, Art. 36", status="unread",
        label="Act on the conclusion on a denunciation",
        description="From the conclusion: the handling the conclusion calls for.",
        note=(
            "Art. 36 could not be read in this review: the 7 working days are the period as "
            "reported; check it against the Law."
        ),
    ),
    DeadlineRule(
        step=Step.PETITION_FORWARDING, limit=5, unit="working", effective_from=BASELINE,
        source="NĐ 20/2008/NĐ-CP, Art. 9(1)(d)", status="law",
        label="Forward feedback on an administrative regulation",
        description=(
            "Only feedback on an administrative regulation (NĐ 20/2008); other petitions and "
            "feedback follow letter handling (TT 05/2021/TT-TTCP, Art. 1 leaves NĐ 20/2008's "
            "feedback out). From receipt."
        ),
    ),
    DeadlineRule(
        step=Step.PETITION_ANSWER, limit=15, unit="working", effective_from=BASELINE,
        source="Provincial setting: no limit set by law", status="open",
        label="Answer a petition or feedback",
        description="Not set by law; the default of 15 working days is a provincial setting.",
    ),
    DeadlineRule(
        step=Step.VOTER_PETITION_ANSWER, limit=60, unit="calendar", effective_from=BASELINE,
        source=(
            "QĐ 33/2017/QĐ-TTg, Art. 12(1), as amended by QĐ 30/2020/QĐ-TTg (petitions the "
            "National Assembly forwards); Nghệ An QĐ 98/2025/QĐ-UBND not yet read"
        ),
        status="open",
        label="Answer a voter petition",
        description="From receipt by the agency; 60 days is the default provincial setting.",
    ),
)

RuleSource = Mapping[str, "DeadlineRule | Iterable[DeadlineRule]"] | Iterable[DeadlineRule]


def _all_rules(rules: RuleSource) -> list[DeadlineRule]:
    if isinstance(rules, Mapping):
        found: list[DeadlineRule] = []
        for value in rules.values():
            found.extend([value] if isinstance(value, DeadlineRule) else value)
        return found
    return list(rules)


def rules_for(step: str, rules: RuleSource = DEFAULT_RULES) -> list[DeadlineRule]:
    """The rules of one step, oldest first."""
    return sorted((r for r in _all_rules(rules) if r.step == step), key=lambda r: r.effective_from)


def select_rule(step: str, received_on: date, rules: RuleSource = DEFAULT_RULES) -> DeadlineRule:
    """The rule of ``step`` in force on the day the letter was received."""
    candidates = rules_for(step, rules)
    if not candidates:
        raise DeadlineError(UNKNOWN_STEP.format(step=step))
    in_force = [r for r in candidates if r.effective_from <= received_on]
    if not in_force:
        raise DeadlineError(NO_RULE_IN_FORCE.format(step=step, day=received_on.isoformat()))
    return in_force[-1]


def merge_rules(
    overrides: Iterable[DeadlineRule], base: Iterable[DeadlineRule] = DEFAULT_RULES
) -> tuple[DeadlineRule, ...]:
    """``base`` with each override replacing the rule of the same step and effective date
    (or added, when it starts a new period), e.g. a provincial petition-answer limit."""
    table = {(r.step, r.effective_from): r for r in base}
    table.update({(r.step, r.effective_from): r for r in overrides})
    return tuple(table.values())


@dataclass(frozen=True)
class Msg:
    """A string of the workflow package (a msgid of the catalogue), translated on display."""

    text: str


@dataclass(frozen=True)
class Line:
    """One line of an explanation: a template of :data:`MESSAGES` and its values, kept
    apart so that the line is written in the reader's language when it is shown.

    Values are ``int``, ``date``, :class:`Msg`, a nested :class:`Line`, plain ``str``
    (numbers, a document number), or ``("days", skipped)`` / ``("ranges", pairs)``.
    ``kind`` names the line ("status" is the one a page may show once, in a note).
    """

    template: str
    values: tuple[tuple[str, Any], ...] = ()
    kind: str = ""

    def render(self, *, tr=lambda text: text, day=lambda d: d.isoformat(),
               reason=lambda d, why: why) -> str:
        """The line written with ``tr`` (a msgid in the reader's language), ``day`` (a
        date) and ``reason`` (why a day is not counted)."""
        def value(v):
            if isinstance(v, Msg):
                return tr(v.text)
            if isinstance(v, Line):
                return v.render(tr=tr, day=day, reason=reason)
            if isinstance(v, date):
                return day(v)
            if isinstance(v, tuple) and v and v[0] == "days":
                return "; ".join(f"{day(d)} ({reason(d, why)})" for d, why in v[1])
            if isinstance(v, tuple) and v and v[0] == "ranges":
                return ", ".join(tr(EXPLAIN_RANGE).format(first=day(a), last=day(b)) for a, b in v[1])
            return str(v)
        return tr(self.template).format(**{k: value(v) for k, v in self.values})


@dataclass(frozen=True)
class DueDate:
    """A computed due date and everything needed to explain it."""

    step: str
    start: date
    received_on: date
    due: date
    rule: DeadlineRule
    limit_days: int
    unit: Unit
    variant: str = "standard"
    extensions: int = 0
    skipped: tuple[Skipped, ...] = ()
    suspended_days: int = 0
    suspensions: tuple[Suspension, ...] = field(default=())
    moved_from: date | None = None
    #: the lengths decided for each extension (1 to the rule's maximum)
    extension_lengths: tuple[int, ...] = ()
    #: the length decided for a variant the law sets as a maximum (several places)
    chosen_days: int | None = None
    #: which day the count starts from, when the law says it: "decision_received", "decision_sent"
    start_basis: str | None = None
    #: a complexity determined during the case: (("ground", msgid), ("document", no), ("day", iso))
    complexity: tuple[tuple[str, str], ...] = ()

    def lines(self) -> list[Line]:
        """The explanation, as lines to write in the reader's language."""
        rule = self.rule
        ext: Line | str = ""
        if self.extensions:
            why = Msg(WHY_VERY_COMPLEX if self.extensions > rule.max_extensions_complex else WHY_COMPLEX)
            lengths = self.extension_lengths or (rule.extension_days,) * self.extensions
            if all(n == rule.extension_days for n in lengths):
                ext = Line(EXPLAIN_EXTENSIONS, (("count", self.extensions), ("days", rule.extension_days),
                                                ("why", why)))
            else:
                ext = Line(EXPLAIN_EXTENSION_LENGTHS, (("count", self.extensions),
                                                       ("lengths", " + ".join(map(str, lengths))),
                                                       ("why", why), ("max", rule.extension_days)))
        unit = Msg(UNIT_LABELS[self.unit])
        out = [
            Line(EXPLAIN_RULE, (("label", Msg(rule.label)), ("limit", self.limit_days), ("unit", unit),
                                ("variant", Msg(VARIANT_LABELS.get(self.variant, self.variant))),
                                ("extensions", ext)), kind="rule"),
        ]
        if self.chosen_days is not None:
            out.append(Line(EXPLAIN_CHOSEN, (("days", self.chosen_days), ("unit", unit),
                                             ("max", rule.variant(self.variant) or self.chosen_days))))
        out.append(Line(EXPLAIN_SOURCE, (("source", Msg(rule.source)),), kind="source"))
        out.append(Line(EXPLAIN_STATUS, (("status", Msg(STATUS_LABELS[rule.status])),), kind="status"))
        if rule.note:
            out.append(Line(rule.note, kind="note"))
        if rule.effective_from == BASELINE:
            out.append(Line(EXPLAIN_BASELINE, (("received", self.received_on),)))
        else:
            out.append(Line(EXPLAIN_EFFECTIVE, (("effective", rule.effective_from), ("received", self.received_on))))
        if self.start_basis == "decision_received":
            out.append(Line(EXPLAIN_FROM_DECISION_RECEIVED, (("day", self.start),)))
        elif self.start_basis == "decision_sent":
            out.append(Line(EXPLAIN_FROM_DECISION_SENT, (("day", self.start),)))
        if self.complexity:
            info = dict(self.complexity)
            out.append(Line(EXPLAIN_COMPLEXITY, (("document", info.get("document", "")),
                                                 ("day", date.fromisoformat(info["day"])),
                                                 ("ground", Msg(info.get("ground", ""))))))
        out.append(Line(EXPLAIN_START, (("start", self.start),)))
        moved = {d for d, _ in self.skipped if self.moved_from and d >= self.moved_from}
        passed = tuple((d, why) for d, why in self.skipped if d not in moved)
        if passed:
            out.append(Line(EXPLAIN_SKIPPED, (("days", ("days", passed)),), kind="skipped"))
        if self.suspended_days:
            out.append(Line(EXPLAIN_SUSPENDED, (("days", self.suspended_days),
                                                ("ranges", ("ranges", self.suspensions)))))
        if self.moved_from:
            moved_days = tuple((d, why) for d, why in self.skipped if d in moved)
            out.append(Line(EXPLAIN_MOVED, (("last", self.moved_from), ("reasons", ("days", moved_days)))))
        out.append(Line(EXPLAIN_DUE, (("due", self.due),), kind="due"))
        return out

    def explain(self) -> list[str]:
        """Plain English lines (ISO dates): the rule, its source, the counting."""
        return [line.render() for line in self.lines()]

    # -- storage: the structured data the explanation is written from on display --

    def to_data(self) -> dict[str, Any]:
        """JSON-ready data from which :meth:`from_data` rebuilds this due date."""
        r = self.rule
        return {
            "v": 2, "step": self.step, "start": self.start.isoformat(),
            "received_on": self.received_on.isoformat(), "due": self.due.isoformat(),
            "rule": {"limit": r.limit, "unit": r.unit, "effective_from": r.effective_from.isoformat(),
                     "source": r.source, "status": r.status, "label": r.label, "note": r.note,
                     "variants": [list(v) for v in r.variants], "max_extensions": r.max_extensions,
                     "max_extensions_complex": r.max_extensions_complex, "extension_days": r.extension_days},
            "limit_days": self.limit_days, "unit": self.unit, "variant": self.variant,
            "extensions": self.extensions, "extension_lengths": list(self.extension_lengths),
            "chosen_days": self.chosen_days, "start_basis": self.start_basis,
            "complexity": dict(self.complexity) or None,
            "skipped": [[d.isoformat(), why] for d, why in self.skipped],
            "suspended_days": self.suspended_days,
            "suspensions": [[a.isoformat(), b.isoformat()] for a, b in self.suspensions],
            "moved_from": self.moved_from.isoformat() if self.moved_from else None,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> DueDate:
        d = date.fromisoformat
        r = data["rule"]
        rule = DeadlineRule(
            step=data["step"], limit=r["limit"], unit=r["unit"], effective_from=d(r["effective_from"]),
            source=r["source"], status=r["status"], label=r["label"], note=r.get("note", ""),
            variants=tuple((name, days) for name, days in r.get("variants", ())),
            max_extensions=r.get("max_extensions", 0), max_extensions_complex=r.get("max_extensions_complex", 0),
            extension_days=r.get("extension_days", 0))
        return cls(
            step=data["step"], start=d(data["start"]), received_on=d(data["received_on"]), due=d(data["due"]),
            rule=rule, limit_days=data["limit_days"], unit=data["unit"], variant=data.get("variant", "standard"),
            extensions=data.get("extensions", 0), skipped=tuple((d(a), why) for a, why in data.get("skipped", ())),
            suspended_days=data.get("suspended_days", 0),
            suspensions=tuple((d(a), d(b)) for a, b in data.get("suspensions", ())),
            moved_from=d(data["moved_from"]) if data.get("moved_from") else None,
            extension_lengths=tuple(data.get("extension_lengths") or ()), chosen_days=data.get("chosen_days"),
            start_basis=data.get("start_basis"), complexity=tuple((data.get("complexity") or {}).items()),
        )


def compute_due(
    step: str,
    start: date,
    *,
    calendar: WorkingCalendar,
    received_on: date | None = None,
    complex: bool = False,
    very_complex: bool = False,
    remote: bool = False,
    several_places: bool = False,
    extensions: int = 0,
    extension_lengths: Sequence[int | None] = (),
    chosen_days: int | None = None,
    suspensions: Sequence[Suspension] = (),
    start_basis: str | None = None,
    complexity: Mapping[str, str] | None = None,
    rules: RuleSource = DEFAULT_RULES,
) -> DueDate:
    """The due date of ``step`` started on ``start`` (an act date, not counted).

    The rule is the one in force on ``received_on`` (the day the letter was
    received; ``start`` by default). ``very_complex`` implies ``complex``.
    ``extension_lengths`` are the lengths decided for the extensions, in order (a
    missing or ``None`` one counts as the maximum); ``chosen_days`` the length
    decided for a variant the law sets as a maximum (several places).
    ``suspensions`` are (first day, last day) pairs, both included, not counted.
    ``start_basis`` and ``complexity`` are carried into the explanation.
    """
    received_on = received_on or start
    rule = select_rule(step, received_on, rules)
    complex = complex or very_complex
    limit, variant = rule.limit_for(complex=complex, remote=remote, several_places=several_places)
    if extensions < 0:
        raise DeadlineError(NEGATIVE_EXTENSIONS)
    allowed = rule.allowed_extensions(complex=complex, very_complex=very_complex)
    if extensions > allowed:
        why = "especially complex" if very_complex else "complex" if complex else "not complex"
        raise DeadlineError(TOO_MANY_EXTENSIONS.format(step=step, allowed=allowed, why=why,
                                                       asked=extensions))
    if len(extension_lengths) > extensions:
        raise DeadlineError(TOO_MANY_LENGTHS.format(lengths=len(extension_lengths), count=extensions))
    lengths = []
    for n in [*extension_lengths, *([None] * (extensions - len(extension_lengths)))]:
        if n is None:
            n = rule.extension_days
        if not 1 <= n <= rule.extension_days:
            raise DeadlineError(BAD_EXTENSION_LENGTH.format(max=rule.extension_days, days=n))
        lengths.append(n)
    chosen = None
    if chosen_days is not None and variant in rule.chosen_variants:
        if not rule.limit < chosen_days <= limit:
            raise DeadlineError(BAD_CHOSEN_LENGTH.format(low=rule.limit + 1, high=limit, days=chosen_days,
                                                         unit=UNIT_LABELS[rule.unit]))
        limit = chosen = chosen_days
    limit += sum(lengths)
    pauses = tuple(sorted(suspensions))
    for begin, end in pauses:
        if end < begin:
            raise DeadlineError(BAD_SUSPENSION.format(begin=begin.isoformat(), end=end.isoformat()))
        if begin < start:
            raise DeadlineError(SUSPENSION_BEFORE_START.format(begin=begin.isoformat(),
                                                               start=start.isoformat()))

    def suspended(d: date) -> bool:
        return any(begin <= d <= end for begin, end in pauses)

    skipped: list[Skipped] = []
    suspended_days = 0
    day, counted = start, 0
    while counted < limit:
        day += timedelta(days=1)
        if suspended(day):
            suspended_days += 1
            continue
        reason = calendar.non_working_reason(day) if rule.unit == "working" else None
        if reason is None:
            counted += 1
        else:
            skipped.append((day, reason))
    moved_from = None
    if rule.unit == "calendar" and not calendar.is_working_day(day):
        moved = calendar.count_next_working_day(day)
        moved_from, day = day, moved.day
        skipped.extend(moved.skipped)
    return DueDate(
        step=step, start=start, received_on=received_on, due=day, rule=rule, limit_days=limit,
        unit=rule.unit, variant=variant, extensions=extensions, skipped=tuple(skipped),
        suspended_days=suspended_days, suspensions=pauses, moved_from=moved_from,
        extension_lengths=tuple(lengths) if any(n != rule.extension_days for n in lengths) else (),
        chosen_days=chosen, start_basis=start_basis,
        complexity=tuple(sorted((complexity or {}).items())),
    )


def rule_in_force(step: str, received_on: date, rules: RuleSource = DEFAULT_RULES) -> bool:
    """Whether ``step`` has a rule for a letter received on ``received_on`` (a limit that
    a later text added does not run for letters received before it)."""
    return any(r.effective_from <= received_on for r in rules_for(step, rules))
