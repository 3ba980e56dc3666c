"""Target 4 figures, computed from the stored time limits and the event log, never typed in.

Target 4 (Kế hoạch 04-ĐA/TU, II.4): handle or forward **on time 100%** of complaint and
denunciation letters, and **resolve over 95%** of the cases within the administration's
competence. The definitions, in plain words (they are also on the public statistics page):

- A *letter received* in the period is a case whose receipt date falls in it (a copy the
  system made when forwarding or splitting inside the same scope is not counted twice);
  a letter *carried over* was received before and was still not handled when the period
  began. Both are judged.
- Its *handling* is the letter-handling time limit (10 working days): handled on time,
  handled late, or, at the end of the period, not handled and already overdue (these count
  against the rate: an open overdue letter is not "not yet late"), or not handled and not
  yet due (left out of the rate).
- A *case within competence* is a case accepted for resolution: its resolution limit
  started before the period ended and had not ended before it began. Carried over: accepted
  before the period; new: accepted in it.
- *Resolved*: its resolution limit ended in the period by a decision, a conclusion or an
  answer; on time if by the due date (extensions included). Ended otherwise (withdrawn,
  terminated, taken to court, escalated before a decision): shown apart, and counted as
  resolved only if the setting ``REPORT_WITHDRAWN_AS_RESOLVED`` says so.
- The figures are counted as the situation stood at the end of the period (or today, for a
  period that has not ended).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import and_, case, exists, func, not_, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Agency, Case, CaseEvent, Deadline

HANDLING_STEP = "letter-handling"
RESOLUTION_STEPS = {
    "complaint": ("complaint-resolution", "complaint2-resolution"),
    "denunciation": ("denunciation-resolution",),
    "petition": ("petition-answer",),
}
RESOLVING_EVENTS = ("decide", "conclude", "answer")
TARGET_KINDS = ("complaint", "denunciation")
# a complaint decision read as the reporting indicator (TT 01/2024): the complaint was
# correct when the act was annulled, partly correct when amended, wrong when upheld
VERDICT = {"annul": "correct", "amend": "partly_correct", "uphold": "wrong",
           "correct": "correct", "partly_correct": "partly_correct", "wrong": "wrong"}

LETTER_FIGURES = ("letters_total", "letters_received", "letters_carried_over", "letters_on_time", "letters_late",
                  "letters_open_overdue", "letters_open")
CASE_FIGURES = ("cases_total", "cases_carried_over", "cases_new", "cases_resolved", "cases_resolved_on_time",
                "cases_resolved_late", "cases_withdrawn", "cases_open", "cases_open_overdue",
                "verdict_correct", "verdict_partly_correct", "verdict_wrong")
FIGURES = LETTER_FIGURES + CASE_FIGURES


@dataclass(frozen=True)
class Scope:
    start: date
    end: date
    today: date
    agency_ids: tuple[int, ...] | None = None   # None: the whole province
    kinds: tuple[str, ...] = TARGET_KINDS
    commune_id: int | None = None

    @property
    def as_of(self) -> date:
        return min(self.end, self.today)


@dataclass
class Report:
    scope: Scope
    figures: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.figures[name]

    @property
    def on_time_rate(self) -> float | None:
        f = self.figures
        judged = f["letters_on_time"] + f["letters_late"] + f["letters_open_overdue"]
        return f["letters_on_time"] / judged if judged else None

    @property
    def resolution_rate(self) -> float | None:
        f = self.figures
        if not f["cases_total"]:
            return None
        resolved = f["cases_resolved"]
        if current_app.config.get("REPORT_WITHDRAWN_AS_RESOLVED"):
            resolved += f["cases_withdrawn"]
        return resolved / f["cases_total"]

    def as_dict(self) -> dict:
        return {**self.figures, "on_time_rate": self.on_time_rate, "resolution_rate": self.resolution_rate}


def agency_tree(agency_id: int) -> tuple[int, ...]:
    """The agency and every agency under it."""
    children: dict[int | None, list[int]] = {}
    for aid, parent in db.session.execute(select(Agency.id, Agency.parent_id)):
        children.setdefault(parent, []).append(aid)
    out, todo = [], [agency_id]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return tuple(sorted(out))


def _scope_filter(scope: Scope):
    conds = [Case.kind.in_(scope.kinds)]
    if scope.agency_ids is not None:
        conds.append(Case.agency_id.in_(scope.agency_ids))
    if scope.commune_id is not None:
        conds.append(Case.commune_id == scope.commune_id)
    return and_(*conds)


def _not_a_copy(scope: Scope):
    """A letter the system copied (forwarded, split) counts once in a scope holding both."""
    parent = aliased(Case)
    inside = exists().where(parent.id == Case.parent_id)
    if scope.agency_ids is not None:
        inside = exists().where(parent.id == Case.parent_id, parent.agency_id.in_(scope.agency_ids))
    return or_(Case.link_type.is_(None), Case.link_type.not_in(("forwarded_from", "split_from")), not_(inside))


def letter_conditions(scope: Scope) -> dict:
    as_of = scope.as_of
    done = and_(Deadline.completed_on.is_not(None), Deadline.completed_on <= as_of)
    common = and_(Deadline.step == HANDLING_STEP, _scope_filter(scope), _not_a_copy(scope))
    new = and_(common, Case.received_on.between(scope.start, scope.end))
    # received before the period and still not handled when it began: the backlog stays in the rate
    carried = and_(common, Case.received_on < scope.start,
                   or_(Deadline.completed_on.is_(None), Deadline.completed_on >= scope.start))
    base = or_(new, carried)
    return {
        "letters_total": base,
        "letters_received": new,
        "letters_carried_over": carried,
        "letters_on_time": and_(base, done, Deadline.completed_on <= Deadline.due_on),
        "letters_late": and_(base, done, Deadline.completed_on > Deadline.due_on),
        "letters_open_overdue": and_(base, not_(done), Deadline.due_on < as_of),
        "letters_open": and_(base, not_(done), Deadline.due_on >= as_of),
    }


def case_conditions(scope: Scope) -> dict:
    as_of = scope.as_of
    steps = [s for k in scope.kinds for s in RESOLUTION_STEPS.get(k, ())]
    resolving = exists().where(CaseEvent.case_id == Case.id, CaseEvent.event.in_(RESOLVING_EVENTS),
                               CaseEvent.acted_on == Deadline.completed_on)
    ended = and_(Deadline.completed_on.is_not(None), Deadline.completed_on <= as_of)
    base = and_(Deadline.step.in_(steps), Deadline.started_on <= scope.end,
                or_(Deadline.completed_on.is_(None), Deadline.completed_on >= scope.start), _scope_filter(scope))
    resolved = and_(base, ended, resolving)
    verdict = {v: [k for k, mapped in VERDICT.items() if mapped == v] for v in ("correct", "partly_correct", "wrong")}
    return {
        "cases_total": base,
        "cases_carried_over": and_(base, Deadline.started_on < scope.start),
        "cases_new": and_(base, Deadline.started_on >= scope.start),
        "cases_resolved": resolved,
        "cases_resolved_on_time": and_(resolved, Deadline.completed_on <= Deadline.due_on),
        "cases_resolved_late": and_(resolved, Deadline.completed_on > Deadline.due_on),
        "cases_withdrawn": and_(base, ended, not_(resolving)),
        "cases_open": and_(base, not_(ended)),
        "cases_open_overdue": and_(base, not_(ended), Deadline.paused_on.is_(None), Deadline.due_on < as_of),
        "verdict_correct": and_(resolved, Case.outcome.in_(verdict["correct"])),
        "verdict_partly_correct": and_(resolved, Case.outcome.in_(verdict["partly_correct"])),
        "verdict_wrong": and_(resolved, Case.outcome.in_(verdict["wrong"])),
    }


def _counts(conditions: dict, group_by=None):
    columns = [func.coalesce(func.sum(case((cond, 1), else_=0)), 0).label(name) for name, cond in conditions.items()]
    # the widest condition of the group (received / total) bounds the rows read
    first = next(iter(conditions.values()))
    query = select(*([group_by] if group_by is not None else []), *columns).select_from(Deadline) \
        .join(Case, Case.id == Deadline.case_id).where(first)
    if group_by is not None:
        query = query.group_by(group_by)
    return db.session.execute(query).all()


def _from_summaries(scope: Scope) -> bool:
    from ..web import local_today
    from .summaries import usable
    return usable(scope.start, scope.end, scope.today, local_today())


def _summary_figures(scope: Scope, by_agency: bool) -> dict:
    from .summaries import figures
    return figures(db.session.connection(), scope.start, scope.end, scope.today, kinds=scope.kinds,
                   agency_ids=scope.agency_ids, commune_id=scope.commune_id, by_agency=by_agency)


def target4(scope: Scope, *, raw: bool = False) -> Report:
    """Every figure of the target 4 report for one scope: from the summary rows (one
    query, services/summaries.py) or, for a scope they do not answer or ``raw``, from the
    cases and limits themselves (two aggregate queries)."""
    report = Report(scope)
    if not raw and _from_summaries(scope):
        report.figures.update(_summary_figures(scope, False)[None])
        report.figures = {name: report.figures[name] for name in FIGURES}
        return report
    for conditions in (letter_conditions(scope), case_conditions(scope)):
        (row,) = _counts(conditions)
        report.figures.update({name: int(row._mapping[name]) for name in conditions})
    return report


def target4_by_agency(scope: Scope, *, raw: bool = False) -> dict[int, Report]:
    """The same figures for every agency in the scope that had letters or cases."""
    reports: dict[int, Report] = {}
    if not raw and _from_summaries(scope):
        for agency_id, values in _summary_figures(scope, True).items():
            if values["letters_total"] or values["cases_total"]:
                reports[agency_id] = Report(scope, {name: values[name] for name in FIGURES})
        return reports
    for conditions in (letter_conditions(scope), case_conditions(scope)):
        for row in _counts(conditions, group_by=Case.agency_id):
            report = reports.setdefault(row.agency_id, Report(scope))
            report.figures.update({name: int(row._mapping[name]) for name in conditions})
    for report in reports.values():
        for name in FIGURES:
            report.figures.setdefault(name, 0)
    return reports


def cases_for(figure: str, scope: Scope):
    """The cases behind one figure: the same condition as the count, so anyone can check it."""
    conditions = {**letter_conditions(scope), **case_conditions(scope)}
    if figure not in conditions:
        raise KeyError(figure)
    return (select(Case).join(Deadline, Deadline.case_id == Case.id).where(conditions[figure])
            .order_by(Case.received_on, Case.id))
