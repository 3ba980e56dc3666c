"""Sending mail through SMTP with the standard library (server, sender, TLS from the config)."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.headerregistry import Address
from email.utils import make_msgid

from flask import current_app


def send_mail(to: str, subject: str, body: str, *, message_id: str | None = None) -> str:
    """Send one plain-text UTF-8 mail; returns its Message-ID (the given one: the outbox
    derives it from the message's idempotency key). Raises on failure."""
    cfg = current_app.config
    msg = EmailMessage()
    # an Address object: the display name is quoted and encoded (a comma in a plain
    # string would split it into two addresses)
    msg["From"] = Address(display_name=cfg["MAIL_SENDER_NAME"], addr_spec=cfg["MAIL_SENDER"])
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="petitions.local")
    msg.set_content(body)
    smtp_class = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    kwargs = {"context": ssl.create_default_context()} if cfg["MAIL_USE_SSL"] else {}
    with smtp_class(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"], **kwargs) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(msg)
    return msg["Message-ID"]
