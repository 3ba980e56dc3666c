"""The gateways an outbox row leaves through: one adapter per channel.

Each adapter turns an :class:`Outgoing` (what the outbox row holds) into one call of its
service, passing the row's idempotency key (an SMTP Message-ID derived from it, the SMS
gateway's request id, Zalo's tracking id, the national database's Idempotency-Key
header), and answers the service's reference, or raises :class:`GatewayError`:
``permanent`` when trying again cannot help (a rejected record, a wrong phone number),
``retry_after`` when the service said when to come back (HTTP 429). Everything else
(time-outs, refused connections, 5xx) is retried with back-off by the outbox.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outgoing:
    key: str
    channel: str
    to: str | None
    subject: str
    body: str
    data: dict = field(default_factory=dict)


class GatewayError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


def gateway_for(channel: str):
    """The adapter of a channel, built from the application's settings."""
    if channel == "email":
        from .smtp import EmailGateway
        return EmailGateway()
    if channel == "sms":
        from .sms import SmsGateway
        return SmsGateway()
    if channel == "zalo":
        from .zalo import ZaloGateway
        return ZaloGateway()
    if channel == "national":
        from .national import NationalGateway
        return NationalGateway()
    raise ValueError(f"unknown channel {channel!r}")
