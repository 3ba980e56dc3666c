"""The monitoring pages: the target 4 dashboard, the cases behind each figure, the overdue list."""
from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from ... import labels
from ...extensions import db
from ...models import Agency, Case, Deadline
from ...services import charts
from ...services.calendar import get_calendar
from ...services.reports import FIGURES, cases_for, target4, target4_by_agency
from ...web import local_today
from ...workflow.states import Kind
from . import bp
from ...security import ascii_int
from .data import (FIGURE_HELP, FIGURE_LABELS, MIN_TO_RANK, letters_judged, months_before, open_case_ages,
                   overdue_by_agency, quarter_trend, ranking)
from .forms import PERIOD_LABELS, OverdueForm, ScopeForm
from .overdue import OverdueFilter, page_of_overdue
from .selection import (agency_choices, allowed_agency_ids, commune_choices, find_agency, find_commune,
                        monitoring_user, resolve)

LIST_SIZE = 50


def _scope_form(user) -> ScopeForm:
    form = ScopeForm(request.args)
    form.agency.choices = [("", _("All agencies you may see"))] + agency_choices(user)
    form.commune.choices = [("", _("All communes"))] + commune_choices()
    today = local_today()
    form.year.choices = [(str(y), str(y)) for y in range(today.year + 1, today.year - 9, -1)]
    form.validate()
    return form


def _pct(rate) -> str:
    return format_percent(rate, "#,##0.0%") if rate is not None else "–"


@bp.get("/")
def dashboard():
    user = monitoring_user()
    form = _scope_form(user)
    sel = resolve(form, user, local_today())
    scope = sel.scope
    report = target4(scope)
    by_agency = target4_by_agency(scope)
    from ...services.ratings import satisfaction
    rated = satisfaction(scope.start, scope.as_of, scope.agency_ids)
    agencies = {a.id: a for a in db.session.scalars(db.select(Agency).where(Agency.id.in_(list(by_agency))))}
    on_time_ranked, on_time_few = ranking(by_agency, agencies, "on_time")
    resolution_ranked, resolution_few = ranking(by_agency, agencies, "resolution")
    trend = quarter_trend(scope)
    ages = open_case_ages(scope)
    return render_template(
        "inspect/dashboard.html", form=form, sel=sel, report=report, args=sel.args, rated=rated,
        labels_=FIGURE_LABELS, help_=FIGURE_HELP, pct=_pct, min_to_rank=MIN_TO_RANK,
        on_time_ranked=on_time_ranked, on_time_few=on_time_few,
        resolution_ranked=resolution_ranked, resolution_few=resolution_few,
        withdrawn_resolved=current_app.config.get("REPORT_WITHDRAWN_AS_RESOLVED"),
        trend=trend, trend_chart=_trend_chart(trend),
        overdue_chart=_overdue_chart(overdue_by_agency(by_agency, agencies), sel.args),
        ages=ages, ages_chart=_ages_chart(ages, scope.as_of), quick_periods=_quick_periods(sel),
    )


def _quick_periods(sel):
    """One click to each period of the report year shown (the rest of the selection kept)."""
    year = sel.period.year
    out = []
    for kind in ("year", "q1", "q2", "q3", "q4", "h1", "m9"):
        args = {**sel.args, "period": kind, "year": year}
        args.pop("date_from", None), args.pop("date_to", None)
        out.append((PERIOD_LABELS[kind], url_for("inspect.dashboard", **args),
                    sel.period.kind == kind))
    return out


def _chart(title: str, svg: str, head: list | None = None, rows: list | None = None) -> dict:
    """A chart and its table of numbers (head: column names; rows: (label, link or None,
    values)): the page shows the table beside the image, and the links live there."""
    return {"title": title, "svg": Markup(svg), "head": head or [], "rows": rows or []}


def _quarter_label(q) -> str:
    return _("Q%(quarter)d %(year)d", quarter=q.quarter, year=q.year) + ("*" if q.partial else "")


def _trend_chart(trend) -> str:
    on_time, resolved = _("On-time handling"), _("Resolution")
    cats = [_quarter_label(q) for q in trend]
    desc = "; ".join(
        f"{cat}: {on_time} {_pct(q.report.on_time_rate)}, {resolved} {_pct(q.report.resolution_rate)}"
        for cat, q in zip(cats, trend))
    title = _("On-time handling and resolution rates by quarter, against the targets")
    return _chart(title, charts.rate_lines(
        cats, [charts.Series(on_time, [q.report.on_time_rate for q in trend],
                             [letters_judged(q.report) < MIN_TO_RANK for q in trend]),
               charts.Series(resolved, [q.report.resolution_rate for q in trend],
                             [q.report["cases_total"] < MIN_TO_RANK for q in trend])],
        [charts.Target(_("target 100%"), 1.0, series=0), charts.Target(_("target 95%"), 0.95, series=1)],
        title=title, desc=desc, ident="chart-rates", no_data=_("Nothing to measure in these quarters."),
        weak_note=_("fewer than %(n)d letters or cases", n=MIN_TO_RANK),
        fmt=lambda v: format_percent(v, "#,##0%")))


def _overdue_chart(rows, args) -> str:
    letters, cases = _("Letters not handled in time"), _("Cases not resolved in time")
    bars = [charts.Bar(a.name, [n_letters, n_cases],
                       url_for("inspect.dashboard", **{**args, "agency": a.code, "only": "y"}))
            for a, n_letters, n_cases in rows]
    desc = "; ".join(f"{b.label}: {letters} {b.values[0]}, {cases} {b.values[1]}" for b in bars)
    title = _("Open and overdue, by agency (the 15 with the most)")
    return _chart(title, charts.horizontal_bars(
        bars, [letters, cases], title=title,
        desc=desc or _("No agency has open overdue letters or cases."), ident="chart-overdue",
        no_data=_("No agency has open overdue letters or cases.")),
        [_("Agency"), letters, cases], [(b.label, b.href, b.values) for b in bars])


def _ages_chart(ages, as_of) -> str:
    title = _("Age of the cases not closed on %(day)s, by date received", day=as_of.strftime("%d/%m/%Y"))
    return _chart(title, charts.histogram(
        ages, title=title, desc="; ".join(f"{label}: {n}" for label, n in ages), ident="chart-ages",
        no_data=_("No open cases.")), [_("Date received"), _("Cases not closed")],
        [(label, None, [n]) for label, n in ages])


@bp.get("/cases")
def figure_cases():
    """The cases behind one figure, by the same condition the figure counts."""
    user = monitoring_user()
    figure = request.args.get("figure", "")
    if figure not in FIGURES:
        abort(404)
    form = _scope_form(user)
    sel = resolve(form, user, local_today())
    page = max(request.args.get("page", 1, type=ascii_int), 1)
    query = cases_for(figure, sel.scope)
    total = db.session.scalar(db.select(func.count()).select_from(
        query.with_only_columns(Case.id).order_by(None).subquery()))
    rows = db.session.execute(
        query.add_columns(Deadline.step, Deadline.started_on, Deadline.due_on, Deadline.completed_on)
        .options(joinedload(Case.agency), joinedload(Case.commune))
        .limit(LIST_SIZE).offset((page - 1) * LIST_SIZE)).all()
    pages = max((total + LIST_SIZE - 1) // LIST_SIZE, 1)
    return render_template("inspect/cases.html", form=form, sel=sel, figure=figure, label_=FIGURE_LABELS[figure],
                           help_=FIGURE_HELP.get(figure), rows=rows, total=total, page=page, pages=pages,
                           args={**sel.args, "figure": figure})


def _overdue_filter(user) -> tuple[OverdueForm, OverdueFilter]:
    form = OverdueForm(request.args)
    form.agency.choices = [("", _("All agencies you may see"))] + agency_choices(user)
    form.commune.choices = [("", _("All communes"))] + commune_choices()
    form.kind.choices = [("", _("All kinds"))] + [(k.value, labels.label(labels.KIND, k.value)) for k in Kind]
    form.validate()
    agency = find_agency(form.agency.data)
    commune = find_commune(form.commune.data)
    f = OverdueFilter(
        agency_ids=allowed_agency_ids(user, agency), commune_id=commune.id if commune else None,
        kind=form.kind.data if form.kind.data in {k.value for k in Kind} else None,
        band=form.band.data if form.band.data in dict(form.band.choices) else "",
        mass=bool(form.mass.data), long_running=bool(form.long_running.data),
        skipped_level=bool(form.skipped_level.data))
    return form, f


@bp.get("/overdue")
def overdue():
    user = monitoring_user()
    form, f = _overdue_filter(user)
    today = local_today()
    calendar = get_calendar()
    page = max(request.args.get("page", 1, type=ascii_int), 1)
    rows, total = page_of_overdue(f, today, calendar, current_app.config["ALERT_DUE_SOON_DAYS"], page, LIST_SIZE)
    pages = max((total + LIST_SIZE - 1) // LIST_SIZE, 1)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("inspect/overdue.html", form=form, rows=rows, total=total, page=page, pages=pages,
                           args=args, calendar=calendar, long_ago=months_before(today, 12),
                           step_label=labels.step_label, soon_days=current_app.config["ALERT_DUE_SOON_DAYS"])


@bp.get("/overdue.csv")
def overdue_csv():
    """The same list as /inspect/overdue with the same filters, every page, no personal data."""
    import csv
    import io

    from flask import Response

    from ...services.codes import format_code
    user = monitoring_user()
    _form, f = _overdue_filter(user)
    today, calendar = local_today(), get_calendar()
    soon = current_app.config["ALERT_DUE_SOON_DAYS"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Tracking code"), _("Kind"), _("Agency"), _("Commune"), _("Date received"), _("Status"),
                     _("Time limit"), _("Due"), _("Working days left (negative: overdue)")])
    page = 1
    while True:  # in pages: the province's list may be long
        rows, _total = page_of_overdue(f, today, calendar, soon, page, 1000)
        for r in rows:
            writer.writerow([format_code(r.tracking_code), labels.label(labels.KIND, r.kind), r.agency, r.commune or "",
                             r.received_on.strftime("%d/%m/%Y"), labels.label(labels.STATUS, r.status),
                             labels.step_label(r.step), r.due_on.strftime("%d/%m/%Y"),
                             calendar.working_days_between(today, r.due_on)])
        if len(rows) < 1000:
            break
        page += 1
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=overdue-{today.isoformat()}.csv", "Cache-Control": "no-store"})
