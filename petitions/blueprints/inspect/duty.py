"""The inspectorate's view of reception duty and dialogues: the heads of agencies who missed
their reception duty in a period (weeks or months without a regular session), and those
who held no dialogue with citizens or businesses in the year."""
from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from ...permissions import can_monitor_province
from ...services.engagement import FREQUENCY_LABELS, heads_without_dialogue, missed_reception_duty
from ...web import local_today
from ..engage.routes import period_form
from . import bp


@bp.get("/reception-duty")
def reception_duty():
    if not can_monitor_province(current_user):
        abort(403)
    today = local_today()
    form, year, month = period_form(today)
    return render_template("inspect/reception_duty.html", form=form, year=year, month=month,
                           missed=missed_reception_duty(year, month, today),
                           no_dialogue=heads_without_dialogue(year), frequency_labels=FREQUENCY_LABELS,
                           year_running=year >= today.year)
