"""The public deadline calculator: the due date of a step, the rule and its source,
and the days not counted. No sign-in; it changes nothing, so it is a GET form."""
from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ...security import BaseForm as FlaskForm
from ... import labels
from ...explain import day_reason, due_lines
from ...services.calendar import compute_due
from ...web import local_today
from ...workflow.deadlines import STATUS_LABELS, UNIT_LABELS, VARIANT_LABELS, DeadlineError, Step
from . import bp

#: the days the holiday tables cover (the deadline rules start in 2000)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)

BAD_DATE = _l("Enter a valid date, for example 30/06/2026.")


class DayField(DateField):
    """A date from the browser's date picker (YYYY-MM-DD) or typed as dd/mm/yyyy."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(BAD_DATE))


def in_calendar(form, field):
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(_("The calendar covers %(first)s to %(last)s: enter a date in that range.",
                                first=FIRST_DAY.strftime("%d/%m/%Y"), last=LAST_DAY.strftime("%d/%m/%Y")))


class DeadlineForm(FlaskForm):
    class Meta:
        csrf = False

    step = SelectField(_l("Step"), validators=[InputRequired(message=_l("Choose a step."))])
    start = DayField(_l("Start date"), validators=[InputRequired(message=_l("Enter the start date.")),
                                                   in_calendar])
    complex = BooleanField(_l("Complex case"))
    very_complex = BooleanField(_l("Especially complex case"))
    remote = BooleanField(_l("Remote area (vùng sâu, vùng xa)"))
    extensions = IntegerField(
        _l("Number of extensions"), default=0,
        validators=[Optional(), NumberRange(min=0, max=9, message=_l("Enter a number from 0 to 9."))])
    received = DayField(_l("Date the letter was received (optional)"), validators=[Optional(), in_calendar])
    several_places = BooleanField(_l("Checking at several places (denunciation: up to 10 working days)"))
    several_places_days = IntegerField(
        _l("Length decided for checking at several places (working days)"),
        validators=[Optional(), NumberRange(min=8, max=10, message=_l("Enter a number from 8 to 10."))])
    extension_days = StringField(_l("Length of each extension decided (days), e.g. 20, 15"),
                                 validators=[Optional()])
    suspended_from = DayField(_l("Suspended from"), validators=[Optional(), in_calendar])
    suspended_to = DayField(_l("Resumed on"), validators=[Optional(), in_calendar])
    suspended2_from = DayField(_l("Suspended again from"), validators=[Optional(), in_calendar])
    suspended2_to = DayField(_l("Resumed again on"), validators=[Optional(), in_calendar])
    decision_received = DayField(_l("Day the complainant received the first-time decision (optional)"),
                                 validators=[Optional(), in_calendar])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.step.choices = [(s.value, labels.step_label(s.value)) for s in Step]


BADGES = {
    "law": _l("Law"),
    "2026": _l("2025-2026 amendment"),
    "unread": _l("Law, article not read"),
    "open": _l("Provincial setting"),
}
BADGE_CLASS = {"law": "ok", "2026": "soon", "unread": "soon", "open": ""}


def _lengths(text: str | None) -> list[int] | None:
    """"20, 15" -> [20, 15]; None when it is not a list of whole numbers."""
    if not text or not text.strip():
        return []
    parts = [p.strip() for p in text.replace(";", ",").replace("+", ",").split(",") if p.strip()]
    if not all(p.isascii() and p.isdigit() and len(p) <= 3 for p in parts):
        return None
    return [int(p) for p in parts]


def _suspensions(form) -> list[tuple[date, date]]:
    pairs = [(form.suspended_from.data, form.suspended_to.data),
             (form.suspended2_from.data, form.suspended2_to.data)]
    return [(a, b) for a, b in pairs if a and b]


@bp.get("/deadline")
def deadline_calculator():
    submitted = bool(request.args)
    form = DeadlineForm(formdata=request.args if submitted else None)
    if not submitted:
        form.start.data = local_today()
    result = None
    problem = None
    if submitted and form.validate():
        lengths = _lengths(form.extension_days.data)
        start, basis = form.start.data, None
        if form.step.data == Step.COMPLAINT2_FILING:
            start = form.decision_received.data or form.start.data
            basis = "decision_received" if form.decision_received.data else "decision_sent"
        if lengths is None:
            problem = _("Write the lengths of the extensions as whole numbers of days, e.g. 20, 15.")
            form.extension_days.errors = [*form.extension_days.errors, problem]
        else:
            try:
                result = compute_due(
                    form.step.data, start, received_on=form.received.data or form.start.data,
                    complex=form.complex.data, very_complex=form.very_complex.data, remote=form.remote.data,
                    several_places=form.several_places.data,
                    chosen_days=form.several_places_days.data if form.several_places.data else None,
                    extensions=max(form.extensions.data or 0, len(lengths)), extension_lengths=lengths,
                    suspensions=_suspensions(form), start_basis=basis)
            except DeadlineError as e:
                problem = labels.tr_message(str(e))
                if form.extensions.data or lengths:
                    form.extensions.errors = [*form.extensions.errors, problem]
    context = {}
    if result is not None:
        rule = result.rule
        context = {
            "rule": rule,
            "rule_label": labels.tr(rule.label),
            "unit_label": labels.tr(UNIT_LABELS[result.unit]),
            "variant_label": labels.tr(VARIANT_LABELS.get(result.variant, result.variant)),
            "source": labels.tr(rule.source),
            "badge": BADGES[rule.status],
            "badge_class": BADGE_CLASS[rule.status],
            "status_label": labels.tr(STATUS_LABELS[rule.status]),
            "lines": due_lines(result, public=True),
            "skipped": [(day, day_reason(day, reason)) for day, reason in result.skipped],
        }
    failed = submitted and (bool(form.errors) or problem is not None)
    return render_template("public/deadline.html", form=form, result=result, problem=problem,
                           **context), (422 if failed else 200)
