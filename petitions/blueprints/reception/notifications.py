"""The officer's notifications: deadline alerts in the application, with an unread count."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from ...security import BaseForm as FlaskForm
from wtforms import BooleanField

from ...extensions import db
from ...models import AuditLog, Notification
from ...models.types import utcnow
from ...workflow.states import Role
from . import bp


def unread_count(user) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


@bp.app_context_processor
def _unread():
    if current_user and current_user.is_authenticated:
        # a page that counted them with its own statement leaves the count in g (the queue)
        unread = g.get("unread_notifications")
        out = {"unread_notifications": unread_count(current_user) if unread is None else unread}
        if current_user.has_role(Role.ADMIN):
            from ...jobs import redis_ok
            out["alerts_paused"] = not redis_ok()
        return out
    return {}


@bp.get("/notifications")
def notifications():
    rows = db.session.scalars(db.select(Notification).where(Notification.user_id == current_user.id)
                              .order_by(Notification.id.desc()).limit(200)).all()
    return render_template("reception/notifications.html", rows=rows, form=FlaskForm(),
                           digest_form=DigestForm(digest=current_user.alert_digest))


@bp.post("/notifications/<int:notification_id>/open")
def open_notification(notification_id: int):
    FlaskForm().validate_on_submit() or abort(400)
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    return redirect(_target(note))


def _target(note: Notification) -> str:
    """Where a notification leads: the urging, session or dialogue it is about, or its case."""
    data = note.data or {}
    if data.get("account"):  # failed sign-ins to the officer's own account (issue 14)
        return url_for("auth.account")
    if data.get("urging"):
        return url_for("reception.show_urging", urging_id=data["urging"])
    if data.get("session"):
        return url_for("engage.show_session", session_id=data["session"])
    if data.get("dialogue"):
        return url_for("engage.show_dialogue", dialogue_id=data["dialogue"])
    if note.case is not None:
        return url_for("reception.show_case", code=note.case.tracking_code)
    return url_for("reception.notifications")


class DigestForm(FlaskForm):
    digest = BooleanField(_l("Send me one mail a day with all my alerts instead of one mail each"))


@bp.post("/notifications/digest")
def set_digest():
    form = DigestForm()
    if not form.validate_on_submit():
        abort(400)
    current_user.alert_digest = bool(form.digest.data)
    db.session.add(AuditLog(user_id=current_user.id, action="set_alert_digest", object_type="user",
                            object_id=str(current_user.id), details={"digest": current_user.alert_digest}))
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("reception.notifications"))


@bp.post("/notifications/read")
def read_all():
    FlaskForm().validate_on_submit() or abort(400)
    db.session.execute(db.update(Notification).where(Notification.user_id == current_user.id,
                                                     Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for("reception.notifications"))
