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
from sqlalchemy import text

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
    """Record today's alerts for every running time limit due soon or past due, and the
    notifications they give, set-based (issue 18): one ``INSERT ... SELECT ... ON CONFLICT
    DO NOTHING`` writes the alerts, one more writes every notification from the alerts just
    written joined with the recipients' table. Who is told is still decided in Python, by the
    ladder (:func:`recipients`), but once per distinct (level, agency, handler, kind, joint
    letter, forwarding agency) and not once per alert; the words of the subjects once per
    (level, step, due date). One transaction: a sweep that fails leaves nothing half-written,
    and a rerun finds every alert recorded (``batch`` is kept for callers; unused)."""
    cfg = current_app.config
    soon_until = get_calendar().add_working_days(today, cfg["ALERT_DUE_SOON_DAYS"])
    long_before = working_days_before(today, cfg["ALERT_LONG_OVERDUE_DAYS"])
    result = SweepResult()
    started = time.time()
    now = utcnow()
    with force_locale("vi"):
        written = _insert_alerts(today, soon_until, long_before, now)
        result.scanned = result.alerts = len(written)
        for _alert_id, level in written:
            result.by_level[level] += 1
        if written:
            made = _insert_notifications([alert_id for alert_id, _level in written], today, now)
            result.notifications = len(made)
            enqueue_sending(sorted(nid for nid, status in made if status == "pending"))
        db.session.commit()
    _remember_sweep(started, result)
    return result


def _level_sql() -> str:
    return ("CASE WHEN d.due_on <= :long_before THEN 'long_overdue' WHEN d.due_on < :today THEN 'overdue' "
            "WHEN d.due_on = :today THEN 'due_today' ELSE 'due_soon' END")


def _insert_alerts(today: date, soon_until: date, long_before: date, now: datetime) -> list[tuple[int, str]]:
    """Every running limit due by ``soon_until`` whose alert of today's level is not recorded
    yet gets it: one statement over the partial index of running limits (``completed_on IS
    NULL`` written as a literal, so a generic plan still uses it). Returns (alert id, level)
    of the alerts this transaction was first to write (the unique key decides a race)."""
    from sqlalchemy import bindparam
    level = _level_sql()
    filer = ", ".join(f"'{step}'" for step in sorted(FILER_STEPS))  # constants of the workflow package
    stmt = text(
        "INSERT INTO alerts (case_id, deadline_id, step, due_on, level, created_at) "
        f"SELECT d.case_id, d.id, d.step, d.due_on, {level}, :now FROM deadlines d "
        f"WHERE d.completed_on IS NULL AND d.paused_on IS NULL AND d.step NOT IN ({filer}) "
        "AND d.due_on <= :soon_until AND NOT EXISTS (SELECT 1 FROM alerts x WHERE x.deadline_id = d.id "
        f"AND x.due_on = d.due_on AND x.level = {level}) "
        "ON CONFLICT (deadline_id, due_on, level) DO NOTHING RETURNING id, level"
    ).bindparams(bindparam("now", type_=Alert.__table__.c.created_at.type),
                 bindparam("today", type_=Deadline.__table__.c.due_on.type),
                 bindparam("soon_until", type_=Deadline.__table__.c.due_on.type),
                 bindparam("long_before", type_=Deadline.__table__.c.due_on.type))
    rows = db.session.execute(stmt, {"now": now, "today": today, "soon_until": soon_until,
                                     "long_before": long_before}).all()
    return [(r[0], r[1]) for r in rows]


#: the columns the sweep writes to ``notifications`` (kept in this one place: the outbox of
#: issue 19 adds columns with defaults; a new required one goes here)
NOTIFICATION_COLUMNS = ("alert_id", "case_id", "user_id", "email", "channel", "idempotency_key", "kind", "subject",
                        "body", "status", "attempts", "data", "created_at")


def _insert_notifications(alert_ids: list[int], today: date, now: datetime) -> list[tuple[int, str]]:
    """The notifications of the alerts ``alert_ids`` (written in this transaction), in one
    ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``: each alert joined with the recipients'
    table (``recipients`` decided per distinct case shape) and the subjects' table. Returns
    (notification id, status)."""
    from sqlalchemy import bindparam
    dialect = db.engine.dialect
    pg = dialect.name == "postgresql"
    ids_param = json.dumps(alert_ids)
    in_ids = "a.id = ANY(CAST(:ids AS integer[]))" if pg else "a.id IN (SELECT value FROM json_each(:ids))"
    # the shapes of the cases alerted, and their due dates and steps
    fwd = ("LEFT JOIN cases p ON p.id = c.parent_id AND c.link_type = 'forwarded_from'")
    shapes = db.session.execute(text(
        "SELECT DISTINCT a.level, c.agency_id, COALESCE(c.handler_id, 0), c.kind, c.is_mass, "
        f"COALESCE(p.agency_id, 0) FROM alerts a JOIN cases c ON c.id = a.case_id {fwd} WHERE {in_ids}"),
        {"ids": alert_ids if pg else ids_param}).all()
    subjects_rows = db.session.execute(text(
        f"SELECT DISTINCT a.level, a.step, a.due_on FROM alerts a WHERE {in_ids}"),
        {"ids": alert_ids if pg else ids_param}).all()
    directory = Directory()
    seal = Notification.__table__.c.email.type.process_bind_param
    sealed: dict[int, str | None] = {}
    recipients_rows = []
    for level, agency_id, handler_id, kind, is_mass, fwd_agency in shapes:
        row = _Shape(id=0, kind=kind, is_mass=bool(is_mass), agency_id=agency_id, handler_id=handler_id or None)
        for user_id, why in recipients(row, level, directory, {0: fwd_agency or None}).items():
            user = directory.users[user_id]
            if user_id not in sealed:
                sealed[user_id] = seal(user.email, dialect) if user.email else None
            recipients_rows.append({
                "shape": f"{level}|{agency_id}|{handler_id or 0}|{kind}|{1 if is_mass else 0}|{fwd_agency or 0}",
                "user_id": user_id, "why": why,
                "status": "none" if not user.email else ("digest" if user.alert_digest else "pending"),
                "email": sealed[user_id]})
    if not recipients_rows:
        return []
    subjects = _Subjects()
    calendar = get_calendar()
    subject_rows = []
    for level, step, due_on in subjects_rows:
        due_on = due_on if isinstance(due_on, date) else date.fromisoformat(str(due_on))
        head, tail = subjects.parts(level, step, due_on)
        subject_rows.append({"level": level, "step": step, "due_on": due_on.isoformat(), "head": head, "tail": tail,
                             "days": _days_apart(today, due_on, calendar)})
    columns = ", ".join(NOTIFICATION_COLUMNS)
    # each alerted case's shape as one key: the join with the recipients is then one hash join
    # (joined on five columns, PostgreSQL misjudged the JSON rows and looped 12 million times)
    shape = ("ac_level || '|' || c.agency_id || '|' || COALESCE(c.handler_id, 0) || '|' || c.kind || '|' || "
             "CASE WHEN c.is_mass THEN 1 ELSE 0 END || '|' || COALESCE(p.agency_id, 0)").replace(
                 "ac_level", "a.level")
    ac = (f"SELECT a.id, a.case_id, a.level, a.step, a.due_on, {shape} AS shape, "
          "substr(c.tracking_code, 1, 5) || '-' || substr(c.tracking_code, 6) AS code "
          f"FROM alerts a JOIN cases c ON c.id = a.case_id {fwd} WHERE {in_ids}")
    values = ("ac.id, ac.case_id, m.user_id, m.email, 'email', 'alert:' || ac.id || ':' || m.user_id, ac.level, "
              "substr(s.head || ac.code || s.tail, 1, 300), '', m.status, 0, {data}, :now")
    if pg:
        # the recipients and the subjects as two JSON objects keyed by shape, looked up per
        # alert (a join with them as rows was planned as a nested loop: 24 million comparisons)
        sql = (f"INSERT INTO notifications ({columns}) WITH ac AS MATERIALIZED ({ac}), "
               "r AS MATERIALIZED (SELECT CAST(:recipients_by_shape AS jsonb) AS who, "
               "CAST(:subjects_by_key AS jsonb) AS subj) "
               "SELECT ac.id, ac.case_id, m.user_id, m.email, 'email', 'alert:' || ac.id || ':' || m.user_id, "
               "ac.level, substr((x.sj ->> 'head') || ac.code || (x.sj ->> 'tail'), 1, 300), '', m.status, 0, "
               "json_build_object('why', m.why, 'due_on', ac.due_on, 'step', ac.step, "
               "'days', CAST(x.sj ->> 'days' AS integer)), :now "
               "FROM ac CROSS JOIN r "
               "CROSS JOIN LATERAL (SELECT r.subj -> (ac.level || '|' || ac.step || '|' || ac.due_on) AS sj) AS x "
               "CROSS JOIN LATERAL jsonb_to_recordset(r.who -> ac.shape) "
               "AS m(user_id integer, why text, status text, email text) "
               "ON CONFLICT (alert_id, user_id) DO NOTHING RETURNING id, status")
    else:
        data = "json_object('why', m.why, 'due_on', s.due_on, 'step', ac.step, 'days', s.days)"
        m = "(SELECT " + ", ".join(f"json_extract(value, '$.{f}') AS {f}" for f in
                                    ("shape", "user_id", "why", "status", "email")) + " FROM json_each(:recipients)) AS m"
        subj = "(SELECT " + ", ".join(f"json_extract(value, '$.{f}') AS {f}" for f in
                                       ("level", "step", "due_on", "head", "tail", "days")) + \
            " FROM json_each(:subjects)) AS s"
        sql = (f"INSERT INTO notifications ({columns}) SELECT {values.format(data=data)} FROM ({ac}) AS ac "
               f"JOIN {m} ON m.shape = ac.shape JOIN {subj} ON s.level = ac.level AND s.step = ac.step "
               "AND s.due_on = ac.due_on WHERE true ON CONFLICT (alert_id, user_id) DO NOTHING RETURNING id, status")
    stmt = text(sql).bindparams(bindparam("now", type_=Notification.__table__.c.created_at.type))
    by_shape: dict[str, list] = defaultdict(list)
    for row in recipients_rows:
        by_shape[row["shape"]].append({k: row[k] for k in ("user_id", "why", "status", "email")})
    by_key = {f"{r['level']}|{r['step']}|{r['due_on']}": {"head": r["head"], "tail": r["tail"], "days": r["days"]}
              for r in subject_rows}
    params = {"ids": alert_ids if pg else ids_param, "now": now,
              "recipients_by_shape": json.dumps(by_shape, ensure_ascii=False),
              "subjects_by_key": json.dumps(by_key, ensure_ascii=False),
              "recipients": json.dumps(recipients_rows, ensure_ascii=False),
              "subjects": json.dumps(subject_rows, ensure_ascii=False)}
    return [(r[0], r[1]) for r in db.session.execute(stmt, params).all()]


@dataclass
class _Shape:
    """What :func:`recipients` reads of a case, for one distinct shape of alerted cases."""
    id: int
    kind: str
    is_mass: bool
    agency_id: int
    handler_id: int | None


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
        head, tail = self.parts(level, step, due_on)
        return f"{head}{format_code(tracking_code)}{tail}"[:300]

    def parts(self, level: str, step: str, due_on: date) -> tuple[str, str]:
        """The subject around the tracking code: ("[Level] ", ": step — due dd/mm/yyyy")."""
        if step not in self.steps:
            self.steps[step] = labels.step_label(step)
        return f"[{self.what[level]}] ", f": {self.steps[step]} — {self.due % {'date': due_on.strftime('%d/%m/%Y')}}"


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
