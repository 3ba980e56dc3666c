"""The sweep writes alerts and notifications set-based and queues one send job per batch
of mails; the job renders and sends them, each claimed and marked sent on its own.
Real Redis, a real RQ worker, a real SMTP server on loopback."""
from __future__ import annotations

from datetime import date, timedelta

from petitions.extensions import db
from petitions.jobs import get_queue
from petitions.models import Notification
from petitions.models.types import utcnow
from petitions.services import alerts

from .test_alerts import EMAILS, file, mails_to, staff, sweep_now


def test_one_job_per_batch_and_the_listed_subject_is_the_mailed_subject(client, app, agencies, make_officer,
                                                                         smtp, run_worker):
    staff(app, agencies, make_officer)
    for _ in range(3):
        file(client, app, agencies)
    app.config["MAIL_JOB_SIZE"] = 4
    try:
        with app.app_context():
            result = alerts.sweep(date(2026, 8, 12))
            # 3 letters x (due soon -> desk, due today -> desk and head) = 9 mails, in jobs of 4
            assert result.notifications == 9
            jobs = get_queue().jobs
            assert [j.func_name for j in jobs] == [alerts.SEND_BATCH_JOB] * 3
            assert sorted(len(j.args[0]) for j in jobs) == [1, 4, 4]
            notes = db.session.scalars(db.select(Notification)).all()
            assert all(n.body == "" and n.status == "pending" for n in notes)  # rendered by the job
            listed = {(n.email, n.subject) for n in notes}
    finally:
        app.config.pop("MAIL_JOB_SIZE")
    run_worker()
    assert len(smtp.messages) == 9
    with app.app_context():  # the job stored the subject it rendered from mail/alert.txt
        assert {(n.email, n.subject) for n in db.session.scalars(db.select(Notification))} == listed
    # (compared without spaces: the stdlib's header folding drops a space between encoded words)
    assert {(m["to"][0], m["subject"].replace(" ", "")) for m in smtp.messages} == \
        {(email, subject.replace(" ", "")) for email, subject in listed}
    head = mails_to(smtp, EMAILS["chutich"])[0]
    assert head["subject"].startswith("[Đến hạn hôm nay]") and "12/08/2026" in head["subject"]
    assert "Thời hạn kết thúc hôm nay" in head["body"] and "/officer/cases/" in head["body"]
    soon = [m for m in mails_to(smtp, EMAILS["tiepdan"]) if m["subject"].startswith("[Sắp đến hạn]")][0]
    assert "3 ngày làm việc" in soon["body"]  # 13, 14, 17/8: counted when the alert was recorded
    with app.app_context():
        sent = db.session.scalars(db.select(Notification)).all()
        assert {n.status for n in sent} == {"sent"}
        assert all("/officer/cases/" in n.body for n in sent)  # the mail as sent is kept
        again = alerts.sweep(date(2026, 8, 12))  # a rerun: one statement finds nothing new
        assert (again.scanned, again.alerts, again.notifications) == (0, 0, 0)
        # the next day the acceptance limits (due 12/8) are overdue: a new level, found again;
        # letter handling (due 17/8) is still "due soon", already recorded
        nxt = alerts.sweep(date(2026, 8, 13))
        assert (nxt.scanned, nxt.alerts, dict(nxt.by_level)) == (3, 3, {"overdue": 3})
        get_queue().empty()


def test_a_batch_cut_short_sends_each_mail_once_and_loses_none(client, app, agencies, make_officer, smtp,
                                                               run_worker):
    staff(app, agencies, make_officer)
    for _ in range(2):
        file(client, app, agencies)
    with app.app_context():
        alerts.sweep(date(2026, 8, 12))
        get_queue().empty()  # the worker "died" before its job ran
        ids = list(db.session.scalars(db.select(Notification.id).order_by(Notification.id)))
        assert len(ids) == 6
        # a worker had claimed the first mail (lease) and was killed before sending it
        first = db.session.get(Notification, ids[0])
        first.next_attempt_at = utcnow() + timedelta(minutes=10)
        db.session.commit()
        # another worker sends the batch: the leased mail is left alone, the others go
        assert alerts.send_notifications(ids) == {"skipped": 1, "sent": 5}
        assert alerts.send_notifications(ids) == {"skipped": 6}  # the batch again: nothing twice
    assert len(smtp.messages) == 5
    with app.app_context():
        first = db.session.get(Notification, ids[0])
        first.next_attempt_at = utcnow() - timedelta(seconds=1)  # the lease ran out
        db.session.commit()
    sweep_now(app, run_worker, "2026-08-12")  # the catch-up finds it, in a batch job
    assert len(smtp.messages) == 6
    assert len({(m["to"][0], m["subject"]) for m in smtp.messages}) == 6
    with app.app_context():
        assert {n.status for n in db.session.scalars(db.select(Notification))} == {"sent"}
