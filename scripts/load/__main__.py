"""``make load``: a bounded load run on loopback, then the check that nothing was lost.

    DURATION=5m USERS=30 LOAD_CASES=100000 bash scripts/load.sh

Makes the database ``petitions_load`` (LOAD_DB) on 127.0.0.1:5432, migrates and seeds it
(LOAD_CASES generated cases, once), starts the application under gunicorn (2 sync workers,
PETITIONS_ENV=production), runs locust headless (``locustfile.py``) for DURATION with USERS
users, then:

- reports throughput, latency percentiles per page and errors;
- fails on any 5xx (or a connection error) and on any lost submission: every tracking
  code that got a receipt must be in the database, with its petitioner, its ``receive``
  event and its letter-handling time limit.

Rate limits are switched off for the run (all users come from 127.0.0.1); the form's
time stamp check stays on: web users take 3.5 s to fill the form in.
Writes ``docs/bench/load-latest.json`` and ``docs/bench/load-latest.md``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))
from scripts.bench.__main__ import (UNLIMITED, Server, count_cases, ensure_database, log,  # noqa: E402
                                    machine)


def main() -> int:
    duration = os.environ.get("DURATION", "5m")
    users = int(os.environ.get("USERS", 30))
    spawn = float(os.environ.get("SPAWN_RATE", 5))
    cases = int(os.environ.get("LOAD_CASES", 100_000))
    db_url = os.environ.get("LOAD_DATABASE_URL",
                            "postgresql://postgres@127.0.0.1:5432/" + os.environ.get("LOAD_DB", "petitions_load"))
    schema = os.environ.get("LOAD_SCHEMA", "migrate")
    out_dir = Path(os.environ.get("LOAD_OUT_DIR", ROOT / "docs" / "bench"))
    ensure_database(db_url, "--fresh" in sys.argv)
    instance = Path(tempfile.mkdtemp(prefix="petitions-load-"))
    env = dict(os.environ, FLASK_APP="petitions", DATABASE_URL=db_url,
               REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), PETITIONS_ENV="production", TRUSTED_PROXIES="0",
               SECRET_KEY="load-only-" + "y" * 32, PETITIONS_INSTANCE=str(instance),
               UPLOAD_FOLDER=str(instance / "uploads"), RQ_QUEUE="petitions-load",
               IDENTITY_KEYS="bG9hZC10ZXN0LW9ubHkta2V5LTMyLWJ5dGVzLWxvbmc=", IDENTITY_INDEX_KEY="load-only-index",
               PYTHONPATH=str(ROOT), **{k: v for k, v in UNLIMITED.items() if k != "HUMAN_CHECK"})
    if schema == "migrate":
        subprocess.run([str(BIN / "flask"), "db", "upgrade"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    else:
        subprocess.run([str(BIN / "python"), "-c", "from petitions import create_app; from petitions.extensions "
                        "import db; app = create_app(); app.app_context().push(); db.create_all()"],
                       env=env, cwd=ROOT, check=True)
    have = count_cases(db_url)
    if have < cases:
        log(f"seeding {cases - have:,} cases")
        subprocess.run([str(BIN / "flask"), "seed", "scale", "--cases", str(cases - have), "--seed", str(7 + have),
                        "--benchmark"],
                       env=dict(env, SCALE_OFFICER_PASSWORD=os.environ.get("LOAD_PASSWORD", "scale-data-only")),
                       cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
    else:
        log(f"database already holds {have:,} cases: not re-seeding")

    import psycopg
    with psycopg.connect(db_url) as conn:
        communes = [r[0] for r in conn.execute(
            "SELECT u.code FROM admin_units u JOIN agencies a ON a.admin_unit_id = u.id WHERE u.level = 'commune' "
            "ORDER BY u.code LIMIT 40")]
        officers = [r[0] for r in conn.execute(
            "SELECT u.username FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role = 'reception' "
            "AND u.username LIKE 'reception.%' ORDER BY u.username LIMIT 20")]
        before = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    password = os.environ.get("LOAD_PASSWORD", "scale-data-only")
    result_file = instance / "locust.json"
    server = Server("application", "wsgi:app", env, 2)
    started = datetime.now(timezone.utc)
    try:
        server.wait("/healthz")
        log(f"locust: {users} users for {duration} against {server.url} (rate limits off)")
        locust_env = dict(env, LOAD_COMMUNES=",".join(communes),
                          LOAD_OFFICERS=",".join(f"{u}:{password}" for u in officers), LOAD_OUT=str(result_file))
        subprocess.run([str(BIN / "locust"), "-f", str(ROOT / "scripts" / "load" / "locustfile.py"), "--headless",
                        "-u", str(users), "-r", str(spawn), "-t", duration, "--host", server.url, "--only-summary",
                        "--stop-timeout", "10", "--exit-code-on-error", "0", "--loglevel", "WARNING"],
                       env=locust_env, cwd=ROOT, check=True)
    finally:
        server.stop()
    data = json.loads(result_file.read_text())
    codes = [r["code"] for r in data["receipts"]]
    with psycopg.connect(db_url) as conn:
        found = {r[0] for r in conn.execute("SELECT tracking_code FROM cases WHERE tracking_code = ANY(%s)", (codes,))}
        incomplete = conn.execute(
            """SELECT c.tracking_code FROM cases c WHERE c.tracking_code = ANY(%s) AND (
                 NOT EXISTS (SELECT 1 FROM parties p WHERE p.case_id = c.id)
                 OR NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.event = 'receive')
                 OR (c.kind IN ('complaint', 'petition', 'denunciation')
                     AND NOT EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = c.id)))""", (codes,)).fetchall()
        after = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    lost = sorted(set(codes) - found)
    five_xx = sum(data["server_errors"].values())
    report = {"started_at": started.isoformat(timespec="seconds"), "duration": duration, "users": users,
              "database": db_url.rsplit("/", 1)[1], "cases_before": before, "cases_after": after,
              "receipts": len(codes), "receipts_by_channel": {
                  ch: sum(1 for r in data["receipts"] if r["channel"] == ch) for ch in ("web", "api")},
              "lost": lost, "incomplete": [r[0] for r in incomplete], "server_errors": data["server_errors"],
              "statuses": data["statuses"], "total": data["total"], "endpoints": data["endpoints"],
              "failures": data["failures"], "machine": machine(db_url), "rate_limits": "disabled (loopback run)"}
    ok = not lost and not incomplete and five_xx == 0
    report["ok"] = ok
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "load-latest.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    md = [f"# `make load`: {report['started_at']}", "",
          f"{users} locust users for {duration} on loopback against gunicorn (2 sync workers) on PostgreSQL "
          f"`{report['database']}` ({before:,} cases before); rate limits disabled for the run; machine "
          f"{report['machine']['nproc']} CPU ({report['machine']['cpu']}), load average at start "
          f"{report['machine']['load_average_at_start'][0]:.2f}.", "",
          f"- throughput {data['total']['rps']} req/s, {data['total']['requests']:,} requests, "
          f"{data['total']['failures']} failed; latency p50/p95/p99 {data['total']['p50_ms']}/"
          f"{data['total']['p95_ms']}/{data['total']['p99_ms']} ms (max {data['total']['max_ms']})",
          f"- server errors (5xx or no answer): {five_xx}; statuses {data['statuses']}",
          f"- filings with a receipt: {len(codes)} (web {report['receipts_by_channel']['web']}, api "
          f"{report['receipts_by_channel']['api']}); in the database: {len(found)}; lost: {len(lost)}; "
          f"incomplete (no petitioner, receive event or time limit): {len(incomplete)}",
          f"- result: {'PASS' if ok else 'FAIL'}", "",
          "| page | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, s in sorted(report["endpoints"].items()):
        md.append(f"| {name} | {s['requests']} | {s['failures']} | {s['rps']} | {s['p50_ms']} | {s['p95_ms']} | "
                  f"{s['p99_ms']} | {s['max_ms']} |")
    if data["failures"]:
        md += ["", "Failures:", ""] + [f"- {f['method']} {f['name']}: {f['error']} ({f['count']})"
                                       for f in data["failures"]]
    (out_dir / "load-latest.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    log(f"wrote {out_dir / 'load-latest.json'} and {out_dir / 'load-latest.md'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
