"""What the filer may see of their case: public steps only, never notes or other people's data."""
from __future__ import annotations

from ... import labels
from ...models import Case


def public_view(case: Case) -> dict:
    running = case.running_deadline
    return {
        "tracking_code": case.tracking_code,
        "kind": case.kind,
        "kind_label": labels.label(labels.KIND, case.kind),
        "title": case.title,
        "received_on": case.received_on,
        "agency": case.agency.name,
        "status": case.status,
        "status_label": labels.label(labels.STATUS, case.status),
        "closed_on": case.closed_on,
        "current_step": None if running is None else {
            "step": running.step,
            "label": labels.step_label(running.step),
            "started_on": running.started_on,
            "due_on": running.due_on,
            "limit_days": running.limit_days,
            "unit": running.unit,
        },
        "history": [
            {
                "event": e.event,
                "label": labels.label(labels.EVENT, e.event),
                "date": e.acted_on,
                "status": e.to_status,
                "status_label": labels.label(labels.STATUS, e.to_status),
            }
            for e in case.events if e.is_public
        ],
    }
