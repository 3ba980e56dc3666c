"""An agency's sessions and dialogues, and its reception duty calendar."""
from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...models import Agency, Commitment, Conclusion, Dialogue, ReceptionSession, ReceptionVisit
from ...services.collation import agency_choices
from ...permissions import can_monitor_province
from ...services.engagement import (FREQUENCY_LABELS, SESSION_KINDS, SESSION_MODES, can_record_engagement, can_see_engagement,
                                    dialogue_counts, duty_calendar, duty_frequency, duty_periods)
from ...web import local_today
from . import bp
from .forms import PeriodForm
from ...security import ascii_int, strict_int



def load_or_404(model, raw_id: str):
    """Ids in the address are plain digits (the routes take strings, as the export pages do)."""
    ident = strict_int(raw_id, minimum=1, maximum=2**31 - 1)
    if ident is None:
        abort(404)
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def check_access(agency_id: int, record: bool = False) -> None:
    if not can_see_engagement(current_user, agency_id):
        abort(403)
    if record and not can_record_engagement(current_user, agency_id):
        abort(403)


def agency_or_abort(code: str) -> Agency:
    agency = db.session.scalar(db.select(Agency).where(Agency.code == code))
    if agency is None:
        abort(404)
    check_access(agency.id)
    return agency


def period_form(today: date) -> tuple[PeriodForm, int, int | None]:
    form = PeriodForm(request.args)
    form.year.choices = [(y, str(y)) for y in range(today.year + 1, today.year - 6, -1)]
    form.month.choices = [("", _("Whole year"))] + [(m, _("Month %(m)d", m=m)) for m in range(1, 13)]
    form.validate()
    year = form.year.data if form.year.data in {y for y, _n in form.year.choices} else today.year
    month = form.month.data if form.month.data in range(1, 13) else None
    form.year.data, form.month.data = year, month
    return form, year, month


@bp.get("/")
def index():
    """One's own agency; the inspectorate and administrators may open any agency."""
    code = request.args.get("agency")
    if not (code and can_monitor_province(current_user)):
        code = current_user.agency.code
    year = request.args.get("year", type=ascii_int)
    return redirect(url_for("engage.show_agency", code=code, **({"year": year} if year else {})))


@bp.context_processor
def _labels():
    return {"session_kinds": SESSION_KINDS, "session_modes": SESSION_MODES}


@bp.get("/agencies/<code>")
def show_agency(code: str):
    agency = agency_or_abort(code)
    today = local_today()
    form, year, _month = period_form(today)
    start, end = date(year, 1, 1), date(year, 12, 31)
    people = (db.select(db.func.coalesce(db.func.sum(ReceptionVisit.people), 0))
              .where(ReceptionVisit.session_id == ReceptionSession.id).scalar_subquery())
    open_conclusions = (db.select(db.func.count(Conclusion.id))
                        .where(Conclusion.session_id == ReceptionSession.id, Conclusion.done_on.is_(None))
                        .scalar_subquery())
    overdue_conclusions = (db.select(db.func.count(Conclusion.id))
                           .where(Conclusion.session_id == ReceptionSession.id, Conclusion.done_on.is_(None),
                                  Conclusion.due_on < today).scalar_subquery())
    sessions = db.session.execute(
        db.select(ReceptionSession, people.label("people"), open_conclusions.label("open"),
                  overdue_conclusions.label("overdue"))
        .where(ReceptionSession.agency_id == agency.id, ReceptionSession.held_on >= start,
               ReceptionSession.held_on <= end)
        .order_by(ReceptionSession.held_on.desc(), ReceptionSession.id.desc())).all()
    open_commitments = (db.select(db.func.count(Commitment.id))
                        .where(Commitment.dialogue_id == Dialogue.id, Commitment.done_on.is_(None))
                        .scalar_subquery())
    overdue_commitments = (db.select(db.func.count(Commitment.id))
                           .where(Commitment.dialogue_id == Dialogue.id, Commitment.done_on.is_(None),
                                  Commitment.due_on < today).scalar_subquery())
    dialogues = db.session.execute(
        db.select(Dialogue, open_commitments.label("open"), overdue_commitments.label("overdue"))
        .where(Dialogue.agency_id == agency.id, Dialogue.held_on >= start, Dialogue.held_on <= end)
        .order_by(Dialogue.held_on.desc(), Dialogue.id.desc())).all()
    my_tasks = db.session.scalars(
        db.select(Conclusion).join(ReceptionSession)
        .where(Conclusion.owner_id == current_user.id, Conclusion.done_on.is_(None),
               ReceptionSession.agency_id == agency.id)
        .order_by(Conclusion.due_on)).all()
    agencies = []
    if can_monitor_province(current_user):
        agencies = agency_choices()
    return render_template("engage/agency.html", agency=agency, form=form, year=year, sessions=sessions,
                           dialogues=dialogues, dialogue_count=dialogue_counts(year, [agency.id]).get(agency.id, 0),
                           my_tasks=my_tasks, may_record=can_record_engagement(current_user, agency.id),
                           agencies=agencies, frequency=FREQUENCY_LABELS[duty_frequency(agency)])


@bp.get("/agencies/<code>/duty")
def duty(code: str):
    """Per head of the agency: the regular sessions held in each week or month, met or missed."""
    agency = agency_or_abort(code)
    today = local_today()
    form, year, month = period_form(today)
    rows = duty_calendar(year, month, today, agency_ids=[agency.id])
    frequency = duty_frequency(agency)
    return render_template("engage/duty.html", agency=agency, form=form, year=year, month=month, rows=rows,
                           periods=duty_periods(frequency, year, month), frequency=frequency,
                           frequency_label=FREQUENCY_LABELS[frequency])
