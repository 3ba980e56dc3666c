"""Fixtures: a real database (SQLite or PostgreSQL, chosen by TEST_DATABASE), the app,
a client that fetches real CSRF tokens, and officers of real agencies."""
from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest

BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
PASSWORD = "correct horse battery staple"
# reference data loaded once per session and kept between tests
KEEP = {"admin_units", "agencies"}


def _pg_admin_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def fresh_database_url(tmp_path_factory, name: str) -> str:
    """An empty database of the backend under test."""
    if BACKEND == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / (name + '.sqlite3')}"
    from sqlalchemy import create_engine, text
    admin = _pg_admin_url()
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    _created.append(name)
    return admin.rsplit("/", 1)[0] + "/" + name


_created: list[str] = []


def pytest_sessionfinish(session):
    """Drop the PostgreSQL databases this test process made."""
    if BACKEND == "sqlite" or not _created:
        return
    from sqlalchemy import create_engine, text
    engine = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for name in _created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def worker(request) -> str:
    """This test process's name: the xdist worker and the process id, so that two runs of
    the suite at once (two developers, or CI beside a developer) never share a database
    or a queue."""
    return f'{getattr(request.config, "workerinput", {}).get("workerid", "main")}_{os.getpid()}'


@pytest.fixture(scope="session")
def app(tmp_path_factory, worker):
    from petitions import create_app
    from petitions.extensions import db
    from petitions.services.units import load_units

    os.environ["PETITIONS_INSTANCE"] = str(tmp_path_factory.mktemp("instance"))
    url = fresh_database_url(tmp_path_factory, f"petitions_test_{worker}")
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        "SQLITE_SYNCHRONOUS": "NORMAL",
        # each test process has its own names on the real Redis: its queue (RQ_QUEUE, the
        # prefix itself) and its rate-limit counters ("<prefix>-limits", forgotten after each test)
        "REDIS_PREFIX": f"petitions-test-{worker}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "BASE_URL": "http://petitions.test",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,  # nothing listens: a test that sends mail starts the SMTP server fixture
        "MAIL_TIMEOUT": 2,
        # cheap Argon2id: the suite signs in thousands of times (production keeps the defaults)
        "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        # the public statistics follow every change at once (production: at most every 10 s)
        "STATISTICS_REFRESH_SECONDS": 0,
        # and the reference data a change made by another process at once (production: within 0.1 s)
        "REFDATA_RECHECK_SECONDS": 0,
        # the test process is no long-lived worker: tests/test_gcfreeze.py freezes apps of its own
        "GC_FREEZE_AFTER": 0,
    })
    with app.app_context():
        db.create_all()
        load_units()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Each test starts with the reference data only."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    app.config["TODAY"] = None
    app.config["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    app.extensions.pop("petitions_redis_ok", None)
    _empty_queue(app)
    from petitions.security import reset_limits
    reset_limits(app)
    from petitions.extensions import db
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEEP:
                db.session.execute(table.delete())
        db.session.commit()


def _empty_queue(app):
    from redis.exceptions import RedisError
    from rq import Queue
    from rq.registry import FailedJobRegistry

    from petitions.jobs import redis_connection
    try:
        with app.app_context():
            conn = redis_connection()
            queue = Queue(app.config["RQ_QUEUE"], connection=conn)
            queue.empty()
            conn.delete(f"{app.config['RQ_QUEUE']}:outbox-kick")  # its job was just emptied (services/outbox.py)
            registry = FailedJobRegistry(queue=queue)
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
    except RedisError:
        pass


class Client:
    """The Flask test client, plus the CSRF token a browser would send."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()

    def __getattr__(self, name):
        return getattr(self.http, name)

    def csrf(self, url: str = "/auth/login") -> str:
        page = self.http.get(url).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def submit(self, url: str, data: dict, **kwargs):
        """GET the form (for its token) then POST it, as a browser does."""
        data = {"csrf_token": self.csrf(url), **data}
        return self.http.post(url, data=data, **kwargs)

    def login(self, username: str, password: str = PASSWORD, *, second_step: bool = True):
        """Sign in; for an account with two-factor sign-in, the code step too (computed from
        the stored secret, as the officer's phone would) unless ``second_step=False``."""
        r = self.submit("/auth/login", {"username": username, "password": password})
        if second_step and r.status_code == 302 and urlsplit(r.headers["Location"]).path == "/auth/two-factor":
            return self.submit("/auth/two-factor", {"code": totp_code(self.app, username)})
        return r


def browser_second_step(page, app, username: str) -> None:
    """In a real browser, right after the password was sent: the code step, when the
    account has one (inspectors, administrators), as the officer would type it."""
    page.wait_for_url(re.compile(r".*/(auth/two-factor|officer/).*"))
    if "/auth/two-factor" in page.url:
        page.fill("#code", totp_code(app, username))
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url("**/officer/")


def totp_code(app, username: str) -> str:
    """The current code of ``username``'s authenticator. The last used step is forgotten
    first, so that a test may sign the same officer in twice within 30 seconds."""
    import pyotp

    from petitions.extensions import db
    from petitions.models import User
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username.strip().lower()))
        user.totp_last_step = None
        db.session.commit()
        return pyotp.TOTP(user.totp_secret).now()


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def agencies(app):
    """Agency ids by code, and the first commune's code and agency."""
    from petitions.extensions import db
    from petitions.models import AdminUnit, Agency
    with app.app_context():
        by_code = {a.code: a.id for a in db.session.scalars(db.select(Agency))}
        communes = list(db.session.scalars(db.select(AdminUnit).where(AdminUnit.level == "commune")
                                           .order_by(AdminUnit.code).limit(2)))
        return {
            **by_code,
            "commune_a": communes[0].code, "commune_b": communes[1].code,
            "agency_a": f"UBND-{communes[0].code}", "agency_b": f"UBND-{communes[1].code}",
        }


@pytest.fixture
def make_officer(app):
    from petitions.extensions import db
    from petitions.models import Agency
    from petitions.services.accounts import create_user

    def make(username: str, roles, agency_code: str, *, totp: bool | None = None):
        """An officer; those whose role requires two-factor sign-in (TOTP_REQUIRED_ROLES)
        are enrolled already unless ``totp=False``."""
        import pyotp

        from petitions.models.types import utcnow
        from petitions.services.accounts import totp_required
        with app.app_context():
            agency = db.session.scalar(db.select(Agency).where(Agency.code == agency_code))
            user = create_user(username, PASSWORD, full_name=username.title(), agency=agency, roles=roles)
            if totp if totp is not None else totp_required(user, app.config["TOTP_REQUIRED_ROLES"]):
                user.totp_secret = pyotp.random_base32()
                user.totp_enabled_at = utcnow()
            db.session.commit()
            return user.id
    return make


def valid_letter(kind: str, commune_code: str, **extra) -> dict:
    """A JSON body the API accepts for this kind."""
    body = {
        "kind": kind,
        "title": "Đơn thử nghiệm",
        "content": "Nội dung đơn đủ dài để được chấp nhận, nêu rõ sự việc và yêu cầu.",
        "commune_code": commune_code,
        "petitioner": {"full_name": "Nguyễn Văn An", "id_number": "040123456789", "phone": "0912345678",
                       "email": "an@example.org", "address": "Số 1 đường Lê Lợi"},
    }
    if kind == "complaint":
        body["respondent"] = "Quyết định số 12/QĐ-UBND ngày 01/10/2026"
    if kind == "denunciation":
        body["respondent"] = "Cán bộ địa chính xã"
        body["pledge"] = True
    body.update(extra)
    return body


def form_fields(body: dict) -> dict:
    """The same letter as the HTML form posts it."""
    out = {k: v for k, v in body.items() if k not in ("petitioner", "co_signers", "pledge", "anonymous")}
    for key, value in body.get("petitioner", {}).items():
        out[f"petitioner-{key}"] = value
    if body.get("pledge"):
        out["pledge"] = "y"
    if body.get("anonymous"):
        out["anonymous"] = "y"
    return out


class Mailbox:
    """A real SMTP server (aiosmtpd) on loopback; ``messages`` are the mails it received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes
        from email.policy import default
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=default)
        self.messages.append({"to": list(envelope.rcpt_tos), "subject": str(msg["Subject"]).strip(),
                              "from": str(msg["From"]), "mail_from": envelope.mail_from,
                              "body": msg.get_body(("plain",)).get_content()})
        return "250 OK"


@pytest.fixture
def smtp(app):
    import socket

    from aiosmtpd.controller import Controller
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    app.config["MAIL_PORT"] = port
    yield box
    controller.stop()
    app.config["MAIL_PORT"] = 1


@pytest.fixture
def run_worker(app):
    """Run a real RQ worker (SimpleWorker, burst) on this test process's queue."""
    from rq import SimpleWorker

    from petitions.jobs import AppJob, get_queue, redis_connection, use_app

    def run():
        use_app(app)
        with app.app_context():
            conn = redis_connection()
            queue = get_queue(conn)
        worker = SimpleWorker([queue], connection=conn, job_class=AppJob)
        worker.work(burst=True)
        return queue
    return run
