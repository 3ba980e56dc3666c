"""Health and metrics for monitoring (docs/operations.md).

``/healthz`` answers 200 when the database and Redis both answer and the Vietnamese catalogue
is there, 503 otherwise, as JSON (no personal data, no secrets): a load balancer takes a web
machine out on 503. It also says whether the document service has what it needs (LibreOffice
and the project's fonts; a cheap look, no conversion: ``flask documents check`` converts); that
alone does not make it 503, since documents are still issued as DOCX without it.

``/metrics`` is Prometheus' text format: queue lengths, failed jobs, the last sweep's time
and duration, open and overdue cases. It is served to loopback only (a Prometheus agent on
the same machine), or to anyone presenting ``METRICS_TOKEN`` as a bearer token when that
is set. A request that came through a reverse proxy (it carries ``X-Forwarded-For`` or
``Forwarded``) is not "loopback", even though the proxy connects from 127.0.0.1.
"""
from __future__ import annotations

import hmac
import time

from flask import Response, abort, current_app, jsonify, request
from redis.exceptions import RedisError
from sqlalchemy import func, text
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db
from ...jobs import redis_connection
from ...models import Case, Deadline
from ...services.alerts import last_sweep
from ...web import local_today
from ...workflow.deadlines import FILER_STEPS
from . import bp

LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


def _database_ok() -> tuple[bool, str]:
    try:
        db.session.execute(text("SELECT 1"))
        return True, "ok"
    except SQLAlchemyError as error:
        db.session.rollback()
        return False, type(error).__name__


def _redis_ok() -> tuple[bool, str]:
    try:
        return bool(redis_connection().ping()), "ok"
    except RedisError as error:
        return False, type(error).__name__


@bp.get("/healthz")
def healthz():
    started = time.perf_counter()
    database, db_detail = _database_ok()
    redis, redis_detail = _redis_ok()
    from ...catalogues import health as catalogue_health
    from ...services.documents.check import ready as documents_ready
    translations, translations_detail = catalogue_health(current_app)
    ok = database and redis and translations
    body = {"status": "ok" if ok else "unavailable", "database": db_detail, "redis": redis_detail,
            "translations": translations_detail,
            "documents": documents_ready(current_app.config.get("DOCUMENTS_SOFFICE", "soffice"))[1],
            "seconds": round(time.perf_counter() - started, 4)}
    response = jsonify(body)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode())
    proxied = request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded")
    return request.remote_addr in LOOPBACK and not proxied


def _line(out: list[str], name: str, kind: str, help_: str, samples) -> None:
    out.append(f"# HELP {name} {help_}")
    out.append(f"# TYPE {name} {kind}")
    for labels, value in samples:
        label = "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else ""
        out.append(f"{name}{label} {value}")


@bp.get("/metrics")
def metrics():
    if not _allowed():
        abort(403)
    out: list[str] = []
    database, _ = _database_ok()
    redis, _ = _redis_ok()
    _line(out, "petitions_up", "gauge", "1 when the component answers.",
          [({"component": "database"}, int(database)), ({"component": "redis"}, int(redis))])
    if redis:
        from rq import Queue
        from rq.registry import FailedJobRegistry, StartedJobRegistry
        try:
            conn = redis_connection()
            queue = Queue(current_app.config["RQ_QUEUE"], connection=conn)
            name = queue.name
            _line(out, "petitions_queue_jobs", "gauge", "Jobs waiting in the RQ queue.",
                  [({"queue": name}, len(queue))])
            _line(out, "petitions_queue_started_jobs", "gauge", "Jobs a worker is running now.",
                  [({"queue": name}, len(StartedJobRegistry(queue=queue)))])
            _line(out, "petitions_queue_failed_jobs", "gauge", "Jobs that failed (RQ failed registry).",
                  [({"queue": name}, len(FailedJobRegistry(queue=queue)))])
        except RedisError:
            pass
    sweep = last_sweep()
    if sweep:
        _line(out, "petitions_last_sweep_timestamp_seconds", "gauge",
              "When the last deadline sweep finished (Unix time).", [({}, sweep["finished_at"])])
        _line(out, "petitions_last_sweep_duration_seconds", "gauge", "How long the last deadline sweep took.",
              [({}, sweep["seconds"])])
        _line(out, "petitions_last_sweep_alerts", "gauge", "Alerts the last deadline sweep recorded.",
              [({}, sweep["alerts"])])
    if database:
        today = local_today()
        open_cases = db.session.scalar(db.select(func.count()).select_from(Case).where(Case.closed_on.is_(None)))
        overdue = db.session.scalar(
            db.select(func.count(func.distinct(Deadline.case_id)))
            .where(Deadline.completed_on.is_(None), Deadline.paused_on.is_(None),
                   Deadline.step.not_in(sorted(FILER_STEPS)), Deadline.due_on < today))
        from ...services.outbox import figures
        counts = figures()
        _line(out, "petitions_cases_open", "gauge", "Cases still open (no closing date).", [({}, open_cases)])
        _line(out, "petitions_cases_overdue", "gauge", "Cases with a running time limit past due.", [({}, overdue)])
        _line(out, "petitions_mails", "gauge", "Mails by delivery status (dead: given up, on the dead-letter list).",
              [({"status": status}, counts.get(("email", status), 0))
               for status in ("pending", "sending", "failed", "dead")])
        _line(out, "petitions_outbox_messages", "gauge",
              "Outgoing messages by channel and delivery status (the outbox).",
              [({"channel": channel, "status": status}, counts.get((channel, status), 0))
               for channel in ("email", "sms", "zalo", "national")
               for status in ("pending", "sending", "sent", "failed", "dead")])
    return Response("\n".join(out) + "\n", mimetype="text/plain; version=0.0.4; charset=utf-8",
                    headers={"Cache-Control": "no-store"})
