"""The job functions RQ runs (each inside an application context, see AppJob). They
take ids and plain values only."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from rq import Queue

from ..extensions import db
from ..models import AuditLog
from ..models.types import utcnow
from ..services import alerts
from ..web import local_today
from . import get_queue



def send_notification(notification_id: int) -> str:
    return alerts.send_notification(notification_id)


def send_notifications(notification_ids: list[int]) -> dict:
    """A batch of mails (the sweep enqueues one job per batch, not one per mail)."""
    return alerts.send_notifications(notification_ids)


def deliver_waiting() -> dict:
    """Every outbox row waiting to be sent (queued by a commit's kick, services/outbox.py)."""
    from ..services.outbox import deliver_waiting as deliver
    return deliver()


def sweep_deadlines() -> dict:
    """The recurring job: alerts for today, mails whose back-off has passed, and the
    daily digests once a day. Idempotent: run it as often as you like."""
    today = local_today()
    result = alerts.sweep(today)
    from ..services.urgings import remind_urgings
    reminded = remind_urgings(today)
    from ..services.engagement import remind_engagements
    engagement = remind_engagements(today)
    db.session.commit()
    ids = alerts.due_for_sending(utcnow())
    if ids:
        size = current_app.config.get("MAIL_JOB_SIZE", alerts.MAIL_JOB_SIZE)
        get_queue().enqueue_many([Queue.prepare_data(alerts.SEND_BATCH_JOB, args=(ids[i:i + size],),
                                                     timeout=300)
                                  for i in range(0, len(ids), size)])
    digests = None
    local = datetime.now(ZoneInfo(current_app.config["TIMEZONE"]))
    if local.hour >= current_app.config["DIGEST_HOUR"] and db.session.scalar(
            db.select(AuditLog.id).where(AuditLog.action == "send_digests",
                                         AuditLog.object_id == today.isoformat())) is None:
        digests = alerts.send_digests(today)
    return {"scanned": result.scanned, "alerts": result.alerts, "notifications": result.notifications,
            "requeued": len(ids), "digests": digests, "by_level": dict(result.by_level),
            "urging_reminders": reminded, "engagement_reminders": engagement}


def build_export(export_id: int) -> str:
    """A large export: written in the background, its progress recorded as it goes.
    The job acts for the officer who asked: the permission table must still allow them
    (an account disabled or a role withdrawn meanwhile stops it)."""
    from ..models import ExportJob
    from ..permissions import allowed
    from ..services.exports import build_export as build
    job = db.session.get(ExportJob, export_id)
    if job is not None and job.status == "queued" and not allowed(job.user, "exports.run"):
        job.status, job.error, job.finished_at = "failed", "not allowed: exports.run", utcnow()
        db.session.commit()
        return "refused"
    return build(export_id)
