"""What the filer may see of their case: public steps only, never notes or other people's data."""
from __future__ import annotations

from ... import labels
from ...extensions import db
from ...models import Agency, Case, CaseEvent

# what a public step may tell the filer, beyond its name: the answer, the recorded
# outcome (a choice from the law's list), the body the letter went to
_PUBLIC_CHOICES = ("outcome", "reason", "complexity")


def _detail(event: CaseEvent, kind: str) -> str | None:
    data = event.data or {}
    fields = data.get("fields") or {}
    parts = []
    if fields.get("answer"):
        parts.append(fields["answer"])
    if event.event == "answer_review" and data.get("answer"):  # the head's answer to a review request
        parts.append(data["answer"])
    for name in _PUBLIC_CHOICES:
        value = fields.get(name)
        label = labels.outcome_label(value, kind, event.event) if value else ""
        if value and label != value:
            parts.append(label)
    for effect in (data.get("effects") or {}).values():
        if isinstance(effect, dict) and effect.get("agency"):
            parts.append(effect["agency"])
    if fields.get("agency") and not data.get("effects"):  # e.g. guided to this body
        name = db.session.scalar(db.select(Agency.name).where(Agency.code == fields["agency"]))
        parts.append(name or fields["agency"])
    return " · ".join(parts) or None


def _step(d) -> dict:
    return {
        "step": d.step,
        "label": labels.step_label(d.step),
        "started_on": d.started_on,
        "due_on": d.due_on,
        "limit_days": d.limit_days,
        "unit": d.unit,
    }


def _rating(case: Case) -> dict | None:
    """The filer's own rating, and the review it asked for: when it is due, the answer."""
    from ...models import Rating
    rating = db.session.scalar(db.select(Rating).where(Rating.case_id == case.id))
    if rating is None:
        return None
    return {"outcome": rating.outcome_score, "service": rating.service_score, "comment": rating.comment,
            "rated_on": rating.created_at, "review": rating.wants_review, "review_due_on": rating.review_due_on,
            "reviewed_on": rating.reviewed_on, "review_answer": rating.review_answer}


def public_view(case: Case) -> dict:
    running = case.running_deadline
    return {
        "rating": _rating(case),
        "tracking_code": case.tracking_code,
        "kind": case.kind,
        "kind_label": labels.label(labels.KIND, case.kind),
        "title": case.title,
        "received_on": case.received_on,
        "agency": case.agency.name,
        "status": case.status,
        "status_label": labels.label(labels.STATUS, case.status),
        "closed_on": case.closed_on,
        "current_step": None if running is None else _step(running),
        "running_steps": [_step(d) for d in case.running_deadlines if d.paused_on is None],
        "history": [
            {
                "event": e.event,
                "label": labels.label(labels.EVENT, e.event),
                "date": e.acted_on,
                "status": e.to_status,
                "status_label": labels.label(labels.STATUS, e.to_status),
                "detail": _detail(e, case.kind),
            }
            for e in case.events if e.is_public
        ],
        "linked": [
            {"tracking_code": c.tracking_code, "agency": c.agency.name, "status": c.status,
             "status_label": labels.label(labels.STATUS, c.status), "relation": c.link_type}
            for c in case.children if c.link_type in ("forwarded_from", "second_time_of", "split_from")
        ],
    }


def receipt_data(case: Case, key: str) -> dict:
    """What the receipt page shows, taken from the filing request itself (before its commit,
    while the new case is in memory): the next request shows it without reading the case
    again. Kept in the session only until the receipt is shown (like the access key)."""
    step = case.running_deadline
    return {"code": case.tracking_code, "key": key, "received_on": case.received_on.isoformat(),
            "agency": case.agency.name, "due_on": step.due_on.isoformat() if step else None,
            "limit_days": step.limit_days if step else None, "source": step.source if step else None}


def receipt_view(data: dict, case: Case | None = None) -> dict:
    """The receipt page's values: from :func:`receipt_data`, or from ``case`` (a receipt
    stored by an older version, with the code and key only)."""
    from datetime import date
    if case is not None:
        step = case.running_deadline
        return {"code": case.tracking_code, "key": data["key"], "received_on": case.received_on,
                "agency": case.agency.name, "due_on": step.due_on if step else None,
                "limit_days": step.limit_days if step else None, "source": step.source if step else None}
    return {**data, "received_on": date.fromisoformat(data["received_on"]),
            "due_on": date.fromisoformat(data["due_on"]) if data.get("due_on") else None}
