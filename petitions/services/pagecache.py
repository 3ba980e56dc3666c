"""Change stamps for the officers' work queue, and the per-process cache they key (issue 18,
fourth part; docs/performance.md "Queue page cache").

Each agency has a **stamp** in Redis (``{RQ_QUEUE}:queue-stamp:<agency id>``) that moves after
every commit that may change what its queue shows; ``...:all`` moves with any of them and
``...:gen`` (the generation) after a change whose agency is not known (a bulk statement, a
party whose case is not loaded, a load outside the ORM: :func:`changed_everywhere`). A page
kept in this process is filed under the stamps it was built with, read (one ``MGET``) *before*
its data; it is served only while all of them are unchanged. The same mechanism as
services/refdata.py:

- ``before_flush`` collects the agencies of the cases, parties, time limits and urgings added,
  changed or deleted (a case moved to another agency: both); ``do_orm_execute`` INSERT,
  UPDATE and DELETE statements on those tables move the generation, unless they carry
  ``execution_options(petitions_queue_agencies=(ids...))`` saying whose queue they change;
- after the commit, one pipeline moves the stamps; after a rollback nothing moves;
- a stamp missing in Redis (restarted, flushed) is set to a random 60-bit value before it is
  moved or used, and a page read while one is missing is not kept: an old entry is never
  found again under a stamp that started counting anew. Entries also expire after
  :data:`TTL` seconds;
- without Redis nothing is kept: every page is built from the database.

No Flask view code here: the queue view (blueprints/reception/routes.py) decides what goes
into a key and an entry.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict

from flask import current_app, g, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..jobs import redis_after_commit

TTL = 60.0  # seconds an entry is served at most, whatever the stamps say (the one guard when a
# commit could not move the stamps: a change, a newly confidential filer among them, shows within a minute)
SIZE = 256  # entries kept per process (each cache)
_FLAG = "queue_touched"  # session.info: agency ids, and _UNKNOWN
_UNKNOWN = "*"
OPTION = "petitions_queue_agencies"  # execution option of a statement that says whose queue it changes


def _watched():
    from ..models import Case, Deadline, Party, Urging
    return Case, Party, Deadline, Urging


def _watched_tables() -> frozenset:
    from ..models.monitoring import urging_cases
    return frozenset(("cases", "parties", "deadlines", "urgings", urging_cases.name))


# --------------------------------------------------------------------------- the stamps

def _prefix() -> str:
    return f"{current_app.config['RQ_QUEUE']}:queue-stamp"


def _key(part) -> str:
    return f"{_prefix()}:{part}"


def _redis():
    from .refdata import _redis as client  # one client, one test hook for both caches
    return client()


def _initial() -> int:
    return secrets.randbits(60)


def read_stamps(agency_ids) -> tuple | None:
    """The stamps of these agencies (None: all agencies) and the generation, with the
    reference data's version (which this request then uses: no second round trip), in ONE
    ``MGET``. None when the page must not be kept: Redis unreachable, or a stamp missing (it
    is set now, for the next request)."""
    from redis.exceptions import RedisError

    from .refdata import _version_key
    parts = ["gen", "all"] if agency_ids is None else ["gen", *agency_ids]
    keys = [_key(p) for p in parts]
    try:
        values = _redis().mget([*keys, _version_key()])
    except RedisError:
        return None
    version = values.pop()
    if version is None:  # lost or new: refdata.cached reads it again and starts it at random
        return None
    if "_refdata_version" not in g:  # read before any reference data, like refdata.cached would
        import time
        g._refdata_version, g._refdata_read_at = int(version), time.monotonic()
    missing = [k for k, v in zip(keys, values) if v is None]
    if missing:
        try:
            pipe = _redis().pipeline(transaction=False)
            for k in missing:
                pipe.set(k, _initial(), nx=True)
            pipe.execute()
        except RedisError:
            pass
        return None
    if g._refdata_version is None:  # this request could not read it earlier: keep nothing
        return None
    return (*values, g._refdata_version)


def _queue_bump(pipe, agencies: set) -> None:
    parts = ["all", *sorted(a for a in agencies if a != _UNKNOWN)]
    if _UNKNOWN in agencies:
        parts.append("gen")
    for p in parts:
        k = _key(p)
        pipe.set(k, _initial(), nx=True)  # a missing stamp never counts again from a value it had
        pipe.incr(k)


def _bump(agencies: set) -> None:
    from redis.exceptions import RedisError
    try:
        pipe = _redis().pipeline(transaction=False)
        _queue_bump(pipe, agencies)
        pipe.execute()
    except RedisError:
        # the other processes cannot be told; they keep nothing while they cannot reach
        # Redis either, and their entries expire after TTL. This process forgets its own.
        clear()


def changed_everywhere(session=None) -> None:
    """Every queue may have changed (a bulk load, a migration, a statement written outside
    the ORM): the generation moves after this session's commit, or now without a session."""
    if session is not None:
        session.info.setdefault(_FLAG, set()).add(_UNKNOWN)
        return
    if has_app_context():
        _bump({_UNKNOWN})


def touch(session, agency_ids) -> None:
    """These agencies' queues change with this transaction (a writer the listeners do not see)."""
    mark = session.info.setdefault(_FLAG, set())
    for a in agency_ids:
        mark.add(_UNKNOWN if a is None else a)


def _history_ids(obj, column: str, relation: str | None) -> set:
    state = inspect(obj)
    out = set()
    hist = state.attrs[column].history
    for v in (*hist.added, *hist.unchanged, *hist.deleted):
        out.add(v)
    if relation is not None:
        rel = state.attrs[relation].history  # no load: only what the session knows
        for v in (*rel.added, *rel.unchanged, *rel.deleted):
            out.add(None if v is None else v.id)
    if not out:
        out.add(getattr(obj, column))
    return out


def _case_agencies(obj) -> set:
    return _history_ids(obj, "agency_id", "agency")


def _of_child(session, obj) -> set:
    """The agencies of the case a party or time limit belongs to (unknown if not loaded)."""
    from ..models import Case
    state = inspect(obj)
    if state.attrs.case_id.history.deleted:
        return {_UNKNOWN}  # moved to another case: rare, everything
    case = obj.__dict__.get("case")
    if case is None and obj.case_id is not None:
        case = session.identity_map.get(session.identity_key(Case, obj.case_id))
    if case is None:
        return {_UNKNOWN}
    return _case_agencies(case)


@event.listens_for(Session, "before_flush")
def _collect(session, flush_context, instances):
    if session.new or session.dirty or session.deleted:
        _drop_unread(session)
    Case, Party, Deadline, Urging = _watched()
    found = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, (Case, Party, Deadline, Urging)):
            continue
        if obj in session.dirty and obj not in session.new and not session.is_modified(obj):
            continue
        if isinstance(obj, Case):
            ids = _case_agencies(obj)
        elif isinstance(obj, Urging):
            ids = _history_ids(obj, "agency_id", "agency")
        else:
            ids = _of_child(session, obj)
        if found is None:
            found = session.info.setdefault(_FLAG, set())
        found.update(_UNKNOWN if a is None else a for a in ids)


def _drop_unread(session) -> None:
    """A notification written in this request: the unread count the user loader read is not
    shown (the badge counts again)."""
    from ..models import Notification
    if has_app_context() and "unread_notifications" in g and any(
            isinstance(o, Notification) for o in (*session.new, *session.dirty, *session.deleted)):
        g.pop("unread_notifications", None)


@event.listens_for(Session, "do_orm_execute")
def _collect_statements(state):
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name == "notifications" and has_app_context():
        g.pop("unread_notifications", None)
    if name not in _watched_tables():
        return
    known = state.execution_options.get(OPTION)
    touch(state.session, known if known is not None else (None,))


def _announce(session, pipe):
    """The touched agencies' stamps move with the commit's one Redis pipeline
    (jobs.redis_after_commit); Redis unreachable: this process forgets its own pages."""
    touched = session.info.pop(_FLAG, None)
    if not touched:
        return None
    _queue_bump(pipe, touched)
    return lambda results: clear() if results is None or any(isinstance(r, Exception) for r in results) else None


redis_after_commit(_announce, flags=(_FLAG,))


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(_FLAG, None)


# --------------------------------------------------------------------------- the cache

class LRU:
    """A bounded, thread-safe, per-process map whose entries expire after ``ttl`` seconds."""

    def __init__(self, size: int = SIZE, ttl: float = TTL):
        self.size, self.ttl = size, ttl
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + self.ttl, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def lru(name: str) -> LRU:
    """This application's cache ``name`` (one per process and application)."""
    caches = current_app.extensions.setdefault("petitions_pagecache", {})
    cache = caches.get(name)
    if cache is None:
        cache = caches.setdefault(name, LRU())
    return cache


def clear() -> None:
    if has_app_context():
        for cache in current_app.extensions.get("petitions_pagecache", {}).values():
            cache.clear()
