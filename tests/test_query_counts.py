"""No N+1 on the list pages: each page issues the same number of SQL statements with 5
rows as with 25 (counted with SQLAlchemy's ``before_cursor_execute`` on the engine)."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from petitions.extensions import db

from .conftest import valid_letter

LATER = 60  # days after filing: every letter-handling limit has passed


@contextmanager
def counting(app):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def page_queries(app, client, url: str, headers=None) -> tuple[int, str]:
    with counting(app) as statements:
        r = client.get(url, headers=headers or {})
    assert r.status_code == 200, (url, r.status_code)
    return len(statements), r.get_data(as_text=True)


def file_letters(client, commune: str, n: int) -> list[str]:
    codes = []
    for i in range(n):
        kind = ("complaint", "denunciation", "petition")[i % 3]
        body = valid_letter(kind, commune, title=f"Đơn số {i} về đường giao thông")
        body["petitioner"] = dict(body["petitioner"], id_number=f"0401234{i:05d}")
        r = client.post("/api/v1/cases", json=body)
        assert r.status_code == 201, r.get_json()
        codes.append(r.get_json()["tracking_code"])
    return codes


def assert_flat(app, client, grow, url: str, marker, headers=None):
    """``grow(n)`` adds n rows; the page's statement count must not rise from 5 to 25 rows,
    and the page must show the 25 (``marker(body)`` counts them)."""
    grow(5)
    few, body = page_queries(app, client, url, headers)
    assert marker(body) >= 5, f"{url} does not show the 5 rows"
    grow(20)
    many, body = page_queries(app, client, url, headers)
    assert marker(body) >= 25, f"{url} does not show the 25 rows"
    assert many <= few, f"{url}: {few} statements with 5 rows, {many} with 25 (N+1)"
    return few


@pytest.fixture
def desk(app, client, agencies, make_officer):
    """A reception officer of the first commune's agency, signed in."""
    make_officer("letan", ["reception"], agencies["agency_a"])
    make_officer("truong", ["head"], agencies["agency_a"])
    client.login("letan")
    return client


def _codes_shown(codes):
    def marker(body):
        return sum(1 for c in codes if c in body or f"{c[:5]}-{c[5:]}" in body)
    return marker


def test_officer_queue(app, desk, agencies):
    codes: list[str] = []
    assert_flat(app, desk, lambda n: codes.extend(file_letters(desk, agencies["commune_a"], n)), "/officer/",
                _codes_shown(codes))


def test_officer_api_case_list(app, client, agencies, make_officer):
    from petitions.models import User
    from petitions.services.tokens import issue_token
    make_officer("letan", ["reception"], agencies["agency_a"])
    with app.app_context():
        token = issue_token(db.session.scalar(db.select(User).where(User.username == "letan")))
        db.session.commit()
    codes: list[str] = []
    assert_flat(app, client, lambda n: codes.extend(file_letters(client, agencies["commune_a"], n)),
                "/api/v1/officer/cases", _codes_shown(codes), headers={"Authorization": f"Bearer {token}"})


def test_notifications(app, desk, agencies):
    from petitions.services.alerts import sweep
    codes: list[str] = []

    def grow(n):
        codes.extend(file_letters(desk, agencies["commune_a"], n))
        with app.app_context():
            sweep(date.today() + timedelta(days=LATER))
            db.session.commit()
    assert_flat(app, desk, grow, "/officer/notifications", _codes_shown(codes))


def test_inspect_overdue_and_figure_lists(app, client, agencies, make_officer):
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    client.login("thanhtra")
    codes: list[str] = []

    def grow(n):  # filed today, looked at two months later
        app.config["TODAY"] = None
        codes.extend(file_letters(client, agencies["commune_a"], n))
        app.config["TODAY"] = date.today() + timedelta(days=LATER)
    assert_flat(app, client, grow, "/inspect/overdue", _codes_shown(codes))
    few, _ = page_queries(app, client, "/inspect/")
    grow(25)
    many, _ = page_queries(app, client, "/inspect/")
    assert many <= few, f"/inspect/: {few} statements, then {many} with more cases"
    year = date.today().year
    url = f"/inspect/cases?figure=letters_total&start={year}-01-01&end={year + 1}-12-31"
    few, body = page_queries(app, client, url)
    grow(10)
    many, body = page_queries(app, client, url)
    assert many <= few, f"{url}: {few} statements, then {many} with more cases"


def test_public_statistics(app, client, agencies):
    counts = []
    for n in (5, 20):
        file_letters(client, agencies["commune_a"], n)
        counts.append(page_queries(app, client, "/statistics")[0])
    assert counts[1] <= counts[0], counts


def test_urgings(app, client, agencies, make_officer):
    from petitions.models import Case, Urging, User
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    file_letters(client, agencies["commune_a"], 3)
    client.login("thanhtra")

    def grow(n):
        with app.app_context():
            me = db.session.scalar(db.select(User).where(User.username == "thanhtra"))
            cases = db.session.scalars(db.select(Case)).all()
            for i in range(n):
                db.session.add(Urging(sent_on=date.today(), created_by_id=me.id, agency_id=cases[0].agency_id,
                                      message=f"Đôn đốc giải quyết số {i}", reply_due_on=date.today() + timedelta(10),
                                      cases=cases))
            db.session.commit()
    assert_flat(app, client, grow, "/officer/urgings", lambda body: len(re.findall(r'href="/officer/urgings/\d+"', body)))


def test_exports_list(app, client, agencies, make_officer):
    from werkzeug.datastructures import MultiDict

    from petitions.models import User
    from petitions.services import exports
    make_officer("truong", ["head"], agencies["agency_a"])
    client.login("truong")

    def grow(n):
        with app.test_request_context():
            me = db.session.scalar(db.select(User).where(User.username == "truong"))
            params = exports.parse_report_args(MultiDict(), me, date.today())
            for _ in range(n):
                exports.start_case_export(me, params, "letters_total", "xlsx")
            db.session.commit()
    # the page lists the latest 20
    grow(5)
    few, body = page_queries(app, client, "/exports/")
    assert len(re.findall(r'href="/exports/\d+"', body)) == 5
    grow(15)
    many, body = page_queries(app, client, "/exports/")
    assert len(re.findall(r'href="/exports/\d+"', body)) == 20
    assert many <= few, f"/exports/: {few} statements with 5 exports, {many} with 20 (N+1)"


def test_engage_agency_lists(app, client, agencies, make_officer):
    from petitions.models import Agency, Dialogue, ReceptionSession, User
    make_officer("truong", ["head"], agencies["agency_a"])
    client.login("truong")

    def grow(n):
        with app.app_context():
            head = db.session.scalar(db.select(User).where(User.username == "truong"))
            for i in range(n):
                day = date.today() - timedelta(days=i)
                db.session.add(ReceptionSession(agency_id=head.agency_id, chair_id=head.id, held_on=day,
                                                place=f"Phòng tiếp dân {i}", created_by_id=head.id))
                db.session.add(Dialogue(agency_id=head.agency_id, head_id=head.id, held_on=day,
                                        topic=f"Đối thoại chủ đề {i}", participants="Nhân dân", issues="Đất đai",
                                        created_by_id=head.id))
            db.session.commit()
    with app.app_context():
        code = db.session.get(Agency, agencies[agencies["agency_a"]]).code
    assert_flat(app, client, grow, f"/engage/agencies/{code}?year={date.today().year}",
                lambda body: min(body.count("Phòng tiếp dân"), body.count("Đối thoại chủ đề")))


def test_voter_meetings_list(app, client, agencies, make_officer):
    from petitions.models import AdminUnit, User, VoterMeeting
    make_officer("letan", ["reception"], "UBND-TINH")
    client.login("letan")

    def grow(n):
        with app.app_context():
            me = db.session.scalar(db.select(User).where(User.username == "letan"))
            communes = db.session.scalars(db.select(AdminUnit).where(AdminUnit.level == "commune").limit(n)).all()
            for i in range(n):
                db.session.add(VoterMeeting(held_on=date.today() - timedelta(days=i), place=f"Hội trường xóm {i}",
                                            commune_id=communes[i % len(communes)].id, deputies="Đại biểu A",
                                            front_committee="MTTQ", council_session=f"Kỳ họp thứ {i % 3 + 1}",
                                            created_by_id=me.id))
            db.session.commit()
    assert_flat(app, client, grow, "/voters/", lambda body: body.count("Hội trường xóm"))
    few, _ = page_queries(app, client, "/voters/sessions")
    grow(10)
    many, _ = page_queries(app, client, "/voters/sessions")
    assert many <= few
