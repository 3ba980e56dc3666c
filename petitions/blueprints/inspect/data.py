"""What the dashboard shows, read from the target 4 report service (never recounted here)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func

from ...extensions import db
from ...models import Agency, Case
from ...services.reports import Report, Scope, target4
from ...workflow.periods import period_of

# below this many letters (cases) judged, an agency's rate is not ranked: one late letter
# out of one is 0%, and says little about the agency
MIN_TO_RANK = 5
TREND_QUARTERS = 8

FIGURE_LABELS = {
    "letters_total": _l("Letters to judge"),
    "letters_received": _l("Letters received"),
    "letters_carried_over": _l("Carried over, not yet handled when the period began"),
    "letters_on_time": _l("Handled on time"),
    "letters_late": _l("Handled late"),
    "letters_open_overdue": _l("Not handled yet, overdue"),
    "letters_open": _l("Not handled yet, not yet due"),
    "cases_total": _l("Cases within competence"),
    "cases_carried_over": _l("Carried over from before the period"),
    "cases_new": _l("Accepted in the period"),
    "cases_resolved": _l("Resolved"),
    "cases_resolved_on_time": _l("Resolved on time"),
    "cases_resolved_late": _l("Resolved late"),
    "cases_withdrawn": _l("Withdrawn, terminated or ended otherwise"),
    "cases_open": _l("Still open"),
    "cases_open_overdue": _l("Still open and overdue"),
    "verdict_correct": _l("Correct or true"),
    "verdict_partly_correct": _l("Partly correct or partly true"),
    "verdict_wrong": _l("Wrong or untrue"),
}
FIGURE_HELP = {
    "letters_total": _l("Letters received in the period, and letters carried over from before it."),
    "letters_received": _l("Complaint and denunciation letters whose receipt date is in the period."),
    "letters_carried_over": _l("Received before the period and still not handled when it began: they stay in the rate."),
    "letters_on_time": _l("Handled (accepted, refused, forwarded, guided, archived…) within 10 working days."),
    "letters_late": _l("Handled, but after the 10 working days."),
    "letters_open_overdue": _l("Not handled yet and past the due date: counted as late in the rate."),
    "letters_open": _l("Not handled yet, still within the time limit: left out of the rate."),
    "cases_total": _l("Cases accepted for resolution whose time limit ran during the period."),
    "cases_carried_over": _l("Accepted before the period began."),
    "cases_new": _l("Accepted during the period."),
    "cases_resolved": _l("Ended by a decision, a conclusion or an answer in the period."),
    "cases_withdrawn": _l("Withdrawn, terminated, taken to court or escalated before a decision."),
    "cases_open": _l("Not ended yet."),
    "cases_open_overdue": _l("Not ended and past the resolution time limit (suspended cases excepted)."),
}


@dataclass(frozen=True)
class Rank:
    agency: Agency
    rate: float | None
    done: int
    judged: int


def letters_judged(report: Report) -> int:
    f = report.figures
    return f["letters_on_time"] + f["letters_late"] + f["letters_open_overdue"]


def ranking(by_agency: dict[int, Report], agencies: dict[int, Agency], measure: str):
    """Agencies by rate, lowest first (the ones to look at), and those with too few to rank."""
    rows = []
    for agency_id, report in by_agency.items():
        if measure == "on_time":
            rate, judged, done = report.on_time_rate, letters_judged(report), report["letters_on_time"]
        else:
            rate, judged = report.resolution_rate, report["cases_total"]
            done = round(rate * judged) if rate is not None else 0
        if judged:
            rows.append(Rank(agencies[agency_id], rate, done, judged))
    ranked = sorted((r for r in rows if r.judged >= MIN_TO_RANK), key=lambda r: (r.rate, -r.judged, r.agency.name))
    too_few = sorted((r for r in rows if r.judged < MIN_TO_RANK), key=lambda r: r.agency.name)
    return ranked, too_few


def overdue_by_agency(by_agency: dict[int, Report], agencies: dict[int, Agency], top: int = 15):
    """(agency, letters open and overdue, cases open and overdue), most overdue first."""
    rows = [(agencies[aid], r["letters_open_overdue"], r["cases_open_overdue"]) for aid, r in by_agency.items()]
    rows = [row for row in rows if row[1] + row[2]]
    rows.sort(key=lambda row: (-(row[1] + row[2]), row[0].name))
    return rows[:top]


@dataclass(frozen=True)
class QuarterRates:
    quarter: int
    year: int
    start: date
    end: date
    partial: bool
    report: Report


def quarter_trend(scope: Scope) -> list[QuarterRates]:
    """Target 4 for the quarters up to the one holding the period's end (or today), oldest first."""
    quarters = []
    day = scope.as_of
    for _ in range(TREND_QUARTERS):
        q = period_of(day, "quarter")
        quarters.append(q)
        day = q.start - timedelta(days=1)
    out = []
    for q in reversed(quarters):
        report = target4(dataclasses.replace(scope, start=q.start, end=q.end))
        out.append(QuarterRates(int(q.kind[1]), q.year, q.start, q.end, q.end > scope.today, report))
    return out


def months_before(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for d in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise AssertionError


AGE_BUCKETS = (
    (_l("under 1 month"), 0, 1),
    (_l("1–3 months"), 1, 3),
    (_l("3–6 months"), 3, 6),
    (_l("6–12 months"), 6, 12),
    (_l("over 12 months"), 12, None),
)


def open_case_ages(scope: Scope) -> list[tuple[str, int]]:
    """Cases not closed on the period's last day (or today), by how long before it they were
    received: one aggregate query over the scope's agencies, commune and kinds."""
    as_of = scope.as_of
    conds = [Case.kind.in_(scope.kinds), Case.received_on <= as_of,
             (Case.closed_on.is_(None)) | (Case.closed_on > as_of)]
    if scope.agency_ids is not None:
        conds.append(Case.agency_id.in_(scope.agency_ids))
    if scope.commune_id is not None:
        conds.append(Case.commune_id == scope.commune_id)
    columns = []
    for i, (_label, young, old) in enumerate(AGE_BUCKETS):
        cond = [Case.received_on <= months_before(as_of, young)] if young else []
        if old is not None:
            cond.append(Case.received_on > months_before(as_of, old))
        columns.append(func.coalesce(func.sum(case((db.and_(*cond), 1), else_=0)), 0).label(f"b{i}"))
    row = db.session.execute(db.select(*columns).where(*conds)).one()
    return [(str(label), int(row[i])) for i, (label, _y, _o) in enumerate(AGE_BUCKETS)]
