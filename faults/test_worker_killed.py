"""(b) An RQ worker killed (SIGKILL) in the middle of a sweep: the next run completes it,
no alert is lost, none is recorded or mailed twice."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from .conftest import ROOT, report

SWEEP_SELECT = """SELECT count(*) FROM deadlines d WHERE d.completed_on IS NULL AND d.paused_on IS NULL
  AND d.step NOT IN ('complaint2-filing') AND d.due_on <= :soon_until"""


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((tuple(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def test_worker_killed_mid_sweep(make_app, private_redis, tmp_path):
    from aiosmtpd.controller import Controller
    from sqlalchemy import text

    from petitions.extensions import db
    from petitions.jobs import get_queue
    from petitions.services.calendar import get_calendar
    from petitions.services.scale import seed_scale
    from petitions.web import local_today

    app = make_app("faults_worker", SWEEP_BATCH=10)
    with app.app_context():
        seed_scale(4000, today=local_today())
        soon = get_calendar().add_working_days(local_today(), app.config["ALERT_DUE_SOON_DAYS"])
        expected = db.session.scalar(text(SWEEP_SELECT), {"soon_until": soon})
        get_queue().empty()
    assert expected > 50, "too few running limits to interrupt a sweep"

    env = dict(os.environ, FLASK_APP="petitions", DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=private_redis.url, RQ_QUEUE=app.config["RQ_QUEUE"], SWEEP_BATCH="10",
               PETITIONS_INSTANCE=os.environ["PETITIONS_INSTANCE"], SECRET_KEY="faults-secret", MAIL_PORT="1",
               PYTHONPATH=str(ROOT))
    worker = subprocess.Popen([str(Path(sys.executable).parent / "flask"), "worker"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    with app.app_context():
        get_queue().enqueue("petitions.jobs.tasks.sweep_deadlines", job_timeout=3600)
    alerts_at_kill = 0
    deadline = time.time() + 120
    try:
        while time.time() < deadline:
            with app.app_context():
                alerts_at_kill = db.session.scalar(text("SELECT count(*) FROM alerts"))
                db.session.rollback()
            if alerts_at_kill >= 10:
                os.killpg(worker.pid, signal.SIGKILL)
                break
            time.sleep(0.01)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    assert 0 < alerts_at_kill < expected, f"the worker was not killed mid-sweep ({alerts_at_kill}/{expected})"
    with app.app_context():
        after_kill = db.session.scalar(text("SELECT count(*) FROM alerts"))

    # the next run: a sweep (what sweep-loop enqueues next), then a worker sends the mails
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    app.config["MAIL_PORT"] = port
    try:
        from rq import SimpleWorker

        from petitions.jobs import AppJob, redis_connection, use_app
        from petitions.jobs.tasks import sweep_deadlines
        with app.app_context():
            second = sweep_deadlines()
        use_app(app)
        for _ in range(3):  # jobs queued by the killed run and by this one; a rerun finds nothing new
            with app.app_context():
                conn = redis_connection()
                queue = get_queue(conn)
            SimpleWorker([queue], connection=conn, job_class=AppJob).work(burst=True, logging_level="WARNING")
        with app.app_context():
            stranded = db.session.scalar(text("SELECT count(*) FROM notifications WHERE status = 'pending'"))
            third = sweep_deadlines()
            # a mail whose send job died with the worker (killed between the commit and the
            # enqueue) is pending with no attempt: the sweep re-queues it once it is 2 minutes
            # old; this is that sweep's step, run now as if 3 minutes had passed
            from datetime import timedelta

            from rq import Queue

            from petitions.models.types import utcnow
            from petitions.services import alerts as alert_service
            late = alert_service.due_for_sending(utcnow() + timedelta(minutes=3))
            if late:
                get_queue(conn).enqueue_many([Queue.prepare_data(alert_service.SEND_JOB, args=(i,), timeout=300)
                                              for i in late])
        SimpleWorker([queue], connection=conn, job_class=AppJob).work(burst=True, logging_level="WARNING")
    finally:
        controller.stop()
    with app.app_context():
        q = lambda sql: db.session.scalar(text(sql))  # noqa: E731
        alerts = q("SELECT count(*) FROM alerts")
        duplicate_alerts = q("SELECT count(*) FROM (SELECT deadline_id, due_on, level FROM alerts "
                             "GROUP BY 1, 2, 3 HAVING count(*) > 1) x")
        without_notes = q("SELECT count(*) FROM alerts a WHERE NOT EXISTS "
                          "(SELECT 1 FROM notifications n WHERE n.alert_id = a.id)")
        mailed = q("SELECT count(*) FROM notifications WHERE alert_id IS NOT NULL AND email IS NOT NULL "
                   "AND status <> 'digest'")
        sent = q("SELECT count(*) FROM notifications WHERE alert_id IS NOT NULL AND status = 'sent'")
    per_mail = Counter(box.messages)
    report("RQ worker killed (SIGKILL) in the middle of a sweep", {
        "limits due soon or past due": expected, "alerts when killed": alerts_at_kill,
        "alerts after the kill": after_kill, "next sweep recorded": second["alerts"],
        "third sweep recorded": third["alerts"], "mails still pending after the next run": stranded,
        "re-queued by the catch-up 2 minutes later": len(late), "alerts in all": alerts, "duplicate alerts": duplicate_alerts,
        "alerts without notifications": without_notes, "mails due": mailed, "notifications sent": sent,
        "mails received": len(box.messages), "mails received twice": sum(1 for n in per_mail.values() if n > 1)})
    assert alerts == expected, "an alert was lost"
    assert after_kill + second["alerts"] == expected
    assert third["alerts"] == 0
    assert duplicate_alerts == 0 and without_notes == 0
    assert sent == mailed == len(box.messages), "a mail was lost or sent twice"
    assert all(n == 1 for n in per_mail.values()), "a mail was sent twice"
