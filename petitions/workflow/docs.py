"""Documentation generated from the tables, so it cannot drift from the code.

``python -m petitions.workflow.docs > docs/workflow.md`` regenerates the page; a
test checks that the committed page equals :func:`render_docs`.
"""
from __future__ import annotations

from . import calendar_decisions
from .deadlines import BASELINE, DEFAULT_RULES, STATUS_LABELS, UNIT_LABELS, VARIANT_LABELS, DeadlineRule
from .states import INITIAL_STATUS, Kind, Status
from .transitions import Transition, rows_for

__all__ = ["diagram", "render_docs", "FLOWS"]

#: every flow documented: (title, kind, second_time)
FLOWS: tuple[tuple[str, Kind, bool], ...] = (
    ("Complaint, first time (khiếu nại lần đầu)", Kind.COMPLAINT, False),
    ("Complaint, second time (khiếu nại lần hai)", Kind.COMPLAINT, True),
    ("Denunciation (tố cáo)", Kind.DENUNCIATION, False),
    ("Petition or feedback (kiến nghị, phản ánh)", Kind.PETITION, False),
    ("Voter petition (kiến nghị cử tri)", Kind.VOTER_PETITION, False),
)


def _edges(rows: tuple[Transition, ...]) -> list[tuple[Status, Status, str]]:
    suspendable = [s for row in rows if row.target == Status.SUSPENDED for s in row.sources]
    edges: list[tuple[Status, Status, str]] = []
    for row in rows:
        for source in row.sources:
            if row.resumes:
                edges.extend((source, back, row.event.value) for back in suspendable)
            else:
                edges.append((source, row.target or source, row.event.value))
    return list(dict.fromkeys(edges))


def diagram(kind: Kind | str, second_time: bool = False) -> str:
    """A Mermaid ``stateDiagram-v2`` of one kind, generated from the transition table."""
    rows = rows_for(Kind(kind), second_time)
    edges = _edges(rows)
    lines = ["stateDiagram-v2", f"    [*] --> {INITIAL_STATUS.value}"]
    lines += [f"    {a.value} --> {b.value} : {event}" for a, b, event in edges]
    sources = {a for a, _, _ in edges}
    ends = dict.fromkeys(b for _, b, _ in edges if b not in sources)
    lines += [f"    {end.value} --> [*]" for end in ends]
    return "\n".join(lines) + "\n"


def _limit(rule: DeadlineRule) -> str:
    text = str(rule.limit)
    extra = [f"{VARIANT_LABELS[name]} {days}" for name, days in rule.variants]
    if extra:
        text += "; " + "; ".join(extra)
    return text


def _extensions(rule: DeadlineRule) -> str:
    if not rule.max_extensions:
        return "-"
    return (f"+1 to {rule.extension_days} days (the length decided): {rule.max_extensions_complex} time(s) "
            f"if complex, {rule.max_extensions} if especially complex")


def _notes() -> list[str]:
    lines = ["", "Notes on how the texts were read:", ""]
    for r in DEFAULT_RULES:
        if r.note:
            since = "" if r.effective_from == BASELINE else f" (from {r.effective_from.isoformat()})"
            lines.append(f"- `{r.step}`{since}: {r.note}")
        if r.chosen_variants:
            lines.append(f"- `{r.step}`: {', '.join(VARIANT_LABELS[v] for v in r.chosen_variants)} is a "
                         "maximum: the length decided is recorded and counted.")
    return lines


def _calendar() -> list[str]:
    lines = [
        "## Official calendar decisions shipped as data",
        "",
        f"Data version `{calendar_decisions.DATA_VERSION}` (`petitions/workflow/calendar_decisions.py`), "
        "loaded by `flask seed units` and by a migration; a day an administrator decided is never "
        "overwritten. What the `holidays` package already has is not repeated.",
        "",
        "| day | counted as | decision | source | read in |",
        "|---|---|---|---|---|",
    ]
    for d in calendar_decisions.DECISIONS:
        kind = "day off" if d.kind == "day_off" else "working day"
        lines.append(f"| {d.day.isoformat()} | {kind} | {d.note} | {d.source} | {d.read_in} |")
    lines += ["", "Days the package counts as holidays without an enacted legal basis (followed by "
              "default; `CALENDAR_FOLLOW_UNENACTED=0` ignores them):", ""]
    lines += [f"- {u.day.isoformat()} {u.name}: {u.basis}." for u in calendar_decisions.UNENACTED]
    days = sorted(calendar_decisions.ESTIMATES)
    if days:
        lines += ["", f"Estimates, counted as the package says until a notice is found: {days[0].isoformat()} to "
                  f"{days[-1].isoformat()} ({calendar_decisions.ESTIMATES[days[0]]})."]
    return lines


def _rules_table() -> list[str]:
    lines = [
        "| step | what | limit | unit | extension | in force from | status | source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in DEFAULT_RULES:
        since = "-" if r.effective_from == BASELINE else r.effective_from.isoformat()
        lines.append(
            f"| `{r.step}` | {r.label} | {_limit(r)} | {UNIT_LABELS[r.unit]} | {_extensions(r)} "
            f"| {since} | {r.status} | {r.source} |"
        )
    return lines


def _transition_table(rows: tuple[Transition, ...]) -> list[str]:
    lines = [
        "| action | from | to | who | checks | deadlines | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        target = "(previous)" if row.resumes else (row.target.value if row.target else "(same)")
        deadlines = [f"{'restarts' if s.restart else 'starts'} `{s.step}`"
                     + (" (from the day the decision was received, if known)" if s.since == "decision_received"
                        else "") for s in row.starts]
        deadlines += [f"checks `{s}`" for s in row.checks]
        deadlines += [f"checks `{s}` when `{name}` is set" for s, name in row.checks_when]
        deadlines += [f"pauses `{s}`" for s in row.pauses]
        deadlines += [f"recomputes `{s}`" for s in row.recomputes]
        if row.stops == "all":
            deadlines.append("stops all")
        else:
            deadlines += [f"stops `{s}`" for s in row.stops]
        lines.append(
            f"| `{row.event.value}` | {', '.join(s.value for s in row.sources)} | {target} "
            f"| {', '.join(sorted(r.value for r in row.roles))} "
            f"| {', '.join(g.name for g in row.guards) or '-'} | {'; '.join(deadlines) or '-'} "
            f"| {row.source or '-'} |"
        )
    return lines


INTRO = """\
# Workflow: statuses, actions and time limits

Generated from `petitions/workflow/` by `python -m petitions.workflow.docs`; do not
edit by hand (a test compares this page with the code).

Every letter starts as `received`. An officer's action (an *event*) moves a case
from one status to another only if the transition table allows it: the right
status, the right role, the required fields, and the named checks (guards). Each
action may start, stop, pause or recompute time limits. "Overdue" is never a
status: it is derived from the stored due dates.

`suspend` is possible from any running status and `resume` returns to the status
held before the suspension; the suspended days are not counted.
"""

RULES_INTRO = """\
## Time limits

Counting (Civil Code 2015, Art. 145-148): the day of the triggering act is not
counted; working days skip Saturdays, Sundays and public holidays; a period in
calendar days that ends on a weekend day or a public holiday ends at the end of
the next working day. Days in a suspension (from the day of the suspension
decision to the day of the resumption decision, both included) are not counted.
Public holidays come from the `holidays` package (Labour Code 2019, Art. 112,
and 24/11 from 2026) and the yearly official decisions loaded as overrides.

The rule applied is the one in force on the day the letter was **received**
(for example complaint acceptance: 10 working days for letters received before
1 July 2026, 7 from that day); "-" under "in force from" means in force before
any letter in this system. Status: {statuses}. Rules marked `open` are
provincial settings, editable by an administrator, never to be shown as law.
"""


def render_docs() -> str:
    """The Markdown of docs/workflow.md."""
    statuses = "; ".join(f"`{k}`: {v}" for k, v in STATUS_LABELS.items())
    parts = [INTRO, RULES_INTRO.format(statuses=statuses), "\n".join(_rules_table() + _notes()) + "\n",
             "\n".join(_calendar()) + "\n"]
    for title, kind, second_time in FLOWS:
        rows = rows_for(kind, second_time)
        parts.append(f"## {title}\n")
        parts.append("```mermaid\n" + diagram(kind, second_time) + "```\n")
        parts.append("\n".join(_transition_table(rows)) + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render_docs(), end="")
