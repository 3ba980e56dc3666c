"""Fault tests (``make faults``): a PRIVATE PostgreSQL cluster (initdb + pg_ctl on port
55432, in a temporary directory) and a private Redis (port 56379, no persistence), so that
stopping and restarting them disturbs nobody else on the machine.

Run: ``.venv/bin/python -m pytest faults -q -s`` (``-s`` shows each scenario's report).
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_PORT = int(os.environ.get("FAULTS_PG_PORT", 55432))
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", 56379))
ROOT = Path(__file__).resolve().parent.parent


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its commands as the ``postgres`` user."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--"] + cmd


def _wait_port(port: int, up: bool, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            s.settimeout(0.5)
            ok = s.connect_ex(("127.0.0.1", port)) == 0
        if ok == up:
            return
        time.sleep(0.1)
    raise RuntimeError(f"port {port} still {'down' if up else 'up'} after {timeout} s")


class PrivatePostgres:
    def __init__(self, base: Path):
        self.dir = base / "pgdata"
        self.log = base / "pg.log"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{PG_PORT}/postgres"
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(base, pw.pw_uid, pw.pw_gid)
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.dir), "-U", "postgres", "-A", "trust",
                                     "-E", "UTF8", "--no-sync"]), check=True, stdout=subprocess.DEVNULL)

    def ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-l", str(self.log), "-w",
                                     "-o", f"-p {PG_PORT} -k {self.dir} -c listen_addresses=127.0.0.1 "
                                           "-c fsync=off -c max_connections=100", *args]),
                       check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        self.ctl("start")
        _wait_port(PG_PORT, True)

    def stop(self) -> None:
        self.ctl("stop", "-m", "fast")
        _wait_port(PG_PORT, False)

    def database(self, name: str) -> str:
        from sqlalchemy import create_engine, text
        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url.rsplit("/", 1)[0] + "/" + name


class PrivateRedis:
    def __init__(self):
        self.url = f"redis://127.0.0.1:{REDIS_PORT}/0"
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL)
        _wait_port(REDIS_PORT, True)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        _wait_port(REDIS_PORT, False)


@pytest.fixture(scope="session")
def private_pg():
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL server binaries not found in {PG_BIN} (set PG_BIN)")
    base = Path(tempfile.mkdtemp(prefix="petitions-faults-pg-"))
    os.chmod(base, 0o755)
    pg = PrivatePostgres(base)
    pg.start()
    yield pg
    try:
        pg.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def private_redis():
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def make_app(private_pg, private_redis, tmp_path):
    """A fresh application on its own database of the private cluster."""
    from petitions import create_app
    from petitions.extensions import db
    from petitions.services.units import load_units

    made = []

    def make(name: str, **config):
        os.environ["PETITIONS_INSTANCE"] = str(tmp_path / "instance")
        url = private_pg.database(name)
        app = create_app({
            "TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "faults-secret",
            "UPLOAD_FOLDER": str(tmp_path / "uploads"), "REDIS_URL": private_redis.url,
            "RQ_QUEUE": f"petitions-faults-{name}", "BASE_URL": "http://petitions.test",
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1, "MAIL_TIMEOUT": 2,
            # connections fail fast while the server is down; the pool's own liveness check (a
            # poll of the socket at checkout, petitions/dbliveness.py), not pre-ping, is under test
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
            **config})
        with app.app_context():
            db.create_all()
            load_units()
            db.session.commit()
        made.append(app)
        return app
    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def letter(kind: str, commune_code: str, i: int, **extra) -> dict:
    body = {"kind": kind, "title": f"Đơn thử nghiệm số {i}",
            "content": "Nội dung đơn đủ dài để được chấp nhận, nêu rõ sự việc và yêu cầu giải quyết.",
            "commune_code": commune_code,
            "petitioner": {"full_name": "Nguyễn Văn An", "id_number": f"04012{i:07d}", "phone": "0912345678",
                           "email": f"an{i}@example.org", "address": "Số 1 đường Lê Lợi"}}
    if kind == "complaint":
        body["respondent"] = "Quyết định số 12/QĐ-UBND ngày 01/10/2026"
    if kind == "denunciation":
        body.update(respondent="Cán bộ địa chính xã", pledge=True)
    body.update(extra)
    return body


def first_commune(app) -> str:
    from petitions.extensions import db
    from petitions.models import AdminUnit
    with app.app_context():
        return db.session.scalar(db.select(AdminUnit.code).where(AdminUnit.level == "commune")
                                 .order_by(AdminUnit.code).limit(1))


def integrity_problems(app) -> dict:
    """Cases missing a part filing always writes: a petitioner (not anonymous), the
    ``receive`` event, a running time limit (every kind filed here has one)."""
    from sqlalchemy import text

    from petitions.extensions import db
    with app.app_context():
        q = lambda sql: db.session.scalar(text(sql))  # noqa: E731
        return {
            "cases": q("SELECT count(*) FROM cases"),
            "without_petitioner": q("SELECT count(*) FROM cases c WHERE NOT c.is_anonymous AND NOT EXISTS "
                                    "(SELECT 1 FROM parties p WHERE p.case_id = c.id)"),
            "without_receive_event": q("SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_events e "
                                       "WHERE e.case_id = c.id AND e.event = 'receive')"),
            "without_time_limit": q("SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM deadlines d "
                                    "WHERE d.case_id = c.id)"),
        }


def report(title: str, lines: dict) -> None:
    print(f"\n== {title}")
    for key, value in lines.items():
        print(f"   {key}: {value}")


@pytest.fixture
def make_officer_in():
    def make(app, username: str, role: str, agency_code: str | None = None):
        from petitions.extensions import db
        from petitions.models import AdminUnit, Agency
        from petitions.services.accounts import create_user
        with app.app_context():
            if agency_code is None:  # the agency of the first commune (where the test letters go)
                unit = db.session.scalar(db.select(AdminUnit).where(AdminUnit.level == "commune")
                                         .order_by(AdminUnit.code).limit(1))
                agency = db.session.scalar(db.select(Agency).where(Agency.admin_unit_id == unit.id))
            else:
                agency = db.session.scalar(db.select(Agency).where(Agency.code == agency_code))
            user = create_user(username, "correct horse battery staple", full_name=username.title(), agency=agency,
                               roles=[role])
            user.email = f"{username}@example.org"
            db.session.commit()
            return user.id
    return make
