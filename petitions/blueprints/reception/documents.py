"""Official documents on the officer pages: issue one from an event, see its versions,
download it, re-issue it, retry its PDF; the inspectorate's urging letter.

Who may do what (the predicates are in this module until the permission table moves):
- issue or re-issue from a case: an officer of the agency holding the case (reception,
  handler or head); a copy that names a denouncer only by those who may see the identity;
- download: whoever may see the case; a copy that names a denouncer only by those who
  may see the identity, and each download of it is recorded (IdentityAccess);
- the urging letter: the inspector who may urge.
"""
from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from ...security import BaseForm as FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ...extensions import db
from ...models import Case, CaseEvent, IdentityAccess, IssuedDocument, Urging
from ...permissions import can_urge, can_view_case, can_view_identity
from ...services import documents as docs
from ...services.codes import normalize
from ...web import local_today
from ...workflow.states import Role
from ..public.forms import TextLength
from . import bp


class IssueForm(FlaskForm):
    recipient = SelectField(_l("Recipient"))
    signer_name = StringField(_l("Signed by (full name)"), validators=[Optional(), Length(max=120)])
    capacity = SelectField(_l("Signing as"), choices=[("head", _l("Head of the agency")),
                                                      ("deputy", _l("Deputy, on behalf of the head (KT.)"))])
    text = TextAreaField(_l("Text of the decision or conclusion"),
                         validators=[Optional(), TextLength(0, 20000, attach=False)])


# -- who may ------------------------------------------------------------------------

def may_issue(user, case: Case) -> bool:
    return (can_view_case(user, case) and user.agency_id == case.agency_id
            and user.has_role(Role.RECEPTION, Role.HANDLER, Role.HEAD))


def may_download(user, doc: IssuedDocument, case: Case | None) -> bool:
    if case is None:  # an urging letter: the inspectorate and the urged agency
        urging = db.session.get(Urging, doc.urging_id)
        return urging is not None and (user.has_role(Role.INSPECTOR, Role.ADMIN)
                                       or user.agency_id == urging.agency_id)
    if not can_view_case(user, case):
        return False
    return doc.variant == "pseudonymised" or not case.identity_is_confidential or can_view_identity(user, case) \
        or _own_desk_receipt(user, doc.kind, doc.issued_by_id)


def _own_desk_receipt(user, kind: str, officer_id: int | None) -> bool:
    """The officer who registered a denunciation at the desk typed the denouncer's identity
    in and hands the receipt over: that officer may issue and print the receipt (and only it)."""
    return kind == "receipt" and officer_id is not None and officer_id == user.id


def _variant_needs_identity(case: Case, kind, recipient_key: str) -> bool:
    rec = next((r for r in docs.recipients_for(kind, case.kind) if r.key == recipient_key), None)
    return rec is not None and docs.kinds.variant_for(rec, case.identity_is_confidential) == "full" \
        and case.identity_is_confidential


# -- the case page's section ----------------------------------------------------------

@bp.app_template_global()
def case_documents(case: Case) -> dict:
    """For reception/documents_case.html and documents_event.html: the documents issued on
    this case, and which documents each event can produce (offered when the officer may
    issue). Computed once per request."""
    from flask import g
    cache = g.setdefault("petitions_case_documents", {})
    if case.id not in cache:
        cache[case.id] = _case_documents(case)
    return cache[case.id]


def _case_documents(case: Case) -> dict:
    rows = list(db.session.scalars(db.select(IssuedDocument).where(IssuedDocument.case_id == case.id)
                                   .order_by(IssuedDocument.id)))
    latest: dict[tuple, IssuedDocument] = {}
    for d in rows:
        latest[(d.agency_id, d.year, d.number)] = d
    by_event: dict[int, list] = {}
    for d in latest.values():
        by_event.setdefault(d.event_id, []).append(d)
    offers = []
    if may_issue(current_user, case):
        for e in case.events:
            kinds = docs.kinds_for_event(case.kind, e.event)
            if kinds:
                offers.append((e, kinds))
    return {"by_event": by_event, "documents": list(latest.values()), "offers": offers,
            "offers_by_event": {e.id: kinds for e, kinds in offers},
            "kind_label": lambda key: docs.BY_KEY[key].label if key in docs.BY_KEY else key}


# -- issuing ------------------------------------------------------------------------

def _case_or_abort(code: str) -> Case:
    case = db.session.scalar(db.select(Case).where(Case.tracking_code == normalize(code)))
    if case is None:
        abort(404)
    if not can_view_case(current_user, case):
        abort(403)
    return case


def _form_for(kind, case_kind: str, agency_id: int, internal: bool) -> IssueForm:
    form = IssueForm()
    form.recipient.choices = [(r.key, str(r.label)) for r in docs.recipients_for(kind, case_kind)]
    if request.method == "GET":
        form.signer_name.data = current_user.full_name if internal else docs.default_signer(agency_id, current_user)
    return form


def _finish(doc: IssuedDocument) -> None:
    """After the commit that issued it: the PDF (slow), then its own commit."""
    if not docs.make_pdf(doc):
        flash(_("The Word file was issued, but the PDF could not be made: %(error)s. Try again from the "
                "document's page.", error=doc.pdf_error))
    db.session.commit()


@bp.route("/cases/<code>/events/<int:event_id>/documents/<kind>", methods=["GET", "POST"])
def issue_document(code: str, event_id: int, kind: str):
    case = _case_or_abort(code)
    if not may_issue(current_user, case):
        abort(403)
    event = db.session.get(CaseEvent, event_id)
    doc_kind = docs.BY_KEY.get(kind)
    if event is None or event.case_id != case.id or doc_kind is None or not doc_kind.produced_by(case.kind, event.event):
        abort(404)
    form = _form_for(doc_kind, case.kind, case.agency_id, kind in ("receipt", "accept_proposal"))
    status = 200
    if form.validate_on_submit():
        if _variant_needs_identity(case, doc_kind, form.recipient.data) and not can_view_identity(current_user, case) \
                and not _own_desk_receipt(current_user, kind, event.actor_id):
            abort(403)
        try:
            doc = docs.issue_document(kind, case=case, event=event, recipient=form.recipient.data,
                                      user=current_user, today=local_today(), signer_name=form.signer_name.data,
                                      capacity=form.capacity.data, text=form.text.data)
        except docs.DocumentError as error:
            db.session.rollback()
            form.text.errors = [str(error)]
            status = 422
        except (docs.RenderError, docs.IdentityLeak) as error:
            db.session.rollback()
            _audit_refusal(kind, error)
            flash(_("The document could not be generated from its template: %(error)s", error=str(error)))
            status = 422
        else:
            return _issued(doc)
    elif request.method == "POST":
        status = 422
    return render_template("reception/documents_issue.html", case=case, event=event, kind=doc_kind, form=form,
                           urging=None), status


def _audit_refusal(kind: str, error: Exception) -> None:
    """A template the sandbox refused at issue time (issue 14): in the audit log."""
    if isinstance(error, docs.TemplateRefused):
        docs.record_refused_template(kind, current_user, error)
        db.session.commit()


def _issued(doc: IssuedDocument):
    """Commit the issued document, make its PDF, and show it."""
    db.session.commit()
    _finish(doc)
    flash(_("Document %(symbol)s was issued.", symbol=doc.symbol))
    return redirect(url_for("reception.show_document", document_id=doc.id))


def _document_or_abort(document_id: int) -> tuple[IssuedDocument, Case | None]:
    doc = db.session.get(IssuedDocument, document_id) or abort(404)
    case = db.session.get(Case, doc.case_id) if doc.case_id else None
    if not may_download(current_user, doc, case):
        abort(403)
    return doc, case


@bp.get("/documents/<int:document_id>")
def show_document(document_id: int):
    doc, case = _document_or_abort(document_id)
    versions = list(db.session.scalars(db.select(IssuedDocument).where(
        IssuedDocument.agency_id == doc.agency_id, IssuedDocument.year == doc.year,
        IssuedDocument.number == doc.number).order_by(IssuedDocument.version.desc())))
    kind = docs.BY_KEY[doc.kind]
    may_reissue = (may_issue(current_user, case) if case else can_urge(current_user)) and (
        doc.variant == "pseudonymised" or case is None or not case.identity_is_confidential
        or can_view_identity(current_user, case))
    form = _form_for(kind, case.kind if case else "*", doc.agency_id, doc.kind in ("receipt", "accept_proposal"))
    form.recipient.data = doc.recipient
    return render_template("reception/documents_show.html", doc=doc, case=case, versions=versions, kind=kind,
                           form=form, may_reissue=may_reissue)


@bp.post("/documents/<int:document_id>/download/<fmt>")
def download_document(document_id: int, fmt: str):
    """A POST with the page's CSRF token: a copy naming a denouncer is opened on purpose,
    and the access is recorded."""
    if fmt not in ("docx", "pdf"):
        abort(404)
    FlaskForm().validate_on_submit() or abort(400)
    doc, case = _document_or_abort(document_id)
    name = doc.docx_name if fmt == "docx" else doc.pdf_name
    if not name:
        abort(404)
    if case is not None and case.identity_is_confidential and doc.variant == "full":
        db.session.add(IdentityAccess(case_id=case.id, user_id=current_user.id, context="document",
                                      reason=f"{doc.symbol} v{doc.version}"))
        db.session.commit()
    mime = "application/pdf" if fmt == "pdf" else \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    download = f"{doc.symbol.replace('/', '-')}_v{doc.version}.{fmt}"
    try:
        data = docs.read_document(name)  # sealed at rest: opened here
    except FileNotFoundError:
        abort(404)
    return send_file(io.BytesIO(data), mimetype=mime, as_attachment=True, download_name=download)


@bp.post("/documents/<int:document_id>/reissue")
def reissue_document(document_id: int):
    doc, case = _document_or_abort(document_id)
    allowed = may_issue(current_user, case) if case else can_urge(current_user)
    if not allowed or (case is not None and case.identity_is_confidential and doc.variant == "full"
                       and not can_view_identity(current_user, case)):
        abort(403)
    form = IssueForm()
    form.recipient.choices = [(doc.recipient, doc.recipient)]
    form.recipient.data = doc.recipient
    if not form.validate_on_submit():
        abort(400)
    try:
        new = docs.reissue_document(doc, user=current_user, today=local_today(), signer_name=form.signer_name.data,
                                    capacity=form.capacity.data, text=form.text.data)
    except (docs.DocumentError, docs.RenderError, docs.IdentityLeak) as error:
        db.session.rollback()
        _audit_refusal(doc.kind, error)
        flash(str(error) if isinstance(error, docs.DocumentError) else
              _("The document could not be generated from its template: %(error)s", error=str(error)))
        return redirect(url_for("reception.show_document", document_id=doc.id))
    db.session.commit()
    _finish(new)
    flash(_("Version %(version)d of %(symbol)s was issued; the earlier versions are kept.",
            version=new.version, symbol=new.symbol))
    return redirect(url_for("reception.show_document", document_id=new.id))


@bp.post("/documents/<int:document_id>/make-pdf")
def retry_pdf(document_id: int):
    FlaskForm().validate_on_submit() or abort(400)
    doc, case = _document_or_abort(document_id)
    if doc.pdf_name is None:
        if docs.make_pdf(doc):
            flash(_("The PDF was made."))
        else:
            flash(_("The PDF could not be made: %(error)s", error=doc.pdf_error))
        db.session.commit()
    return redirect(url_for("reception.show_document", document_id=doc.id))


# -- the inspectorate's urging letter ---------------------------------------------------

@bp.route("/urgings/<int:urging_id>/document", methods=["GET", "POST"])
def issue_urging_document(urging_id: int):
    urging = db.session.get(Urging, urging_id) or abort(404)
    if not can_urge(current_user) or urging.created_by.agency_id != current_user.agency_id:
        abort(403)
    kind = docs.BY_KEY["urging_letter"]
    form = _form_for(kind, "*", current_user.agency_id, False)
    status = 200
    if form.validate_on_submit():
        try:
            doc = docs.issue_document("urging_letter", urging=urging, recipient=form.recipient.data,
                                      user=current_user, today=local_today(), signer_name=form.signer_name.data,
                                      capacity=form.capacity.data, text=None)
        except (docs.DocumentError, docs.RenderError, docs.IdentityLeak) as error:
            db.session.rollback()
            _audit_refusal("urging_letter", error)
            flash(str(error) if isinstance(error, docs.DocumentError) else
                  _("The document could not be generated from its template: %(error)s", error=str(error)))
            status = 422
        else:
            return _issued(doc)
    elif request.method == "POST":
        status = 422
    existing = list(db.session.scalars(db.select(IssuedDocument).where(IssuedDocument.urging_id == urging.id)
                                       .order_by(IssuedDocument.id)))
    return render_template("reception/documents_issue.html", case=None, event=None, kind=kind, form=form,
                           urging=urging, existing=existing), status


@bp.app_template_global()
def urging_documents(urging) -> list:
    return list(db.session.scalars(db.select(IssuedDocument).where(IssuedDocument.urging_id == urging.id)
                                   .order_by(IssuedDocument.id)))

