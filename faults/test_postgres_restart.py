"""(a) PostgreSQL restarted while citizens file: requests during the outage get a clear
503 "try again" (JSON for the API, a page for the web) with Retry-After, nothing is
half-written, and the pool recovers by itself (its liveness check at checkout,
petitions/dbliveness.py) once the server is back."""
from __future__ import annotations

import threading
import time
from collections import Counter

from .conftest import first_commune, integrity_problems, letter, report


def test_postgres_restart_during_filing(make_app, private_pg):
    app = make_app("faults_pg")
    commune = first_commune(app)
    stop = threading.Event()
    results: list[tuple[float, int, str | None]] = []
    lock = threading.Lock()
    serial = iter(range(10**6))

    def citizen():
        client = app.test_client()
        while not stop.is_set():
            with lock:
                i = next(serial)
            r = client.post("/api/v1/cases", json=letter(("complaint", "petition", "denunciation")[i % 3], commune, i),
                            headers={"Accept-Language": "en"})
            body = r.get_json(silent=True) or {}
            with lock:
                results.append((time.time(), r.status_code, body.get("tracking_code"),
                                r.headers.get("Retry-After"), (body.get("errors") or {}).get("_")))
            time.sleep(0.02)

    threads = [threading.Thread(target=citizen) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(2)
    down_at = time.time()
    private_pg.stop()
    # during the outage: the web page answers too
    page = app.test_client().get("/statistics")
    time.sleep(2)
    private_pg.start()
    up_at = time.time()
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join(30)

    statuses = Counter(status for _, status, *_ in results)
    during = [r for r in results if down_at <= r[0] <= up_at]
    after = [r for r in results if r[0] > up_at + 1]
    accepted = [code for _, status, code, *_ in results if status == 201]
    problems = integrity_problems(app)
    from sqlalchemy import text

    from petitions.extensions import db
    with app.app_context():
        stored = set(db.session.scalars(text("SELECT tracking_code FROM cases")))
    report("PostgreSQL restarted during filing", {
        "requests": len(results), "statuses": dict(statuses),
        "during the outage": dict(Counter(r[1] for r in during)),
        "after it (from 1 s after start)": dict(Counter(r[1] for r in after)),
        "web page during the outage": page.status_code,
        "accepted (201) and stored": f"{sum(1 for c in accepted if c in stored)} / {len(accepted)}",
        "stored but answered 503 (the view reads the case again after the commit)": len(stored - set(accepted)),
        "integrity": problems})
    assert set(statuses) <= {201, 503}, f"only 201 or 503 expected, got {dict(statuses)}"
    assert statuses[503] > 0, "the outage produced no 503: it was not observed"
    for _, status, _, retry, message in results:
        if status == 503:
            assert retry and int(retry) > 0
            assert message and "try again" in message[0]
    assert page.status_code == 503 and "Retry-After" in page.headers
    assert after and all(r[1] == 201 for r in after), "the pool did not recover by itself"
    assert all(code in stored for code in accepted), "a filing with a receipt is missing"
    assert problems["without_petitioner"] == problems["without_receive_event"] == \
        problems["without_time_limit"] == 0, problems
