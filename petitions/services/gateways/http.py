"""A JSON POST with the standard library (no HTTP client dependency): the answer's status,
headers and JSON body; connection errors and time-outs become retryable GatewayErrors."""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

from . import GatewayError


def post_json(url: str, body: dict, *, headers: dict | None = None, timeout: float = 10) -> tuple[int, dict, dict]:
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - a configured https URL
            status, raw, answer_headers = answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        status, raw, answer_headers = error.code, error.read(), dict(error.headers or {})
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise GatewayError(f"unreachable: {type(reason).__name__}: {reason}") from error
    try:
        payload = json.loads(raw.decode() or "{}")
    except (UnicodeDecodeError, ValueError):
        payload = {"_raw": raw[:200].decode("utf-8", "replace")}
    if not isinstance(payload, dict):
        payload = {"_raw": str(payload)[:200]}
    return status, answer_headers, payload


def retry_after(headers: dict, default: float = 60.0) -> float:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return max(float(value), 1.0)
    except (TypeError, ValueError):
        return default


def check_http(status: int, headers: dict, payload: dict, what: str) -> None:
    """The HTTP-level answers every gateway shares: 429 (come back later), 5xx and 408
    (retry), other 4xx (refused for good)."""
    if status == 429:
        raise GatewayError(f"{what}: HTTP 429 rate limited", retry_after=retry_after(headers))
    if status >= 500 or status == 408:
        raise GatewayError(f"{what}: HTTP {status}")
    if status >= 400:
        detail = str(payload.get("message") or payload.get("ErrorMessage") or payload.get("error") or "")[:200]
        raise GatewayError(f"{what}: HTTP {status} {detail}".strip(), permanent=status not in (401, 403))
