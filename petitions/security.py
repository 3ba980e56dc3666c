"""Protection of a site open to the internet: rate limits, the proof that a person filled
the public form, clean text in every form, and the security headers of every response.

``init_security(app)`` is called once by ``create_app`` after the blueprints are
registered: the rate limits are declared here, in one table (:data:`LIMITS`), and
wrapped around the views they protect, so a reader sees every limit in one place.

Rate limits (Flask-Limiter, Redis storage under ``REDIS_URL``, moving window):

- filing (web form and API share the counters): per client address and per citizen ID
  number (the ID is hashed with the secret key, never stored or logged plain); only
  letters actually received count, so a citizen correcting a mistake is not punished,
  plus a looser limit on every attempt (valid or not) against floods;
- status look-ups (``/track``, ``GET /api/v1/cases/<code>``) per address;
- failed look-ups (a wrong code or key) per address, much stricter: counted only on a
  failure and checked before each look-up, so guessing codes is impractical.

When Redis cannot be reached the limits **fail open**: a warning is logged and the
limits fall back to this process's memory (Flask-Limiter's in-memory fallback), so
citizens can still file while Redis is down; the counters of this module
(failed look-ups, repeated filings) let the request through with a warning.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import random
import re
import time
import unicodedata

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter, RateLimitExceeded
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import parse_many
from werkzeug.exceptions import TooManyRequests
from wtforms import Form, StringField

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------
# Clean text: NFC, no control characters
# --------------------------------------------------------------------------------------

# C0/C1 controls except tab and newline, and the bidirectional overrides and isolates
# that make text read differently from what it holds ("Trojan source", spoofed names), and
# lone UTF-16 surrogates (a JSON "\\ud800" decodes to one: no UTF-8 can hold it, and
# storing it failed with a server error)
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def normalize_text(value):
    """NFC (a decomposed "Nguyễn" equals the precomposed one), and CR/CRLF as LF (browsers
    send a textarea's new lines as CRLF). Anything that is not a string passes unchanged."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def has_control_chars(value) -> bool:
    return isinstance(value, str) and bool(_FORBIDDEN.search(value))


CONTROL_MESSAGE = _l("This field contains invisible control characters. Type the text again "
                     "(do not paste it from another program) and send again.")


def clean_text(value):
    """The filter of every text field: refuse control characters (as typed, before any
    other filter trims the ends), then normalise."""
    value = normalize_text(value)  # CR and CRLF (a browser's text area) become LF first
    if has_control_chars(value):
        raise ValueError(str(CONTROL_MESSAGE))
    return value


_FIELD_ARGS = ("label", "validators", "filters")


class CleanMeta:
    """WTForms Meta: every text field (StringField and its kinds: text area, password,
    hidden, e-mail...) is normalised to NFC and refuses control characters."""

    def bind_field(self, form, unbound_field, options):
        if issubclass(unbound_field.field_class, StringField):
            # made once per field of a form class and kept on it (a form binds every field on
            # every request: rebuilding each was a fifth of the letter form's binding)
            cleaned = unbound_field.__dict__.get("_petitions_clean")
            if cleaned is None:
                args, kwargs = list(unbound_field.args), dict(unbound_field.kwargs)
                for name, value in zip(_FIELD_ARGS, args[: len(_FIELD_ARGS)]):  # positional -> named
                    kwargs[name] = value
                args = args[len(_FIELD_ARGS):] if len(args) > len(_FIELD_ARGS) else []
                kwargs["filters"] = (clean_text, *(kwargs.get("filters") or ()))  # shared: a tuple
                cleaned = unbound_field._petitions_clean = type(unbound_field)(
                    unbound_field.field_class, *args, **kwargs)
            unbound_field = cleaned
        return super().bind_field(form, unbound_field, options)


class BaseForm(FlaskForm):
    """The base of every form of the application (CSRF from Flask-WTF, clean text)."""

    class Meta(CleanMeta):
        pass


class BaseSubForm(Form):
    """The base of sub-forms (``FormField``, ``FieldList`` entries): clean text, no CSRF."""

    class Meta(CleanMeta):
        pass


def normalize_json(value):
    """NFC on every string of a JSON body (keys and values)."""
    if isinstance(value, str):
        return normalize_text(value)
    if isinstance(value, dict):
        return {normalize_text(k): normalize_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize_json(v) for v in value]
    return value


# --------------------------------------------------------------------------------------
# Strict numbers, bounded JSON
# --------------------------------------------------------------------------------------

_ASCII_INT = re.compile(r"-?[0-9]{1,18}")


def strict_int(value, default=None, *, minimum: int | None = None, maximum: int | None = None):
    """An integer from user input, or ``default``: only ASCII digits (an optional minus),
    within the bounds. ``"²".isdigit()`` and ``"١".isdigit()`` are True but are not numbers
    to us; ``int()`` would refuse the first and accept the second."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ASCII_INT.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return default
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        return default
    return number


def ascii_int(value) -> int:
    """For ``request.args.get(name, default, type=ascii_int)``: ASCII digits only, at most
    a million (a page or a year; a larger page would overflow the database's OFFSET)."""
    number = strict_int(value, minimum=-1_000_000, maximum=1_000_000)
    if number is None:
        raise ValueError(value)
    return number


def is_ascii_int(value) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"[0-9]{1,18}", value))


MAX_JSON_DEPTH = 16
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKETS = re.compile(rb"[\[\]{}]")


JSON_TOO_DEEP = _l("The JSON body is nested too deeply: send objects and lists at most 16 levels deep.")
JSON_TOO_LARGE = _l("The JSON body is too large.")


def json_depth_problem(data, max_depth: int, max_bytes: int) -> str | None:
    """Why this JSON text must not be parsed (too large, nested too deep), or None: checked
    on the raw text, before the parser's recursion can fail (a 500 for 1,000 levels)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        return "size"
    if raw.count(b"[") + raw.count(b"{") <= max_depth:  # cannot nest deeper than it opens
        return None
    depth = 0
    for bracket in _JSON_BRACKETS.findall(_JSON_STRING.sub(b'""', raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return "depth"
        else:
            depth -= 1
    return None


def install_json_bounds(app: Flask) -> None:
    """Every JSON body a request carries (the API, the rate limits' key functions) is
    bounded in size and depth before it is parsed: a request class whose ``get_json``
    checks the raw text first (silent: None; else 400)."""
    from werkzeug.exceptions import BadRequest

    base = app.request_class

    class BoundedRequest(base):
        def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
            if force or self.is_json:
                cfg = current_app.config
                problem = json_depth_problem(self.get_data(cache=True), cfg.get("MAX_JSON_DEPTH", MAX_JSON_DEPTH),
                                             cfg.get("MAX_JSON_BYTES", 512 * 1024))
                if problem:
                    if silent:
                        return None
                    raise BadRequest(str(JSON_TOO_LARGE if problem == "size" else JSON_TOO_DEEP))
            try:
                return super().get_json(force=force, silent=silent, cache=cache)
            except RecursionError:  # a bound set too high: still the client's error
                if silent:
                    return None
                raise BadRequest(str(JSON_TOO_DEEP)) from None

    app.request_class = BoundedRequest


# --------------------------------------------------------------------------------------
# Who is asking: the client address, the citizen ID number
# --------------------------------------------------------------------------------------

def client_address() -> str:
    """The client's address; an IPv6 client is counted by its /64 (one household or phone
    usually holds a whole /64 and could otherwise rotate through it)."""
    raw = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _digest(value: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def submitted_id_number() -> str | None:
    """The petitioner's citizen ID number in the submitted form or JSON body (12 digits
    once normalised), or None."""
    value = None
    if request.is_json:
        body = request.get_json(silent=True)
        person = body.get("petitioner") if isinstance(body, dict) else None
        value = person.get("id_number") if isinstance(person, dict) else None
    else:
        value = request.form.get("petitioner-id_number")
    if not isinstance(value, str):
        return None
    digits = unicodedata.normalize("NFKC", value).strip()
    return digits if re.fullmatch(r"\d{12}", digits) else None


def id_number_key() -> str:
    """The rate-limit key of a citizen ID number: a keyed hash, never the number."""
    number = submitted_id_number()
    return "id:" + _digest(number) if number else "id:none"


def _no_id_number() -> bool:
    return submitted_id_number() is None


def _not_post() -> bool:
    return request.method != "POST"


def _received(response) -> bool:
    """A letter was received: the API's 201, the web form's redirect to the receipt."""
    return response.status_code in (201, 302, 303)


# --------------------------------------------------------------------------------------
# The limits
# --------------------------------------------------------------------------------------

FILING_ENDPOINTS = ("public.file_case", "api.create_case")
LOOKUP_ENDPOINTS = ("public.track", "public.rate", "api.get_case")
SIGN_IN_ENDPOINTS = ("auth.login", "auth.two_factor")


def _cfg(name: str):
    return lambda: current_app.config[name]


def _declare_limits(limiter: Limiter) -> list[tuple[tuple[str, ...], object]]:
    """(endpoints, decorator): the table of every rate limit."""
    return [
        # letters received, per address and per citizen ID (web and API share the counter)
        (FILING_ENDPOINTS, limiter.shared_limit(_cfg("RATELIMIT_FILING"), scope="filing",
                                                exempt_when=_not_post, deduct_when=_received)),
        (FILING_ENDPOINTS, limiter.shared_limit(_cfg("RATELIMIT_FILING_ID"), scope="filing-id",
                                                key_func=id_number_key, deduct_when=_received,
                                                exempt_when=lambda: _not_post() or _no_id_number())),
        # every attempt, valid or not: against floods
        (FILING_ENDPOINTS, limiter.shared_limit(_cfg("RATELIMIT_FILING_ATTEMPTS"), scope="filing-attempts",
                                                exempt_when=_not_post)),
        # status look-ups (the form's GET only shows the empty form); HEAD runs the API's
        # look-up as GET does, so it counts too
        (LOOKUP_ENDPOINTS, limiter.shared_limit(_cfg("RATELIMIT_LOOKUP"), scope="lookup",
                                                exempt_when=_not_a_lookup)),
        # sign-in attempts per address (password and code steps together), beside the
        # per-name waits of services/accounts.py: spraying one password over many names
        (SIGN_IN_ENDPOINTS, limiter.shared_limit(_cfg("RATELIMIT_SIGN_IN"), scope="sign-in",
                                                 exempt_when=_not_post)),
    ]


def _not_a_lookup() -> bool:
    if request.method == "POST":
        return False
    return not (request.method in ("GET", "HEAD") and request.endpoint == "api.get_case")


def _limiter() -> Limiter:
    return current_app.extensions["petitions_limiter"]


def _strategy():
    return _limiter().limiter  # the in-memory fallback while Redis is marked down


class LimitReached(TooManyRequests):
    """Our own counters (failed look-ups) said no."""

    def __init__(self, retry_after: int, kind: str):
        super().__init__()
        self.retry_after_seconds = max(1, int(retry_after))
        self.kind = kind


def _counter(name: str) -> tuple[list, tuple[str, ...]]:
    return parse_many(current_app.config[name]), ("petitions", name.lower(), client_address())


def _count_exceeded(name: str) -> int | None:
    """Seconds to wait when the counter ``name`` (a config key holding the limits) is
    used up for this address, else None. Fails open when the storage is unreachable.
    With the limiter switched off (RATELIMIT_ENABLED=false) nothing is counted and
    nothing is logged: a disabled limiter is not an outage."""
    if not _limits_on():
        return None
    items, ident = _counter(name)
    try:
        strategy = _strategy()
        for item in items:
            if not strategy.test(item, *ident):
                reset_at, _remaining = strategy.get_window_stats(item, *ident)
                return max(1, int(reset_at - time.time()))
    except Exception:  # noqa: BLE001 - any storage failure: let the citizen through
        log.warning("rate-limit storage unreachable; %s not checked (failing open)", name)
    return None


def _limits_on() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _count_hit(name: str) -> None:
    if not _limits_on():
        return
    items, ident = _counter(name)
    try:
        strategy = _strategy()
        for item in items:
            strategy.hit(item, *ident)
    except Exception:  # noqa: BLE001
        log.warning("rate-limit storage unreachable; %s not counted (failing open)", name)


def check_failed_lookups() -> None:
    """Before a look-up: refuse (429) when this address has failed too often."""
    wait = _count_exceeded("RATELIMIT_FAILED_LOOKUP")
    if wait is not None:
        raise LimitReached(wait, "failed_lookup")


def record_failed_lookup() -> None:
    log.info("failed tracking look-up from a client (address hash %s)", _digest(client_address())[:12])
    _count_hit("RATELIMIT_FAILED_LOOKUP")


def record_filing() -> None:
    """A letter was received from this address (the count behind the challenge)."""
    _count_hit("CHALLENGE_AFTER")


def challenge_needed() -> bool:
    """After ``CHALLENGE_AFTER`` letters from one address, ask a question first."""
    return bool(current_app.config.get("HUMAN_CHECK")) and _count_exceeded("CHALLENGE_AFTER") is not None


def reset_limits(app: Flask) -> None:
    """Forget every counter (tests: between two tests)."""
    limiter = app.extensions.get("petitions_limiter")
    if limiter is None:
        return
    try:
        limiter.storage.reset()
    except Exception:  # noqa: BLE001
        pass
    fallback = getattr(limiter, "_fallback_limiter", None)
    if fallback is not None:
        try:
            fallback.storage.reset()
        except Exception:  # noqa: BLE001
            pass


# --------------------------------------------------------------------------------------
# Proof that a person filled the form (no third party): honeypot, signed time, question
# --------------------------------------------------------------------------------------

HONEYPOT = "website"  # hidden by the style sheet; people leave it empty, robots fill it
_NUMBERS_VI = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười",
               "mười một", "mười hai"]
_NUMBERS_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
               "eleven", "twelve"]


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def form_stamp() -> str:
    """A signed time stamp put in the form when it is shown."""
    return _serializer("form-stamp").dumps(int(time.time()))


def stamp_problem(stamp: str | None) -> str | None:
    """None if the form was shown long enough ago and not too long ago, else why not:
    ``"fast"`` (sent within FORM_MIN_SECONDS: a robot) or ``"expired"``."""
    cfg = current_app.config
    if not cfg.get("HUMAN_CHECK"):
        return None
    try:
        shown = _serializer("form-stamp").loads(stamp or "", max_age=cfg["FORM_MAX_AGE"])
    except SignatureExpired:
        return "expired"
    except BadSignature:
        return "expired"  # missing or altered: treated as an old form; the text is kept
    if time.time() - shown < cfg["FORM_MIN_SECONDS"]:
        return "fast"
    return None


def new_challenge() -> tuple[str, str]:
    """(question, signed token). The answer is checked on the server against the token."""
    rng = random.SystemRandom()
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    if rng.random() < 0.5 or a <= b:
        answer, op_vi, op_en = a + b, "cộng", "plus"
    else:
        answer, op_vi, op_en = a - b, "trừ", "minus"
    from flask_babel import get_locale
    if str(get_locale()) == "vi":
        question = f"{_NUMBERS_VI[a]} {op_vi} {_NUMBERS_VI[b]} bằng mấy?"
        question = question[0].upper() + question[1:]
    else:
        question = f"What is {_NUMBERS_EN[a]} {op_en} {_NUMBERS_EN[b]}?"
    nonce = rng.getrandbits(64)
    token = _serializer("challenge").dumps({"h": _digest(f"{nonce}:{answer}"), "n": nonce, "q": question})
    return question, token


def challenge_question(token: str | None) -> str | None:
    try:
        return _serializer("challenge").loads(token or "")["q"]
    except (BadSignature, KeyError, TypeError):
        return None


def challenge_passed(token: str | None, answer: str | None) -> bool:
    """The answer (digits, or the number in words) matches the signed token, which is at
    most an hour old and used once."""
    try:
        data = _serializer("challenge").loads(token or "", max_age=3600)
    except BadSignature:
        return False
    given = normalize_text(answer or "").strip().lower()
    if given in _NUMBERS_VI:
        given = str(_NUMBERS_VI.index(given))
    elif given in _NUMBERS_EN:
        given = str(_NUMBERS_EN.index(given))
    if not isinstance(data, dict) or not _use_once(f"challenge:{data.get('n')}"):
        return False  # a question is answered once, right or wrong: no guessing in a loop
    if not re.fullmatch(r"-?\d{1,3}", given):
        return False
    return hmac.compare_digest(str(data.get("h")), _digest(f"{data.get('n')}:{int(given)}"))


def _use_once(name: str) -> bool:
    """True the first time ``name`` is seen within the hour (a solved question is not
    replayed); fails open without Redis."""
    from limits import RateLimitItemPerHour
    if not _limits_on():
        return True
    try:
        return _strategy().hit(RateLimitItemPerHour(1), "petitions", "once", name)
    except Exception:  # noqa: BLE001
        log.warning("rate-limit storage unreachable; challenge reuse not checked (failing open)")
        return True


# --------------------------------------------------------------------------------------
# 429 pages and security headers
# --------------------------------------------------------------------------------------

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'")
# a download is never run as a page of this site, whatever it holds
CSP_DOWNLOAD = "sandbox; default-src 'none'"
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# pages that show an access key or a filer's letter: never kept in a shared cache
NO_STORE = {"public.receipt", "public.track", "public.rate", "api.get_case", "api.create_case"}


def _retry_after(error) -> int:
    if isinstance(error, LimitReached):
        return error.retry_after_seconds
    try:
        current = _limiter().current_limit
        if current is not None:
            return max(1, int(current.reset_at - time.time()))
    except Exception:  # noqa: BLE001
        pass
    return 60


def too_many(error):
    wait = _retry_after(error)
    minutes = max(1, math.ceil(wait / 60))
    if isinstance(error, LimitReached) and error.kind == "failed_lookup":
        message = _("Too many tracking codes or access keys that did not match were tried from "
                    "your connection. Please try again in %(n)d minutes.", n=minutes)
    elif request.endpoint in SIGN_IN_ENDPOINTS:
        message = _("Too many sign-in attempts from your connection. Please try again in %(n)d minutes.",
                    n=minutes)
    elif request.endpoint in FILING_ENDPOINTS:
        message = _("You have sent too many letters in a short time. Please try again in %(n)d "
                    "minutes. If your matter is urgent, come to the citizen reception office.",
                    n=minutes)
    else:
        message = _("You have sent too many requests. Please try again in %(n)d minutes.", n=minutes)
    if request.path.startswith("/api/"):
        response = jsonify({"errors": {"_": [message]}})
    elif request.endpoint == "public.file_case":
        from .blueprints.public.routes import refused_form
        response = current_app.make_response(refused_form(message))
    else:
        response = current_app.make_response(render_template("error.html", status=429, message=message))
    response.status_code = 429
    response.headers["Retry-After"] = str(wait)
    return response


def _json_control_paths(value, path: str = "") -> list[str]:
    if isinstance(value, str):  # CR/CRLF from a client on Windows are new lines, not controls
        return [path or "_"] if has_control_chars(normalize_text(value)) else []
    if isinstance(value, dict):
        return [p for k, v in value.items()
                for p in ([f"{path}.{k}".strip(".")] if has_control_chars(k) else [])
                + _json_control_paths(v, f"{path}.{k}".strip("."))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _json_control_paths(v, f"{path}.{i}".strip("."))]
    return []


def _json_may_hold_controls(raw: bytes) -> bool:
    """False when no string of this JSON text can hold a control character: no escape in it
    (``\\u0000``, ``\\b``) and none in the text itself (outside the strings only spaces, tabs and
    line ends may stand; a carriage return there is layout). Then the walk over the parsed
    body is not needed; a body that may hold one is walked (:func:`_json_control_paths`).
    Decoded as ``json.loads`` decodes bytes (``surrogatepass``): the raw bytes of a lone
    surrogate (ED A0 80) are one here too, not a replacement character that hid it."""
    try:
        text = raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:  # not UTF-8: json.loads refuses it too, there is nothing to walk
        return False
    return "\\" in text or bool(_FORBIDDEN.search(text.replace("\r", "")))


def refuse_control_chars():
    """Control characters never belong in a URL's path or query, nor in a JSON body (forms
    are checked field by field by :class:`BaseForm`): refused before any handler reads them
    (PostgreSQL, for one, cannot even compare a text with a NUL in it)."""
    api = request.path.startswith("/api/")
    if api and request.is_json and request.content_length != 0:
        problem = json_depth_problem(request.get_data(cache=True), current_app.config.get("MAX_JSON_DEPTH", MAX_JSON_DEPTH),
                                     current_app.config.get("MAX_JSON_BYTES", 512 * 1024))
        if problem:
            return jsonify({"errors": {"_": [str(JSON_TOO_LARGE if problem == "size" else JSON_TOO_DEEP)]}}), \
                (413 if problem == "size" else 400)
    if any(has_control_chars(v) for v in (request.view_args or {}).values()):
        if api:
            return jsonify({"errors": {"_": [_("This page does not exist.")]}}), 404
        from flask import abort
        abort(404)
    bad = sorted({k for k, v in request.args.items(multi=True)
                  if has_control_chars(normalize_text(k)) or has_control_chars(normalize_text(v))})
    if not bad and api and request.is_json and _json_may_hold_controls(request.get_data(cache=True)):
        bad = _json_control_paths(request.get_json(silent=True))
    if not bad:
        return None
    if api:
        return jsonify({"errors": {k: [str(CONTROL_MESSAGE)] for k in bad}}), 422
    return render_template("error.html", status=400, message=str(CONTROL_MESSAGE)), 400


def security_headers(response):
    headers = response.headers
    disposition = headers.get("Content-Disposition", "")
    if disposition.lower().startswith("attachment"):
        headers["Content-Security-Policy"] = CSP_DOWNLOAD
    else:
        headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("ENV") == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint in NO_STORE:
        headers["Cache-Control"] = "no-store"
    return response


def init_security(app: Flask) -> None:
    cfg = app.config
    install_json_bounds(app)
    proxies = int(cfg.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    cfg.setdefault("RATELIMIT_STORAGE_URI", cfg["REDIS_URL"])
    options = {"socket_timeout": cfg["RATELIMIT_SOCKET_TIMEOUT"],
               "socket_connect_timeout": cfg["RATELIMIT_SOCKET_TIMEOUT"],
               "key_prefix": cfg["RATELIMIT_STORAGE_PREFIX"]}
    if not str(cfg["RATELIMIT_STORAGE_URI"]).startswith("redis"):
        options = {}
    cfg.setdefault("RATELIMIT_STORAGE_OPTIONS", options)
    cfg.setdefault("RATELIMIT_STRATEGY", "moving-window")
    cfg.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Redis down: log, then count in this process's memory; never refuse every citizen
    cfg.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    cfg.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(key_func=client_address)
    limiter.init_app(app)
    app.extensions["petitions_limiter"] = limiter
    for endpoints, decorator in _declare_limits(limiter):
        for endpoint in endpoints:
            if endpoint in app.view_functions:
                app.view_functions[endpoint] = decorator(app.view_functions[endpoint])

    app.before_request(refuse_control_chars)
    app.register_error_handler(RateLimitExceeded, too_many)
    app.register_error_handler(429, too_many)
    app.after_request(security_headers)

