"""Zalo Notification Service (ZNS): a template message to a phone number, as Zalo's public
documentation describes it: ``POST https://business.openapi.zalo.me/message/template`` with
the Official Account's ``access_token`` header and a JSON body ``phone`` (84...),
``template_id`` (a template Zalo approved), ``template_data`` (its parameters) and
``tracking_id`` (ours: the outbox key's digest, so a resend is recognised). The answer
``{"error": 0, "data": {"msg_id": ...}}`` is sent; a negative ``error`` is listed in
``ZALO_RETRY_ERRORS`` (try again: Zalo's system or quota errors) or refused for good (no
Zalo account for the number, a wrong template, ...)."""
from __future__ import annotations

import hashlib

from flask import current_app

from . import GatewayError, Outgoing
from .http import check_http, post_json


def tracking_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:40]


class ZaloGateway:
    channel = "zalo"

    def send(self, msg: Outgoing) -> str:
        cfg = current_app.config
        if not msg.to:
            raise GatewayError("no phone number", permanent=True)
        body = {"phone": msg.to, "template_id": str(msg.data.get("template_id") or cfg["ZALO_TEMPLATE_UPDATE"]),
                "template_data": msg.data.get("template_data") or {}, "tracking_id": tracking_id(msg.key)}
        status, headers, answer = post_json(cfg["ZALO_URL"], body, headers={"access_token": cfg["ZALO_ACCESS_TOKEN"]},
                                            timeout=cfg["ZALO_TIMEOUT"])
        check_http(status, headers, answer, "Zalo ZNS")
        try:
            error = int(answer.get("error", -1))
        except (TypeError, ValueError):
            error = -1
        if error == 0:
            return str((answer.get("data") or {}).get("msg_id") or tracking_id(msg.key))
        retry = {int(c) for c in str(cfg["ZALO_RETRY_ERRORS"] or "").split(",") if c.strip().lstrip("-").isdigit()}
        detail = str(answer.get("message") or "")[:200]
        raise GatewayError(f"Zalo ZNS: error {error} {detail}".strip(), permanent=error not in retry)
