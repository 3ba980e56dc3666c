"""The forms of reception sessions and dialogues. Field names differ between the forms
shown on one page, so each posts alone without prefixes."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ...security import BaseForm as FlaskForm
from wtforms import (BooleanField, DateField, FieldList, FormField, IntegerField, SelectField, StringField,
                     TextAreaField)
from ...security import BaseSubForm as SubForm
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ...labels import KIND
from ...services.engagement import SESSION_KINDS, SESSION_MODES
from ...workflow.states import PUBLIC_KINDS
from ..public.forms import ID_NUMBER, REQUIRED, TextLength


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _int_or_none(value):
    from ...security import strict_int
    return strict_int(value)


class SessionForm(FlaskForm):
    chair = SelectField(_l("Chaired by"), coerce=_int_or_none,
                        validators=[DataRequired(message=_l("Choose who chairs the session."))])
    # a deputy chairs on the head's written authority (the session counts for that head)
    authorised_by = SelectField(_l("On the authority of (when a deputy chairs)"), coerce=_int_or_none,
                                validators=[Optional()])
    authorisation = StringField(_l("Written authorisation (number and date)"), filters=[_strip],
                                validators=[Length(max=300)])
    held_on = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter the date."))])
    kind = SelectField(_l("Kind of session"), choices=list(SESSION_KINDS.items()))
    mode = SelectField(_l("How"), choices=list(SESSION_MODES.items()))
    place = StringField(_l("Place or online link"), filters=[_strip], validators=[Length(max=200)])
    notes = TextAreaField(_l("Notes"), filters=[_strip], validators=[Length(max=5000)])


class VisitForm(FlaskForm):
    """A person received; about an existing case (its tracking code), a new matter
    registered as a letter from the desk, or neither."""

    visitor_name = StringField(_l("Visitor's full name"), filters=[_strip],
                               validators=[DataRequired(message=REQUIRED), Length(max=120)])
    people = IntegerField(_l("Number of people"), default=1,
                          validators=[DataRequired(message=REQUIRED),
                                      NumberRange(min=1, max=1000, message=_l("Between 1 and 1000 people."))])
    summary = TextAreaField(_l("What they raised"), filters=[_strip], validators=[Length(max=5000)])
    case_code = StringField(_l("Tracking code of their case, if they have one"), filters=[_strip],
                            validators=[Length(max=20)])
    new_case = BooleanField(_l("A new matter: register it as a letter received at the desk"))
    kind = SelectField(_l("Kind of letter"), choices=[(k.value, KIND[k.value]) for k in PUBLIC_KINDS],
                       validate_choice=False)
    title = StringField(_l("Subject"), filters=[_strip], validators=[Length(max=200)])
    content = TextAreaField(_l("Content"), filters=[_strip], validators=[TextLength(0, 20000, attach=False)])
    commune_code = SelectField(_l("Commune or ward concerned"), validate_choice=False)
    id_number = StringField(_l("Citizen ID number (12 digits)"), filters=[_strip])
    address = StringField(_l("Address"), filters=[_strip], validators=[Length(max=300)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.new_case.data:
            if self.kind.data not in {k.value for k in PUBLIC_KINDS}:
                self.kind.errors.append(_l("Choose the kind of letter."))
                ok = False
            if self.case_code.data:
                self.case_code.errors.append(_l("Give the tracking code of an existing case, or register a "
                                                "new matter, not both."))
                ok = False
            if not self.title.data:
                self.title.errors.append(REQUIRED)
                ok = False
            if len(self.content.data or "") < 20:
                self.content.errors.append(_l("Write at least %(min)d characters.", min=20))
                ok = False
            if self.commune_code.data not in {c for c, _n in self.commune_code.choices if c}:
                self.commune_code.errors.append(_l("Choose a commune or ward."))
                ok = False
            if self.id_number.data:
                try:
                    ID_NUMBER(self, self.id_number)
                except ValidationError as error:
                    self.id_number.errors.append(str(error))
                    ok = False
        elif not self.summary.data:
            self.summary.errors.append(REQUIRED)
            ok = False
        return ok


class ConclusionForm(FlaskForm):
    text = TextAreaField(_l("Conclusion of the chair: what must be done"), filters=[_strip],
                         validators=[DataRequired(message=REQUIRED), Length(max=5000)])
    owner = SelectField(_l("Owner (officer of the agency)"), coerce=_int_or_none,
                        validators=[DataRequired(message=_l("Choose who must do it."))])
    due_on = DateField(_l("Due on"), validators=[DataRequired(message=_l("Enter the due date."))])
    case = SelectField(_l("About the case"), coerce=_int_or_none, validators=[Optional()])


class DoneForm(FlaskForm):
    note = TextAreaField(_l("What was done"), filters=[_strip],
                         validators=[DataRequired(message=_l("Say what was done.")), Length(max=5000)])


class CommitmentEntry(SubForm):
    text = StringField(_l("Commitment"), filters=[_strip], validators=[Length(max=2000)])
    due_on = DateField(_l("Due on"), validators=[Optional()])
    owner = SelectField(_l("Officer responsible"), coerce=_int_or_none, validate_choice=False,
                        validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.text.data and not self.due_on.data:
            self.due_on.errors = list(self.due_on.errors) + [_l("Enter the due date.")]
            ok = False
        if self.due_on.data and not self.text.data:
            self.text.errors = list(self.text.errors) + [_l("Write the commitment.")]
            ok = False
        if self.text.data and not self.owner.data:
            self.owner.errors = list(self.owner.errors) + [_l("Choose the officer responsible.")]
            ok = False
        return ok


class DialogueForm(FlaskForm):
    head = SelectField(_l("Head of agency who held it"), coerce=_int_or_none,
                       validators=[DataRequired(message=_l("Choose the head of agency."))])
    held_on = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter the date."))])
    topic = StringField(_l("Topic"), filters=[_strip], validators=[DataRequired(message=REQUIRED), Length(max=300)])
    participants = TextAreaField(_l("Participants (citizens, businesses, bodies)"), filters=[_strip],
                                 validators=[DataRequired(message=REQUIRED), Length(max=5000)])
    issues = TextAreaField(_l("Issues raised"), filters=[_strip],
                           validators=[DataRequired(message=REQUIRED), TextLength(0, 20000, attach=False)])
    commitments = FieldList(FormField(CommitmentEntry), min_entries=3, max_entries=50)


class CommitmentForm(FlaskForm):
    commitment_text = StringField(_l("Commitment"), filters=[_strip],
                                  validators=[DataRequired(message=REQUIRED), Length(max=2000)])
    commitment_due_on = DateField(_l("Due on"), validators=[DataRequired(message=_l("Enter the due date."))])
    commitment_owner = SelectField(_l("Officer responsible"), coerce=_int_or_none,
                                   validators=[DataRequired(message=_l("Choose the officer responsible."))])


class CommitmentDoneForm(FlaskForm):
    """A commitment kept: what was done, and when."""

    result = TextAreaField(_l("Result: what was done"), filters=[_strip],
                           validators=[DataRequired(message=_l("Say what was done.")), Length(max=5000)])
    done_on = DateField(_l("Done on"), validators=[DataRequired(message=_l("Enter the date it was done."))])


class PeriodForm(FlaskForm):
    """Year and (optionally) month of a duty calendar or of the inspectorate's list."""

    class Meta:
        csrf = False

    year = SelectField(_l("Year"), coerce=_int_or_none, validate_choice=False)
    month = SelectField(_l("Month"), coerce=_int_or_none, validate_choice=False, validators=[Optional()])
