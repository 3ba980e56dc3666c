"""The target 4 report from the summary rows equals the hand-written conditions over the raw
tables, on random histories (hypothesis): letters carried over from before the period,
handled on time or late or not at all, accepted cases resolved, withdrawn, suspended
(paused), forwarded and split copies, cases reassigned to another agency and due dates
moved, written in several flushes so that the session listeners keep the rows (nothing
is rebuilt), and read for random periods, agencies, communes and kinds."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from petitions.extensions import db
from petitions.models import AdminUnit, Agency, Case, CaseEvent, Deadline
from petitions.services import summaries
from petitions.services.reports import Scope, target4, target4_by_agency

TODAY = date(2026, 11, 27)
KINDS = ("complaint", "denunciation", "petition")
STEP = {"complaint": "complaint-resolution", "denunciation": "denunciation-resolution", "petition": "petition-answer"}

letter = st.fixed_dictionaries({
    "kind": st.sampled_from(KINDS), "agency": st.integers(0, 2), "commune": st.integers(0, 2),
    "age": st.integers(0, 500),                 # received this many days before today
    "handled_after": st.one_of(st.none(), st.integers(0, 40)),
    "due_in": st.integers(0, 20),
    "copy": st.sampled_from((None, None, "forwarded_from", "split_from")),
    "accepted_after": st.one_of(st.none(), st.integers(0, 30)),
    "limit": st.integers(0, 60),
    "resolved_after": st.one_of(st.none(), st.integers(0, 90)),
    "resolving": st.booleans(), "outcome": st.sampled_from(("annul", "amend", "uphold", "correct", "wrong", None)),
    "paused": st.booleans(),
    "reassign": st.one_of(st.none(), st.integers(0, 2)),
    "move_due": st.one_of(st.none(), st.integers(-5, 30)),
})
period = st.tuples(st.integers(0, 520), st.integers(0, 400))   # start days before today, length
scope_pick = st.fixed_dictionaries({
    "agencies": st.one_of(st.none(), st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True)),
    "commune": st.one_of(st.none(), st.integers(0, 2)),
    "kinds": st.sampled_from((("complaint", "denunciation"), ("complaint",), ("petition",), KINDS)),
})


def _clear():
    for model in (CaseEvent, Deadline):
        db.session.execute(db.delete(model))
    db.session.execute(db.update(Case).values(parent_id=None))
    db.session.execute(db.delete(Case))
    db.session.execute(db.text("DELETE FROM report_days"))
    db.session.commit()


def _day(d: date) -> date:
    return min(d, TODAY)


def _case(n, kind, agency, commune, received):
    return Case(tracking_code=f"P{n:09d}", access_key_hash="x", kind=kind, channel="web", title="t", content="c",
                received_on=received, receiving_agency_id=agency, agency_id=agency, commune_id=commune,
                status="received")


def _deadline(step, start, due, done=None):
    return Deadline(step=step, started_on=start, due_on=max(due, start), limit_days=10, unit="working",
                    source="test", completed_on=done)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(letters=st.lists(letter, min_size=1, max_size=12), periods=st.lists(period, min_size=1, max_size=3),
       scopes=st.lists(scope_pick, min_size=1, max_size=3))
def test_summaries_equal_the_raw_sql_on_random_histories(app, letters, periods, scopes):
    with app.app_context():
        _clear()
        agencies = list(db.session.scalars(db.select(Agency.id).order_by(Agency.id).limit(3)))
        communes = list(db.session.scalars(db.select(AdminUnit.id).where(AdminUnit.level == "commune")
                                           .order_by(AdminUnit.id).limit(3)))
        # flush 1: the letters as received, their handling limit running
        made = []
        for n, spec in enumerate(letters):
            received = TODAY - timedelta(days=spec["age"])
            case = _case(n, spec["kind"], agencies[spec["agency"]], communes[spec["commune"]], received)
            case.deadlines.append(_deadline("letter-handling", received, received + timedelta(days=spec["due_in"])))
            db.session.add(case)
            made.append((case, spec))
        db.session.commit()
        # flush 2: handling, forwarding and splitting (copies), acceptance, resolution, suspension
        serial = len(letters)
        for case, spec in made:
            handling = case.deadlines[0]
            if spec["handled_after"] is not None:
                handling.completed_on = _day(case.received_on + timedelta(days=spec["handled_after"]))
                if spec["copy"]:
                    serial += 1
                    to = agencies[(spec["agency"] + 1) % 3] if spec["copy"] == "forwarded_from" else case.agency_id
                    on = handling.completed_on if spec["copy"] == "forwarded_from" else case.received_on
                    copy = _case(serial, case.kind, to, case.commune_id, on)
                    copy.parent_id, copy.link_type = case.id, spec["copy"]
                    copy.deadlines.append(_deadline("letter-handling", on, on + timedelta(days=spec["due_in"])))
                    db.session.add(copy)
            if spec["accepted_after"] is not None:
                start = _day(case.received_on + timedelta(days=spec["accepted_after"]))
                done = None
                if spec["resolved_after"] is not None:
                    done = _day(start + timedelta(days=spec["resolved_after"]))
                row = _deadline(STEP[case.kind], start, start + timedelta(days=spec["limit"]), done)
                if spec["paused"] and done is None:
                    row.paused_on = start
                case.deadlines.append(row)
                if done is not None:
                    event = "decide" if spec["resolving"] else "terminate"
                    db.session.add(CaseEvent(case_id=case.id, acted_on=done, event=event))
                    case.outcome = spec["outcome"]
        db.session.commit()
        # flush 3: reassigned cases (their copies' "copy of" moves with them), due dates moved
        for case, spec in made:
            if spec["reassign"] is not None:
                case.agency_id = agencies[spec["reassign"]]
            if spec["move_due"] is not None:
                for row in case.deadlines:
                    if row.completed_on is None:
                        row.due_on = max(row.started_on, row.due_on + timedelta(days=spec["move_due"]))
        db.session.commit()

        assert summaries.check(db.session.connection()) == []
        for ago, length in periods:
            start = TODAY - timedelta(days=ago)
            end = start + timedelta(days=length)
            for pick in scopes:
                scope = Scope(start=start, end=end, today=TODAY, kinds=pick["kinds"],
                              agency_ids=None if pick["agencies"] is None
                              else tuple(agencies[i] for i in pick["agencies"]),
                              commune_id=None if pick["commune"] is None else communes[pick["commune"]])
                assert summaries.usable(scope.start, scope.end, scope.today, TODAY)
                app.config["TODAY"] = TODAY
                got, want = target4(scope), target4(scope, raw=True)
                assert got.figures == want.figures, (scope, got.figures, want.figures)
                assert {a: r.figures for a, r in target4_by_agency(scope).items()} == \
                    {a: r.figures for a, r in target4_by_agency(scope, raw=True).items()}
        app.config["TODAY"] = None
        _clear()


def test_a_transition_through_the_api_updates_the_summary_rows(app, client, agencies, make_officer):
    """The figures a citizen's filing and an officer's acceptance change are current at once
    (the listeners run in the request's transaction)."""
    from .conftest import valid_letter
    from .test_officer_api import event, token_for
    app.config["TODAY"] = TODAY
    make_officer("chutich.a", ["head"], agencies["agency_a"])
    code = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()[
        "tracking_code"]
    with app.app_context():
        scope = Scope(start=date(2026, 9, 15), end=date(2026, 12, 14), today=TODAY)
        before = target4(scope).figures
        assert before["letters_received"] == 1 and before["letters_open"] == 1 and before["cases_total"] == 0
    event(client, token_for(app, "chutich.a"), code, "accept", TODAY.isoformat())
    with app.app_context():
        after = target4(scope).figures
        assert after == target4(scope, raw=True).figures
        assert after["letters_on_time"] == 1 and after["letters_open"] == 0
        assert after["cases_total"] == 1 and after["cases_new"] == 1 and after["cases_open"] == 1
        assert summaries.check(db.session.connection()) == []


def test_flask_report_summaries_finds_rows_written_outside_the_application_and_rebuilds_them(
        app, client, agencies):
    """A change written behind the listeners' back (a bulk load, a repair in SQL) leaves the
    rows behind: the command names the keys and fails; --rebuild puts them right."""
    from .conftest import valid_letter
    for kind in ("complaint", "petition"):
        assert client.post("/api/v1/cases", json=valid_letter(kind, agencies["commune_a"])).status_code == 201
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["report", "summaries"])
    assert ok.exit_code == 0 and "equal a fresh computation" in ok.output
    with app.app_context():
        db.session.execute(db.text("UPDATE report_days SET l_received = l_received + 5 WHERE commune_id = -1"))
        db.session.commit()
    stale = runner.invoke(args=["report", "summaries"])
    assert stale.exit_code == 1 and "differ from the cases" in stale.output and "'commune_id': -1" in stale.output
    rebuilt = runner.invoke(args=["report", "summaries", "--rebuild"])
    assert rebuilt.exit_code == 0 and "summary rows rebuilt" in rebuilt.output
    assert runner.invoke(args=["report", "summaries"]).exit_code == 0
    with app.app_context():
        assert summaries.check(db.session.connection()) == []
