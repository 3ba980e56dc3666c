"""``make load``: citizens filing (the web form with its CSRF token and time stamp, and the
JSON API), citizens following their letter with the code and key of their receipt, and
reception officers working their queue, together, on loopback.

Run by ``scripts/load.sh`` (which starts gunicorn and checks the database afterwards).
Environment: ``LOAD_COMMUNES`` (comma-separated commune codes letters are about),
``LOAD_OFFICERS`` (comma-separated ``username:password``), ``LOAD_OUT`` (where the
receipts and the error counts are written at the end, as JSON).
"""
from __future__ import annotations

import json
import os
import random
import re
import threading
import time
from http.cookiejar import DefaultCookiePolicy

from locust import HttpUser, between, events, task

COMMUNES = [c for c in os.environ.get("LOAD_COMMUNES", "").split(",") if c]
OFFICERS = [tuple(o.split(":", 1)) for o in os.environ.get("LOAD_OFFICERS", "").split(",") if ":" in o]
OUT = os.environ.get("LOAD_OUT", "load-result.json")
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
STAMP = re.compile(r'name="stamp"[^>]*value="([^"]*)"')
RECEIPT_CODE = re.compile(r'data-testid="tracking-code">([^<]+)<')
RECEIPT_KEY = re.compile(r'data-testid="access-key">([^<]+)<')
QUEUE_CODE = re.compile(r'href="/officer/cases/([A-Z0-9]+)"')

_lock = threading.Lock()
receipts: list[dict] = []        # every filing that got a receipt (code, key, channel)
server_errors: dict[str, int] = {}   # "METHOD name status" -> count, for 5xx
statuses: dict[str, int] = {}
_serial = [0]

KINDS = {
    "complaint": {"respondent": "Quyết định số 12/QĐ-UBND ngày 01/10/2026 về bồi thường đất"},
    "denunciation": {"respondent": "Cán bộ địa chính xã", "pledge": True},
    "petition": {},
}


def next_id() -> str:
    with _lock:
        _serial[0] += 1
        n = _serial[0]
    return f"04{os.getpid() % 10}{random.randint(0, 99):02d}{n:07d}"


def letter(kind: str) -> dict:
    body = {"kind": kind, "title": f"Đơn {kind} về đất đai và đường giao thông ({random.randint(1, 10**6)})",
            "content": "Gia đình tôi đề nghị cơ quan xem xét việc thu hồi đất, bồi thường chưa thỏa đáng, "
                       "nêu rõ sự việc, thời gian và yêu cầu giải quyết theo quy định của pháp luật.",
            "commune_code": random.choice(COMMUNES),
            "petitioner": {"full_name": random.choice(["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]),
                           "id_number": next_id(), "phone": "0912345678", "address": "Xóm 3, Nghệ An"}}
    body.update(KINDS[kind])
    return body


def remember(code: str, key: str, channel: str) -> None:
    with _lock:
        receipts.append({"code": code, "key": key, "channel": channel})


def some_receipt() -> dict | None:
    with _lock:
        return random.choice(receipts) if receipts else None


@events.request.add_listener
def _count(request_type, name, response_length, response, exception, **kw):
    status = getattr(response, "status_code", 0) if response is not None else 0
    with _lock:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status >= 500 or status == 0:
            key = f"{request_type} {name} {status}"
            server_errors[key] = server_errors.get(key, 0) + 1


@events.test_stop.add_listener
def _write(environment, **kw):
    total = environment.stats.total
    endpoints = {}
    for (name, method), s in environment.stats.entries.items():
        endpoints[f"{method} {name}"] = {
            "requests": s.num_requests, "failures": s.num_failures, "rps": round(s.total_rps, 2),
            "p50_ms": s.get_response_time_percentile(0.5), "p95_ms": s.get_response_time_percentile(0.95),
            "p99_ms": s.get_response_time_percentile(0.99), "max_ms": round(s.max_response_time or 0, 1)}
    with _lock:
        data = {"receipts": receipts, "server_errors": server_errors, "statuses": statuses,
                "total": {"requests": total.num_requests, "failures": total.num_failures,
                          "rps": round(total.total_rps, 2), "seconds": round(time.time() - total.start_time, 1),
                          "p50_ms": total.get_response_time_percentile(0.5),
                          "p95_ms": total.get_response_time_percentile(0.95),
                          "p99_ms": total.get_response_time_percentile(0.99),
                          "max_ms": round(total.max_response_time or 0, 1)},
                "endpoints": endpoints,
                "failures": [{"name": f.name, "method": f.method, "error": str(f.error)[:300], "count": f.occurrences}
                             for f in environment.stats.errors.values()]}
    with open(OUT, "w") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)


# The application runs as in production (``__Host-`` session cookie, Secure); this client
# talks plain http on loopback where a TLS proxy would stand, so it sends Secure cookies
# over http (requests builds a fresh cookie jar per request: the policy is patched here).
DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


class Browser(HttpUser):
    abstract = True


class WebCitizen(Browser):
    """Opens the public form, takes a few seconds to fill it in (the form refuses what is
    sent faster than FORM_MIN_SECONDS, as a robot would), sends it, keeps the receipt."""
    weight = 3
    wait_time = between(1, 3)

    @task(3)
    def file_on_the_web(self):
        kind = random.choice(list(KINDS))
        page = self.client.get(f"/file/{kind}", name="/file/<kind> [form]")
        token, stamp = TOKEN.search(page.text), STAMP.search(page.text)
        if not token:
            page.failure("no CSRF token on the form")
            return
        time.sleep(3.5)  # a person typing (the default FORM_MIN_SECONDS is 3)
        body = letter(kind)
        data = {k: v for k, v in body.items() if k not in ("petitioner", "pledge")}
        data.update({f"petitioner-{k}": v for k, v in body["petitioner"].items()})
        if body.get("pledge"):
            data["pledge"] = "y"
        data.update({"csrf_token": token.group(1), "stamp": stamp.group(1) if stamp else "", "website": ""})
        with self.client.post(f"/file/{kind}", data=data, name="/file/<kind> [send]", catch_response=True,
                              allow_redirects=True) as r:
            code, key = RECEIPT_CODE.search(r.text), RECEIPT_KEY.search(r.text)
            if r.status_code == 200 and code and key:
                remember(code.group(1).replace("-", "").strip(), key.group(1).replace("-", "").strip(), "web")
                r.success()
            else:
                r.failure(f"no receipt (status {r.status_code})")

    @task(2)
    def follow_my_letter(self):
        mine = some_receipt()
        if not mine:
            return
        page = self.client.get(f"/track?code={mine['code']}", name="/track [form]")
        token = TOKEN.search(page.text)
        if not token:
            return
        with self.client.post("/track", data={"csrf_token": token.group(1), "code": mine["code"], "key": mine["key"]},
                              name="/track [look up]", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"look-up of a real receipt answered {r.status_code}")

    @task(1)
    def public_pages(self):
        self.client.get("/", name="/")
        self.client.get("/statistics", name="/statistics")


class ApiCitizen(Browser):
    """Files through the JSON API and reads the status back with the key."""
    weight = 2
    wait_time = between(1, 3)

    @task(2)
    def file_through_the_api(self):
        with self.client.post("/api/v1/cases", json=letter(random.choice(list(KINDS))), name="/api/v1/cases [file]",
                              catch_response=True) as r:
            if r.status_code == 201:
                out = r.json()
                remember(out["tracking_code"], out["access_key"], "api")
            else:
                r.failure(f"filing answered {r.status_code}: {r.text[:200]}")

    @task(3)
    def read_status(self):
        mine = some_receipt()
        if not mine:
            return
        with self.client.get(f"/api/v1/cases/{mine['code']}", headers={"X-Access-Key": mine["key"]},
                             name="/api/v1/cases/<code>", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status of a real receipt answered {r.status_code}")


class Officer(Browser):
    """A reception officer: signs in once, then works the queue and opens cases."""
    weight = 1
    wait_time = between(2, 5)

    def on_start(self):
        username, password = random.choice(OFFICERS)
        page = self.client.get("/auth/login", name="/auth/login [form]")
        token = TOKEN.search(page.text).group(1)
        with self.client.post("/auth/login", data={"csrf_token": token, "username": username, "password": password},
                              name="/auth/login [send]", allow_redirects=False, catch_response=True) as r:
            if r.status_code not in (302, 303):
                r.failure(f"sign-in answered {r.status_code}")
        self.codes: list[str] = []

    @task(4)
    def queue(self):
        page = random.choice([1, 1, 1, 2, 3])
        r = self.client.get(f"/officer/?page={page}", name="/officer/ [queue]")
        self.codes = QUEUE_CODE.findall(r.text) or self.codes

    @task(3)
    def open_case(self):
        if self.codes:
            self.client.get(f"/officer/cases/{random.choice(self.codes)}", name="/officer/cases/<code>")

    @task(1)
    def overdue_only(self):
        self.client.get("/officer/?overdue=y", name="/officer/?overdue")

    @task(1)
    def notifications(self):
        self.client.get("/officer/notifications", name="/officer/notifications")
