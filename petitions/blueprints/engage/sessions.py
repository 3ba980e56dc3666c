"""Reception sessions: scheduled or recorded by the agency, the people received, the
chair's conclusions and their follow-up."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...models import AdminUnit, Case, Conclusion, ReceptionSession, User
from ...permissions import can_view_case
from ...services.codes import normalize
from ...services.collation import commune_choices
from ...services.engagement import (EngagementError, add_conclusion, add_visit, can_record_engagement, cancel_session,
                                    complete_conclusion, heads_of, officers_of, receive_new_matter,
                                    schedule_session, session_cases)
from ...web import local_today
from . import bp
from .forms import ConclusionForm, DoneForm, SessionForm, VisitForm
from .routes import check_access, load_or_404


def _form_error(form, error: EngagementError) -> None:
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = list(target.errors) + [str(error.args[0])]
    else:
        form.form_errors.append(str(error.args[0]))


@bp.route("/sessions/new", methods=["GET", "POST"])
def new_session():
    agency = current_user.agency
    check_access(agency.id, record=True)
    form = SessionForm()
    heads = heads_of(agency.id)
    head_ids = {h.id for h in heads}
    # the heads first; then the other officers of the agency, who chair on a head's authority
    form.chair.choices = [(h.id, h.full_name) for h in heads] + [
        (u.id, _("%(name)s (on authority)", name=u.full_name)) for u in officers_of(agency.id) if u.id not in head_ids]
    form.authorised_by.choices = [("", _("Nobody: a head chairs in person"))] + [(h.id, h.full_name) for h in heads]
    if request.method == "GET":
        form.held_on.data = local_today()
    status = 200
    if form.validate_on_submit():
        try:
            row = schedule_session(current_user, agency, chair=db.session.get(User, form.chair.data),
                                   held_on=form.held_on.data, kind=form.kind.data, mode=form.mode.data,
                                   place=form.place.data, notes=form.notes.data,
                                   authorised_by=db.session.get(User, form.authorised_by.data)
                                   if form.authorised_by.data else None,
                                   authorisation=form.authorisation.data)
        except EngagementError as error:
            db.session.rollback()
            _form_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("The reception session was recorded."))
            return redirect(url_for("engage.show_session", session_id=row.id))
    elif request.method == "POST":
        status = 422
    return render_template("engage/session_new.html", form=form, agency=agency, heads=heads), status


def _visit_form(formdata=None) -> VisitForm:
    form = VisitForm(formdata=formdata) if formdata is not None else VisitForm(formdata=None)
    form.commune_code.choices = [("", _("Choose a commune or ward"))] + commune_choices()
    if formdata is None:
        unit = current_user.agency.admin_unit
        if unit is not None and unit.level == "commune":
            form.commune_code.data = unit.code
    return form


def _conclusion_form(row: ReceptionSession, formdata=None) -> ConclusionForm:
    form = ConclusionForm(formdata=formdata) if formdata is not None else ConclusionForm(formdata=None)
    form.owner.choices = [("", _("Choose an officer"))] + [(u.id, u.full_name) for u in officers_of(row.agency_id)]
    form.case.choices = [("", _("No particular case"))] + [
        (c.id, c.tracking_code) for c in session_cases(row)]
    return form


def _render_session(row: ReceptionSession, visit_form=None, conclusion_form=None, status=200):
    today = local_today()
    may_record = can_record_engagement(current_user, row.agency_id)
    visits = []
    for v in row.visits:
        case = v.case
        visible = case is not None and can_view_case(current_user, case)
        # a denouncer is never named here: the name is shown on the case page, on purpose and
        # logged, to those who may see it (Law on Denunciations Art. 8(3), 47)
        named = case is None or not case.identity_is_confidential
        visits.append((v, case, visible, named))
    return render_template(
        "engage/session.html", row=row, visits=visits, may_record=may_record, held=row.held_on <= today,
        visit_form=visit_form or _visit_form(), conclusion_form=conclusion_form or _conclusion_form(row),
        done_form=DoneForm(formdata=None)), status


def _session_or_abort(session_id: str, record: bool = False) -> ReceptionSession:
    row = load_or_404(ReceptionSession, session_id)
    check_access(row.agency_id, record=record)
    return row


@bp.get("/sessions/<session_id>")
def show_session(session_id: str):
    return _render_session(_session_or_abort(session_id))


@bp.post("/sessions/<session_id>/visits")
def add_session_visit(session_id: str):
    row = _session_or_abort(session_id, record=True)
    form = _visit_form(request.form)
    if not form.validate_on_submit():
        return _render_session(row, visit_form=form, status=422)
    today = local_today()
    try:
        if form.new_case.data:
            commune = db.session.scalar(db.select(AdminUnit).where(AdminUnit.code == form.commune_code.data))
            _visit, case, key = receive_new_matter(
                row, current_user, visitor_name=form.visitor_name.data, people=form.people.data,
                summary=form.summary.data, kind=form.kind.data, title=form.title.data, content=form.content.data,
                commune=commune, id_number=form.id_number.data, address=form.address.data, today=today)
        else:
            case, key = None, None
            if form.case_code.data:
                case = db.session.scalar(db.select(Case).where(Case.tracking_code == normalize(form.case_code.data)))
                if case is None or not can_view_case(current_user, case):
                    form.case_code.errors = [_("No case has this tracking code.")]
                    return _render_session(row, visit_form=form, status=422)
            add_visit(row, current_user, visitor_name=form.visitor_name.data, people=form.people.data,
                      summary=form.summary.data, case=case, today=today)
    except EngagementError as error:
        db.session.rollback()
        _form_error(form, error)
        return _render_session(row, visit_form=form, status=422)
    db.session.commit()
    if key:
        # the visitor's receipt: the access key is shown once, as at the desk
        session["engage_receipt"] = {"code": case.tracking_code, "key": key, "session": row.id}
        return redirect(url_for("engage.show_receipt", session_id=row.id))
    flash(_("The visitor was recorded."))
    return redirect(url_for("engage.show_session", session_id=row.id) + "#visits")


@bp.get("/sessions/<session_id>/receipt")
def show_receipt(session_id: str):
    row = _session_or_abort(session_id, record=True)
    data = session.pop("engage_receipt", None)
    if not data or data.get("session") != row.id:
        return redirect(url_for("engage.show_session", session_id=row.id))
    case = db.session.scalar(db.select(Case).where(Case.tracking_code == data["code"]))
    return render_template("engage/receipt.html", row=row, case=case, key=data["key"])


@bp.post("/sessions/<session_id>/conclusions")
def add_session_conclusion(session_id: str):
    row = _session_or_abort(session_id, record=True)
    form = _conclusion_form(row, request.form)
    if not form.validate_on_submit():
        return _render_session(row, conclusion_form=form, status=422)
    owner = db.session.get(User, form.owner.data)
    case = db.session.get(Case, form.case.data) if form.case.data else None
    try:
        add_conclusion(row, current_user, text=form.text.data, owner=owner, due_on=form.due_on.data, case=case,
                       today=local_today())
    except EngagementError as error:
        db.session.rollback()
        _form_error(form, error)
        return _render_session(row, conclusion_form=form, status=422)
    db.session.commit()
    flash(_("The conclusion was recorded and its owner told."))
    return redirect(url_for("engage.show_session", session_id=row.id) + "#conclusions")


@bp.post("/conclusions/<conclusion_id>/done")
def complete_session_conclusion(conclusion_id: str):
    conclusion = load_or_404(Conclusion, conclusion_id)
    row = conclusion.session
    check_access(row.agency_id)
    if conclusion.owner_id != current_user.id:
        abort(403)
    form = DoneForm()
    if not form.validate_on_submit():
        flash(_("Say what was done before marking it done."))
        return redirect(url_for("engage.show_session", session_id=row.id) + "#conclusions")
    try:
        complete_conclusion(conclusion, current_user, form.note.data, local_today())
    except EngagementError as error:
        db.session.rollback()
        flash(str(error.args[0]))
    else:
        db.session.commit()
        flash(_("Marked done."))
    return redirect(url_for("engage.show_session", session_id=row.id) + "#conclusions")


@bp.post("/sessions/<session_id>/cancel")
def cancel_reception(session_id: str):
    row = _session_or_abort(session_id, record=True)
    from flask_wtf import FlaskForm
    FlaskForm().validate_on_submit() or abort(400)
    code = row.agency.code
    try:
        cancel_session(row, current_user)
    except EngagementError as error:
        db.session.rollback()
        flash(str(error.args[0]))
        return redirect(url_for("engage.show_session", session_id=row.id))
    db.session.commit()
    flash(_("The session was cancelled."))
    return redirect(url_for("engage.show_agency", code=code))
