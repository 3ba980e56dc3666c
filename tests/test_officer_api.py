"""The officers' JSON API: tokens, the agency's cases, events under the page's rules."""
from __future__ import annotations

from datetime import date

from petitions.extensions import db
from petitions.models import AuditLog, Case, User
from petitions.services.tokens import issue_token

from .conftest import valid_letter


def token_for(app, username: str) -> dict:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        token = issue_token(user)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def event(client, headers, code, name, day, status=201, **fields):
    r = client.post(f"/api/v1/cases/{code}/events", json={"event": name, "date": day, **fields}, headers=headers)
    assert r.status_code == status, (name, r.get_json())
    return r.get_json()


def file(client, app, agencies, kind, day="2026-08-03") -> str:
    app.config["TODAY"] = date.fromisoformat(day)
    return client.post("/api/v1/cases", json=valid_letter(kind, agencies["commune_a"])).get_json()["tracking_code"]


def test_token_is_required_and_stored_hashed(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    assert client.get("/api/v1/officer/cases").status_code == 401
    assert client.get("/api/v1/officer/cases", headers={"Authorization": "Bearer pt_wrong"}).status_code == 401
    headers = token_for(app, "chutich")
    assert client.get("/api/v1/officer/cases", headers=headers).status_code == 200
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "chutich"))
        assert headers["Authorization"][7:] not in (user.api_token_hash or "") and len(user.api_token_hash) == 64
        assert db.session.scalar(db.select(AuditLog.action).where(AuditLog.action == "issue_api_token"))


def test_list_filters_and_scope(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    mine = file(client, app, agencies, "complaint", "2026-08-03")
    file(client, app, agencies, "petition", "2026-11-20")
    theirs = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_b"])).get_json()
    app.config["TODAY"] = date(2026, 11, 27)
    headers = token_for(app, "chutich")
    listing = client.get("/api/v1/officer/cases", headers=headers).get_json()
    codes = [c["tracking_code"] for c in listing["cases"]]
    assert listing["total"] == 2 and theirs["tracking_code"] not in codes
    assert codes[0] == mine  # the most overdue first
    overdue = client.get("/api/v1/officer/cases?overdue=true", headers=headers).get_json()
    assert [c["tracking_code"] for c in overdue["cases"]] == [mine] and overdue["cases"][0]["overdue"]
    kinds = client.get("/api/v1/officer/cases?kind=petition", headers=headers).get_json()
    assert {c["kind"] for c in kinds["cases"]} == {"petition"}
    assert client.get(f"/api/v1/officer/cases/{theirs['tracking_code']}", headers=headers).status_code == 404


def test_denunciation_identity_never_in_the_api(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = file(client, app, agencies, "denunciation")
    r = client.get(f"/api/v1/officer/cases/{code}", headers=token_for(app, "chutich"))
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "Nguyễn Văn An" not in text and "040123456789" not in text


def test_complaint_denunciation_petition_through_the_api(client, app, agencies, make_officer):
    for name, roles in (("chutich", ["head"]), ("thuly", ["handler"]), ("tiepdan", ["reception"])):
        make_officer(name, roles, agencies["agency_a"])
    head, handler, desk = (token_for(app, n) for n in ("chutich", "thuly", "tiepdan"))

    code = file(client, app, agencies, "complaint")
    app.config["TODAY"] = date(2026, 10, 6)
    detail = client.get(f"/api/v1/officer/cases/{code}", headers=head).get_json()
    assert {"accept", "refuse"} <= {a["event"] for a in detail["actions"]}
    # a reception officer may not accept a complaint: 403 with the roles that may
    out = client.post(f"/api/v1/cases/{code}/events", json={"event": "accept", "date": "2026-08-05"}, headers=desk)
    assert out.status_code == 403
    bad = event(client, head, code, "decide", "2026-08-05", status=422)
    assert "event" in bad["errors"]
    event(client, head, code, "accept", "2026-08-05")
    bad = event(client, head, code, "assign", "2026-08-05", status=422, handler="nobody")
    assert "handler" in bad["errors"]
    event(client, head, code, "assign", "2026-08-05", handler="thuly")
    event(client, handler, code, "start_verification", "2026-08-06")
    event(client, handler, code, "hold_dialogue", "2026-08-20", notice_sent_on="2026-08-12", minutes="Biên bản")
    bad = event(client, head, code, "decide", "2026-08-28", status=422, outcome="maybe", decision_no="1")
    assert "outcome" in bad["errors"]
    event(client, head, code, "decide", "2026-08-28", outcome="uphold", decision_no="1/QĐ-UBND")
    event(client, handler, code, "notify", "2026-08-31")
    event(client, handler, code, "take_effect", "2026-09-29")
    event(client, handler, code, "enforce", "2026-10-05")
    out = event(client, handler, code, "close", "2026-10-06")
    assert out["status"] == "closed"

    code = file(client, app, agencies, "denunciation")
    app.config["TODAY"] = date(2026, 10, 20)
    event(client, head, code, "accept", "2026-08-07")
    event(client, head, code, "assign", "2026-08-07", handler="thuly")
    event(client, handler, code, "start_verification", "2026-08-10")
    out = event(client, head, code, "extend", "2026-09-01", complexity="very_complex", decision_no="2")
    due = {d["step"]: d["due_on"] for d in out["deadlines"] if d["completed_on"] is None}
    # 30 + 30 days from Fri 7/8/2026 -> Tue 6/10/2026
    assert due["denunciation-resolution"] == "2026-10-06"
    event(client, head, code, "extend", "2026-09-25", complexity="very_complex", decision_no="3")
    bad = event(client, head, code, "extend", "2026-09-26", status=422, complexity="very_complex", decision_no="4")
    assert "_" in bad["errors"]
    event(client, head, code, "conclude", "2026-10-09", outcome="correct", decision_no="KL 1")
    event(client, head, code, "handle_conclusion", "2026-10-12")
    event(client, desk, code, "publish", "2026-10-13")
    assert event(client, handler, code, "close", "2026-10-14")["status"] == "closed"

    code = file(client, app, agencies, "petition")
    app.config["TODAY"] = date(2026, 8, 20)
    bad = event(client, desk, code, "accept", "2026-08-21", status=422)  # in the future
    assert "date" in bad["errors"]
    event(client, desk, code, "accept", "2026-08-04")
    event(client, head, code, "answer", "2026-08-10", answer="Đã sửa xong.")
    assert event(client, head, code, "close", "2026-08-11")["status"] == "closed"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Case).where(Case.status == "closed")) == 3


def test_users_token_command_prints_a_working_token(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    result = app.test_cli_runner().invoke(args=["users", "token", "chutich"])
    assert result.exit_code == 0, result.output
    token = result.output.split()[0]
    assert token.startswith("pt_")
    r = client.get("/api/v1/officer/cases", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert app.test_cli_runner().invoke(args=["users", "token", "nobody"]).exit_code != 0
