"""Public pages: no sign-in. Mobile first, plain Vietnamese."""
from __future__ import annotations

import time

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ... import security
from ...extensions import db
from ...security import BaseForm as FlaskForm
from ...services.codes import format_code
from ...services.intake import find_public_case, submit_case, with_code_retry
from ...web import local_today
from ...workflow.states import PUBLIC_KINDS, Channel
from . import bp
from .forms import PublicCaseForm, checked_files, take_signer_lists, to_submission
from .status import public_view, receipt_data, receipt_view


@bp.get("/")
def index():
    return render_template("public/index.html", kinds=PUBLIC_KINDS)


@bp.route("/file/<kind>", methods=["GET", "POST"])
def file_case(kind: str):
    if kind not in {k.value for k in PUBLIC_KINDS}:
        abort(404)
    form = PublicCaseForm()
    if request.method == "GET":
        form.kind.data = kind
    if form.kind.data != kind:
        abort(400)
    citizen = _verified_identity(form)
    if request.method == "POST" and take_signer_lists(form, request.form):
        return _render_file(form, kind)  # the signers' table grew: nothing is sent yet
    if request.method == "POST":
        refusal = _human_check(form)
        if refusal:
            # the other mistakes are told in the same round: one more send fixes everything
            form.validate()
            checked_files(form, current_app.config["MAX_ATTACHMENT_BYTES"], current_app.config["MAX_ATTACHMENTS"])
            return _render_file(form, kind, refusal), 422
    if form.validate_on_submit():
        cfg = current_app.config
        files = checked_files(form, cfg["MAX_ATTACHMENT_BYTES"], cfg["MAX_ATTACHMENTS"])
        if files is not None:
            def attempt():
                def vouched(case):  # the filer's name and ID number as the identity provider gave them
                    from ...services.citizens import verify_filer
                    verify_filer(case, citizen)
                case, key = submit_case(to_submission(form, channel=Channel.WEB, received_on=local_today(),
                                                      files=files), code_checked=False, direct=True,
                                        alone=True, prepare=vouched if citizen is not None else None)
                data = receipt_data(case, key)
                db.session.commit()
                return data
            session["receipt"] = with_code_retry(attempt)
            security.record_filing()
            return redirect(url_for("public.receipt"))
    return _render_file(form, kind), (422 if form.errors else 200)


def _verified_identity(form: PublicCaseForm):
    """A citizen signed in with VNeID files under the name and ID number the provider
    vouched for: the form shows them locked, and whatever a request sends in their place is
    replaced by them. Returns the citizen's session, or None."""
    from ..citizen.routes import signed_in
    citizen = signed_in()
    if citizen is not None:
        filer = form.petitioner.form
        filer.id_number.data = citizen.id_number
        if citizen.full_name:
            filer.full_name.data = citizen.full_name
    return citizen


def _human_check(form: PublicCaseForm) -> str | None:
    """Why this submission is not taken as a person's (the form is shown again, with
    everything typed kept), or None."""
    if form.website.data:
        return _("This form could not be accepted. Leave the last field (\"Leave this field empty\") "
                 "empty and send again.")
    problem = security.stamp_problem(form.stamp.data)
    if problem == "fast":
        return _("The form was sent too quickly after it was opened, as a program would. Check what you "
                 "wrote and press Send again.")
    if problem == "expired":
        return _("This form was opened more than a day ago and has expired. What you wrote is kept "
                 "below: check it and press Send again.")
    if security.challenge_needed() and session.get("person_until", 0) < time.time():
        if not form.challenge_token.data:
            return _("Several letters were sent from your connection in the last hour. To show that a "
                     "person is sending this one, answer the question below and press Send again.")
        if not security.challenge_passed(form.challenge_token.data, form.challenge_answer.data):
            return _("The answer to the question was not right. Answer the new question and press Send again.")
        session["person_until"] = time.time() + 600  # answered: no new question for ten minutes
    return None


def _render_file(form: PublicCaseForm, kind: str, refusal: str | None = None):
    """The form, with what the citizen typed, a new time stamp and, when due, a question."""
    form.stamp.data = security.form_stamp()
    form.website.data = ""
    question = None
    if security.challenge_needed() and session.get("person_until", 0) < time.time():
        question, form.challenge_token.data = security.new_challenge()
    else:
        form.challenge_token.data = ""
    form.challenge_answer.data = ""
    files_lost = bool(request.method == "POST" and any(getattr(f, "filename", "") for f in
                                                        (form.attachments.data or [])))
    from ..citizen.routes import signed_in
    return render_template("public/file.html", form=form, kind=kind, refusal=refusal, question=question,
                           files_lost=files_lost, citizen=signed_in())


def refused_form(message: str):
    """The filing form shown again after a refusal (a rate limit), nothing typed lost."""
    kind = request.view_args.get("kind") if request.view_args else None
    if kind not in {k.value for k in PUBLIC_KINDS}:
        return render_template("error.html", status=429, message=message)
    form = PublicCaseForm()
    form.kind.data = kind
    if request.method == "POST":
        form.validate()  # tell the other mistakes now, not after the wait
    return _render_file(form, kind, message)


@bp.get("/privacy")
def privacy():
    return render_template("public/privacy.html")


@bp.get("/receipt")
def receipt():
    # shown once: the access key does not stay in the browser's session cookie
    data = session.pop("receipt", None)
    if not data:
        return redirect(url_for("public.track"))
    if "received_on" in data:  # everything the page shows came with the filing: no SQL
        return render_template("public/receipt.html", r=receipt_view(data))
    case = find_public_case(data["code"], data["key"])
    if case is None:
        return redirect(url_for("public.track"))
    return render_template("public/receipt.html", r=receipt_view(data, case))


class TrackForm(FlaskForm):
    code = StringField(_l("Tracking code"), validators=[DataRequired()])
    key = PasswordField(_l("Access key"), validators=[DataRequired()])


SCORES = [(str(i), str(i)) for i in range(5, 0, -1)]


class RatingForm(FlaskForm):
    code = HiddenField()
    key = HiddenField()
    outcome = RadioField(_l("How satisfied are you with the outcome? (5 = very satisfied, 1 = not at all)"),
                         choices=SCORES, validators=[DataRequired(message=_l("Choose a score from 1 to 5."))])
    service = RadioField(_l("How satisfied are you with how you were served? (5 = very satisfied, 1 = not at all)"),
                         choices=SCORES, validators=[DataRequired(message=_l("Choose a score from 1 to 5."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Length(max=2000)])
    review = BooleanField(_l("I ask the head of the agency to review how my case was handled"))


NOTICE_CHOICES = [("email", _l("By e-mail")), ("sms", _l("By SMS")), ("zalo", _l("By Zalo")),
                  ("none", _l("Do not tell me: I will look it up"))]


class NoticeForm(FlaskForm):
    code = HiddenField()
    key = HiddenField()
    notify_channel = RadioField(_l("How shall we tell you when your letter moves on?"), choices=NOTICE_CHOICES,
                                validators=[DataRequired(message=_l("Choose one of the ways offered."))])
    notify_consent = BooleanField(_l("I agree to receive, at the phone number I gave, short notices about this "
                                     "letter by SMS or Zalo (its tracking code, status and date only)"))


def _notice_form(case, key: str) -> NoticeForm | None:
    """The filer's choice of notices, offered on their status page (not for an anonymous letter)."""
    filer = case.petitioner
    if filer is None:
        return None
    return NoticeForm(formdata=None, code=case.tracking_code, key=key, notify_channel=filer.notify_channel
                      or "email")


@bp.post("/track/notices")
def choose_notices():
    from ...services.notices import NoticeError, choose_notices as choose
    form = NoticeForm()
    case = _look_up(form.code.data or "", form.key.data or "")
    if case is None or case.petitioner is None:
        abort(404)
    if form.validate_on_submit():
        try:
            choose(case, form.notify_channel.data, consent=bool(form.notify_consent.data))
        except NoticeError as error:
            db.session.rollback()
            form.notify_consent.errors = [str(error.args[0])]
        else:
            db.session.commit()
            return render_template("public/track.html", form=TrackForm(formdata=None), view=public_view(case),
                                   rating_form=None, notice_form=_notice_form(case, form.key.data),
                                   notices_saved=True)
    return render_template("public/track.html", form=TrackForm(formdata=None), view=public_view(case),
                           rating_form=None, notice_form=form), 422


@bp.post("/track/rate")
def rate():
    from ...services.ratings import RatingError, may_rate, rate_case
    form = RatingForm()
    case = _look_up(form.code.data or "", form.key.data or "")
    if case is None:
        abort(404)
    if form.validate_on_submit():
        try:
            rate_case(case, int(form.outcome.data), int(form.service.data), form.comment.data,
                      bool(form.review.data), local_today())
        except RatingError as error:
            db.session.rollback()
            form.outcome.errors = [str(error.args[0])]
        else:
            db.session.commit()
            track_form = TrackForm(formdata=None, code=format_code(case.tracking_code))
            return render_template("public/track.html", form=track_form, view=public_view(case),
                                   rating_form=None, thanks=True)
    return render_template("public/track.html", form=TrackForm(formdata=None), view=public_view(case),
                           rating_form=form if may_rate(case) else None), 422


@bp.route("/track", methods=["GET", "POST"])
def track():
    form = TrackForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = format_code(request.args["code"])
    view = rating_form = notice_form = None
    if form.validate_on_submit():
        case = _look_up(form.code.data, form.key.data)
        if case is None:
            form.key.errors = [_("No letter matches this tracking code and access key. "
                                 "Check both on your receipt and try again.")]
        else:
            view = public_view(case)
            notice_form = _notice_form(case, form.key.data)
            from ...services.ratings import may_rate
            if may_rate(case):
                rating_form = RatingForm(formdata=None, code=case.tracking_code, key=form.key.data)
    return render_template("public/track.html", form=form, view=view, rating_form=rating_form,
                           notice_form=notice_form), \
        (404 if form.key.errors else 200)


def _look_up(code: str, key: str):
    """A case by code and key; a failure counts towards the address's failed look-ups,
    which are checked first (429 when used up)."""
    security.check_failed_lookups()
    case = find_public_case(code, key)
    if case is None:
        security.record_failed_lookup()
    return case


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.referrer or url_for("public.index")
    if not target.startswith(request.host_url):
        target = url_for("public.index")
    return redirect(target)
