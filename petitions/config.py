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
        # freeze "today" (YYYY-MM-DD) for training sessions and tests; never in production
        "TODAY": env.get("PETITIONS_TODAY") if not production else None,
    }
    cfg.update(overrides)

    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgres://"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + cfg["SQLALCHEMY_DATABASE_URI"][11:]
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        cfg["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + cfg["SQLALCHEMY_DATABASE_URI"][13:]

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
