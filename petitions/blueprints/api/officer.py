"""The officers' JSON API (token-authenticated): the agency's cases and their events,
under the same rules and errors as the pages."""
from __future__ import annotations

from datetime import date
from functools import wraps

from flask import g, jsonify, request
from flask_babel import gettext as _

from ... import labels
from ...extensions import db
from ...models import Case
from ...permissions import can_view_case
from ...services.codes import normalize
from ...services.queries import CaseFilter, page_of_cases
from ...services.tokens import user_for_token
from ...services.verification import load_filers, shown_text
from ...services.workflow import ConflictError, apply_transition, available_actions
from ...web import local_today
from ...workflow.engine import (ActDateError, EventNotAllowed, FieldError, RoleNotAllowed, TransitionError,
                                UnknownEvent)
from . import bp
from ...security import strict_int


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        user = user_for_token(header[7:].strip() if header.lower().startswith("bearer ") else None)
        if user is None:
            return jsonify({"errors": {"_": [_("Send a valid officer token: Authorization: Bearer <token>.")]}}), 401
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _deadline(d) -> dict:
    return {"step": d.step, "label": labels.step_label(d.step), "started_on": _iso(d.started_on),
            "due_on": _iso(d.due_on), "limit_days": d.limit_days, "unit": d.unit, "source": d.source,
            "completed_on": _iso(d.completed_on), "paused_on": _iso(d.paused_on),
            "on_time": d.on_time, "overdue": d.completed_on is None and d.paused_on is None
            and d.due_on < local_today(),
            "explanation": labels.explain(d.explanation)}


def _summary(case: Case, next_due, user) -> dict:
    return {"tracking_code": case.tracking_code, "kind": case.kind, "status": case.status,
            "title": shown_text(case.title, case, user), "received_on": _iso(case.received_on), "agency": case.agency.code,
            "commune": case.commune.code if case.commune else None, "next_due_on": _iso(next_due),
            "overdue": bool(next_due and next_due < local_today()), "version": case.version}


def _detail(case: Case, user) -> dict:
    out = _summary(case, case.running_deadline.due_on if case.running_deadline else None, user)
    out.update({
        "content": shown_text(case.content, case, user), "respondent": shown_text(case.respondent, case, user), "channel": case.channel,
        "handler": case.handler.username if case.handler else None, "outcome": case.outcome,
        "deadlines": [_deadline(d) for d in case.deadlines],
        "events": [{"event": e.event, "date": _iso(e.acted_on), "from_status": e.from_status,
                    "to_status": e.to_status, "note": shown_text(e.note, case, user), "actor": e.actor.username if e.actor else None}
                   for e in case.events],
        "actions": [{"event": r.event.value, "label": labels.tr(r.label), "source": labels.tr(r.source),
                     "fields": [{"name": f.name, "type": f.type, "label": labels.tr(f.label),
                                 "required": f.required, "choices": [c for c, _ in f.choices]}
                                for f in r.fields]}
                    for r in available_actions(case, user)],
    })
    # a denouncer's identity never leaves through the API (the page has the logged reveal)
    if case.identity_is_confidential:
        out["filer"] = {"pseudonym": case.pseudonym}
    elif case.is_anonymous:
        out["filer"] = None
    else:
        out["parties"] = [{"role": p.role, "full_name": p.full_name, "phone": p.phone, "email": p.email,
                           "address": p.address} for p in case.parties]
    return out


MAX_PAGE = 1_000_000
MAX_FIELD_CHARS = 5000  # any text of an event (reason, note, decision): as long as the longest form field


@bp.get("/officer/cases")
@token_required
def list_cases():
    args = request.args
    page = strict_int(args.get("page", "1"), minimum=1, maximum=MAX_PAGE)  # a huge page overflows OFFSET
    if page is None:
        return jsonify({"errors": {"page": [_("Must be a whole number.")]}}), 422
    overdue = args.get("overdue", "false").strip().lower()
    if overdue not in ("true", "false", "1", "0"):
        return jsonify({"errors": {"overdue": [_("Must be true or false.")]}}), 422
    f = CaseFilter(kind=args.get("kind") or None, status=args.get("status") or None,
                   commune=args.get("commune") or None,
                   overdue_on=local_today() if overdue in ("1", "true") else None)
    rows, total = page_of_cases(g.api_user, f, page, 50)
    load_filers([c for c, _due in rows], g.api_user)
    return jsonify({"total": total, "page": page, "cases": [_summary(c, due, g.api_user) for c, due in rows]})


def _case_for(code: str):
    case = db.session.scalar(db.select(Case).where(Case.tracking_code == normalize(code)))
    if case is None or not can_view_case(g.api_user, case):
        return None
    return case


@bp.get("/officer/cases/<code>")
@token_required
def read_case(code: str):
    case = _case_for(code)
    if case is None:
        return jsonify({"errors": {"_": [_("No case with this tracking code in your agency.")]}}), 404
    return jsonify(_detail(case, g.api_user))


@bp.post("/cases/<code>/events")
@token_required
def post_event(code: str):
    case = _case_for(code)
    if case is None:
        return jsonify({"errors": {"_": [_("No case with this tracking code in your agency.")]}}), 404
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("event"), str):
        return jsonify({"errors": {"event": [_("Send a JSON object with the event to fire.")]}}), 422
    try:
        act_date = date.fromisoformat(body.get("date") or local_today().isoformat())
    except (TypeError, ValueError):
        return jsonify({"errors": {"date": [_("Must be a date (YYYY-MM-DD).")]}}), 422
    fields = {k: v for k, v in body.items() if k not in ("event", "date", "version")}
    too_long = {k: [_("At most %(n)d characters.", n=MAX_FIELD_CHARS)] for k, v in body.items()
                if (isinstance(v, str) and len(v) > MAX_FIELD_CHARS) or len(str(k)) > 100}
    if too_long:  # the forms' limits hold on the API too (a 100 KB reason was accepted)
        return jsonify({"errors": too_long}), 422
    version = body.get("version")
    try:
        record = apply_transition(case, body["event"], g.api_user, act_date, fields, today=local_today(),
                                  expected_version=version if isinstance(version, int) else None)
    except TransitionError as error:
        db.session.rollback()
        status, key = 422, "_"
        if isinstance(error, ConflictError):
            status = 409
        elif isinstance(error, RoleNotAllowed):
            status = 403
        elif isinstance(error, FieldError):
            key = error.field
        elif isinstance(error, (UnknownEvent, EventNotAllowed)):
            key = "event"
        elif isinstance(error, ActDateError):
            key = "date"
        return jsonify({"errors": {key: [labels.tr_message(str(error))]}}), status
    db.session.commit()
    return jsonify({"event": record.event, "date": _iso(record.acted_on), "from_status": record.from_status,
                    "status": case.status, "version": case.version,
                    "deadlines": [_deadline(d) for d in case.deadlines]}), 201


