"""The transition service's edges: version on every event, what closes a case, the
filer's own time limit, suspension notices, recomputes, split letters, attachments."""
from __future__ import annotations

import io
from datetime import date

from petitions.extensions import db
from petitions.models import Case, CaseEvent, Deadline, User
from petitions.services.workflow import ConflictError, apply_transition, recompute_due_dates

from .conftest import Client, form_fields, valid_letter
from .test_officer_api import event, token_for


def _user(name):
    return db.session.scalar(db.select(User).where(User.username == name))


def _case(code):
    return db.session.scalar(db.select(Case).where(Case.tracking_code == code))


def _file(client, app, agencies, kind, day="2026-08-03", **extra):
    app.config["TODAY"] = date.fromisoformat(day)
    return client.post("/api/v1/cases", json=valid_letter(kind, agencies["commune_a"], **extra)).get_json()[
        "tracking_code"]


def test_an_event_that_keeps_the_status_still_checks_the_version(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = _file(client, app, agencies, "denunciation")
    head = token_for(app, "chutich")
    app.config["TODAY"] = date(2026, 8, 20)
    event(client, head, code, "accept", "2026-08-05")
    with app.app_context():
        case, user = _case(code), _user("chutich")
        seen = case.version
        apply_transition(case, "notify", user, date(2026, 8, 6), {}, today=date(2026, 8, 20))
        db.session.commit()
        assert case.version == seen + 1  # the status did not change, the version did
        try:
            apply_transition(case, "notify", user, date(2026, 8, 7), {}, today=date(2026, 8, 20),
                             expected_version=seen)
            raise AssertionError("a stale version was accepted")
        except ConflictError:
            pass


def test_legal_effect_does_not_close_the_complaint_and_the_filers_limit_is_not_the_agencys(
        client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = _file(client, app, agencies, "complaint")
    head = token_for(app, "chutich")
    app.config["TODAY"] = date(2026, 11, 27)
    event(client, head, code, "accept", "2026-08-04")
    event(client, head, code, "start_verification", "2026-08-05")
    event(client, head, code, "decide", "2026-08-20", outcome="uphold", decision_no="9")
    event(client, head, code, "notify", "2026-08-21")
    # the complainant's 30 days to file again run until 20/9: not the agency's overdue work
    listing = client.get("/api/v1/officer/cases?overdue=true", headers=head).get_json()
    assert code not in [c["tracking_code"] for c in listing["cases"]]
    event(client, head, code, "take_effect", "2026-09-25")
    with app.app_context():
        case = _case(code)
        assert case.status == "in_effect" and case.closed_on is None
        filer_limit = next(d for d in case.deadlines if d.step == "complaint2-filing")
        assert filer_limit.completed_on == date(2026, 9, 25) and filer_limit.on_time is None
    event(client, head, code, "enforce", "2026-10-01")
    event(client, head, code, "close", "2026-10-02")
    with app.app_context():
        assert _case(code).closed_on == date(2026, 10, 2)


def test_suspend_twice_keeps_one_notice_and_notify_completes_it(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = _file(client, app, agencies, "denunciation")
    head = token_for(app, "chutich")
    app.config["TODAY"] = date(2026, 11, 27)
    event(client, head, code, "accept", "2026-08-05")
    event(client, head, code, "suspend", "2026-08-10", reason="Chờ giám định")
    event(client, head, code, "terminate", "2026-08-12", status=422, reason="withdrawn")  # no withdrawal yet
    event(client, head, code, "resume", "2026-08-20")
    event(client, head, code, "notify", "2026-08-21")
    with app.app_context():
        running = [d.step for d in _case(code).deadlines if d.completed_on is None]
        assert "denunciation-suspension-notice" not in running
        assert running.count("denunciation-resolution") == 1


def test_recompute_moves_only_what_the_calendar_moves(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("admin", ["admin"], "UBND-TINH")
    code = _file(client, app, agencies, "denunciation", day="2026-03-02")
    head = token_for(app, "chutich")
    app.config["TODAY"] = date(2026, 4, 1)
    event(client, head, code, "accept", "2026-03-05")
    event(client, head, code, "suspend", "2026-03-06", reason="Chờ giám định")
    event(client, head, code, "resume", "2026-03-20")
    with app.app_context():
        before = {d.step: d.due_on for d in _case(code).deadlines if d.completed_on is None}
        moved = recompute_due_dates(_user("admin"), "kiểm tra", date(2026, 4, 1))
        db.session.commit()
        after = {d.step: d.due_on for d in _case(code).deadlines if d.completed_on is None}
    # nothing changed in the calendar: nothing moves; the notices are not pushed past the suspension
    assert moved == 0 and before == after
    assert after["denunciation-acceptance-notice"] == date(2026, 3, 12)


def test_a_letter_that_denounces_keeps_its_protection_when_split(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("chutich", ["head"], agencies["agency_a"])
    pdf = b"%PDF-1.4\n%%EOF\n"
    app.config["TODAY"] = date(2026, 8, 3)
    body = form_fields(valid_letter("denunciation", agencies["commune_a"]))
    body["attachments"] = (io.BytesIO(pdf), "thu.pdf")
    r = client.submit("/file/denunciation", body, content_type="multipart/form-data", follow_redirects=True)
    html = r.get_data(as_text=True)
    import re
    code = re.search(r'data-testid="tracking-code">([^<]+)<', html).group(1).replace("-", "")
    key = re.search(r'data-testid="access-key">([^<]+)<', html).group(1)
    desk = token_for(app, "tiepdan")
    app.config["TODAY"] = date(2026, 8, 10)
    event(client, desk, code, "split", "2026-08-04", status=422, kinds="complaint, complaint")
    event(client, desk, code, "split", "2026-08-04", kinds="complaint, denunciation")
    with app.app_context():
        parts = _case(code).children
        assert {p.kind for p in parts} == {"complaint", "denunciation"}
        assert all(p.identity_is_confidential for p in parts)
        complaint_part = next(p.tracking_code for p in parts if p.kind == "complaint")
    reception = Client(app)
    reception.login("tiepdan")
    page = reception.get(f"/officer/cases/{complaint_part}").get_data(as_text=True)
    assert "Nguyễn Văn An" not in page and "040123456789" not in page
    view = client.get(f"/api/v1/cases/{code}", headers={"X-Access-Key": key}).get_json()
    assert len(view["linked"]) == 2 and complaint_part in {link["tracking_code"] for link in view["linked"]}


def test_attach_refuses_a_case_of_another_agency(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    mine = _file(client, app, agencies, "petition")
    app.config["TODAY"] = date(2026, 8, 3)
    theirs = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_b"])).get_json()
    app.config["TODAY"] = date(2026, 8, 10)
    out = event(client, token_for(app, "tiepdan"), mine, "attach", "2026-08-04", status=422,
                case=theirs["tracking_code"])
    assert "case" in out["errors"]
    with app.app_context():
        assert _case(mine).status == "received"
        assert db.session.scalar(db.select(db.func.count()).select_from(CaseEvent)) == 2


def test_attachment_download_is_a_logged_post(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    app.config["TODAY"] = date(2026, 8, 3)
    body = form_fields(valid_letter("denunciation", agencies["commune_a"]))
    body["attachments"] = (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "thu.pdf")
    client.submit("/file/denunciation", body, content_type="multipart/form-data")
    head = Client(app)
    head.login("chutich")
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        att_id, code = case.attachments[0].id, case.tracking_code
    assert head.get(f"/officer/attachments/{att_id}").status_code == 405
    r = head.post(f"/officer/attachments/{att_id}", data={"csrf_token": head.csrf(f"/officer/cases/{code}")})
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    with app.app_context():
        from petitions.models import IdentityAccess
        assert db.session.scalar(db.select(IdentityAccess.context)) == "attachment"
        assert db.session.scalar(db.select(db.func.count()).select_from(Deadline)) >= 2
