"""Reference data kept per process: the communes and agencies (with their option lists in
Vietnamese order), the working-day calendar and the deadline settings (issue 18).

Every filing needs them and an administrator changes them a few times a year, so reading
them again on every request (5 statements and 130 collation keys a letter) was most of a
filing's cost. They are built once per process and kept until a **version stamp** moves:

- every commit that added, changed or removed a row of :data:`WATCHED` bumps the stamp
  (``{RQ_QUEUE}:refdata-version`` in Redis, ``INCR`` after the commit, the same mechanism as
  the public statistics' figures version); a change written outside the ORM's unit of work
  (a migration, a bulk load) calls :func:`changed` itself, or a restart picks it up;
- a request reads the stamp at its first use of reference data (one Redis ``GET``), unless
  this process read it less than ``REFDATA_RECHECK_SECONDS`` ago (0.1 s): under load most
  filings then make no round trip to Redis before their work, and a change reaches every
  other process within that time (a request already running when it is committed uses the
  old data in any case). The process drops its copies when the stamp moved; the stamp is
  read *before* the data, so a copy is never filed under a newer stamp than the data it holds;
- the request that made the change reads the database for the rest of its own work (its
  uncommitted rows are not shared with other requests), and this process's copies are dropped
  at once;
- without Redis (unreachable), nothing is kept beyond the request: the database is read as
  before, so a stale calendar or list is never served.

ORM rows are kept as plain column values and put into the request's session with
``merge(load=False)`` (no SQL): a case that points at a cached agency reads its name from
the session's identity map, not with a SELECT.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import current_app, g, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from ..extensions import db

T = TypeVar("T")

_MISSING = object()
_EXT = "petitions_refdata"
_FLAG = "refdata_changed"


def watched_classes() -> tuple:
    from ..models import AdminUnit, Agency, CalendarOverride, DeadlineSetting
    return (AdminUnit, Agency, CalendarOverride, DeadlineSetting)


# --------------------------------------------------------------------------- the stamp

def _version_key() -> str:
    return f"{current_app.config['RQ_QUEUE']}:refdata-version"


def _redis():
    client = current_app.extensions.get("petitions_refdata_redis")  # a test may put its own here
    if client is not None:
        return client
    from ..jobs import shared_redis
    return shared_redis()


def _read_version() -> int | None:
    """The stamp (None when Redis cannot be reached). A missing stamp (a new Redis, or one
    that lost its data) starts at a random value, never again at one a process may still
    hold its copies under (counting again from 0 would bring back a stamp of before an
    administrator's change, and that process would keep serving the old lists)."""
    from redis.exceptions import RedisError
    try:
        value = _redis().get(_version_key())
        if value is None:
            pipe = _redis().pipeline(transaction=False)
            pipe.set(_version_key(), _initial(), nx=True)
            pipe.get(_version_key())
            value = pipe.execute()[1]
        return None if value is None else int(value)  # gone again at once (FLUSHALL): keep nothing
    except RedisError:
        return None


def _initial() -> int:
    from .pagecache import _initial as random_start  # the queue pages' stamps start the same way
    return random_start()


def _bump() -> None:
    from redis.exceptions import RedisError
    try:
        pipe = _redis().pipeline(transaction=False)
        pipe.set(_version_key(), _initial(), nx=True)  # a lost stamp never counts again from 0
        pipe.incr(_version_key())
        pipe.execute()
    except RedisError:
        # no stamp to move: the other processes cannot be told. They keep nothing while
        # Redis is unreachable (their GET fails too); once it answers again the stamp they
        # read may be the one they cached under, so the cache is made to restart its count
        current_app.extensions.pop(_EXT, None)


def changed(session=None) -> None:
    """Reference data changed in this transaction: this process forgets its copies now, the
    rest of this request reads the database, and the stamp moves after the commit."""
    (session or db.session).info[_FLAG] = True
    if has_app_context():
        current_app.extensions.pop(_EXT, None)
        g._refdata_dirty = True


@event.listens_for(Session, "before_flush")
def _watch(session, flush_context, instances):
    classes = watched_classes()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, classes) and (obj not in session.dirty or session.is_modified(obj)):
            changed(session)
            forget_request()
            return


@event.listens_for(Session, "do_orm_execute")
def _watch_statements(state):
    """INSERT, UPDATE or DELETE statements sent through the session (``session.execute(
    delete(Agency))``, a bulk insert of communes): the unit of work does not see them."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) in _watched_tables():
        changed(state.session)
        forget_request()


def _watched_tables() -> frozenset:
    return frozenset(cls.__tablename__ for cls in watched_classes())


@event.listens_for(Session, "after_commit")
def _announce(session):
    if session.info.pop(_FLAG, None) and has_app_context():
        _bump()


@event.listens_for(Session, "after_rollback")
def _forget(session):
    if session.info.pop(_FLAG, None) and has_app_context():
        current_app.extensions.pop(_EXT, None)  # it may have been filled from the rolled-back rows


# --------------------------------------------------------------------------- the cache

def cached(name: str, build: Callable[[], T]) -> T:
    """``build()`` once per process and stamp (once per request without Redis, or in the
    request that changed reference data)."""
    if not has_app_context():
        return build()
    if g.get("_refdata_dirty"):
        return _per_request(name, build)
    version = g.get("_refdata_version", _MISSING)
    if version is _MISSING:
        version = g._refdata_version = _current_version()
    if version is None:
        return _per_request(name, build)
    store = current_app.extensions.get(_EXT)
    if store is None or store["version"] != version:
        store = current_app.extensions[_EXT] = {"version": version, "items": {},
                                                 "read_at": g.get("_refdata_read_at", float("-inf"))}
    items = store["items"]
    if name not in items:
        items[name] = build()
    return items[name]


def _current_version() -> int | None:
    """The stamp: this process's last reading when it is younger than REFDATA_RECHECK_SECONDS,
    else Redis' (None when Redis cannot be reached: nothing is kept then)."""
    import time
    now = time.monotonic()
    store = current_app.extensions.get(_EXT)
    recheck = current_app.config.get("REFDATA_RECHECK_SECONDS", 0)
    if store is not None and recheck and now - store["read_at"] < recheck:
        g._refdata_read_at = store["read_at"]
        return store["version"]
    version = _read_version()
    g._refdata_read_at = now
    if store is not None and version == store["version"]:
        store["read_at"] = now
    return version


def _per_request(name: str, build):
    local = g.setdefault("_refdata_local", {})
    if name not in local:
        local[name] = build()
    return local[name]


def forget_request() -> None:
    """Drop what this request read (the calendar service calls it after changing a day)."""
    if has_app_context():
        g.pop("_refdata_local", None)


# --------------------------------------------------------------------------- rows

def _values(obj) -> dict:
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}


def attach(cls, values: dict | None):
    """A cached row as an instance of the request's session, without a SELECT."""
    if values is None:
        return None
    found = db.session.identity_map.get(db.session.identity_key(cls, values["id"]))
    if found is not None:
        return found
    obj = cls(**values)
    make_transient_to_detached(obj)
    return db.session.merge(obj, load=False)


def _units() -> dict:
    from ..models import AdminUnit, Agency
    from .collation import sort_by_name, vi_key

    def build():
        communes = {u.code: _values(u) for u in db.session.scalars(
            db.select(AdminUnit).where(AdminUnit.level == "commune"))}
        agencies = [_values(a) for a in db.session.scalars(db.select(Agency))]
        committees = {}
        for a in agencies:  # the commune's People's Committee (the lowest id if several)
            if a["category"] == "people_committee" and a["admin_unit_id"] is not None:
                known = committees.get(a["admin_unit_id"])
                if known is None or a["id"] < known["id"]:
                    committees[a["admin_unit_id"]] = a
        province = sorted((a for a in agencies if a["level"] == "province"), key=lambda a: vi_key(a["name"]))
        return {
            "communes": communes,
            "commune_choices": tuple(sort_by_name([(code, v["name"]) for code, v in communes.items()])),
            "agencies": {a["code"]: a for a in agencies},
            "committees": committees,
            "province_choices": tuple((a["code"], a["name"]) for a in province),
        }
    return cached("units", build)


def commune_choices() -> list[tuple[str, str]]:
    """(code, name) of every commune and ward, in Vietnamese order (a new list each call)."""
    return list(_units()["commune_choices"])


def province_agency_choices() -> list[tuple[str, str]]:
    """(code, name) of the provincial agencies, in Vietnamese order."""
    return list(_units()["province_choices"])


def commune_codes() -> frozenset:
    return cached("commune_codes", lambda: frozenset(_units()["communes"]))


def commune_by_code(code: str | None):
    from ..models import AdminUnit
    return attach(AdminUnit, _units()["communes"].get(code or ""))


def agency_by_code(code: str | None):
    from ..models import Agency
    return attach(Agency, _units()["agencies"].get(code or ""))


def committee_of(commune):
    """The People's Committee of a commune (the default agency of a letter about it)."""
    from ..models import Agency
    if commune is None:
        return None
    return attach(Agency, _units()["committees"].get(commune.id))


# --------------------------------------------------------------------------- option lists

def _option_lists() -> dict:
    """The communes' and the provincial agencies' ``<option>`` elements, rendered once per
    process and version: the names are the same in every language (only the blank first
    option is translated, and it is rendered with each page)."""
    from types import SimpleNamespace

    from wtforms.widgets import Select

    def build():
        out = {}
        for name, choices in (("communes", _units()["commune_choices"]),
                              ("province_agencies", _units()["province_choices"])):
            html = "".join(Select.render_option(SimpleNamespace(value=code, label=label, selected=False,
                                                                render_kw=None))
                           for code, label in choices)
            out[name] = (list(choices), html)
        return out
    return cached("option_lists", build)


def options_html(name: str, choices: list, selected) -> str | None:
    """The pre-rendered options of list ``name`` with ``selected`` marked, or None when
    ``choices`` are not that list (a form that changed its choices renders them itself)."""
    cached_choices, html = _option_lists()[name]
    if choices != cached_choices:
        return None
    if selected:
        from markupsafe import escape
        tag = f'<option value="{escape(selected)}">'
        html = html.replace(tag, f'<option selected value="{escape(selected)}">', 1)
    return html
