"""The deadline sweep, the escalation ladder, and the notifications it produces.

The sweep never changes a case: deadlines are stored, "overdue" is derived. For each
running time limit it works out the alert level reached today, records the alert under
a unique key (deadline, due date, level) and, only for alerts it was the first to
record, writes one notification per recipient. Running it twice, or in two workers at
once, sends nothing twice; a sweep that was missed (Redis down) is caught up by the
next one, because the levels are derived from the stored due dates.
"""
from __future__ import annotations

import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, or_, tuple_, update

from .. import labels
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..models import Agency, Alert, AuditLog, Case, Deadline, Notification, User, UserRole
from ..models.types import utcnow
from ..workflow.deadlines import FILER_STEPS
from ..workflow.states import Role
from .calendar import get_calendar
from .codes import format_code
from .mail import send_mail

LEVEL_ORDER = ("due_soon", "due_today", "overdue", "long_overdue")
SEND_JOB = "petitions.jobs.tasks.send_notification"
# what a filer is told about (LEGAL: accepted, forwarded, decided, closed; and the other outcomes)
FILER_EVENTS = {"accept", "refuse", "forward", "guide", "archive", "decide", "conclude", "answer", "close",
                "terminate"}


@dataclass
class SweepResult:
    scanned: int = 0
    alerts: int = 0
    notifications: int = 0
    by_level: dict = field(default_factory=lambda: defaultdict(int))


def working_days_before(day: date, n: int) -> date:
    cal = get_calendar()
    while n > 0:
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            n -= 1
    return day


@lru_cache(maxsize=4096)
def _days_apart_cached(overrides: tuple, today: date, due_on: date) -> int:
    return abs(get_calendar().working_days_between(today, due_on))


def _days_apart(today: date, due_on: date) -> int:
    """Working days between today and a due date (many alerts share a due date; the
    cache key carries the calendar's official decisions, so a change is seen)."""
    return _days_apart_cached(get_calendar().overrides, today, due_on)


def level_for(due_on: date, today: date, long_before: date) -> str:
    if due_on <= long_before:
        return "long_overdue"
    if due_on < today:
        return "overdue"
    if due_on == today:
        return "due_today"
    return "due_soon"


def _insert_ignore(table, rows: list[dict], conflict: list[str], returning):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING, as one cached statement executed for
    many rows (SQLAlchemy batches them): the rows this transaction was first to write."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).on_conflict_do_nothing(index_elements=conflict).returning(*returning)
    return [tuple(r) for r in db.session.execute(stmt, rows).all()]


class Directory:
    """The officers the ladder names, loaded once per sweep (officers are few)."""

    def __init__(self):
        self.by_agency_role: dict[tuple[int, str], list[User]] = defaultdict(list)
        self.users: dict[int, User] = {}
        rows = db.session.execute(db.select(User, UserRole.role).join(UserRole).where(User.active.is_(True))).all()
        for user, role in rows:
            self.users[user.id] = user
            self.by_agency_role[(user.agency_id, role)].append(user)
        self.agency_parent = dict(db.session.execute(db.select(Agency.id, Agency.parent_id)).all())
        inspectorates = db.session.scalars(db.select(Agency.id).where(Agency.category == "inspectorate")).all()
        self.inspectors = [u for a in inspectorates for u in self.by_agency_role[(a, Role.INSPECTOR.value)]]

    def people(self, agency_id: int | None, role: Role) -> list[User]:
        return list(self.by_agency_role.get((agency_id, role.value), [])) if agency_id else []


def recipients(case_row, level: str, directory: Directory, parent_agency: dict[int, int]) -> dict[int, str]:
    """{user id: why} for one alert, from the configured ladder."""
    cfg = current_app.config
    names = list(cfg["ALERT_LADDER"].get(level, []))
    if level in ("overdue", "long_overdue") and (
            ("mass" in cfg["ALERT_INSPECTORATE_KINDS"] and case_row.is_mass)
            or (case_row.kind in cfg["ALERT_INSPECTORATE_KINDS"])):
        names.append("inspectorate")
    out: dict[int, str] = {}
    for name in names:
        if name == "handler":
            if case_row.handler_id and case_row.handler_id in directory.users:
                found = [directory.users[case_row.handler_id]]
            else:  # nobody assigned yet: the letter is still at the desk
                found = directory.people(case_row.agency_id, Role.RECEPTION)
        elif name == "head":
            found = directory.people(case_row.agency_id, Role.HEAD)
        elif name == "supervisor":
            above = parent_agency.get(case_row.id) or directory.agency_parent.get(case_row.agency_id)
            found = directory.people(above, Role.HEAD)
        elif name == "inspectorate":
            found = directory.inspectors
        else:
            found = []
        for user in found:
            out.setdefault(user.id, name)
    return out


def _render(template: str, **context) -> tuple[str, str]:
    """A mail from its template: first line the subject. Mails are written in Vietnamese,
    whoever triggered them: callers render inside ``force_locale("vi")`` (once per sweep,
    not per mail: switching the locale reloads the catalogue)."""
    text = current_app.jinja_env.get_template(template).render(config=current_app.config, **context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def sweep(today: date, *, batch: int | None = None) -> SweepResult:
    """Record today's alerts for every running time limit due soon or past due."""
    cfg = current_app.config
    batch = batch or cfg["SWEEP_BATCH"]
    soon_until = get_calendar().add_working_days(today, cfg["ALERT_DUE_SOON_DAYS"])
    long_before = working_days_before(today, cfg["ALERT_LONG_OVERDUE_DAYS"])
    directory = Directory()
    result = SweepResult()
    after = (date.min, 0)
    with force_locale("vi"):
        while rows := _running_batch(soon_until, after, batch):
            after = (rows[-1].due_on, rows[-1].id)
            result.scanned += len(rows)
            _record(rows, today, long_before, directory, result)
            db.session.commit()
    return result


def _running_batch(soon_until: date, after: tuple[date, int], batch: int):
    """The next running limits due by ``soon_until``, in (due date, id) order after ``after``:
    keyset paging over the partial index of running deadlines."""
    return db.session.execute(
        db.select(Deadline.id, Deadline.due_on, Deadline.step, Case.id.label("case_id"), Case.kind,
                  Case.is_mass, Case.agency_id, Case.handler_id, Case.parent_id, Case.link_type,
                  Case.tracking_code, Case.title)
        .join(Case, Case.id == Deadline.case_id)
        .where(Deadline.completed_on.is_(None), Deadline.paused_on.is_(None),
               Deadline.step.not_in(sorted(FILER_STEPS)),
               Deadline.due_on <= soon_until, tuple_(Deadline.due_on, Deadline.id) > tuple_(*after))
        .order_by(Deadline.due_on, Deadline.id).limit(batch)
    ).all()


def _record(rows, today: date, long_before: date, directory: Directory, result: SweepResult) -> None:
    candidates = [{"deadline_id": r.id, "case_id": r.case_id, "step": r.step, "due_on": r.due_on,
                   "level": level_for(r.due_on, today, long_before), "created_at": utcnow()} for r in rows]
    inserted = _insert_ignore(Alert.__table__, candidates, ["deadline_id", "due_on", "level"],
                              [Alert.__table__.c.id, Alert.__table__.c.deadline_id, Alert.__table__.c.level])
    if not inserted:
        return
    by_deadline = {r.id: r for r in rows}
    # forwarded cases: the forwarding agency watches too
    parents = {r.case_id: r.parent_id for r in rows if r.link_type == "forwarded_from" and r.parent_id}
    parent_agency = {}
    if parents:
        agency_of = dict(db.session.execute(db.select(Case.id, Case.agency_id)
                                            .where(Case.id.in_(set(parents.values())))).all())
        parent_agency = {case_id: agency_of.get(pid) for case_id, pid in parents.items()}
    notes = []
    base = current_app.config["BASE_URL"].rstrip("/")
    for alert_id, deadline_id, level in inserted:
        row = by_deadline[deadline_id]
        result.alerts += 1
        result.by_level[level] += 1
        who = recipients(row, level, directory, parent_agency)
        if not who:
            continue
        days = _days_apart(today, row.due_on)
        subject, body = _render("mail/alert.txt", level=level, code=format_code(row.tracking_code),
                                title=row.title, step=labels.step_label(row.step), due_on=row.due_on,
                                days=days, kind=labels.label(labels.KIND, row.kind),
                                link=f"{base}/officer/cases/{row.tracking_code}")
        for user_id, why in who.items():
            user = directory.users[user_id]
            status = "none" if not user.email else ("digest" if user.alert_digest else "pending")
            notes.append({"alert_id": alert_id, "case_id": row.case_id, "user_id": user_id, "email": user.email,
                          "kind": level, "subject": subject, "body": body, "status": status, "attempts": 0,
                          "data": {"why": why, "due_on": row.due_on.isoformat(), "step": row.step},
                          "created_at": utcnow()})
    if not notes:
        return
    made = _insert_ignore(Notification.__table__, notes, ["alert_id", "user_id"],
                          [Notification.__table__.c.id, Notification.__table__.c.status])
    result.notifications += len(made)
    for nid, status in made:
        if status == "pending":
            enqueue_after_commit(db.session, SEND_JOB, nid)


def notify_filer(case: Case, event: str, acted_on: date) -> None:
    """Tell the filer (by e-mail, if they gave one) that their case changed step. The
    mail names only their own case: code, subject, new status, the link to follow it."""
    if event not in FILER_EVENTS:
        return
    filer = case.petitioner
    if filer is None or not filer.email:
        return
    base = current_app.config["BASE_URL"].rstrip("/")
    with force_locale("vi"):
        subject, body = _render("mail/case_update.txt", code=format_code(case.tracking_code), title=case.title,
                                status=labels.label(labels.STATUS, case.status), event=event, on=acted_on,
                                agency=case.agency.name, link=f"{base}/track?code={case.tracking_code}")
    note = Notification(case_id=case.id, email=filer.email, kind="case_update", subject=subject, body=body,
                        status="pending", attempts=0, data={"event": event})
    db.session.add(note)
    db.session.flush()
    enqueue_after_commit(db.session, SEND_JOB, note.id)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def send_notification(notification_id: int) -> str:
    """Send one mail. Claims the row first, so two workers never send the same mail."""
    now = utcnow()
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "pending",
               or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
        .values(next_attempt_at=now + timedelta(minutes=10))  # a lease while this worker sends
    ).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"
    note = db.session.get(Notification, notification_id)
    try:
        send_mail(note.email, note.subject, note.body)
    except (OSError, smtplib.SMTPException) as error:
        note.attempts += 1
        note.last_error = f"{type(error).__name__}: {error}"[:500]
        if note.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            note.status = "failed"
        else:
            note.next_attempt_at = now + backoff(note.attempts)
        db.session.commit()
        return "failed"
    note.attempts += 1
    note.status, note.sent_at, note.last_error = "sent", utcnow(), None
    db.session.commit()
    return "sent"


def due_for_sending(now: datetime, limit: int = 10000) -> list[int]:
    """Pending mails whose back-off has passed, or that were never picked up (Redis was
    down when they were written)."""
    return list(db.session.scalars(
        db.select(Notification.id).where(
            Notification.status == "pending",
            or_(Notification.next_attempt_at <= now,
                and_(Notification.next_attempt_at.is_(None), Notification.created_at < now - timedelta(minutes=2))))
        .order_by(Notification.id).limit(limit)))


def retry_failed(notification_id: int, by: User) -> None:
    note = db.session.get(Notification, notification_id)
    if note is None or note.status != "failed":
        return
    note.status, note.next_attempt_at = "pending", None
    db.session.add(AuditLog(user_id=by.id, action="retry_notification", object_type="notification",
                            object_id=str(note.id), details={"attempts": note.attempts}))
    enqueue_after_commit(db.session, SEND_JOB, note.id)


def send_digests(today: date) -> int:
    """One mail per officer who chose the daily digest, listing what waited for it."""
    waiting = db.session.scalars(db.select(Notification).where(Notification.status == "digest")
                                 .order_by(Notification.user_id, Notification.id)).all()
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for note in waiting:
        by_user[note.user_id].append(note)
    sent = 0
    for user_id, notes in by_user.items():
        user = db.session.get(User, user_id)
        with force_locale("vi"):
            subject, body = _render("mail/digest.txt", notes=notes, today=today, user=user)
        try:
            send_mail(user.email, subject, body)
        except (OSError, smtplib.SMTPException):
            continue  # stays in the digest; tomorrow's includes it
        for note in notes:
            note.status, note.sent_at = "sent", utcnow()
        db.session.commit()
        sent += 1
    db.session.add(AuditLog(action="send_digests", object_type="digest", object_id=today.isoformat(),
                            details={"mails": sent}))
    db.session.commit()
    return sent
