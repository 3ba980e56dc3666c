"""``Case.next_due_on`` (the nearest running limit, kept by a before_flush listener) equals
what a fresh query over the deadlines gives after every kind of workflow step, and the
officer queue sorted on it keeps the urgency order."""
from __future__ import annotations

from datetime import date, timedelta

from petitions.extensions import db
from petitions.models import Case, Deadline, User
from petitions.services.queries import CaseFilter, page_of_cases
from petitions.workflow.deadlines import FILER_STEPS

from .test_officer_api import event, file, token_for


def _stored_and_fresh(app, code):
    """The stored column and min(due_on) of running limits, both read from the database."""
    with app.app_context():
        db.session.expire_all()
        case_id, stored = db.session.execute(
            db.select(Case.id, Case.next_due_on).where(Case.tracking_code == code)).one()
        fresh = db.session.scalar(db.select(db.func.min(Deadline.due_on)).where(
            Deadline.case_id == case_id, Deadline.completed_on.is_(None), Deadline.paused_on.is_(None),
            Deadline.step.not_in(sorted(FILER_STEPS))))
        return stored, fresh


def test_every_step_of_a_denunciation_keeps_next_due_on(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = file(client, app, agencies, "denunciation")
    head = token_for(app, "chutich")
    app.config["TODAY"] = date(2026, 11, 27)
    seen = []
    steps = [("accept", "2026-08-05", {}), ("notify", "2026-08-06", {}),
             ("start_verification", "2026-08-07", {}),
             ("suspend", "2026-08-10", {"reason": "Chờ giám định"}), ("resume", "2026-08-20", {}),
             ("notify", "2026-08-21", {}),
             ("extend", "2026-09-01", {"complexity": "complex", "decision_no": "45/QĐ-UBND"}),
             ("conclude", "2026-09-10", {"outcome": "correct", "decision_no": "9"}),
             ("handle_conclusion", "2026-09-11", {}), ("publish", "2026-09-12", {}), ("close", "2026-09-13", {})]
    stored, fresh = _stored_and_fresh(app, code)
    assert stored == fresh and stored is not None  # filed: the acceptance limit runs
    seen.append(stored)
    for name, day, fields in steps:
        event(client, head, code, name, day, **fields)
        stored, fresh = _stored_and_fresh(app, code)
        assert stored == fresh, (name, stored, fresh)
        seen.append(stored)
    # the value moved along the way (accept, extend) and nothing runs once closed
    assert len({d for d in seen if d is not None}) >= 3
    assert seen[-1] is None


def test_a_complaint_ignores_the_filers_own_limit(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = file(client, app, agencies, "complaint")
    head = token_for(app, "chutich")
    app.config["TODAY"] = date(2026, 11, 27)
    for name, day, fields in [("accept", "2026-08-04", {}), ("start_verification", "2026-08-05", {}),
                              ("decide", "2026-08-20", {"outcome": "uphold", "decision_no": "9"}),
                              ("notify", "2026-08-21", {})]:
        event(client, head, code, name, day, **fields)
        stored, fresh = _stored_and_fresh(app, code)
        assert stored == fresh, (name, stored, fresh)
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        assert any(d.step in FILER_STEPS and d.completed_on is None for d in case.deadlines)
        assert case.next_due_on is None or all(
            d.due_on != case.next_due_on for d in case.deadlines if d.step in FILER_STEPS)


def test_any_orm_change_to_a_limit_is_followed(client, app, agencies, make_officer):
    """Not only the transition service: a moved, paused or deleted limit updates its case."""
    code = file(client, app, agencies, "petition")
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        row = next(d for d in case.deadlines if d.completed_on is None and not d.for_filer)
        row.due_on = row.due_on - timedelta(days=40)
        db.session.commit()
    stored, fresh = _stored_and_fresh(app, code)
    assert stored == fresh and stored is not None
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        for d in case.deadlines:
            d.paused_on = date(2026, 8, 10)
        db.session.commit()
    assert _stored_and_fresh(app, code) == (None, None)
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        kept = case.deadlines[0]
        kept.paused_on = None
        db.session.flush()
        assert case.next_due_on == kept.due_on
        db.session.delete(kept)
        db.session.commit()
    assert _stored_and_fresh(app, code) == (None, None)


def test_the_queue_keeps_the_urgency_order(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    head = token_for(app, "chutich")
    codes = [file(client, app, agencies, kind, day=day) for kind, day in [
        ("petition", "2026-08-03"), ("denunciation", "2026-07-01"), ("complaint", "2026-08-10"),
        ("petition", "2026-06-15"), ("complaint", "2026-07-20")]]
    app.config["TODAY"] = date(2026, 11, 27)
    event(client, head, codes[2], "accept", "2026-08-11")
    event(client, head, codes[1], "accept", "2026-07-02")
    event(client, head, codes[1], "suspend", "2026-07-03", reason="Chờ giám định")
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "chutich"))
        rows, total = page_of_cases(user, CaseFilter(), 1, 50)
        listed = [(case.tracking_code, due) for case, due in rows]
        # the same order computed the old way: from the running limits of every case
        cases = db.session.scalars(db.select(Case).where(Case.tracking_code.in_(codes))).all()
        expected = sorted(cases, key=lambda c: (c.running_deadline is None,
                                                c.running_deadline.due_on if c.running_deadline else date.min, c.id))
        mine = [x for x in listed if x[0] in codes]
        assert mine == [(c.tracking_code, c.running_deadline.due_on if c.running_deadline else None)
                        for c in expected]
        assert len({d for _, d in mine}) >= 3  # the order is not decided by ids alone
        overdue, _ = page_of_cases(user, CaseFilter(overdue_on=date(2026, 11, 27)), 1, 50)
        assert {c.tracking_code for c, _ in overdue} & set(codes) == {
            c.tracking_code for c in cases if c.running_deadline and c.running_deadline.due_on < date(2026, 11, 27)}


def test_generated_cases_carry_their_next_due_on(app):
    """The bulk generator (COPY on PostgreSQL) fills the column as the listener would."""
    from petitions.services.scale import seed_scale
    with app.app_context():
        seed_scale(800, today=date(2026, 11, 27), chunk=400)
        fresh = (db.select(db.func.min(Deadline.due_on))
                 .where(Deadline.case_id == Case.id, Deadline.completed_on.is_(None),
                        Deadline.paused_on.is_(None), Deadline.step.not_in(sorted(FILER_STEPS)))
                 .correlate(Case).scalar_subquery())
        rows = db.session.execute(db.select(Case.next_due_on, fresh)).all()
        assert len(rows) == 800
        assert [a for a, b in rows] == [b for a, b in rows]
        assert sum(a is not None for a, _ in rows) > 20 and sum(a is None for a, _ in rows) > 20
