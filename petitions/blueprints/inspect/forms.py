"""The monitoring pages' filters (GET forms: no CSRF token, nothing is changed)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ...security import BaseForm as FlaskForm
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ...workflow.periods import KINDS as PERIOD_KINDS

PERIOD_LABELS = {
    "q1": _l("Quarter I"), "q2": _l("Quarter II"), "q3": _l("Quarter III"), "q4": _l("Quarter IV"),
    "h1": _l("Six months"), "m9": _l("Nine months"), "year": _l("Year"), "custom": _l("Dates of my choice"),
}
# the kinds target 4 is about, and petitions on request
REPORT_KINDS = ("complaint", "denunciation", "petition")

# how long overdue, in working days (value: (lowest, highest) working days overdue; None: open)
OVERDUE_BANDS = {
    "soon": (None, None),
    "overdue": (1, None),
    "1-10": (1, 10),
    "11-30": (11, 30),
    "31+": (31, None),
}
BAND_LABELS = {
    "": _l("Overdue and due soon"),
    "soon": _l("Due soon (not yet overdue)"),
    "overdue": _l("Overdue, any length"),
    "1-10": _l("Overdue 1–10 working days"),
    "11-30": _l("Overdue 11–30 working days"),
    "31+": _l("Overdue more than 30 working days"),
}


class ScopeForm(FlaskForm):
    """Which figures: a reporting period (or two dates), an agency, a commune, the kinds."""

    class Meta:
        csrf = False

    period = SelectField(_l("Reporting period"), choices=[(k, PERIOD_LABELS[k]) for k in (*PERIOD_KINDS, "custom")],
                         validators=[Optional()], validate_choice=False)
    year = SelectField(_l("Report year"), validators=[Optional()], validate_choice=False)
    date_from = DateField(_l("From date"), validators=[Optional()])
    date_to = DateField(_l("To date"), validators=[Optional()])
    agency = SelectField(_l("Agency"), validators=[Optional()], validate_choice=False)
    only = BooleanField(_l("This agency only, not the agencies under it"))
    commune = SelectField(_l("Commune"), validators=[Optional()], validate_choice=False)
    kind = SelectMultipleField(_l("Kinds"), choices=[
        ("complaint", _l("Complaints")), ("denunciation", _l("Denunciations")),
        ("petition", _l("Petitions and feedback"))],
        validators=[Optional()], validate_choice=False,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class OverdueForm(FlaskForm):
    class Meta:
        csrf = False

    agency = SelectField(_l("Agency"), validators=[Optional()], validate_choice=False)
    commune = SelectField(_l("Commune"), validators=[Optional()], validate_choice=False)
    kind = SelectField(_l("Kind"), validators=[Optional()], validate_choice=False)
    band = SelectField(_l("How long overdue"), choices=list(BAND_LABELS.items()), validators=[Optional()],
                       validate_choice=False)
    mass = BooleanField(_l("Mass complaints only"))
    long_running = BooleanField(_l("Received more than 12 months ago"))
    skipped_level = BooleanField(_l("Complaints that may have skipped a level"))
