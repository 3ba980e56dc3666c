"""A pooled PostgreSQL connection is checked before use by looking at its socket, not by a
``SELECT 1`` round trip (issue 18).

SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` every time a request takes a connection from
the pool: one more round trip for every request, about 0.06 ms of the application's CPU and
0.04 ms of the server's (measured on this machine, ``docs/performance.md``), and a public
filing is otherwise a single statement. What the ping protects against is a connection the
server has dropped while it sat in the pool: a restart, ``pg_terminate_backend``, an idle
timeout. In each of these the server writes its ``FATAL`` message and closes the socket, and
a connection that nobody is using has nothing to read unless the server sent that. So, at
checkout:

- the socket is polled without waiting (``poll``, no system call beyond it): nothing to read
  and the connection is open and idle, it is handed out as it is;
- something to read, the connection closed or broken: the real ping is sent, and when it
  fails the pool is told (``DisconnectionError``) and makes a new connection, exactly as the
  pre-ping did; a connection left inside a transaction cannot be pinged and is replaced.

A peer gone without a word (a firewall or NAT that dropped an idle connection, an address
moved in a failover, a host that lost power) leaves nothing to read: the TCP keepalives the
configuration sets (``config.py``: after 60 s of silence, 3 probes 10 s apart) make the
kernel mark such a socket, and the poll then sees it. Inside those 90 s, the first request
on such a connection fails with the 503 "try again" the application answers to any database
outage, the pool drops the connection, and the next request connects afresh. ``SQLALCHEMY_ENGINE_OPTIONS=
{"pool_pre_ping": true}`` in the configuration brings the round trip back for a deployment
that prefers it (the pool then pings before this check, which finds nothing left to read).
"""
from __future__ import annotations

import select

from sqlalchemy import event, exc
from sqlalchemy.pool import Pool

_POLL = getattr(select, "poll", None)


def _readable(fd: int) -> bool:
    if _POLL is not None:
        poller = _POLL()
        poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(0))
    readable, _, _ = select.select([fd], [], [], 0)  # no poll(): Windows
    return bool(readable)


def looks_alive(dbapi_connection) -> bool | None:
    """True when a psycopg connection is open, idle and has nothing unread; False when it must
    be pinged; None for any other driver (SQLite: nothing to check)."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return None
    if dbapi_connection.closed or getattr(dbapi_connection, "broken", False):
        return False
    from psycopg.pq import ConnStatus, TransactionStatus
    if pgconn.status != ConnStatus.OK or pgconn.transaction_status != TransactionStatus.IDLE:
        return False
    try:
        return not _readable(pgconn.socket)
    except Exception:  # no socket any more (psycopg raises its OperationalError)
        return False


@event.listens_for(Pool, "checkout")
def _check_on_checkout(dbapi_connection, connection_record, connection_proxy):
    alive = looks_alive(dbapi_connection)
    if alive is None or alive:
        return
    pool = connection_proxy._pool
    dialect = getattr(pool, "_dialect", None)
    try:
        if dialect is None or not hasattr(dialect, "do_ping"):
            raise exc.DisconnectionError("the connection has something unread and cannot be pinged")
        dialect.do_ping(dbapi_connection)
    except exc.DisconnectionError:
        raise
    except Exception as error:  # the driver's own error: the connection is gone
        raise exc.DisconnectionError(str(error)) from error
