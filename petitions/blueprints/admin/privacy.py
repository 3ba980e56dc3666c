"""Personal data duties for administrators: the retention periods (audited), what has
expired today (the dry run of ``flask privacy anonymise``), and a filer's data export on
request, found by citizen ID number. Thin views over services/retention.py."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from ...security import BaseForm as FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from ...extensions import db
from ...models import AuditLog, User
from ...services import retention
from ...web import local_today
from . import bp



def _strip(value):
    return value.strip() if isinstance(value, str) else value


class RetentionForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    years = IntegerField(_l("Years"), validators=[
        InputRequired(message=_l("Enter the number of years.")),
        NumberRange(min=1, max=100, message=_l("Between 1 and 100 years."))])
    note = StringField(_l("Decision or reason"), filters=[_strip], validators=[
        DataRequired(message=_l("Give the decision or the reason for the change.")), Length(max=300)])


class FilerForm(FlaskForm):
    id_number = StringField(_l("Citizen ID number"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the citizen ID number.")),
        Regexp(r"^\s*(\d{9}|\d{12})\s*$", message=_l("A citizen ID number has 9 or 12 digits."))])
    reference = StringField(_l("Request reference"), filters=[_strip], validators=[Length(max=200)])


def _render(status: int = 200, filer_form=None, found=None, retention_form=None, form_kind=None):
    rows = retention.setting_rows()
    years = retention.periods()
    users = {u.id: u for u in db.session.scalars(
        db.select(User).where(User.id.in_([r.updated_by_id for r in rows.values() if r.updated_by_id])))}
    preview = retention.anonymise_expired(local_today(), dry_run=True)
    db.session.rollback()  # a dry run: nothing to keep
    runs = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "privacy_anonymise")
                              .order_by(AuditLog.id.desc()).limit(10)).all()
    forms = {}
    for key in retention.KINDS:
        if retention_form is not None and form_kind == key:
            forms[key] = retention_form
        else:
            forms[key] = RetentionForm(formdata=None, kind=key, years=years[key])
    return render_template("admin/privacy.html", kinds=retention.KINDS, years=years, rows=rows, users=users,
                           forms=forms, preview=preview, runs=runs, filer_form=filer_form or FilerForm(formdata=None),
                           found=found), status


@bp.get("/privacy")
def privacy():
    return _render()


@bp.post("/privacy/retention")
def set_retention():
    form = RetentionForm()
    kind = form.kind.data
    if kind not in retention.KINDS:
        return _render(status=422)
    if not form.validate_on_submit():
        return _render(status=422, retention_form=form, form_kind=kind)
    retention.set_period(kind, form.years.data, current_user, form.note.data)
    db.session.commit()
    flash(_("Saved: %(kind)s, kept %(years)d years.", kind=retention.KINDS[kind].label, years=form.years.data))
    return redirect(url_for(".privacy"))


@bp.post("/privacy/filer")
def filer_data():
    """Find a filer's cases by ID number (a POST: the number never goes into a URL or a log)."""
    form = FilerForm()
    valid = form.validate_on_submit()
    if valid and not form.reference.data:
        # who filed what, denunciations included, is learnt here: never without a reason
        form.reference.errors = [_("Give the reference of the filer's request (for example its date and number).")]
        valid = False
    if not valid:
        return _render(status=422, filer_form=form)
    found = retention.filer_data(form.id_number.data)
    retention.record_lookup(form.id_number.data, current_user, form.reference.data)
    db.session.commit()
    return _render(filer_form=form, found=found)


@bp.post("/privacy/filer/export")
def filer_export():
    form = FilerForm()
    valid = form.validate_on_submit()
    if valid and not form.reference.data:
        form.reference.errors = [_("Give the reference of the filer's request (for example its date and number).")]
        valid = False
    if not valid:
        return _render(status=422, filer_form=form)
    body, data = retention.export_filer_data(form.id_number.data, current_user, form.reference.data, local_today())
    db.session.commit()
    name = f"du-lieu-ca-nhan-{local_today().isoformat()}.zip"
    return Response(body, mimetype="application/zip", headers={
        "Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"})
