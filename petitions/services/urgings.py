"""Urging (đôn đốc): the provincial inspectorate presses an agency about late cases.

An urging names one or more cases of one agency, a message and a reply deadline. The
agency's heads are told at once (in the application and by e-mail, through the alert
system's notifications), reminded when the reply falls due, and the reply is recorded.
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..jobs import enqueue_after_commit
from ..models import AuditLog, Case, Notification, Urging, User, UserRole
from ..workflow.states import Role
from .alerts import SEND_JOB, _render
from .codes import format_code


class UrgingError(ValueError):
    pass


NO_CASES = _l("Choose at least one case.")
MIXED_AGENCIES = _l("An urging goes to one agency: these cases are held by different agencies.")
REPLY_DATE = _l("The reply date must be after today.")


def _heads(agency_id: int) -> list[User]:
    return list(db.session.scalars(
        db.select(User).join(UserRole).where(User.agency_id == agency_id, User.active.is_(True),
                                             UserRole.role == Role.HEAD.value)))


def _notify(urging: Urging, kind: str, users: list[User]) -> None:
    base = current_app.config["BASE_URL"].rstrip("/")
    with force_locale("vi"):
        subject, body = _render("mail/urging.txt", urging=urging, kind=kind,
                                codes=[format_code(c.tracking_code) for c in urging.cases],
                                link=f"{base}/officer/urgings/{urging.id}")
    for user in users:
        note = Notification(user_id=user.id, case_id=urging.cases[0].id, email=user.email, kind=kind,
                            subject=subject, body=body, attempts=0, data={"urging": urging.id},
                            status="none" if not user.email else ("digest" if user.alert_digest else "pending"))
        db.session.add(note)
        db.session.flush()
        if note.status == "pending":
            enqueue_after_commit(db.session, SEND_JOB, note.id)


def send_urging(by: User, cases: list[Case], message: str, reply_due_on: date, today: date) -> Urging:
    if not cases:
        raise UrgingError(NO_CASES)
    agencies = {c.agency_id for c in cases}
    if len(agencies) != 1:
        raise UrgingError(MIXED_AGENCIES)
    if reply_due_on <= today:
        raise UrgingError(REPLY_DATE)
    urging = Urging(sent_on=today, created_by_id=by.id, agency_id=agencies.pop(), message=message.strip(),
                    reply_due_on=reply_due_on, cases=list(cases))
    db.session.add(urging)
    db.session.flush()
    db.session.add(AuditLog(user_id=by.id, action="send_urging", object_type="urging", object_id=str(urging.id),
                            details={"agency": urging.agency_id, "cases": [c.tracking_code for c in cases],
                                     "reply_due_on": reply_due_on.isoformat()}))
    _notify(urging, "urging", _heads(urging.agency_id))
    return urging


def reply_urging(urging: Urging, by: User, text: str, today: date) -> None:
    urging.reply, urging.replied_on, urging.replied_by_id = text.strip(), today, by.id
    db.session.add(AuditLog(user_id=by.id, action="reply_urging", object_type="urging", object_id=str(urging.id),
                            details={"late": urging.reply_due_on < today}))
    _notify(urging, "urging_reply", [urging.created_by])


def remind_urgings(today: date) -> int:
    """Called by the sweep: the heads are reminded once when an unanswered urging's reply
    date has come (and the inspector who sent it is told once it is overdue)."""
    sent = 0
    due = db.session.scalars(db.select(Urging).where(Urging.replied_on.is_(None), Urging.reply_due_on <= today))
    for urging in due:
        kind = "urging_overdue" if urging.reply_due_on < today else "urging_due"
        already = db.session.scalar(db.select(Notification.id).where(
            Notification.kind == kind, Notification.data["urging"].as_integer() == urging.id).limit(1))
        if already:
            continue
        users = _heads(urging.agency_id) + ([urging.created_by] if kind == "urging_overdue" else [])
        _notify(urging, kind, users)
        sent += 1
    return sent
