"""/healthz and /metrics (petitions/blueprints/ops), and the "try again" answer when the
database is unreachable."""
from __future__ import annotations

import re
from datetime import date, timedelta

from petitions.extensions import db

from .conftest import valid_letter

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _metric(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    assert match, f"{name}{labels} missing from\n{text}"
    return float(match.group(1))


def test_healthz_answers_ok_when_database_and_redis_answer(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json()["status"] == "ok"
    assert r.get_json()["database"] == "ok" and r.get_json()["redis"] == "ok"
    assert r.get_json()["translations"] == "ok" and r.get_json()["documents"] == "ok"
    assert r.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_when_redis_is_down(client, app):
    app.config["REDIS_URL"] = DEAD_REDIS
    r = client.get("/healthz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["status"] == "unavailable" and body["database"] == "ok" and body["redis"] != "ok"


def test_metrics_counts_open_and_overdue_cases_and_queue(client, app, agencies):
    for _ in range(3):
        assert client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).status_code == 201
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    assert _metric(text, "petitions_cases_open") == 3
    assert _metric(text, "petitions_cases_overdue") == 0
    assert _metric(text, "petitions_up", '{component="database"}') == 1
    assert _metric(text, "petitions_queue_failed_jobs", f'{{queue="{app.config["RQ_QUEUE"]}"}}') == 0
    # two months later every letter-handling limit has passed
    app.config["TODAY"] = date.today() + timedelta(days=60)
    text = client.get("/metrics").get_data(as_text=True)
    assert _metric(text, "petitions_cases_overdue") == 3


def test_metrics_show_the_last_sweep(client, app, agencies):
    from petitions.services.alerts import sweep
    assert client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).status_code == 201
    with app.app_context():
        from petitions.jobs import redis_connection
        redis_connection().delete(f"{app.config['RQ_QUEUE']}:last-sweep")
    assert "petitions_last_sweep_timestamp_seconds" not in client.get("/metrics").get_data(as_text=True)
    import time
    before = time.time()
    with app.app_context():
        result = sweep(date.today() + timedelta(days=60))
        db.session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert before - 1 <= _metric(text, "petitions_last_sweep_timestamp_seconds") <= time.time() + 1
    assert _metric(text, "petitions_last_sweep_duration_seconds") >= 0
    assert _metric(text, "petitions_last_sweep_alerts") == result.alerts


def test_metrics_refused_through_a_proxy_or_without_the_token(client, app):
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    app.config["METRICS_TOKEN"] = "s3cret-token"
    try:
        assert client.get("/metrics").status_code == 403  # loopback is not enough once a token is set
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        r = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"},
                       environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert r.status_code == 200 and "petitions_cases_open" in r.get_data(as_text=True)
    finally:
        app.config["METRICS_TOKEN"] = None


def test_metrics_still_answer_when_redis_is_down(client, app):
    app.config["REDIS_URL"] = DEAD_REDIS
    r = client.get("/metrics")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert _metric(text, "petitions_up", '{component="redis"}') == 0
    assert "petitions_queue_jobs" not in text


def test_database_unreachable_answers_503_try_again(client, app, agencies):
    """A request whose database is unreachable gets 503 with Retry-After, in Vietnamese, as a
    page or as JSON; once the database is back the same request works (the pool checks its connections)."""
    from sqlalchemy import create_engine
    with app.app_context():
        real = db.engines[None]
        dead_url = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"
        dead = create_engine(dead_url, connect_args={"connect_timeout": 1})
        db._app_engines[app][None] = dead
    try:
        r = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"]),
                        headers={"Accept-Language": "en"})
        assert r.status_code == 503
        assert int(r.headers["Retry-After"]) > 0  # 30, or the rate limiter's own window when it sets one
        assert "try again" in r.get_json()["errors"]["_"][0]
        r = client.get("/statistics")
        assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0
        assert '<meta http-equiv="refresh" content="30">' in r.get_data(as_text=True)
    finally:
        with app.app_context():
            db._app_engines[app][None] = real
            dead.dispose()
    assert client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).status_code == 201
