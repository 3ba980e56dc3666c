"""EXPLAIN ANALYZE of the hot queries as the ORM really sends them (the statements and
parameters are captured on the engine, then re-run under EXPLAIN): the officer's queue,
the sweep's batch, the target 4 report, the search box, the inspectorate's overdue list.

    .venv/bin/python -m scripts.bench.plans [--db-url postgresql://...] > /tmp/plans.md

Uses the database of ``make bench`` (``petitions_bench``) as it is.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def captured(engine):
    from sqlalchemy import event
    statements = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))
    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def explain(db, statement, parameters) -> str:
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters)
        plan = "\n".join(r[0] for r in cur.fetchall())
    db.session.rollback()
    return plan


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                      "postgresql://postgres@127.0.0.1:5432/petitions_bench"))
    args = p.parse_args()
    sys.path.insert(0, str(ROOT))
    from types import SimpleNamespace

    from scripts.bench.__main__ import app_env
    env = app_env(SimpleNamespace(db_url=args.db_url, redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")),
                  Path(tempfile.mkdtemp(prefix="plans-")))  # the same keys as the benchmark wrote the data with
    os.environ.update({k: v for k, v in env.items() if k not in ("PYTHONPATH",)})
    from petitions import create_app
    from petitions.extensions import db
    from petitions.models import User
    app = create_app()
    out = []
    with app.app_context():
        from sqlalchemy import text

        from petitions.services import alerts, reports
        from petitions.services.calendar import get_calendar
        from petitions.services.queries import CaseFilter, page_of_cases
        from petitions.web import local_today
        total = db.session.scalar(text("SELECT count(*) FROM cases"))
        top = db.session.execute(text(
            "SELECT a.code, count(*) AS n FROM cases c JOIN agencies a ON a.id = c.agency_id "
            "GROUP BY a.code ORDER BY n DESC LIMIT 1")).one()
        officer = db.session.scalar(db.select(User).where(User.username == f"reception.{top.code.lower()}"))
        today = local_today()
        soon = get_calendar().add_working_days(today, app.config["ALERT_DUE_SOON_DAYS"])
        year = today.year if (today.month, today.day) <= (12, 14) else today.year + 1
        from datetime import date
        scope = reports.Scope(start=date(year - 1, 12, 15), end=date(year, 12, 14), today=today)
        cases = [
            (f"officer queue, first page (agency {top.code}, {top.n:,} cases)",
             lambda: page_of_cases(officer, CaseFilter(), 1, 50)),
            ("officer queue, overdue only", lambda: page_of_cases(officer, CaseFilter(overdue_on=today), 1, 50)),
            ("officer search box, 'nguyen van an'", lambda: page_of_cases(officer, CaseFilter(q="nguyen van an"), 1, 50)),
            ("sweep: one batch of 1,000 running limits", lambda: alerts._running_batch(soon, (date.min, 0), 1000)),
            ("target 4, one year, province", lambda: reports.target4(scope)),
            ("target 4, one year, per agency", lambda: reports.target4_by_agency(scope)),
        ]
        out.append(f"Database: {total:,} cases. Today {today:%d/%m/%Y}.\n")
        for label, run in cases:
            with captured(db.engine) as statements:
                started = time.perf_counter()
                run()
                took = time.perf_counter() - started
            db.session.rollback()
            out.append(f"### {label}: {took * 1000:.0f} ms in the application, {len(statements)} statement(s)\n")
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                out.append("```\n" + explain(db, statement, parameters) + "\n```\n")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
