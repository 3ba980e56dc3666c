from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from ...security import BaseForm as FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

#: the days an administrator may record decisions for (the holidays package covers them)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _in_range(form, field):
    if field.data and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(_l("Choose a date between %(first)s and %(last)s.",
                                 first=FIRST_DAY.strftime("%d/%m/%Y"), last=LAST_DAY.strftime("%d/%m/%Y")))


DAY_KINDS = [
    ("day_off", _l("Day off (an extra or swapped day off)")),
    ("working_day", _l("Working day (a make-up working day, or a holiday worked this year)")),
]


class CalendarDayForm(FlaskForm):
    """An official decision for one day; it replaces any decision already recorded for that day."""

    day = DateField(_l("Day"), validators=[DataRequired(message=_l("Enter the day (a valid date).")),
                                           _in_range])
    kind = SelectField(_l("Decision"), choices=DAY_KINDS,
                       validators=[DataRequired(message=_l("Choose a day off or a working day."))])
    note = StringField(_l("Official decision"), filters=[_strip], validators=[
        DataRequired(message=_l("Cite the official decision, e.g. “Quyết định số .../QĐ-TTg”.")),
        Length(max=300, message=_l("At most %(max)d characters.", max=300)),
    ])


class RemoveDayForm(FlaskForm):
    day = DateField(_l("Day"), validators=[DataRequired(message=_l("Enter the day (a valid date)."))])


class RecomputeForm(FlaskForm):
    reason = StringField(_l("Why recompute now?"), filters=[_strip], validators=[
        DataRequired(message=_l("Give the reason: it is recorded on every case whose due date moves.")),
        Length(max=300, message=_l("At most %(max)d characters.", max=300)),
    ])
    back = HiddenField(default="calendar")  # the page to return to


UNITS = [("working", _l("working days")), ("calendar", _l("calendar days"))]


class DeadlineSettingForm(FlaskForm):
    # any step is accepted here: the service refuses those set by law, and the page says so
    step = SelectField(_l("Step"), validate_choice=False,
                       validators=[DataRequired(message=_l("Choose the step."))])
    limit_days = IntegerField(_l("Time limit"), validators=[
        InputRequired(message=_l("Enter the number of days, from 1 to 365.")),
        NumberRange(min=1, max=365, message=_l("Enter the number of days, from 1 to 365.")),
    ])
    unit = SelectField(_l("Counted in"), choices=UNITS)
    effective_from = DateField(_l("For letters received from"), validators=[
        DataRequired(message=_l("Enter the first day of reception it applies to (a valid date).")), _in_range])
    note = StringField(_l("Decision or reason"), filters=[_strip], validators=[
        DataRequired(message=_l("Cite the provincial decision or give the reason: it is recorded.")),
        Length(max=300, message=_l("At most %(max)d characters.", max=300)),
    ])


class RetryForm(FlaskForm):
    notification_id = HiddenField(validators=[DataRequired()])
