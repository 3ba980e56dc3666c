"""The public deadline calculator: the due date of a step, the rule and its source,
and the days not counted. No sign-in; it changes nothing, so it is a GET form."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays
from flask import render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ...security import BaseForm as FlaskForm
from ... import labels
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.step.choices = [(s.value, labels.step_label(s.value)) for s in Step]


BADGES = {
    "law": _l("Law"),
    "2026": _l("2025-2026 amendment"),
    "open": _l("Provincial setting"),
}
BADGE_CLASS = {"law": "ok", "2026": "soon", "open": ""}
WEEKEND = {"Saturday": _l("Saturday"), "Sunday": _l("Sunday")}


@lru_cache(maxsize=32)
def _holiday_names(year: int, language: str) -> dict[date, str]:
    return dict(holidays.country_holidays("VN", years=year, language=language))


def day_reason(day: date, reason: str) -> str:
    """Why a day is not counted, in the user's language where it is known: weekends and
    the package's holidays (the calendar names them in English); an administrator's
    note stays as written."""
    if reason in WEEKEND:
        return str(WEEKEND[reason])
    if str(get_locale()) == "vi" and _holiday_names(day.year, "en_US").get(day) == reason:
        return _holiday_names(day.year, "vi").get(day, reason)
    return reason


@bp.get("/deadline")
def deadline_calculator():
    submitted = bool(request.args)
    form = DeadlineForm(formdata=request.args if submitted else None)
    if not submitted:
        form.start.data = local_today()
    result = None
    problem = None
    if submitted and form.validate():
        try:
            result = compute_due(
                form.step.data, form.start.data, received_on=form.received.data or form.start.data,
                complex=form.complex.data, very_complex=form.very_complex.data, remote=form.remote.data,
                extensions=form.extensions.data or 0)
        except DeadlineError as e:
            problem = labels.tr_message(str(e))
            if form.extensions.data:
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
            "lines": [labels.tr_message(line) for line in result.explain()],
            "skipped": [(day, day_reason(day, reason)) for day, reason in result.skipped],
        }
    failed = submitted and (bool(form.errors) or problem is not None)
    return render_template("public/deadline.html", form=form, result=result, problem=problem,
                           **context), (422 if failed else 200)
