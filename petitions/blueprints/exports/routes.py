"""The report and case-list downloads, and the page of a background export."""
from __future__ import annotations

import io

from flask import Response, abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from ...security import BaseForm as FlaskForm

from ...extensions import db
from ...jobs import redis_ok
from ...models import Agency, ExportJob
from ...services import exports
from ...services.reports import FIGURES, TARGET_KINDS, agency_tree, target4
from ...web import local_today
from ...workflow.periods import KINDS as PERIOD_KINDS
from . import bp
from ...security import strict_int

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def _params():
    """The report the URL asks for, or the error page: 403 outside the officer's scope,
    the choice page with the mistakes (422) for a bad parameter."""
    if not exports.can_export(current_user):
        abort(403)
    try:
        return exports.parse_report_args(request.args, current_user, local_today())
    except PermissionError:
        abort(403)
    except exports.ReportArgsError as error:
        abort(_index(errors=error.errors, status=422))


def _agency_choices() -> list[Agency]:
    query = db.select(Agency)
    if not current_user.sees_all_agencies:
        query = query.where(Agency.id.in_(agency_tree(current_user.agency_id)))
    return sorted(db.session.scalars(query), key=lambda a: (a.level != "province", exports.name_key(a.name)))


def _index(params=None, errors=None, status=200):
    total = target4(params.scope) if params else None
    jobs = db.session.scalars(db.select(ExportJob).where(ExportJob.user_id == current_user.id)
                              .order_by(ExportJob.id.desc()).limit(20)).all()
    kinds = params.scope.kinds if params else TARGET_KINDS
    response = render_template("exports/index.html", params=params, total=total, errors=errors or {},
                               args=request.args, agencies=_agency_choices(),
                               years=exports.report_years(local_today()), period_kinds=PERIOD_KINDS,
                               period_labels=exports.PERIOD_LABELS, report_kinds=exports.REPORT_KINDS,
                               kinds=kinds, heading=exports.label,
                               letter_columns=exports.LETTER_COLUMNS, case_columns=exports.CASE_COLUMNS,
                               rates=exports.RATES, jobs=jobs,
                               describe=exports.describe, value=exports.value)
    return Response(response, status=status)


@bp.get("/")
def index():
    """Choose a period and an agency: the figures, each with the list behind it, and the downloads."""
    return _index(_params())


def _download(body, filename: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})


@bp.get("/report.xlsx")
def report_xlsx():
    params = _params()
    return _download(exports.report_workbook(params), exports.report_filename(params, "xlsx"), XLSX)


@bp.get("/report.csv")
def report_csv():
    params = _params()
    return _download(exports.report_csv(params), exports.report_filename(params, "csv"), CSV)


def _case_list(fmt: str):
    params = _params()
    figure = request.args.get("figure", "")
    if figure not in FIGURES:
        abort(_index(params, errors={"figure": [_("Choose one of the report's figures.")]}, status=422))
    count = exports.case_count(figure, params.scope)
    if count < exports.sync_limit():
        return _download(exports.case_list(params, figure, fmt), exports.list_filename(params, figure, fmt),
                         CSV if fmt == "csv" else XLSX)
    form = FlaskForm()
    queue_ok = redis_ok()
    if request.method == "POST" and form.validate_on_submit() and queue_ok:
        job = exports.start_case_export(current_user, params, figure, fmt)
        db.session.commit()
        return redirect(url_for("exports.show_export", export_id=job.id))
    # a long list is prepared in the background: confirmed with a POST, never started by a link
    return render_template("exports/confirm.html", form=form, count=count, figure=exports.label(figure),
                           params=params, fmt=fmt, queue_ok=queue_ok), (200 if queue_ok else 503)


@bp.route("/cases.csv", methods=["GET", "POST"])
def cases_csv():
    return _case_list("csv")


@bp.route("/cases.xlsx", methods=["GET", "POST"])
def cases_xlsx():
    return _case_list("xlsx")


def _job_or_abort(export_id: str) -> ExportJob:
    ident = strict_int(export_id, minimum=1, maximum=2**31 - 1)
    job = db.session.get(ExportJob, ident) if ident else None
    if job is None:
        abort(404)
    if not exports.can_download(current_user, job):
        abort(403)
    return job


@bp.get("/<export_id>")
def show_export(export_id: str):
    job = _job_or_abort(export_id)
    working = job.status in ("queued", "running")
    response = Response(render_template("exports/job.html", job=job, about=exports.describe(job),
                                        working=working, queue_ok=not working or redis_ok()))
    if working:
        response.headers["Refresh"] = "2"  # also in the page: the progress updates itself, without JS
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<export_id>/download")
def download_export(export_id: str):
    job = _job_or_abort(export_id)
    data = exports.read_export(job)  # sealed at rest: opened here
    if data is None:
        abort(404)
    mimetype = CSV if job.stored_name.endswith(".csv") else XLSX
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=job.filename,
                     max_age=0)
