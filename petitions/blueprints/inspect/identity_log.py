"""The inspectorate's audit of who saw a denouncer's identity: who, when, which case, why.

Reachable by the provincial inspectorate and administrators (permissions.can_monitor_province).
The page and its CSV never show the identity itself; a reason an officer typed that names
the filer is shown blacked out.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import aliased, selectinload

from ...extensions import db
from ...models import Agency, Case, IdentityAccess, User
from ...permissions import can_monitor_province
from ...services.codes import format_code, normalize
from ...services.verification import redact
from . import bp
from ...security import ascii_int

PAGE = 100
CONTEXTS = {"case_page": _l("case page"), "attachment": _l("attachment opened"),
            "data_export": _l("filer's data exported on request"),
            "filer_lookup": _l("filer's letters looked up on request")}


@dataclass
class LogFilter:
    agency: Agency | None = None
    officer: str = ""
    date_from: date | None = None
    date_to: date | None = None
    case_code: str = ""
    errors: list | None = None


def _day(name: str, errors: list) -> date | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(_("Enter dates as dd/mm/yyyy."))
        return None


def _filter() -> LogFilter:
    errors: list = []
    code = (request.args.get("agency") or "").strip()
    agency = db.session.scalar(db.select(Agency).where(Agency.code == code)) if code else None
    return LogFilter(agency=agency, officer=(request.args.get("officer") or "").strip()[:120],
                     date_from=_day("date_from", errors), date_to=_day("date_to", errors),
                     case_code=normalize(request.args.get("case") or "")[:20], errors=errors)


def _query(f: LogFilter):
    viewer = aliased(User)
    query = (db.select(IdentityAccess).join(viewer, IdentityAccess.user_id == viewer.id)
             .join(Case, Case.id == IdentityAccess.case_id)
             .options(selectinload(IdentityAccess.user).selectinload(User.agency)))
    if f.agency is not None:
        query = query.where(viewer.agency_id == f.agency.id)
    if f.officer:
        like = f"%{f.officer.lower()}%"
        query = query.where(db.or_(db.func.lower(viewer.username).like(like),
                                   db.func.lower(viewer.full_name).like(like)))
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    if f.date_from:
        query = query.where(IdentityAccess.at >= datetime.combine(f.date_from, time(), tz))
    if f.date_to:
        query = query.where(IdentityAccess.at < datetime.combine(f.date_to + timedelta(days=1), time(), tz))
    if f.case_code:
        query = query.where(Case.tracking_code == f.case_code)
    return query.order_by(IdentityAccess.at.desc(), IdentityAccess.id.desc())


def _rows(accesses: list[IdentityAccess]) -> list[dict]:
    cases = {c.id: c for c in db.session.scalars(
        db.select(Case).where(Case.id.in_({a.case_id for a in accesses}))
        .options(selectinload(Case.parties), selectinload(Case.agency)))} if accesses else {}
    out = []
    for a in accesses:
        case = cases[a.case_id]
        out.append({"at": a.at, "officer": a.user.full_name, "username": a.user.username,
                    "officer_agency": a.user.agency.name, "case": case, "code": case.tracking_code,
                    "case_agency": case.agency.name, "context": str(CONTEXTS.get(a.context, a.context)),
                    # the reason is the officer's own words: blacked out where it names the filer
                    "reason": redact(a.reason or "", case, [])[0]})
    return out


def _guard():
    if not can_monitor_province(current_user):
        abort(403)


@bp.get("/identity-log")
def identity_log():
    _guard()
    f = _filter()
    page = max(request.args.get("page", 1, type=ascii_int), 1)
    base = _query(f)
    total = db.session.scalar(db.select(db.func.count()).select_from(base.order_by(None).subquery()))
    accesses = list(db.session.scalars(base.limit(PAGE).offset((page - 1) * PAGE)))
    agencies = db.session.execute(db.select(Agency.code, Agency.name, Agency.level)).all()
    agencies = sorted(agencies, key=lambda r: (r.level != "province", r.name))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("inspect/identity_log.html", f=f, rows=_rows(accesses), total=total, page=page,
                           pages=max((total + PAGE - 1) // PAGE, 1), args=args, agencies=agencies)


@bp.get("/identity-log.csv")
def identity_log_csv():
    _guard()
    f = _filter()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Time"), _("Officer"), _("User name"), _("Officer's agency"), _("Tracking code"),
                     _("Handling agency"), _("Where"), _("Reason")])
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    query = _query(f)
    last = 0
    while True:  # in batches: the log of a year may be long
        accesses = list(db.session.scalars(query.limit(1000).offset(last)))
        if not accesses:
            break
        last += len(accesses)
        for r in _rows(accesses):
            writer.writerow([r["at"].astimezone(tz).strftime("%d/%m/%Y %H:%M"), _cell(r["officer"]), r["username"],
                             r["officer_agency"], format_code(r["code"]), r["case_agency"], r["context"],
                             _cell(r["reason"])])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=identity-access-log.csv"})


def _cell(text: str) -> str:
    """An officer's words in a spreadsheet cell, never read as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
