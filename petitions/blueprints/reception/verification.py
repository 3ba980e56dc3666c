"""The pseudonymised copy of a letter for the verification team (services/verification.py).

Who: an officer who may see the filer's identity (permissions.can_view_identity) marks
passages and attachment pages and prepares the copy; any officer who may see the case
(permissions.can_view_case) downloads the prepared copies. Every step is audited.
"""
from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from ...security import BaseForm as FlaskForm

from ...extensions import db
from ...models.privacy import PseudonymisedCopy
from ...permissions import can_view_identity
from ...services import verification as svc
from . import bp
from .routes import _case_or_abort


@bp.app_template_filter("without_filer")
def without_filer(text: str | None, case) -> str | None:
    """A denunciation's own words with the denouncer's name, ID number, phone, e-mail and
    address blacked out: for the officers who may see the case but not who sent it."""
    if not text or not case.identity_is_confidential:
        return text
    return svc.redact(text, case, [])[0]


@bp.app_template_filter("shown")
def shown(text: str | None, case) -> str | None:
    """A letter's words as the signed-in officer may see them (services/verification.shown_text)."""
    return svc.shown_text(text, case, current_user)


def _preparer_case(code: str):
    case = _case_or_abort(code)  # 404 / 403 by can_view_case
    if not can_view_identity(current_user, case):
        abort(403)
    FlaskForm().validate_on_submit() or abort(400)
    return case


def _page(case, status: int = 200, error: str | None = None, passage: str = ""):
    may_prepare = can_view_identity(current_user, case)
    copies = list(db.session.scalars(db.select(PseudonymisedCopy).where(PseudonymisedCopy.case_id == case.id)
                                     .order_by(PseudonymisedCopy.id.desc())))
    context = {"case": case, "copies": copies, "may_prepare": may_prepare, "error": error, "passage": passage,
               "form": FlaskForm()}
    if may_prepare:
        passages = svc.passages_of(case)
        choices = svc.attachment_choices(case)
        context.update(
            passages=passages,
            files=[(n, att, *svc.effective_choice(att, choices[att.id]), svc.pdf_page_count(att),
                    svc.default_withheld(att)) for n, att in enumerate(case.attachments, start=1)],
            preview=svc.redact(case.content, case, [r.passage for r in passages if r.passage])[0],
        )
    return render_template("reception/verification.html", **context), status


@bp.get("/cases/<code>/verification")
def verification(code: str):
    return _page(_case_or_abort(code))


@bp.post("/cases/<code>/verification/passages")
def add_redaction(code: str):
    case = _preparer_case(code)
    passage = (request.form.get("passage") or "").strip()
    if len(passage) < 2:
        return _page(case, 422, _("Copy the exact passage to black out from the letter (at least 2 characters)."))
    if len(passage) > svc.PASSAGE_MAX:
        return _page(case, 422, _("A passage may be at most %(n)d characters.", n=svc.PASSAGE_MAX), passage)
    svc.add_passage(case, current_user, passage)
    db.session.commit()
    return redirect(url_for("reception.verification", code=case.tracking_code))


@bp.post("/cases/<code>/verification/passages/<int:redaction_id>/delete")
def remove_redaction(code: str, redaction_id: int):
    case = _preparer_case(code)
    try:
        svc.remove_passage(case, current_user, redaction_id)
    except LookupError:
        abort(404)
    db.session.commit()
    return redirect(url_for("reception.verification", code=case.tracking_code))


@bp.post("/cases/<code>/verification/files")
def choose_attachments(code: str):
    case = _preparer_case(code)
    try:
        for n, att in enumerate(case.attachments, start=1):
            choice = request.form.get(f"file-{att.id}")
            if choice not in ("include", "withhold", "pages"):
                continue
            pages = None
            if choice == "pages":
                count = svc.pdf_page_count(att)
                if count is None:
                    raise svc.VerificationError(str(svc.PDF_UNREADABLE % {"n": n}))
                pages = svc.parse_pages(request.form.get(f"pages-{att.id}", ""), count, n)
            svc.set_attachment_choice(case, current_user, att, choice, pages)
    except svc.VerificationError as error:
        db.session.rollback()
        return _page(case, 422, str(error))
    db.session.commit()
    flash(_("The choices for the attachments were saved."))
    return redirect(url_for("reception.verification", code=case.tracking_code))


@bp.post("/cases/<code>/verification/prepare")
def prepare_copy(code: str):
    case = _preparer_case(code)
    try:
        svc.prepare_copy(case, current_user)
    except svc.VerificationError as error:
        db.session.rollback()
        return _page(case, 422, str(error))
    db.session.commit()
    flash(_("The pseudonymised copy is ready for the verification team."))
    return redirect(url_for("reception.verification", code=case.tracking_code))


@bp.get("/cases/<code>/verification/copies/<int:copy_id>")
def download_copy(code: str, copy_id: int):
    case = _case_or_abort(code)
    row = db.session.get(PseudonymisedCopy, copy_id)
    if row is None or row.case_id != case.id:
        abort(404)
    try:
        data = svc.copy_bytes(row)
    except FileNotFoundError:
        abort(410)
    svc.record_download(row, case, current_user)
    db.session.commit()
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True,
                     download_name=f"ho-so-but-danh-{case.tracking_code}-{row.id}.zip")
