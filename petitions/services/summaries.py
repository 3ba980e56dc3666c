"""Summary rows of the target 4 figures, kept in the transaction that changes them.

The year report's own hand-written SQL reads every letter of the period and its limits
(5 s at a million cases): no smaller overhead gets it under a second. Instead every
figure of :mod:`petitions.services.reports` is written as sums, over ranges of days, of
counters kept per day (and per month, to read a year in ~13 rows a key instead of ~365),
per agency, commune and kind, in ``report_days``; and once more per agency and kind with
commune_id -1 (every commune), so that a report that does not choose a commune reads
~145 agencies' rows a day rather than ~2,000 (agency, commune) pairs.

Each letter (its ``letter-handling`` limit: received ``r``, completed ``c`` or still
running, due ``due``) adds 1 to a counter on each of these days:

==================  =====================================================  ============
counter             day                                                     only if
==================  =====================================================  ============
l_received          r
l_ended             m = max(r, c); 9999-12-31 while running
l_on_time, l_late   m                                                       done, c <= due / c > due
l_fresh_end         y = max(r, min(c, due + 1)); running: max(r, due + 1)
l_overdue_from      lo = max(r, due + 1)
l_overdue_end       max(c, lo); 9999-12-31 while running
==================  =====================================================  ============

and each resolution limit (started ``s``, completed ``c``, due ``due``):
``k_started`` on s; ``k_ended`` on c (9999-12-31 while running); ``k_resolved``,
``k_on_time``, ``k_late``, ``k_correct``... on c when it ended by a resolving act
(``k_withdrawn`` when not); ``k_overdue_from`` on due + 1 and ``k_overdue_end`` on
max(c, due + 1) (9999-12-31 while running), for a limit that is not paused.

For a period [S, E], as of A = min(E, today), with N(x, range) the sum of counter x over
the days of the range (:func:`figures`):

- letters received = N(l_received, [S, E]); carried over = N(l_ended, >= S) - N(l_received, >= S)
- on time / late = N(l_on_time / l_late, [S, A])
- open, not yet due = N(l_fresh_end, > A) - N(l_received, > A)
- open and overdue = N(l_overdue_end, > A) - N(l_overdue_from, > A)
- cases: total = N(k_ended, >= S) - N(k_started, > E); carried over = N(k_ended, >= S) -
  N(k_started, >= S); new = N(k_started, [S, E]); resolved... = N(k_..., [S, A]);
  open = N(k_ended, > A) - N(k_started, > E); open overdue = N(k_overdue_end, > A) -
  N(k_overdue_from, > A).

These equal the hand-written conditions of reports.py exactly, given what the workflow
engine guarantees: no date after today, a limit completed on or after it started (and
after the letter was received), due on or after it started (``_check_act_date``,
``compute_due``). ``reports.target4`` uses the summaries for a period that has begun
(S <= A) counted as of today; any other scope (an export replayed with an earlier
"today", a period in the future) reads the raw tables.

Kept current by two session listeners: before a flush that changes a case, a time limit
or an event, the touched cases' contribution is read from the database (the state
before the flush); after it, their new contribution; the difference is added to the
rows (INSERT ... ON CONFLICT DO UPDATE), in the same transaction. A forwarded or split
copy counts under ``copy_of`` = its parent's agency, so the copies of a touched case are
recomputed with it. ``rebuild()`` recomputes everything (the migration, ``flask seed
scale``, ``flask report summaries --rebuild``); ``check()`` compares the rows with a
fresh computation.
"""
from __future__ import annotations

import functools

from datetime import date, timedelta

from sqlalchemy import bindparam, event, inspect, text
from sqlalchemy.orm import Session

from ..jobs import redis_after_commit
from ..models.summaries import MEASURES

SENTINEL = date(9999, 12, 31)
SENTINEL_MONTH = date(9999, 12, 1)
KEY = ("grain", "day", "agency_id", "commune_id", "kind", "copy_of")
HANDLING_STEP = "letter-handling"
#: resolution limits per kind of case (reports.RESOLUTION_STEPS)
RESOLUTION = {"complaint": ("complaint-resolution", "complaint2-resolution"),
              "denunciation": ("denunciation-resolution",), "petition": ("petition-answer",)}
RESOLVING_EVENTS = ("decide", "conclude", "answer")
VERDICTS = {"k_correct": ("annul", "correct"), "k_partly_correct": ("amend", "partly_correct"),
            "k_wrong": ("uphold", "wrong")}
COPY_LINKS = ("forwarded_from", "split_from")


# --------------------------------------------------------------------------- SQL


class _Dialect:
    def __init__(self, name: str):
        self.pg = name == "postgresql"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"max({a}, {b})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"min({a}, {b})"

    def plus_day(self, a: str) -> str:
        return f"({a} + 1)" if self.pg else f"date({a}, '+1 day')"

    def month(self, a: str) -> str:
        return f"CAST(date_trunc('month', {a}) AS date)" if self.pg else f"date({a}, 'start of month')"

    def sentinel(self) -> str:
        return "DATE '9999-12-31'" if self.pg else "'9999-12-31'"


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _emissions(d: _Dialect) -> list[tuple[str, str, str, str]]:
    """(counter, source, day expression, condition) for every counter."""
    inf = d.sentinel()
    due1 = d.plus_day("due")
    m = f"CASE WHEN c IS NULL THEN {inf} ELSE {d.greatest('r', 'c')} END"
    lo = d.greatest("r", due1)
    out = [
        ("l_received", "l", "r", "1=1"),
        ("l_ended", "l", m, "1=1"),
        ("l_on_time", "l", m, "c IS NOT NULL AND c <= due"),
        ("l_late", "l", m, "c IS NOT NULL AND c > due"),
        ("l_fresh_end", "l", f"CASE WHEN c IS NULL THEN {lo} ELSE {d.greatest('r', d.least('c', due1))} END", "1=1"),
        ("l_overdue_from", "l", lo, "1=1"),
        ("l_overdue_end", "l", f"CASE WHEN c IS NULL THEN {inf} ELSE {d.greatest('c', lo)} END", "1=1"),
        ("k_started", "k", "s", "1=1"),
        ("k_ended", "k", f"CASE WHEN c IS NULL THEN {inf} ELSE c END", "1=1"),
        ("k_resolved", "k", "c", "c IS NOT NULL AND resolving = 1"),
        ("k_on_time", "k", "c", "c IS NOT NULL AND resolving = 1 AND c <= due"),
        ("k_late", "k", "c", "c IS NOT NULL AND resolving = 1 AND c > due"),
        ("k_withdrawn", "k", "c", "c IS NOT NULL AND resolving = 0"),
    ]
    for name, outcomes in VERDICTS.items():
        out.append((name, "k", "c", f"c IS NOT NULL AND resolving = 1 AND outcome IN ({_quoted(outcomes)})"))
    out += [
        ("k_overdue_from", "k", due1, "unpaused = 1"),
        ("k_overdue_end", "k", f"CASE WHEN c IS NULL THEN {inf} ELSE {d.greatest('c', due1)} END", "unpaused = 1"),
    ]
    assert [e[0] for e in out] == list(MEASURES)
    return out


def contribution_sql(dialect_name: str, cases: str = "1=1", *, case_rows: str = "cases",
                     deadline_rows: str = "deadlines", event_rows: str = "case_events",
                     all_running: bool = False) -> str:
    """SELECT the summary rows (both grains) of the cases matching ``cases`` (a condition on
    ``c``, the cases table): the whole table, or the cases a flush touched. ``case_rows``,
    ``deadline_rows``, ``event_rows``: where the cases, limits and events are read (the
    tables, or the rows a statement is inserting: services/newcase.py).

    ``all_running``: the caller knows that no limit of these cases is completed (a new
    letter): the counters that only a completed limit adds to (``c IS NOT NULL``) are left
    out of the statement, and with them the look-up of a resolving event; the others are
    the same SQL (half the branches a new letter's statement executes, issue 18)."""
    d = _Dialect(dialect_name)
    resolution = " OR ".join(f"(c.kind = '{kind}' AND d.step IN ({_quoted(steps)}))"
                             for kind, steps in RESOLUTION.items())
    copy_of = (f"CASE WHEN c.link_type IN ({_quoted(COPY_LINKS)}) THEN "
               "COALESCE((SELECT p.agency_id FROM cases p WHERE p.id = c.parent_id), 0) ELSE 0 END")
    dims = "agency_id, commune_id, kind, copy_of"
    resolving = "0" if all_running else (
        f"CASE WHEN EXISTS (SELECT 1 FROM {event_rows} e WHERE e.case_id = c.id "
        f"AND e.event IN ({_quoted(RESOLVING_EVENTS)}) AND e.acted_on = d.completed_on) THEN 1 ELSE 0 END")
    branches = []
    for index, (_name, source, day, cond) in enumerate(_emissions(d)):
        if all_running and cond.startswith("c IS NOT NULL"):
            continue  # a completed limit's counter: nothing of a letter whose limits all run
        branches.append(f"SELECT {day} AS day, {dims}, {index} AS counter FROM {source} WHERE {cond}")
    sums = ", ".join(f"SUM(CASE WHEN counter = {i} THEN 1 ELSE 0 END) AS {name}"
                     for i, name in enumerate(MEASURES))
    return f"""
WITH l AS (
  SELECT c.agency_id, COALESCE(c.commune_id, 0) AS commune_id, c.kind, {copy_of} AS copy_of,
         c.received_on AS r, d.completed_on AS c, d.due_on AS due
  FROM {deadline_rows} d JOIN {case_rows} c ON c.id = d.case_id
  WHERE d.step = '{HANDLING_STEP}' AND ({cases})
), k AS (
  SELECT c.agency_id, COALESCE(c.commune_id, 0) AS commune_id, c.kind, 0 AS copy_of,
         d.started_on AS s, d.completed_on AS c, d.due_on AS due,
         CASE WHEN d.paused_on IS NULL THEN 1 ELSE 0 END AS unpaused, c.outcome,
         {resolving} AS resolving
  FROM {deadline_rows} d JOIN {case_rows} c ON c.id = d.case_id
  WHERE ({resolution}) AND ({cases})
), e AS (
  {' UNION ALL '.join(branches)}
), g AS (
  SELECT 'd' AS grain, day, {dims}, counter FROM e
  UNION ALL
  SELECT 'm' AS grain, {d.month('day')} AS day, {dims}, counter FROM e
  UNION ALL
  SELECT 'd' AS grain, day, agency_id, -1 AS commune_id, kind, copy_of, counter FROM e
  UNION ALL
  SELECT 'm' AS grain, {d.month('day')} AS day, agency_id, -1 AS commune_id, kind, copy_of, counter FROM e
)
SELECT grain, day, {dims}, {sums}
FROM g GROUP BY grain, day, {dims}
"""


def _touched_sql(dialect_name: str) -> str:
    """The contribution of the cases with these ids and of their forwarded or split copies."""
    return contribution_sql(
        dialect_name, f"c.id IN :ids OR (c.parent_id IN :ids AND c.link_type IN ({_quoted(COPY_LINKS)}))")


def new_letter_upsert_sql(case_rows: str, deadline_rows: str, event_rows: str, all_running: bool = False) -> str:
    """PostgreSQL: the summary rows of a new letter whose rows the same statement inserts
    (services/newcase.py), from those rows: what the ``filing`` statement does after them
    (``all_running``: none of its limits is completed, see :func:`contribution_sql`)."""
    return _upsert_sql(contribution_sql("postgresql", case_rows=case_rows, deadline_rows=deadline_rows,
                                        event_rows=event_rows, all_running=all_running), "postgresql")


def _upsert_sql(source: str, dialect_name: str) -> str:
    cols = (*KEY, *MEASURES)
    updates = ", ".join(f"{m} = report_days.{m} + excluded.{m}" for m in MEASURES)
    where = "" if dialect_name == "postgresql" else " WHERE true"  # SQLite: INSERT ... SELECT ... ON CONFLICT
    return (f"INSERT INTO report_days ({', '.join(cols)}) SELECT * FROM ({source}) AS src{where} "
            f"ORDER BY {', '.join(KEY)} ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {updates}")


def rebuild(connection) -> int:
    """Recompute every row from the cases, limits and events (one INSERT ... SELECT)."""
    name = connection.dialect.name
    connection.execute(text("DELETE FROM report_days"))
    # in the order of the primary key, so that a range of days of one commune (or of them
    # all, -1) reads neighbouring pages
    return connection.execute(text(
        f"INSERT INTO report_days ({', '.join((*KEY, *MEASURES))}) SELECT * FROM ({contribution_sql(name)}) AS src "
        "ORDER BY commune_id, grain, day, agency_id, kind, copy_of")).rowcount


@functools.lru_cache(maxsize=None)
def _statement(kind: str, dialect: str):
    """The listeners' statements, built once per dialect: ``text()`` scans its SQL for bind
    parameters with a regular expression, 3 ms a filing for these long statements (issue 18)."""
    if kind == "rows":
        return text(_touched_sql(dialect)).bindparams(bindparam("ids", expanding=True))
    if kind == "filing":
        return text(_upsert_sql(_touched_sql(dialect), dialect)).bindparams(bindparam("ids", expanding=True))
    cols = (*KEY, *MEASURES)
    return text(f"INSERT INTO report_days ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)}) "
                f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
                + ", ".join(f"{m} = report_days.{m} + excluded.{m}" for m in MEASURES))


def _rows(connection, ids) -> dict[tuple, tuple]:
    stmt = _statement("rows", connection.dialect.name)
    return {tuple(r[:6]): tuple(r[6:]) for r in connection.execute(stmt, {"ids": sorted(ids)})}


def _apply(connection, rows: list[tuple]) -> None:
    if not rows:
        return
    cols = (*KEY, *MEASURES)
    stmt = _statement("apply", connection.dialect.name)
    connection.execute(stmt, [dict(zip(cols, (*key, *values))) for key, values in sorted(rows)])


def check(connection) -> list[tuple]:
    """The keys whose stored counters differ from a fresh computation (empty: current)."""
    fresh = {tuple(r[:6]): tuple(r[6:]) for r in connection.execute(text(contribution_sql(connection.dialect.name)))}
    stored = {tuple(r[:6]): tuple(r[6:]) for r in connection.execute(
        text(f"SELECT {', '.join((*KEY, *MEASURES))} FROM report_days"))}
    zero = (0,) * len(MEASURES)
    out = []
    for key in set(fresh) | set(stored):
        a, b = fresh.get(key, zero), stored.get(key, zero)
        if a != b:
            out.append((key, a, b))
    return sorted(out, key=lambda x: tuple(str(k) for k in x[0]))


# --------------------------------------------------------------------------- keeping them current

# the columns the counters read: a flush that changes none of them leaves the rows alone
_CASE_COLUMNS = ("agency_id", "commune_id", "kind", "received_on", "link_type", "parent_id", "outcome")
_DEADLINE_COLUMNS = ("case_id", "step", "started_on", "due_on", "completed_on", "paused_on")
_EVENT_COLUMNS = ("case_id", "event", "acted_on")


def _changed(obj, columns) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in columns)


def _case_id(obj):
    from ..models import Case
    if isinstance(obj, Case):
        return obj.id
    return obj.case_id if obj.case_id is not None else (obj.case.id if obj.case is not None else None)


def _enabled(session) -> bool:
    return session.info.get("report_summaries", True)


@event.listens_for(Session, "before_flush")
def _before_flush(session, flush_context, instances):
    if not _enabled(session):
        return
    from ..models import Case, CaseEvent, Deadline
    touched, new_objects = set(), []
    for obj in session.new:
        if isinstance(obj, (Case, Deadline, CaseEvent)):
            new_objects.append(obj)
            if not isinstance(obj, Case):
                cid = _case_id(obj)
                if cid is not None:
                    touched.add(cid)
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, Case):
            columns = _CASE_COLUMNS
        elif isinstance(obj, Deadline):
            columns = _DEADLINE_COLUMNS
        elif isinstance(obj, CaseEvent):
            columns = _EVENT_COLUMNS
        else:
            continue
        if obj in session.deleted or _changed(obj, columns):
            cid = _case_id(obj)
            if cid is not None:
                touched.add(cid)
            if not isinstance(obj, Case):  # moved to another case
                old = inspect(obj).attrs["case_id"].history.deleted
                touched.update(x for x in old if x is not None)
    if not touched and not new_objects:
        return
    pending = session.info.setdefault("report_summaries_pending", {"ids": set(), "old": {}, "new": []})
    if touched - pending["ids"]:
        fresh = touched - pending["ids"]
        with session.no_autoflush:
            old = _rows(session.connection(), fresh)
        for key, values in old.items():
            prev = pending["old"].get(key)
            pending["old"][key] = values if prev is None else tuple(a + b for a, b in zip(prev, values))
        pending["ids"] |= fresh
    pending["new"].extend(new_objects)


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    pending = session.info.pop("report_summaries_pending", None)
    if not pending:
        return
    ids = set(pending["ids"])
    for obj in pending["new"]:
        cid = _case_id(obj)
        if cid is not None:
            ids.add(cid)
    if not ids:
        return
    session.info["report_figures_changed"] = True
    connection = session.connection()
    name = connection.dialect.name
    if not pending["old"]:  # new letters only (filing): one statement
        connection.execute(_statement("filing", name), {"ids": sorted(ids)})
        return
    new = _rows(connection, ids)
    zero = (0,) * len(MEASURES)
    delta = []
    for key in set(new) | set(pending["old"]):
        diff = tuple(a - b for a, b in zip(new.get(key, zero), pending["old"].get(key, zero)))
        if any(diff):
            delta.append((key, diff))
    _apply(connection, delta)


def note_new_cases(session, ids: list[int], *, written: bool = False) -> None:
    """New letters written without the unit of work (services/newcase.py): their summary
    rows, with the statement :func:`_after_flush` runs for new letters, and the figures'
    stamp moved after the commit. ``written``: the statement that wrote the letters wrote
    their summary rows too (:func:`new_letter_upsert_sql`)."""
    if not _enabled(session):
        return
    session.info["report_figures_changed"] = True
    if written:
        return
    connection = session.connection()
    connection.execute(_statement("filing", connection.dialect.name), {"ids": sorted(ids)})


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop("report_summaries_pending", None)
    session.info.pop("report_figures_changed", None)


def _announce(session, pipe):
    """Committed new figures: the version stamp the cached public statistics compare with
    (in the commit's one Redis pipeline, jobs.redis_after_commit)."""
    if not session.info.pop("report_figures_changed", None):
        return None
    pipe.incr(_version_key())
    return lambda results: None  # unreachable Redis: the cache refreshes on its time limit alone


def _version_key() -> str:
    from flask import current_app
    return f"{current_app.config['RQ_QUEUE']}:figures-version"


redis_after_commit(_announce, flags=("report_figures_changed",))  # the stamp goes with the commit's pipeline


def _redis():
    """One client (and connection pool) per application, not a new connection per call."""
    from ..jobs import shared_redis
    return shared_redis()


def bump_version() -> None:
    from flask import has_app_context
    from redis.exceptions import RedisError
    if not has_app_context():
        return
    try:
        _redis().incr(_version_key())
    except RedisError:
        pass  # the cache then refreshes on its time limit alone


def version() -> int | None:
    """The figures' version stamp (None: Redis unreachable)."""
    from redis.exceptions import RedisError
    try:
        return int(_redis().get(_version_key()) or 0)
    except RedisError:
        return None


# --------------------------------------------------------------------------- reading


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def day_range(lo: date, hi: date | None) -> dict:
    """The rows that add up to the days [lo, hi] (hi None: to the open end): day rows for
    the partial months at either end, month rows for the whole months between."""
    first_full = lo if lo.day == 1 else _next_month(lo)
    if hi is None:
        return {"d1": lo, "d2": first_full - timedelta(days=1), "m1": first_full, "m2": SENTINEL,
                "t1": SENTINEL, "t2": date.min}
    end_excl = _month_start(hi + timedelta(days=1)) if hi < SENTINEL else SENTINEL_MONTH
    return {"d1": lo, "d2": min(first_full - timedelta(days=1), hi), "m1": first_full,
            "m2": end_excl - timedelta(days=1), "t1": max(end_excl, first_full), "t2": hi}


def _in(prefix: str) -> str:
    return (f"((grain = 'd' AND (day BETWEEN :{prefix}d1 AND :{prefix}d2 OR day BETWEEN :{prefix}t1 AND :{prefix}t2))"
            f" OR (grain = 'm' AND day BETWEEN :{prefix}m1 AND :{prefix}m2))")


#: (figure, [(+1 or -1, counter, range)]): the ranges are R1 [S, E], R2 >= S, R3 > A, R4 > E, R5 [S, A]
FORMULAS = {
    "letters_received": [(1, "l_received", "r1")],
    "letters_carried_over": [(1, "l_ended", "r2"), (-1, "l_received", "r2")],
    "letters_on_time": [(1, "l_on_time", "r5")],
    "letters_late": [(1, "l_late", "r5")],
    "letters_open_overdue": [(1, "l_overdue_end", "r3"), (-1, "l_overdue_from", "r3")],
    "letters_open": [(1, "l_fresh_end", "r3"), (-1, "l_received", "r3")],
    "cases_total": [(1, "k_ended", "r2"), (-1, "k_started", "r4")],
    "cases_carried_over": [(1, "k_ended", "r2"), (-1, "k_started", "r2")],
    "cases_new": [(1, "k_started", "r1")],
    "cases_resolved": [(1, "k_resolved", "r5")],
    "cases_resolved_on_time": [(1, "k_on_time", "r5")],
    "cases_resolved_late": [(1, "k_late", "r5")],
    "cases_withdrawn": [(1, "k_withdrawn", "r5")],
    "cases_open": [(1, "k_ended", "r3"), (-1, "k_started", "r4")],
    "cases_open_overdue": [(1, "k_overdue_end", "r3"), (-1, "k_overdue_from", "r3")],
    "verdict_correct": [(1, "k_correct", "r5")],
    "verdict_partly_correct": [(1, "k_partly_correct", "r5")],
    "verdict_wrong": [(1, "k_wrong", "r5")],
}


def usable(start: date, end: date, today: date, real_today: date) -> bool:
    """The summaries answer periods that have begun, counted as of today."""
    return start <= min(end, today) and today >= real_today


def figures(connection, start: date, end: date, today: date, *, kinds, agency_ids=None, commune_id=None,
            by_agency: bool = False) -> dict:
    """{agency id or None: {figure: value}} for the period, from the summary rows."""
    as_of = min(end, today)
    params: dict = {}
    for name, (lo, hi) in {"r1": (start, end), "r2": (start, None), "r3": (as_of + timedelta(days=1), None),
                           "r4": (end + timedelta(days=1), None), "r5": (start, as_of)}.items():
        params.update({f"{name}{k}": v for k, v in day_range(lo, hi).items()})
    pairs = sorted({(counter, rng) for terms in FORMULAS.values() for _, counter, rng in terms})
    ranges = sorted({rng for _, rng in pairs})
    columns = [f"SUM({counter} * in_{rng}) AS {counter}_{rng}" for counter, rng in pairs]
    flags = ", ".join(f"CASE WHEN {_in(rng)} THEN 1 ELSE 0 END AS in_{rng}" for rng in ranges)
    counters = sorted({counter for counter, _ in pairs})
    # only the rows some range reads: the day rows of the partial months, the month rows
    intervals = sorted({(params[f"{r}{a}"], params[f"{r}{b}"]) for r in ("r1", "r2", "r3", "r4", "r5")
                        for a, b in (("d1", "d2"), ("t1", "t2")) if params[f"{r}{a}"] <= params[f"{r}{b}"]})
    days = " OR ".join(f"day BETWEEN :i{n}a AND :i{n}b" for n in range(len(intervals))) or "1=0"
    for n, (a, b) in enumerate(intervals):
        params[f"i{n}a"], params[f"i{n}b"] = a, b
    params["mlo"] = min(params[f"{r}m1"] for r in ("r1", "r2", "r3", "r4", "r5"))
    where = [f"((grain = 'd' AND ({days})) OR (grain = 'm' AND day >= :mlo))", "kind IN :kinds"]
    params["kinds"] = list(kinds)
    binds = [bindparam("kinds", expanding=True)]
    if agency_ids is not None:
        where.append("agency_id IN :agencies")
        # a copy counts unless the letter it was copied from is inside the scope
        where.append("(copy_of = 0 OR copy_of NOT IN :agencies)")
        params["agencies"] = list(agency_ids) or [-1]
        binds.append(bindparam("agencies", expanding=True))
    else:
        where.append("copy_of = 0")
    # rows of one commune, or the rows that add up every commune (commune_id -1)
    where.append("commune_id = :commune")
    params["commune"] = commune_id if commune_id is not None else -1
    group = "agency_id" if by_agency else "NULL"
    # each row's ranges decided once (OFFSET 0 keeps the subquery from being flattened into
    # the sums, which would test every range once per counter)
    stmt = text(f"SELECT {group} AS agency_id, {', '.join(columns)} FROM ("
                f"SELECT agency_id, {', '.join(counters)}, {flags} FROM report_days "
                f"WHERE {' AND '.join(where)} {'OFFSET 0' if connection.dialect.name == 'postgresql' else 'LIMIT -1'}"
                ") AS rows"
                + (" GROUP BY agency_id" if by_agency else "")).bindparams(*binds)
    out: dict = {}
    for row in connection.execute(stmt, params).mappings():
        values = {}
        for figure, terms in FORMULAS.items():
            values[figure] = int(sum(sign * (row[f"{counter}_{rng}"] or 0) for sign, counter, rng in terms))
        values["letters_total"] = values["letters_received"] + values["letters_carried_over"]
        out[row["agency_id"]] = values
    if not by_agency and None not in out:
        out[None] = {name: 0 for name in (*FORMULAS, "letters_total")}
    return out
