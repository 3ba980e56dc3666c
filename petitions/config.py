"""Configuration: safe defaults for development, everything else from the environment.

Nothing is read at import time: :func:`load_config` is called by ``create_app``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """The application refuses to start with this configuration."""


def _secret_key(instance_path: Path) -> str:
    """Development secret: generated once and kept under instance/."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _identity_secret(instance_path: Path, name: str, make) -> str:
    """Development keys for filers' identity (services/crypto.py): generated once under
    instance/, like the secret key. Losing them loses the identities: production sets
    IDENTITY_KEYS and IDENTITY_INDEX_KEY and keeps them in its secret store."""
    path = instance_path / name
    if path.exists():
        return path.read_text().strip()
    key = make()
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = os.environ
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    overrides = dict(overrides or {})
    production = (overrides.get("ENV") or env.get("PETITIONS_ENV", "development")) == "production"

    cfg: dict = {
        "ENV": "production" if production else "development",
        # SQLite under instance/ is the embedded default; production is PostgreSQL.
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or f"sqlite:///{instance / 'petitions.sqlite3'}",
        "REDIS_URL": env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "SECRET_KEY": env.get("SECRET_KEY"),
        # filers' identity encrypted at rest: comma-separated Fernet keys, the first encrypts,
        # all decrypt (flask identity rotate); the blind index key of ID numbers (services/crypto.py)
        "IDENTITY_KEYS": env.get("IDENTITY_KEYS"),
        "IDENTITY_INDEX_KEY": env.get("IDENTITY_INDEX_KEY"),
        "TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": {"vi": "Tiếng Việt", "en": "English"},
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER") or str(instance / "uploads"),
        # one request may carry at most this many bytes (all attachments together)
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)),
        "MAX_ATTACHMENT_BYTES": int(env.get("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)),
        "MAX_ATTACHMENTS": int(env.get("MAX_ATTACHMENTS", 5)),
        # a JSON body (the API) is refused before parsing when larger or nested deeper than this
        "MAX_JSON_BYTES": int(env.get("MAX_JSON_BYTES", 512 * 1024)),
        "MAX_JSON_DEPTH": int(env.get("MAX_JSON_DEPTH", 16)),
        # --- abuse of the public side (petitions/security.py) ---
        # limits as "N per hour;M per day"; under TESTING generous, a test tightens them
        "RATELIMIT_FILING": env.get("RATELIMIT_FILING", "5 per hour;20 per day"),      # letters received, per address
        "RATELIMIT_FILING_ID": env.get("RATELIMIT_FILING_ID", "5 per day"),  # per citizen ID number
        "RATELIMIT_FILING_ATTEMPTS": env.get("RATELIMIT_FILING_ATTEMPTS", "30 per hour"),  # every POST, valid or not
        "RATELIMIT_LOOKUP": env.get("RATELIMIT_LOOKUP", "60 per hour;300 per day"),
        "RATELIMIT_FAILED_LOOKUP": env.get("RATELIMIT_FAILED_LOOKUP", "10 per hour;30 per day"),
        # every key this installation writes to Redis begins with REDIS_PREFIX (default: the
        # installation's name), so two installations can share one Redis: see redis_names() below
        "INSTALLATION": env.get("PETITIONS_INSTALLATION", "petitions"),
        "REDIS_PREFIX": env.get("REDIS_PREFIX"),
        "RATELIMIT_STORAGE_PREFIX": env.get("RATELIMIT_STORAGE_PREFIX"),  # default: "<REDIS_PREFIX>-limits"
        # benchmarks and load tests on loopback switch the limits off (scripts/bench, scripts/load)
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "true").lower() not in ("0", "false", "no"),
        # /metrics: loopback only, or anyone presenting this bearer token when it is set (docs/operations.md)
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "RATELIMIT_SOCKET_TIMEOUT": float(env.get("RATELIMIT_SOCKET_TIMEOUT", 0.3)),
        # reverse proxies in front whose X-Forwarded-For is trusted (production: 1, nginx)
        # 0 by default: a client reaching gunicorn directly could otherwise rotate X-Forwarded-For and
        # escape every limit; production refuses to start without an explicit value (docs/operations.md)
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES") or 0),
        # proof of a person: signed form time stamp, honeypot, a question after repeats
        "HUMAN_CHECK": env.get("HUMAN_CHECK", "1").lower() not in ("0", "false", "no"),  # off: load tests only
        "FORM_MIN_SECONDS": int(env.get("FORM_MIN_SECONDS", 3)),
        "FORM_MAX_AGE": int(env.get("FORM_MAX_AGE", 24 * 3600)),
        "CHALLENGE_AFTER": env.get("CHALLENGE_AFTER", "3 per hour"),  # letters from one address before a question
        # a Word document (a zip) may not unpack to more than this, nor by a larger ratio
        "MAX_UNZIPPED_BYTES": int(env.get("MAX_UNZIPPED_BYTES", 100 * 1024 * 1024)),
        "MAX_ZIP_RATIO": int(env.get("MAX_ZIP_RATIO", 100)),
        "PAGE_SIZE": 50,
        # days the holidays package counts as holidays without an enacted legal basis (24/11,
        # Vietnam Culture Day): followed (days off) unless set to 0 (workflow/calendar_decisions.py)
        "CALENDAR_FOLLOW_UNENACTED": env.get("CALENDAR_FOLLOW_UNENACTED", "1").lower() not in ("0", "false", "no"),
        # sign-in throttling per user name (existing or not): after LOGIN_FREE_FAILURES failures
        # each attempt waits LOGIN_BASE_WAIT_SECONDS, doubling, at most LOGIN_MAX_WAIT_SECONDS; a
        # browser the officer signed in from is counted apart; the officer is told after
        # LOGIN_NOTIFY_AFTER failures. Per address: RATELIMIT_SIGN_IN.
        "LOGIN_FREE_FAILURES": int(env.get("LOGIN_FREE_FAILURES", 5)),
        "LOGIN_BASE_WAIT_SECONDS": int(env.get("LOGIN_BASE_WAIT_SECONDS", 15)),
        "LOGIN_MAX_WAIT_SECONDS": int(env.get("LOGIN_MAX_WAIT_SECONDS", 15 * 60)),
        "LOGIN_NOTIFY_AFTER": int(env.get("LOGIN_NOTIFY_AFTER", 5)),
        "RATELIMIT_SIGN_IN": env.get("RATELIMIT_SIGN_IN", "20 per 10 minutes;100 per day"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,  # also the absolute limit of a signed-in session
        # production: the __Host- prefix makes the browser refuse the cookie unless Secure, Path=/, no Domain
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # --- accounts (issue 8): a signed-in session ends after this many idle minutes ---
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", 30)),
        # two-factor sign-in (TOTP) is required for these roles (comma-separated), optional for others
        "TOTP_REQUIRED_ROLES": env.get("TOTP_REQUIRED_ROLES", "inspector,admin"),
        "TOTP_ISSUER": env.get("TOTP_ISSUER", "Don thu Nghe An"),
        # the password step is valid this long while the code is asked
        "TOTP_PENDING_SECONDS": 300,
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLITE_SYNCHRONOUS": env.get("SQLITE_SYNCHRONOUS", "FULL"),
        # --- alerts ---
        "RQ_QUEUE": env.get("RQ_QUEUE"),  # default: REDIS_PREFIX
        "ALERT_DUE_SOON_DAYS": int(env.get("ALERT_DUE_SOON_DAYS", 3)),          # working days before
        "ALERT_LONG_OVERDUE_DAYS": int(env.get("ALERT_LONG_OVERDUE_DAYS", 10)),  # working days after
        "SWEEP_EVERY_SECONDS": int(env.get("SWEEP_EVERY_SECONDS", 900)),
        "SWEEP_BATCH": int(env.get("SWEEP_BATCH", 1000)),
        "DIGEST_HOUR": int(env.get("DIGEST_HOUR", 7)),  # local hour after which the daily digest goes
        # who is told at each level (see services/alerts.py for what each name means)
        "ALERT_LADDER": {
            "due_soon": ["handler"],
            "due_today": ["handler", "head"],
            "overdue": ["handler", "head", "supervisor"],
            "long_overdue": ["handler", "head", "supervisor", "inspectorate"],
        },
        # overdue mass complaints and denunciations also go to the inspectorate
        "ALERT_INSPECTORATE_KINDS": ["mass", "denunciation"],
        "BASE_URL": env.get("BASE_URL", "http://127.0.0.1:5000"),
        # target 4: do withdrawn and terminated cases count as resolved? (a provincial choice)
        "REPORT_WITHDRAWN_AS_RESOLVED": env.get("REPORT_WITHDRAWN_AS_RESOLVED", "") in ("1", "true", "yes"),
        # public statistics: figures over fewer cases than this are not shown as rates
        "PUBLIC_MIN_COUNT": int(env.get("PUBLIC_MIN_COUNT", 10)),
        # the public statistics are recomputed when a figure changed, at most this often (seconds)
        "STATISTICS_REFRESH_SECONDS": int(env.get("STATISTICS_REFRESH_SECONDS", 10)),
        # reference data (communes, agencies, calendar, deadline settings) kept per process: its
        # version stamp in Redis is read at most this often (seconds); a change by an
        # administrator reaches the other processes within it, the changing one at once (issue 18)
        "REFDATA_RECHECK_SECONDS": float(env.get("REFDATA_RECHECK_SECONDS", 0.1)),
        # after this many requests a process freezes what it keeps, out of the garbage
        # collector's way (petitions/gcfreeze.py; 0: never)
        "GC_FREEZE_AFTER": int(env.get("GC_FREEZE_AFTER", 1000)),
        # a poor rating asks for a review, which the agency's head answers within this many working days
        "REVIEW_DAYS": int(env.get("REVIEW_DAYS", 10)),
        # --- mail (standard library smtplib) ---
        "MAIL_SERVER": env.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(env.get("MAIL_PORT", 25)),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "") in ("1", "true", "yes"),
        "MAIL_USE_SSL": env.get("MAIL_USE_SSL", "") in ("1", "true", "yes"),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_SENDER": env.get("MAIL_SENDER", "no-reply@nghean.gov.vn"),
        "MAIL_SENDER_NAME": env.get("MAIL_SENDER_NAME", "Hệ thống tiếp nhận, xử lý đơn thư tỉnh Nghệ An"),
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", 10)),
        "MAIL_MAX_ATTEMPTS": int(env.get("MAIL_MAX_ATTEMPTS", 6)),
        # --- the outbox (services/outbox.py): every message that leaves ---
        # a worker's claim on a row; a worker killed mid-send leaves it, and the row is sent
        # again (with the same idempotency key) once the lease has passed
        "OUTBOX_LEASE_SECONDS": int(env.get("OUTBOX_LEASE_SECONDS", 600)),
        "OUTBOX_MAX_ATTEMPTS": int(env.get("OUTBOX_MAX_ATTEMPTS", 8)),
        # --- citizens' sign-in with VNeID (OpenID Connect; services/vneid.py); off while the
        # issuer or the client id is empty: no button, code and key for everyone ---
        "VNEID_ISSUER": env.get("VNEID_ISSUER", ""),  # discovery: <issuer>/.well-known/openid-configuration
        "VNEID_CLIENT_ID": env.get("VNEID_CLIENT_ID", ""),
        "VNEID_CLIENT_SECRET": env.get("VNEID_CLIENT_SECRET", ""),
        "VNEID_SCOPES": env.get("VNEID_SCOPES", "openid profile"),
        # the claims of the ID token carrying the citizen's ID number (12 digits) and full name
        "VNEID_ID_CLAIM": env.get("VNEID_ID_CLAIM", "citizen_id"),
        "VNEID_NAME_CLAIM": env.get("VNEID_NAME_CLAIM", "name"),
        "VNEID_TIMEOUT": float(env.get("VNEID_TIMEOUT", 10)),
        # a citizen's session ends this long after the sign-in (or at sign-out)
        "CITIZEN_SESSION_MINUTES": int(env.get("CITIZEN_SESSION_MINUTES", 60)),
        # --- SMS through a brand-name gateway (services/gateways/sms.py); off while SMS_URL is empty ---
        "SMS_URL": env.get("SMS_URL", ""),
        "SMS_API_KEY": env.get("SMS_API_KEY", ""),
        "SMS_SECRET_KEY": env.get("SMS_SECRET_KEY", ""),
        "SMS_BRANDNAME": env.get("SMS_BRANDNAME", "UBND NGHEAN"),
        "SMS_TYPE": env.get("SMS_TYPE", "2"),  # customer care
        "SMS_UNICODE": env.get("SMS_UNICODE", "") in ("1", "true", "yes"),  # accented texts (70 characters)
        "SMS_OK_CODES": env.get("SMS_OK_CODES", "100"),
        "SMS_DUPLICATE_CODES": env.get("SMS_DUPLICATE_CODES", ""),
        "SMS_RETRY_CODES": env.get("SMS_RETRY_CODES", "99"),
        "SMS_TIMEOUT": float(env.get("SMS_TIMEOUT", 10)),
        "SMS_MAX_ATTEMPTS": int(env.get("SMS_MAX_ATTEMPTS", 6)),
        # --- Zalo Notification Service (services/gateways/zalo.py); off while ZALO_ACCESS_TOKEN is empty ---
        "ZALO_URL": env.get("ZALO_URL", "https://business.openapi.zalo.me/message/template"),
        "ZALO_ACCESS_TOKEN": env.get("ZALO_ACCESS_TOKEN", ""),
        "ZALO_TEMPLATE_RECEIPT": env.get("ZALO_TEMPLATE_RECEIPT", ""),
        "ZALO_TEMPLATE_UPDATE": env.get("ZALO_TEMPLATE_UPDATE", ""),
        "ZALO_RETRY_ERRORS": env.get("ZALO_RETRY_ERRORS", "-1,-32"),
        "ZALO_TIMEOUT": float(env.get("ZALO_TIMEOUT", 10)),
        "ZALO_MAX_ATTEMPTS": int(env.get("ZALO_MAX_ATTEMPTS", 6)),
        # --- the national database (services/national.py); off while NATIONAL_URL is empty ---
        "NATIONAL_URL": env.get("NATIONAL_URL", ""),
        "NATIONAL_TOKEN": env.get("NATIONAL_TOKEN", ""),
        "NATIONAL_TIMEOUT": float(env.get("NATIONAL_TIMEOUT", 15)),
        # an outage may last: about three days of back-off (6 h at most between tries)
        "NATIONAL_MAX_ATTEMPTS": int(env.get("NATIONAL_MAX_ATTEMPTS", 20)),
        # JSON maps of our values to the national codes (our value when a map has none)
        "NATIONAL_KIND_CODES": env.get("NATIONAL_KIND_CODES", ""),
        "NATIONAL_AGENCY_CODES": env.get("NATIONAL_AGENCY_CODES", ""),
        "NATIONAL_OUTCOME_CODES": env.get("NATIONAL_OUTCOME_CODES", ""),
        # freeze "today" (YYYY-MM-DD) for training sessions and tests; never in production
        "TODAY": env.get("PETITIONS_TODAY") if not production else None,
        "DOCUMENTS_SOFFICE": env.get("DOCUMENTS_SOFFICE", "soffice"),  # LibreOffice, for the documents' PDF
    }
    if overrides.get("TESTING"):
        # the other tests file many letters quickly from one address: generous limits and
        # no human check, unless a test (tests/test_public_abuse.py) sets them
        cfg.update({"RATELIMIT_FILING": "10000 per hour", "RATELIMIT_FILING_ID": "10000 per hour",
                    "RATELIMIT_FILING_ATTEMPTS": "10000 per hour", "RATELIMIT_LOOKUP": "10000 per hour",
                    "RATELIMIT_FAILED_LOOKUP": "10000 per hour", "CHALLENGE_AFTER": "10000 per hour",
                    "RATELIMIT_SIGN_IN": "10000 per hour",
                    "HUMAN_CHECK": False})
    cfg.update(overrides)

    redis_names(cfg)

    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgres://"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + cfg["SQLALCHEMY_DATABASE_URI"][11:]
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + cfg["SQLALCHEMY_DATABASE_URI"][13:]

    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # measured on 2 cores (README, "Monitoring"): PostgreSQL's JIT spent 300 ms compiling
        # each target 4 query that then ran in 100 ms, and parallel query slows the small
        # overdue counts 2-3x (PERFORMANCE.md); both off for this workload, overridable
        options = env.get("PG_OPTIONS", "-c jit=off -c max_parallel_workers_per_gather=0")
        engine_options = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(engine_options.get("connect_args") or {})
        connect_args.setdefault("options", options)
        if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg:"):
            # a pooled connection is checked by polling its socket at checkout (petitions/dbliveness.py),
            # not by a SELECT 1 round trip on every request; {"pool_pre_ping": true} brings that back.
            # TCP keepalives make the kernel notice a peer gone without a word (a firewall or NAT
            # that dropped an idle connection, an address moved in a failover): the socket then
            # reports an error at the next checkout, within about 90 s of silence
            for key, value in (("keepalives", 1), ("keepalives_idle", 60), ("keepalives_interval", 10),
                               ("keepalives_count", 3)):
                connect_args.setdefault(key, value)
            engine_options.setdefault("pool_pre_ping", False)
        else:  # another driver: nothing polls its sockets
            engine_options.setdefault("pool_pre_ping", True)
        engine_options["connect_args"] = connect_args
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options

    if production:
        missing = []
        if not cfg["SECRET_KEY"]:
            missing.append("SECRET_KEY")
        if not (env.get("DATABASE_URL") or "SQLALCHEMY_DATABASE_URI" in overrides):
            missing.append("DATABASE_URL")
        if not (env.get("REDIS_URL") or "REDIS_URL" in overrides):
            missing.append("REDIS_URL")
        for name in ("IDENTITY_KEYS", "IDENTITY_INDEX_KEY"):
            if not cfg[name]:
                missing.append(name)
        if env.get("TRUSTED_PROXIES") is None and "TRUSTED_PROXIES" not in overrides:
            missing.append("TRUSTED_PROXIES (0 when clients reach gunicorn directly, 1 behind one reverse proxy)")
        if missing:
            raise ConfigError("refusing to start in production without " + ", ".join(missing))
    else:
        if not cfg["SECRET_KEY"]:
            cfg["SECRET_KEY"] = _secret_key(instance)
        if not cfg["IDENTITY_KEYS"]:
            from base64 import urlsafe_b64encode  # a Fernet key: 32 random bytes, url-safe base64
            cfg["IDENTITY_KEYS"] = _identity_secret(
                instance, "identity_keys", lambda: urlsafe_b64encode(secrets.token_bytes(32)).decode())
        if not cfg["IDENTITY_INDEX_KEY"]:
            cfg["IDENTITY_INDEX_KEY"] = _identity_secret(instance, "identity_index_key",
                                                         lambda: secrets.token_urlsafe(48))
    _check_identity_keys(cfg["IDENTITY_KEYS"])
    return cfg


def _prefixed(prefix: str, name: str) -> str:
    """``name`` if it already begins with the prefix (``petitions``, ``petitions-bench``,
    ``petitions:x``), else ``<prefix>:<name>``."""
    if name == prefix or name.startswith((prefix + "-", prefix + ":")):
        return name
    return f"{prefix}:{name}"


def redis_names(cfg: dict) -> None:
    """Every name this installation uses in Redis carries REDIS_PREFIX (issue 14): the
    rate-limit keys (Flask-Limiter's key prefix: the filing, look-up and sign-in counters
    and the solved questions), the RQ queue (RQ keeps a queue as ``rq:queue:<name>`` and its
    registries as ``rq:<registry>:<name>``) and the keys named after the queue (the public
    figures' version stamp, the last sweep). An explicit RQ_QUEUE or RATELIMIT_STORAGE_PREFIX
    that does not begin with the prefix is put under it. The defaults are those of earlier
    versions ("petitions", "petitions-limits"), so an upgrade keeps its queue and counters."""
    prefix = (cfg.get("REDIS_PREFIX") or cfg.get("INSTALLATION") or "petitions").strip()
    if not prefix or any(c.isspace() for c in prefix):
        raise ConfigError("REDIS_PREFIX (or PETITIONS_INSTALLATION) must be a non-empty name without spaces")
    cfg["REDIS_PREFIX"] = prefix
    cfg["RQ_QUEUE"] = _prefixed(prefix, cfg.get("RQ_QUEUE") or prefix)
    cfg["RATELIMIT_STORAGE_PREFIX"] = _prefixed(prefix, cfg.get("RATELIMIT_STORAGE_PREFIX") or f"{prefix}-limits")


def _check_identity_keys(value) -> None:
    """A malformed key stops the start, not the first letter filed."""
    from cryptography.fernet import Fernet
    keys = value.split(",") if isinstance(value, str) else list(value or [])
    for key in (k.strip() for k in keys if k and k.strip()):
        try:
            Fernet(key.encode())
        except ValueError:
            raise ConfigError("IDENTITY_KEYS holds a key that is not a Fernet key "
                              "(32 url-safe base64-encoded bytes; flask identity new-key makes one)") from None
