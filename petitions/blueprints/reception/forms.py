from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from ...security import BaseForm as FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ...workflow.states import PUBLIC_KINDS, Channel
from ..public.forms import CaseForm


class DeskForm(CaseForm):
    """A letter handed in at the desk, received by post or forwarded by another body."""

    channel = SelectField(_l("How it arrived"), choices=[
        (Channel.DESK.value, _l("Handed in at the reception desk")),
        (Channel.POST.value, _l("By post")),
        (Channel.FORWARDED.value, _l("Forwarded by another body")),
    ])
    received_on = DateField(_l("Date received"), validators=[DataRequired(message=_l("Enter the date received."))])

    kinds = PUBLIC_KINDS
    anonymous_kinds = PUBLIC_KINDS
    signer_details_required = True
    today: date | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency_code.choices[0] = ("", _l("This agency (where it was received)"))

    def respondent_label(self) -> str:
        """Spoken to the officer: the filer's matter, not "yours"."""
        if self.kind.data == "denunciation":
            return str(_l("Person or body denounced"))
        if self.kind.data == "complaint":
            return str(_l("Decision or act complained about (number, date, who issued it)"))
        return str(_l("Body or matter concerned (optional)"))

    def validate_received_on(self, field):
        if self.today and field.data and field.data > self.today:
            raise ValidationError(_l("The date received cannot be in the future."))


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)
    commune = SelectField(_l("Commune"), validators=[Optional()], validate_choice=False)
    date_from = DateField(_l("Received from"), validators=[Optional()])
    date_to = DateField(_l("to"), validators=[Optional()])
    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    overdue = BooleanField(_l("Overdue only"))
    sort = SelectField(_l("Order"), choices=[("urgency", _l("Most urgent first")),
                                             ("received", _l("Newest first"))], validators=[Optional()])


class RevealForm(FlaskForm):
    reason = StringField(_l("Why do you need to see it?"),
                         validators=[DataRequired(message=_l("Give the reason: it is recorded.")),
                                     Length(max=300)])
