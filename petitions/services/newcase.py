"""A new letter's rows written without the ORM's unit of work (issue 18).

A public filing (the API and the web form) writes six kinds of rows at once: the case, its
filers, its running time limits, the "receive" event, its attachments and the receipt's
outbox row, then the target 4 summary rows. Through the ORM's unit of work that was six
INSERT round trips and about 6 ms of CPU a letter, most of the filing's cost at a million
cases. Here the same objects, built by :func:`services.intake.submit_case` exactly as
before, are written directly:

- on PostgreSQL in **one statement**: data-modifying CTEs, the case first (``RETURNING
  *``), each other row ``INSERT ... SELECT <the case's id>, ... FROM new_case``, and the
  summary rows upserted from the rows being inserted (``summaries.new_letter_upsert_sql``:
  the ``filing`` statement's SELECT reading the CTEs instead of the tables, which a
  statement's own inserts are not visible in); the SQL text is made once per *shape* (how
  many filers, limits, events, files, outbox rows) and kept;
- elsewhere (SQLite) one INSERT per table, the children in one ``executemany`` each, then
  the ``filing`` summary statement.

What the session's flush listeners would have done for these rows is done here, for a new
letter on its own (no parent, no family): the nearest due date kept on the case
(``workflow.next_due_of``), the confidential mark (its kind: the family rule's case of a
letter with no family), the summary rows (the same ``filing`` statement as
``summaries._after_flush``), the stamp the public statistics compare with and the agency's
work-queue stamp (services/pagecache.py). Column
values are the objects' own, each missing one takes the column's Python default, and every
value goes through the column's type (sealed identity fields, JSON, UTC times), so the rows
are the ones the unit of work wrote; ``tests/test_direct_filing.py`` compares the two paths
column by column on both databases.

The objects stay out of the session: after the call they carry their ids and defaults, and
the caller reads them (the receipt, the API's answer) without another statement.
"""
from __future__ import annotations

import json

from sqlalchemy import JSON, event, inspect
from sqlalchemy.orm import Session

from ..extensions import db

_SQL: dict[tuple, tuple] = {}   # (shape, with the summary rows, limits all running) -> (SQL, columns and processors per class)


def _keep_long_statements_parsed() -> None:
    """psycopg turns a statement's ``%(name)s`` placeholders into ``$n`` on every execution
    unless the statement is at most 4,096 characters with at most 50 parameters (then the
    result is kept, ``psycopg._queries``); a filing's one statement is longer, with about 90
    parameters, and the conversion was about 0.6 ms of a filing's CPU. The limits are raised
    for this process (the conversion cache keeps 128 statements whatever their length)."""
    try:
        from psycopg import _queries
    except ImportError:  # no psycopg (SQLite only), or a version without these limits
        return
    if hasattr(_queries, "MAX_CACHED_STATEMENT_LENGTH") and hasattr(_queries, "MAX_CACHED_STATEMENT_PARAMS"):
        _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 1 << 16)
        _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, 4000)


def _values(obj, skip: tuple[str, ...] = ()) -> dict:
    """Every non-key column of ``obj`` (attribute key -> value): the object's own value, else
    the column's Python default (evaluated now, and set on the object so the caller sees it)."""
    out = {}
    state = obj.__dict__
    for attr in inspect(type(obj)).column_attrs:
        column = attr.columns[0]
        if column.primary_key or attr.key in skip:
            continue
        if attr.key in state:
            value = state[attr.key]
        elif column.default is not None:
            default = column.default
            value = default.arg(None) if default.is_callable else default.arg
            setattr(obj, attr.key, value)
        else:
            value = None
        out[attr.key] = value
    return out


def _columns(cls, skip: tuple[str, ...] = ()) -> list:
    return [(attr.key, attr.columns[0]) for attr in inspect(cls).column_attrs
            if not attr.columns[0].primary_key and attr.key not in skip]


def _pg_statement(shape: tuple, with_summary: bool, dialect, all_running: bool = False) -> tuple[str, dict]:
    """``WITH new_case AS (INSERT INTO cases ... RETURNING *), r0 AS (INSERT INTO parties
    (case_id, ...) SELECT new_case.id, CAST(%s AS type), ... FROM new_case RETURNING id), ...
    SELECT (SELECT id FROM new_case), (SELECT id FROM r0), ...``: one round trip. Returns the
    SQL (DB-API placeholders, sent by ``exec_driver_sql``: no compilation and no named-parameter
    processing per filing) and, per model class, its columns with their types' bind processors
    in placeholder order."""
    from ..models import Case, CaseEvent, Deadline
    from .summaries import new_letter_upsert_sql
    plan: dict = {}

    def processor(column):
        if isinstance(column.type, JSON):  # psycopg adapts JSON through SQLAlchemy's bind casts, not a processor
            return getattr(dialect, "_json_serializer", None) or json.dumps
        return column.type.bind_processor(dialect)

    def columns(cls, skip=()):
        if cls not in plan:
            plan[cls] = [(key, processor(column), _default(column)) for key, column in _columns(cls, skip)]
        return _columns(cls, skip)

    def casts(cols):
        return ", ".join(f"CAST(%s AS {c.type.compile(dialect=dialect)})" for _, c in cols)

    case_columns = columns(Case)
    parts = ["new_case AS (INSERT INTO cases ({}) VALUES ({}) RETURNING *)".format(
        ", ".join(c.name for _, c in case_columns), casts(case_columns))]
    selects = ["(SELECT id FROM new_case)"]
    read_back: dict[type, list[str]] = {Deadline: [], CaseEvent: []}  # what the summary reads
    n = 0
    for cls, count in shape:
        cols = columns(cls, ("case_id",))
        for _ in range(count):
            name = f"r{n}"
            parts.append("{} AS (INSERT INTO {} (case_id, {}) SELECT new_case.id, {} FROM new_case RETURNING {})".format(
                name, cls.__tablename__, ", ".join(c.name for _, c in cols), casts(cols),
                "*" if cls in read_back else "id"))
            read_back.get(cls, []).append(name)
            selects.append(f"(SELECT id FROM {name})")
            n += 1
    if with_summary:
        for cls, label in ((Deadline, "new_deadlines"), (CaseEvent, "new_events")):
            rows = " UNION ALL ".join(f"SELECT * FROM {name}" for name in read_back[cls])
            parts.append(f"{label} AS ({rows or f'SELECT * FROM {cls.__tablename__} WHERE false'})")
        summary = new_letter_upsert_sql("new_case", "new_deadlines", "new_events", all_running)
        parts.append(f"summary AS ({summary.replace('%', '%%')})")
    return "WITH " + ",\n".join(parts) + "\nSELECT " + ", ".join(selects), plan


def _default(column):
    """The column's Python default as a function of nothing, or None."""
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        return lambda: default.arg(None)
    return lambda: default.arg


def _params(obj, plan: list) -> list:
    """``obj``'s values in the statement's order, through their types' bind processors: what
    :func:`_values` gives, read with the class's plan made once (issue 18: per column look-ups
    were a tenth of a filing's CPU)."""
    state = obj.__dict__
    out = []
    for key, process, default in plan:
        if key in state:
            value = state[key]
        elif default is not None:
            value = default()
            setattr(obj, key, value)  # the caller sees the default, as after a flush
        else:
            value = None
        out.append(value if process is None or value is None else process(value))
    return out


_ALONE = "petitions_written_alone"


def _connection_for(session, alone: bool):
    """The session's connection; for a write that is its transaction's only one (``alone``),
    on PostgreSQL, a connection in autocommit: the one statement is atomic by itself, and
    the BEGIN and COMMIT round trips go (2 of a filing's 3 with PostgreSQL, issue 18). Only
    when the session holds no connection and no pending change yet: after a read (reference
    data loaded cold) or with objects waiting for a flush, the write joins the transaction."""
    real = _unscoped(session)
    if alone and not (real.new or real.dirty or real.deleted) and not _holds_connection(real) \
            and real.get_bind().dialect.name == "postgresql":
        connection = real.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        if getattr(connection.connection.dbapi_connection, "autocommit", False) is True:
            real.info[_ALONE] = True
        return connection
    return real.connection()


def _holds_connection(session) -> bool:
    """Has this session's transaction taken a connection? (True when it cannot tell: the
    write then joins the transaction, the safe side.)"""
    transaction = session.get_transaction()
    while transaction is not None and transaction.parent is not None:
        transaction = transaction.parent
    if transaction is None:
        return False
    held = getattr(transaction, "connections", None)  # SQLAlchemy 2.1.7 and later
    if held is None:
        held = getattr(transaction, "_connections", None)
    return held is None or bool(held)


def _committed_alone(session) -> None:
    """The letter is stored: its files stay even if the session rolls back before its commit
    (their rows are committed). Not covered: the Redis stamps and the receipt's kick go with
    the session's commit, so a rollback in between drops them (the queue page expires within
    60 s, the receipt waits for the sweep's catch-up)."""
    _unscoped(session).info.pop("petitions_stored_files", None)


def _unscoped(session):
    """The request's own session behind ``db.session`` (a scoped session), or ``session``."""
    return session() if hasattr(session, "registry") else session


def write(case, children: list[tuple[type, list]], *, alone: bool = False) -> None:
    """Insert ``case`` and ``children`` ([(model class, [objects])], each object belonging to
    the case) in the current transaction; sets every object's id (and ``case_id``).

    ``alone=True``: the caller writes nothing else before the commit (a public filing with no
    national record to queue). On PostgreSQL, when the session has not used the database yet,
    the statement then runs in autocommit (:func:`_connection_for`); anything flushed after it
    in the same transaction is refused (:func:`_refuse_after_alone`), since it would not be
    atomic with the letter."""
    from ..models import Case, Deadline
    from .summaries import note_new_cases
    from .workflow import next_due_of
    assert case.parent_id is None and getattr(case, "parent", None) is None, "a new letter on its own"
    case.next_due_on = next_due_of(case)  # what workflow._keep_next_due keeps
    if case.kind == "denunciation":       # the family rule for a letter with no family
        case.confidential = True
    session = db.session
    from .pagecache import touch
    touch(session, {case.agency_id})  # the agency's work queue shows the letter after the commit
    connection = _connection_for(session, alone)
    children = [(cls, objs) for cls, objs in children if objs]
    if connection.dialect.name == "postgresql":
        from .summaries import _enabled
        summary = _enabled(session)
        shape = tuple((cls, len(objs)) for cls, objs in children)
        # a new letter's limits all run (the summary statement then skips the completed
        # limits' counters); anything else takes the statement that counts them
        running = all(d.completed_on is None for cls, objs in children if cls is Deadline for d in objs)
        key = (shape, summary, running)
        statement = _SQL.get(key)
        if statement is None:
            _keep_long_statements_parsed()
            statement = _SQL[key] = _pg_statement(shape, summary, connection.dialect, running)
        sql, plan = statement
        params = _params(case, plan[Case])
        for cls, objs in children:
            for obj in objs:
                params += _params(obj, plan[cls])
        ids = connection.exec_driver_sql(sql, tuple(params)).one()
        if session.info.get(_ALONE):
            _committed_alone(session)
        case.id = ids[0]
        n = 1
        for cls, objs in children:
            for obj in objs:
                obj.id, obj.case_id = ids[n], case.id
                n += 1
        note_new_cases(session, [case.id], written=summary)
    else:
        case.id = connection.execute(Case.__table__.insert().values(
            {inspect(Case).column_attrs[k].columns[0].name: v for k, v in _values(case).items()})).inserted_primary_key[0]
        for cls, objs in children:
            table = cls.__table__
            names = {attr.key: attr.columns[0].name for attr in inspect(cls).column_attrs}
            rows = []
            for obj in objs:
                row = {names[k]: v for k, v in _values(obj, ("case_id",)).items()}
                row["case_id"] = case.id
                rows.append(row)
            ids = connection.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                                     rows).scalars().all()
            for obj, new_id in zip(objs, ids):
                obj.id, obj.case_id = new_id, case.id
        note_new_cases(session, [case.id])


@event.listens_for(Session, "before_flush")
def _refuse_after_alone(session, flush_context, instances):
    """A write promised to be its transaction's only one was committed by itself: a later
    change in the same transaction would be committed apart from it. A programming error,
    refused loudly (the tests run every filing path)."""
    if session.info.get(_ALONE) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a change was flushed after a write committed by itself "
                           "(services/newcase.write(alone=True)): pass alone=False for this path")


@event.listens_for(Session, "after_transaction_end")
def _forget_alone(session, transaction):
    if transaction.parent is None:  # commit, rollback or close of the session's transaction
        session.info.pop(_ALONE, None)
