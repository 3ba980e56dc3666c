"""Target 4 figures, exactly, for a small province built through the workflow."""
from __future__ import annotations

from datetime import date

import pytest

from petitions.extensions import db
from petitions.models import Agency, Case
from petitions.services.reports import Scope, agency_tree, cases_for, target4, target4_by_agency
from petitions.workflow.periods import reporting_period

from .conftest import valid_letter
from .test_officer_api import event, token_for

TODAY = date(2026, 11, 27)
Q2, Q3 = reporting_period("q2", 2026), reporting_period("q3", 2026)  # 15/3-14/6, 15/6-14/9


@pytest.fixture
def province(client, app, agencies, make_officer):
    """Cases at commune A and commune B, acted on through the API on past dates."""
    make_officer("chutich.a", ["head"], agencies["agency_a"])
    make_officer("chutich.b", ["head"], agencies["agency_b"])
    make_officer("tiepdan.a", ["reception"], agencies["agency_a"])

    def file(kind, day, commune="commune_a"):
        app.config["TODAY"] = date.fromisoformat(day)
        out = client.post("/api/v1/cases", json=valid_letter(kind, agencies[commune])).get_json()
        return out["tracking_code"]

    c = {
        "c1": file("complaint", "2026-06-16"), "c2": file("complaint", "2026-06-16"),
        "c3": file("complaint", "2026-07-01"), "c4": file("complaint", "2026-09-10"),
        "c5": file("denunciation", "2026-05-04"), "c6": file("complaint", "2026-06-22"),
        "c7": file("petition", "2026-06-18"), "c8": file("complaint", "2026-07-01", "commune_b"),
    }
    app.config["TODAY"] = TODAY
    a, b, desk = token_for(app, "chutich.a"), token_for(app, "chutich.b"), token_for(app, "tiepdan.a")
    # c1: handled on time (due 30/6), resolved on time (due 20/7), the act annulled: complaint correct
    event(client, a, c["c1"], "accept", "2026-06-18")
    event(client, a, c["c1"], "start_verification", "2026-06-19")
    event(client, a, c["c1"], "decide", "2026-07-10", outcome="annul", decision_no="1")
    # c2: handled late (6/7 > 30/6), resolved late (20/8 > 5/8), upheld: complaint wrong
    event(client, a, c["c2"], "accept", "2026-07-06")
    event(client, a, c["c2"], "start_verification", "2026-07-07")
    event(client, a, c["c2"], "decide", "2026-08-20", outcome="uphold", decision_no="2")
    # c3: never handled, due 15/7: open and overdue at the end of Q3; c4: received 10/9, due 24/9
    # c5: denunciation received in Q2, accepted 8/5, resolution due 8/6, still open: carried over
    event(client, a, c["c5"], "accept", "2026-05-08")
    # c6: accepted, then withdrawn in writing and terminated: shown apart
    event(client, a, c["c6"], "accept", "2026-06-24")
    event(client, a, c["c6"], "withdraw", "2026-07-01", withdrawn_on="2026-07-01")
    event(client, a, c["c6"], "terminate", "2026-07-02", reason="withdrawn")
    # c7: a petition forwarded to commune B (a copy is made there)
    event(client, desk, c["c7"], "forward", "2026-06-19", agency=agencies["agency_b"])
    # c8 at commune B: handled on time, resolution due 3/8, open
    event(client, b, c["c8"], "accept", "2026-07-03")
    return c


def _ids(app, codes):
    with app.app_context():
        return {db.session.scalar(db.select(Case.id).where(Case.tracking_code == code)) for code in codes}


def _agency_id(code):
    return db.session.scalar(db.select(Agency.id).where(Agency.code == code))


def test_target4_for_one_agency_and_period_exactly(app, agencies, province):
    with app.app_context():
        scope = Scope(Q3.start, Q3.end, TODAY, agency_ids=(_agency_id(agencies["agency_a"]),))
        r = target4(scope)
        assert r.figures == {
            "letters_total": 5, "letters_carried_over": 0, "letters_received": 5, "letters_on_time": 2, "letters_late": 1, "letters_open_overdue": 1,
            "letters_open": 1,
            "cases_total": 4, "cases_carried_over": 1, "cases_new": 3, "cases_resolved": 2,
            "cases_resolved_on_time": 1, "cases_resolved_late": 1, "cases_withdrawn": 1, "cases_open": 1,
            "cases_open_overdue": 1, "verdict_correct": 1, "verdict_partly_correct": 0, "verdict_wrong": 1,
        }
        assert r.on_time_rate == pytest.approx(2 / 4) and r.resolution_rate == pytest.approx(2 / 4)
        app.config["REPORT_WITHDRAWN_AS_RESOLVED"] = True
        try:
            assert r.resolution_rate == pytest.approx(3 / 4)
        finally:
            app.config["REPORT_WITHDRAWN_AS_RESOLVED"] = False
        # each figure is backed by the list of its cases
        for figure, codes in {"letters_late": ["c2"], "letters_open_overdue": ["c3"], "letters_open": ["c4"],
                              "cases_carried_over": ["c5"], "cases_withdrawn": ["c6"],
                              "verdict_correct": ["c1"], "cases_resolved_late": ["c2"]}.items():
            got = {case.id for case in db.session.scalars(cases_for(figure, scope))}
            assert got == _ids(app, [province[c] for c in codes]), figure


def test_target4_previous_period(app, agencies, province):
    with app.app_context():
        scope = Scope(Q2.start, Q2.end, TODAY, agency_ids=(_agency_id(agencies["agency_a"]),))
        f = target4(scope).figures
        # only c5 was received in Q2 (4/5), handled on time (8/5); accepted in Q2, open and
        # overdue at 14/6 (due 8/6)
        assert (f["letters_received"], f["letters_on_time"]) == (1, 1)
        assert (f["cases_total"], f["cases_new"], f["cases_open_overdue"], f["cases_resolved"]) == (1, 1, 1, 0)
    with app.app_context():
        # the backlog: c3 (received 1/7) and c4 (received 10/9), never handled, are carried into
        # Q4 (15/9-14/12) and, past due (15/7 and 24/9) by today (27/11), count against it
        q4 = reporting_period("q4", 2026)
        f = target4(Scope(q4.start, q4.end, TODAY, agency_ids=(_agency_id(agencies["agency_a"]),))).figures
        assert f["letters_carried_over"] == 2 and f["letters_open_overdue"] == 2
        assert f["letters_received"] == 0


def test_target4_province_and_subordinates_roll_up(app, agencies, province):
    with app.app_context():
        province_wide = target4(Scope(Q3.start, Q3.end, TODAY)).figures
        assert province_wide["letters_received"] == 6 and province_wide["letters_on_time"] == 3  # + c8
        assert province_wide["cases_total"] == 5 and province_wide["cases_open_overdue"] == 2
        # the provincial People's Committee with every agency under it: the same as the province
        tree = agency_tree(_agency_id("UBND-TINH"))
        assert target4(Scope(Q3.start, Q3.end, TODAY, agency_ids=tree)).figures == province_wide
        by_agency = target4_by_agency(Scope(Q3.start, Q3.end, TODAY))
        b = by_agency[_agency_id(agencies["agency_b"])].figures
        assert (b["letters_received"], b["cases_total"], b["cases_open_overdue"]) == (1, 1, 1)
        # petitions: the forwarded letter counts once province-wide, and at B as a letter B received
        kinds = ("petition",)
        assert target4(Scope(Q3.start, Q3.end, TODAY, kinds=kinds)).figures["letters_received"] == 1
        at_b = Scope(Q3.start, Q3.end, TODAY, kinds=kinds, agency_ids=(_agency_id(agencies["agency_b"]),))
        assert target4(at_b).figures["letters_received"] == 1
