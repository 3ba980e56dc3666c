"""E-mail through SMTP; the Message-ID is derived from the outbox row's idempotency key, so
a mail sent again after a worker died mid-send carries the same Message-ID."""
from __future__ import annotations

import hashlib
import smtplib

from flask import current_app

from . import GatewayError, Outgoing


def message_id(key: str) -> str:
    """``<sha256(key)[:40]@sender's domain>``: stable for a key, and says nothing of it."""
    domain = (current_app.config["MAIL_SENDER"].rpartition("@")[2] or "petitions.local").strip()
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


class EmailGateway:
    channel = "email"

    def send(self, msg: Outgoing) -> str:
        from ..mail import send_mail
        if not msg.to:
            raise GatewayError("no address", permanent=True)
        try:
            return send_mail(msg.to, msg.subject, msg.body, message_id=message_id(msg.key))
        except (OSError, smtplib.SMTPException) as error:
            raise GatewayError(f"{type(error).__name__}: {error}") from error
