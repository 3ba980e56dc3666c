"""Deadline alerts: a real RQ worker on the real Redis, a real SMTP server on loopback."""
from __future__ import annotations

import threading
from datetime import date, timedelta

from petitions.extensions import db
from petitions.models import Alert, Case, Notification, User
from petitions.models.types import utcnow
from petitions.services import alerts

from .conftest import Client, valid_letter

EMAILS = {"tiepdan": "tiepdan@xa.gov.vn", "chutich": "chutich@xa.gov.vn", "chutich.tinh": "chutich@nghean.gov.vn",
          "thanhtra": "thanhtra@nghean.gov.vn"}


def staff(app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("chutich.tinh", ["head"], "UBND-TINH")   # the commune's supervising agency
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    with app.app_context():
        for user in db.session.scalars(db.select(User)):
            user.email = EMAILS.get(user.username)
        db.session.commit()


def file(client, app, agencies, kind="complaint", day="2026-08-03", filer_email=False, **extra) -> str:
    """A letter filed through the API; without the filer's e-mail unless asked, so that the
    mails counted are the officers' alerts (a filer with an address is mailed the receipt)."""
    app.config["TODAY"] = date.fromisoformat(day)
    body = valid_letter(kind, agencies["commune_a"], **extra)
    if not filer_email:
        body["petitioner"] = {k: v for k, v in body["petitioner"].items() if k != "email"}
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 201
    return r.get_json()["tracking_code"]


def sweep_now(app, run_worker, day: str):
    """What the recurring trigger does: enqueue the sweep; then a worker runs the queue."""
    app.config["TODAY"] = date.fromisoformat(day)
    from petitions.jobs import get_queue
    with app.app_context():
        get_queue().enqueue("petitions.jobs.tasks.sweep_deadlines")
    run_worker()


def mails_to(smtp, address):
    return [m for m in smtp.messages if address in m["to"]]


def test_sweep_mails_the_right_people_in_vietnamese_once(client, app, agencies, make_officer, smtp, run_worker):
    staff(app, agencies, make_officer)
    code = file(client, app, agencies)  # Mon 3/8/2026: acceptance due Wed 12/8, letter handling Mon 17/8
    sweep_now(app, run_worker, "2026-08-12")
    # acceptance due today -> the desk (no handler yet) and the head; letter handling due in
    # 3 working days (13, 14, 17/8) -> due soon -> the desk
    assert sorted(m["subject"].split("]")[0] for m in mails_to(smtp, EMAILS["tiepdan"])) == \
        ["[Sắp đến hạn", "[Đến hạn hôm nay"]
    (head_mail,) = mails_to(smtp, EMAILS["chutich"])
    assert head_mail["subject"].startswith("[Đến hạn hôm nay]")
    assert "12/08/2026" in head_mail["body"] and f"http://petitions.test/officer/cases/{code}" in head_mail["body"]
    assert "Thời hạn kết thúc hôm nay" in head_mail["body"]
    assert not mails_to(smtp, EMAILS["chutich.tinh"]) and not mails_to(smtp, EMAILS["thanhtra"])
    assert "Nguyễn Văn An" not in head_mail["body"] and "040123456789" not in head_mail["body"]
    assert head_mail["mail_from"] == "no-reply@nghean.gov.vn" and "tỉnh Nghệ An" in head_mail["from"]
    count = len(smtp.messages)
    sweep_now(app, run_worker, "2026-08-12")  # the same day again: nothing new
    assert len(smtp.messages) == count == 3
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Alert)) == 2


def test_overdue_escalates_to_the_supervisor_then_the_inspectorate(client, app, agencies, make_officer, smtp,
                                                                    run_worker):
    staff(app, agencies, make_officer)
    file(client, app, agencies)
    sweep_now(app, run_worker, "2026-08-13")  # acceptance (due 12/8) now overdue
    overdue = [m for m in smtp.messages if m["subject"].startswith("[Quá hạn]")]
    assert sorted(r for m in overdue for r in m["to"]) == sorted(
        [EMAILS["tiepdan"], EMAILS["chutich"], EMAILS["chutich.tinh"]])
    smtp.messages.clear()
    # 10 working days after 12/8 is 26/8: on 27/8 the acceptance is long overdue
    sweep_now(app, run_worker, "2026-08-27")
    long = [m for m in smtp.messages if m["subject"].startswith("[Quá hạn lâu]")]
    assert {r for m in long for r in m["to"]} >= {EMAILS["thanhtra"], EMAILS["chutich.tinh"]}


def test_overdue_denunciation_goes_to_the_inspectorate_at_once(client, app, agencies, make_officer, smtp,
                                                               run_worker):
    staff(app, agencies, make_officer)
    file(client, app, agencies, kind="denunciation")  # initial processing: 7 working days -> 12/8
    sweep_now(app, run_worker, "2026-08-13")
    overdue = [m for m in smtp.messages if m["subject"].startswith("[Quá hạn]")]
    assert EMAILS["thanhtra"] in {r for m in overdue for r in m["to"]}
    assert all("Nguyễn Văn An" not in m["body"] for m in smtp.messages)


def test_two_sweeps_at_once_record_each_alert_once(client, app, agencies, make_officer, smtp, run_worker):
    staff(app, agencies, make_officer)
    for _ in range(5):
        file(client, app, agencies)
    errors = []
    barrier = threading.Barrier(2, timeout=20)

    def work():
        with app.app_context():
            try:
                barrier.wait()
                alerts.sweep(date(2026, 8, 12))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Alert)) == 10
        # 5 x (due soon -> desk) + 5 x (due today -> desk and head)
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 15
    run_worker()
    assert len(smtp.messages) == 15
    assert len({(tuple(m["to"]), m["subject"]) for m in smtp.messages}) == 15


def test_with_redis_down_filing_works_and_the_catch_up_sends_later(client, app, agencies, make_officer, smtp,
                                                                   run_worker):
    staff(app, agencies, make_officer)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there: Redis is down
    app.extensions.pop("petitions_redis_ok", None)
    code = file(client, app, agencies, kind="petition", filer_email=True)
    desk = Client(app)
    desk.login("tiepdan")
    app.config["TODAY"] = date(2026, 8, 4)
    html = desk.get(f"/officer/cases/{code}/actions/accept").get_data(as_text=True)
    import re
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    assert desk.submit(f"/officer/cases/{code}/actions/accept",
                       {"act_date": "2026-08-04", "version": version}).status_code == 302
    admin_view = Client(app)
    make_officer("admin", ["admin"], "UBND-TINH")
    admin_view.login("admin")
    assert 'data-testid="alerts-paused"' in admin_view.get("/officer/").get_data(as_text=True)
    with app.app_context():
        # the filer's mails wait: the receipt at filing and the acceptance
        notes = db.session.scalars(db.select(Notification).order_by(Notification.id)).all()
        assert [(n.status, n.email) for n in notes] == [("pending", "an@example.org")] * 2
        for note in notes:
            note.created_at = utcnow() - timedelta(minutes=30)  # written half an hour ago
        db.session.commit()
    # Redis is back: the next sweep sends what waited and what fell due meanwhile
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    app.extensions.pop("petitions_redis_ok", None)
    sweep_now(app, run_worker, "2026-08-20")
    assert [m["to"] for m in smtp.messages if m["to"] == ["an@example.org"]] == [["an@example.org"]] * 2
    receipt, filer = sorted(mails_to(smtp, "an@example.org"), key=lambda m: "Đã thụ lý" in m["body"])
    assert "đã được tiếp nhận" in receipt["subject"] and "không ghi mã truy cập" in receipt["body"]
    assert code[:5] in filer["subject"] and "Đã thụ lý" in filer["body"]
    assert "/track?code=" in filer["body"] and "040123456789" not in filer["body"]


def test_smtp_down_then_back_retries_and_a_lasting_failure_is_shown(client, app, agencies, make_officer,
                                                                     run_worker):
    staff(app, agencies, make_officer)
    file(client, app, agencies)
    sweep_now(app, run_worker, "2026-08-12")  # MAIL_PORT 1: the SMTP server is down
    with app.app_context():
        notes = db.session.scalars(db.select(Notification)).all()
        # failed: retried after the back-off (the outbox, issue 19)
        assert notes and all(n.status == "failed" and n.attempts == 1 and n.last_error for n in notes)
        assert all(n.next_attempt_at > utcnow() for n in notes)  # backing off
        for n in notes:
            n.next_attempt_at = utcnow() - timedelta(seconds=1)
            n.attempts = app.config["MAIL_MAX_ATTEMPTS"] - 1
        db.session.commit()
    sweep_now(app, run_worker, "2026-08-12")  # the last attempt fails too
    with app.app_context():
        # given up: the dead-letter list
        assert {n.status for n in db.session.scalars(db.select(Notification))} == {"dead"}
    make_officer("admin", ["admin"], "UBND-TINH")
    admin = Client(app)
    admin.login("admin")
    page = admin.get("/admin/alerts").get_data(as_text=True)
    assert EMAILS["chutich"] in page and "ConnectionRefusedError" in page


def explode():
    raise RuntimeError("a broken job")


def test_a_job_that_raises_does_not_stop_the_others(client, app, agencies, make_officer, smtp, run_worker):
    staff(app, agencies, make_officer)
    file(client, app, agencies)
    from petitions.jobs import get_queue
    with app.app_context():
        get_queue().enqueue("tests.test_alerts.explode")
    sweep_now(app, run_worker, "2026-08-12")
    from rq.registry import FailedJobRegistry
    with app.app_context():
        assert FailedJobRegistry(queue=get_queue()).count == 1
    assert len(smtp.messages) == 3


def test_officer_sees_alerts_in_the_application_with_an_unread_count(client, app, agencies, make_officer, smtp,
                                                                      run_worker):
    staff(app, agencies, make_officer)
    code = file(client, app, agencies)
    sweep_now(app, run_worker, "2026-08-12")
    head = Client(app)
    head.login("chutich")
    page = head.get("/officer/").get_data(as_text=True)
    assert 'data-testid="notifications"' in page and '<span class="badge overdue">1</span>' in page
    listing = head.get("/officer/notifications").get_data(as_text=True)
    assert code[:5] in listing
    with app.app_context():
        nid = db.session.scalar(db.select(Notification.id).join(User).where(User.username == "chutich"))
    r = head.post(f"/officer/notifications/{nid}/open", data={"csrf_token": head.csrf("/officer/notifications")})
    assert r.status_code == 302 and code in r.headers["Location"]
    assert '<span class="badge overdue">' not in head.get("/officer/").get_data(as_text=True).split("</nav>")[0]


def test_daily_digest_sends_one_mail(client, app, agencies, make_officer, smtp, run_worker):
    staff(app, agencies, make_officer)
    desk = Client(app)
    desk.login("tiepdan")
    r = desk.post("/officer/notifications/digest", data={"csrf_token": desk.csrf("/officer/notifications"),
                                                         "digest": "y"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.username == "tiepdan")).alert_digest
    for _ in range(3):
        file(client, app, agencies)
    app.config["DIGEST_HOUR"] = 24  # not yet the hour of the digest
    sweep_now(app, run_worker, "2026-08-12")
    assert not mails_to(smtp, EMAILS["tiepdan"])  # waits for the digest
    app.config["DIGEST_HOUR"] = 0  # the hour has come: the next sweeps send it, once
    sweep_now(app, run_worker, "2026-08-12")
    sweep_now(app, run_worker, "2026-08-12")
    app.config["DIGEST_HOUR"] = 7
    (digest,) = mails_to(smtp, EMAILS["tiepdan"])
    assert digest["body"].count("[") == 6  # 3 letters x (due soon, due today)
    with app.app_context():
        assert not db.session.scalars(db.select(Notification).where(Notification.status == "digest")).all()
        assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 3
