"""Document templates: download the current one, upload an edited one (checked against a
sample case before it becomes active), go back to the built-in one. Every change is in
the audit log."""
from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from ...security import BaseForm as FlaskForm
from flask_wtf.file import FileField
from wtforms.validators import DataRequired

from ...extensions import db
from ...models import DocumentTemplate
from ...services import documents as docs
from . import bp

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


class TemplateForm(FlaskForm):
    file = FileField(_l("Template (.docx)"), validators=[DataRequired(message=_l("Choose a .docx file."))])


@bp.get("/documents")
def document_templates():
    rows = list(db.session.scalars(db.select(DocumentTemplate).order_by(DocumentTemplate.kind,
                                                                         DocumentTemplate.version.desc())))
    by_kind: dict[str, list] = {}
    for r in rows:
        by_kind.setdefault(r.kind, []).append(r)
    return render_template("admin/documents.html", kinds=docs.KINDS, by_kind=by_kind, form=TemplateForm())


@bp.get("/documents/<kind>/template.docx")
def download_template(kind: str):
    if kind not in docs.BY_KEY:
        abort(404)
    source, row = docs.active_template(kind)
    return send_file(io.BytesIO(source) if isinstance(source, bytes) else source, mimetype=DOCX, as_attachment=True,
                     download_name=f"{kind}_v{row.version if row else 0}.docx")


@bp.post("/documents/<kind>/template")
def upload_template(kind: str):
    if kind not in docs.BY_KEY:
        abort(404)
    form = TemplateForm()
    error = None
    if form.validate_on_submit():
        data = form.file.data.read(MAX_TEMPLATE_BYTES + 1)
        if len(data) > MAX_TEMPLATE_BYTES:
            error = _("The file is too large (at most 5 MB).")
        elif not data.startswith(b"PK"):
            error = _("This is not a Word (.docx) file.")
        else:
            try:
                row = docs.upload_template(kind, data, form.file.data.filename or "template.docx", current_user)
            except docs.TemplateRefused as refused:
                db.session.rollback()
                docs.record_refused_template(kind, current_user, refused, form.file.data.filename)
                db.session.commit()
                error = _("The template was refused: it tries to reach something outside the document's data "
                          "(Python objects, functions or settings of the server). A template may only use the "
                          "fields of the document, as in the built-in template.")
            except docs.RenderError as failure:
                db.session.rollback()
                error = _("The template does not render with a sample case, so it was not activated: %(error)s",
                          error=str(failure))
            else:
                db.session.commit()
                flash(_("Version %(version)d of the template is now used for new documents.", version=row.version))
                return redirect(url_for("admin.document_templates"))
    else:
        error = _("Choose a .docx file.")
    flash(error)
    return redirect(url_for("admin.document_templates")), 303


@bp.post("/documents/<kind>/revert")
def revert_template(kind: str):
    if kind not in docs.BY_KEY:
        abort(404)
    FlaskForm().validate_on_submit() or abort(400)
    docs.revert_template(kind, current_user)
    db.session.commit()
    flash(_("New documents use the built-in template again."))
    return redirect(url_for("admin.document_templates"))
