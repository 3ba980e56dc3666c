"""Exports of the target 4 report and of the cases behind each figure, and the report
parameters every monitoring page shares.

The figures always come from :mod:`petitions.services.reports` (``target4``,
``target4_by_agency``, ``cases_for``): nothing here counts anything itself. Exports
never hold personal data: no names, ID numbers, phones, addresses, nor the citizen's
own words (subject, content, the person denounced), which may name people. A background
export's file is sealed at rest all the same, like every file under ``UPLOAD_FOLDER``
(tracking codes and dates tie a line to a filer): :func:`read_export` opens it.

Report parameters (the query string of every report URL; :func:`parse_report_args`)
-----------------------------------------------------------------------------------
``period``   ``q1`` ``q2`` ``q3`` ``q4`` ``h1`` ``m9`` ``year``: a reporting period of
             TT 01/2024 (default ``year``), with
``year``     ``YYYY``, the report year (default: the reporting year of today);
``from``, ``to``  ``YYYY-MM-DD``: a custom range instead of ``period``/``year`` (both;
             ``date_from``/``date_to`` and ``period=custom`` are read too);
``agency``   an agency code: that agency and every agency under it. Default: the whole
             province for inspectors and administrators, the officer's own agency
             (and those under it) for everyone else; another agency's code is refused;
``only``     ``y``: the agency alone, without the agencies under it;
``commune``  a commune (ward) code: only the cases of that commune;
``kinds``    comma-separated kinds, default ``complaint,denunciation`` (``petition`` too;
             a form may send repeated ``kind=`` instead);
``figure``   one of ``reports.FIGURES`` (case lists only).

``ReportParams.query`` gives these back in canonical form, to build links:
``url_for("exports.report", fmt="xlsx", **params.query)``.

URLs (blueprint ``exports``, signed-in inspectors, administrators and heads of agency)
---------------------------------------------------------------------------------
``/exports/``                               choose a period and an agency; my exports
``/exports/report.xlsx?<params>``           the report as a workbook laid out like the
                                            periodic report tables of TT 01/2024
``/exports/report.csv?<params>``            the same as CSV: the scope's total, then one
                                            row per agency
``/exports/cases.csv?figure=F&<params>``    the cases behind figure F (also ``cases.xlsx``);
                                            under ``EXPORT_SYNC_ROWS`` (2,000) rows it
                                            downloads at once; a longer list asks to
                                            confirm (a POST to the same URL), is built in
                                            the background and the answer redirects to
                                            ``/exports/<id>``
``/exports/<id>``                           a background export's progress, then its link
``/exports/<id>/download``                  the file: only for the officer who asked for it,
                                            or an administrator
"""
from __future__ import annotations

import csv
import io
import logging
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ..security import strict_int
from sqlalchemy import func, select, update

from .. import labels
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..models import AdminUnit, Agency, Case, Deadline, ExportJob, User
from ..models.types import utcnow
from ..permissions import can_monitor_province, report_agency_ids
from ..workflow.periods import KINDS as PERIOD_KINDS
from ..workflow.periods import Period, custom, period_of, reporting_period
from ..workflow.states import Role
from . import sealed
from .codes import format_code
from .collation import vi_key
from .reports import (CASE_FIGURES, FIGURES, LETTER_FIGURES, RESOLUTION_STEPS, TARGET_KINDS, Report, Scope,
                      cases_for, target4, target4_by_agency)

log = logging.getLogger(__name__)

BUILD_JOB = "petitions.jobs.tasks.build_export"
REPORT_KINDS = tuple(RESOLUTION_STEPS)  # the kinds a report can count
RATES = ("on_time_rate", "resolution_rate")
TARGETS = {"on_time_rate": 1.0, "resolution_rate": 0.95}

PERIOD_LABELS = {"q1": _l("Quarter I"), "q2": _l("Quarter II"), "q3": _l("Quarter III"), "q4": _l("Quarter IV"),
                 "h1": _l("Six months"), "m9": _l("Nine months"), "year": _l("Year"), "custom": _l("Custom period")}

#: every figure and rate, as the heading of its column (short: they head narrow columns);
#: a figure reports.py adds later is headed by its name until it gets a label here
LABELS = {
    "letters_carried_over": _l("Carried over from before the period"),
    "letters_received": _l("Letters received"),
    "letters_total": _l("Total to handle"),
    "letters_on_time": _l("Handled on time"),
    "letters_late": _l("Handled late"),
    "letters_open_overdue": _l("Not handled, overdue"),
    "letters_open": _l("Not handled, not yet due"),
    "on_time_rate": _l("On-time handling rate"),
    "cases_carried_over": _l("Carried over from before the period"),
    "cases_new": _l("New in the period"),
    "cases_total": _l("Total to resolve"),
    "cases_resolved": _l("Resolved"),
    "cases_resolved_on_time": _l("Resolved on time"),
    "cases_resolved_late": _l("Resolved late"),
    "cases_withdrawn": _l("Withdrawn, terminated or ended otherwise"),
    "cases_open": _l("Still open"),
    "cases_open_overdue": _l("Still open, overdue"),
    "resolution_rate": _l("Resolution rate"),
    "verdict_correct": _l("Found correct"),
    "verdict_partly_correct": _l("Found partly correct"),
    "verdict_wrong": _l("Found wrong"),
}
#: the same, under the heading of their group in the TT 01/2024 tables
SUB_LABELS = {"letters_received": _l("New in the period"), "letters_total": _l("Total"),
              "letters_on_time": _l("On time"), "letters_late": _l("Late"), "letters_open_overdue": _l("Overdue"),
              "letters_open": _l("Not yet due"), "cases_total": _l("Total"), "cases_resolved": _l("Total"),
              "cases_resolved_on_time": _l("On time"), "cases_resolved_late": _l("Late"), "cases_open": _l("Total"),
              "cases_open_overdue": _l("Of which overdue")}


def _table(groups: tuple, figures: tuple[str, ...], rate: str) -> tuple[tuple, tuple[str, ...]]:
    """The heading groups and columns of one table: the figures reports.py defines, in the
    order of the TT 01/2024 tables, any figure not placed here just before the rate."""
    known = set(FIGURES) | set(RATES)
    placed = {c for _title, columns in groups for c in columns}
    extra = tuple((None, (f,)) for f in figures if f not in placed)
    out = []
    for title, columns in groups:
        if columns == (rate,):
            out.extend(extra)
        columns = tuple(c for c in columns if c in known)
        if columns:
            out.append((title if len(columns) > 1 else None, columns))
    return tuple(out), tuple(c for _title, columns in out for c in columns)


LETTER_GROUPS, LETTER_COLUMNS = _table((
    (_l("Letters to handle"), ("letters_carried_over", "letters_received", "letters_total")),
    (_l("Handled"), ("letters_on_time", "letters_late")),
    (_l("Not handled by the end of the period"), ("letters_open_overdue", "letters_open")),
    (None, ("on_time_rate",)),
), LETTER_FIGURES, "on_time_rate")
CASE_GROUPS, CASE_COLUMNS = _table((
    (_l("Cases to resolve"), ("cases_carried_over", "cases_new", "cases_total")),
    (_l("Resolved"), ("cases_resolved", "cases_resolved_on_time", "cases_resolved_late")),
    (None, ("cases_withdrawn",)),
    (_l("Still open"), ("cases_open", "cases_open_overdue")),
    (None, ("resolution_rate",)),
    (_l("Outcome of the decided cases"), ("verdict_correct", "verdict_partly_correct", "verdict_wrong")),
), CASE_FIGURES, "resolution_rate")
COLUMNS = LETTER_COLUMNS + CASE_COLUMNS


def label(column: str) -> str:
    return str(LABELS.get(column, column))


#: how the figures are counted, in plain words (the public page and the workbook): the
#: definitions of services/reports.py
METHOD = (
    _l("A letter counts in the period in which it was received. A letter that one agency forwarded to "
       "another is counted once."),
    _l("Each letter must be handled (accepted, refused, forwarded or answered with guidance) within 10 working "
       "days. A letter not handled by the end of the period whose time is up counts as late; one whose time is "
       "not yet up is left out of the rate."),
    *((_l("A letter received earlier and still not handled when the period began is carried over into it and "
          "counts in its rate, until it is handled."),) if "letters_carried_over" in FIGURES else ()),
    _l("A case to resolve is a complaint or denunciation the agency accepted for resolution and had not finished "
       "before the period began: those accepted earlier are carried over, the others are new."),
    _l("A case is resolved when a decision, a conclusion or an answer was issued in the period; on time if it "
       "was issued by the legal due date, extensions included. Cases withdrawn, terminated or taken to court are "
       "shown apart."),
    _l("The figures are counted as things stood at the end of the period, or today for a period not yet over. "
       "They are computed from the dates recorded in each case, never typed in."),
)


class ReportArgsError(ValueError):
    """Bad report parameters: ``errors`` maps each parameter to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ReportParams:
    """What a report URL asks for, checked against who asks."""

    scope: Scope
    period: Period
    agency_id: int | None = None     # the scope's top agency; None: the whole province
    agency_code: str | None = None
    agency_name: str | None = None
    commune_code: str | None = None
    commune_name: str | None = None
    only: bool = False               # the agency alone, not those under it

    @property
    def query(self) -> dict[str, str]:
        """The URL parameters that give this report back."""
        out: dict[str, str] = {}
        if self.period.kind == "custom":
            out.update({"from": self.period.start.isoformat(), "to": self.period.end.isoformat()})
        else:
            out.update({"period": self.period.kind, "year": str(self.period.year)})
        if self.agency_code:
            out["agency"] = self.agency_code
        if self.only:
            out["only"] = "y"
        if self.commune_code:
            out["commune"] = self.commune_code
        if self.scope.kinds != TARGET_KINDS:
            out["kinds"] = ",".join(self.scope.kinds)
        return out

    @property
    def period_label(self) -> str:
        name = str(PERIOD_LABELS[self.period.kind])
        return name if self.period.kind == "custom" else f"{name} {self.period.year}"

    @property
    def scope_label(self) -> str:
        where = self.agency_name or _("Whole province of Nghệ An")
        if self.agency_name and not self.only and len(self.scope.agency_ids or ()) > 1:
            where = _("%(agency)s and the agencies under it", agency=self.agency_name)
        if self.commune_name:
            where = _("%(where)s, cases of %(commune)s", where=where, commune=self.commune_name)
        return where

    @property
    def kinds_label(self) -> str:
        return ", ".join(labels.label(labels.KIND, k) for k in self.scope.kinds)

    def to_json(self) -> dict:
        """The scope as stored with a background export (ids, so the job needs no request)."""
        s = self.scope
        return {"start": s.start.isoformat(), "end": s.end.isoformat(), "today": s.today.isoformat(),
                "agency_ids": list(s.agency_ids) if s.agency_ids is not None else None, "kinds": list(s.kinds),
                "commune_id": s.commune_id, "period_kind": self.period.kind, "year": self.period.year,
                "agency_id": self.agency_id, "agency_code": self.agency_code, "agency_name": self.agency_name,
                "commune_code": self.commune_code, "commune_name": self.commune_name, "only": self.only}

    @classmethod
    def from_json(cls, data: dict) -> ReportParams:
        start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
        ids = data.get("agency_ids")
        scope = Scope(start=start, end=end, today=date.fromisoformat(data["today"]),
                      agency_ids=tuple(ids) if ids is not None else None, kinds=tuple(data["kinds"]),
                      commune_id=data.get("commune_id"))
        return cls(scope=scope, period=Period(data["period_kind"], data["year"], start, end),
                   agency_id=data.get("agency_id"), agency_code=data.get("agency_code"),
                   agency_name=data.get("agency_name"), commune_code=data.get("commune_code"),
                   commune_name=data.get("commune_name"), only=bool(data.get("only")))


def _day(value: str, field: str, errors: dict) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.setdefault(field, []).append(_("Must be a date (YYYY-MM-DD)."))
        return None


def _period(args: Mapping[str, str], today: date, errors: dict) -> Period | None:
    start_s = (args.get("from") or args.get("date_from") or "").strip()
    end_s = (args.get("to") or args.get("date_to") or "").strip()
    if start_s or end_s or args.get("period") == "custom":
        for field, value in (("from", start_s), ("to", end_s)):
            if not value:
                errors.setdefault(field, []).append(_("Give both dates of the period."))
        start = _day(start_s, "from", errors) if start_s else None
        end = _day(end_s, "to", errors) if end_s else None
        if start and end:
            if end < start:
                errors.setdefault("to", []).append(_("The period ends before it starts."))
            else:
                return custom(start, end)
        return None
    kind = (args.get("period") or "year").strip()
    if kind not in PERIOD_KINDS:
        errors.setdefault("period", []).append(_("Unknown period: one of %(kinds)s.", kinds=", ".join(PERIOD_KINDS)))
        return None
    year_s = (args.get("year") or "").strip()
    if not year_s:
        return reporting_period(kind, period_of(today).year)
    year = strict_int(year_s, minimum=2000, maximum=2100)
    if year is None:
        errors.setdefault("year", []).append(_("Must be a year between 2000 and 2100."))
        return None
    return reporting_period(kind, year)


def parse_report_args(args: Mapping[str, str], user: User, today: date) -> ReportParams:
    """The report a URL asks for, in the scope this officer may see.

    Raises :class:`ReportArgsError` for a bad parameter and ``PermissionError`` for an
    agency outside the officer's scope (see ``permissions.report_agency_ids``)."""
    errors: dict[str, list[str]] = {}
    period = _period(args, today, errors)

    kinds_s = (args.get("kinds") or "").strip()
    if not kinds_s and hasattr(args, "getlist"):  # a form's checkboxes: kind=complaint&kind=petition
        kinds_s = ",".join(args.getlist("kind"))
    kinds = TARGET_KINDS
    if kinds_s:
        asked = tuple(dict.fromkeys(k.strip() for k in kinds_s.split(",") if k.strip()))
        unknown = [k for k in asked if k not in REPORT_KINDS]
        if unknown or not asked:
            errors.setdefault("kinds", []).append(
                _("Unknown kind: one or more of %(kinds)s, separated by commas.", kinds=", ".join(REPORT_KINDS)))
        else:
            kinds = asked

    agency = None
    code = (args.get("agency") or "").strip()
    if code:
        agency = db.session.scalar(select(Agency).where(Agency.code == code))
        if agency is None:
            errors.setdefault("agency", []).append(_("No agency with this code."))
    commune = None
    commune_code = (args.get("commune") or "").strip()
    if commune_code:
        commune = db.session.scalar(select(AdminUnit).where(AdminUnit.code == commune_code,
                                                            AdminUnit.level == "commune"))
        if commune is None:
            errors.setdefault("commune", []).append(_("No commune with this code."))
    if errors:
        raise ReportArgsError(errors)

    agency_ids = report_agency_ids(user, agency.id if agency else None)  # PermissionError: not theirs
    only = agency is not None and (args.get("only") or "").strip().lower() in ("y", "1", "true", "yes")
    if only:
        agency_ids = (agency.id,)
    if agency is None and agency_ids is not None:
        agency = user.agency  # an agency officer's default: their own agency
    scope = Scope(start=period.start, end=period.end, today=today, agency_ids=agency_ids, kinds=kinds,
                  commune_id=commune.id if commune else None)
    return ReportParams(scope=scope, period=period, agency_id=agency.id if agency else None,
                        agency_code=agency.code if agency else None, agency_name=agency.name if agency else None,
                        commune_code=commune.code if commune else None,
                        commune_name=commune.name if commune else None, only=only)


def report_years(today: date) -> list[int]:
    """The reporting years with letters in the system, newest first (at least this one)."""
    current = period_of(today).year
    first = db.session.scalar(select(func.min(Case.received_on)))
    start = min(period_of(first).year, current) if first else current
    return list(range(current, start - 1, -1))


def can_export(user: User) -> bool:
    """Exports are for the provincial inspectorate, administrators and heads of agency
    (belongs with the other predicates in permissions.py)."""
    return can_monitor_province(user) or user.has_role(Role.HEAD)


def can_download(user: User, job: ExportJob) -> bool:
    return job.user_id == user.id or user.has_role(Role.ADMIN)


def name_key(name: str) -> tuple:
    """Vietnamese alphabetical order of names (services/collation.py)."""
    return vi_key(name)


def scope_agencies(params: ReportParams) -> list[Agency]:
    """The agencies of the scope: the top agency first (the province's People's Committee
    for the whole province), then provincial bodies, then communes, each alphabetically."""
    query = select(Agency)
    if params.scope.agency_ids is not None:
        query = query.where(Agency.id.in_(params.scope.agency_ids))
    found = db.session.scalars(query).all()
    def top(a: Agency) -> bool:
        return a.id == params.agency_id if params.agency_id else a.parent_id is None
    return sorted(found, key=lambda a: (not top(a), a.level != "province", name_key(a.name)))


def report_tables(params: ReportParams) -> tuple[Report, list[tuple[Agency, Report]]]:
    """The scope's report and one report per agency of the scope (zeros where none)."""
    total = target4(params.scope)
    by_agency = target4_by_agency(params.scope)
    empty = Report(params.scope, {name: 0 for name in FIGURES})
    return total, [(a, by_agency.get(a.id, empty)) for a in scope_agencies(params)]


def value(report: Report, column: str):
    """A figure or a rate of a report (a rate is None when there is nothing to count)."""
    return getattr(report, column) if column in RATES else report[column]


def _safe(text: str | None) -> str:
    """Text in a spreadsheet cell, never read as a formula."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _dmy(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _slug(params: ReportParams) -> str:
    return f"{params.scope.start.isoformat()}_{params.scope.end.isoformat()}"


# -- the report ------------------------------------------------------------------------


def report_filename(params: ReportParams, fmt: str) -> str:
    return f"muc-tieu-4_{params.agency_code or 'toan-tinh'}_{_slug(params)}.{fmt}"


def report_csv(params: ReportParams) -> str:
    """The report as one table: the scope's total first, then one row per agency.
    Rates are fractions (0.9524), empty when there is nothing to count."""
    total, rows = report_tables(params)
    out = io.StringIO()
    writer = csv.writer(out)
    with force_locale("vi"):
        writer.writerow([_("Agency code"), _("Agency"), *[label(c) for c in COLUMNS]])
        writer.writerow(["", _safe(_("Total: %(scope)s", scope=params.scope_label)),
                         *[_csv_value(total, c) for c in COLUMNS]])
        for agency, report in rows:
            writer.writerow([agency.code, _safe(agency.name), *[_csv_value(report, c) for c in COLUMNS]])
    return "\ufeff" + out.getvalue()


def _csv_value(report: Report, column: str):
    v = value(report, column)
    if column in RATES:
        return "" if v is None else round(v, 4)
    return v


def report_workbook(params: ReportParams) -> bytes:
    """The report as an Excel workbook: the TT 01/2024 tables for the scope, then one
    row per agency on a second sheet."""
    from openpyxl import Workbook
    total, rows = report_tables(params)
    wb = Workbook()
    with force_locale("vi"):
        _summary_sheet(wb.active, params, total)
        _agency_sheet(wb.create_sheet(), params, total, rows)
        _method_sheet(wb.create_sheet())
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# styles: created on use (openpyxl is imported only when a workbook is built)
def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    thin = Side(style="thin", color="808080")
    return {
        "bold": Font(bold=True),
        "title": Font(bold=True, size=13),
        "italic": Font(italic=True),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "wrap": Alignment(vertical="top", wrap_text=True),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "fill": PatternFill("solid", fgColor="EEF1F4"),
    }


PERCENT = "0.0%"


def _header(ws, row: int, col: int, text: str, st: dict, *, rows: int = 1, cols: int = 1) -> None:
    cell = ws.cell(row=row, column=col, value=text)
    if rows > 1 or cols > 1:
        ws.merge_cells(start_row=row, start_column=col, end_row=row + rows - 1, end_column=col + cols - 1)
    for r in range(row, row + rows):
        for c in range(col, col + cols):
            target = ws.cell(row=r, column=c)
            target.border, target.fill = st["border"], st["fill"]
    cell.font, cell.alignment = st["bold"], st["center"]


def _data(ws, row: int, col: int, report: Report, column: str, st: dict) -> None:
    v = value(report, column)
    cell = ws.cell(row=row, column=col, value="–" if v is None else v)
    cell.border = st["border"]
    cell.alignment = st["center"]
    if column in RATES and v is not None:
        cell.number_format = PERCENT


def _title_block(ws, params: ReportParams, width: int, st: dict) -> int:
    """The heading of a state report: issuing body left, national motto right, then the
    title, the period and the scope. Returns the next free row."""
    from openpyxl.utils import get_column_letter
    half = max(width // 2, 2)
    body = (params.agency_name or _("Nghệ An Province")).upper()
    ws.cell(row=1, column=1, value=_safe(body)).font = st["bold"]
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=half)
    ws.cell(row=1, column=half + 1, value=_("SOCIALIST REPUBLIC OF VIETNAM")).font = st["bold"]
    ws.merge_cells(start_row=1, start_column=half + 1, end_row=1, end_column=width)
    ws.cell(row=2, column=half + 1, value=_("Independence – Freedom – Happiness")).font = st["bold"]
    ws.merge_cells(start_row=2, start_column=half + 1, end_row=2, end_column=width)
    for r in (1, 2):
        for c in (1, half + 1):
            ws.cell(row=r, column=c).alignment = st["center"]
    lines = [
        (_("REPORT ON THE HANDLING OF LETTERS AND THE RESOLUTION OF COMPLAINTS AND DENUNCIATIONS (Target 4)"),
         st["title"]),
        (_("Period: %(period)s, from %(start)s to %(end)s", period=params.period_label,
           start=_dmy(params.period.start), end=_dmy(params.period.end)), st["bold"]),
        (_("Scope: %(scope)s; kinds: %(kinds)s", scope=params.scope_label, kinds=params.kinds_label), None),
        (_("Figures as they stood on %(day)s, computed from the case records", day=_dmy(params.scope.as_of)),
         st["italic"]),
    ]
    row = 4
    for text, font in lines:
        cell = ws.cell(row=row, column=1, value=_safe(text))
        ws.merge_cells(f"A{row}:{get_column_letter(width)}{row}")
        cell.alignment = st["center"]
        if font is not None:
            cell.font = font
        row += 1
    ws.row_dimensions[4].height = 36
    return row + 1


def _grouped_table(ws, row: int, groups: tuple, columns: tuple[str, ...], report: Report, st: dict) -> int:
    """A table of the TT 01/2024 forms: two heading rows (a group over its columns, a single
    column over both), the column numbers (1), (2) ..., then the figures. Returns the
    row after it."""
    col = 1
    for title, members in groups:
        if title is None:
            _header(ws, row, col, label(members[0]), st, rows=2)
        else:
            _header(ws, row, col, str(title), st, cols=len(members))
            for offset, column in enumerate(members):
                _header(ws, row + 1, col + offset, str(SUB_LABELS.get(column, label(column))), st)
        col += len(members)
    for i, column in enumerate(columns, start=1):
        _header(ws, row + 2, i, f"({i})", st)
        _data(ws, row + 3, i, report, column, st)
    ws.row_dimensions[row].height = 32
    ws.row_dimensions[row + 1].height = 48
    return row + 4


def _number(columns: tuple[str, ...], column: str) -> str:
    return f"({columns.index(column) + 1})" if column in columns else "?"


def _summary_sheet(ws, params: ReportParams, total: Report) -> None:
    from openpyxl.utils import get_column_letter
    st = _styles()
    ws.title = _("Report")[:31]
    width = max(len(LETTER_COLUMNS), len(CASE_COLUMNS))
    row = _title_block(ws, params, width, st)

    heading = _("I. LETTER HANDLING (target: %(target)s on time)", target="100%")
    ws.cell(row=row, column=1, value=heading).font = st["bold"]
    row = _grouped_table(ws, row + 1, LETTER_GROUPS, LETTER_COLUMNS, total, st) + 1
    heading = _("II. CASES WITHIN COMPETENCE (target: over %(target)s resolved)", target="95%")
    ws.cell(row=row, column=1, value=heading).font = st["bold"]
    row = _grouped_table(ws, row + 1, CASE_GROUPS, CASE_COLUMNS, total, st) + 1

    counted = current_app.config.get("REPORT_WITHDRAWN_AS_RESOLVED")
    n1 = lambda column: _number(LETTER_COLUMNS, column)  # noqa: E731
    n2 = lambda column: _number(CASE_COLUMNS, column)  # noqa: E731
    withdrawn = n2("cases_withdrawn")
    notes = [
        _("Rates: table I, %(on_time)s / (%(on_time)s + %(late)s + %(overdue)s); table II, %(resolved)s / "
          "%(total)s%(withdrawn)s. \"–\": nothing to count.", on_time=n1("letters_on_time"),
          late=n1("letters_late"), overdue=n1("letters_open_overdue"), resolved=n2("cases_resolved"),
          total=n2("cases_total"),
          withdrawn=_(" with %(column)s counted as resolved", column=withdrawn) if counted else ""),
        _("Withdrawn, terminated or ended otherwise %(column)s: withdrawn, terminated, taken to court, or escalated "
          "before a decision; counted as resolved: %(answer)s.", column=withdrawn,
          answer=_("yes") if counted else _("no")),
        _("Outcome: a complaint decision that annuls the act complained about counts as correct, one that amends "
          "it as partly correct, one that upholds it as wrong; denunciation conclusions as concluded."),
        _("The cases behind every figure can be exported as a list."),
    ]
    for note in notes:
        cell = ws.cell(row=row, column=1, value=_safe(note))
        ws.merge_cells(f"A{row}:{get_column_letter(width)}{row}")
        cell.alignment, cell.font = st["wrap"], st["italic"]
        ws.row_dimensions[row].height = 30
        row += 1
    for i in range(1, width + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1


def _agency_sheet(ws, params: ReportParams, total: Report, rows: list[tuple[Agency, Report]]) -> None:
    from openpyxl.utils import get_column_letter
    st = _styles()
    ws.title = _("By agency")[:31]
    ws.cell(row=1, column=1, value=_safe(_("Target 4 by agency: %(period)s (%(start)s – %(end)s); %(scope)s",
                                             period=params.period_label, start=_dmy(params.period.start),
                                             end=_dmy(params.period.end), scope=params.scope_label))).font = st["title"]
    head = 3
    _header(ws, head, 1, _("No."), st, rows=2)
    _header(ws, head, 2, _("Agency code"), st, rows=2)
    _header(ws, head, 3, _("Agency"), st, rows=2)
    first = 4
    _header(ws, head, first, _("Letters"), st, cols=len(LETTER_COLUMNS))
    _header(ws, head, first + len(LETTER_COLUMNS), _("Cases within competence"), st, cols=len(CASE_COLUMNS))
    for i, column in enumerate(COLUMNS):
        _header(ws, head + 1, first + i, label(column), st)
    ws.row_dimensions[head + 1].height = 64
    row = head + 2
    for n, (agency, report) in enumerate(rows, start=1):
        ws.cell(row=row, column=1, value=n).border = st["border"]
        ws.cell(row=row, column=2, value=agency.code).border = st["border"]
        ws.cell(row=row, column=3, value=_safe(agency.name)).border = st["border"]
        for i, column in enumerate(COLUMNS):
            _data(ws, row, first + i, report, column, st)
        row += 1
    cell = ws.cell(row=row, column=1, value=_("Total"))
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    cell.font, cell.border = st["bold"], st["border"]
    for i, column in enumerate(COLUMNS):
        _data(ws, row, first + i, total, column, st)
        ws.cell(row=row, column=first + i).font = st["bold"]
    ws.freeze_panes = ws.cell(row=head + 2, column=first)
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 42
    for i in range(len(COLUMNS)):
        ws.column_dimensions[get_column_letter(first + i)].width = 12


def _method_sheet(ws) -> None:
    st = _styles()
    ws.title = _("Method")[:31]
    ws.cell(row=1, column=1, value=_("How the figures are counted")).font = st["title"]
    for i, text in enumerate(METHOD, start=3):
        cell = ws.cell(row=i, column=1, value=_safe(str(text)))
        cell.alignment = st["wrap"]
        ws.row_dimensions[i].height = 48
    ws.column_dimensions["A"].width = 120


# -- case lists --------------------------------------------------------------------------


def case_count(figure: str, scope: Scope) -> int:
    return db.session.scalar(select(func.count()).select_from(cases_for(figure, scope).order_by(None).subquery()))


def list_filename(params: ReportParams, figure: str, fmt: str) -> str:
    return f"ho-so_{figure}_{params.agency_code or 'toan-tinh'}_{_slug(params)}.{fmt}"


def list_headings() -> list[str]:
    return [_("Tracking code"), _("Kind"), _("Date received"), _("Channel"), _("Status"), _("Agency"),
            _("Commune"), _("Time limit"), _("Started"), _("Due"), _("Completed"), _("Outcome")]


CHUNK = 500


def case_rows(figure: str, scope: Scope, progress: Callable[[int, int], None] | None = None) -> Iterator[list]:
    """The cases behind one figure (``cases_for``), one row per time limit counted, as
    plain values (dates as dates). No personal data and none of the citizen's words.
    Reads in chunks; ``progress(done, total)`` is called after each."""
    ids = db.session.scalars(cases_for(figure, scope).with_only_columns(Deadline.id)).all()
    agencies = dict(db.session.execute(select(Agency.id, Agency.name)).all())
    communes = dict(db.session.execute(select(AdminUnit.id, AdminUnit.name)
                                       .where(AdminUnit.level == "commune")).all())
    total = len(ids)
    memo: dict[tuple, str] = {}  # labels repeat row after row: look each one up once

    def text(key: tuple, make: Callable[[], str]) -> str:
        if key not in memo:
            memo[key] = str(make())
        return memo[key]

    for start in range(0, total, CHUNK):
        chunk = ids[start:start + CHUNK]
        found = {r.deadline_id: r for r in db.session.execute(
            select(Case.tracking_code, Case.kind, Case.received_on, Case.channel, Case.status, Case.agency_id,
                   Case.commune_id, Case.outcome, Deadline.id.label("deadline_id"), Deadline.step,
                   Deadline.started_on, Deadline.due_on, Deadline.completed_on)
            .join(Deadline, Deadline.case_id == Case.id).where(Deadline.id.in_(chunk)))}
        for deadline_id in chunk:
            r = found.get(deadline_id)
            if r is None:  # removed meanwhile
                continue
            yield [format_code(r.tracking_code), text(("kind", r.kind), lambda: labels.label(labels.KIND, r.kind)),
                   r.received_on, text(("channel", r.channel), lambda: labels.label(labels.CHANNEL, r.channel)),
                   text(("status", r.status), lambda: labels.label(labels.STATUS, r.status)),
                   _safe(agencies.get(r.agency_id, "")), _safe(communes.get(r.commune_id, "")),
                   text(("step", r.step), lambda: labels.step_label(r.step)), r.started_on, r.due_on,
                   r.completed_on,
                   text(("outcome", r.outcome, r.kind), lambda: labels.outcome_label(r.outcome, r.kind))
                   if r.outcome else ""]
        if progress is not None:
            progress(min(start + CHUNK, total), total)


def write_case_csv(stream, rows: Iterable[list]) -> int:
    writer = csv.writer(stream)
    writer.writerow(list_headings())
    n = 0
    for row in rows:
        writer.writerow([_dmy(v) if isinstance(v, date) else v for v in row])
        n += 1
    return n


def write_case_workbook(target, rows: Iterable[list], title: str) -> int:
    """A streaming (write-only) workbook: memory stays flat however long the list."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter
    st = _styles()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Cases")[:31])
    for i, width in enumerate((14, 14, 12, 18, 26, 36, 26, 30, 12, 12, 12, 24), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    heading = WriteOnlyCell(ws, value=_safe(title))
    heading.font = st["title"]
    ws.append([heading])
    cells = []
    for text in list_headings():
        cell = WriteOnlyCell(ws, value=text)
        cell.font, cell.fill, cell.alignment, cell.border = st["bold"], st["fill"], st["center"], st["border"]
        cells.append(cell)
    ws.append(cells)
    n = 0
    for row in rows:
        out = []
        for v in row:
            if isinstance(v, date):
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = "DD/MM/YYYY"
                out.append(cell)
            else:
                out.append(v)
        ws.append(out)
        n += 1
    wb.save(target)
    return n


def list_title(params: ReportParams, figure: str) -> str:
    return _("%(figure)s: %(period)s (%(start)s – %(end)s); %(scope)s; %(kinds)s", figure=label(figure),
             period=params.period_label, start=_dmy(params.period.start), end=_dmy(params.period.end),
             scope=params.scope_label, kinds=params.kinds_label)


def case_list(params: ReportParams, figure: str, fmt: str) -> bytes:
    """A small list, built at once."""
    with force_locale("vi"):
        rows = case_rows(figure, params.scope)
        if fmt == "csv":
            out = io.StringIO()
            write_case_csv(out, rows)
            return ("\ufeff" + out.getvalue()).encode("utf-8")
        out = io.BytesIO()
        write_case_workbook(out, rows, list_title(params, figure))
        return out.getvalue()


def sync_limit() -> int:
    """Lists shorter than this download at once (a setting for config.py: EXPORT_SYNC_ROWS)."""
    return int(current_app.config.get("EXPORT_SYNC_ROWS", 2000))


# -- background exports ------------------------------------------------------------------


FOLDER = "exports"


def export_folder() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_case_export(user: User, params: ReportParams, figure: str, fmt: str) -> ExportJob:
    """Record a large list export and queue its job (after the caller's commit)."""
    job = ExportJob(user_id=user.id, kind=f"cases_{fmt}", status="queued", progress=0,
                    params={**params.to_json(), "figure": figure, "format": fmt},
                    filename=list_filename(params, figure, fmt))
    db.session.add(job)
    db.session.flush()
    enqueue_after_commit(db.session, BUILD_JOB, job.id)
    return job


def describe(job: ExportJob) -> dict:
    """What a background export holds, for its page."""
    params = ReportParams.from_json(job.params)
    return {"figure": label(job.params.get("figure", "")),
            "period": params.period_label, "start": params.period.start, "end": params.period.end,
            "scope": params.scope_label, "kinds": params.kinds_label, "format": job.params.get("format", "")}


def build_export(export_id: int) -> str:
    """The job: claim the export (a second worker finds nothing to do), build the file in
    memory, committing the progress after each chunk, and store it sealed (mode 0600, the
    identity keys: services/sealed.py) under a random name."""
    claimed = db.session.execute(update(ExportJob).where(ExportJob.id == export_id, ExportJob.status == "queued")
                                 .values(status="running", progress=0)).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"
    job = db.session.get(ExportJob, export_id)
    params = ReportParams.from_json(job.params)
    figure, fmt = job.params["figure"], job.params["format"]
    stored = f"{secrets.token_hex(16)}.{fmt}"
    path = export_folder() / stored

    def progress(done: int, total: int) -> None:
        job.progress = min(99, done * 100 // total) if total else 99
        db.session.commit()

    try:
        with force_locale("vi"):
            rows = case_rows(figure, params.scope, progress)
            out = io.BytesIO()
            if fmt == "csv":
                text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
                n = write_case_csv(text, rows)
                text.flush()
                text.detach()
            else:
                n = write_case_workbook(out, rows, list_title(params, figure))
        sealed.write(path, out.getvalue())
    except Exception as error:  # noqa: BLE001 - recorded on the export, shown to the officer
        log.exception("export %s failed", export_id)
        db.session.rollback()
        path.unlink(missing_ok=True)
        job = db.session.get(ExportJob, export_id)
        job.status, job.error, job.finished_at = "failed", f"{type(error).__name__}: {error}"[:500], utcnow()
        db.session.commit()
        return "failed"
    job.status, job.progress, job.rows, job.stored_name, job.finished_at = "done", 100, n, stored, utcnow()
    db.session.commit()
    return "done"


def export_path(job: ExportJob) -> Path | None:
    """Where a finished export's file is (sealed: read it with :func:`read_export`)."""
    if job.status != "done" or not job.stored_name:
        return None
    path = export_folder() / job.stored_name
    return path if path.is_file() else None


def read_export(job: ExportJob) -> bytes | None:
    """A finished export's own bytes, unsealed (None when unfinished or gone): every reader
    goes through here."""
    path = export_path(job)
    if path is None:
        return None
    try:
        return sealed.read(path)
    except FileNotFoundError:
        return None
