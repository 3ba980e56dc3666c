"""The letter form: one definition for the public pages, the desk and the JSON API."""
from __future__ import annotations

import re
from types import SimpleNamespace

from markupsafe import Markup

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, FieldList, FileField, FormField, HiddenField, MultipleFileField, RadioField, SelectField,
    StringField, TextAreaField,
)
from wtforms.validators import DataRequired, Length, Regexp, StopValidation
from wtforms.widgets import Select, html_params

from ...security import BaseForm as FlaskForm
from ...services.collation import commune_choices
from ...services.refdata import province_agency_choices
from ...security import BaseSubForm as SubForm
from ...workflow.states import PUBLIC_KINDS, Kind

class ReferenceSelect(Select):
    """The commune or agency list of a letter form: its 130-odd ``<option>`` elements come
    pre-rendered from the process's reference data (services/refdata.py), the chosen one
    marked; only the blank first option is rendered here. Output identical to WTForms' own
    ``Select`` (which it falls back to when the field's choices are not the cached list)."""

    def __init__(self, source: str):
        super().__init__()
        self.source = source

    def __call__(self, field, **kwargs):
        from ...services.refdata import options_html
        choices = field.choices or []
        blank = choices[0] if choices and choices[0][0] == "" else None
        rest = choices[1:] if blank else choices
        options = options_html(self.source, rest, field.data)
        if options is None:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        first = ""
        if blank:
            first = self.render_option(SimpleNamespace(value="", label=blank[1], selected=field.data == "",
                                                       render_kw=None))
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{first}{options}</select>")


class LocaleCachedSelect(Select):
    """A short list of translated choices (kinds, statuses, orders): its ``<option>``s rendered
    once per process, language and list, the chosen one marked. Output identical to WTForms'."""

    def __call__(self, field, **kwargs):
        from flask import current_app
        from flask_babel import get_locale
        from markupsafe import escape
        choices = [(value, str(label)) for value, label in field.choices or []]
        key = (str(get_locale()), field.name, tuple(choices))
        cache = current_app.extensions.setdefault("petitions_option_html", {})
        html = cache.get(key)
        if html is None:
            if len(cache) > 200:  # a few lists a language: never more unless the lists change
                cache.clear()
            html = cache[key] = "".join(self.render_option(SimpleNamespace(value=v, label=l, selected=False,
                                                                           render_kw=None)) for v, l in choices)
        selected = field.data if field.data is not None else None
        if selected is not None and any(v == selected for v, _l in choices):
            tag = f'<option value="{escape(selected)}">'
            html = html.replace(tag, f'<option selected value="{escape(selected)}">', 1)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{html}</select>")


class Optional:
    """Skip the other checks when the field is empty, judged from its data (WTForms'
    own ``Optional`` reads the raw form input, which a JSON body does not have)."""

    field_flags = {"optional": True}

    def __call__(self, form, field):
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            field.errors[:] = []
            raise StopValidation()


# an address any mail server takes (the API's OpenAPI document states the same pattern)
EMAIL_PATTERN = (r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                 r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
EMAIL = Regexp(EMAIL_PATTERN, message=_l("Enter a valid e-mail address."))
ID_NUMBER = Regexp(r"^[0-9]{12}$", message=_l("The citizen ID number has exactly 12 digits."))
PHONE = Regexp(r"^0[0-9]{9,10}$", message=_l(
    "Enter a Vietnamese phone number, for example 0912 345 678 or +84 912 345 678."))
# what people put between the digits of a number: spaces, dots, dashes, brackets
_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]+")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def normalize_phone(value):
    """ "0912 345 678", "0912.345.678", "(+84) 912-345-678", "84912345678" -> "0912345678".

    Anything that is not a Vietnamese number once the separators are gone is returned as
    typed (stripped), for the validator to refuse with its message."""
    if not isinstance(value, str):
        return value
    typed = value.strip()
    digits = _PHONE_SEPARATORS.sub("", typed)
    national = None
    if digits.startswith("+84"):
        national = digits[3:]
    elif digits.startswith("0084"):
        national = digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        national = digits[2:]
    if national is not None:
        # "+84 0912…": the trunk zero typed after the country code, when 9 or 10 digits follow
        # it (only there: a number typed as "00…" is kept as typed, as the API's OpenAPI
        # pattern says: the country code, an optional 0, then 9 or 10 digits)
        digits = "0" + (national[1:] if national.startswith("0") and len(national) >= 10 else national)
    return digits if re.fullmatch(r"0[0-9]{9,10}", digits) else typed


class PartyForm(SubForm):
    full_name = StringField(_l("Full name"), filters=[_strip], validators=[Length(max=120)])
    id_number = StringField(_l("Citizen ID number (12 digits)"), filters=[_strip],
                            validators=[Optional(), ID_NUMBER])
    phone = StringField(_l("Phone"), filters=[normalize_phone], validators=[Optional(), PHONE])
    email = StringField(_l("E-mail"), filters=[_strip],
                        validators=[Optional(), EMAIL,
                                    Length(max=200)])
    address = StringField(_l("Address"), filters=[_strip], validators=[Length(max=300)])


REQUIRED = _l("This field is required.")

# the letter's text; a longer one goes as an attached file (PDF or Word) with a summary
CONTENT_MIN, CONTENT_MAX = 20, 20000


class TextLength:
    """Length check that does not set the field's ``maxlength``: a browser with ``maxlength``
    cuts a pasted letter silently, so the whole text is sent and, when too long, shown
    again with the count and the way out (attach it as a file)."""

    field_flags: dict = {}

    def __init__(self, min: int, max: int, attach: bool = True):
        self.min, self.max, self.attach = min, max, attach

    def __call__(self, form, field):
        count = len(field.data or "")
        if count < self.min:
            raise StopValidation(_l("Write at least %(min)d characters (you wrote %(count)d).",
                                    min=self.min, count=count))
        if count > self.max:
            from flask import current_app
            from flask_babel import format_number
            cfg = current_app.config
            if not self.attach:
                raise StopValidation(_l(
                    "Your text has %(count)s characters; this box takes at most %(max)s. Nothing was cut: "
                    "shorten it.", count=format_number(count), max=format_number(self.max)))
            raise StopValidation(_l(
                "Your text has %(count)s characters; this box takes at most %(max)s. Nothing was cut: "
                "shorten it, or attach the full letter as a PDF or Word file (up to %(n)d files of "
                "%(mb)d MB each) and write a summary here.",
                count=format_number(count), max=format_number(self.max),
                n=cfg["MAX_ATTACHMENTS"], mb=cfg["MAX_ATTACHMENT_BYTES"] // 1048576))


class CoSignerForm(PartyForm):
    """Everyone who signs a joint letter is named."""

    full_name = StringField(_l("Full name"), filters=[_strip],
                            validators=[DataRequired(message=REQUIRED), Length(max=120)])
    # appointed in writing to represent the others (5-10 signers: 1-2; more than 10: at most 5)
    representative = BooleanField(_l("Representative"))


class CaseForm(FlaskForm):
    kind = HiddenField(_l("Kind of letter"))
    title = StringField(_l("Subject"), filters=[_strip],
                        validators=[DataRequired(message=REQUIRED), Length(max=200)])
    content = TextAreaField(_l("Content"), filters=[_strip],
                            validators=[DataRequired(message=REQUIRED), TextLength(CONTENT_MIN, CONTENT_MAX)])
    # the label said on the page and in the error summary depends on the kind
    # (:meth:`respondent_label`, set by :meth:`validate`); this one is never English either
    respondent = StringField(_l("Person, body or decision concerned"), filters=[_strip],
                             validators=[Length(max=500)])
    commune_code = SelectField(_l("Commune or ward concerned"),
                               validate_choice=False)
    agency_code = SelectField(_l("Send to"), validate_choice=False)
    petitioner = FormField(PartyForm, label=_l("Filer"))
    co_signers = FieldList(FormField(CoSignerForm), label=_l("Signers"), min_entries=0, max_entries=500)
    # a joint letter entered in the browser (services/signers.py): the filer may be one of
    # the representatives; the other signers are typed in rows, pasted as a list, or imported
    petitioner_representative = BooleanField(_l("The filer is one of the appointed representatives"))
    signers_paste = TextAreaField(_l("Paste a list of signers"), validators=[Length(max=200000)])
    signers_file = FileField(_l("Or import a sheet (.xlsx or .csv)"))
    anonymous = BooleanField(_l("Send without my name"))
    pledge = BooleanField(_l("I declare that what I report is true and I take responsibility before the law for it."))
    attachments = MultipleFileField(_l("Attached papers (PDF, photos, Word)"))

    kinds = PUBLIC_KINDS
    content_min, content_max = CONTENT_MIN, CONTENT_MAX
    # the web forms ask each co-signer's ID number and address too (the API keeps its rule:
    # a name for each)
    signer_details_required = False
    # the public form accepts only anonymous feedback; the desk registers whatever arrives
    # (an anonymous denunciation is registered, then referred or archived as the law says)
    anonymous_kinds: tuple = (Kind.PETITION,)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Vietnamese alphabetical order (services/collation.py), the same on every database
        self.commune_code.choices = [("", _l("Choose a commune or ward"))] + commune_choices()
        self.agency_code.choices = [("", _l("The People's Committee of the commune concerned"))] + \
            province_agency_choices()
        self.commune_code.widget = ReferenceSelect("communes")
        self.agency_code.widget = ReferenceSelect("province_agencies")
        self.mark_required()

    # --- what the law asks of each kind: one table, read by the page and by validate() ---
    def required_fields(self) -> list:
        """The fields this letter must carry beyond those with DataRequired: the page marks
        exactly these ("required", the ``required`` attribute) and :meth:`validate` checks
        exactly these, so the mark and the server cannot disagree."""
        kind, p = self.kind.data, self.petitioner.form
        anonymous = bool(self.anonymous.data)
        out = [self.commune_code]
        if not anonymous:
            out += [p.full_name, p.address]
            if kind in (Kind.COMPLAINT, Kind.DENUNCIATION):
                out.append(p.id_number)
        if kind == Kind.COMPLAINT or (kind == Kind.DENUNCIATION and not anonymous):
            out.append(self.respondent)
        if kind == Kind.DENUNCIATION and not anonymous:
            out.append(self.pledge)
        return out

    def mark_required(self) -> None:
        for field in self.required_fields():
            field.flags.required = True

    # --- what the law asks of each kind -------------------------------------------------
    def drop_blank_signers(self) -> None:
        """Rows left empty in the signers' table are not signers."""
        self.co_signers.entries = [e for e in self.co_signers.entries if any(
            (e.form[name].data or "").strip() for name in ("full_name", "id_number", "address"))]

    def add_signer_rows(self, rows=(), blank: int = 0) -> None:
        """Rows from a pasted list or a sheet, then ``blank`` empty rows, at the end of the table."""
        from ...services.signers import MAX_SIGNERS
        self.drop_blank_signers()
        for row in rows:
            if len(self.co_signers.entries) >= MAX_SIGNERS - 1:
                self.co_signers.errors = list(self.co_signers.errors or []) + [_l(
                    "At most %(n)d people can sign one letter here; attach the rest of the list as a paper.",
                    n=MAX_SIGNERS)]
                break
            self.co_signers.append_entry(row.as_data())
        for _ in range(blank):
            if len(self.co_signers.entries) >= MAX_SIGNERS - 1:
                break
            self.co_signers.append_entry()

    def validate(self, extra_validators=None) -> bool:
        if self.signer_details_required:
            self.drop_blank_signers()
        ok = super().validate(extra_validators)
        kind = self.kind.data
        if kind not in {k.value for k in self.kinds}:
            self.kind.errors = list(self.kind.errors) + [_l(
                "Choose one of: %(kinds)s.", kinds=", ".join(k.value for k in self.kinds))]
            return False
        anonymous = bool(self.anonymous.data)
        if anonymous and kind not in self.anonymous_kinds:
            self.anonymous.errors = list(self.anonymous.errors) + [_l(
                "Only petitions and feedback can be sent without a name. A complaint or a "
                "denunciation needs your real name and address.")]
            ok = False
        self.mark_required()
        self.respondent.label.text = self.respondent_label()  # the error summary names it as the page does
        missing = {
            id(self.respondent): _l("Name the decision or act you complain about.") if kind == Kind.COMPLAINT
            else _l("Name the person or body whose violation you report."),
            id(self.pledge): _l("A denunciation must carry this declaration (Law on Denunciations Art. 9)."),
            id(self.commune_code): None,  # checked below with its own message
        }
        for field in self.required_fields():
            message = missing.get(id(field), REQUIRED)
            if message is not None and not field.data:
                field.errors = list(field.errors) + [message]
                ok = False
        if self.signer_details_required:
            missing = False
            for entry in self.co_signers:
                s = entry.form
                if not s.address.data:
                    s.address.errors = list(s.address.errors) + [REQUIRED]
                    missing = True
                if kind in (Kind.COMPLAINT, Kind.DENUNCIATION) and not s.id_number.data:
                    s.id_number.errors = list(s.id_number.errors) + [REQUIRED]
                    missing = True
            if missing:  # the list's own errors were gathered before these checks: say it there too
                self.co_signers.errors = list(self.co_signers.errors or []) + [_l(
                    "Give each signer's citizen ID number and address.")]
                ok = False
        from ...services.intake import MASS_SIGNERS, representatives_allowed
        signers = len(self.co_signers.entries) + (0 if anonymous else 1)
        chosen = sum(1 for e in self.co_signers if e.form.representative.data) + \
            (1 if _filer_represents(self) and not anonymous else 0)
        allowed = representatives_allowed(signers)
        if signers >= MASS_SIGNERS and chosen > allowed:
            self.co_signers.errors = list(self.co_signers.errors or []) + [_l(
                "A joint letter of %(n)d people appoints at most %(max)d representatives.", n=signers,
                max=allowed)]
            ok = False
        if not self.commune_code.data:
            self.commune_code.errors = list(self.commune_code.errors) + [_l("Choose a commune or ward.")]
            ok = False
        elif self.commune_code.data not in {c for c, _ in self.commune_code.choices}:
            self.commune_code.errors = list(self.commune_code.errors) + [_l("Unknown commune or ward code.")]
            ok = False
        if self.agency_code.data and self.agency_code.data not in {c for c, _ in self.agency_code.choices}:
            self.agency_code.errors = list(self.agency_code.errors) + [_l("Unknown agency code.")]
            ok = False
        return ok

    def respondent_label(self) -> str:
        if self.kind.data == Kind.DENUNCIATION:
            return str(_l("Person or body you denounce"))
        if self.kind.data == Kind.COMPLAINT:
            return str(_l("Decision or act you complain about (number, date, who issued it)"))
        return str(_l("Body or matter concerned (optional)"))


class PublicCaseForm(CaseForm):
    """The citizens' web form: the letter, plus the proof that a person filled it."""

    signer_details_required = True

    # hidden by the style sheet (class "hp"): people leave it empty, robots fill it
    website = StringField(_l("Leave this field empty"))
    stamp = HiddenField()  # signed time the form was shown
    challenge_token = HiddenField()
    challenge_answer = StringField(_l("Your answer (a number)"))
    # how the filer is told of each step (issue 19); SMS and Zalo only with their consent
    notify_channel = RadioField(_l("How shall we tell you when your letter moves on?"),
                                choices=[("email", _l("By e-mail")), ("sms", _l("By SMS")), ("zalo", _l("By Zalo")),
                                         ("none", _l("Do not tell me: I will look it up"))],
                                default="email", validate_choice=False)
    notify_consent = BooleanField(_l("I agree to receive, at the phone number above, short notices about this "
                                     "letter by SMS or Zalo (its tracking code, status and date only)"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        channel = self.notify_channel.data or "email"
        if channel not in ("email", "sms", "zalo", "none"):
            self.notify_channel.errors = list(self.notify_channel.errors) + [_l("Choose one of the ways offered.")]
            return False
        if channel in ("sms", "zalo") and not self.anonymous.data:
            if not self.petitioner.form.phone.data:
                self.petitioner.form.phone.errors = list(self.petitioner.form.phone.errors) + [
                    _l("Give the phone number the notices should go to.")]
                ok = False
            if not self.notify_consent.data:
                self.notify_consent.errors = list(self.notify_consent.errors) + [
                    _l("Tick the box to agree to notices by SMS or Zalo, or choose e-mail.")]
                ok = False
        return ok


class ApiCaseForm(CaseForm):
    """The letter as the JSON API takes it: the same fields and checks, without the browser's
    own (signer lists pasted or imported, attached files, the filer's representative box), so
    that a filing does not bind four fields it never reads (issue 18)."""

    petitioner_representative = signers_paste = signers_file = attachments = None


def _filer_represents(form: CaseForm) -> bool:
    field = getattr(form, "petitioner_representative", None)
    return bool(field is not None and field.data)


def flat_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """{'petitioner': {'full_name': [...]}} -> {'petitioner.full_name': [...]}"""
    out: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            out.update(flat_errors(value, f"{prefix}.{key}" if prefix else str(key or "_")))
    elif isinstance(errors, (list, tuple)):
        if any(isinstance(e, (dict, list, tuple)) for e in errors):
            for i, entry in enumerate(errors):
                out.update(flat_errors(entry, f"{prefix}.{i}"))
        elif errors:
            out[prefix] = [str(e) for e in errors]
    return out


def _notify_choice(form: CaseForm) -> dict:
    """The public form's choice of notices (the desk form has none: e-mail as before)."""
    if not hasattr(form, "notify_channel"):
        return {}
    return {"notify_channel": form.notify_channel.data or "email", "notify_consent": bool(form.notify_consent.data)}


def to_submission(form: CaseForm, *, channel, received_on, files=()):
    """A validated form as the intake service's Submission."""
    from ...services import refdata
    from ...services.intake import Submission

    # the per-process reference data (services/refdata.py): no SELECT of the commune or agency
    commune = refdata.commune_by_code(form.commune_code.data)
    agency = refdata.agency_by_code(form.agency_code.data) if form.agency_code.data else None
    agency = agency or refdata.committee_of(commune)
    anonymous = bool(form.anonymous.data) and form.kind.data in form.anonymous_kinds
    return Submission(
        kind=Kind(form.kind.data), title=form.title.data, content=form.content.data,
        channel=channel, received_on=received_on, agency=agency, commune=commune,
        respondent=form.respondent.data,
        petitioner={} if anonymous else {**form.petitioner.data,
                                          "representative": _filer_represents(form),
                                          **_notify_choice(form)},
        co_signers=[{**e.data, "role": "representative" if e.data.get("representative") else "co_signer"}
                    for e in form.co_signers],
        is_anonymous=anonymous, files=list(files),
    )


def checked_files(form: CaseForm, max_bytes: int, max_count: int):
    """The attachments, each checked from its content; errors go on the form."""
    from ...services.uploads import UploadError, check_upload

    files = [f for f in (form.attachments.data or []) if getattr(f, "filename", "")]
    if len(files) > max_count:
        form.attachments.errors = [_l("Attach at most %(n)d files.", n=max_count)]
        return None
    checked, errors = [], []
    for f in files:
        try:
            checked.append(check_upload(f.filename, f.read(), max_bytes))
        except UploadError as e:
            errors.append(e.args[0])
    if errors:
        form.attachments.errors = errors
        return None
    return checked


#: the buttons of the signers' table: more empty rows, or the pasted list / sheet into the table
SIGNER_BUTTONS = ("signers_more", "signers_load")


def take_signer_lists(form: CaseForm, formdata) -> str | None:
    """The signers' table's own buttons (they work without JavaScript: the form comes back
    with everything typed): ``signers_more`` adds empty rows, ``signers_load`` puts the
    pasted list and the imported sheet into the table. A list pasted when the letter itself
    is sent is taken too. Returns the button pressed, or None."""
    from ...services.signers import SheetError, parse_pasted, parse_sheet
    pressed = next((b for b in SIGNER_BUTTONS if b in formdata), None)
    rows = parse_pasted(form.signers_paste.data or "")
    upload = form.signers_file.data
    if upload is not None and getattr(upload, "filename", ""):
        try:
            rows += parse_sheet(upload.filename, upload.read())
        except SheetError as error:
            form.signers_file.errors = [error.args[0]]
    if rows:
        form.add_signer_rows(rows)
        form.signers_paste.data = ""
    if pressed == "signers_more":
        form.add_signer_rows(blank=5)
    return pressed
