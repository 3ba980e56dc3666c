"""A small OpenID Connect provider on loopback, in a thread, playing VNeID in the tests.

It speaks the parts of OpenID Connect the application uses: the discovery document, the
authorization endpoint (it approves at once the citizen it was given, as if they had signed
in on the VNeID app, and redirects back with a code), the token endpoint (client secret and
PKCE S256 checked; a real RS256-signed ID token, signed here with ``cryptography`` and not
with the library under test), the JWKS, and the end-session endpoint (RP-initiated logout).
A test can make the next ID token tampered, expired or for another audience, or stop the
provider, and reads what it received (``calls``, ``ended``)."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "petitions-nghean"
CLIENT_SECRET = "test-client-secret"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class Provider:
    def __init__(self, *, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET):
        self.client_id, self.client_secret = client_id, client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        # who signs in on the "VNeID app": the claims of the next ID tokens
        self.citizen = {"sub": "vneid-0001", "citizen_id": "040190001234", "name": "Nguyễn Thị Hoa"}
        self.mode = "ok"          # ok | tampered | expired | wrong_audience
        self.codes: dict[str, dict] = {}
        self.calls: list[tuple[str, dict]] = []   # (path, parameters) of every request
        self.ended: list[dict] = []               # the end-session requests
        self.lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- life ------------------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/vneid"

    def start(self) -> "Provider":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the ID token ----------------------------------------------------------------------
    def sign(self, claims: dict) -> str:
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, "auth_time": now,
                  **self.citizen}
        if nonce:
            claims["nonce"] = nonce
        if self.mode == "expired":  # well past any clock leeway
            claims.update(iat=now - 7200, exp=now - 3600, auth_time=now - 7200)
        if self.mode == "wrong_audience":  # for another service (naming us as the authorized party)
            claims.update(aud="another-service", azp=self.client_id)
        token = self.sign(claims)
        if self.mode == "tampered":  # the claims changed after signing: another ID number
            head, _, signature = token.split(".")
            forged = {**claims, "citizen_id": "040199999999"}
            token = f"{head}.{b64url(json.dumps(forged).encode())}.{signature}"
        return token

    def jwks(self) -> dict:
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                          "n": _int_b64(numbers.n), "e": _int_b64(numbers.e)}]}

    # -- the endpoints ---------------------------------------------------------------------
    def wsgi(self, environ, start_response):
        request = Request(environ)
        params = {**request.args.to_dict(), **request.form.to_dict()}
        with self.lock:
            self.calls.append((request.path, params))
        path = request.path.removeprefix("/vneid")
        handler = {"/.well-known/openid-configuration": self.discovery, "/authorize": self.authorize,
                   "/token": self.token, "/jwks": lambda r, p: self.json(self.jwks()),
                   "/end_session": self.end_session}.get(path)
        response = handler(request, params) if handler else Response("not found", 404)
        return response(environ, start_response)

    @staticmethod
    def json(data: dict, status: int = 200) -> Response:
        return Response(json.dumps(data), status, content_type="application/json")

    def discovery(self, request, params):
        base = self.issuer
        return self.json({
            "issuer": base, "authorization_endpoint": f"{base}/authorize", "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks", "end_session_endpoint": f"{base}/end_session",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        })

    def authorize(self, request, params):
        if params.get("client_id") != self.client_id or params.get("response_type") != "code":
            return Response("unknown client or response type", 400)
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return Response("PKCE (S256) required", 400)
        if "openid" not in (params.get("scope") or "").split():
            return Response("openid scope required", 400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": params["code_challenge"], "nonce": params.get("nonce"),
                            "redirect_uri": params.get("redirect_uri")}
        target = params["redirect_uri"] + "?" + urlencode({"code": code, "state": params.get("state", "")})
        return Response("", 302, headers={"Location": target})

    def token(self, request, params):
        secret = params.get("client_secret")
        if request.authorization and request.authorization.type == "basic":
            secret = request.authorization.password
        if params.get("client_id", self.client_id) != self.client_id or secret != self.client_secret:
            return self.json({"error": "invalid_client"}, 401)
        grant = self.codes.pop(params.get("code", ""), None)  # a code is used once
        if grant is None or params.get("grant_type") != "authorization_code" \
                or params.get("redirect_uri") != grant["redirect_uri"]:
            return self.json({"error": "invalid_grant"}, 400)
        verifier = params.get("code_verifier") or ""
        if b64url(hashlib.sha256(verifier.encode("ascii")).digest()) != grant["challenge"]:
            return self.json({"error": "invalid_grant", "error_description": "PKCE verification failed"}, 400)
        return self.json({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300,
                          "id_token": self.id_token(grant["nonce"])})

    def end_session(self, request, params):
        with self.lock:
            self.ended.append(params)
        target = params.get("post_logout_redirect_uri")
        if not target:
            return Response("signed out", 200)
        if params.get("state"):
            target += "?" + urlencode({"state": params["state"]})
        return Response("", 302, headers={"Location": target})
