"""The public web form as a browser uses it: GET the form (its CSRF token and session
cookie), POST the letter (a redirect), GET the receipt. wrk's scripts cannot carry a token
and a cookie from one response to the next request of the same connection, so this row is
driven by Python threads, each a browser with its own keep-alive connection and cookies.
The client's cost is the same for the application and its reference (both on these cores)."""
from __future__ import annotations

import http.client
import random
import re
import threading
import time
import urllib.parse

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Browser:
    def __init__(self, base: str):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.jar: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())} if self.jar else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                text = r.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt:
                    raise
        for value in r.headers.get_all("Set-Cookie") or []:
            name, _, content = value.split(";", 1)[0].partition("=")
            self.jar[name.strip()] = content
        return r.status, text


def one_filing(b: Browser, form_path: str, receipt_path: str, fields: dict, marker: str) -> None:
    status, page = b.request("GET", form_path)
    if status != 200:
        raise RuntimeError(f"GET {form_path}: {status}")
    token = TOKEN.search(page) or re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = dict(fields, csrf_token=token.group(1))
    for key, value in data.items():
        if value == "__ID__":
            data[key] = "04" + "".join(random.choice("0123456789") for _ in range(10))
    status, page = b.request("POST", form_path, urllib.parse.urlencode(data))
    if status not in (302, 303):
        raise RuntimeError(f"POST {form_path}: {status} {page[:300]}")
    status, page = b.request("GET", receipt_path)
    if status != 200 or marker not in page:
        raise RuntimeError(f"GET {receipt_path}: {status}")


def drive(base: str, form_path: str, receipt_path: str, fields: dict, marker: str, seconds: float,
          clients: int) -> dict:
    """``clients`` browsers filing in a loop for ``seconds``: filings a second and the
    latency of the whole sequence (p50/p95/p99, ms)."""
    stop = time.perf_counter() + seconds
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run():
        b = Browser(base)
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                one_filing(b, form_path, receipt_path, fields, marker)
            except Exception as error:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(str(error)[:200])
                continue
            with lock:
                latencies.append(time.perf_counter() - started)
    started = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 1) if latencies else 0
    return {"rps": round(len(latencies) / took, 1), "requests": len(latencies) * 3, "filings": len(latencies),
            "p50_ms": pct(0.5), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "max_ms": round(latencies[-1] * 1000, 1) if latencies else 0,
            "non_2xx_3xx": len(errors), "socket_errors": 0, "first_error": errors[0] if errors else None}
