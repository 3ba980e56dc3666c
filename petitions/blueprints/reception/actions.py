"""The officer's actions on a case: one form per event, built from the transition table."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from ...security import BaseForm as FlaskForm
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ... import labels
from ...extensions import db
from ...models import Agency, User, UserRole
from ...services.workflow import ConflictError, apply_transition, available_actions
from ...services.collation import agency_choices
from ...web import local_today
from ...workflow.engine import FieldError, TransitionError
from ...workflow.states import Role
from ...workflow.transitions import FieldSpec, Transition
from . import bp
from .routes import _case_or_abort
from ...security import strict_int

LONG_TEXT = {"note", "answer", "minutes", "finding", "representatives", "reason"}


class CheckboxesField(SelectMultipleField):
    """One check box a choice (the signers of a joint letter, one line each)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def signer_label(party, number: int, named: bool) -> str:
    if not named:
        return _("Signer no. %(n)d", n=number)
    return " — ".join(x for x in (party.full_name, party.address) if x)


def _representatives_field(spec: FieldSpec, case):
    """A joint letter's representatives are chosen among its signers who have not withdrawn."""
    from ...permissions import can_view_identity
    from ...services.intake import representatives_allowed
    named = can_view_identity(current_user, case)
    signers = [(i, p) for i, p in enumerate(case.parties, start=1) if p.withdrawn_on is None]
    field = CheckboxesField(labels.tr(spec.label), choices=[(str(p.id), signer_label(p, i, named))
                                                          for i, p in signers],
                            default=[str(p.id) for _i, p in signers if p.representative],
                            validators=[Optional()])
    field.hint = _("%(n)d signers: they appoint at most %(max)d representatives. Tick those named in the "
                   "written appointment.", n=len(signers), max=representatives_allowed(len(signers)))
    return field


class RequiredByTheTable:
    """Marks a field the transition table requires (``spec.required``): the page shows
    "required" and the ``required`` attribute; the engine checks the same table and answers
    with the law's reason, so the mark and the check cannot disagree."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        pass


def _field_for(spec: FieldSpec, case):
    label = labels.tr(spec.label)
    if spec.name == "representatives" and case.is_mass:
        return _representatives_field(spec, case)
    marks = [RequiredByTheTable()] if spec.required else []
    if spec.type == "date":
        return DateField(label, validators=[*marks, Optional()])
    if spec.type == "choice":
        return SelectField(label, choices=[("", "—")] + [(v, labels.tr(t)) for v, t in spec.choices],
                           validators=[*marks, Optional()])
    if spec.type == "agency":
        return SelectField(label, choices=[("", "—")] + agency_choices(Agency.id != case.agency_id),
                           validators=[*marks, Optional()])
    if spec.type == "user":
        users = db.session.execute(
            db.select(User.username, User.full_name).join(UserRole)
            .where(User.agency_id == case.agency_id, User.active.is_(True),
                   UserRole.role.in_([Role.HANDLER.value, Role.HEAD.value]))
            .distinct().order_by(User.full_name)).all()
        return SelectField(label, choices=[("", "—")] + [tuple(u) for u in users], validators=[*marks, Optional()])
    if spec.name in LONG_TEXT:
        return TextAreaField(label, validators=[*marks, Optional()])
    return StringField(label, validators=[*marks, Optional()])


def action_form(row: Transition, case):
    """A form class for this event: the date of the act, the case's version, the law's fields."""
    class ActionForm(FlaskForm):
        act_date = DateField(_l("Date of the act"), validators=[DataRequired(message=_l("Enter the date of the act."))])
        version = HiddenField()

    for spec in row.fields:
        setattr(ActionForm, f"f_{spec.name}", _field_for(spec, case))
    return ActionForm


def refused(form, error: TransitionError, field) -> int:
    """A refused transition on a form: nothing saved, the reason shown where it belongs
    (a field's own error, or the form's), and the status code to answer with."""
    db.session.rollback()
    message = labels.tr_message(str(error))
    if isinstance(error, FieldError):
        field.errors = list(field.errors) + [message]
        return 422
    form.form_errors.append(message)
    return 409 if isinstance(error, ConflictError) else 422


@bp.route("/cases/<code>/actions/<event>", methods=["GET", "POST"])
def act(code: str, event: str):
    case = _case_or_abort(code)
    row = next((r for r in available_actions(case, current_user) if r.event.value == event), None)
    if row is None:
        abort(403)
    form = action_form(row, case)()
    if request.method == "GET":
        form.act_date.data = local_today()
        form.version.data = str(case.version)
        for spec in row.fields:  # a suggestion on the case page may fill in a field
            if request.args.get(spec.name):
                getattr(form, f"f_{spec.name}").data = request.args[spec.name]
    status = 200
    if form.validate_on_submit():
        values = {spec.name: getattr(form, f"f_{spec.name}").data for spec in row.fields}
        version = form.version.data or ""
        try:
            apply_transition(case, event, current_user, form.act_date.data, values, today=local_today(),
                             expected_version=strict_int(version, -1, minimum=0))
        except TransitionError as error:
            status = refused(form, error, getattr(form, f"f_{getattr(error, 'field', '')}", None) or form.act_date)
        else:
            db.session.commit()
            flash(_("Done: %(action)s.", action=labels.tr(row.label)))
            return redirect(url_for("reception.show_case", code=case.tracking_code))
    elif request.method == "POST":
        status = 422
    fields = [(spec, getattr(form, f"f_{spec.name}")) for spec in row.fields]
    hints = {spec.name: getattr(getattr(type(form), f"f_{spec.name}"), "hint", None) for spec in row.fields}
    return render_template("reception/action.html", case=case, row=row, form=form, fields=fields,
                           hints=hints), status
