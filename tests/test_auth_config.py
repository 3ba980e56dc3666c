"""Sign-in, its throttling, and configuration."""
from __future__ import annotations

import pytest

from petitions.config import ConfigError, load_config
from petitions.extensions import db
from petitions.models import AuditLog, User


def test_sign_in_and_out(client, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    r = client.login("TiepDan")
    assert r.status_code == 302 and r.headers["Location"].endswith("/officer/")
    assert client.get("/officer/").status_code == 200
    r = client.post("/auth/logout", data={"csrf_token": client.csrf("/officer/")})
    assert r.status_code == 302
    assert client.get("/officer/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    r = client.login("tiepdan", "wrong")
    assert r.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in r.get_data(as_text=True)
    r = client.login("nobody", "wrong")
    assert r.status_code == 401


def test_repeated_failures_make_the_name_wait(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    for _ in range(app.config["LOGIN_FREE_FAILURES"] - 1):
        assert client.login("tiepdan", "wrong").status_code == 401
    r = client.login("tiepdan", "wrong")
    assert r.status_code == 429 and "Vui lòng chờ đến" in r.get_data(as_text=True)
    # even the right password waits until the wait ends (no password is checked meanwhile)
    r = client.login("tiepdan")
    assert r.status_code == 429
    with app.app_context():
        assert db.session.scalar(db.select(AuditLog.action).where(AuditLog.action == "sign_in_wait"))


def test_disabled_account_cannot_sign_in(client, app, agencies, make_officer):
    uid = make_officer("tiepdan", ["reception"], agencies["agency_a"])
    with app.app_context():
        db.session.get(User, uid).active = False
        db.session.commit()
    assert client.login("tiepdan").status_code == 401


def test_passwords_are_argon2id(app, agencies, make_officer):
    uid = make_officer("tiepdan", ["reception"], agencies["agency_a"])
    with app.app_context():
        assert db.session.get(User, uid).password_hash.startswith("$argon2id$")


def test_sign_in_redirect_stays_on_this_site(client, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    token = client.csrf("/auth/login")
    r = client.post("/auth/login?next=//evil.example/x", data={"csrf_token": token, "username": "tiepdan",
                                                               "password": "correct horse battery staple"})
    assert r.headers["Location"].endswith("/officer/")


def test_production_refuses_to_start_without_secrets(tmp_path, monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "IDENTITY_KEYS", "IDENTITY_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PETITIONS_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY, DATABASE_URL, REDIS_URL"):
        load_config(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/petitions")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    with pytest.raises(ConfigError, match="IDENTITY_KEYS"):
        load_config(str(tmp_path))
    from cryptography.fernet import Fernet
    monkeypatch.setenv("IDENTITY_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("IDENTITY_INDEX_KEY", "i" * 40)
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):  # issue 14: an explicit value in production
        load_config(str(tmp_path))
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    cfg = load_config(str(tmp_path))
    assert cfg["TRUSTED_PROXIES"] == 1
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_development_secret_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PETITIONS_ENV", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = load_config(str(tmp_path))
    second = load_config(str(tmp_path))
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'petitions.sqlite3'}"
    assert first["BABEL_DEFAULT_LOCALE"] == "vi" and first["TIMEZONE"] == "Asia/Ho_Chi_Minh"


def test_database_connection_settings(app):
    """SQLite: WAL and foreign keys on every connection. PostgreSQL: UTF-8 for Vietnamese."""
    with app.app_context():
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
            assert db.session.execute(db.text("PRAGMA foreign_keys")).scalar() == 1
        else:
            assert db.session.execute(db.text("SHOW server_encoding")).scalar() == "UTF8"
