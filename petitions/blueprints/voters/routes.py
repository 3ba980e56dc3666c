"""The voter-petition pages: thin views over :mod:`petitions.services.voters`.

``/voters/``                                  meetings and sessions
``/voters/meetings/new``                      record a voter meeting
``/voters/meetings/<id>``                     a meeting, its petitions and the bulk actions
``/voters/meetings/<id>/petitions``           enter petitions in a form of several rows
``/voters/meetings/<id>/import``              import them from .xlsx or .csv
``/voters/meetings/<id>/bulk``                consolidate or assign the selected petitions (POST)
``/voters/template.csv``, ``template.xlsx``   the import template
``/voters/petitions/<code>/report``           report the answer back to voters (satisfied or not)
``/voters/sessions``                          the sessions
``/voters/sessions/report?session=...``       the report of a session (``report.xlsx``: as Excel)
"""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ... import labels
from ...extensions import db
from ...models import AdminUnit, Agency, Case, VoterMeeting
from ...permissions import can_view_case
from ...services import voters
from ...services.codes import normalize
from ...services.collation import agency_choices, commune_choices
from ...services.workflow import available_actions
from ...web import local_today
from ...workflow.engine import TransitionError
from ...workflow.states import Event, Kind
from ..reception.actions import refused
from . import bp
from .forms import FORM_ROWS, MAX_FORM_ROWS, BulkForm, ImportForm, MeetingForm, PetitionsForm, ReportForm
from ...security import ascii_int, strict_int

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})


def _communes() -> list[tuple[str, str]]:
    return commune_choices()


def _answering_agencies() -> list[tuple[str, str]]:
    """The agencies a petition can be proposed or assigned to: all but the council's."""
    council = voters.council_agency()
    return agency_choices(Agency.id != council.id)


def _meeting_or_abort(meeting_id: str, manage: bool = False) -> VoterMeeting:
    # a plain segment, not <int:>: tests/test_access.py builds every route with sample values
    ident = strict_int(meeting_id, minimum=1, maximum=2**31 - 1)
    meeting = (db.session.get(VoterMeeting, ident) if ident else None) or abort(404)
    if manage and not voters.can_manage_meeting(current_user, meeting):
        abort(403)
    return meeting


# -- meetings -----------------------------------------------------------------------


@bp.get("/")
def list_meetings():
    return render_template("voters/index.html", meetings=voters.list_meetings(),
                           sessions=voters.session_summaries(),
                           may_create=voters.can_create_meetings(current_user))


@bp.route("/meetings/new", methods=["GET", "POST"])
def new_meeting():
    if not voters.can_create_meetings(current_user):
        abort(403)
    form = MeetingForm()
    communes = _communes()
    form.commune_code.choices = [("", "—")] + communes
    form.commune_codes = {code for code, _name in communes}
    form.today = local_today()
    if request.method == "GET":
        form.held_on.data = form.today
    if form.validate_on_submit():
        commune = db.session.scalar(db.select(AdminUnit).where(AdminUnit.code == form.commune_code.data)) \
            if form.commune_code.data else None
        meeting = voters.create_meeting(voters.MeetingData(
            held_on=form.held_on.data, place=form.place.data, deputies=form.deputies.data,
            front_committee=form.front_committee.data, council_session=form.council_session.data,
            commune=commune), current_user)
        db.session.commit()
        flash(_("The voter meeting was recorded: now enter its petitions."))
        return redirect(url_for("voters.show_meeting", meeting_id=meeting.id))
    return render_template("voters/meeting_form.html", form=form, sessions=voters.known_sessions()), \
        (422 if form.errors else 200)


def _render_meeting(meeting: VoterMeeting, form: BulkForm | None = None, problems=(), selected=(), status=200):
    cases = voters.meeting_petitions(meeting)
    may_manage = voters.can_manage_meeting(current_user, meeting)
    if may_manage and form is None:
        form = BulkForm(formdata=None)
        form.act_date.data = local_today()
        form.session.data = meeting.council_session
    if form is not None:
        form.agency.choices = [(voters.PROPOSED, _("The agency proposed for each petition"))] + _answering_agencies()
    actions = {}
    for case in cases:
        links = []
        for row in available_actions(case, current_user):
            if row.event.value == Event.REPORT.value:
                url = url_for("voters.report_petition", code=case.tracking_code)
            else:
                url = url_for("reception.act", code=case.tracking_code, event=row.event.value)
            links.append((row.event.value, labels.tr(row.label), url))
        actions[case.id] = links
    return render_template(
        "voters/meeting.html", meeting=meeting, cases=cases, infos=voters.petition_info(cases),
        may_manage=may_manage, form=form, problems=problems, selected=set(selected), actions=actions,
        may_view={c.id: can_view_case(current_user, c) for c in cases},
        owner=db.session.get(Agency, voters.meeting_agency_id(meeting)),
    ), status


@bp.get("/meetings/<meeting_id>")
def show_meeting(meeting_id: str):
    return _render_meeting(_meeting_or_abort(meeting_id))


@bp.post("/meetings/<meeting_id>/bulk")
def act_on_petitions(meeting_id: str):
    """Consolidate or assign the selected petitions: one event each, all or none."""
    meeting = _meeting_or_abort(meeting_id, manage=True)
    event = request.form.get("event", "")
    if event not in voters.BULK_EVENTS:
        abort(400)
    form = BulkForm()
    form.agency.choices = [(voters.PROPOSED, "")] + _answering_agencies()
    codes = [normalize(c) for c in request.form.getlist("case")]
    cases = [c for c in voters.meeting_petitions(meeting) if c.tracking_code in set(codes)]
    versions = {c: v for c in codes if (v := strict_int(request.form.get(f"v-{c}", ""), minimum=0)) is not None}
    problems = []
    valid = form.validate_on_submit()
    if valid and event == Event.CONSOLIDATE.value and not form.session.data:
        form.session.errors = [_("Enter the session the petitions are consolidated for.")]
        valid = False
    if valid:
        try:
            if event == Event.CONSOLIDATE.value:
                voters.consolidate_petitions(cases, current_user, form.act_date.data, form.session.data,
                                             note=form.note.data, today=local_today(), versions=versions)
            else:
                voters.assign_petitions(cases, current_user, form.act_date.data, form.agency.data or None,
                                        note=form.note.data, today=local_today(), versions=versions)
        except voters.BulkRejected as error:
            db.session.rollback()
            problems = error.problems
        else:
            db.session.commit()
            flash(ngettext("Done for %(num)d petition.", "Done for %(num)d petitions.", len(cases)))
            return redirect(url_for("voters.show_meeting", meeting_id=meeting.id))
    return _render_meeting(meeting, form=form, problems=problems, selected=codes, status=422)


# -- entering petitions ---------------------------------------------------------------


def _mark_rows(form: PetitionsForm, errors: list[voters.RowError]) -> None:
    """Each problem beside its field too (row numbers are the form's rows, from 1)."""
    for e in errors:
        if e.row is not None and 1 <= e.row <= len(form.rows.entries) and e.column:
            target = getattr(form.rows.entries[e.row - 1].form, e.column, None)
            if target is not None:
                target.errors = list(target.errors) + [e.message]


@bp.route("/meetings/<meeting_id>/petitions", methods=["GET", "POST"])
def enter_petitions(meeting_id: str):
    meeting = _meeting_or_abort(meeting_id, manage=True)
    form = PetitionsForm()
    wanted = min(max(request.args.get("rows", FORM_ROWS, type=ascii_int), 1), MAX_FORM_ROWS)
    while len(form.rows.entries) < wanted:
        form.rows.append_entry()
    errors: list[voters.RowError] = []
    if form.validate_on_submit():
        rows = [voters.RawRow(i, {c: getattr(entry.form, c).data for c in voters.COLUMNS})
                for i, entry in enumerate(form.rows.entries, start=1)]
        try:
            cases = voters.add_petitions(meeting, rows, current_user, source="form")
        except voters.ImportRejected as error:
            db.session.rollback()
            errors = error.errors
            _mark_rows(form, errors)
        else:
            db.session.commit()
            flash(ngettext("%(num)d petition was entered.", "%(num)d petitions were entered.", len(cases)))
            return redirect(url_for("voters.show_meeting", meeting_id=meeting.id))
    return render_template("voters/petitions_form.html", meeting=meeting, form=form, errors=errors,
                           communes=_communes(), agencies=_answering_agencies(),
                           more_rows=min(len(form.rows.entries) + FORM_ROWS, MAX_FORM_ROWS)), \
        (422 if errors or form.errors else 200)


@bp.route("/meetings/<meeting_id>/import", methods=["GET", "POST"])
def import_petitions(meeting_id: str):
    meeting = _meeting_or_abort(meeting_id, manage=True)
    form = ImportForm()
    errors: list[voters.RowError] = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read() if upload else b""
        try:
            cases = voters.import_petitions(meeting, upload.filename if upload else "", data, current_user)
        except voters.ImportRejected as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            flash(ngettext("%(num)d petition was imported.", "%(num)d petitions were imported.", len(cases)))
            return redirect(url_for("voters.show_meeting", meeting_id=meeting.id))
    return render_template("voters/import.html", meeting=meeting, form=form, errors=errors,
                           max_rows=voters.MAX_ROWS), (422 if errors or form.errors else 200)


@bp.get("/template.<fmt>")
def download_template(fmt: str):
    if fmt == "csv":
        return _download(voters.template_csv(), "mau-kien-nghi-cu-tri.csv", CSV)
    if fmt == "xlsx":
        return _download(voters.template_workbook(), "mau-kien-nghi-cu-tri.xlsx", XLSX)
    abort(404)


# -- reporting back to voters ---------------------------------------------------------


@bp.route("/petitions/<code>/report", methods=["GET", "POST"])
def report_petition(code: str):
    case = db.session.scalar(db.select(Case).where(Case.tracking_code == normalize(code),
                                                   Case.kind == Kind.VOTER_PETITION.value)) or abort(404)
    if not can_view_case(current_user, case):
        abort(403)
    row = next((r for r in available_actions(case, current_user) if r.event == Event.REPORT), None)
    if row is None:
        abort(403)
    form = ReportForm()
    if request.method == "GET":
        form.act_date.data = local_today()
        form.version.data = str(case.version)
    status = 200
    if form.validate_on_submit():
        version = form.version.data or ""
        try:
            voters.report_petition(case, current_user, form.act_date.data, satisfied=form.satisfied.data == "yes",
                                   note=form.note.data, today=local_today(),
                                   expected_version=strict_int(version, -1, minimum=0))
        except TransitionError as error:
            status = refused(form, error, form.note)
        else:
            db.session.commit()
            flash(_("Done: %(action)s.", action=labels.tr(row.label)))
            if case.voter_meeting_id:
                return redirect(url_for("voters.show_meeting", meeting_id=case.voter_meeting_id))
            return redirect(url_for("reception.show_case", code=case.tracking_code))
    elif request.method == "POST":
        status = 422
    info = voters.petition_info([case])[case.id]
    return render_template("voters/report_back.html", case=case, row=row, form=form, info=info), status


# -- sessions -------------------------------------------------------------------------


@bp.get("/sessions")
def list_sessions():
    return render_template("voters/sessions.html", sessions=voters.session_summaries())


def _session_report() -> voters.SessionReport:
    session = voters.clean_session(request.args.get("session"))
    report = voters.session_report(session) if session else None
    if report is None or not (report.meetings or report.carried_in):
        abort(404)
    return report


@bp.get("/sessions/report")
def show_session_report():
    return render_template("voters/session_report.html", report=_session_report())


@bp.get("/sessions/report.xlsx")
def download_session_report():
    report = _session_report()
    return _download(voters.session_workbook(report), voters.report_filename(report.session, "xlsx"), XLSX)
