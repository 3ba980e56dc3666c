"""Filing with the reference data kept per process (issue 18, services/refdata.py): what an
administrator changes reaches every process at once, and the tracking code's uniqueness is
left to the unique index (a collision files the letter again with a new code)."""
from __future__ import annotations

from datetime import date

import pytest
import redis
from rq import Queue

from petitions.extensions import db

from .conftest import valid_letter

CONFIG_KEYS = ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "UPLOAD_FOLDER", "SQLITE_SYNCHRONOUS",
               "RQ_QUEUE", "RATELIMIT_STORAGE_PREFIX", "REDIS_URL", "BASE_URL", "MAIL_SERVER", "MAIL_PORT",
               "MAIL_TIMEOUT", "ARGON2_PARAMS", "STATISTICS_REFRESH_SECONDS", "REDIS_PREFIX",
               "REFDATA_RECHECK_SECONDS")


@pytest.fixture
def other_process(app):
    """A second application on the same database and Redis: another gunicorn worker, with
    reference data of its own."""
    from petitions import create_app
    other = create_app({k: app.config[k] for k in CONFIG_KEYS if k in app.config})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _file(client, commune: str, n: int = 0) -> dict:
    body = valid_letter("complaint", commune)
    body["petitioner"] = dict(body["petitioner"], id_number=f"0401{n:08d}")
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _admin(app, make_officer, agency_code: str):
    from petitions.models import User
    uid = make_officer("quantri", ["admin"], agency_code)
    return db.session.get(User, uid)


def test_filing_sees_a_calendar_day_recorded_in_another_process(app, other_process, agencies, make_officer):
    from petitions.services.calendar import set_calendar_day
    worker = other_process.test_client()
    first = _file(worker, agencies["commune_a"], 1)  # this worker now keeps the calendar
    due = date.fromisoformat(first["handling_due_on"])
    assert _file(worker, agencies["commune_a"], 2)["handling_due_on"] == first["handling_due_on"]
    with app.app_context():  # the administrator, served by the other worker
        set_calendar_day(due, "day_off", "Quyết định nghỉ bù (thử)", by=_admin(app, make_officer, agencies["agency_a"]))
        db.session.commit()
    later = _file(worker, agencies["commune_a"], 3)
    assert date.fromisoformat(later["handling_due_on"]) > due


def test_public_form_lists_an_agency_renamed_in_another_process(app, other_process, agencies):
    from petitions.models import Agency
    worker = other_process.test_client()
    with app.app_context():
        agency = db.session.scalar(db.select(Agency).where(Agency.level == "province").order_by(Agency.id.desc()))
        old_name, code = agency.name, agency.code
    assert old_name in worker.get("/file/complaint").get_data(as_text=True)
    with app.app_context():
        db.session.scalar(db.select(Agency).where(Agency.code == code)).name = "Sở Thử Nghiệm Đổi Tên"
        db.session.commit()
    try:
        page = worker.get("/file/complaint").get_data(as_text=True)
        assert "Sở Thử Nghiệm Đổi Tên" in page and old_name not in page
        with other_process.test_request_context("/"):
            from petitions.services import refdata
            assert refdata.agency_by_code(code).name == "Sở Thử Nghiệm Đổi Tên"
    finally:
        with app.app_context():
            db.session.scalar(db.select(Agency).where(Agency.code == code)).name = old_name
            db.session.commit()


def test_a_change_reaches_another_process_within_its_recheck_time_and_the_changing_one_at_once(app, agencies):
    """Production reads the stamp at most every REFDATA_RECHECK_SECONDS (0.1 s): a change
    made elsewhere is seen once that time has passed since this process last read it; the
    process that made the change sees it at once (0.5 s here, for a test that cannot race)."""
    import time

    from petitions import create_app
    from petitions.models import Agency
    config = {k: app.config[k] for k in CONFIG_KEYS if k in app.config}
    config["REFDATA_RECHECK_SECONDS"] = 0.5
    worker, admin = create_app(dict(config)), create_app(dict(config))
    with app.app_context():
        agency = db.session.scalar(db.select(Agency).where(Agency.level == "province").order_by(Agency.id.desc()))
        old_name, code = agency.name, agency.code
    try:
        page = worker.test_client().get("/file/complaint").get_data(as_text=True)
        read_at = time.monotonic()
        assert old_name in page
        with admin.test_request_context("/"):
            db.session.scalar(db.select(Agency).where(Agency.code == code)).name = "Sở Đổi Tên Lúc Này"
            db.session.commit()
            from petitions.services import refdata
            assert refdata.agency_by_code(code).name == "Sở Đổi Tên Lúc Này"  # the changing process: at once
        if time.monotonic() - read_at < 0.4:  # inside the window: the kept list, no read of Redis
            assert old_name in worker.test_client().get("/file/complaint").get_data(as_text=True)
        time.sleep(max(0.0, read_at + 0.55 - time.monotonic()))
        page = worker.test_client().get("/file/complaint").get_data(as_text=True)
        assert "Sở Đổi Tên Lúc Này" in page and old_name not in page
    finally:
        with app.app_context():
            db.session.scalar(db.select(Agency).where(Agency.code == code)).name = old_name
            db.session.commit()
        for made in (worker, admin):
            with made.app_context():
                db.session.remove()
                db.engine.dispose()


def test_public_form_lists_a_commune_added_by_a_bulk_statement(app, other_process, agencies):
    """A write the unit of work does not see (a statement sent through the session) moves
    the stamp too."""
    from petitions.models import AdminUnit
    worker = other_process.test_client()
    assert "Xã Thử Nghiệm Mới" not in worker.get("/file/complaint").get_data(as_text=True)
    with app.app_context():
        db.session.execute(db.insert(AdminUnit), [{"code": "99999", "name": "Xã Thử Nghiệm Mới",
                                                   "division_type": "xã", "level": "commune"}])
        db.session.commit()
    try:
        assert "Xã Thử Nghiệm Mới" in worker.get("/file/complaint").get_data(as_text=True)
    finally:
        with app.app_context():
            db.session.execute(db.delete(AdminUnit).where(AdminUnit.code == "99999"))
            db.session.commit()


def test_filing_without_redis_reads_the_reference_data_every_time(app, client, agencies, make_officer):
    from petitions.services.calendar import set_calendar_day
    first = _file(client, agencies["commune_a"], 1)
    due = date.fromisoformat(first["handling_due_on"])
    saved = app.extensions.get("petitions_refdata_redis")
    app.extensions["petitions_refdata_redis"] = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    try:
        assert _file(client, agencies["commune_a"], 2)["handling_due_on"] == first["handling_due_on"]
        with app.app_context():
            set_calendar_day(due, "day_off", "Quyết định nghỉ bù (thử)",
                             by=_admin(app, make_officer, agencies["agency_a"]))
            db.session.commit()
        assert date.fromisoformat(_file(client, agencies["commune_a"], 3)["handling_due_on"]) > due
    finally:
        app.extensions["petitions_refdata_redis"] = saved


def test_filing_files_again_when_the_tracking_code_is_taken(app, client, agencies, monkeypatch):
    from petitions.models import Case, Notification
    from petitions.services import codes
    taken = _file(client, agencies["commune_a"], 1)["tracking_code"]
    fresh = iter([taken, taken, "ABCDE12345"])
    monkeypatch.setattr(codes, "new_tracking_code", lambda: next(fresh))
    got = _file(client, agencies["commune_a"], 2)
    assert got["tracking_code"] == "ABCDE12345"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Case.id))) == 2
        # one receipt mail for the letter filed on the third try (none of the rolled-back
        # tries), and one delivery job queued for the waiting receipts (services/outbox.py kick)
        notes = db.session.scalars(db.select(Notification).where(Notification.data["event"].as_string() == "receive")
                                   .order_by(Notification.id)).all()
        assert len(notes) == 2 and {n.case_id for n in notes} == set(db.session.scalars(db.select(Case.id)))
        from petitions.jobs import redis_connection
        jobs = Queue(app.config["RQ_QUEUE"], connection=redis_connection()).jobs
        assert [j.func_name for j in jobs] == ["petitions.jobs.tasks.deliver_waiting"]
        from petitions.services.outbox import waiting
        assert waiting() == [n.id for n in notes]
    r = client.get(f"/api/v1/cases/{got['tracking_code']}", headers={"X-Access-Key": got["access_key"]})
    assert r.status_code == 200 and r.get_json()["title"] == "Đơn thử nghiệm"


def test_filing_other_integrity_errors_are_not_retried(app, agencies):
    from sqlalchemy.exc import IntegrityError

    from petitions.services.intake import with_code_retry
    calls = []

    def attempt():
        calls.append(1)
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: parties.id_number_digest"))
    with app.app_context(), pytest.raises(IntegrityError):
        with_code_retry(attempt)
    assert len(calls) == 1


def test_filing_only_writes(app, client, agencies):
    """The API filing writes the case, its event, limits, filer, summary row and receipt mail,
    and reads nothing (reference data from the process, no look-up of the code): ONE
    statement on PostgreSQL (services/newcase.py), one INSERT per table on SQLite."""
    import re
    from .test_query_counts import counting
    _file(client, agencies["commune_a"], 1)  # the process's reference data are built
    with counting(app) as statements:
        _file(client, agencies["commune_a"], 2)
    with app.app_context():
        dialect = db.engine.dialect.name
    wanted = {"cases", "case_events", "deadlines", "parties", "report_days", "notifications"}
    if dialect == "postgresql":
        assert len(statements) == 1 and statements[0].lstrip().startswith("WITH new_case AS"), statements
        assert set(re.findall(r"INSERT INTO (\w+)", statements[0])) == wanted
        return
    assert all(s.lstrip().upper().startswith("INSERT") for s in statements), statements
    tables = {re.match(r"\s*INSERT INTO (\w+)", s).group(1) for s in statements}
    assert tables == wanted


def test_a_change_whose_stamp_could_not_move_leaves_this_process_working(app, client, agencies):
    """Redis refused the stamp's INCR after a change: this process forgets its copies (the
    others cannot be told) and its next filings still work."""
    import redis as redis_lib

    from petitions.models import Agency
    _file(client, agencies["commune_a"], 41)  # this process keeps the reference data
    with app.app_context():
        app.extensions["petitions_refdata_redis"] = redis_lib.Redis(port=1, socket_connect_timeout=0.2)
        try:
            agency = db.session.scalar(db.select(Agency).where(Agency.level == "province"))
            old_name = agency.name
            agency.name = old_name + " (tạm)"
            db.session.commit()  # the INCR after it fails
        finally:
            app.extensions.pop("petitions_refdata_redis", None)
        assert "petitions_refdata" not in app.extensions
    _file(client, agencies["commune_a"], 42)
    with app.app_context():
        db.session.scalar(db.select(Agency).where(Agency.level == "province", Agency.name == old_name + " (tạm)")) \
            .name = old_name
        db.session.commit()


def test_a_stamp_lost_with_redis_data_never_comes_back_to_a_value_a_process_holds(app, other_process, agencies):
    """Redis lost its data (a restart without persistence, a FLUSHALL) after a worker kept the
    lists under the stamp: the next change must still reach that worker. Counting again from
    0 brought the stamp back to the value the worker held, and it kept the old name."""
    from petitions.models import Agency
    from petitions.services import refdata
    worker = other_process.test_client()
    with app.test_request_context("/"):
        refdata._redis().delete(refdata._version_key())  # a new Redis: counting from 0 gives 1 below
    with app.app_context():
        agency = db.session.scalar(db.select(Agency).where(Agency.level == "province").order_by(Agency.id))
        code, old_name = agency.code, agency.name
        agency.name = "Sở Tên Thứ Nhất"
        db.session.commit()
    try:
        assert "Sở Tên Thứ Nhất" in worker.get("/file/complaint").get_data(as_text=True)
        with app.test_request_context("/"):
            assert refdata._redis().delete(refdata._version_key()) == 1  # Redis lost the stamp
        with app.app_context():
            db.session.scalar(db.select(Agency).where(Agency.code == code)).name = "Sở Tên Thứ Hai"
            db.session.commit()
        page = worker.get("/file/complaint").get_data(as_text=True)
        assert "Sở Tên Thứ Hai" in page and "Sở Tên Thứ Nhất" not in page
        with app.test_request_context("/"):
            assert int(refdata._redis().get(refdata._version_key())) > 1000  # started at random, not at 0
    finally:
        with app.app_context():
            db.session.scalar(db.select(Agency).where(Agency.code == code)).name = old_name
            db.session.commit()
