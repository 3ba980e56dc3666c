"""Public pages: no sign-in. Mobile first, plain Vietnamese."""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ...extensions import db
from ...services.codes import format_code
from ...services.intake import find_public_case, submit_case
from ...web import local_today
from ...workflow.states import PUBLIC_KINDS, Channel
from . import bp
from .forms import CaseForm, checked_files, to_submission
from .status import public_view


@bp.get("/")
def index():
    return render_template("public/index.html", kinds=PUBLIC_KINDS)


@bp.route("/file/<kind>", methods=["GET", "POST"])
def file_case(kind: str):
    if kind not in {k.value for k in PUBLIC_KINDS}:
        abort(404)
    form = CaseForm()
    if request.method == "GET":
        form.kind.data = kind
    if form.kind.data != kind:
        abort(400)
    if form.validate_on_submit():
        cfg = current_app.config
        files = checked_files(form, cfg["MAX_ATTACHMENT_BYTES"], cfg["MAX_ATTACHMENTS"])
        if files is not None:
            case, key = submit_case(to_submission(form, channel=Channel.WEB, received_on=local_today(), files=files))
            db.session.commit()
            session["receipt"] = {"code": case.tracking_code, "key": key}
            return redirect(url_for("public.receipt"))
    return render_template("public/file.html", form=form, kind=kind), (422 if form.errors else 200)


@bp.get("/receipt")
def receipt():
    # shown once: the access key does not stay in the browser's session cookie
    data = session.pop("receipt", None)
    if not data:
        return redirect(url_for("public.track"))
    case = find_public_case(data["code"], data["key"])
    if case is None:
        return redirect(url_for("public.track"))
    return render_template("public/receipt.html", case=case, key=data["key"], view=public_view(case))


class TrackForm(FlaskForm):
    code = StringField(_l("Tracking code"), validators=[DataRequired()])
    key = PasswordField(_l("Access key"), validators=[DataRequired()])


@bp.route("/track", methods=["GET", "POST"])
def track():
    form = TrackForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = format_code(request.args["code"])
    view = None
    if form.validate_on_submit():
        case = find_public_case(form.code.data, form.key.data)
        if case is None:
            form.key.errors = [_("No letter matches this tracking code and access key. "
                                 "Check both on your receipt and try again.")]
        else:
            view = public_view(case)
    return render_template("public/track.html", form=form, view=view), (404 if form.key.errors else 200)


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.referrer or url_for("public.index")
    if not target.startswith(request.host_url):
        target = url_for("public.index")
    return redirect(target)
