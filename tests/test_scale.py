"""The large-data generator makes consistent cases, and the sweep reads them correctly."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from petitions.extensions import db
from petitions.models import Alert, Case, CaseEvent, Deadline
from petitions.services.alerts import FILER_STEPS, sweep
from petitions.services.scale import seed_scale


def test_generated_cases_are_consistent_and_swept(app):
    today = date(2026, 11, 27)
    with app.app_context():
        totals = seed_scale(1500, today=today, chunk=600)
        assert totals["cases"] == 1500
        assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 1500
        # every case has its receipt event; closed ones have nothing running (the notices the
        # closing act starts, e.g. a terminated denunciation's, are sent in the generated history)
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
        # the sweep alerts exactly the running (not paused) limits due within 3 working days or past
        from petitions.services.calendar import get_calendar
        soon = get_calendar().add_working_days(today, 3)
        expected = db.session.scalar(db.select(db.func.count()).select_from(Deadline)
                                     .where(Deadline.completed_on.is_(None), Deadline.paused_on.is_(None),
                                            Deadline.step.not_in(sorted(FILER_STEPS)), Deadline.due_on <= soon))
        result = sweep(today)
        assert expected > 0 and result.alerts == expected == result.scanned
        assert db.session.scalar(db.select(db.func.count()).select_from(Alert)) == expected
        assert sweep(today).alerts == 0


# -- every status of the workflow, with the events and deadlines apply_transition leaves ----------------

def _reachable(kind: str) -> set[str]:
    """The statuses a first-time case of ``kind`` can reach, derived from the transition table."""
    from petitions.workflow.states import Kind, Status
    from petitions.workflow.transitions import rows_for
    rows = [t for t in rows_for(Kind(kind), False) if t.target is not None]
    seen, frontier = {Status.RECEIVED.value}, [Status.RECEIVED.value]
    while frontier:
        status = frontier.pop()
        for t in rows:
            if status in t.sources and t.target.value not in seen:
                seen.add(t.target.value)
                frontier.append(t.target.value)
    return seen


def _shape(deadlines) -> list[tuple[str, str]]:
    return sorted((d.step, "completed" if d.completed_on else "paused" if d.paused_on else "running")
                  for d in deadlines)


def _fields(row, act, other_agency: str, other_case: str, username: str) -> dict:
    out = {}
    for spec in row.fields:
        if not spec.required and spec.name != "reason":
            continue
        if spec.type == "choice":
            out[spec.name] = next(c for c, _ in spec.choices if c != "withdrawn")
        elif spec.type == "date":
            out[spec.name] = act - timedelta(days=6)
        elif spec.type == "agency":
            out[spec.name] = other_agency
        elif spec.type == "case":
            out[spec.name] = other_case
        elif spec.type == "user":
            out[spec.name] = username
        elif spec.name == "kinds":
            out[spec.name] = "complaint,petition"
        else:
            out[spec.name] = "Nội dung"
    return out


def test_every_reachable_status_with_its_events_and_deadlines(app, agencies, make_officer):
    from petitions.models import Agency, Case, Party
    from petitions.services import scale
    from petitions.services.workflow import apply_transition, register_deadlines, unique_code
    from petitions.workflow.states import Channel

    today = date(2026, 11, 27)
    make_officer("scale.boss", ["reception", "handler", "head"], agencies["agency_a"])
    make_officer("scale.boss2", ["reception", "handler", "head"], "UBND-TINH")
    with app.app_context():
        seed_scale(3000, today=today, chunk=1000)
        cases = db.session.scalars(db.select(Case)).all()
        by_kind: dict[str, set[str]] = {}
        for case in cases:
            by_kind.setdefault(case.kind, set()).add(case.status)
        for kind in ("complaint", "denunciation", "petition", "voter_petition"):
            assert by_kind[kind] == _reachable(kind), kind
            # and the generator's own paths cover the same set
            assert set(scale.paths(kind)) == _reachable(kind)

        # each case's event chain runs from received to its status, as the table allows
        from petitions.workflow.states import Kind
        from petitions.workflow.transitions import rows_for
        events: dict[int, list] = {}
        for e in db.session.scalars(db.select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.id)):
            events.setdefault(e.case_id, []).append(e)
        for case in cases:
            chain = events[case.id]
            assert chain[0].event == "receive" and chain[-1].to_status == case.status, case.id
            allowed = {(t.event.value, s.value, (t.target or s).value) for t in rows_for(Kind(case.kind), False)
                       if not t.resumes for s in t.sources}
            for before, e in zip(chain, chain[1:]):
                assert e.from_status == before.to_status
                assert (e.event, e.from_status, e.to_status) in allowed, (case.kind, e.event, e.from_status)
                assert e.acted_on >= before.acted_on

        # the deadlines match what apply_transition leaves: walk one real case per (kind, status, desk)
        officer_agency = db.session.scalar(db.select(Agency).where(Agency.code == agencies["agency_a"]))
        other_agency = "UBND-TINH"
        from petitions.models import User
        # an officer of each agency that acts (a voter petition moves to the agency that answers)
        bosses = {u.agency_id: u for u in db.session.scalars(
            db.select(User).where(User.username.in_(["scale.boss", "scale.boss2"])))}
        deadlines_of: dict[int, list] = {}
        for d in db.session.scalars(db.select(Deadline)):
            deadlines_of.setdefault(d.case_id, []).append(d)
        groups: dict[tuple, list] = {}
        for case in cases:
            # letters received from 1/7/2026 have the limits NĐ 155/2026 added (a notice a suspension starts)
            groups.setdefault((case.kind, case.status, case.channel == "desk",
                               case.received_on >= scale.NEWEST_RULES), []).append(case)
        columns = [c.name for c in Case.__table__.columns if c.name not in ("id", "tracking_code")]

        def fresh(sample: Case, recent: bool = False) -> Case:
            real = Case(**{c: getattr(sample, c) for c in columns})
            real.tracking_code = unique_code()
            real.status, real.closed_on, real.decided_on, real.dialogue_held = "received", None, None, False
            real.status_before_suspension = real.suspended_since = real.outcome = None
            real.parent_id = real.link_type = None
            real.is_mass = False  # (a joint complaint's acceptance needs its representatives: not the point here)
            day = scale.NEWEST_RULES if recent else date(2024, 3, 1)
            real.received_on = real.last_event_on = day
            real.received_at = datetime(day.year, day.month, day.day, 2, tzinfo=timezone.utc)
            real.agency_id = real.receiving_agency_id = officer_agency.id
            real.commune_id = officer_agency.admin_unit_id
            real.parties = [Party(role="petitioner", position=0, full_name="Nguyễn Văn An", address="Nghệ An")]
            db.session.add(real)
            db.session.flush()
            register_deadlines(real, Channel(real.channel))
            db.session.flush()
            return real

        walked = 0
        for (kind, status, _desk, recent), members in sorted(groups.items()):
            sample = members[0]
            real = fresh(sample, recent)
            other_case = fresh(sample, recent).tracking_code
            act = real.received_on
            for row in scale.chain(kind, status, recent):
                act += timedelta(days=50)
                boss = bosses[real.agency_id]
                apply_transition(real, row.event.value, boss, act,
                                 _fields(row, act, other_agency, other_case, boss.username), today=act)
            assert real.status == status
            expected = _shape(real.deadlines)
            for case in members:
                assert _shape(deadlines_of.get(case.id, [])) == expected, (kind, status, case.channel)
            # a suspended case keeps its resolving limit paused, not running
            if status == "suspended":
                assert any(s == "paused" for _, s in expected)
            walked += 1
            db.session.rollback()
        assert walked >= sum(len(_reachable(k)) for k in by_kind)
