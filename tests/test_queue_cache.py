"""The officers' work queue kept per process under per-agency change stamps (issue 18, fourth
part; services/pagecache.py): after every kind of committed change, the next page shows it,
in this process, in another one on the same Redis, after Redis lost its keys, and without
Redis at all. Real Redis, real databases; what is asserted is what the officer sees."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import redis
from sqlalchemy import event

from petitions.extensions import db
from petitions.models import Case, Deadline, Party, Urging, User

from .conftest import Client, valid_letter
from .test_filing_refdata import other_process  # noqa: F401  (a second application, same DB and Redis)

DAY = date(2026, 8, 3)
NAME = "Phạm Thị Hồng Nhung"


@pytest.fixture
def officers(agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("thanhtra", ["inspector"], "TTR-TINH")


def _file(client, agencies, kind="complaint", **extra) -> str:
    r = client.post("/api/v1/cases", json=valid_letter(kind, agencies["commune_a"], **extra))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["tracking_code"]


def _signed_in(app, username) -> Client:
    http = Client(app)
    assert http.login(username).status_code == 302
    return http


def _page(http) -> str:
    r = http.get("/officer/")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _row(html: str, code: str) -> str:
    """The table row of one case ("" when it is not listed)."""
    link = f'href="/officer/cases/{code}"'
    if link not in html:
        return ""
    start = html.rindex("<tr>", 0, html.index(link))
    return html[start:html.index("</tr>", start)]


def _cells(html: str, code: str) -> list[str]:
    row = _row(html, code)
    assert row, code
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _total(html: str) -> int:
    return int(re.search(r'<p class="muted">(\d+) ', html).group(1))


def _statements(app, fn):
    """``fn()`` and the SQL statements it sent."""
    sent = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        sent.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        out = fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return out, sent


def _case(code) -> Case:
    return db.session.scalar(db.select(Case).where(Case.tracking_code == code))


def _user(name) -> User:
    return db.session.scalar(db.select(User).where(User.username == name))


def test_a_kept_page_is_one_statement_and_a_new_letter_shows_at_once(client, app, agencies, officers):
    app.config["TODAY"] = DAY
    first = _file(client, agencies)
    desk = _signed_in(app, "tiepdan")
    _page(desk)  # a stamp Redis did not have yet is set, and that page is not kept
    before = _page(desk)
    assert _row(before, first) and _total(before) == 1
    again, sent = _statements(app, lambda: _page(desk))
    assert len(sent) == 1, sent  # the officer, the roles, the session and the unread count
    assert again.split("</form>", 1)[1] == before.split("</form>", 1)[1]
    second = _file(client, agencies)  # filed by a citizen through the public API
    after = _page(desk)
    assert _row(after, second) and _row(after, first) and _total(after) == 2


def test_a_transition_changes_the_status_and_the_due_column(client, app, agencies, officers):
    app.config["TODAY"] = DAY
    code = _file(client, agencies)
    desk = _signed_in(app, "tiepdan")
    before = _cells(_page(desk), code)
    assert _cells(_page(desk), code) == before
    with app.app_context():
        from petitions.services.workflow import apply_transition
        apply_transition(_case(code), "accept", _user("chutich"), DAY, {}, today=DAY)
        db.session.commit()
    after = _cells(_page(desk), code)
    assert after[-2] != before[-2]  # the status label
    assert after[-1] != before[-1]  # the running limit: acceptance's, then handling's


def test_a_time_limit_changed_alone_moves_the_due_column(client, app, agencies, officers):
    """A limit changed without its case: _keep_next_due's own UPDATE of the case says its agency."""
    app.config["TODAY"] = DAY
    code = _file(client, agencies)
    desk = _signed_in(app, "tiepdan")
    before = _cells(_page(desk), code)
    _page(desk)
    with app.app_context():
        case_id = _case(code).id
        db.session.remove()
        for limit in db.session.scalars(db.select(Deadline).where(Deadline.case_id == case_id,
                                                                  Deadline.completed_on.is_(None))):
            limit.due_on = limit.due_on + timedelta(days=14)
        db.session.commit()
    after = _cells(_page(desk), code)
    assert after[-1] != before[-1]


def test_a_filers_name_changed_or_anonymised_changes_the_filer_cell(client, app, agencies, officers):
    app.config["TODAY"] = DAY
    code = _file(client, agencies, petitioner=dict(valid_letter("complaint", "x")["petitioner"], full_name=NAME))
    desk = _signed_in(app, "tiepdan")
    assert NAME in _cells(_page(desk), code)[4]
    _page(desk)
    with app.app_context():  # the party alone, its case not loaded
        case_id = _case(code).id
        db.session.remove()
        party = db.session.scalar(db.select(Party).where(Party.case_id == case_id))
        party.full_name = "Lê Văn Tâm"
        db.session.commit()
    assert "Lê Văn Tâm" in _cells(_page(desk), code)[4]
    with app.app_context():  # closed long ago: past the retention period
        case = _case(code)
        case.closed_on = date(2005, 1, 3)
        db.session.commit()
    assert "Lê Văn Tâm" in _cells(_page(desk), code)[4]
    with app.app_context():
        from petitions.services.retention import PLACEHOLDER, anonymise_expired
        assert anonymise_expired(DAY).cases == 1
        db.session.commit()
    filer = _cells(_page(desk), code)[4]
    assert "Lê Văn Tâm" not in filer and PLACEHOLDER in filer


def test_a_denunciations_title_is_redacted_for_who_may_not_see_the_identity(client, app, agencies, officers):
    app.config["TODAY"] = DAY
    code = _file(client, agencies, "denunciation", title=f"Tố cáo của {NAME} về cán bộ địa chính",
                 petitioner=dict(valid_letter("complaint", "x")["petitioner"], full_name=NAME))
    desk, head = _signed_in(app, "tiepdan"), _signed_in(app, "chutich")
    for _ in range(2):  # built, then kept: each officer's own page
        assert NAME not in _row(_page(desk), code)
        assert NAME in _row(_page(head), code)
        assert NAME not in _row(_page(desk), code)


def test_an_urging_shows_its_banner(client, app, agencies, officers):
    app.config["TODAY"] = DAY
    code = _file(client, agencies)
    desk = _signed_in(app, "tiepdan")
    assert "/officer/urgings/" not in _page(desk)
    _page(desk)
    with app.app_context():
        urging = Urging(sent_on=DAY, created_by_id=_user("thanhtra").id, agency_id=agencies[agencies["agency_a"]],
                        message="Đề nghị khẩn trương giải quyết.", reply_due_on=DAY + timedelta(days=7),
                        cases=[_case(code)])
        db.session.add(urging)
        db.session.commit()
        urging_id = urging.id
    html = _page(desk)
    assert f"/officer/urgings/{urging_id}" in html and "10/08/2026" in html
    with app.app_context():
        db.session.get(Urging, urging_id).replied_on = DAY
        db.session.commit()
    assert f"/officer/urgings/{urging_id}" not in _page(desk)


def test_a_calendar_day_off_changes_the_working_days_left(client, app, agencies, officers):
    app.config["TODAY"] = DAY
    code = _file(client, agencies)
    desk = _signed_in(app, "tiepdan")
    due = _cells(_page(desk), code)[-1]
    left = int(re.search(r"(\d+)", due.split(" ", 1)[1]).group(1))
    _page(desk)
    with app.app_context():
        from petitions.services.calendar import set_calendar_day
        set_calendar_day(DAY + timedelta(days=1), "day_off", "Nghỉ bù (thử)", by=_user("chutich"))
        db.session.commit()
    due = _cells(_page(desk), code)[-1]
    assert int(re.search(r"(\d+)", due.split(" ", 1)[1]).group(1)) == left - 1


def test_the_language_and_the_day_are_part_of_the_page(client, app, agencies, officers):
    app.config["TODAY"] = DAY
    code = _file(client, agencies)
    desk = _signed_in(app, "tiepdan")
    vi = _page(desk)
    assert "1 đơn" in vi
    desk.get("/lang/en")
    en = _page(desk)
    assert "1 letter" in en and "w.d. left" in _row(en, code)
    app.config["TODAY"] = DAY + timedelta(days=1)  # a new day: one working day fewer
    assert _cells(_page(desk), code)[-1] != _cells(en, code)[-1]
    desk.get("/lang/vi")
    assert "1 đơn" in _page(desk)


def test_a_change_through_another_application_is_seen_at_once(client, app, other_process, agencies,  # noqa: F811
                                                              officers):
    app.config["TODAY"] = other_process.config["TODAY"] = DAY
    code = _file(client, agencies)
    desk = _signed_in(other_process, "tiepdan")  # served by the other worker, which keeps the page
    before = _cells(_page(desk), code)
    _page(desk)
    with app.app_context():  # the head acts through this one
        from petitions.services.workflow import apply_transition
        apply_transition(_case(code), "accept", _user("chutich"), DAY, {}, today=DAY)
        db.session.commit()
    assert _cells(_page(desk), code)[-2] != before[-2]
    second = _file(Client(app), agencies)
    assert _row(_page(desk), second)


@pytest.fixture
def own_redis_db(app):
    """This test's own Redis database, which it may flush (db 0 is shared with others)."""
    url = app.config["REDIS_URL"].rsplit("/", 1)[0] + "/13"
    app.config["REDIS_URL"] = url  # conftest puts the usual one back after the test
    yield redis.Redis.from_url(url)


def test_redis_flushed_after_a_page_was_kept_serves_no_stale_page(client, app, agencies, officers, own_redis_db):
    app.config["TODAY"] = DAY
    first = _file(client, agencies)
    desk = _signed_in(app, "tiepdan")
    _page(desk), _page(desk)
    _, sent = _statements(app, lambda: _page(desk))
    assert len(sent) == 1  # kept
    own_redis_db.flushdb()  # Redis restarted empty: the stamps start again
    second = _file(client, agencies)
    html = _page(desk)
    assert _row(html, first) and _row(html, second) and _total(html) == 2
    own_redis_db.flushdb()
    third = _file(client, agencies)
    for _ in range(2):
        html = _page(desk)
        assert _row(html, third) and _total(html) == 3


def test_without_redis_every_page_is_built_and_correct(client, app, agencies, officers):
    app.config["TODAY"] = DAY
    first = _file(client, agencies)
    desk = _signed_in(app, "tiepdan")
    _page(desk)
    saved = app.extensions.get("petitions_refdata_redis")
    app.extensions["petitions_refdata_redis"] = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    try:
        html, sent = _statements(app, lambda: _page(desk))
        assert _row(html, first) and len(sent) > 1  # read from the database
        with app.app_context():
            from petitions.services.workflow import apply_transition
            apply_transition(_case(first), "accept", _user("chutich"), DAY, {}, today=DAY)
            db.session.commit()
        second = _file(client, agencies)
        html = _page(desk)
        assert _row(html, second) and _total(html) == 2
        assert _cells(html, first)[-2] != _cells(html, second)[-2]
    finally:
        if saved is None:
            app.extensions.pop("petitions_refdata_redis", None)
        else:
            app.extensions["petitions_refdata_redis"] = saved
    html = _page(desk)  # Redis back: the commits made meanwhile are on the page
    assert _total(html) == 2 and _cells(html, first)[-2] != _cells(html, second)[-2]


def test_a_case_forwarded_to_another_agency_leaves_the_first_queue(client, app, agencies, officers, make_officer):
    make_officer("tiepdan.b", ["reception"], agencies["agency_b"])
    app.config["TODAY"] = DAY
    code = _file(client, agencies)
    desk_a, desk_b = _signed_in(app, "tiepdan"), _signed_in(app, "tiepdan.b")
    assert _row(_page(desk_a), code) and not _row(_page(desk_b), code)
    _page(desk_a), _page(desk_b)
    with app.app_context():
        _case(code).agency_id = agencies[agencies["agency_b"]]
        db.session.commit()
    assert not _row(_page(desk_a), code) and _row(_page(desk_b), code)


def test_the_unread_badge_is_counted_for_each_page_even_a_kept_one(client, app, agencies, officers):
    from petitions.models import Notification
    app.config["TODAY"] = DAY
    _file(client, agencies)
    desk = _signed_in(app, "tiepdan")
    _page(desk), _page(desk)
    badge = re.compile(r'data-testid="notifications">[^<]*<span class="badge overdue">(\d+)</span>')
    assert not badge.search(_page(desk))
    with app.app_context():
        db.session.add(Notification(user_id=_user("tiepdan").id, kind="due_soon", subject="Sắp đến hạn",
                                    body="Đơn sắp đến hạn.", status="none"))
        db.session.commit()
    html, sent = _statements(app, lambda: _page(desk))
    assert len(sent) == 1 and badge.search(html).group(1) == "1"


def test_another_agencys_kept_page_stays_kept_when_a_letter_is_filed_and_handled(client, app, agencies, officers,
                                                                                 make_officer):
    """A filing and a transition move their own agency's stamp only (not the generation)."""
    make_officer("tiepdan.b", ["reception"], agencies["agency_b"])
    app.config["TODAY"] = DAY
    _file(client, agencies)
    desk_b = _signed_in(app, "tiepdan.b")
    _page(desk_b), _page(desk_b)
    code = _file(client, agencies)
    with app.app_context():
        from petitions.services.workflow import apply_transition
        apply_transition(_case(code), "accept", _user("chutich"), DAY, {}, today=DAY)
        db.session.commit()
    html, sent = _statements(app, lambda: _page(desk_b))
    assert len(sent) == 1 and not _row(html, code)
