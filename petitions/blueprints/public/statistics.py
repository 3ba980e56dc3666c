"""The public statistics page: target 4 per reporting year, for the province and for each
agency that had letters, with the method in plain words. No sign-in and no personal data:
counts and rates only. A rate over fewer than ``PUBLIC_MIN_COUNT`` letters or cases is not
shown (one case would swing it), and agencies are listed alphabetically, never ranked."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template, request

from ...extensions import db
from ...models import Agency
from ...services.exports import METHOD, name_key, report_years
from ...services.reports import Report, Scope, target4, target4_by_agency
from ...web import local_today
from ...workflow.periods import reporting_period
from . import bp
from ...security import ascii_int


@dataclass(frozen=True)
class Rate:
    value: float | None
    base: int          # the letters or cases the rate is computed over
    enough: bool       # base >= PUBLIC_MIN_COUNT: otherwise the rate is not shown


@dataclass(frozen=True)
class PublicFigures:
    name: str
    letters_received: int
    on_time: Rate
    cases_total: int
    cases_resolved: int
    resolved: Rate
    satisfaction: Rate | None = None


def public_figures(name: str, report: Report, min_count: int, rated=None) -> PublicFigures:
    # the base of Report.on_time_rate: letters handled, and letters not handled whose time is up
    judged = report["letters_on_time"] + report["letters_late"] + report["letters_open_overdue"]
    return PublicFigures(
        name=name, letters_received=report["letters_received"],
        on_time=Rate(report.on_time_rate, judged, judged >= min_count),
        cases_total=report["cases_total"], cases_resolved=report["cases_resolved"],
        resolved=Rate(report.resolution_rate, report["cases_total"], report["cases_total"] >= min_count),
        satisfaction=Rate(rated.rate, rated.ratings, rated.ratings >= min_count) if rated else None)


@bp.get("/statistics")
def statistics():
    today = local_today()
    years = report_years(today)
    year = request.args.get("year", type=ascii_int)
    if year not in years:
        year = years[0]
    period = reporting_period("year", year)
    scope = Scope(start=period.start, end=period.end, today=today)
    min_count = current_app.config["PUBLIC_MIN_COUNT"]
    by_agency = {aid: r for aid, r in target4_by_agency(scope).items()
                 if r["letters_received"] or r["cases_total"]}
    names = dict(db.session.execute(db.select(Agency.id, Agency.name).where(Agency.id.in_(by_agency))).all())
    from ...services.ratings import Satisfaction, satisfaction, satisfaction_by_agency
    rated = satisfaction_by_agency(period.start, scope.as_of)
    none = Satisfaction(0, 0)
    agencies = sorted((public_figures(names[aid], r, min_count, rated.get(aid, none))
                       for aid, r in by_agency.items()), key=lambda f: name_key(f.name))
    return render_template("public/statistics.html", years=years, year=year, period=period,
                           as_of=scope.as_of, over=scope.end < today, min_count=min_count,
                           province=public_figures("", target4(scope), min_count,
                                                   satisfaction(period.start, scope.as_of)), agencies=agencies,
                           method=METHOD)
