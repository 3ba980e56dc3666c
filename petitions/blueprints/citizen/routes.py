"""Sign-in with VNeID, "my letters", a letter opened without its key, notices, sign-out.

Thin views over services/vneid.py (the OpenID Connect flow) and services/citizens.py (the
session, the letters matched by the blind index of the verified ID number, the choices).
Everything here answers 404 while VNeID is not configured: code and key work for everyone.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField
from wtforms.validators import DataRequired

from ...extensions import db
from ...security import BaseForm as FlaskForm
from ...services import citizens, vneid
from . import bp

NEXT = "citizen_next"

#: what the citizen is told when the sign-in fails: no session is opened in any of these cases
FAILURES = {
    "unavailable": _l("VNeID cannot be reached at the moment, so you could not be signed in. Try again later; "
                      "meanwhile you can follow each letter with its tracking code and access key."),
    "denied": _l("The sign-in with VNeID was cancelled or refused, so you are not signed in."),
    "state": _l("The sign-in took too long or was started in another window. Please sign in again."),
    "signature": _l("The identity answer from VNeID could not be verified (its signature is not valid), "
                    "so you are not signed in. Please sign in again."),
    "expired": _l("The identity answer from VNeID has expired, so you are not signed in. Check that the clock "
                  "of your device is right and sign in again."),
    "audience": _l("The identity answer from VNeID was not issued for this service, so you are not signed in."),
    "issuer": _l("The identity answer did not come from VNeID, so you are not signed in."),
    "nonce": _l("The identity answer from VNeID does not belong to this sign-in, so you are not signed in. "
                "Please sign in again."),
    "claims": _l("VNeID did not give your citizen ID number, so your letters cannot be found. You are not "
                 "signed in."),
}

NOTICE_CHOICES = [("email", _l("By e-mail")), ("sms", _l("By SMS")), ("zalo", _l("By Zalo")),
                  ("none", _l("Do not tell me: I will look it up"))]


class CitizenNoticeForm(FlaskForm):
    notify_channel = RadioField(_l("How shall we tell you when one of your letters moves on?"),
                                choices=NOTICE_CHOICES,
                                validators=[DataRequired(message=_l("Choose one of the ways offered."))])
    notify_consent = BooleanField(_l("I agree to receive, at the phone number given in each letter, short notices "
                                     "about my letters by SMS or Zalo (tracking code, status and date only)"))


def signed_in():
    """The citizen of this request's session, or None (read once a request)."""
    if "citizen" not in g:
        token = session.get(citizens.SESSION_KEY)
        g.citizen = citizens.current(token) if token else None
        if token and g.citizen is None:
            session.pop(citizens.SESSION_KEY, None)  # signed out on the server, or past its end
    return g.citizen


@bp.app_context_processor
def _citizen_in_templates():
    return {"vneid_on": vneid.enabled(), "signed_in_citizen": signed_in}


@bp.after_app_request
def _allow_sign_out_at_the_provider(response):
    """A signed-in citizen's pages carry the sign-out form, whose answer redirects to the
    provider's end_session_endpoint: Content-Security-Policy's ``form-action 'self'`` (which
    browsers apply to a form's redirects too) names the provider's origin beside ours."""
    if citizens.SESSION_KEY not in session or not vneid.enabled():
        return response
    policy = response.headers.get("Content-Security-Policy", "")
    if "form-action 'self'" in policy:
        origins = " ".join(vneid.logout_origins())
        response.headers["Content-Security-Policy"] = policy.replace("form-action 'self'",
                                                                     f"form-action 'self' {origins}")
    return response


def _on_or_404() -> None:
    if not vneid.enabled():
        abort(404)


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return None


def _failed(reason: str):
    return render_template("citizen/failed.html", message=FAILURES.get(reason, FAILURES["denied"])), \
        503 if reason == "unavailable" else 401


@bp.get("/sign-in")
def sign_in():
    _on_or_404()
    session[NEXT] = _safe_next(request.args.get("next"))
    try:
        return vneid.authorize_redirect(url_for("citizen.callback", _external=True))
    except vneid.VneidError as error:
        return _failed(error.reason)


@bp.get("/callback")
def callback():
    _on_or_404()
    from ...services import accounts
    try:
        claims, id_token = vneid.complete_sign_in()
        number, name = vneid.identity(claims)
    except vneid.VneidError as error:
        current_app.logger.warning("VNeID sign-in refused: %s %s", error.reason, error.detail)
        return _failed(error.reason)
    next_url = session.get(NEXT)
    lang = session.get("lang")
    # one identity a browser: an officer signed in here is signed out, and nothing of before is kept
    accounts.end_server_session(session.get("sid"))
    citizens.end_session(session.get(citizens.SESSION_KEY))
    session.clear()
    if lang:
        session["lang"] = lang
    session[citizens.SESSION_KEY] = citizens.start_session(
        number, name, id_token, lifetime=current_app.config["CITIZEN_SESSION_MINUTES"] * 60)
    db.session.commit()
    return redirect(next_url or url_for("citizen.letters"))


@bp.get("/")
def letters():
    _on_or_404()
    citizen = signed_in()
    if citizen is None:
        return redirect(url_for("citizen.sign_in"))
    form = CitizenNoticeForm(formdata=None, notify_channel=citizens.current_choice(citizen))
    return _letters_page(citizen, form)


def _letters_page(citizen, form, saved=None, status: int = 200):
    from ... import labels
    rows = [{"code": c.tracking_code, "kind": labels.label(labels.KIND, c.kind), "title": c.title,
             "received_on": c.received_on, "status": labels.label(labels.STATUS, c.status), "agency": c.agency.name,
             "channel": c.channel}
            for c in citizens.my_letters(citizen)]
    return render_template("citizen/letters.html", citizen=citizen, letters=rows, form=form, saved=saved), status


@bp.post("/notices")
def choose_notices():
    _on_or_404()
    citizen = signed_in()
    if citizen is None:
        return redirect(url_for("citizen.sign_in"))
    form = CitizenNoticeForm()
    if form.validate_on_submit():
        try:
            changed, skipped = citizens.choose_notices(citizen, form.notify_channel.data,
                                                       consent=bool(form.notify_consent.data))
        except citizens.NoticeError as error:
            db.session.rollback()
            form.notify_consent.errors = [str(error.args[0])]
        else:
            db.session.commit()
            return _letters_page(citizen, form, saved={"changed": changed, "skipped": skipped})
    return _letters_page(citizen, form, status=422)


@bp.get("/letters/<code>")
def letter(code: str):
    _on_or_404()
    citizen = signed_in()
    if citizen is None:
        return redirect(url_for("citizen.sign_in"))
    case = citizens.my_letter(citizen, code)
    if case is None:
        abort(404)  # not one of theirs: the same answer whether it exists or not
    from ..public.status import public_view
    view = public_view(case)
    citizens.record_view(citizen, case)
    db.session.commit()
    return render_template("citizen/letter.html", view=view)


@bp.post("/sign-out")
def sign_out():
    _on_or_404()
    ended = citizens.end_session(session.pop(citizens.SESSION_KEY, None))
    id_token = ended.id_token if ended is not None else None  # read before the commit expires the row
    db.session.commit()
    g.pop("citizen", None)
    target = None
    if ended is not None:
        target = vneid.logout_url(id_token, url_for("citizen.signed_out", _external=True))
    return redirect(target or url_for("citizen.signed_out"))


@bp.get("/signed-out")
def signed_out():
    _on_or_404()
    return render_template("citizen/signed_out.html")
