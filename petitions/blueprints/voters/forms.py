"""The forms of the voter-petition pages. The petition rows are only read here: the
service checks them, with the same rules as a file import (one error report)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from ...security import BaseForm as FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, FieldList, FormField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from ...security import BaseSubForm as SubForm
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from ...services.voters import COLUMN_LABELS
from ..public.forms import REQUIRED


def _strip(value):
    return value.strip() if isinstance(value, str) else value


#: rows of the bulk form shown at first, and at most
FORM_ROWS = 10
MAX_FORM_ROWS = 100


class MeetingForm(FlaskForm):
    held_on = DateField(_l("Date of the meeting"), validators=[DataRequired(message=REQUIRED)])
    place = StringField(_l("Place"), filters=[_strip], validators=[DataRequired(message=REQUIRED), Length(max=200)])
    commune_code = SelectField(_l("Commune or ward"), validate_choice=False)
    deputies = TextAreaField(_l("Deputies who met the voters"), filters=[_strip],
                             validators=[DataRequired(message=REQUIRED), Length(max=2000)])
    front_committee = StringField(_l("Fatherland Front committee"), filters=[_strip],
                                  validators=[DataRequired(message=REQUIRED), Length(max=200)])
    council_session = StringField(_l("People's Council session it reports to"), filters=[_strip],
                                  validators=[DataRequired(message=REQUIRED), Length(max=200)])

    today: date | None = None
    commune_codes: set[str] = set()

    def validate_held_on(self, field):
        if self.today and field.data and field.data > self.today:
            raise ValidationError(_l("The date of the meeting cannot be in the future."))

    def validate_commune_code(self, field):
        if field.data and field.data not in self.commune_codes:
            raise ValidationError(_l("Choose a commune or ward from the list."))


class PetitionRowForm(SubForm):
    """One petition: the commune and the agency are typed as in a file (code or name,
    offered from a list), so that the form and the import read the same values."""

    content = TextAreaField(COLUMN_LABELS["content"], filters=[_strip])
    commune = StringField(COLUMN_LABELS["commune"], filters=[_strip])
    topic = StringField(COLUMN_LABELS["topic"], filters=[_strip])
    agency = StringField(COLUMN_LABELS["agency"], filters=[_strip])


class PetitionsForm(FlaskForm):
    rows = FieldList(FormField(PetitionRowForm), min_entries=FORM_ROWS, max_entries=MAX_FORM_ROWS)


class ImportForm(FlaskForm):
    file = FileField(_l("File (.xlsx or .csv)"))


class BulkForm(FlaskForm):
    """Consolidate or assign the selected petitions (the button says which)."""

    act_date = DateField(_l("Date of the act"), validators=[DataRequired(message=_l("Enter the date of the act."))])
    session = StringField(_l("Session"), filters=[_strip], validators=[Optional(), Length(max=200)])
    agency = SelectField(_l("Agency that answers"), validate_choice=False)
    note = TextAreaField(_l("Note"), filters=[_strip], validators=[Optional(), Length(max=2000)])


SAY_SATISFIED = _l("Say whether the voters were satisfied.")


class ReportForm(FlaskForm):
    """The answer reported back to voters, and whether they were satisfied."""

    act_date = DateField(_l("Date of the act"), validators=[DataRequired(message=_l("Enter the date of the act."))])
    satisfied = RadioField(_l("Were the voters satisfied with the answer?"),
                           choices=[("yes", _l("Satisfied")), ("no", _l("Not satisfied"))], validate_choice=False,
                           validators=[InputRequired(message=SAY_SATISFIED),
                                       AnyOf(("yes", "no"), message=SAY_SATISFIED)])
    note = TextAreaField(_l("Note"), filters=[_strip], validators=[Optional(), Length(max=2000)])
    version = HiddenField()
