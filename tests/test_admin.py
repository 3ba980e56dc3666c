"""The administration pages: only administrators; calendar decisions and provincial settings
are recorded and audited; running due dates move only when an administrator recomputes them.

Dates. "Today" is the machine's date (local_today(), 2026-11-27 when this was written), and
a letter filed through the API is received today. To stay deterministic whatever the day,
the main test pins the running case's dates by hand to fixed days and does the counting in
the comments; the API test picks its day off relative to the day the letter was received.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from petitions.extensions import db
from petitions.models import AuditLog, CalendarOverride, Case, CaseEvent, DeadlineSetting
from petitions.services.calendar import compute_due, get_calendar, get_rules
from petitions.workflow.deadlines import select_rule

from .conftest import valid_letter

GET_URLS = ["/admin/", "/admin/calendar", "/admin/calendar?year=2027", "/admin/deadlines",
            "/admin/audit"]
POST_URLS = {
    "/admin/calendar": {"day": "2027-01-04", "kind": "day_off", "note": "Quyết định số 1/QĐ-TTg"},
    "/admin/calendar/remove": {"day": "2027-01-04"},
    "/admin/recompute": {"reason": "Quyết định số 1/QĐ-TTg"},
    "/admin/deadlines": {"step": "petition-answer", "limit_days": "20", "unit": "working",
                         "effective_from": "2027-01-01", "note": "Quyết định số 5/QĐ-UBND"},
}

# A Wednesday, two working days before New Year's Day 2027 (Friday 01/01/2027).
RECEIVED = date(2026, 12, 30)
# Letter handling is 10 working days, the received day not counted (Civil Code Art. 147):
#   Thu 31/12 = 1; Fri 01/01 New Year's Day and Sat-Sun 02-03/01 skipped;
#   Mon 04/01 = 2, Tue 05 = 3, Wed 06 = 4, Thu 07 = 5, Fri 08 = 6, Mon 11 = 7, Tue 12 = 8,
#   Wed 13 = 9, Thu 14 = 10  -> due Thursday 14/01/2027.
DUE_BEFORE = date(2027, 1, 14)
# With Monday 04/01/2027 an extra day off (an official decision), every count from there on
# shifts by one working day: Tue 05 = 2, ..., Thu 14 = 9, Fri 15 = 10 -> due Friday 15/01/2027.
DAY_OFF = date(2027, 1, 4)
DUE_AFTER = date(2027, 1, 15)
DECISION = "Quyết định số 123/QĐ-TTg: nghỉ bù ngày 04/01/2027"


def _en(client):
    """English pages, so that the assertions read the messages as written."""
    client.get("/lang/en")


@pytest.fixture
def admin(app, client, make_officer):
    user_id = make_officer("quantri", ["admin"], "TTR-TINH")
    client.login("quantri")
    _en(client)
    return user_id


def _file_petition(client, agencies) -> dict:
    r = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"]))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _post(client, url, data, page="/admin/calendar"):
    """POST to a URL that has no GET page of its own, with the token of the page its form is on."""
    return client.post(url, data={"csrf_token": client.csrf(page), **data})


def _audit(app, action=None) -> list[AuditLog]:
    with app.app_context():
        q = db.select(AuditLog).order_by(AuditLog.id)
        if action:
            q = q.where(AuditLog.action == action)
        return list(db.session.scalars(q))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


# -- who may enter -------------------------------------------------------------------

@pytest.mark.parametrize("role", ["reception", "handler", "head", "inspector"])
def test_officers_who_are_not_administrators_get_403_everywhere(app, client, make_officer, agencies, role):
    make_officer("canbo", [role], "TTR-TINH" if role == "inspector" else agencies["agency_a"])
    client.login("canbo")
    for url in GET_URLS:
        assert client.get(url).status_code == 403, url
    token = client.csrf("/officer/")
    for url, data in POST_URLS.items():
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    # nothing was recorded, and the menu does not offer the pages
    assert _count(app, CalendarOverride) == 0 and _count(app, DeadlineSetting) == 0
    assert [a.action for a in _audit(app)] == ["create_user"]
    assert 'href="/admin/"' not in client.get("/officer/").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in GET_URLS:
        r = client.get(url)
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"], url


def test_administrator_sees_every_page_and_the_menu_link(client, admin):
    for url in GET_URLS:
        assert client.get(url).status_code == 200, url
    assert 'href="/admin/"' in client.get("/officer/").get_data(as_text=True)
    overview = client.get("/admin/").get_data(as_text=True)
    assert "Provincial settings" in overview and "Set by law" in overview
    assert "Answer a petition or feedback" in overview  # a provincial setting
    assert "Law on Complaints 02/2011/QH13, Art. 28" in overview  # a law, with its citation


# -- the calendar ----------------------------------------------------------------------

def test_calendar_lists_holidays_and_make_up_days_but_not_plain_weekends(app, client, admin):
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert 'data-day="2027-01-01"' in page and "New Year&#39;s Day" in page
    assert 'data-day="2027-02-06"' in page  # Lunar New Year (a Saturday, still listed: a holiday)
    assert 'data-day="2027-01-02"' not in page  # a plain Saturday
    assert 'data-day="2027-01-04"' not in page  # a plain Monday
    client.get("/lang/vi")
    assert "Tết Dương lịch" in client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert client.get("/admin/calendar?year=1500").status_code == 422


def test_admin_adds_a_day_off_and_the_audit_log_records_it(app, client, admin):
    with app.app_context():
        assert get_calendar().is_working_day(DAY_OFF)  # a plain Monday
    r = client.submit("/admin/calendar", {"day": DAY_OFF.isoformat(), "kind": "day_off", "note": DECISION})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/calendar?year=2027")
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "Decision recorded for 04/01/2027" in page and "have NOT moved" in page
    assert f'data-day="{DAY_OFF.isoformat()}"' in page and DECISION in page
    with app.app_context():
        row = db.session.scalar(db.select(CalendarOverride))
        assert (row.day, row.kind, row.note, row.created_by_id) == (DAY_OFF, "day_off", DECISION, admin)
        assert get_calendar().non_working_reason(DAY_OFF) == DECISION
    [log] = _audit(app, "set_calendar_day")
    assert (log.user_id, log.object_type, log.object_id) == (admin, "calendar", "2027-01-04")
    assert log.details == {"before": None, "kind": "day_off", "note": DECISION}
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Calendar decision recorded" in audit and "Calendar day: 04/01/2027" in audit and DECISION in audit

    # a second decision for the same day replaces the first, and says so
    client.submit("/admin/calendar", {"day": DAY_OFF.isoformat(), "kind": "working_day", "note": "Thông báo 2"})
    assert "Decision replaced for 04/01/2027" in client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert _count(app, CalendarOverride) == 1
    assert _audit(app, "set_calendar_day")[-1].details["before"] == {"kind": "day_off", "note": DECISION}

    # removed: the package's calendar again, and audited
    r = _post(client, "/admin/calendar/remove", {"day": "2027-01-04"})
    assert r.status_code == 302
    assert _count(app, CalendarOverride) == 0
    [removed] = _audit(app, "remove_calendar_day")
    assert removed.details == {"kind": "working_day", "note": "Thông báo 2"}
    audit = client.get("/admin/audit").get_data(as_text=True)
    # newest first
    assert audit.index('data-action="remove_calendar_day"') < audit.index('data-action="set_calendar_day"')


@pytest.mark.parametrize("data, message", [
    ({"day": "2027-01-04", "kind": "day_off", "note": "  "}, "Cite the official decision"),
    ({"day": "04/01/2027x", "kind": "day_off", "note": DECISION}, "Enter the day"),
    ({"day": "", "kind": "day_off", "note": DECISION}, "Enter the day"),
    ({"day": "2027-01-04", "kind": "holiday", "note": DECISION}, "Not a valid choice"),
    ({"day": "2027-01-04", "kind": "day_off", "note": "x" * 301}, "At most 300 characters"),
    ({"day": "1800-01-06", "kind": "day_off", "note": DECISION}, "Choose a date between"),
])
def test_bad_calendar_input_is_refused_and_changes_nothing(app, client, admin, data, message):
    r = client.submit("/admin/calendar", data)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert _count(app, CalendarOverride) == 0 and _audit(app, "set_calendar_day") == []


def test_removing_a_day_without_a_decision_is_refused(app, client, admin):
    r = _post(client, "/admin/calendar/remove", {"day": "2027-01-04"})
    assert r.status_code == 422 and "No decision is recorded for 04/01/2027" in r.get_data(as_text=True)
    assert _audit(app, "remove_calendar_day") == []


# -- running due dates do not move until recomputed ---------------------------------------

def test_day_off_changes_new_due_dates_but_running_ones_only_when_recomputed(app, client, agencies, admin):
    # A petition filed before the decision (through the API, so received today), then pinned
    # by hand to the fixed days above: received 30/12/2026, letter handling due 14/01/2027.
    code = _file_petition(client, agencies)["tracking_code"]
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        [running] = case.deadlines  # a petition from the website: letter handling only
        assert running.step == "letter-handling"
        assert compute_due("letter-handling", RECEIVED).due == DUE_BEFORE  # the counting above
        case.received_on = case.last_event_on = RECEIVED
        running.started_on, running.due_on = RECEIVED, DUE_BEFORE
        db.session.commit()

    client.submit("/admin/calendar", {"day": DAY_OFF.isoformat(), "kind": "day_off", "note": DECISION})

    with app.app_context():
        # a NEW letter received on the same day counts with the decision
        assert compute_due("letter-handling", RECEIVED).due == DUE_AFTER
        # the case filed before keeps its due date: nothing moves by itself
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        assert case.deadlines[0].due_on == DUE_BEFORE
        assert db.session.scalar(db.select(CaseEvent).where(CaseEvent.event == "recompute_deadline")) is None

    # the recompute needs a reason
    r = _post(client, "/admin/recompute", {"reason": " ", "back": "calendar"})
    assert r.status_code == 422 and "Give the reason" in r.get_data(as_text=True)
    assert _audit(app, "recompute_due_dates") == []

    reason = "Áp dụng " + DECISION
    r = _post(client, "/admin/recompute", {"reason": reason, "back": "calendar"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/calendar")
    assert "1 running due date moved" in client.get("/admin/calendar").get_data(as_text=True)
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        assert case.deadlines[0].due_on == DUE_AFTER
        [event] = [e for e in case.events if e.event == "recompute_deadline"]
        assert event.note == reason and event.actor_id == admin and not event.is_public
        assert event.data == {"step": "letter-handling", "from": "2027-01-14", "to": "2027-01-15"}
    [log] = _audit(app, "recompute_due_dates")
    assert log.details == {"moved": 1, "reason": reason}

    # recomputing again moves nothing
    _post(client, "/admin/recompute", {"reason": "again", "back": "deadlines"}, "/admin/deadlines")
    assert "No running due date moved" in client.get("/admin/deadlines").get_data(as_text=True)


def test_a_letter_filed_through_the_api_after_a_day_off_gets_the_later_due_date(app, client, agencies, admin):
    app.config["TODAY"] = date(2026, 11, 27)  # a Friday; the clock does not move during the test
    first = _file_petition(client, agencies)
    received, due_before = date.fromisoformat(first["received_on"]), date.fromisoformat(first["handling_due_on"])
    with app.app_context():
        # the first working day counted for a letter received today: inside its 10 working
        # days, so making it a day off pushes the due date on by exactly one working day
        day_off = get_calendar().next_working_day(received + timedelta(days=1))
    assert received < day_off < due_before
    client.submit("/admin/calendar", {"day": day_off.isoformat(), "kind": "day_off", "note": DECISION})
    second = _file_petition(client, agencies)
    assert second["received_on"] == first["received_on"]
    with app.app_context():
        expected = get_calendar().next_working_day(due_before + timedelta(days=1))
        first_case = db.session.scalar(db.select(Case).where(Case.tracking_code == first["tracking_code"]))
        assert first_case.deadlines[0].due_on == due_before  # filed before: unchanged
    assert date.fromisoformat(second["handling_due_on"]) == expected > due_before


# -- deadline settings ------------------------------------------------------------------------

def test_changing_a_rule_set_by_law_is_refused(app, client, admin):
    page = client.get("/admin/deadlines").get_data(as_text=True)
    # the form offers only the provincial settings
    form = page[page.index('id="setting"'):]
    assert 'value="petition-answer"' in form and 'value="complaint-resolution"' not in form
    for step in ("complaint-resolution", "complaint-acceptance"):  # a law, a 2025-2026 amendment
        r = client.submit("/admin/deadlines", {"step": step, "limit_days": "20", "unit": "calendar",
                                               "effective_from": "2027-01-01", "note": "thử"})
        assert r.status_code == 422
        assert "is set by law" in r.get_data(as_text=True) and "Nothing was saved" in r.get_data(as_text=True)
    assert _count(app, DeadlineSetting) == 0 and _audit(app, "set_deadline_setting") == []
    with app.app_context():
        assert select_rule("complaint-resolution", date(2027, 2, 1), get_rules()).limit == 30


def test_changing_the_petition_answer_setting_is_stored_and_audited(app, client, admin):
    note = "Quyết định số 5/2026/QĐ-UBND tỉnh Nghệ An"
    r = client.submit("/admin/deadlines", {"step": "petition-answer", "limit_days": "20", "unit": "working",
                                           "effective_from": "2027-01-01", "note": note})
    assert r.status_code == 302
    page = client.get("/admin/deadlines").get_data(as_text=True)
    assert "Saved: Answer a petition or feedback, 20 working days for letters received from 01/01/2027" in page
    assert note in page
    with app.app_context():
        row = db.session.scalar(db.select(DeadlineSetting))
        assert (row.step, row.limit_days, row.unit, row.effective_from, row.note, row.created_by_id) == \
            ("petition-answer", 20, "working", date(2027, 1, 1), note, admin)
        # letters received from 01/01/2027 get 20 working days; those received before keep 15
        assert compute_due("petition-answer", date(2027, 1, 5)).limit_days == 20
        assert compute_due("petition-answer", date(2026, 12, 30)).limit_days == 15
    [log] = _audit(app, "set_deadline_setting")
    assert (log.user_id, log.object_type, log.object_id) == (admin, "deadline_rule", "petition-answer")
    assert log.details == {"from": "2027-01-01", "limit": 20, "unit": "working", "note": note}
    assert "Deadline setting changed" in client.get("/admin/audit").get_data(as_text=True)

    # the same step and day again: replaced, not doubled
    client.submit("/admin/deadlines", {"step": "petition-answer", "limit_days": "25", "unit": "working",
                                       "effective_from": "2027-01-01", "note": note})
    assert _count(app, DeadlineSetting) == 1 and len(_audit(app, "set_deadline_setting")) == 2


@pytest.mark.parametrize("change, message", [
    ({"limit_days": "0"}, "from 1 to 365"),
    ({"limit_days": "366"}, "from 1 to 365"),
    ({"limit_days": ""}, "from 1 to 365"),
    ({"limit_days": "mười"}, "Not a valid integer"),
    ({"unit": "weeks"}, "Not a valid choice"),
    ({"effective_from": ""}, "Enter the first day"),
    ({"note": ""}, "Cite the provincial decision"),
    ({"step": "no-such-step"}, "There is no time limit called"),
])
def test_bad_setting_input_is_refused_and_changes_nothing(app, client, admin, change, message):
    data = {"step": "petition-answer", "limit_days": "20", "unit": "working", "effective_from": "2027-01-01",
            "note": "Quyết định số 5/QĐ-UBND", **change}
    r = client.submit("/admin/deadlines", data)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert _count(app, DeadlineSetting) == 0 and _audit(app, "set_deadline_setting") == []


def test_deadline_table_shows_every_rule_with_its_status(client, admin):
    page = client.get("/admin/deadlines").get_data(as_text=True)
    table = page[page.index('id="rules"'):page.index('id="settings"')]
    assert table.count("<tr data-step=") == 20
    assert "2025-2026 amendment" in table and "provincial setting" in table and "set by law: read-only" in table
    assert "NĐ 124/2020/NĐ-CP, Art. 16, as amended by NĐ 155/2026/NĐ-CP" in table
    assert "from 01/07/2026" in table
