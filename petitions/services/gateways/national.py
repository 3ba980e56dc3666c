"""The national database's API, as the contract in the settings describes it (services/
national.py): one JSON POST per event record, a bearer credential, the outbox key as the
``Idempotency-Key`` header. 2xx: recorded (its ``id`` kept); 409: already recorded under this
key (a resend after a worker died); 400/422: the record is refused for good (its reason kept,
the case's later records go on); 401/403: our credential is wrong (retried: an operator fixes
the setting); 429, 5xx, time-outs and refused connections: retried, the case's later records
waiting behind."""
from __future__ import annotations

import hashlib

from flask import current_app

from . import GatewayError, Outgoing
from .http import post_json, retry_after


def idempotency_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class NationalGateway:
    channel = "national"

    def send(self, msg: Outgoing) -> str:
        cfg = current_app.config
        record = msg.data.get("record")
        if not record:
            raise GatewayError("no record", permanent=True)
        status, headers, answer = post_json(
            cfg["NATIONAL_URL"], record, timeout=cfg["NATIONAL_TIMEOUT"],
            headers={"Authorization": f"Bearer {cfg['NATIONAL_TOKEN']}", "Idempotency-Key": idempotency_key(msg.key)})
        if 200 <= status < 300:
            return str(answer.get("id") or idempotency_key(msg.key))
        if status == 409:
            return str(answer.get("id") or f"duplicate:{idempotency_key(msg.key)}")
        if status == 429:
            raise GatewayError("national database: HTTP 429 rate limited", retry_after=retry_after(headers))
        reason = str(answer.get("message") or answer.get("error") or "")[:200]
        if status in (400, 422):
            raise GatewayError(f"national database refused the record: HTTP {status} {reason}".strip(),
                               permanent=True)
        raise GatewayError(f"national database: HTTP {status} {reason}".strip())
