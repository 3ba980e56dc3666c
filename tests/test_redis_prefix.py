"""Issue 14, item 6 (last part): every key an installation writes to Redis carries its
prefix, so two installations on one Redis share no filing counter, limit, queue or cache.
Two real applications on the real Redis; the keys are counted with SCAN."""
from __future__ import annotations

import pytest
import redis

from petitions.config import ConfigError, load_config

from .test_public_abuse import OTHER_ID, letter

ADDRESS = "198.18.14.7"  # this test's client: every key that names it is found by SCAN


def _installation(app, prefix: str, **extra):
    from petitions import create_app
    return create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "test-secret", "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
        "REDIS_URL": app.config["REDIS_URL"], "REDIS_PREFIX": prefix, "SQLITE_SYNCHRONOUS": "NORMAL",
        "MAIL_PORT": 1, "STATISTICS_REFRESH_SECONDS": 0, **extra,
    })


def _keys(conn, pattern: str) -> list[str]:
    return sorted(k.decode() for k in conn.scan_iter(pattern, count=1000))


@pytest.fixture
def two(app, worker):
    prefixes = (f"inst-a-{worker}", f"inst-b-{worker}")
    conn = redis.Redis.from_url(app.config["REDIS_URL"])

    def clean():
        for pattern in (*(f"{p}*" for p in prefixes), *(f"rq:*{p}*" for p in prefixes), f"*{ADDRESS}*"):
            for key in _keys(conn, pattern):
                conn.delete(key)
    clean()
    apps = [_installation(app, p, RATELIMIT_FILING="2 per hour") for p in prefixes]
    yield conn, prefixes, apps
    clean()


def test_two_installations_on_one_redis_share_no_counter_limit_or_queue(two, agencies):
    conn, (a, b), (app_a, app_b) = two
    http_a, http_b = app_a.test_client(), app_b.test_client()
    env = {"REMOTE_ADDR": ADDRESS}

    # filing counters and limits: A's citizen uses up A's limit; B has counted nothing
    assert http_a.post("/api/v1/cases", json=letter(agencies), environ_base=env).status_code == 201
    assert http_a.post("/api/v1/cases", json=letter(agencies, OTHER_ID), environ_base=env).status_code == 201
    assert http_a.post("/api/v1/cases", json=letter(agencies, "040555555555"), environ_base=env).status_code == 429
    limit_keys = _keys(conn, f"*{ADDRESS}*")
    assert limit_keys and all(k.startswith(f"{a}-limits:") for k in limit_keys), limit_keys
    assert _keys(conn, f"{b}*") == []
    # the same address files on B as if A did not exist
    assert http_b.post("/api/v1/cases", json=letter(agencies, "040666666666"), environ_base=env).status_code == 201
    a_keys, b_keys = _keys(conn, f"{a}-limits:*"), _keys(conn, f"{b}-limits:*")
    assert a_keys and b_keys and not set(a_keys) & set(b_keys)
    assert all(k.startswith((f"{a}-limits:", f"{b}-limits:")) for k in _keys(conn, f"*{ADDRESS}*"))

    # queues: the jobs of each filing (a receipt's mail…) and a job enqueued on A wait in
    # their own installation's queue only, under its name
    from petitions.jobs import get_queue

    def waiting(inst) -> int:
        with inst.app_context():
            return get_queue().count
    a_jobs, b_jobs = waiting(app_a), waiting(app_b)
    with app_a.app_context():
        assert app_a.config["RQ_QUEUE"] == a
        get_queue().enqueue("petitions.jobs.tasks.send_notification", 0)
    assert app_b.config["RQ_QUEUE"] == b
    assert (waiting(app_a), waiting(app_b)) == (a_jobs + 1, b_jobs)
    assert (conn.llen(f"rq:queue:{a}"), conn.llen(f"rq:queue:{b}")) == (a_jobs + 1, b_jobs)

    # caches: the public figures' version stamp moves for A only
    from petitions.services.summaries import bump_version, version
    with app_b.app_context():
        b_before = version()
    with app_a.app_context():
        a_before = version()
        bump_version()
        assert version() == a_before + 1
    with app_b.app_context():
        assert version() == b_before
    assert conn.exists(f"{a}:figures-version")


def test_every_redis_name_is_put_under_the_prefix(tmp_path, monkeypatch):
    for name in ("REDIS_PREFIX", "PETITIONS_INSTALLATION", "RQ_QUEUE", "RATELIMIT_STORAGE_PREFIX", "PETITIONS_ENV"):
        monkeypatch.delenv(name, raising=False)
    # the defaults of earlier versions: an upgrade keeps its queue and its counters
    cfg = load_config(str(tmp_path))
    assert (cfg["REDIS_PREFIX"], cfg["RQ_QUEUE"], cfg["RATELIMIT_STORAGE_PREFIX"]) == \
        ("petitions", "petitions", "petitions-limits")
    # the installation's name gives the prefix
    monkeypatch.setenv("PETITIONS_INSTALLATION", "hatinh")
    cfg = load_config(str(tmp_path))
    assert (cfg["REDIS_PREFIX"], cfg["RQ_QUEUE"], cfg["RATELIMIT_STORAGE_PREFIX"]) == ("hatinh", "hatinh", "hatinh-limits")
    # an explicit queue or limiter prefix outside the prefix is put under it
    monkeypatch.setenv("REDIS_PREFIX", "nghean")
    monkeypatch.setenv("RQ_QUEUE", "petitions")
    monkeypatch.setenv("RATELIMIT_STORAGE_PREFIX", "nghean-limits")
    cfg = load_config(str(tmp_path))
    assert (cfg["REDIS_PREFIX"], cfg["RQ_QUEUE"], cfg["RATELIMIT_STORAGE_PREFIX"]) == \
        ("nghean", "nghean:petitions", "nghean-limits")
    monkeypatch.setenv("REDIS_PREFIX", "two words")
    with pytest.raises(ConfigError, match="REDIS_PREFIX"):
        load_config(str(tmp_path))
