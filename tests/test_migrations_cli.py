"""Migrations give exactly the models' schema; the seed and user commands work."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from petitions.models import Agency, AdminUnit, Case, User

from .conftest import fresh_database_url

ROOT = Path(__file__).resolve().parent.parent


def flask(env: dict, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, input=input,
                          capture_output=True, text=True, timeout=300)


def test_upgrade_on_empty_database_gives_the_models_schema(tmp_path_factory, tmp_path, worker):
    url = fresh_database_url(tmp_path_factory, f"petitions_migrate_{worker}")
    env = {**os.environ, "FLASK_APP": "petitions", "DATABASE_URL": url, "PETITIONS_INSTANCE": str(tmp_path)}
    up = flask(env, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    # the official calendar decisions the holidays package lacks come with the migration (c16000000001):
    # Fri 19/12/2025 + 10 working days skips Fri 2/1/2026 (New Year 2026 decision) -> 2026-01-06
    due = flask(env, "deadline", "complaint-acceptance", "2025-12-19")
    assert due.returncode == 0 and due.stdout.startswith("2026-01-06\n"), due.stdout + due.stderr
    assert "12729/VPCP-KGVX" in due.stdout
    check = flask(env, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    if url.startswith("postgresql"):  # the search index's pending list merged in 1 MB steps (c21000000001)
        import psycopg
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            options = conn.execute("SELECT reloptions FROM pg_class WHERE relname = 'pgonly_cases_search_trgm'").fetchone()
        assert options == (["gin_pending_list_limit=1024"],), options
    down = flask(env, "db", "downgrade", "base")
    assert down.returncode == 0, down.stderr


def test_seed_demo_and_users_create(tmp_path_factory, tmp_path, worker):
    url = fresh_database_url(tmp_path_factory, f"petitions_seed_{worker}")
    env = {**os.environ, "FLASK_APP": "petitions", "DATABASE_URL": url, "PETITIONS_INSTANCE": str(tmp_path),
           "SQLITE_SYNCHRONOUS": "NORMAL"}
    assert flask(env, "db", "upgrade").returncode == 0
    seeded = flask(env, "seed", "demo", "--cases", "40")
    assert seeded.returncode == 0, seeded.stderr
    for username in ("admin", "thanhtra", "tiepdan", "thuly", "chutich"):
        assert username in seeded.stdout
    # the People's Council office's liaison, who records voter meetings, is printed with its role
    assert re.search(r"vanphong\.hdnd\s+\S+\s+council", seeded.stdout), seeded.stdout
    assert "nghean-demo-2026" in seeded.stdout
    again = flask(env, "seed", "demo", "--if-empty")
    assert again.returncode == 0 and "tiepdan" in again.stdout  # sign-ins printed on every run
    made = flask(env, "users", "create", "canbo1", "--full-name", "Cán Bộ Một", "--agency", "SO-XD",
                 "--role", "handler", "--role", "reception", input="mat-khau-rat-dai\nmat-khau-rat-dai\n")
    assert made.returncode == 0, made.stderr
    bad = flask(env, "users", "create", "canbo2", "--full-name", "X", "--agency", "NOPE", "--role", "handler",
                input="mat-khau-rat-dai\nmat-khau-rat-dai\n")
    assert bad.returncode != 0 and "NOPE" in bad.stderr

    from sqlalchemy import String, create_engine, func, select
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AdminUnit).where(AdminUnit.level == "commune")) == 130
        assert conn.scalar(select(func.count()).select_from(Agency)) >= 130 + 10
        # 40 letters; forwarding and splitting in the demo's workflow add linked copies
        assert conn.scalar(select(func.count()).select_from(Case).where(Case.parent_id.is_(None))) == 40
        # the six demo officers, the one created above, and a head and a reception officer per agency
        assert conn.scalar(select(func.count()).select_from(User).where(User.username.in_(
            ["admin", "thanhtra", "tiepdan", "thuly", "chutich", "tiepdan.tinh", "canbo1"]))) == 7
        assert conn.scalar(select(func.count()).select_from(User)) > 200
        kinds = {k for (k,) in conn.execute(select(Case.kind).distinct())}
        assert kinds == {"complaint", "denunciation", "petition"}
        # a believable reception-duty history: sessions held over months, a few missed, some booked
        from petitions.models import ReceptionSession
        held = conn.scalar(select(func.count()).select_from(ReceptionSession))
        months = conn.scalar(select(func.count(func.distinct(func.substr(func.cast(ReceptionSession.held_on,
                                                                                    String), 1, 7)))))
        assert held > 1000 and months >= 6
        oldest = conn.scalar(select(func.min(Case.received_on)))
        newest = conn.scalar(select(func.max(Case.received_on)))
        assert (newest - oldest).days > 120
    engine.dispose()


def test_migrations_keep_the_data_of_a_populated_database(tmp_path_factory, tmp_path, worker):
    """Down to the revision before the newest table rebuild and up again, with cases in it
    (SQLite rebuilds tables to alter them: foreign keys must survive)."""
    url = fresh_database_url(tmp_path_factory, f"petitions_populated_{worker}")
    env = {**os.environ, "FLASK_APP": "petitions", "DATABASE_URL": url, "PETITIONS_INSTANCE": str(tmp_path),
           "SQLITE_SYNCHRONOUS": "NORMAL"}
    assert flask(env, "db", "upgrade").returncode == 0
    assert flask(env, "seed", "demo", "--cases", "30").returncode == 0
    down = flask(env, "db", "downgrade", "1d6c51240a7f")
    assert down.returncode == 0, down.stderr
    up = flask(env, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    from sqlalchemy import String, create_engine, func, select, text
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Case).where(Case.parent_id.is_(None))) == 30
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
    engine.dispose()
    assert flask(env, "db", "check").returncode == 0
