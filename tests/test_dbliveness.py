"""A pooled PostgreSQL connection is checked by polling its socket, not by a SELECT 1 per
request (petitions/dbliveness.py): a healthy connection is handed out with no round trip,
and one the server dropped while it sat in the pool is replaced before anyone uses it."""
from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from petitions.dbliveness import looks_alive

from .conftest import BACKEND, _pg_admin_url, valid_letter


def _terminate(pids) -> None:
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for pid in pids:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True
    admin.dispose()


def _counting_pings(engine) -> list:
    """The dialect's own ping, counted (it still runs against the server)."""
    calls: list = []
    real = engine.dialect.do_ping

    def ping(dbapi_connection):
        calls.append(dbapi_connection)
        return real(dbapi_connection)
    engine.dialect.do_ping = ping
    return calls


def test_a_dropped_pooled_connection_is_replaced_and_a_healthy_one_is_not_pinged():
    # PostgreSQL whichever backend the suite runs on: the check exists for it alone
    engine = create_engine(_pg_admin_url(), pool_size=1, max_overflow=0)
    pings = _counting_pings(engine)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        for _ in range(5):  # healthy: handed out as it is, no round trip before the work
            with engine.connect() as conn:
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == first
        assert pings == []

        _terminate([first])  # an administrator, an idle timeout, a restart: the server hangs up
        raw = engine.pool._pool.queue[0].dbapi_connection
        deadline = time.monotonic() + 5
        while looks_alive(raw) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert looks_alive(raw) is False, "the server's goodbye never reached the socket"

        with engine.connect() as conn:  # no error for the next user: the pool connected afresh
            second = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert second != first
        assert len(pings) == 1, "the suspicious connection is pinged once, then replaced"
    finally:
        engine.dispose()


def test_the_application_files_a_letter_after_its_connections_were_dropped(app, client, agencies):
    from petitions.extensions import db
    commune = agencies["commune_a"]
    assert client.post("/api/v1/cases", json=valid_letter("petition", commune)).status_code == 201
    with app.app_context():
        raw = db.engine.raw_connection()
        try:  # SQLite: nothing to poll in a file; PostgreSQL: open, idle, nothing unread
            assert looks_alive(raw.dbapi_connection) is (None if BACKEND == "sqlite" else True)
        finally:
            raw.close()
        name = db.engine.url.database
    if BACKEND == "postgresql":
        admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            dropped = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                        "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).scalar()
        admin.dispose()
        assert dropped >= 1
        time.sleep(0.2)  # the FATAL message and the close reach the pooled sockets
    r = client.post("/api/v1/cases", json=valid_letter("complaint", commune))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["tracking_code"]
