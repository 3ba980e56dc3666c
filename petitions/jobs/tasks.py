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
        get_queue().enqueue_many([Queue.prepare_data(alerts.SEND_JOB, args=(i,), timeout=300) for i in ids])
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
    """A large export: written in the background, its progress recorded as it goes."""
    from ..services.exports import build_export as build
    return build(export_id)
