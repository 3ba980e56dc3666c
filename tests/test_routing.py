"""Routing between cases: second-time complaints, repeats, split letters, mass complaints."""
from __future__ import annotations

from datetime import date

from petitions.extensions import db
from petitions.models import Case, Deadline, User

from .conftest import valid_letter
from .test_officer_api import event, token_for


def _case(app, code) -> Case:
    return db.session.scalar(db.select(Case).where(Case.tracking_code == code))


def test_second_time_complaint_opens_a_linked_case_at_the_higher_body(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("chutich.tinh", ["head"], "UBND-TINH")
    app.config["TODAY"] = date(2026, 8, 3)
    code = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()[
        "tracking_code"]
    head = token_for(app, "chutich")
    app.config["TODAY"] = date(2026, 9, 1)
    event(client, head, code, "accept", "2026-08-04")
    event(client, head, code, "start_verification", "2026-08-05")
    event(client, head, code, "decide", "2026-08-20", outcome="uphold", decision_no="9/QĐ-UBND")
    event(client, head, code, "notify", "2026-08-21")
    out = event(client, head, code, "escalate", "2026-08-28", agency="UBND-TINH")
    assert out["status"] == "escalated"
    with app.app_context():
        first = _case(app, code)
        (second,) = first.children
        assert second.second_time and second.link_type == "second_time_of" and second.agency.code == "UBND-TINH"
        second_code = second.tracking_code
    # the provincial chairman accepts it and the second-time resolution limit applies (45 days)
    province = token_for(app, "chutich.tinh")
    out = event(client, province, second_code, "accept", "2026-08-31")
    due = {d["step"]: d["due_on"] for d in out["deadlines"] if d["completed_on"] is None}
    # 45 calendar days from Mon 31/8/2026 -> Thu 15/10/2026
    assert due["complaint2-resolution"] == "2026-10-15"
    # a second-time decision needs a dialogue first
    event(client, province, second_code, "start_verification", "2026-09-01")
    refused = event(client, province, second_code, "decide", "2026-09-01", status=422, outcome="correct",
                    decision_no="1")
    assert refused["errors"]["_"]


def test_repeat_letter_is_attached_without_a_new_deadline(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    app.config["TODAY"] = date(2026, 8, 3)
    first = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()
    again = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()
    desk = token_for(app, "tiepdan")
    app.config["TODAY"] = date(2026, 8, 10)
    bad = event(client, desk, again["tracking_code"], "attach", "2026-08-04", status=422, case="ZZZZZZZZZZ")
    assert "case" in bad["errors"]
    event(client, desk, again["tracking_code"], "attach", "2026-08-04", case=first["tracking_code"])
    with app.app_context():
        repeat = _case(app, again["tracking_code"])
        assert repeat.status == "attached" and repeat.parent.tracking_code == first["tracking_code"]
        assert all(d.completed_on for d in repeat.deadlines)  # nothing left running on the repeat
        running = db.session.scalars(db.select(Deadline).where(Deadline.completed_on.is_(None))).all()
        assert [d.case.tracking_code for d in running] == [first["tracking_code"]]


def test_letter_mixing_kinds_is_split(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    app.config["TODAY"] = date(2026, 8, 3)
    code = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()[
        "tracking_code"]
    desk = token_for(app, "tiepdan")
    app.config["TODAY"] = date(2026, 8, 10)
    assert "kinds" in event(client, desk, code, "split", "2026-08-04", status=422, kinds="lawsuit")["errors"]
    event(client, desk, code, "split", "2026-08-04", kinds="complaint, denunciation")
    with app.app_context():
        parts = _case(app, code).children
        assert sorted(p.kind for p in parts) == ["complaint", "denunciation"]
        assert all(p.link_type == "split_from" and p.received_on == date(2026, 8, 3) for p in parts)


def test_mass_complaint_needs_its_representatives_to_be_accepted(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    app.config["TODAY"] = date(2026, 8, 3)
    signers = [{"full_name": f"Người ký {i}", "address": "Xóm 1", "representative": i < 2} for i in range(8)]
    code = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"], co_signers=signers)
                       ).get_json()["tracking_code"]
    with app.app_context():
        roles = [p.role for p in _case(app, code).parties]
        assert roles.count("representative") == 2 and roles.count("co_signer") == 6
    head = token_for(app, "chutich")
    app.config["TODAY"] = date(2026, 8, 10)
    assert event(client, head, code, "accept", "2026-08-04", status=422)["errors"]["_"]
    # representatives appointed, but not every signature: still refused
    event(client, head, code, "accept", "2026-08-04", status=422, representatives="Người ký 0, Người ký 1")
    # three representatives for nine signers: over the law's limit (5-10 signers appoint at most 2)
    errors = event(client, head, code, "accept", "2026-08-04", status=422, all_signed="yes",
                   representatives="Người ký 0, Người ký 1, Người ký 2")["errors"]
    assert errors["representatives"] == ["Đơn có 9 người cùng ký chỉ được cử tối đa 2 người đại diện."]
    # someone who did not sign cannot represent the signers
    errors = event(client, head, code, "accept", "2026-08-04", status=422, all_signed="yes",
                   representatives="Người ký 0, Trần Văn Ngoài")["errors"]
    assert "Trần Văn Ngoài" in errors["representatives"][0]
    # chosen among the signers: the filer and one co-signer, replacing the two ticked at filing
    event(client, head, code, "accept", "2026-08-04", representatives="Nguyễn Văn An; người ký 3",
          all_signed="yes")
    with app.app_context():
        case = _case(app, code)
        assert sorted(p.full_name for p in case.parties if p.representative) == sorted(["Người ký 3", "Nguyễn Văn An"])
        assert [p.role for p in case.parties].count("representative") == 1
    # two co-signers withdraw: recorded, and the case goes on for the others
    with app.app_context():
        from petitions.services.workflow import record_withdrawals
        case = _case(app, code)
        officer = db.session.scalar(db.select(User).where(User.username == "chutich"))
        leaving = [p.id for p in case.parties if p.role == "co_signer"][:2]
        record_withdrawals(case, leaving, officer, date(2026, 8, 6), today=date(2026, 8, 10))
        db.session.commit()
        case = _case(app, code)
        assert case.status == "accepted" and case.is_mass
        assert sum(1 for p in case.parties if p.withdrawn_on) == 2
        assert case.events[-1].event == "withdraw_signers" and case.events[-1].to_status == "accepted"


def test_withdrawals_recorded_from_the_case_page(client, app, agencies, make_officer):
    from .conftest import Client
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    app.config["TODAY"] = date(2026, 8, 3)
    signers = [{"full_name": f"Người ký {i}", "address": "Xóm 1"} for i in range(6)]
    code = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"], co_signers=signers)
                       ).get_json()["tracking_code"]
    app.config["TODAY"] = date(2026, 8, 10)
    desk = Client(app)
    desk.login("tiepdan")
    with app.app_context():
        first = next(p.id for p in _case(app, code).parties if p.role == "co_signer")
    token = desk.csrf(f"/officer/cases/{code}")
    bad = desk.post(f"/officer/cases/{code}/withdrawals", data={"csrf_token": token, "party": first,
                                                                "withdrawn_on": "2026-09-01"})
    assert bad.status_code == 422  # in the future
    ok = desk.post(f"/officer/cases/{code}/withdrawals", data={"csrf_token": token, "party": first,
                                                               "withdrawn_on": "2026-08-05"})
    assert ok.status_code == 302
    with app.app_context():
        assert [p.withdrawn_on for p in _case(app, code).parties if p.id == first] == [date(2026, 8, 5)]
