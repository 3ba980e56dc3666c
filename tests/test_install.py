"""Every install speaks Vietnamese (issue 15): the built package carries the compiled catalogues
(and the migrations, templates and fonts it reads at run time), a source checkout compiles a
missing or stale catalogue when the application starts, and production refuses to start, or
/healthz answers 503, without the Vietnamese catalogue."""
from __future__ import annotations

import gettext
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from petitions.config import ConfigError

ROOT = Path(__file__).resolve().parent.parent
HEADING = "Which one should I choose?"
HEADING_VI = "Bạn đã gửi đơn? Hãy theo dõi đơn bằng mã theo dõi."


def test_the_built_package_carries_catalogues_migrations_templates_and_fonts(tmp_path):
    # the package's build step that `pip install .` runs (setup.py's build_py, files chosen by
    # MANIFEST.in), on a clean copy of the tree: no *.mo in it, they are ignored by git
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", "instance", "*.mo", "__pycache__", ".git",
                                                             "build", "*.egg-info", "test-artifacts", "bench"))
    lib = tmp_path / "lib"
    run = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(lib)], cwd=src,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    names = {p.relative_to(lib).as_posix() for p in lib.rglob("*") if p.is_file()}
    mo = (lib / "petitions/translations/vi/LC_MESSAGES/messages.mo").read_bytes()
    assert "petitions/translations/en/LC_MESSAGES/messages.mo" in names
    vi = gettext.GNUTranslations(io.BytesIO(mo))
    assert vi.gettext("Already sent a letter? Follow it with your tracking code.") == HEADING_VI
    assert "petitions/migrations/env.py" in names and "petitions/migrations/alembic.ini" in names
    assert len([n for n in names if n.startswith("petitions/migrations/versions/") and n.endswith(".py")]) == \
        len(list((ROOT / "migrations" / "versions").glob("*.py")))
    for name in ("petitions/templates/base.html", "petitions/templates/public/index.html",
                 "petitions/documents/templates/receipt.docx", "petitions/documents/fonts/fonts.conf",
                 "petitions/documents/fonts/LiberationSerif-Regular.ttf", "petitions/documents/fonts/OFL.txt",
                 "petitions/services/common_passwords.txt"):
        assert name in names, name
    assert any(n.startswith("petitions/static/") for n in names)


def _app(tmp_path, monkeypatch, translations: Path, **config):
    from petitions import create_app
    monkeypatch.setenv("PETITIONS_INSTANCE", str(tmp_path / "instance"))
    return create_app({"TESTING": True, "SECRET_KEY": "test", "BABEL_TRANSLATION_DIRECTORIES": str(translations),
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}", **config})


def test_a_missing_or_stale_catalogue_is_compiled_when_the_application_starts(tmp_path, monkeypatch):
    translations = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", translations, ignore=shutil.ignore_patterns("*.mo", "pending"))
    po = translations / "vi" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert not mo.exists()
    app = _app(tmp_path, monkeypatch, translations)
    assert mo.is_file()
    from petitions.extensions import db
    with app.app_context():
        db.create_all()
    page = app.test_client().get("/").get_data(as_text=True)
    assert HEADING_VI in page and HEADING not in page
    # the .po changes after the .mo was made: the next start compiles it again
    po.write_text(po.read_text(encoding="utf-8").replace(HEADING_VI, "Đã gửi đơn rồi? Tra cứu tại đây."),
                  encoding="utf-8")
    later = time.time() + 5
    os.utime(po, (later, later))
    _app(tmp_path, monkeypatch, translations)
    vi = gettext.GNUTranslations(mo.open("rb"))
    assert vi.gettext("Already sent a letter? Follow it with your tracking code.") == "Đã gửi đơn rồi? Tra cứu tại đây."


def test_without_the_vietnamese_catalogue_production_refuses_to_start_and_healthz_is_503(tmp_path, monkeypatch):
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    empty = tmp_path / "no-translations"
    (empty / "en" / "LC_MESSAGES").mkdir(parents=True)
    from cryptography.fernet import Fernet
    for name, value in {"PETITIONS_ENV": "production", "SECRET_KEY": "s" * 40,
                        "DATABASE_URL": "postgresql://db/petitions", "REDIS_URL": "redis://cache:6379/0",
                        "IDENTITY_KEYS": Fernet.generate_key().decode(), "IDENTITY_INDEX_KEY": "i" * 40,
                        "TRUSTED_PROXIES": "0"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="Vietnamese catalogue"):
        _app(tmp_path, monkeypatch, empty, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://db/petitions")
    # outside production it starts (with a warning) and /healthz says what is missing
    monkeypatch.setenv("PETITIONS_ENV", "development")
    app = _app(tmp_path, monkeypatch, empty, REDIS_URL=redis_url)
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["status"] == "unavailable" and body["translations"] == "Vietnamese catalogue missing"
    assert body["database"] == "ok" and body["redis"] == "ok"
