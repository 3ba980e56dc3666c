"""Urgings: the inspectorate sends them; the agency sees and answers them."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from ...security import BaseForm as FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import DateField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from ...extensions import db
from ...models import Case, Urging
from ...permissions import can_monitor_province, can_reply_urging, can_urge
from ...services.calendar import get_calendar
from ...services.codes import normalize
from ...services.urgings import UrgingError, reply_urging, send_urging
from ...web import local_today
from . import bp


class UrgingForm(FlaskForm):
    cases = HiddenField()
    message = TextAreaField(_l("Message to the agency"), validators=[
        DataRequired(message=_l("Write what the agency must do.")), Length(max=5000)])
    reply_due_on = DateField(_l("Reply by"), validators=[DataRequired(message=_l("Enter the reply date."))])


class ReplyForm(FlaskForm):
    reply = TextAreaField(_l("Your reply"), validators=[DataRequired(message=_l("Write the reply.")),
                                                         Length(max=5000)])


def _cases_from(codes_text: str) -> list[Case]:
    codes = [normalize(c) for c in (codes_text or "").replace(";", ",").split(",") if c.strip()]
    if not codes:
        return []
    return list(db.session.scalars(db.select(Case).where(Case.tracking_code.in_(codes)).order_by(Case.id)))


@bp.route("/urgings/new", methods=["GET", "POST"])
def new_urging():
    if not can_urge(current_user):
        abort(403)
    form = UrgingForm()
    if request.method == "GET":
        form.cases.data = request.args.get("cases", "")
        form.reply_due_on.data = get_calendar().add_working_days(local_today(), 5)
    cases = _cases_from(form.cases.data)
    status = 200
    if form.validate_on_submit():
        try:
            urging = send_urging(current_user, cases, form.message.data, form.reply_due_on.data, local_today())
        except UrgingError as error:
            db.session.rollback()
            form.form_errors.append(str(error.args[0]))
            status = 422
        else:
            db.session.commit()
            flash(_("The urging was sent to %(agency)s.", agency=urging.agency.name))
            return redirect(url_for("reception.show_urging", urging_id=urging.id))
    elif request.method == "POST":
        status = 422
    return render_template("reception/urging_new.html", form=form, cases=cases), status


@bp.get("/urgings")
def urgings():
    query = db.select(Urging).options(selectinload(Urging.agency), selectinload(Urging.cases)) \
        .order_by(Urging.replied_on.is_(None).desc(), Urging.reply_due_on)
    if not can_monitor_province(current_user):
        query = query.where(Urging.agency_id == current_user.agency_id)
    rows = db.session.scalars(query.limit(200)).all()
    return render_template("reception/urgings.html", rows=rows)


def _urging_or_abort(urging_id: int) -> Urging:
    urging = db.session.get(Urging, urging_id)
    if urging is None:
        abort(404)
    if not (can_monitor_province(current_user) or urging.agency_id == current_user.agency_id):
        abort(403)
    return urging


@bp.route("/urgings/<int:urging_id>", methods=["GET", "POST"])
def show_urging(urging_id: int):
    urging = _urging_or_abort(urging_id)
    may_reply = urging.replied_on is None and can_reply_urging(current_user, urging)
    form = ReplyForm()
    status = 200
    if request.method == "POST":
        if not may_reply:
            abort(403)
        if form.validate_on_submit():
            reply_urging(urging, current_user, form.reply.data, local_today())
            db.session.commit()
            flash(_("Your reply was recorded and sent to the inspectorate."))
            return redirect(url_for("reception.show_urging", urging_id=urging.id))
        status = 422
    return render_template("reception/urging.html", urging=urging, form=form, may_reply=may_reply), status


def open_urgings_for(agency_id: int) -> list[Urging]:
    return list(db.session.scalars(db.select(Urging).where(Urging.agency_id == agency_id,
                                                           Urging.replied_on.is_(None))
                                   .order_by(Urging.reply_due_on)))
