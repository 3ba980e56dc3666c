"""One outbox for everything that leaves the application: e-mail, SMS, Zalo and the
national database.

A message is a row of ``notifications`` (models/alerts.py) written by :func:`write` in the
same transaction as the change that causes it, so a rolled-back change sends nothing and a
committed one cannot be forgotten. Its delivery job is enqueued after the commit
(jobs.enqueue_after_commit); if Redis was down, the sweep's catch-up (:func:`due`) finds it.

Delivery (:func:`deliver`), one row at a time:

1. **claim**: the row goes from pending/failed (its back-off passed) or from sending (its
   lease ran out: a worker died mid-send) to ``sending`` under a lease, in its own committed
   transaction. On PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED`` picks a row no other
   worker holds; on SQLite (one writer at a time) a conditional UPDATE. Two workers never
   hold the same row.
2. **send** through the channel's gateway (services/gateways), which is given the row's
   idempotency key: a mail's Message-ID is derived from it, the SMS and Zalo gateways and
   the national database get it as their request/tracking id.
3. **record** the outcome: sent; failed (retried after 1, 2, 4 ... minutes, at most 6 h, or
   when a 429 said); dead after the channel's maximum number of tries or at once when the
   gateway refused the message for good (the dead-letter list on /admin/alerts, where an
   administrator sends it again, audited).

A worker killed during step 2 leaves the row ``sending``; once the lease has passed it is
sent again, with the same key. If the kill came before the service accepted the message,
the service has it once; if it came in the instant between the service's acceptance and
step 3, the service sees the same key twice, and the SMS, Zalo and national gateways drop
the repeat (a mail's repeat carries the same Message-ID, which mail programs show once).

National records of one case are delivered in order: a record is not claimed while an
earlier record of the same case is still waiting or being retried (an outage holds the
case's later records until the earlier ones went through).
"""
from __future__ import annotations

import logging
import os
import socket
from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, event, exists, func, or_, update
from sqlalchemy.orm import Session, aliased

from ..extensions import db
from ..jobs import IdOf, enqueue_after_commit, redis_after_commit
from ..models import AuditLog, Notification, User
from ..models.types import utcnow
from .gateways import GatewayError, Outgoing, gateway_for

log = logging.getLogger(__name__)

DELIVER_JOB = "petitions.jobs.tasks.send_notifications"
WAITING = ("pending", "failed", "sending")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def max_attempts(channel: str) -> int:
    cfg = current_app.config
    if channel == "email":
        return cfg["MAIL_MAX_ATTEMPTS"]
    return cfg.get(f"{channel.upper()}_MAX_ATTEMPTS") or cfg["OUTBOX_MAX_ATTEMPTS"]


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


# --- writing ------------------------------------------------------------------------------

def write(channel: str, *, key: str, kind: str, subject: str = "", body: str = "", case_id: int | None = None,
          user_id: int | None = None, email: str | None = None, address: str | None = None,
          data: dict | None = None, status: str = "pending", session=None,
          fresh: bool = False) -> Notification | None:
    """Add a message to the outbox in the caller's transaction (flushed, not committed) and
    its delivery job after the commit. A key already written is not written again: None.

    ``fresh=True``: the key cannot have been written before (it names a case created in this
    transaction, the filing's receipt): no look-up and no flush of its own; the row goes with
    the transaction's next flush (at the latest the commit's) and the job learns its id after
    the commit (issue 18: a filing's one flush)."""
    session = session or db.session
    if not fresh and \
            session.scalar(db.select(Notification.id).where(Notification.idempotency_key == key)) is not None:
        return None
    note = Notification(channel=channel, idempotency_key=key, kind=kind, subject=subject[:300], body=body,
                        case_id=case_id, user_id=user_id, email=email, address=address, data=data,
                        status=status, attempts=0)
    session.add(note)
    if not fresh:
        session.flush()
    if status == "pending":
        enqueue_after_commit(session, DELIVER_JOB, [IdOf(note)] if fresh else [note.id])
    return note


# --- the kick: one delivery job for many rows -------------------------------------------------

KICK_JOB = "petitions.jobs.tasks.deliver_waiting"
KICK_SECONDS = 60


def _kick_key() -> str:
    return f"{current_app.config['RQ_QUEUE']}:outbox-kick"


def kick_after_commit(session) -> None:
    """After the commit, make sure a delivery job for the waiting rows is queued, instead of
    queueing a job per row (issue 18: a public filing's receipt). One ``SET NX`` a commit:
    only the first commit since the last job started queues one (:func:`deliver_waiting`
    clears the mark before it looks for rows, so a row committed after its look-up finds the
    mark gone and queues the next job). The mark ends by itself after a minute, should a
    queued job be lost; the sweep's catch-up is the last resort, as for every row."""
    session.info["petitions_outbox_kick"] = True


def _kick(session, pipe):
    """The kick's ``SET NX`` goes with the commit's one Redis pipeline (jobs.redis_after_commit);
    only the commit that set the mark queues the job (a second round trip, once per job)."""
    if not session.info.pop("petitions_outbox_kick", None):
        return None
    pipe.set(_kick_key(), 1, nx=True, ex=KICK_SECONDS)
    return _queue_kicked_job


def _queue_kicked_job(results) -> None:
    from redis.exceptions import RedisError

    from ..jobs import get_queue, shared_redis
    if results is None or isinstance(results[0], Exception):  # the sweep's catch-up sends them
        log.warning("Redis unavailable, outbox rows left for the next sweep")
        return
    if not results[0]:
        return  # a job is queued already and has not started: it will find these rows
    redis = shared_redis()
    try:
        get_queue(redis).enqueue(KICK_JOB, job_timeout=300)
    except RedisError as error:
        log.warning("Redis unavailable, outbox rows left for the next sweep: %s", error)
        try:
            redis.delete(_kick_key())
        except RedisError:
            pass


redis_after_commit(_kick, flags=("petitions_outbox_kick",))


@event.listens_for(Session, "after_rollback")
def _no_kick(session):
    session.info.pop("petitions_outbox_kick", None)


def waiting(limit: int = 500) -> list[int]:
    """Rows written, not yet picked up (no back-off running) and claimable now (a national
    record held behind an earlier one of its case is not), oldest first."""
    return list(db.session.scalars(
        db.select(Notification.id).where(Notification.status == "pending", Notification.next_attempt_at.is_(None),
                                         _claimable(utcnow()))
        .order_by(Notification.id).limit(limit)))


def deliver_waiting(limit: int = 500) -> dict[str, int]:
    """The kicked job: clears the mark, then delivers every row waiting (each claimed, so
    two jobs never send the same row); queues the next job when it stopped at ``limit``."""
    from ..jobs import shared_redis
    shared_redis().delete(_kick_key())
    ids = waiting(limit)
    db.session.commit()
    outcome = deliver(ids) if ids else {}
    if len(ids) == limit and outcome.get("skipped", 0) < len(ids):  # more may wait: the next job
        kick_after_commit(db.session)
        db.session.commit()
    return outcome


# --- claiming -----------------------------------------------------------------------------

def _claimable(now: datetime):
    earlier = aliased(Notification)
    held = exists().where(earlier.channel == "national", earlier.case_id == Notification.case_id,
                          earlier.id < Notification.id, earlier.status.in_(WAITING))
    return and_(
        or_(and_(Notification.status.in_(("pending", "failed")),
                 or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now)),
            and_(Notification.status == "sending", Notification.lease_until <= now)),
        or_(Notification.channel != "national", ~held))


def claim(ids: list[int] | None = None, *, channel: str | None = None, worker: str | None = None,
          now: datetime | None = None) -> int | None:
    """Claim one deliverable row (among ``ids``, or of ``channel``), lowest id first, and
    commit the claim. Returns its id, or None."""
    now = now or utcnow()
    worker = worker or worker_name()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    where = [_claimable(now)]
    if ids is not None:
        if not ids:
            return None
        where.append(Notification.id.in_(ids))
    if channel:
        where.append(Notification.channel == channel)
    values = dict(status="sending", lease_until=now + lease, claimed_by=worker, attempts=Notification.attempts + 1)
    if db.engine.dialect.name == "postgresql":
        pick = (db.select(Notification.id).where(*where).order_by(Notification.id).limit(1)
                .with_for_update(skip_locked=True, of=Notification).correlate(None).scalar_subquery())
        claimed = db.session.scalar(update(Notification).where(Notification.id == pick).values(**values)
                                    .returning(Notification.id))
        db.session.commit()
        return claimed
    # SQLite: one writer at a time; the condition is checked again by the UPDATE itself
    candidates = db.session.scalars(db.select(Notification.id).where(*where).order_by(Notification.id).limit(20)).all()
    for candidate in candidates:
        done = db.session.execute(update(Notification).where(Notification.id == candidate, *where)
                                  .values(**values)).rowcount
        db.session.commit()
        if done:
            return candidate
    return None


# --- delivering ---------------------------------------------------------------------------

def _any_claimable(ids: list[int]) -> bool:
    found = db.session.scalar(db.select(Notification.id).where(_claimable(utcnow()), Notification.id.in_(ids)).limit(1))
    db.session.commit()
    return found is not None


def deliver(ids: list[int]) -> dict[str, int]:
    """Deliver these rows, one after the other: each claimed, sent and recorded in its own
    transactions, so a job killed half-way has delivered the first ones exactly once and
    left the rest for the next job or the catch-up."""
    outcome: Counter = Counter()
    left = list(dict.fromkeys(ids))
    worker = worker_name()
    with force_locale("vi"):  # once per job: switching the locale reloads the catalogue
        misses = 0
        while left:
            claimed = claim(left, worker=worker)
            if claimed is None:
                # another worker's claim can hide the next row from this one for a moment (a
                # re-checked row under FOR UPDATE SKIP LOCKED ... LIMIT 1 on PostgreSQL, the first
                # candidates all taken on SQLite): stop only when none of ours is claimable
                misses += 1
                if misses > 3 or not _any_claimable(left):
                    break
                continue
            misses = 0
            left.remove(claimed)
            outcome[_send(claimed, worker)] += 1
    if left:
        outcome["skipped"] += len(left)
    return dict(outcome)


def deliver_one(notification_id: int) -> str:
    result = deliver([notification_id])
    return next(iter(result)) if result else "skipped"


def _outgoing(note: Notification) -> Outgoing:
    if note.channel == "email" and not note.body and note.alert_id is not None:
        from .alerts import _alert_mail  # a sweep's row: the mail is rendered by its sender
        note.subject, note.body = _alert_mail(note)
    elif not note.body and (note.data or {}).get("words") == "receipt":
        from .notices import render_receipt  # a filing's receipt: its words are made here (issue 18)
        render_receipt(note)
    to = note.email if note.channel == "email" else note.address
    return Outgoing(key=note.delivery_key, channel=note.channel, to=to, subject=note.subject or "",
                    body=note.body or "", data=dict(note.data or {}))


def _send(notification_id: int, worker: str) -> str:
    note = db.session.get(Notification, notification_id)
    try:
        message = _outgoing(note)
        ref = gateway_for(note.channel).send(message)
    except GatewayError as error:
        return _failed(note, error)
    except Exception as error:  # noqa: BLE001 - a bug or a broken template: retried, and visible
        log.exception("outbox row %s could not be sent", notification_id)
        return _failed(note, GatewayError(f"{type(error).__name__}: {error}"))
    done = db.session.execute(
        update(Notification).where(Notification.id == note.id, Notification.claimed_by == worker)
        .values(status="sent", sent_at=utcnow(), gateway_ref=(ref or "")[:200] or None, lease_until=None,
                last_error=None, subject=note.subject, body=note.body, data=note.data)).rowcount
    db.session.commit()
    if note.channel == "national" and note.case_id is not None:
        _next_of_case(note.case_id, note.id)
    return "sent" if done else "sent-late"


def _failed(note: Notification, error: GatewayError) -> str:
    from .alerts import error_text
    db.session.rollback()
    note = db.session.get(Notification, note.id)
    now = utcnow()
    note.last_error = error_text(str(error), note)[:500]
    note.lease_until = None
    if error.retry_after is not None and not error.permanent:
        # the service asked to slow down: not a failed try
        note.attempts = max(note.attempts - 1, 0)
        note.status, note.next_attempt_at = "failed", now + timedelta(seconds=max(error.retry_after, 1))
    elif error.permanent or note.attempts >= max_attempts(note.channel):
        note.status, note.next_attempt_at = "dead", None
    else:
        note.status, note.next_attempt_at = "failed", now + backoff(note.attempts)
    db.session.commit()
    if note.status == "failed":
        _retry_later(note.id, note.next_attempt_at - now)
    return "dead" if note.status == "dead" else "failed"


def _retry_later(notification_id: int, delay: timedelta) -> None:
    """Put the retry on RQ's scheduler (``flask worker`` runs it); the sweep's catch-up is
    the safety net when Redis or the scheduler is not there."""
    from redis.exceptions import RedisError

    from ..jobs import get_queue
    try:
        get_queue().enqueue_in(delay, DELIVER_JOB, [notification_id], job_timeout=300)
    except RedisError as error:
        log.warning("retry of outbox row %s left to the sweep: %s", notification_id, error)


def _next_of_case(case_id: int, after_id: int) -> None:
    following = db.session.scalar(
        db.select(Notification.id).where(Notification.channel == "national", Notification.case_id == case_id,
                                         Notification.id > after_id, Notification.status.in_(("pending", "failed")))
        .order_by(Notification.id).limit(1))
    if following is not None:
        enqueue_after_commit(db.session, DELIVER_JOB, [following])
        db.session.commit()


def due(now: datetime, limit: int = 10000) -> list[int]:
    """What the catch-up sends: rows whose back-off passed, never picked up (Redis was down
    when they were written: two minutes old), or whose lease ran out (a worker died)."""
    return list(db.session.scalars(
        db.select(Notification.id).where(or_(
            and_(Notification.status.in_(("pending", "failed")),
                 or_(Notification.next_attempt_at <= now,
                     and_(Notification.next_attempt_at.is_(None),
                          Notification.created_at < now - timedelta(minutes=2)))),
            and_(Notification.status == "sending", Notification.lease_until <= now)))
        .order_by(Notification.id).limit(limit)))


# --- the dead-letter list -----------------------------------------------------------------

def send_again(notification_id: int, by: User) -> bool:
    """An administrator sends a dead message again (one more try), on the record."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.status != "dead":
        return False
    note.status, note.next_attempt_at, note.lease_until = "pending", None, None
    db.session.add(AuditLog(user_id=by.id, action="retry_notification", object_type="notification",
                            object_id=str(note.id), details={"attempts": note.attempts, "channel": note.channel}))
    enqueue_after_commit(db.session, DELIVER_JOB, [note.id])
    return True


def dead_letters(limit: int = 200) -> list[Notification]:
    return list(db.session.scalars(db.select(Notification).where(Notification.status == "dead")
                                   .order_by(Notification.id.desc()).limit(limit)))


def figures() -> dict[tuple[str, str], int]:
    """{(channel, status): rows}, for /metrics and the administration page."""
    rows = db.session.execute(db.select(Notification.channel, Notification.status, func.count())
                              .where(Notification.status.not_in(("none",)))
                              .group_by(Notification.channel, Notification.status)).all()
    return {(channel, status): count for channel, status, count in rows}
