"""The deadline sweep, the escalation ladder, and the notifications it produces.

The sweep never changes a case: deadlines are stored, "overdue" is derived. For each
running time limit it works out the alert level reached today, records the alert under
a unique key (deadline, due date, level) and, only for alerts it was the first to
record, writes one notification per recipient. Running it twice, or in two workers at
once, sends nothing twice; a sweep that was missed (Redis down) is caught up by the
next one, because the levels are derived from the stored due dates.

The sweep writes rows only (alerts and notifications, set-based, batch by batch); the
mails are rendered and sent by one RQ job per batch of notifications
(:func:`send_notifications`), each mail claimed and marked sent on its own.
"""
from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import case, text, tuple_

from .. import labels
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..models import Agency, Alert, AuditLog, Case, Deadline, Notification, User, UserRole
from ..models.types import utcnow
from ..permissions import allowed
from ..workflow.deadlines import FILER_STEPS
from ..workflow.states import Role
from .calendar import get_calendar
from .codes import format_code

LEVEL_ORDER = ("due_soon", "due_today", "overdue", "long_overdue")
SEND_JOB = "petitions.jobs.tasks.send_notification"
# one job sends a batch of mails (each still claimed and marked sent on its own)
SEND_BATCH_JOB = "petitions.jobs.tasks.send_notifications"
MAIL_JOB_SIZE = 100  # mails per send job: a job stays inside its 300 s time-out (a mail that times it
# out is under its lease; the unclaimed rest are pending for the catch-up)
# what a filer is told about (LEGAL: accepted, forwarded, decided, closed; and the other outcomes)
FILER_EVENTS = {"accept", "refuse", "forward", "guide", "archive", "decide", "conclude", "answer", "close",
                "terminate"}


@dataclass
class SweepResult:
    scanned: int = 0  # running limits that reached an alert level not recorded yet (a rerun: 0)
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


def _days_apart(today: date, due_on: date, calendar=None) -> int:
    """Working days between today and a due date (two look-ups in the calendar's
    cumulative index, see ``workflow.calendar``)."""
    return abs((calendar or get_calendar()).working_days_between(today, due_on))


def level_for(due_on: date, today: date, long_before: date) -> str:
    if due_on <= long_before:
        return "long_overdue"
    if due_on < today:
        return "overdue"
    if due_on == today:
        return "due_today"
    return "due_soon"


def _insert_ignore(table, rows: list[dict], conflict: list[str], returning):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING for many rows in one statement: the rows
    this transaction was first to write.

    On PostgreSQL the rows travel as ONE JSON parameter, unpacked by ``json_to_recordset``:
    a multi-row VALUES with thousands of placeholders made psycopg spend 40% of the sweep
    parsing its own query text, and array parameters spend as long escaping strings."""
    dialect = db.engine.dialect
    if dialect.name == "postgresql":
        quote = dialect.identifier_preparer.quote
        names = [quote(name) for name in rows[0]]
        spec = ", ".join(f"{quote(name)} {table.c[name].type.compile(dialect=dialect)}" for name in rows[0])
        stmt = text(f"INSERT INTO {quote(table.name)} ({', '.join(names)}) SELECT {', '.join(names)} "
                    f"FROM json_to_recordset(CAST(:rows AS json)) AS src({spec}) "
                    f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO NOTHING "
                    f"RETURNING {', '.join(quote(c.name) for c in returning)}")
        # raw SQL skips the column types: seal the encrypted columns (notifications.email) here
        from ..models.types import EncryptedText
        sealed = [name for name in rows[0] if isinstance(table.c[name].type, EncryptedText)]
        if sealed:
            seal = table.c[sealed[0]].type.process_bind_param
            rows = [{**row, **{name: seal(row[name], dialect) for name in sealed}} for row in rows]
        payload = json.dumps(rows, default=_json_value, ensure_ascii=False, separators=(",", ":"))
        return [tuple(r) for r in db.session.execute(stmt, {"rows": payload}).all()]
    from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).on_conflict_do_nothing(index_elements=conflict).returning(*returning)
    return [tuple(r) for r in db.session.execute(stmt, rows).all()]


def _json_value(value):
    """Dates as ISO text; moments as naive UTC, as ``UTCDateTime`` stores them."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class Directory:
    """The officers the ladder names, loaded once per sweep (officers are few)."""

    def __init__(self):
        self.by_agency_role: dict[tuple[int, str], list[User]] = defaultdict(list)
        self.users: dict[int, User] = {}
        self._may_view: dict[tuple[int, int], bool] = {}
        rows = db.session.execute(db.select(User, UserRole.role).join(UserRole).where(User.active.is_(True))).all()
        for user, role in rows:
            self.users[user.id] = user
            self.by_agency_role[(user.agency_id, role)].append(user)
        self.agency_parent = dict(db.session.execute(db.select(Agency.id, Agency.parent_id)).all())
        inspectorates = db.session.scalars(db.select(Agency.id).where(Agency.category == "inspectorate")).all()
        self.inspectors = [u for a in inspectorates for u in self.by_agency_role[(a, Role.INSPECTOR.value)]]
        # the sweep commits after every batch, which would expire these objects and reload
        # each officer once per batch (measured: 20 s of a 100 s sweep over 100,000 cases):
        # keep them detached, with what the ladder reads (roles, agency) already loaded
        for user in self.users.values():
            user.roles  # noqa: B018 - load before detaching
            db.session.expunge(user)

    def may_view(self, user: User, agency_id: int) -> bool:
        """``allowed(user, "case.view", agency_id)``, asked once per (officer, agency) and
        sweep, not once per notification (it walks the agency tree)."""
        key = (user.id, agency_id)
        found = self._may_view.get(key)
        if found is None:
            found = self._may_view[key] = allowed(user, "case.view", agency_id)
        return found

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
            # the same table as the pages: nobody is told about a case they may not open
            if directory.may_view(user, case_row.agency_id):
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
    started = time.time()
    with force_locale("vi"):
        while rows := _running_batch(soon_until, after, batch, today, long_before):
            after = (rows[-1].due_on, rows[-1].id)
            result.scanned += len(rows)
            _record(rows, today, long_before, directory, result)
            db.session.commit()
    _remember_sweep(started, result)
    return result


def _sweep_key() -> str:
    return f"{current_app.config['RQ_QUEUE']}:last-sweep"


def _remember_sweep(started: float, result: SweepResult) -> None:
    """When the last sweep finished and how long it took, for /metrics and /healthz. Kept in
    Redis beside the queue (a sweep that cannot reach Redis still did its work)."""
    from redis.exceptions import RedisError

    from ..jobs import redis_connection
    finished = time.time()
    try:
        redis_connection().hset(_sweep_key(), mapping={
            "started_at": f"{started:.3f}", "finished_at": f"{finished:.3f}", "seconds": f"{finished - started:.3f}",
            "scanned": result.scanned, "alerts": result.alerts, "notifications": result.notifications})
    except RedisError:
        pass


def last_sweep() -> dict | None:
    """The last sweep's record ({finished_at, seconds, scanned, alerts, ...}), or None."""
    from redis.exceptions import RedisError

    from ..jobs import redis_connection
    try:
        raw = redis_connection().hgetall(_sweep_key())
    except RedisError:
        return None
    if not raw:
        return None
    return {k.decode(): float(v) for k, v in raw.items()}


def _running_batch(soon_until: date, after: tuple[date, int], batch: int, today: date, long_before: date):
    """The next running limits due by ``soon_until`` whose alert for today's level is not
    recorded yet, in (due date, id) order after ``after``: keyset paging over the partial
    index of running deadlines. Skipping the limits already alerted in SQL makes a rerun
    one statement (it used to fetch and re-offer every limit to ``ON CONFLICT``); the
    unique key still decides when two sweeps race."""
    level = case((Deadline.due_on <= long_before, "long_overdue"), (Deadline.due_on < today, "overdue"),
                 (Deadline.due_on == today, "due_today"), else_="due_soon")
    recorded = (db.select(Alert.id).where(Alert.deadline_id == Deadline.id, Alert.due_on == Deadline.due_on,
                                          Alert.level == level).exists())
    return db.session.execute(
        db.select(Deadline.id, Deadline.due_on, Deadline.step, Case.id.label("case_id"), Case.kind,
                  Case.is_mass, Case.agency_id, Case.handler_id, Case.parent_id, Case.link_type,
                  Case.tracking_code, Case.title)
        .join(Case, Case.id == Deadline.case_id)
        .where(Deadline.completed_on.is_(None), Deadline.paused_on.is_(None),
               Deadline.step.not_in(sorted(FILER_STEPS)),
               Deadline.due_on <= soon_until, tuple_(Deadline.due_on, Deadline.id) > tuple_(*after), ~recorded)
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
    subjects = _Subjects()
    calendar = get_calendar()
    for alert_id, deadline_id, level in inserted:
        row = by_deadline[deadline_id]
        result.alerts += 1
        result.by_level[level] += 1
        who = recipients(row, level, directory, parent_agency)
        if not who:
            continue
        # the mail itself is rendered by the job that sends it (Jinja and gettext for every
        # alert made the sweep 5x slower); the subject is what the application lists
        subject = subjects(level, row.tracking_code, row.step, row.due_on)
        data = {"due_on": row.due_on.isoformat(), "step": row.step, "days": _days_apart(today, row.due_on, calendar)}
        for user_id, why in who.items():
            user = directory.users[user_id]
            status = "none" if not user.email else ("digest" if user.alert_digest else "pending")
            notes.append({"alert_id": alert_id, "case_id": row.case_id, "user_id": user_id, "email": user.email,
                          "channel": "email", "idempotency_key": f"alert:{alert_id}:{user_id}", "kind": level, "subject": subject, "body": "", "status": status, "attempts": 0,
                          "data": {"why": why, **data}, "created_at": utcnow()})
    if not notes:
        return
    made = _insert_ignore(Notification.__table__, notes, ["alert_id", "user_id"],
                          [Notification.__table__.c.id, Notification.__table__.c.status])
    result.notifications += len(made)
    enqueue_sending(sorted(nid for nid, status in made if status == "pending"))


class _Subjects:
    """The first line of ``mail/alert.txt`` without Jinja: the translated words are looked
    up once per sweep batch (callers are inside ``force_locale("vi")``).
    ``tests/test_alert_batches.py`` checks it equals the subject of the mail as sent."""

    def __init__(self):
        from flask_babel import gettext
        self.what = {"due_soon": gettext("Due soon"), "due_today": gettext("Due today"),
                     "overdue": gettext("Overdue"), "long_overdue": gettext("Long overdue")}
        self.due = gettext("due %(date)s")
        self.steps: dict[str, str] = {}

    def __call__(self, level: str, tracking_code: str, step: str, due_on: date) -> str:
        if step not in self.steps:
            self.steps[step] = labels.step_label(step)
        code = format_code(tracking_code)
        return (f"[{self.what[level]}] {code}: {self.steps[step]} — "
                f"{self.due % {'date': due_on.strftime('%d/%m/%Y')}}")[:300]


def enqueue_sending(ids: list[int], session=None) -> None:
    """Send these pending mails after the commit: one job per ``MAIL_JOB_SIZE`` mails."""
    size = current_app.config.get("MAIL_JOB_SIZE", MAIL_JOB_SIZE)
    for start in range(0, len(ids), size):
        enqueue_after_commit(session or db.session, SEND_BATCH_JOB, ids[start:start + size])


_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")
# a Vietnamese phone number as a gateway may quote it (0912345678, 84912345678, +84 912 345 678)
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){9,10}(?!\d)")


def error_text(text: str | None, note: Notification | None = None) -> str:
    """A delivery error as administrators may read it: a mail server's answer usually
    quotes the recipient ("550 <ten@example.vn>: mailbox unavailable"), and a bounced
    mail to a denouncer must not show the denouncer's address. Every address, and the
    filers of the case in any form (the redaction engine), become a mark."""
    if not text:
        return text or ""
    text = _ADDRESS.sub("<…>", text)
    if note is not None and note.email:
        text = text.replace(note.email, "<…>")
    if note is not None and note.address:
        text = text.replace(note.address, "<…>")
    text = _PHONE.sub("<…>", text)
    case = note.case if note is not None and note.case_id else None
    if case is not None:
        from ..redaction import Identity
        text = Identity.of_parties(case.parties).redact(text, "<…>")[0]
    return text


def outgoing_text(text, case):
    from .verification import outgoing_text as clean
    return clean(text, case)


def _alert_mail(note: Notification) -> tuple[str, str]:
    """Render an alert mail from its notification, alert and case (in the sending job)."""
    alert = db.session.get(Alert, note.alert_id)
    case = db.session.get(Case, note.case_id)
    data = note.data or {}
    base = current_app.config["BASE_URL"].rstrip("/")
    def render():
        return _render("mail/alert.txt", level=alert.level, code=format_code(case.tracking_code),
                       title=outgoing_text(case.title, case), step=labels.step_label(alert.step), due_on=alert.due_on,
                       days=data.get("days", 0), kind=labels.label(labels.KIND, case.kind),
                       link=f"{base}/officer/cases/{case.tracking_code}")
    if str(get_locale()) == "vi":  # a batch job switched once for all its mails
        return render()
    with force_locale("vi"):
        return render()


def notify_filer(case: Case, event: str, acted_on: date, event_id: int | None = None) -> None:
    """Tell the filer that their case changed step, the way they chose (services/notices.py):
    by e-mail, SMS or Zalo. The message names only their own case: code, new status, the link
    to follow it; never the access key, never a denunciation's detail."""
    if event not in FILER_EVENTS:
        return
    from .notices import notify_case_update
    notify_case_update(case, event, acted_on, event_id)


def mail_receipt(case: Case, *, fresh: bool = False) -> None:
    """The receipt at filing, to a filer who gave an address or chose SMS or Zalo: the tracking
    code, the date received and the handling due date, never the access key (a message is not
    a safe place for it, and it is stored only as a hash)."""
    from .notices import notify_receipt
    notify_receipt(case, fresh=fresh)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, at most six hours (services/outbox.py)."""
    from .outbox import backoff as outbox_backoff
    return outbox_backoff(attempts)


def send_notification(notification_id: int) -> str:
    """Deliver one outbox row (services/outbox.py): claimed first, so two workers never
    send the same message."""
    from .outbox import deliver_one
    return deliver_one(notification_id)


def send_notifications(ids: list[int]) -> dict[str, int]:
    """Deliver a batch of outbox rows, one after the other, each claimed, sent and marked
    sent on its own (services/outbox.deliver)."""
    from .outbox import deliver
    return deliver(ids)


def due_for_sending(now: datetime, limit: int = 10000) -> list[int]:
    """Outbox rows whose back-off has passed, never picked up (Redis was down when they were
    written), or whose worker died mid-send (the lease ran out)."""
    from .outbox import due
    return due(now, limit)


def retry_failed(notification_id: int, by: User) -> None:
    """"Send again" on the dead-letter list (audited)."""
    from .outbox import send_again
    send_again(notification_id, by)


def send_digests(today: date) -> int:
    """One mail per officer who chose the daily digest, listing what waited for it. Each
    digest is an outbox row (key ``digest:<officer>:<day>``, so a rerun writes none) written
    in the transaction that marks its notifications carried, then delivered at once."""
    from .outbox import deliver, write
    waiting = db.session.scalars(db.select(Notification).where(Notification.status == "digest")
                                 .order_by(Notification.user_id, Notification.id)).all()
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for note in waiting:
        by_user[note.user_id].append(note)
    written = []
    for user_id, notes in by_user.items():
        user = db.session.get(User, user_id)
        with force_locale("vi"):
            subject, body = _render("mail/digest.txt", notes=notes, today=today, user=user)
        row = write("email", key=f"digest:{user_id}:{today.isoformat()}", kind="digest", subject=subject,
                    body=body, email=user.email, data={"notifications": [n.id for n in notes]})
        for note in notes:
            note.status, note.sent_at = "sent", utcnow()
        if row is not None:
            written.append(row.id)
    db.session.add(AuditLog(action="send_digests", object_type="digest", object_id=today.isoformat(),
                            details={"mails": len(written)}))
    db.session.commit()
    if written:
        deliver(written)
    return len(written)
