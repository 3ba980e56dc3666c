"""The public statistics page: target 4 per reporting year, for the province and for each
agency that had letters, with the method in plain words. No sign-in and no personal data:
counts and rates only. A rate over fewer than ``PUBLIC_MIN_COUNT`` letters or cases is not
shown (one case would swing it), and agencies are listed alphabetically, never ranked.

Made for a phone: the province first (two bars that add up to the counts beside them,
each number with its definition), then a search by agency name and a filter by commune;
the full list of agencies is folded until asked for. The figures come from the summary
rows (services/summaries.py) and are kept per process until the figures' version stamp
(bumped in Redis by every commit that changes a figure) moves, recomputed at most once
every ``STATISTICS_REFRESH_SECONDS``."""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from ...extensions import db
from ...models import AdminUnit, Agency
from ...services import summaries
from ...services.exports import METHOD, name_key, report_years
from ...services.reports import Report, Scope, target4, target4_by_agency
from ...services.search import fold
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
    # the parts that add up (letters: received + carried over = on time + late + overdue + not yet due)
    letters_total: int = 0
    letters_carried_over: int = 0
    letters_on_time: int = 0
    letters_late: int = 0
    letters_open_overdue: int = 0
    letters_open: int = 0
    cases_resolved_on_time: int = 0
    cases_resolved_late: int = 0
    cases_withdrawn: int = 0
    cases_open: int = 0
    cases_open_overdue: int = 0
    folded: str = ""


def public_figures(name: str, report: Report, min_count: int, rated=None) -> PublicFigures:
    # the base of Report.on_time_rate: letters handled, and letters not handled whose time is up
    judged = report["letters_on_time"] + report["letters_late"] + report["letters_open_overdue"]
    return PublicFigures(
        name=name, letters_received=report["letters_received"],
        on_time=Rate(report.on_time_rate, judged, judged >= min_count),
        cases_total=report["cases_total"], cases_resolved=report["cases_resolved"],
        resolved=Rate(report.resolution_rate, report["cases_total"], report["cases_total"] >= min_count),
        satisfaction=Rate(rated.rate, rated.ratings, rated.ratings >= min_count) if rated else None,
        letters_total=report["letters_total"], letters_carried_over=report["letters_carried_over"],
        letters_on_time=report["letters_on_time"], letters_late=report["letters_late"],
        letters_open_overdue=report["letters_open_overdue"], letters_open=report["letters_open"],
        cases_resolved_on_time=report["cases_resolved_on_time"], cases_resolved_late=report["cases_resolved_late"],
        cases_withdrawn=report["cases_withdrawn"],
        cases_open=report["cases_open"] - report["cases_open_overdue"], cases_open_overdue=report["cases_open_overdue"],
        folded=fold(name))


def _compute(year: int, commune_id: int | None, today, min_count: int) -> dict:
    period = reporting_period("year", year)
    scope = Scope(start=period.start, end=period.end, today=today, commune_id=commune_id)
    by_agency = {aid: r for aid, r in target4_by_agency(scope).items()
                 if r["letters_received"] or r["cases_total"]}
    names = dict(db.session.execute(db.select(Agency.id, Agency.name).where(Agency.id.in_(by_agency))).all())
    from ...services.ratings import Satisfaction, satisfaction, satisfaction_by_agency
    if commune_id is None:  # ratings are not kept per commune
        rated = satisfaction_by_agency(period.start, scope.as_of)
        none = Satisfaction(0, 0)
        province_rated = satisfaction(period.start, scope.as_of)
    else:
        rated, none, province_rated = {}, None, None
    agencies = sorted((public_figures(names[aid], r, min_count, rated.get(aid, none))
                       for aid, r in by_agency.items()), key=lambda f: name_key(f.name))
    return {"period": period, "as_of": scope.as_of, "over": scope.end < today,
            "province": public_figures("", target4(scope), min_count, province_rated), "agencies": agencies}


def _cached(year: int, commune_id: int | None, today, min_count: int) -> dict:
    """The figures of one year (and commune), per process: recomputed when the figures'
    version stamp moved (a commit changed a figure), at most once every
    STATISTICS_REFRESH_SECONDS, and at least every ten minutes (one minute without Redis)."""
    cache = current_app.extensions.setdefault("petitions_statistics", {})
    key = (year, commune_id, today, min_count, current_app.config.get("REPORT_WITHDRAWN_AS_RESOLVED"))
    refresh = current_app.config.get("STATISTICS_REFRESH_SECONDS", 10)
    stamp = summaries.version()
    found = cache.get(key)
    now = time.monotonic()
    if found is not None:
        made, made_stamp, data = found
        age = now - made
        if stamp is None:
            fresh = age < max(refresh, 60)
        else:
            fresh = (stamp == made_stamp or age < refresh) and age < 600
        if fresh:
            return data
    data = _compute(year, commune_id, today, min_count)
    if len(cache) > 256:
        cache.clear()
    cache[key] = (now, stamp, data)
    return data


def _communes() -> list[tuple[int, str]]:
    cache = current_app.extensions.setdefault("petitions_statistics_communes", {})
    if "list" not in cache:
        rows = db.session.execute(db.select(AdminUnit.id, AdminUnit.name).where(AdminUnit.level == "commune")).all()
        cache["list"] = sorted(((i, n) for i, n in rows), key=lambda r: name_key(r[1]))
    return cache["list"]


@bp.get("/statistics")
def statistics():
    today = local_today()
    known = current_app.extensions.setdefault("petitions_statistics_years", {})
    if today not in known:  # the first receipt date: read once a day per process
        known.clear()
        known[today] = report_years(today)
    years = known[today]
    year = request.args.get("year", type=ascii_int)
    if year not in years:
        year = years[0]
    communes = _communes()
    commune_id = request.args.get("commune", type=ascii_int)
    if commune_id not in {c for c, _ in communes}:
        commune_id = None
    q = (request.args.get("q") or "").strip()[:100]
    min_count = current_app.config["PUBLIC_MIN_COUNT"]
    data = _cached(year, commune_id, today, min_count)
    agencies = data["agencies"]
    if q:
        needle = fold(q)
        agencies = [f for f in agencies if needle in f.folded]
    commune_name = dict(communes).get(commune_id)
    # the page without a search is the same for everybody: rendered once per language and figures
    pages = current_app.extensions.setdefault("petitions_statistics_pages", {})
    # (a signed-in officer's page carries their name and sign-out token: never shared)
    anonymous = not getattr(current_user, "is_authenticated", False)
    page_key = (year, commune_id, str(get_locale()), id(data)) if anonymous and not q else None
    if page_key in pages:
        return pages[page_key]
    html = render_template("public/statistics.html", years=years, year=year, period=data["period"],
                           as_of=data["as_of"], over=data["over"], min_count=min_count,
                           province=data["province"], agencies=agencies, all_agencies=len(data["agencies"]),
                           communes=communes, commune_id=commune_id, commune_name=commune_name, q=q,
                           filtered=bool(q or commune_id), method=METHOD)
    if page_key is not None:
        if len(pages) > 256:
            pages.clear()
        pages[page_key] = html
    return html
