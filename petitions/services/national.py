"""The national database of citizen reception and complaint handling: each case's
reception, handling and resolution events are sent to it through the outbox.

The contract is a setting (README, "The national database"): ``NATIONAL_URL`` receives one
JSON POST per event, with ``Authorization: Bearer NATIONAL_TOKEN`` and an ``Idempotency-Key``
header; the record names the case by its tracking code, numbers its events (``sequence``,
1, 2, 3 ... per case, in the order they happened) and gives the kind, the agency and the
outcome in the national codes (``NATIONAL_KIND_CODES``, ``NATIONAL_AGENCY_CODES``,
``NATIONAL_OUTCOME_CODES``: our value when a map has none), the commune by its national
administrative code (ours already are), the dates, and the status. It carries no personal
data: no filer, and for a denunciation no title either (Law on Denunciations Art. 47); the
title of other kinds goes through the redaction engine.

The outbox sends the records of one case in order: while a record waits or is retried (the
national side is down or slow), the case's later records wait behind it, and after an
outage they are replayed in order. A record the national side refuses (4xx) is given up at
once and shown in the reconciliation report and on the dead-letter list.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import current_app

from ..extensions import db
from ..models import Case, CaseEvent, Notification
from .outbox import write

DEFAULT_KINDS = {"complaint": "KN", "denunciation": "TC", "petition": "KNPA", "voter_petition": "KNCT"}


def enabled() -> bool:
    return bool(current_app.config.get("NATIONAL_URL"))


def _map(setting: str, value, default: dict | None = None):
    raw = current_app.config.get(setting) or {}
    table = dict(default or {})
    table.update(json.loads(raw) if isinstance(raw, str) and raw.strip() else (raw if isinstance(raw, dict) else {}))
    return table.get(value, value) if value is not None else None


def record_for(case: Case, event: CaseEvent, sequence: int) -> dict:
    """The national record of one event (the contract above)."""
    from .verification import redact
    fields = (event.data or {}).get("fields") or {}
    outcome = fields.get("outcome")
    # no personal data leaves for the national database, whatever the kind: the filers are
    # blacked out of the subject by the redaction engine; a denunciation sends no subject at all
    summary = None if case.identity_is_confidential or not case.title else redact(case.title, case, [])[0]
    return {
        "case_code": case.tracking_code,
        "sequence": sequence,
        "event": event.event,
        "event_date": event.acted_on.isoformat(),
        "kind": _map("NATIONAL_KIND_CODES", case.kind, DEFAULT_KINDS),
        "agency": _map("NATIONAL_AGENCY_CODES", case.agency.code),
        "receiving_agency": _map("NATIONAL_AGENCY_CODES", case.receiving_agency.code)
        if case.receiving_agency is not None else None,
        "commune": case.commune.code if case.commune is not None else None,
        "received_on": case.received_on.isoformat(),
        "status": event.to_status,
        "outcome": _map("NATIONAL_OUTCOME_CODES", outcome),
        "is_mass": bool(case.is_mass),
        "summary": summary,
    }


def record_event(case: Case, event: CaseEvent) -> Notification | None:
    """Queue one event for the national database, in the transaction that records it."""
    if not enabled() or not event.is_public:
        return None
    sequence = 1 + (db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
        Notification.channel == "national", Notification.case_id == case.id)) or 0)
    return write("national", key=f"national:{case.id}:{event.id}", kind="national_sync", case_id=case.id,
                 subject=f"{case.tracking_code} #{sequence} {event.event}", data={"record": record_for(case, event,
                                                                                                      sequence)})


# --- the reconciliation report -------------------------------------------------------------

@dataclass
class Reconciliation:
    sent: int = 0
    waiting: int = 0
    failed: int = 0        # being retried
    rejected: list = field(default_factory=list)   # [(case code, sequence, event, reason)]
    differs: list = field(default_factory=list)    # [(case code, our status, last status sent or None)]
    not_sent: list = field(default_factory=list)   # cases whose events never reached it


def reconcile() -> Reconciliation:
    """What was sent, what failed, and which cases the national side sees differently from
    us (the status of the last record it acknowledged is not the case's status now)."""
    out = Reconciliation()
    rows = db.session.execute(
        db.select(Notification.case_id, Notification.status, Notification.data, Notification.last_error,
                  Notification.id)
        .where(Notification.channel == "national").order_by(Notification.case_id, Notification.id)).all()
    last_sent: dict[int, str | None] = {}
    cases_seen: set[int] = set()
    for case_id, status, data, error, _id in rows:
        record = (data or {}).get("record") or {}
        cases_seen.add(case_id)
        last_sent.setdefault(case_id, None)
        if status == "sent":
            out.sent += 1
            last_sent[case_id] = record.get("status")
        elif status == "dead":
            out.rejected.append((record.get("case_code"), record.get("sequence"), record.get("event"), error or ""))
        elif status == "failed":
            out.failed += 1
        else:
            out.waiting += 1
    if cases_seen:
        now = dict(db.session.execute(db.select(Case.id, Case.status).where(Case.id.in_(cases_seen))).all())
        codes = dict(db.session.execute(db.select(Case.id, Case.tracking_code).where(Case.id.in_(cases_seen))).all())
        for case_id in sorted(cases_seen):
            if last_sent[case_id] is None:
                out.not_sent.append(codes[case_id])
            if last_sent[case_id] != now.get(case_id):
                out.differs.append((codes[case_id], now.get(case_id), last_sent[case_id]))
    return out
