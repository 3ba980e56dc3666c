"""Background jobs on RQ (Redis).

Jobs take ids, never ORM objects; they are enqueued only after the database commit
(:func:`enqueue_after_commit`), and each runs inside an application context
(:class:`AppJob`). When Redis is down nothing is lost: what was to be sent stays
pending in the database and the next sweep enqueues it again.
"""
from __future__ import annotations

import logging
import time

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_worker_app = None  # the application a worker process built once (see cli: flask worker)


def redis_connection(url: str | None = None) -> Redis:
    return Redis.from_url(url or current_app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=5)


def shared_redis() -> Redis:
    """One client (and connection pool) per application and Redis URL: a request that queues
    a job reuses a connection instead of opening one (a TCP connect per filing, issue 18).
    Keyed by the URL so that a changed ``REDIS_URL`` is followed at once."""
    url = current_app.config["REDIS_URL"]
    clients = current_app.extensions.setdefault("petitions_redis_clients", {})
    client = clients.get(url)
    if client is None:
        client = clients[url] = redis_connection(url)
    return client


def get_queue(connection: Redis | None = None) -> Queue:
    return Queue(current_app.config["RQ_QUEUE"], connection=connection or shared_redis(), job_class=AppJob)


def redis_ok(max_age: float = 15.0) -> bool:
    """Is Redis reachable? Cached for a few seconds: pages ask it."""
    cache = current_app.extensions.setdefault("petitions_redis_ok", {})
    if cache.get("at", 0) > time.monotonic() - max_age:
        return cache["ok"]
    try:
        ok = bool(redis_connection().ping())
    except RedisError:
        ok = False
    cache.update(ok=ok, at=time.monotonic())
    return ok


class AppJob(Job):
    """Runs the job inside an application context; the session is removed afterwards."""

    def perform(self):
        from .. import create_app
        from ..extensions import db
        global _worker_app
        if _worker_app is None:
            _worker_app = create_app()
        with _worker_app.app_context():
            try:
                return super().perform()
            finally:
                db.session.remove()


def use_app(app) -> None:
    """A worker process hands the application it built to its jobs."""
    global _worker_app
    _worker_app = app


def enqueue_after_commit(session, func: str, *args) -> None:
    """Enqueue ``func(*args)`` once the current transaction commits (never before:
    a job must find what it is about in the database)."""
    session.info.setdefault("petitions_jobs", []).append((func, args))


class IdOf:
    """An argument of :func:`enqueue_after_commit`: the id of a row added in this transaction
    and not flushed yet, read from the session's identity key when the job is enqueued (after
    the commit: no extra flush to learn it, no SELECT). The job still receives a plain id."""

    def __init__(self, obj):
        self.obj = obj

    def resolve(self):
        from sqlalchemy import inspect
        return inspect(self.obj).identity[0]


def _resolved(arg):
    if isinstance(arg, IdOf):
        return arg.resolve()
    if isinstance(arg, list):
        return [_resolved(a) for a in arg]
    return arg


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session):
    jobs = session.info.pop("petitions_jobs", None)
    if not jobs:
        return
    jobs = [(func, tuple(_resolved(a) for a in args)) for func, args in jobs]
    try:
        queue = get_queue()
        queue.enqueue_many([Queue.prepare_data(func, args=args, timeout=300) for func, args in jobs])
    except RedisError as error:  # the sweep enqueues what is still pending when Redis returns
        log.warning("Redis unavailable, %d job(s) left for the next sweep: %s", len(jobs), error)


_AFTER_COMMIT: list = []


class _Unsent:
    """Stands for the pipeline when no client can be made: takes the commands, sends nothing."""

    def __init__(self):
        self.count = 0

    def __len__(self):
        return self.count

    def __getattr__(self, name):
        def command(*args, **kwargs):
            self.count += 1
            return self
        return command


def redis_after_commit(add, *, flags: tuple[str, ...] = ()):
    """Register ``add(session, pipe)``, called after every commit: it pops its flags from
    ``session.info``, queues its module's Redis commands for this commit on ``pipe`` and returns
    ``done(results)``, or None when it has nothing to send. Every module's commands go in ONE
    pipeline, one round trip a commit (issue 18: a filing moved three stamps with three round
    trips). ``done`` gets its own commands' results (a failed command's result is its
    exception, the others' are kept), or None when Redis could not be reached. ``flags``: the
    ``session.info`` keys dropped when there is no application (no configuration to send with)."""
    _AFTER_COMMIT.append((add, flags))
    return add


@event.listens_for(Session, "after_commit")
def _redis_after_commit(session):
    from flask import has_app_context
    if not has_app_context():
        for _add, flags in _AFTER_COMMIT:
            for flag in flags:
                session.info.pop(flag, None)
        return
    try:
        pipe = shared_redis().pipeline(transaction=False)
    except RedisError:
        pipe = _Unsent()
    parts = []
    for add, _flags in _AFTER_COMMIT:
        start = len(pipe)
        done = add(session, pipe)
        if done is not None:
            parts.append((start, len(pipe), done))
    if not parts:
        return
    results = None
    if not isinstance(pipe, _Unsent):
        try:
            results = pipe.execute(raise_on_error=False) if len(pipe) else []
        except RedisError as error:
            log.warning("Redis unavailable after a commit: %s", error)
    for start, end, done in parts:
        done(None if results is None else results[start:end])


@event.listens_for(Session, "after_rollback")
def _forget_pending(session):
    session.info.pop("petitions_jobs", None)
