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
        "TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": {"vi": "Tiếng Việt", "en": "English"},
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER") or str(instance / "uploads"),
        # one request may carry at most this many bytes (all attachments together)
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)),
        "MAX_ATTACHMENT_BYTES": int(env.get("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)),
        "MAX_ATTACHMENTS": int(env.get("MAX_ATTACHMENTS", 5)),
        "PAGE_SIZE": 50,
        # sign-in throttling: after this many failures the account waits
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_SECONDS": 15 * 60,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLITE_SYNCHRONOUS": env.get("SQLITE_SYNCHRONOUS", "FULL"),
        # --- alerts ---
        "RQ_QUEUE": env.get("RQ_QUEUE", "petitions"),
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
        # freeze "today" (YYYY-MM-DD) for training sessions and tests; never in production
        "TODAY": env.get("PETITIONS_TODAY") if not production else None,
    }
    cfg.update(overrides)

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
        engine_options["connect_args"] = connect_args
        engine_options.setdefault("pool_pre_ping", True)
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options

    if production:
        missing = []
        if not cfg["SECRET_KEY"]:
            missing.append("SECRET_KEY")
        if not (env.get("DATABASE_URL") or "SQLALCHEMY_DATABASE_URI" in overrides):
            missing.append("DATABASE_URL")
        if not (env.get("REDIS_URL") or "REDIS_URL" in overrides):
            missing.append("REDIS_URL")
        if missing:
            raise ConfigError("refusing to start in production without " + ", ".join(missing))
    elif not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = _secret_key(instance)
    return cfg
