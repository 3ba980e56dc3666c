"""``make bench``: the application against bare references, in one run, on one database.

    CASES=1000000 SECONDS=30 CONNECTIONS=16 bash scripts/bench.sh

Steps: make the database ``petitions_bench`` (BENCH_DB) on 127.0.0.1:5432, migrate it, seed
CASES cases (skipped when it already holds that many), start the application and the bare
reference (``reference_app.py``) under gunicorn with 2 sync workers each, then measure:

1. public filing, ``POST /api/v1/cases``, against ``POST /file`` of the reference;
2. the officer's work queue ``/officer/`` (signed in as a reception officer of the agency
   with the most cases), against ``GET /list`` rendering 50 rows of the same table;
3. one deadline sweep (``flask sweep`` in its own process: wall time and peak RSS), against
   the single SQL statement selecting the same running limits due soon or past due;
4. the target 4 report for one year, province-wide and per agency, against hand-written
   aggregate SQL, whose figures must be equal.

The load generator is ``wrk`` (C, 2 threads, CONNECTIONS connections) on the same two
cores: it takes CPU from the server, equally for the application and the reference.
Writes ``docs/bench/latest.json`` and ``docs/bench/latest.md``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = ROOT / ".venv" / "bin"
OUT = ROOT / "docs" / "bench"


#: the rows of the table, in order (``--only`` / ONLY picks some of them)
ROWS = ("filing", "webform", "queue", "statistics", "sweep", "report")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------- set-up

def pg_admin(url: str):
    import psycopg
    return psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True)


def ensure_database(url: str, fresh: bool) -> None:
    name = url.rsplit("/", 1)[1]
    with pg_admin(url) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


# throughput is what is measured here, not the abuse limits: off, and the others out of reach
UNLIMITED = {"RATELIMIT_ENABLED": "false", "HUMAN_CHECK": "false", "CHALLENGE_AFTER": "1000000000 per hour",
             **{f"RATELIMIT_{name}": "1000000000 per hour"
                for name in ("FILING", "FILING_ID", "FILING_ATTEMPTS", "LOOKUP", "FAILED_LOOKUP")}}


def app_env(args, instance: Path) -> dict:
    env = dict(os.environ)
    env.update({
        "FLASK_APP": "petitions", "DATABASE_URL": args.db_url, "REDIS_URL": args.redis_url,
        "PETITIONS_ENV": "production", "SECRET_KEY": "bench-only-" + "x" * 32, "TRUSTED_PROXIES": "0",
        "PETITIONS_INSTANCE": str(instance), "UPLOAD_FOLDER": str(instance / "uploads"),
        # the send jobs filing and the sweep enqueue go to a throwaway queue, emptied at the end
        "RQ_QUEUE": "petitions-bench",
        # identity encryption keys of this throwaway database (production keeps its own)
        "IDENTITY_KEYS": "YmVuY2gtb25seS1rZXktMzItYnl0ZXMtbG9uZy4uLi4=", "IDENTITY_INDEX_KEY": "bench-only-index-key",
        **UNLIMITED,
        "PYTHONPATH": str(ROOT),
    })
    return env


def run(cmd: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kw)


def count_cases(url: str) -> int:
    import psycopg
    with psycopg.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass('cases')").fetchone()[0]
        return conn.execute("SELECT count(*) FROM cases").fetchone()[0] if exists else 0


def seed(args, env: dict) -> dict:
    if args.schema == "migrate":
        run([str(BIN / "flask"), "db", "upgrade"], env, stdout=subprocess.DEVNULL)
    else:  # the models as they are (while a migration is being written): tables only, no Alembic stamp
        run([str(BIN / "python"), "-c", "from petitions import create_app; from petitions.extensions import db; "
             "app = create_app(); app.app_context().push(); db.create_all()"], env)
    have = count_cases(args.db_url)
    info = {"cases_before": have, "seeded": 0, "seed_output": None}
    if have >= args.cases:
        log(f"database already holds {have:,} cases (>= {args.cases:,}): not re-seeding")
        # a migration's backfill clears the visibility map of the rows it updates: without
        # a vacuum the agency's case count reads every heap page (233 ms instead of 4 ms)
        import psycopg
        with psycopg.connect(args.db_url, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
        return info
    missing = args.cases - have
    log(f"seeding {missing:,} cases (flask seed scale, COPY)...")
    # a different random seed when adding to existing cases (the same seed repeats the tracking codes)
    out = subprocess.run([str(BIN / "flask"), "seed", "scale", "--cases", str(missing), "--seed", str(7 + have),
                          "--benchmark"],
                         env=dict(env, SCALE_OFFICER_PASSWORD=os.environ.get("BENCH_PASSWORD", "scale-data-only")),
                         cwd=ROOT,
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    last = out.strip().splitlines()[-1]
    log(last)
    info.update(seeded=missing, seed_output=last)
    import psycopg
    with psycopg.connect(args.db_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return info


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name: str, target: str, env: dict, workers: int):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "--timeout", "120", target],
            env=env, cwd=ROOT, start_new_session=True)

    def wait(self, path: str, timeout: float = 60) -> None:
        end = time.time() + timeout
        while time.time() < end:
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as r:
                    if r.status < 500:
                        return
            except OSError:
                time.sleep(0.3)
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
        raise RuntimeError(f"{self.name} did not answer on {self.url}{path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def _cookies(headers, jar: dict) -> dict:
    """Every ``Set-Cookie`` of a response into ``jar`` (a sign-in sets the session cookie
    AND the known-device cookie: keeping only the first header lost the session)."""
    for value in headers.get_all("Set-Cookie") or []:
        pair = value.split(";", 1)[0]
        name, _, content = pair.partition("=")
        if content:
            jar[name.strip()] = content
        else:
            jar.pop(name.strip(), None)
    return jar


def _cookie_header(jar: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def sign_in(base: str, username: str, password: str) -> str:
    """A real sign-in: the login form's CSRF token and session cookie, then the POST, then
    ``/officer/`` must answer 200 (not a redirect to the sign-in or the password change).
    Returns the Cookie header (session and device cookies) wrk sends with every request."""
    opener = urllib.request.build_opener(NoRedirect)
    jar: dict = {}
    with opener.open(base + "/auth/login") as r:
        page = r.read().decode()
        _cookies(r.headers, jar)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    req = urllib.request.Request(base + "/auth/login", data=data, headers={"Cookie": _cookie_header(jar)})
    try:
        opener.open(req)
        raise RuntimeError(f"sign-in as {username} did not redirect (wrong password? TOTP required?)")
    except urllib.error.HTTPError as r:
        if r.code not in (302, 303):
            raise RuntimeError(f"sign-in as {username} answered {r.code} (wrong password? throttled?)") from None
        _cookies(r.headers, jar)
        target = r.headers.get("Location", "")
    if "/officer" not in target:
        raise RuntimeError(f"sign-in as {username} led to {target!r}, not the work queue (password change "
                           "required? two-factor enrolment?)")
    cookie = _cookie_header(jar)
    try:
        with opener.open(urllib.request.Request(base + "/officer/", headers={"Cookie": cookie})) as r:
            body = r.read().decode()
    except urllib.error.HTTPError as r:
        raise RuntimeError(f"/officer/ answered {r.code} -> {r.headers.get('Location')} after signing in "
                           f"(cookies sent: {', '.join(jar)})") from None
    if "<table" not in body:
        raise RuntimeError("/officer/ did not show the work queue after signing in")
    return cookie


# --------------------------------------------------------------------------- HTTP figures

def wrk(url: str, seconds: int, connections: int, body: str | None = None, cookie: str | None = None) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    env = dict(os.environ, WRK_OUT=out, WRK_BODY=body or "", WRK_COOKIE=cookie or "")
    subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
                    "-s", str(HERE / "wrk.lua"), url], env=env, check=True, stdout=subprocess.DEVNULL)
    data = json.loads(Path(out).read_text())
    os.unlink(out)
    secs = data["duration_us"] / 1e6
    errors = data["errors_connect"] + data["errors_read"] + data["errors_write"] + data["errors_timeout"]
    return {"rps": round(data["requests"] / secs, 1), "requests": data["requests"],
            "p50_ms": data["p50_us"] / 1000, "p95_ms": data["p95_us"] / 1000, "p99_ms": data["p99_us"] / 1000,
            "max_ms": data["max_us"] / 1000, "non_2xx_3xx": data["errors_status"], "socket_errors": errors}


def webform_statements(flask_app, commune: str) -> float:
    """SQL statements of one web filing (GET form, POST, GET receipt), in this process."""
    from sqlalchemy import event

    from petitions.extensions import db

    from .webform import TOKEN
    statements = []
    with flask_app.app_context():
        engine = db.engine
    client = flask_app.test_client()

    def once():
        page = client.get("/file/complaint").get_data(as_text=True)
        data = {"csrf_token": TOKEN.search(page).group(1), "kind": "complaint", "title": "Đo hiệu năng",
                "content": "Nội dung đơn đủ dài để được chấp nhận, nêu rõ sự việc.", "commune_code": commune,
                "respondent": "Quyết định số 12/QĐ-UBND", "petitioner-full_name": "Nguyễn Văn An",
                "petitioner-id_number": "040999999999", "petitioner-address": "Số 1 đường Lê Lợi"}
        assert client.post("/file/complaint", data=data).status_code == 302
        assert client.get("/receipt").status_code == 200
    once()  # the process's reference data

    def count(conn, cursor, statement, *rest):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        once()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def median_of(runs: list[dict]) -> dict:
    """The run with the median throughput (its latencies with it), and every run's figure."""
    ordered = sorted(runs, key=lambda r: r["rps"])
    out = dict(ordered[len(ordered) // 2])
    out["runs_rps"] = [r["rps"] for r in runs]
    return out


def webform_pair(args, app_base: str, ref_base: str, commune: str) -> dict:
    """The public web form (GET, POST, GET receipt) against a bare Flask-WTF page with the
    same fields and lists, alternately ``args.runs`` times; filings a second."""
    from .webform import drive
    letter = {"kind": "complaint", "title": "Khiếu nại quyết định thu hồi đất (đo hiệu năng)",
              "content": "Nội dung đơn đủ dài để được chấp nhận, nêu rõ sự việc và yêu cầu giải quyết.",
              "commune_code": commune, "agency_code": "", "respondent": "Quyết định số 12/QĐ-UBND ngày 01/10/2026"}
    person = {"full_name": "Nguyễn Văn An", "id_number": "__ID__", "phone": "0912345678",
              "email": "an@example.org", "address": "Số 1 đường Lê Lợi"}
    app_fields = {**letter, **{f"petitioner-{k}": v for k, v in person.items()}}
    ref_fields = {**letter, **person}
    clients = max(2, args.connections // 2)
    app_run = lambda secs: drive(app_base, "/file/complaint", "/receipt", app_fields, "data-testid=\"access-key\"",
                                 secs, clients)
    ref_run = lambda secs: drive(ref_base, "/form", "/receipt", ref_fields, "Mã đơn", secs, clients)
    log("web form: warm-up")
    app_run(args.warmup)
    ref_run(args.warmup)
    apps, refs = [], []
    for n in range(args.runs):
        log(f"web form: application {args.seconds} s (run {n + 1}/{args.runs})")
        apps.append(app_run(args.seconds))
        log(f"web form: reference {args.seconds} s (run {n + 1}/{args.runs})")
        refs.append(ref_run(args.seconds))
    app, ref = median_of(apps), median_of(refs)
    log(f"web form: {app['rps']} filings/s (p99 {app['p99_ms']} ms; runs {app['runs_rps']}; errors "
        f"{app['non_2xx_3xx']} {app.get('first_error') or ''}) vs {ref['rps']} filings/s (runs {ref['runs_rps']})")
    with urllib.request.urlopen(app_base + "/file/complaint") as r:
        size = len(r.read())
    with urllib.request.urlopen(ref_base + "/form") as r:
        ref_size = len(r.read())
    return {"app": app, "ref": ref, "bytes": size, "ref_bytes": ref_size, "clients": clients}


def http_pair(label: str, app_url: str, ref_url: str, args, **kw) -> tuple[dict, dict]:
    """Application and reference alternately, ``args.runs`` times each; the median of each."""
    ref_kw = {k: v for k, v in kw.items() if k == "body"}
    log(f"{label}: warm-up")
    wrk(app_url, args.warmup, args.connections, **kw)
    wrk(ref_url, args.warmup, args.connections, **ref_kw)
    apps, refs = [], []
    for n in range(args.runs):
        log(f"{label}: application {args.seconds} s (run {n + 1}/{args.runs})")
        apps.append(wrk(app_url, args.seconds, args.connections, **kw))
        log(f"{label}: reference {args.seconds} s (run {n + 1}/{args.runs})")
        refs.append(wrk(ref_url, args.seconds, args.connections, **ref_kw))
    app, ref = median_of(apps), median_of(refs)
    log(f"{label}: {app['rps']} req/s (p99 {app['p99_ms']} ms; runs {app['runs_rps']}) vs "
        f"{ref['rps']} req/s (p99 {ref['p99_ms']} ms; runs {ref['runs_rps']})")
    return app, ref


# --------------------------------------------------------------------------- in-process figures

def best_of(n: int, fn) -> tuple[float, object]:
    best, result = None, None
    for _ in range(n):
        started = time.perf_counter()
        result = fn()
        took = time.perf_counter() - started
        best = took if best is None or took < best else best
    return best, result


def alternating(n: int, **fns) -> dict:
    """Each function n times, in turn (a, b, c, a, b, c...): {name: (median seconds, all
    seconds, last result)}, so that no ratio rides on one noisy moment of the machine."""
    import statistics
    times: dict = {name: [] for name in fns}
    results: dict = {}
    for _ in range(n):
        for name, fn in fns.items():
            started = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - started)
    return {name: (statistics.median(times[name]), [round(t, 4) for t in times[name]], results[name])
            for name in fns}


def explain(db, sql: str, params: dict) -> str:
    from sqlalchemy import text
    rows = db.session.execute(text("EXPLAIN (ANALYZE, COSTS OFF, BUFFERS) " + sql), params).all()
    db.session.rollback()
    return "\n".join(r[0] for r in rows)


def sweep_figures(args, env: dict, flask_app) -> dict:
    from sqlalchemy import text

    from petitions.extensions import db
    from petitions.services.alerts import working_days_before
    from petitions.services.calendar import get_calendar
    from petitions.web import local_today

    from . import sql
    with flask_app.app_context():
        today = local_today()
        cfg = flask_app.config
        params = {"today": today, "soon_until": get_calendar().add_working_days(today, cfg["ALERT_DUE_SOON_DAYS"]),
                  "long_before": working_days_before(today, cfg["ALERT_LONG_OVERDUE_DAYS"])}
        db.session.execute(text("TRUNCATE alerts CASCADE"))
        db.session.commit()
        ref_seconds, rows = best_of(args.repeat, lambda: db.session.execute(text(sql.SWEEP_SELECT), params).all())
        db.session.rollback()

        def insert():
            n = db.session.execute(text(sql.SWEEP_INSERT), params).rowcount
            db.session.rollback()
            return n
        insert_seconds, inserted = best_of(args.repeat, insert)
        plan = explain(db, sql.SWEEP_SELECT, params)
        running = db.session.scalar(text("SELECT count(*) FROM deadlines WHERE completed_on IS NULL"))
    log(f"sweep reference: {len(rows):,} limits selected in {ref_seconds * 1000:.0f} ms; "
        f"set-based INSERT of the alerts {insert_seconds * 1000:.0f} ms")

    def one_sweep(label):
        started = time.perf_counter()
        proc = subprocess.Popen([str(BIN / "flask"), "sweep"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out, err = proc.stdout.read(), proc.stderr.read()
        if status != 0:
            raise RuntimeError(f"flask sweep failed: {err}")
        inner = float(re.search(r" in ([\d.]+) s\s*$", out.strip()).group(1))
        stats = re.search(r"'scanned': (\d+), 'alerts': (\d+), 'notifications': (\d+)", out)
        res = {"seconds": inner, "process_seconds": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
               "scanned": int(stats.group(1)), "alerts": int(stats.group(2)), "notifications": int(stats.group(3))}
        log(f"{label}: {res}")
        return res
    first = one_sweep("sweep (all alerts new)")
    rerun = one_sweep("sweep rerun (nothing new)")
    # the reference writes the same alerts and notifications set-based, in one statement, with
    # the recipients the application chose (bench_recipients, from its first sweep)
    with flask_app.app_context():
        db.session.execute(text("DROP TABLE IF EXISTS bench_recipients"))
        db.session.execute(text(sql.RECIPIENTS_TABLE))
        db.session.execute(text("TRUNCATE alerts CASCADE"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE bench_recipients"))

        def insert_all():
            n = db.session.execute(text(sql.SWEEP_INSERT_ALL), params).rowcount
            alerts_n = db.session.scalar(text("SELECT count(*) FROM alerts"))
            db.session.rollback()
            return alerts_n, n
        all_seconds, (ref_alerts, ref_notes) = best_of(args.repeat, insert_all)
    log(f"sweep reference writing {ref_alerts:,} alerts and {ref_notes:,} notifications: {all_seconds * 1000:.0f} ms")
    assert first["scanned"] == len(rows), f"the sweep scanned {first['scanned']} limits, the SQL selects {len(rows)}"
    assert first["alerts"] == inserted, f"the sweep recorded {first['alerts']} alerts, the SQL would {inserted}"
    return {"today": today.isoformat(), "running_limits": running, "selected": len(rows),
            "reference_seconds": round(ref_seconds, 4), "reference_insert_seconds": round(all_seconds, 4),
            "reference_alerts_only_seconds": round(insert_seconds, 4), "reference_alerts": ref_alerts,
            "reference_notifications": ref_notes,
            "first": first, "rerun": rerun, "plan": plan}


def report_figures(args, flask_app) -> dict:
    from sqlalchemy import text

    from petitions.extensions import db
    from petitions.services.reports import FIGURES, Scope, target4, target4_by_agency
    from petitions.web import local_today

    from . import sql
    with flask_app.app_context():
        today = local_today()
        year = today.year if (today.month, today.day) <= (12, 14) else today.year + 1
        scope = Scope(start=date(year - 1, 12, 15), end=date(year, 12, 14), today=today)
        params = {"start": scope.start, "end": scope.end, "as_of": scope.as_of}

        def hand(by_agency: bool):
            out: dict = {}
            for template in (sql.LETTERS, sql.CASES):
                for row in db.session.execute(text(sql.grouped(template, by_agency)), params).mappings():
                    key = row["agency_id"] if by_agency else None
                    out.setdefault(key, {}).update({k: int(v) for k, v in row.items() if k != "agency_id"})
            for figures in out.values():
                for name in FIGURES:
                    figures.setdefault(name, 0)
            return out

        # the floor: the same cases' dates in one flat table, one row a case, aggregated in one pass
        db.session.execute(text("DROP TABLE IF EXISTS bench_flat"))
        db.session.execute(text(sql.FLAT_TABLE))
        db.session.commit()
        flat_rows = db.session.scalar(text("SELECT count(*) FROM bench_flat"))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE bench_flat"))

        def floor(by_agency: bool):
            return db.session.execute(text(sql.grouped(sql.FLAT, by_agency)), params).all()
        got = alternating(args.runs, app_p=lambda: target4(scope), ref_p=lambda: hand(False),
                          floor_p=lambda: floor(False), app_a=lambda: target4_by_agency(scope),
                          ref_a=lambda: hand(True), floor_a=lambda: floor(True))
        province, hand_p = got["app_p"][2], got["ref_p"][2]
        agencies, hand_a = got["app_a"][2], got["ref_a"][2]
        assert province.figures == hand_p[None], ("province-wide figures differ", province.figures, hand_p[None])
        by = {aid: r.figures for aid, r in agencies.items()}
        assert by == hand_a, "per-agency figures differ"
        plans = {"application": explain_app(db, lambda: target4(scope)),
                 "letters": explain(db, sql.grouped(sql.LETTERS, False), params),
                 "floor": explain(db, sql.grouped(sql.FLAT, False), params)}
        summary_rows = db.session.scalar(text("SELECT count(*) FROM report_days"))
    log("report province: app {:.0f} ms, hand SQL {:.0f} ms, floor {:.0f} ms; per agency: app {:.0f} ms, "
        "hand SQL {:.0f} ms, floor {:.0f} ms (figures equal)".format(
            *(got[k][0] * 1000 for k in ("app_p", "ref_p", "floor_p", "app_a", "ref_a", "floor_a"))))
    out = {"period": [scope.start.isoformat(), scope.end.isoformat()], "figures": province.figures,
           "agencies": len(by), "flat_rows": flat_rows, "summary_rows": summary_rows, "plans": plans}
    for key, suffix in (("province", "p"), ("by_agency", "a")):
        out[key] = {"app_seconds": round(got[f"app_{suffix}"][0], 4), "app_runs": got[f"app_{suffix}"][1],
                    "hand_sql_seconds": round(got[f"ref_{suffix}"][0], 4), "hand_sql_runs": got[f"ref_{suffix}"][1],
                    "floor_seconds": round(got[f"floor_{suffix}"][0], 4), "floor_runs": got[f"floor_{suffix}"][1]}
    return out


def explain_app(db, run) -> str:
    """EXPLAIN ANALYZE of the statements the application really sends for ``run``."""
    from .plans import captured
    with captured(db.engine) as statements:
        run()
    db.session.rollback()
    raw = db.session.connection().connection.driver_connection
    out = []
    for statement, parameters in statements:
        with raw.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters)
            out.append("\n".join(r[0] for r in cur.fetchall()))
    db.session.rollback()
    return "\n\n".join(out)


# --------------------------------------------------------------------------- report

def machine(db_url: str) -> dict:
    import psycopg
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024 / 1024
    with psycopg.connect(db_url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem, 1), "postgresql": pg,
            "python": platform.python_version(), "kernel": platform.release(),
            "load_average_at_start": os.getloadavg()}


def _http_row(figure: str, pair: dict, goal: str, extra: str = "", p99_under: float | None = None) -> dict:
    app, ref = pair["app"], pair["ref"]
    ratio = app["rps"] / ref["rps"]
    ok = ratio >= 0.5 and app["non_2xx_3xx"] == 0 and (p99_under is None or app["p99_ms"] < p99_under)
    return {"figure": figure, "app": app["rps"], "ref": ref["rps"], "ratio": ratio, "goal": goal, "ok": ok,
            "detail": f"p50/p95/p99 {app['p50_ms']:.0f}/{app['p95_ms']:.0f}/{app['p99_ms']:.0f} ms"
                      f" (ref {ref['p50_ms']:.0f}/{ref['p95_ms']:.0f}/{ref['p99_ms']:.0f}), "
                      f"{app['non_2xx_3xx']} non-2xx{extra}; runs {app['runs_rps']} vs {ref['runs_rps']}"}


def rows_for(result: dict) -> list[dict]:
    f, w, q, s, r = (result.get(k) for k in ("filing", "webform", "queue", "sweep", "report"))
    rows = []
    if f:
        rows.append(_http_row("public filing, POST /api/v1/cases (req/s)", f, ">= 0.5x and p99 < 100 ms",
                              p99_under=100))
    if w:
        rows.append(_http_row("public web form: GET form, POST, GET receipt (filings/s)", w, ">= 0.5x",
                              f"; {w['statements']} SQL statements a filing, form page {w['bytes']:,} bytes "
                              f"(reference {w['ref_bytes']:,})"))
    if q:
        rows.append(_http_row("officer work queue /officer/, 50 rows (req/s)", q, ">= 0.5x",
                              f"; agency with {result['queue_agency']['cases']:,} cases"))
    st = result.get("statistics")
    if st:
        rows.append(_http_row("public statistics page /statistics (req/s)", st, ">= 0.5x",
                              f"; page {st['bytes']:,} bytes, reference {st['ref_bytes']:,} bytes"))
    # The issue compares "one deadline sweep" with the single SQL selecting the same due and
    # overdue limits. A sweep on a day when the alerts are already recorded does exactly that
    # work: it is the steady state (every 15 minutes). The first sweep over a database that
    # never had alerts also writes every alert and notification, so it is set beside the
    # set-based INSERT ... SELECT of the same alerts and notifications.
    if s:
        ratio = s["rerun"]["seconds"] / s["reference_seconds"]
        rows.append({"figure": "deadline sweep, alerts already recorded (s)", "app": s["rerun"]["seconds"],
                     "ref": s["reference_seconds"], "ratio": ratio, "goal": "<= 3x, RSS < 300 MB",
                     "ok": ratio <= 3 and s["rerun"]["peak_rss_mb"] < 300,
                     "detail": f"the sweep found {s['rerun']['scanned']:,} limits without today's alert and wrote "
                               f"{s['rerun']['alerts']:,} alerts (the reference selects {s['selected']:,} running "
                               f"limits due soon or past); peak RSS {s['rerun']['peak_rss_mb']} MB"})
        ratio = s["first"]["seconds"] / s["reference_insert_seconds"]
        rows.append({"figure": "deadline sweep, first run writing every alert (s)", "app": s["first"]["seconds"],
                     "ref": s["reference_insert_seconds"], "ratio": ratio, "goal": "<= 3x, RSS < 300 MB",
                     "ok": ratio <= 3 and s["first"]["peak_rss_mb"] < 300,
                     "detail": f"{s['first']['alerts']:,} alerts and {s['first']['notifications']:,} notifications "
                               f"written; the reference writes {s.get('reference_alerts', '?'):,} alerts and "
                               f"{s.get('reference_notifications', 0):,} notifications set-based; "
                               f"peak RSS {s['first']['peak_rss_mb']} MB; "
                               f"vs the bare SELECT {s['first']['seconds'] / s['reference_seconds']:.0f}x"})
    if r:
        for key, label in (("province", "target 4 report, one year, province (s)"),
                           ("by_agency", "target 4 report, one year, per agency (s)")):
            a, floor, hand = r[key]["app_seconds"], r[key]["floor_seconds"], r[key]["hand_sql_seconds"]
            rows.append({"figure": label, "app": a, "ref": floor, "ratio": a / floor,
                         "goal": "<= 2x the floor and < 1 s", "ok": a / floor <= 2 and a < 1,
                         "detail": f"from {r['summary_rows']:,} summary rows; figures equal to the hand-written SQL "
                                   f"over the raw tables ({hand} s); floor: one pass over {r['flat_rows']:,} flat "
                                   "rows"})
    return rows


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [f"# `make bench`: {result['finished_at']}", "",
             f"{result['cases']:,} cases in `{result['database']}`; machine: {m['nproc']} CPU ({m['cpu']}), "
             f"{m['ram_gib']} GiB RAM, PostgreSQL {m['postgresql']}, Python {m['python']}; load average at start "
             f"{', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}. HTTP: gunicorn 2 sync workers each, "
             f"wrk 2 threads x {result['settings']['connections']} connections, {result['settings']['seconds']} s a "
             f"figure after {result['settings']['warmup']} s warm-up, on the same 2 cores; rate limits disabled "
             "(RATELIMIT_ENABLED=false) and a distinct citizen ID per filing.", "",
             "| figure | application | reference | ratio | goal | result | detail |",
             "|---|---:|---:|---:|---|---|---|"]
    for row in result["table"]:
        lines.append(f"| {row['figure']} | {row['app']:,} | {row['ref']:,} | {row['ratio']:.2f} | {row['goal']} | "
                     f"{'PASS' if row['ok'] else 'MISS'} | {row['detail']} |")
    lines += ["", "Reference for each line: filing, a bare Flask + Flask-SQLAlchemy route inserting one 11-column row "
              "and committing; queue, a bare route rendering the newest 50 rows of the same agency from `cases`; "
              "statistics, a bare page of the same size rendered by Jinja from one query; "
              "sweep, the single SQL statement selecting the same running limits, and for the first run the "
              "set-based INSERT ... SELECT of the same alerts and notifications in one statement, with the recipients the "
              "application chose (`scripts/bench/sql.py`); "
              "report, the floor: one aggregate with `FILTER` over one flat table holding the same cases' dates "
              "(`bench_flat`, one row a case, made in the same run), the application's figures asserted equal to "
              f"the hand-written SQL over the raw tables. Each figure is the median of {result['settings']['runs']} "
              "runs, the application and its reference alternating.", ""]
    return "\n".join(lines)


def print_table(result: dict) -> None:
    print()
    print(f"{'figure':<48} {'app':>10} {'reference':>10} {'ratio':>6}  {'goal':<26} result")
    for row in result["table"]:
        print(f"{row['figure']:<48} {row['app']:>10,} {row['ref']:>10,} {row['ratio']:>6.2f}  {row['goal']:<26} "
              f"{'PASS' if row['ok'] else 'MISS'}")
        print(f"{'':<4}{row['detail']}")
    print()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=int(os.environ.get("CASES", 1_000_000)))
    p.add_argument("--seconds", type=int, default=int(os.environ.get("SECONDS_EACH", 30)))
    p.add_argument("--warmup", type=int, default=int(os.environ.get("WARMUP", 5)))
    p.add_argument("--connections", type=int, default=int(os.environ.get("CONNECTIONS", 16)))
    p.add_argument("--repeat", type=int, default=3, help="best of N for the sweep's reference SQL")
    p.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", 3)),
                   help="alternating application/reference runs per figure (the median is reported)")
    p.add_argument("--db-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/" + os.environ.get("BENCH_DB", "petitions_bench")))
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    p.add_argument("--fresh", action="store_true", help="drop and re-create the database first")
    p.add_argument("--schema", choices=("migrate", "create-all"), default=os.environ.get("BENCH_SCHEMA", "migrate"),
                   help="flask db upgrade (default), or create the tables from the models")
    p.add_argument("--out", default=str(OUT))
    p.add_argument("--seed-only", action="store_true", help="create and seed the database, measure nothing")
    p.add_argument("--only", default=os.environ.get("ONLY", ",".join(ROWS)),
                   help=f"comma-separated rows to measure (default all: {','.join(ROWS)}); a partial run "
                        "writes its table to --out like a full one, so point --out elsewhere")
    args = p.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = only - set(ROWS)
    if unknown:
        raise SystemExit(f"unknown rows {sorted(unknown)}; known: {', '.join(ROWS)}")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk); scripts/bench.sh installs it")

    ensure_database(args.db_url, args.fresh)
    instance = Path(tempfile.mkdtemp(prefix="petitions-bench-"))
    env = app_env(args, instance)
    for key, value in env.items():  # this process builds the app too (in-process figures)
        if key in ("DATABASE_URL", "REDIS_URL", "PETITIONS_ENV", "SECRET_KEY", "PETITIONS_INSTANCE",
                   "UPLOAD_FOLDER", "RQ_QUEUE", "IDENTITY_KEYS", "IDENTITY_INDEX_KEY", "TRUSTED_PROXIES", *UNLIMITED):
            os.environ[key] = value
    sys.path.insert(0, str(ROOT))
    seeded = seed(args, env)
    if args.seed_only:
        log(f"seeded: {seeded}")
        return
    total = count_cases(args.db_url)

    from petitions import create_app
    flask_app = create_app()
    from petitions.extensions import db
    from sqlalchemy import text
    with flask_app.app_context():
        db.session.execute(text("DROP TABLE IF EXISTS bench_ref_cases"))
        db.session.commit()
        from scripts.bench.reference_app import RefCase
        RefCase.__table__.create(db.engine)
        commune = db.session.scalar(text(
            "SELECT u.code FROM admin_units u JOIN agencies a ON a.admin_unit_id = u.id "
            "WHERE u.level = 'commune' ORDER BY u.code LIMIT 1"))
        # the queue's agency: the one with the most cases among those the filing rows do not
        # file into. Every bench filing goes to this commune's People's Committee and is received
        # today: after a few runs that committee was the largest agency, most of its rows of one
        # day, and the reference's ORDER BY received_on DESC, id DESC sorted all of them on
        # every request (46 req/s instead of about 540)
        top = db.session.execute(text(
            "SELECT a.id, a.code, count(*) AS n FROM cases c JOIN agencies a ON a.id = c.agency_id "
            "WHERE a.admin_unit_id IS DISTINCT FROM (SELECT id FROM admin_units WHERE code = :commune) "
            "GROUP BY a.id, a.code ORDER BY n DESC LIMIT 1"), {"commune": commune}).one()
    username = f"reception.{top.code.lower()}"

    app_srv = Server("application", "wsgi:app", env, 2)
    ref_env = dict(env, BENCH_DATABASE_URL=args.db_url)
    ref_srv = Server("reference", "scripts.bench.reference_app:app", ref_env, 2)
    result: dict = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "database": args.db_url.rsplit("/", 1)[1], "cases": total, "seeding": seeded,
                    "settings": {"seconds": args.seconds, "warmup": args.warmup, "connections": args.connections,
                                 "runs": args.runs,
                                 "workers": 2, "load_generator": "wrk -t 2", "rate_limits": "disabled"},
                    "machine": machine(args.db_url)}
    try:
        app_srv.wait("/healthz")
        ref_srv.wait("/ping")
        if "filing" in only:
            body = json.dumps({
                "kind": "complaint", "title": "Khiếu nại quyết định thu hồi đất (đo hiệu năng)",
                "content": "Nội dung đơn đủ dài để được chấp nhận, nêu rõ sự việc và yêu cầu giải quyết.",
                "commune_code": commune, "respondent": "Quyết định số 12/QĐ-UBND ngày 01/10/2026",
                "petitioner": {"full_name": "Nguyễn Văn An", "id_number": "__ID__", "phone": "0912345678",
                               "email": "an@example.org", "address": "Số 1 đường Lê Lợi"}}, ensure_ascii=False)
            app_f, ref_f = http_pair("filing", app_srv.url + "/api/v1/cases", ref_srv.url + "/file", args,
                                     body=body)
            result["filing"] = {"app": app_f, "ref": ref_f}
        if "webform" in only:
            result["webform"] = webform_pair(args, app_srv.url, ref_srv.url, commune)
            result["webform"]["statements"] = webform_statements(flask_app, commune)
        if "queue" in only:
            # signed in right before the row: the session's idle limit runs from the sign-in
            # (wrk sends the same cookie every time, so the server never sees it refreshed)
            cookie = sign_in(app_srv.url, username, os.environ.get("BENCH_PASSWORD", "scale-data-only"))
            log(f"signed in as {username} (agency {top.code}, {top.n:,} cases)")
            app_q, ref_q = http_pair("queue", app_srv.url + "/officer/", ref_srv.url + f"/list?agency={top.id}",
                                     args, cookie=cookie)
            result["queue"] = {"app": app_q, "ref": ref_q}
            result["queue_agency"] = {"code": top.code, "cases": top.n, "user": username}
        if "statistics" in only:
            # the public statistics page (Vietnamese, the current year) against a bare page of its size
            with urllib.request.urlopen(app_srv.url + "/statistics") as r:
                size = len(r.read())
            app_s, ref_s = http_pair("statistics", app_srv.url + "/statistics", ref_srv.url + f"/page?bytes={size}",
                                     args)
            with urllib.request.urlopen(ref_srv.url + f"/page?bytes={size}") as r:
                ref_size = len(r.read())
            result["statistics"] = {"app": app_s, "ref": ref_s, "bytes": size, "ref_bytes": ref_size}
    finally:
        app_srv.stop()
        ref_srv.stop()
    if "sweep" in only:
        result["sweep"] = sweep_figures(args, env, flask_app)
    if "report" in only:
        result["report"] = report_figures(args, flask_app)
    with flask_app.app_context():
        from rq import Queue

        from petitions.jobs import redis_connection
        Queue("petitions-bench", connection=redis_connection()).empty()
        result["cases_after"] = db.session.scalar(text("SELECT count(*) FROM cases"))
    result["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    result["table"] = rows_for(result)
    shutil.rmtree(instance, ignore_errors=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    (out / "latest.md").write_text(markdown(result))
    print_table(result)
    log(f"wrote {out / 'latest.json'} and {out / 'latest.md'}")
    return 0 if all(r["ok"] for r in result["table"]) else 1


if __name__ == "__main__":
    sys.exit(main())
