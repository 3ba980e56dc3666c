"""The large-data generator makes consistent cases, and the sweep reads them correctly."""
from __future__ import annotations

from datetime import date

from petitions.extensions import db
from petitions.models import Alert, Case, CaseEvent, Deadline
from petitions.services.alerts import sweep
from petitions.services.scale import seed_scale


def test_generated_cases_are_consistent_and_swept(app):
    today = date(2026, 11, 27)
    with app.app_context():
        totals = seed_scale(1500, today=today, chunk=600)
        assert totals["cases"] == 1500
        assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 1500
        # every case has its receipt event; closed ones have nothing running
        received = db.session.scalar(db.select(db.func.count(db.distinct(CaseEvent.case_id)))
                                     .where(CaseEvent.event == "receive"))
        assert received == 1500
        running_on_closed = db.session.scalar(
            db.select(db.func.count()).select_from(Deadline).join(Case)
            .where(Case.closed_on.is_not(None), Deadline.completed_on.is_(None)))
        assert running_on_closed == 0
        kinds = set(db.session.scalars(db.select(Case.kind).distinct()))
        assert kinds == {"complaint", "denunciation", "petition", "voter_petition"}
        span = db.session.execute(db.select(db.func.min(Case.received_on), db.func.max(Case.received_on))).one()
        assert (span[1] - span[0]).days > 5 * 365
        # the sweep alerts exactly the running limits due within 3 working days or past
        from petitions.services.calendar import get_calendar
        soon = get_calendar().add_working_days(today, 3)
        expected = db.session.scalar(db.select(db.func.count()).select_from(Deadline)
                                     .where(Deadline.completed_on.is_(None), Deadline.due_on <= soon))
        result = sweep(today)
        assert expected > 0 and result.alerts == expected == result.scanned
        assert db.session.scalar(db.select(db.func.count()).select_from(Alert)) == expected
        assert sweep(today).alerts == 0
