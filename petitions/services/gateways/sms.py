"""SMS through an HTTP brand-name gateway, in the shape of the Vietnamese brand-name APIs
(eSMS's ``SendMultipleMessage_V4_post_json``: a JSON POST with the API key and secret, the
phone, the text, the registered brand name, the message type, whether it is Unicode, and a
request id the gateway uses to refuse duplicates). The answer's ``CodeResult`` decides:
``SMS_OK_CODES`` sent (``SMSID`` kept), ``SMS_DUPLICATE_CODES`` already sent under this
request id (a resend after a worker died), ``SMS_RETRY_CODES`` try again later, anything else
refused for good. The key and secret never appear in an error kept by the outbox."""
from __future__ import annotations

import hashlib

from flask import current_app

from . import GatewayError, Outgoing
from .http import check_http, post_json


def request_id(key: str) -> str:
    """At most 50 characters (the gateways' limit), stable for a key."""
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def _codes(value) -> set[str]:
    return {c.strip() for c in str(value or "").split(",") if c.strip()}


class SmsGateway:
    channel = "sms"

    def send(self, msg: Outgoing) -> str:
        cfg = current_app.config
        if not msg.to:
            raise GatewayError("no phone number", permanent=True)
        body = {"ApiKey": cfg["SMS_API_KEY"], "SecretKey": cfg["SMS_SECRET_KEY"] or "", "Phone": msg.to,
                "Content": msg.body, "Brandname": cfg["SMS_BRANDNAME"], "SmsType": str(cfg["SMS_TYPE"]),
                "IsUnicode": "1" if msg.data.get("unicode") else "0", "RequestId": request_id(msg.key)}
        status, headers, answer = post_json(cfg["SMS_URL"], body, timeout=cfg["SMS_TIMEOUT"])
        check_http(status, headers, answer, "SMS gateway")
        code = str(answer.get("CodeResult", ""))
        if code in _codes(cfg["SMS_OK_CODES"]):
            return str(answer.get("SMSID") or request_id(msg.key))
        if code in _codes(cfg["SMS_DUPLICATE_CODES"]):
            return str(answer.get("SMSID") or f"duplicate:{request_id(msg.key)}")
        detail = str(answer.get("ErrorMessage") or "")[:200]
        raise GatewayError(f"SMS gateway: code {code or '?'} {detail}".strip(),
                           permanent=code not in _codes(cfg["SMS_RETRY_CODES"]))
