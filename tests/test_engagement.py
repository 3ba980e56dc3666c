"""Citizen reception sessions, their conclusions and the sweep's reminders; the reception
duty calendar; dialogues and their commitments; who may see and record what."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from petitions.extensions import db
from petitions.models import (Agency, AuditLog, Case, CaseEvent, Commitment, Conclusion, Dialogue, Notification,
                              ReceptionSession, ReceptionVisit, User)

from .conftest import PASSWORD, Client, valid_letter
from .test_browser import page, server  # noqa: F401 (the browser test's fixtures)

SWEEP = "petitions.jobs.tasks.sweep_deadlines"


def officer(app, username: str) -> Client:
    c = Client(app)
    assert c.login(username).status_code == 302
    return c


def set_today(app, day: str) -> None:
    app.config["TODAY"] = date.fromisoformat(day)


def with_email(app, *usernames: str) -> None:
    with app.app_context():
        for user in db.session.scalars(db.select(User).where(User.username.in_(usernames))):
            user.email = f"{user.username}@example.org"
        db.session.commit()


def account_since(app, username: str, day: date) -> None:
    """Reception duty is counted from the day the head's account was created."""
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        user.created_at = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        db.session.commit()


def new_session(c: Client, chair_id: int, day: str, kind: str = "regular", mode: str = "in_person",
                expect: int = 302):
    r = c.submit("/engage/sessions/new", {"chair": chair_id, "held_on": day, "kind": kind, "mode": mode,
                                          "place": "Trụ sở UBND", "notes": ""})
    assert r.status_code == expect, r.get_data(as_text=True)[:2000]
    if expect == 302:
        return int(r.headers["Location"].rsplit("/", 1)[1])
    return r


def sweep(app, run_worker, day: str) -> None:
    from petitions.jobs import get_queue
    set_today(app, day)
    with app.app_context():
        get_queue().enqueue(SWEEP)
    run_worker()


def errors(r) -> list[str]:
    return re.findall(r'<ul class="errors"[^>]*><li>(?:<span class="visually-hidden">[^<]*</span>)?(.*?)</li>', r.get_data(as_text=True), re.S)


# --- reception sessions ------------------------------------------------------------------

def test_reception_conclusion_becomes_overdue_and_is_alerted_once_each(client, app, agencies, make_officer,
                                                                       smtp, run_worker):
    head_id = make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    owner_id = make_officer("diachinh", ["handler"], agencies["agency_a"])
    with_email(app, "chutich", "tiepdan", "diachinh")
    set_today(app, "2026-09-01")
    code = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()[
        "tracking_code"]

    set_today(app, "2026-09-07")  # Monday
    desk = officer(app, "tiepdan")
    session_id = new_session(desk, head_id, "2026-09-07")
    url = f"/engage/sessions/{session_id}"
    r = desk.post(f"{url}/visits", data={"csrf_token": desk.csrf(url), "visitor_name": "Trần Văn Bình",
                                          "people": "1", "summary": "Hỏi về đơn khiếu nại đã gửi",
                                          "case_code": code[:5] + "-" + code[5:]})
    assert r.status_code == 302, errors(r)
    with app.app_context():
        case_id = db.session.scalar(db.select(Case.id).where(Case.tracking_code == code))
    r = desk.post(f"{url}/conclusions", data={"csrf_token": desk.csrf(url), "owner": str(owner_id),
                                               "due_on": "2026-09-10", "case": str(case_id),
                                               "text": "Kiểm tra hồ sơ đất, trả lời công dân bằng văn bản."})
    assert r.status_code == 302, errors(r)
    body = desk.get(url).get_data(as_text=True)
    assert "Trần Văn Bình" in body and code[:5] in body and "Kiểm tra hồ sơ đất" in body

    for day in ("2026-09-09", "2026-09-10", "2026-09-10", "2026-09-11", "2026-09-14"):
        sweep(app, run_worker, day)
    with app.app_context():
        notes = db.session.scalars(db.select(Notification).where(Notification.kind.like("conclusion%"))
                                   .order_by(Notification.id)).all()
        sent = sorted((n.kind, n.user.username, n.status) for n in notes)
        conclusion_id = db.session.scalar(db.select(Conclusion.id))
        assert all(n.data["conclusion"] == conclusion_id and n.case_id == case_id for n in notes)
        # every reminder names the conclusion in its subject (the alerts list shows the subject)
        assert all("“Kiểm tra hồ sơ đất, trả lời công dân bằng văn bản.”" in n.subject for n in notes)
    page = officer(app, "diachinh").get("/officer/notifications").get_data(as_text=True)
    assert "Kiểm tra hồ sơ đất, trả lời công dân" in page
    # told when assigned, reminded on the due day, and once overdue with the agency's head
    assert sent == [("conclusion", "diachinh", "sent"), ("conclusion_due", "diachinh", "sent"),
                    ("conclusion_overdue", "chutich", "sent"), ("conclusion_overdue", "diachinh", "sent")]
    # (the case's own time limits are alerted too: only the conclusion's mails are counted)
    mails = [m for m in smtp.messages if f"/engage/sessions/{session_id}" in m["body"]]
    assert sorted(m["to"][0] for m in mails) == ["chutich@example.org"] + ["diachinh@example.org"] * 3
    overdue = [m for m in mails if m["to"] == ["chutich@example.org"]]
    assert len(overdue) == 1 and "10/09/2026" in overdue[0]["body"] and "Kiểm tra hồ sơ đất" in overdue[0]["body"]
    assert f"/engage/sessions/{session_id}" in overdue[0]["body"]

    # only the owner marks it done, with a note; afterwards nothing more is sent
    set_today(app, "2026-09-15")
    assert desk.post(f"/engage/conclusions/{conclusion_id}/done",
                     data={"csrf_token": desk.csrf(url), "note": "x"}).status_code == 403
    owner = officer(app, "diachinh")
    assert "Kiểm tra hồ sơ đất" in owner.get(f"/engage/agencies/{agencies['agency_a']}").get_data(as_text=True)
    r = owner.post(f"/engage/conclusions/{conclusion_id}/done",
                   data={"csrf_token": owner.csrf(url), "note": "Đã trả lời bằng văn bản số 45/UBND."})
    assert r.status_code == 302
    sweep(app, run_worker, "2026-09-16")
    with app.app_context():
        conclusion = db.session.get(Conclusion, conclusion_id)
        assert (conclusion.done_on, conclusion.done_note) == (date(2026, 9, 15), "Đã trả lời bằng văn bản số 45/UBND.")
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification)
                                 .where(Notification.kind.like("conclusion%"))) == 4
        actions = [a.action for a in db.session.scalars(db.select(AuditLog).order_by(AuditLog.id))
                   if a.object_type in ("reception_session", "conclusion")]
        assert actions == ["schedule_reception", "add_reception_visit", "add_reception_conclusion",
                                "complete_reception_conclusion"]
    assert len([m for m in smtp.messages if f"/engage/sessions/{session_id}" in m["body"]]) == 4


def test_online_reception_refused_before_1_july_2026_and_chair_must_be_a_head(client, app, agencies,
                                                                            make_officer):
    head_id = make_officer("chutich", ["head"], agencies["agency_a"])
    handler_id = make_officer("thuly", ["handler"], agencies["agency_a"])
    other_head = make_officer("chutichb", ["head"], agencies["agency_b"])
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    set_today(app, "2026-06-15")
    desk = officer(app, "tiepdan")
    r = new_session(desk, head_id, "2026-06-30", mode="online", expect=422)
    assert any("01/07/2026" in e for e in errors(r))
    for chair in (handler_id, other_head):
        r = new_session(desk, chair, "2026-06-30", expect=422)
    new_session(desk, head_id, "2026-07-01", mode="online")
    new_session(desk, head_id, "2026-06-30", kind="ad_hoc")
    with app.app_context():
        rows = db.session.execute(db.select(ReceptionSession.held_on, ReceptionSession.mode, ReceptionSession.kind)
                                  .order_by(ReceptionSession.held_on)).all()
        assert rows == [(date(2026, 6, 30), "in_person", "ad_hoc"), (date(2026, 7, 1), "online", "regular")]
    # people and conclusions are recorded once the session has been held
    with app.app_context():
        future = db.session.scalar(db.select(ReceptionSession.id).where(ReceptionSession.mode == "online"))
    url = f"/engage/sessions/{future}"
    r = desk.post(f"{url}/visits", data={"csrf_token": desk.csrf(url), "visitor_name": "A", "people": "1",
                                          "summary": "B"})
    assert r.status_code == 422 and "01/07/2026" in r.get_data(as_text=True)
    # a session that did not take place is cancelled while nothing is recorded in it
    assert desk.post(f"{url}/cancel", data={"csrf_token": desk.csrf(url)}).status_code == 302
    with app.app_context():
        assert db.session.get(ReceptionSession, future) is None


def test_visitor_with_a_new_matter_becomes_a_desk_case(client, app, agencies, make_officer):
    head_id = make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    set_today(app, "2026-09-08")
    desk = officer(app, "tiepdan")
    session_id = new_session(desk, head_id, "2026-09-07")
    url = f"/engage/sessions/{session_id}"
    form = {"visitor_name": "Lê Thị Cúc", "people": "3", "summary": "", "new_case": "y", "kind": "petition",
            "title": "Đường liên xóm xuống cấp", "commune_code": agencies["commune_a"], "id_number": "",
            "address": "Xóm 5", "content": "Đề nghị xã sửa chữa đoạn đường liên xóm bị sạt lở sau mưa lũ."}
    r = desk.post(f"{url}/visits", data={"csrf_token": desk.csrf(url), **form, "content": "ngắn"})
    assert r.status_code == 422
    r = desk.post(f"{url}/visits", data={"csrf_token": desk.csrf(url), **form}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    code = re.search(r'data-testid="tracking-code">([^<]+)<', html).group(1).replace("-", "")
    assert re.search(r'data-testid="access-key">[0-9A-Z]{4}-[0-9A-Z]{4}<', html)
    assert "07/09/2026" in html
    # the receipt is shown once
    assert desk.get(f"{url}/receipt").status_code == 302
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        agency_id = db.session.scalar(db.select(Agency.id).where(Agency.code == agencies["agency_a"]))
        assert (case.kind, case.channel, case.agency_id, case.receiving_agency_id, case.received_on) == (
            "petition", "desk", agency_id, agency_id, date(2026, 9, 7))
        assert case.petitioner.full_name == "Lê Thị Cúc" and case.petitioner.address == "Xóm 5"
        assert case.commune.code == agencies["commune_a"] and case.running_deadlines
        event = db.session.scalar(db.select(CaseEvent).where(CaseEvent.case_id == case.id))
        assert (event.event, event.data["channel"]) == ("receive", "desk")
        visit = db.session.scalar(db.select(ReceptionVisit))
        assert (visit.session_id, visit.case_id, visit.people, visit.visitor_name) == (
            session_id, case.id, 3, "Lê Thị Cúc")
        assert visit.summary == "Đường liên xóm xuống cấp"
    body = desk.get(url).get_data(as_text=True)
    assert code[:5] in body and "Lê Thị Cúc" in body
    # an unknown tracking code is refused, and nothing is stored
    r = desk.post(f"{url}/visits", data={"csrf_token": desk.csrf(url), "visitor_name": "X", "people": "1",
                                          "summary": "Y", "case_code": "ZZZZZ-99999"})
    assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ReceptionVisit)) == 1


def test_a_denouncer_received_at_a_session_is_not_named_to_other_officers(client, app, agencies, make_officer):
    head_id = make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    set_today(app, "2026-09-08")
    desk = officer(app, "tiepdan")
    session_id = new_session(desk, head_id, "2026-09-08")
    url = f"/engage/sessions/{session_id}"
    r = desk.post(f"{url}/visits", data={
        "csrf_token": desk.csrf(url), "visitor_name": "Phạm Văn Tố", "people": "1", "summary": "Tố cáo cán bộ",
        "new_case": "y", "kind": "denunciation", "title": "Tố cáo cán bộ địa chính",
        "commune_code": agencies["commune_a"], "content": "Cán bộ địa chính xã nhận tiền để cấp giấy chứng nhận."})
    assert r.status_code == 302
    assert "Phạm Văn Tố" not in desk.get(url).get_data(as_text=True)
    # not even the head here: the name is revealed on the case page, on purpose, and logged
    head_page = officer(app, "chutich").get(url).get_data(as_text=True)
    assert "Phạm Văn Tố" not in head_page and "/officer/cases/" in head_page


# --- dialogues ---------------------------------------------------------------------------

def test_dialogue_counted_for_its_agency_and_year_and_overdue_commitment_reminded_once(
        client, app, agencies, make_officer, run_worker):
    from petitions.services.engagement import dialogue_counts, heads_without_dialogue
    head_id = make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("chutichb", ["head"], agencies["agency_b"])
    desk_id = make_officer("tiepdan", ["reception"], agencies["agency_a"])
    set_today(app, "2026-10-05")
    desk = officer(app, "tiepdan")
    # a commitment names the officer responsible for it
    r = desk.submit("/engage/dialogues/new", {
        "head": str(head_id), "held_on": "2026-10-02", "topic": "T", "participants": "P", "issues": "I",
        "commitments-0-text": "Chi trả", "commitments-0-due_on": "2026-10-20"})
    assert r.status_code == 422 and "Hãy chọn cán bộ chịu trách nhiệm." in r.get_data(as_text=True)
    r = desk.submit("/engage/dialogues/new", {
        "head": str(head_id), "held_on": "2026-10-02", "topic": "Đối thoại với doanh nghiệp về giải phóng mặt bằng",
        "participants": "12 hộ dân, 3 doanh nghiệp", "issues": "Chậm chi trả bồi thường",
        "commitments-0-text": "Chi trả bồi thường đợt 2", "commitments-0-due_on": "2026-10-20",
        "commitments-0-owner": str(desk_id),
        "commitments-1-text": "Công khai phương án tái định cư", "commitments-1-due_on": "2026-11-30",
        "commitments-1-owner": str(head_id),
        "commitments-2-text": "", "commitments-2-due_on": ""})
    assert r.status_code == 302, errors(r)
    dialogue_id = int(r.headers["Location"].rsplit("/", 1)[1])
    # a dialogue dated in the future is refused; one of last year counts for last year
    assert desk.submit("/engage/dialogues/new", {"head": str(head_id), "held_on": "2026-10-06", "topic": "T",
                                                 "participants": "P", "issues": "I"}).status_code == 422
    assert desk.submit("/engage/dialogues/new", {"head": str(head_id), "held_on": "2025-12-30", "topic": "T",
                                                 "participants": "P", "issues": "I"}).status_code == 302
    with app.app_context():
        a = db.session.scalar(db.select(Agency.id).where(Agency.code == agencies["agency_a"]))
        assert dialogue_counts(2026) == {a: 1} and dialogue_counts(2025) == {a: 1}
        assert dialogue_counts(2024) == {}
        assert [u.username for u in heads_without_dialogue(2026)] == ["chutichb"]
        assert [c.text for c in db.session.get(Dialogue, dialogue_id).commitments] == [
            "Chi trả bồi thường đợt 2", "Công khai phương án tái định cư"]
    body = desk.get(f"/engage/agencies/{agencies['agency_a']}?year=2026").get_data(as_text=True)
    assert 'data-testid="dialogue-count" data-count="1"' in body and "giải phóng mặt bằng" in body

    for day in ("2026-10-20", "2026-10-21", "2026-10-22"):
        sweep(app, run_worker, day)
    with app.app_context():
        notes = db.session.scalars(db.select(Notification).where(Notification.kind == "commitment_overdue")).all()
        # the officer responsible and the head are told, and the mail names the commitment
        assert sorted((n.user.username, n.data["dialogue"]) for n in notes) == [
            ("chutich", dialogue_id), ("tiepdan", dialogue_id)]
        assert "Chi trả bồi thường đợt 2" in notes[0].subject
        first = db.session.scalar(db.select(Commitment.id).order_by(Commitment.id))
    url = f"/engage/dialogues/{dialogue_id}"
    page = desk.get(url).get_data(as_text=True)
    assert "Tiepdan" in page  # the officer responsible, on the dialogue's page
    # "done" takes the result and the date it was done
    r = desk.post(f"/engage/commitments/{first}/done", data={"csrf_token": desk.csrf(url), "done_on": "2026-10-21"})
    assert r.status_code == 422 and "Hãy nêu kết quả thực hiện." in r.get_data(as_text=True)
    assert desk.post(f"/engage/commitments/{first}/done", data={
        "csrf_token": desk.csrf(url), "result": "Đã chi trả cho 12 hộ", "done_on": "2026-10-21"}).status_code == 302
    with app.app_context():
        kept = db.session.get(Commitment, first)
        assert (kept.done_on, kept.result) == (date(2026, 10, 21), "Đã chi trả cho 12 hộ")
    page = desk.get(url).get_data(as_text=True)
    assert "Đã chi trả cho 12 hộ" in page and "21/10/2026" in page


# --- reception duty ----------------------------------------------------------------------

def _sessions(app, username: str, agency_code: str, days: list[str], kind: str = "regular"):
    from petitions.services.engagement import schedule_session
    with app.app_context():
        chair = db.session.scalar(db.select(User).where(User.username == username))
        agency = db.session.scalar(db.select(Agency).where(Agency.code == agency_code))
        for day in days:
            schedule_session(chair, agency, chair=chair, held_on=date.fromisoformat(day), kind=kind,
                             mode="in_person")
        db.session.commit()


def duty_setup(app, agencies, make_officer):
    """A commune chairman who received citizens in some weeks of September 2026 only, and
    a department director who skipped March."""
    make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("giamdoc", ["head"], "SO-XD")
    make_officer("chutichb", ["head"], agencies["agency_b"])
    for name in ("chutich", "giamdoc", "chutichb"):
        account_since(app, name, date(2026, 1, 1))
    # weeks 36 (31/8-6/9) and 38 (14/9-20/9) held; week 37 only ad hoc; week 39 nothing
    _sessions(app, "chutich", agencies["agency_a"], ["2026-09-04", "2026-09-15"])
    _sessions(app, "chutich", agencies["agency_a"], ["2026-09-09"], kind="ad_hoc")
    _sessions(app, "giamdoc", "SO-XD", [f"2026-{m:02d}-10" for m in range(1, 10) if m != 3])
    _sessions(app, "chutichb", agencies["agency_b"], [f"2026-09-{d:02d}" for d in (1, 8, 15, 22)])


def test_duty_calendar_lists_the_weeks_a_commune_head_missed(client, app, agencies, make_officer):
    from petitions.services.engagement import duty_calendar, missed_reception_duty
    duty_setup(app, agencies, make_officer)
    set_today(app, "2026-09-30")  # Wednesday of week 40 (October's first week)
    with app.app_context():
        rows = {d.head.username: d for d in duty_calendar(2026, 9, date(2026, 9, 30))}
        commune = rows["chutich"]
        assert commune.frequency == "week"
        assert [(p.period.number, p.state, p.regular, p.ad_hoc) for p in commune.periods] == [
            (36, "met", 1, 0), (37, "missed", 0, 1), (38, "met", 1, 0), (39, "missed", 0, 0)]
        assert [p.period.number for p in rows["chutichb"].missed] == []
        year = {d.head.username: d for d in duty_calendar(2026, None, date(2026, 9, 30))}
        assert year["giamdoc"].frequency == "month"
        assert [p.period.number for p in year["giamdoc"].missed] == [3]
        assert [p.state for p in year["giamdoc"].periods][8:] == ["met", "future", "future", "future"]
        # the commune head's year: weeks 1-35 and 37, 39 missed; week 40 is running
        states = {p.period.number: p.state for p in year["chutich"].periods}
        assert states[40] == "running" and states[41] == "future" and states[37] == "missed"
        missed = {d.head.username: len(d.missed) for d in missed_reception_duty(2026, 9, date(2026, 9, 30))}
        assert missed == {"chutich": 2}
    body = officer(app, "chutich").get(f"/engage/agencies/{agencies['agency_a']}/duty?year=2026&month=9")
    html = body.get_data(as_text=True)
    assert body.status_code == 200
    assert re.findall(r'data-period="2026-W(\d\d)" data-state="(\w+)"', html) == [
        ("36", "met"), ("37", "missed"), ("38", "met"), ("39", "missed")]


def test_a_deputy_on_authority_fulfils_the_heads_duty_and_booked_sessions_show(client, app, agencies,
                                                                               make_officer):
    from petitions.services.engagement import EngagementError, duty_calendar, schedule_session
    duty_setup(app, agencies, make_officer)
    make_officer("phochutich", ["handler"], agencies["agency_a"])
    set_today(app, "2026-09-30")
    with app.app_context():
        agency = db.session.scalar(db.select(Agency).where(Agency.code == agencies["agency_a"]))
        head, deputy = (db.session.scalar(db.select(User).where(User.username == n)) for n in ("chutich", "phochutich"))
        with pytest.raises(EngagementError) as refused:  # a deputy needs the head's written authority
            schedule_session(head, agency, chair=deputy, held_on=date(2026, 9, 24), kind="regular", mode="in_person")
        assert refused.value.field == "authorised_by"
        with pytest.raises(EngagementError) as refused:
            schedule_session(head, agency, chair=deputy, held_on=date(2026, 9, 24), kind="regular", mode="in_person",
                             authorised_by=head)
        assert refused.value.field == "authorisation"
        schedule_session(head, agency, chair=deputy, held_on=date(2026, 9, 24), kind="regular", mode="in_person",
                         authorised_by=head, authorisation="Giấy ủy quyền số 07/GUQ")
        schedule_session(head, agency, chair=head, held_on=date(2026, 10, 8), kind="regular", mode="in_person")
        db.session.commit()
        year = {d.head.username: d for d in duty_calendar(2026, None, date(2026, 9, 30))}["chutich"]
        weeks = {p.period.number: p for p in year.periods}
        assert (weeks[39].state, weeks[39].regular, weeks[39].by_deputy) == ("met", 1, 1)  # week 39: 21-27/9
        assert weeks[41].state == "booked" and weeks[41].booked == (date(2026, 10, 8),)
        assert weeks[40].state == "running" and weeks[42].state == "future"
    html = officer(app, "chutich").get(f"/engage/agencies/{agencies['agency_a']}/duty?year=2026&month=10") \
        .get_data(as_text=True)
    assert "đã đặt lịch 08/10/2026" in html


def test_duty_before_the_heads_account_and_in_a_week_without_working_days_is_not_missed(app, agencies,
                                                                                        make_officer):
    from petitions.services.engagement import duty_calendar
    make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("chutichb", ["head"], agencies["agency_b"])
    account_since(app, "chutich", date(2026, 3, 4))
    account_since(app, "chutichb", date(2026, 1, 1))
    with app.app_context():
        rows = {d.head.username: {p.period.number: p.state for p in d.periods}
                for d in duty_calendar(2026, None, date(2026, 3, 31))}
    # weeks that began before the account existed are not counted
    assert (rows["chutich"][9], rows["chutich"][10], rows["chutich"][11]) == ("not_tracked", "not_tracked", "missed")
    # Tết 2026: 16-20/2 are public holidays, so week 8 had no working day
    assert (rows["chutichb"][7], rows["chutichb"][8], rows["chutichb"][9]) == ("missed", "no_working_day", "missed")


# --- access --------------------------------------------------------------------------------

def test_other_agencies_cannot_see_or_edit_and_only_inspectors_see_the_province(client, app, agencies,
                                                                                  make_officer):
    head_id = make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("thuly", ["handler"], agencies["agency_a"])
    make_officer("tiepdanb", ["reception"], agencies["agency_b"])
    make_officer("chutichb", ["head"], agencies["agency_b"])
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    set_today(app, "2026-09-08")
    desk = officer(app, "tiepdan")
    session_id = new_session(desk, head_id, "2026-09-07")
    r = desk.submit("/engage/dialogues/new", {"head": str(head_id), "held_on": "2026-09-07", "topic": "T",
                                              "participants": "P", "issues": "I",
                                              "commitments-0-text": "C", "commitments-0-due_on": "2026-09-30",
                                              "commitments-0-owner": str(head_id)})
    dialogue_id = int(r.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        commitment_id = db.session.scalar(db.select(Commitment.id))
    own = f"/engage/agencies/{agencies['agency_a']}"
    pages = [f"/engage/sessions/{session_id}", f"/engage/dialogues/{dialogue_id}", own, f"{own}/duty"]
    posts = [f"/engage/sessions/{session_id}/visits", f"/engage/sessions/{session_id}/conclusions",
             f"/engage/sessions/{session_id}/cancel", f"/engage/dialogues/{dialogue_id}/commitments",
             f"/engage/commitments/{commitment_id}/done"]
    for username in ("tiepdanb", "chutichb"):
        other = officer(app, username)
        token = other.csrf("/engage/sessions/new")
        for url in pages:
            assert other.get(url).status_code == 403, (username, url)
        for url in posts:
            assert other.post(url, data={"csrf_token": token, "visitor_name": "X", "people": "1",
                                         "summary": "Y"}).status_code == 403, (username, url)
        # their own index leads to their own agency, whose list does not show agency A's session
        r = other.get("/engage/", follow_redirects=True)
        assert r.status_code == 200 and f"/engage/sessions/{session_id}" not in r.get_data(as_text=True)
        # and the agency address cannot be changed by hand
        assert other.get(f"/engage/?agency={agencies['agency_a']}").headers["Location"].endswith(
            f"/engage/agencies/{agencies['agency_b']}")
    # a handler of the agency sees its sessions but does not record them
    handler = officer(app, "thuly")
    assert handler.get(pages[0]).status_code == 200
    assert handler.get("/engage/sessions/new").status_code == 403
    assert handler.post(posts[0], data={"csrf_token": handler.csrf(pages[0]), "visitor_name": "X",
                                        "people": "1", "summary": "Y"}).status_code == 403
    # the inspectorate reads every agency (and records nothing there); only it sees the province view
    inspector = officer(app, "thanhtra")
    for url in pages:
        assert inspector.get(url).status_code == 200, url
    assert inspector.post(posts[0], data={"csrf_token": inspector.csrf(pages[0]), "visitor_name": "X",
                                          "people": "1", "summary": "Y"}).status_code == 403
    assert inspector.get("/inspect/reception-duty").status_code == 200
    for username in ("tiepdan", "chutich", "thuly"):
        assert officer(app, username).get("/inspect/reception-duty").status_code == 403
    assert client.get("/engage/").status_code == 302 and client.get("/inspect/reception-duty").status_code == 302
    assert desk.get("/engage/sessions/99999").status_code == 404 and desk.get("/engage/sessions/x").status_code == 404


def test_inspectorate_page_lists_missed_duty_and_no_dialogue(client, app, agencies, make_officer):
    duty_setup(app, agencies, make_officer)
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    from petitions.services.engagement import record_dialogue
    with app.app_context():
        head = db.session.scalar(db.select(User).where(User.username == "chutichb"))
        record_dialogue(head, head.agency, head=head, held_on=date(2026, 5, 5), topic="T", participants="P",
                        issues="I", commitments=[], today=date(2026, 9, 30))
        db.session.commit()
    set_today(app, "2026-09-30")
    html = officer(app, "thanhtra").get("/inspect/reception-duty?year=2026&month=9").get_data(as_text=True)
    missed = re.findall(r'data-testid="missed-row" data-head="(\w+)"', html)
    assert missed == ["chutich"]
    assert sorted(re.findall(r'data-testid="no-dialogue-row" data-head="(\w+)"', html)) == ["chutich", "giamdoc"]
    html = officer(app, "thanhtra").get("/inspect/reception-duty?year=2026").get_data(as_text=True)
    # over the year, the most missed first: weeks for the commune heads, a month for the director
    assert re.findall(r'data-testid="missed-row" data-head="(\w+)"', html) == ["chutich", "chutichb", "giamdoc"]


@pytest.mark.browser
def test_inspector_sees_heads_who_missed_duty_or_held_no_dialogue_in_a_browser(server, page, app, agencies,
                                                                             make_officer, tmp_path):
    duty_setup(app, agencies, make_officer)
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    from petitions.services.engagement import record_dialogue
    with app.app_context():
        head = db.session.scalar(db.select(User).where(User.username == "giamdoc"))
        record_dialogue(head, head.agency, head=head, held_on=date(2026, 4, 2), topic="Đối thoại doanh nghiệp",
                        participants="P", issues="I", commitments=[], today=date(2026, 9, 30))
        db.session.commit()
    set_today(app, "2026-09-30")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server + "/auth/login")
    page.fill("#username", "thanhtra")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    from .conftest import browser_second_step
    browser_second_step(page, app, "thanhtra")  # an inspector types the code of the authenticator app
    page.locator("header.site nav a[href='/engage/']").click()
    page.goto(server + "/inspect/reception-duty")
    page.select_option("#year", "2026")
    page.select_option("#month", "9")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/inspect/reception-duty?*month=9*")
    page.screenshot(path=str(tmp_path / "reception-duty.png"), full_page=True)
    rows = page.get_by_test_id("missed-row")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-head") == "chutich"
    assert rows.first.get_by_test_id("missed-count").inner_text().strip() == "2"
    no_dialogue = page.get_by_test_id("no-dialogue-row")
    assert sorted(no_dialogue.nth(i).get_attribute("data-head") for i in range(no_dialogue.count())) == [
        "chutich", "chutichb"]
    # from the list to the head's calendar: weeks 37 and 39 missed
    rows.first.get_by_role("link").click()
    page.wait_for_url("**/duty?*")
    missed = page.locator('[data-testid="duty-period"][data-state="missed"]')
    assert [missed.nth(i).get_attribute("data-period") for i in range(missed.count())] == ["2026-W37", "2026-W39"]
