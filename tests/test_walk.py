"""A complaint, a denunciation and a petition from the public form to closure through
the officer pages, with the clock set to the days the acts happen."""
from __future__ import annotations

import re
from datetime import date

from petitions.extensions import db
from petitions.models import Case, CaseEvent, Deadline

from .conftest import Client, form_fields, valid_letter


def set_today(app, day: str):
    app.config["TODAY"] = date.fromisoformat(day)


def officer(app, username) -> Client:
    c = Client(app)
    assert c.login(username).status_code == 302
    return c


def act(c: Client, app, code: str, event: str, day: str, expect: int = 302, **fields):
    set_today(app, day)
    url = f"/officer/cases/{code}/actions/{event}"
    page = c.get(url)
    assert page.status_code == 200, (event, page.status_code)
    html = page.get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', html).group(1)
    data = {"act_date": day, "version": version, **{f"f_{k}": v for k, v in fields.items()}}
    r = c.submit(url, data)
    assert r.status_code == expect, (event, r.status_code, re.findall(r'class="(?:alert bad|errors)"[^>]*>(.*?)<',
                                                                    r.get_data(as_text=True), re.S))
    return r


def file_public(client, app, kind, commune, day) -> str:
    set_today(app, day)
    r = client.submit(f"/file/{kind}", form_fields(valid_letter(kind, commune)), follow_redirects=True)
    html = r.get_data(as_text=True)
    code = re.search(r'data-testid="tracking-code">([^<]+)<', html).group(1).replace("-", "")
    key = re.search(r'data-testid="access-key">([^<]+)<', html).group(1)
    return code, key


def case_of(app, code) -> Case:
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        case.deadlines, case.events  # load
        db.session.expunge(case)
        return case


def deadlines(app, code) -> dict[str, Deadline]:
    with app.app_context():
        rows = db.session.scalars(db.select(Deadline).join(Case).where(Case.tracking_code == code)).all()
        return {r.step: (r.started_on, r.due_on, r.completed_on) for r in rows}


def test_complaint_walks_from_public_form_to_closure(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("thuly", ["handler"], agencies["agency_a"])
    code, key = file_public(client, app, "complaint", agencies["commune_a"], "2026-08-03")  # Monday
    d = deadlines(app, code)
    # received Mon 3/8/2026, after 1/7/2026: acceptance in 7 working days -> Wed 12/8/2026
    assert d["complaint-acceptance"][1] == date(2026, 8, 12)
    # letter handling, 10 working days -> Mon 17/8/2026
    assert d["letter-handling"][1] == date(2026, 8, 17)

    head, handler = officer(app, "chutich"), officer(app, "thuly")
    # the handler has no action yet: the page offers only what the table allows
    set_today(app, "2026-08-05")
    assert 'data-event="accept"' not in handler.get(f"/officer/cases/{code}").get_data(as_text=True)
    assert 'data-event="accept"' in head.get(f"/officer/cases/{code}").get_data(as_text=True)
    act(head, app, code, "accept", "2026-08-05", note="Đủ điều kiện thụ lý")
    d = deadlines(app, code)
    assert d["complaint-acceptance"][2] == date(2026, 8, 5) and d["letter-handling"][2] == date(2026, 8, 5)
    # resolution: 30 calendar days from Wed 5/8/2026 -> Fri 4/9/2026 (2/9 holiday is not the last day)
    assert d["complaint-resolution"][1] == date(2026, 9, 4)

    act(head, app, code, "assign", "2026-08-05", handler="thuly")
    act(handler, app, code, "start_verification", "2026-08-06")
    # a dialogue notice only 2 days ahead is refused with the law's reason, nothing saved
    r = act(handler, app, code, "hold_dialogue", "2026-08-20", expect=422, notice_sent_on="2026-08-18",
            minutes="Biên bản đối thoại")
    assert "5 ngày" in r.get_data(as_text=True) or "5 days" in r.get_data(as_text=True)
    act(handler, app, code, "hold_dialogue", "2026-08-20", notice_sent_on="2026-08-12", minutes="Biên bản đối thoại")
    act(head, app, code, "decide", "2026-08-28", outcome="amend", decision_no="123/QĐ-UBND")
    act(handler, app, code, "notify", "2026-08-31")
    # legal effect only after 30 days: refused on 20/9, accepted on 29/9
    act(handler, app, code, "take_effect", "2026-09-20", expect=422)
    act(handler, app, code, "take_effect", "2026-09-29")
    act(handler, app, code, "enforce", "2026-10-05")
    act(handler, app, code, "close", "2026-10-06")

    case = case_of(app, code)
    assert case.status == "closed" and case.closed_on == date(2026, 10, 6) and case.outcome == "amend"
    assert [e.event for e in case.events] == ["receive", "accept", "assign", "start_verification", "hold_dialogue",
                                              "decide", "notify", "take_effect", "enforce", "close"]
    assert all(dl.completed_on for dl in case.deadlines)
    # the citizen sees the steps and the outcome, never the internal note
    set_today(app, "2026-10-07")
    page = client.submit("/track", {"code": code, "key": key}).get_data(as_text=True)
    assert "Đã kết thúc" in page
    assert "123/QĐ-UBND" not in page and "Đủ điều kiện thụ lý" not in page and "Biên bản" not in page


def test_denunciation_walks_to_closure_with_an_extension_and_a_suspension(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("thuly", ["handler"], agencies["agency_a"])
    code, _key = file_public(client, app, "denunciation", agencies["commune_a"], "2026-08-03")
    head, handler = officer(app, "chutich"), officer(app, "thuly")
    act(head, app, code, "accept", "2026-08-07")
    # resolution 30 days from Fri 7/8/2026 -> Sun 6/9/2026 -> Mon 7/9/2026 (next working day)
    assert deadlines(app, code)["denunciation-resolution"][1] == date(2026, 9, 7)
    act(head, app, code, "assign", "2026-08-07", handler="thuly")
    act(handler, app, code, "start_verification", "2026-08-10")
    act(head, app, code, "extend", "2026-09-01", complexity="complex", decision_no="45/QĐ-UBND")
    # one extension of 30 days: 60 days from 7/8/2026 -> Tue 6/10/2026
    assert deadlines(app, code)["denunciation-resolution"][1] == date(2026, 10, 6)
    # a second extension is refused for a complex (not especially complex) case
    act(head, app, code, "extend", "2026-09-02", expect=422, complexity="complex", decision_no="46/QĐ-UBND")
    act(head, app, code, "suspend", "2026-09-10", reason="Chờ kết quả giám định")
    assert deadlines(app, code)["denunciation-resolution"][1] == date(2026, 10, 6)  # paused, not moved yet
    act(head, app, code, "resume", "2026-09-19")
    # suspended 10/9..19/9 (10 days) not counted: the 60 days end 10 days later, Fri 16/10/2026
    assert deadlines(app, code)["denunciation-resolution"][1] == date(2026, 10, 16)
    act(head, app, code, "conclude", "2026-10-09", outcome="partly_correct", decision_no="KL 7")
    act(head, app, code, "handle_conclusion", "2026-10-12")
    act(handler, app, code, "publish", "2026-10-13")
    act(handler, app, code, "close", "2026-10-14")
    case = case_of(app, code)
    assert case.status == "closed" and case.outcome == "partly_correct" and case.extensions_used == 1


def test_petition_walks_to_closure_and_the_citizen_reads_the_answer(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("chutich", ["head"], agencies["agency_a"])
    set_today(app, "2026-08-03")
    out = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()
    code, key = out["tracking_code"], out["access_key"]
    desk, head = officer(app, "tiepdan"), officer(app, "chutich")
    act(desk, app, code, "accept", "2026-08-04")
    act(head, app, code, "answer", "2026-08-10", answer="Xã sẽ sửa tuyến đường trong quý IV/2026.")
    act(head, app, code, "close", "2026-08-11")
    view = client.get(f"/api/v1/cases/{code}", headers={"X-Access-Key": key}).get_json()
    assert view["status"] == "closed"
    assert [h["event"] for h in view["history"]] == ["receive", "accept", "answer", "close"]
    answer = next(h for h in view["history"] if h["event"] == "answer")
    assert answer["detail"] == "Xã sẽ sửa tuyến đường trong quý IV/2026." and answer["date"] == "2026-08-10"


def test_forwarding_opens_a_linked_case_at_the_competent_agency(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("tiepdan.so", ["reception"], "SO-XD")
    set_today(app, "2026-08-03")
    out = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()
    act(officer(app, "tiepdan"), app, out["tracking_code"], "forward", "2026-08-05", agency="SO-XD")
    with app.app_context():
        original = db.session.scalar(db.select(Case).where(Case.tracking_code == out["tracking_code"]))
        (child,) = original.children
        assert original.status == "forwarded" and original.closed_on == date(2026, 8, 5)
        assert child.agency.code == "SO-XD" and child.link_type == "forwarded_from" and child.status == "received"
        assert child.received_on == date(2026, 8, 5) and child.parties[0].full_name == "Nguyễn Văn An"
        child_code = child.tracking_code
    receiver = officer(app, "tiepdan.so")
    page = receiver.get(f"/officer/cases/{child_code}").get_data(as_text=True)
    assert out["tracking_code"][:5] in page  # where it came from
    # the citizen's key follows the letter
    view = client.get(f"/api/v1/cases/{out['tracking_code']}", headers={"X-Access-Key": out["access_key"]}).get_json()
    assert view["linked"][0]["tracking_code"] == child_code
    assert client.get(f"/api/v1/cases/{child_code}", headers={"X-Access-Key": out["access_key"]}).status_code == 200


def test_act_date_in_the_future_or_before_the_previous_event_is_refused(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    set_today(app, "2026-08-10")
    out = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()
    desk = officer(app, "tiepdan")
    url = f"/officer/cases/{out['tracking_code']}/actions/accept"
    for day in ("2026-08-11", "2026-08-09"):
        html = desk.get(url).get_data(as_text=True)
        version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
        r = desk.submit(url, {"act_date": day, "version": version})
        assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CaseEvent)) == 1
