"""The inspectorate urges an agency; the agency sees it, is alerted, and replies."""
from __future__ import annotations

import re
from datetime import date

from petitions.extensions import db
from petitions.models import AuditLog, Notification, Urging, User

from .conftest import Client, valid_letter


def _file(client, app, agencies, commune="commune_a"):
    app.config["TODAY"] = date(2026, 8, 3)
    return client.post("/api/v1/cases", json=valid_letter("complaint", agencies[commune])).get_json()[
        "tracking_code"]


def test_inspector_urges_the_head_is_alerted_and_replies(client, app, agencies, make_officer, smtp, run_worker):
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    with app.app_context():
        for user in db.session.scalars(db.select(User)):
            user.email = f"{user.username}@example.org"
        db.session.commit()
    codes = [_file(client, app, agencies), _file(client, app, agencies)]
    app.config["TODAY"] = date(2026, 9, 1)
    inspector = Client(app)
    inspector.login("thanhtra")
    url = "/officer/urgings/new?cases=" + ",".join(codes)
    page = inspector.get(url).get_data(as_text=True)
    assert codes[0][:5] in page and codes[1][:5] in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = inspector.post(url, data={"csrf_token": token, "cases": ",".join(codes), "reply_due_on": "2026-09-08",
                                  "message": "Đề nghị khẩn trương thụ lý, giải quyết hai đơn quá hạn."})
    assert r.status_code == 302
    run_worker()
    (mail,) = [m for m in smtp.messages if m["to"] == ["chutich@example.org"]]
    assert "Đôn đốc" in mail["subject"] or "đôn đốc" in mail["subject"].lower()
    assert codes[0][:5] in mail["body"] and "08/09/2026" in mail["body"]
    # the agency sees it on its queue; a reception officer may not reply, the head may
    desk = Client(app)
    desk.login("tiepdan")
    assert "Urging" in desk.get("/officer/").get_data(as_text=True) or \
        "đôn đốc" in desk.get("/officer/").get_data(as_text=True).lower()
    with app.app_context():
        urging_id = db.session.scalar(db.select(Urging.id))
    assert desk.post(f"/officer/urgings/{urging_id}",
                     data={"csrf_token": desk.csrf("/officer/urgings"), "reply": "x"}).status_code == 403
    head = Client(app)
    head.login("chutich")
    r = head.post(f"/officer/urgings/{urging_id}", data={"csrf_token": head.csrf(f"/officer/urgings/{urging_id}"),
                                                         "reply": "Đã thụ lý cả hai đơn ngày 02/9."})
    assert r.status_code == 302
    run_worker()
    assert [m for m in smtp.messages if m["to"] == ["thanhtra@example.org"]]
    with app.app_context():
        urging = db.session.get(Urging, urging_id)
        assert urging.replied_on == date(2026, 9, 1) and urging.reply.startswith("Đã thụ lý")
        assert [a.action for a in db.session.scalars(db.select(AuditLog).order_by(AuditLog.id))
                if "urging" in a.action] == ["send_urging", "reply_urging"]


def test_urging_refuses_cases_of_two_agencies_and_non_inspectors(client, app, agencies, make_officer):
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    make_officer("chutich", ["head"], agencies["agency_a"])
    codes = [_file(client, app, agencies), _file(client, app, agencies, "commune_b")]
    head = Client(app)
    head.login("chutich")
    assert head.get("/officer/urgings/new?cases=" + codes[0]).status_code == 403
    inspector = Client(app)
    inspector.login("thanhtra")
    app.config["TODAY"] = date(2026, 9, 1)
    r = inspector.submit("/officer/urgings/new?cases=" + ",".join(codes),
                         {"cases": ",".join(codes), "reply_due_on": "2026-09-08", "message": "Đôn đốc"})
    assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Urging)) == 0


def test_unanswered_urging_is_reminded_once_by_the_sweep(client, app, agencies, make_officer, run_worker):
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = _file(client, app, agencies)
    app.config["TODAY"] = date(2026, 9, 1)
    inspector = Client(app)
    inspector.login("thanhtra")
    assert inspector.submit("/officer/urgings/new?cases=" + code,
                            {"cases": code, "reply_due_on": "2026-09-04", "message": "Đôn đốc"}).status_code == 302
    from petitions.jobs import get_queue
    for day in ("2026-09-04", "2026-09-07", "2026-09-08"):
        app.config["TODAY"] = date.fromisoformat(day)
        with app.app_context():
            get_queue().enqueue("petitions.jobs.tasks.sweep_deadlines")
        run_worker()
    with app.app_context():
        kinds = sorted(n.kind for n in db.session.scalars(db.select(Notification)) if n.kind.startswith("urging"))
        # sent (to the head), due today (head), overdue (head and the inspector): each once
        assert kinds == ["urging", "urging_due", "urging_overdue", "urging_overdue"]
