"""Who reaches what: every route, officers of other agencies, confidential identities."""
from __future__ import annotations

import re

import pytest

from petitions.extensions import db
from petitions.models import Case, IdentityAccess, User

from petitions.permissions import PUBLIC, ROUTES

from .conftest import valid_letter

# the permission table says which endpoints are public; the test checks the app obeys it
PUBLIC_ENDPOINTS = {endpoint for endpoint, rule in ROUTES.items() if rule == PUBLIC}


def sample_args(rule) -> dict:
    return {arg: {"kind": "complaint", "code": "ABCDE12345", "attachment_id": 1, "filename": "app.css",
                  "notification_id": 1, "event": "accept", "urging_id": 1, "meeting_id": 1}
            .get(arg, 1 if type(rule._converters.get(arg)).__name__ == "IntegerConverter" else "x")
            for arg in rule.arguments}


def test_every_route_is_public_or_requires_sign_in(app, client):
    rules = [r for r in app.url_map.iter_rules()]
    assert len(rules) > 10
    seen_private = 0
    for rule in rules:
        with app.test_request_context():
            from flask import url_for
            url = url_for(rule.endpoint, **sample_args(rule))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = client.open(url, method=method)
            if rule.endpoint in PUBLIC_ENDPOINTS:
                assert r.status_code not in (401, 403), (rule.endpoint, method, r.status_code)
                if rule.endpoint != "auth.two_factor":  # the second step sends back to the first without one
                    assert "/auth/login" not in r.headers.get("Location", ""), rule.endpoint
            elif rule.rule.startswith("/api/"):
                seen_private += 1
                assert r.status_code == 401, (rule.endpoint, method, r.status_code)
            else:
                seen_private += 1
                # sign-in required: redirected to the sign-in page (a POST without a token
                # is refused by CSRF protection before it gets there)
                assert (r.status_code == 302 and "/auth/login" in r.headers["Location"]) or \
                    (method == "POST" and r.status_code == 400), (rule.endpoint, method, r.status_code)
    assert seen_private >= 5


def _file(client, kind, commune):
    out = client.post("/api/v1/cases", json=valid_letter(kind, commune)).get_json()
    return out["tracking_code"]


def test_officer_sees_only_own_agency(client, app, agencies, make_officer):
    mine = _file(client, "complaint", agencies["commune_a"])
    theirs = _file(client, "complaint", agencies["commune_b"])
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    client.login("tiepdan")
    queue = client.get("/officer/").get_data(as_text=True)
    assert mine[:5] in queue and theirs[:5] not in queue
    assert client.get(f"/officer/cases/{mine}").status_code == 200
    assert client.get(f"/officer/cases/{theirs}").status_code == 403
    export = client.get("/officer/export.csv").get_data(as_text=True)
    assert mine[:5] in export and theirs[:5] not in export


def test_inspector_sees_every_agency(client, app, agencies, make_officer):
    a = _file(client, "complaint", agencies["commune_a"])
    b = _file(client, "petition", agencies["commune_b"])
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    client.login("thanhtra")
    queue = client.get("/officer/").get_data(as_text=True)
    assert a[:5] in queue and b[:5] in queue
    assert client.get(f"/officer/cases/{b}").status_code == 200


def test_denouncer_identity_hidden_from_roles_that_may_not_see_it(client, app, agencies, make_officer):
    code = _file(client, "denunciation", agencies["commune_a"])
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    for username in ("tiepdan", "thanhtra"):
        c = type(client)(app)
        c.login(username)
        for url in ("/officer/", f"/officer/cases/{code}", "/officer/export.csv"):
            text = c.get(url).get_data(as_text=True)
            assert "Nguyễn Văn An" not in text and "040123456789" not in text and "0912345678" not in text, url
        r = c.post(f"/officer/cases/{code}/identity", data={"csrf_token": c.csrf(f"/officer/cases/{code}"),
                                                             "reason": "tò mò"})
        assert r.status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(IdentityAccess)) == 0


def test_head_sees_denouncer_identity_and_each_view_is_logged(client, app, agencies, make_officer):
    code = _file(client, "denunciation", agencies["commune_a"])
    head_id = make_officer("chutich", ["head"], agencies["agency_a"])
    client.login("chutich")
    page = client.get(f"/officer/cases/{code}").get_data(as_text=True)
    assert "Nguyễn Văn An" not in page  # hidden until asked for, with a reason
    assert "/identity" in page
    for reason in ("Kiểm tra người tố cáo", "Gọi điện xác minh"):
        r = client.post(f"/officer/cases/{code}/identity",
                        data={"csrf_token": client.csrf(f"/officer/cases/{code}"), "reason": reason})
        assert r.status_code == 200 and "Nguyễn Văn An" in r.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(db.select(IdentityAccess).order_by(IdentityAccess.id)).all()
        assert [(r.user_id, r.reason) for r in rows] == [(head_id, "Kiểm tra người tố cáo"),
                                                           (head_id, "Gọi điện xác minh")]


def test_handler_assigned_to_a_denunciation_may_see_identity(client, app, agencies, make_officer):
    code = _file(client, "denunciation", agencies["commune_a"])
    handler_id = make_officer("thuly", ["handler"], agencies["agency_a"])
    other_id = make_officer("thuly2", ["handler"], agencies["agency_a"])
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        case.handler_id = handler_id
        db.session.commit()
    c = type(client)(app)
    c.login("thuly2")
    assert c.post(f"/officer/cases/{code}/identity",
                  data={"csrf_token": c.csrf(f"/officer/cases/{code}"), "reason": "x"}).status_code == 403
    client.login("thuly")
    r = client.post(f"/officer/cases/{code}/identity",
                    data={"csrf_token": client.csrf(f"/officer/cases/{code}"), "reason": "xác minh"})
    assert r.status_code == 200 and "040123456789" in r.get_data(as_text=True)
    assert other_id != handler_id


def test_complaint_filer_visible_to_own_agency_officers(client, app, agencies, make_officer):
    code = _file(client, "complaint", agencies["commune_a"])
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    client.login("tiepdan")
    assert "Nguyễn Văn An" in client.get(f"/officer/cases/{code}").get_data(as_text=True)


def test_desk_registers_a_letter_received_by_post_with_its_real_date(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    client.login("tiepdan")
    data = {
        "kind": "complaint", "channel": "post", "received_on": "2026-11-02", "title": "Đơn gửi qua bưu điện",
        "content": "Nội dung đơn gửi qua đường bưu điện đủ dài.", "respondent": "Quyết định 5/QĐ-UBND",
        "commune_code": agencies["commune_a"], "petitioner-full_name": "Trần Thị Bình",
        "petitioner-id_number": "040987654321", "petitioner-address": "Xóm 2",
    }
    r = client.submit("/officer/desk", data, follow_redirects=True)
    assert r.status_code == 200
    assert re.search(r'data-testid="access-key">', r.get_data(as_text=True))
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        officer = db.session.scalar(db.select(User).where(User.username == "tiepdan"))
        assert case.channel == "post" and str(case.received_on) == "2026-11-02"
        assert case.agency.code == agencies["agency_a"]
        assert case.events[0].actor_id == officer.id
        # 10 working days from Mon 2/11/2026, the start day not counted: Mon 16/11/2026
        assert str(case.deadlines[0].due_on) == "2026-11-16"


def test_desk_refuses_a_future_date(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    client.login("tiepdan")
    data = {"kind": "petition", "channel": "desk", "received_on": "2099-01-01", "title": "Đơn",
            "content": "Nội dung kiến nghị đủ dài để hợp lệ.", "commune_code": agencies["commune_a"],
            "petitioner-full_name": "A", "petitioner-address": "B"}
    r = client.submit("/officer/desk", data)
    assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


@pytest.mark.parametrize("role", ["handler", "inspector"])
def test_desk_is_for_reception_officers(client, agencies, make_officer, role):
    make_officer("someone", [role], agencies["agency_a"] if role == "handler" else "TTR-TINH")
    client.login("someone")
    assert client.get("/officer/desk").status_code == 403


def test_desk_registers_an_anonymous_denunciation_for_referral(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    client.login("tiepdan")
    data = {"kind": "denunciation", "channel": "post", "received_on": "2026-11-02", "title": "Thư nặc danh",
            "content": "Thư không ký tên tố cáo sai phạm trong đấu thầu, kèm chứng cứ cụ thể.",
            "commune_code": agencies["commune_a"], "anonymous": "y"}
    r = client.submit("/officer/desk", data)
    assert r.status_code == 302
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        assert case.is_anonymous and case.parties == [] and case.kind == "denunciation"
        code = case.tracking_code
    page = client.get(f"/officer/cases/{code}").get_data(as_text=True)
    assert 'data-event="refer"' in page and 'data-event="archive"' in page
