"""(c) Redis restarted while citizens file: filing goes on (jobs are enqueued after the
commit, and a failed enqueue is only logged; rate limits fall back to memory), and alerts
recorded while Redis was down are mailed once it is back."""
from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from datetime import date, timedelta

from .conftest import first_commune, integrity_problems, letter, report


def test_redis_restart_during_filing(make_app, private_redis, make_officer_in):
    from aiosmtpd.controller import Controller
    from rq import Queue, SimpleWorker
    from sqlalchemy import text

    from petitions.extensions import db
    from petitions.jobs import AppJob, get_queue, redis_connection, use_app
    from petitions.models.types import utcnow
    from petitions.services import alerts

    app = make_app("faults_redis")
    make_officer_in(app, "letan", "reception")
    commune = first_commune(app)
    stop = threading.Event()
    results = []
    lock = threading.Lock()
    serial = iter(range(10**6))

    def citizen():
        client = app.test_client()
        while not stop.is_set():
            with lock:
                i = next(serial)
            r = client.post("/api/v1/cases", json=letter(("complaint", "petition")[i % 2], commune, i))
            with lock:
                results.append((time.time(), r.status_code, (r.get_json(silent=True) or {}).get("tracking_code")))
            time.sleep(0.02)

    threads = [threading.Thread(target=citizen) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    down_at = time.time()
    private_redis.stop()
    with app.app_context():  # the sweep runs while Redis is down: alerts recorded, mails wait
        health = app.test_client().get("/healthz").status_code
        swept = alerts.sweep(date.today() + timedelta(days=60))
        db.session.commit()
    time.sleep(2)
    private_redis.start()
    up_at = time.time()
    app.extensions.pop("petitions_redis_ok", None)
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join(30)

    statuses = Counter(s for _, s, _ in results)
    during = Counter(s for at, s, _ in results if down_at <= at <= up_at)
    accepted = [c for _, s, c in results if s == 201]
    with app.app_context():
        stored = set(db.session.scalars(text("SELECT tracking_code FROM cases")))
        pending = db.session.scalar(text("SELECT count(*) FROM notifications WHERE status = 'pending'"))

    # Redis is back: the next sweeps re-queue what waited (2 minutes old: run as if it were)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    class Box:
        messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope.rcpt_tos)
            return "250 OK"
    box = Box()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    app.config["MAIL_PORT"] = port
    try:
        with app.app_context():
            conn = redis_connection()
            queue = get_queue(conn)
            ids = alerts.due_for_sending(utcnow() + timedelta(minutes=3))
            queue.enqueue_many([Queue.prepare_data(alerts.SEND_JOB, args=(i,), timeout=300) for i in ids])
        use_app(app)
        SimpleWorker([queue], connection=conn, job_class=AppJob).work(burst=True, logging_level="WARNING")
    finally:
        controller.stop()
    with app.app_context():
        sent = db.session.scalar(text("SELECT count(*) FROM notifications WHERE status = 'sent'"))
    problems = integrity_problems(app)
    report("Redis restarted during filing", {
        "requests": len(results), "statuses": dict(statuses), "during the outage": dict(during),
        "/healthz during the outage": health, "alerts recorded by the sweep during the outage": swept.alerts,
        "mails pending when Redis came back": pending, "re-queued": len(ids), "sent": sent,
        "mails received": len(box.messages), "integrity": problems})
    assert set(statuses) == {201}, f"filing failed while Redis restarted: {dict(statuses)}"
    assert sum(during.values()) > 0, "no filing happened during the outage"
    assert all(c in stored for c in accepted)
    assert health == 503
    assert swept.alerts > 0 and pending > 0
    assert sent == pending == len(box.messages), "alerts recorded during the outage were not all mailed once"
    assert problems["without_petitioner"] == problems["without_receive_event"] == \
        problems["without_time_limit"] == 0, problems
