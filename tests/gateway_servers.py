"""Local HTTP servers that speak the gateways' APIs, on loopback, in a thread each: an SMS
brand-name gateway (eSMS's JSON shape), Zalo's notification service (ZNS) and, for the
national sync, the national database. Each can be told what to answer to the next calls
(an error, a slow answer, a 429 with Retry-After, a refusal) and keeps what it received.
Like the real services, the SMS and Zalo servers recognise a repeated request id / tracking
id and do not deliver it twice."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Gateway:
    def __init__(self):
        self.requests: list[dict] = []       # every request as received (headers and body)
        self.delivered: list[dict] = []      # what reached the recipient: once per request id
        self.script: list[tuple] = []        # what to answer next: ("ok",), ("http", 500), ("slow", s), ...
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"

    path = "/"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def next_action(self) -> tuple:
        with self.lock:
            return self.script.pop(0) if self.script else ("ok",)

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw.decode())
                with gateway.lock:
                    gateway.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
                status, headers, answer = gateway.answer(body, dict(self.headers), self.path)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a slow answer)
        return Handler


class SmsServer(Gateway):
    """eSMS-shaped: CodeResult "100" and an SMSID when accepted."""

    path = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"

    def answer(self, body, headers, path):
        action = self.next_action()
        if action[0] == "http":
            return action[1], action[2] if len(action) > 2 else {}, {"ErrorMessage": "busy"}
        if action[0] == "code":
            return 200, {}, {"CodeResult": action[1], "ErrorMessage": "refused"}
        if body.get("ApiKey") != "test-api-key":
            return 200, {}, {"CodeResult": "101", "ErrorMessage": "Sai ApiKey"}
        with self.lock:
            known = next((d for d in self.delivered if d["RequestId"] == body["RequestId"]), None)
            if known is None:
                known = {**body, "SMSID": f"sms-{len(self.delivered) + 1}"}
                self.delivered.append(known)
        if action[0] == "slow":  # accepted, then answered too late for the client
            time.sleep(action[1])
        return 200, {}, {"CodeResult": "100", "SMSID": known["SMSID"], "CountRegenerate": 0}


class ZaloServer(Gateway):
    """ZNS-shaped: POST /message/template with the access_token header."""

    path = "/message/template"

    def answer(self, body, headers, path):
        action = self.next_action()
        if action[0] == "http":
            return action[1], action[2] if len(action) > 2 else {}, {"error": -1, "message": "busy"}
        if action[0] == "error":
            return 200, {}, {"error": action[1], "message": "refused"}
        token = next((v for k, v in headers.items() if k.lower() == "access_token"), None)
        if token != "test-zalo-token":
            return 200, {}, {"error": -124, "message": "Access token is invalid"}
        with self.lock:
            known = next((d for d in self.delivered if d["tracking_id"] == body["tracking_id"]), None)
            if known is None:
                known = {**body, "msg_id": f"zns-{len(self.delivered) + 1}"}
                self.delivered.append(known)
        if action[0] == "slow":
            time.sleep(action[1])
        return 200, {}, {"error": 0, "message": "Success",
                         "data": {"msg_id": known["msg_id"], "sent_time": str(int(time.time() * 1000))}}


class NationalServer(Gateway):
    """The national database: one record per POST, known by its Idempotency-Key (a repeat is
    answered 409 and not stored again); ``down`` answers 503 to everything (an outage);
    records of the cases in ``reject`` are refused (422). It notes any record that arrives
    out of its case's order."""

    path = "/api/v1/records"

    def __init__(self):
        super().__init__()
        self.down = False
        self.reject: set[str] = set()
        self.by_key: dict[str, dict] = {}
        self.last_sequence: dict[str, int] = {}
        self.out_of_order: list[tuple] = []

    def answer(self, body, headers, path):
        action = self.next_action()
        if self.down:
            return 503, {}, {"message": "maintenance"}
        if action[0] == "http":
            return action[1], action[2] if len(action) > 2 else {}, {"message": "busy"}
        if headers.get("Authorization") != "Bearer test-national-token":
            return 401, {}, {"message": "bad credential"}
        key = headers.get("Idempotency-Key")
        with self.lock:
            if key in self.by_key:
                return 409, {}, {"id": self.by_key[key]["id"], "message": "already recorded"}
            if body["case_code"] in self.reject:
                return 422, {}, {"message": "unknown commune code"}
            case = body["case_code"]
            if body["sequence"] <= self.last_sequence.get(case, 0):
                self.out_of_order.append((case, body["sequence"]))
            self.last_sequence[case] = max(self.last_sequence.get(case, 0), body["sequence"])
            stored = {**body, "id": f"nat-{len(self.by_key) + 1}"}
            self.by_key[key] = stored
            self.delivered.append(stored)
        if action[0] == "slow":
            time.sleep(action[1])
        return 201, {}, {"id": stored["id"]}
