"""A large, realistic data set, fast: ``flask seed scale --cases N``.

Cases of every kind over ten years and every agency and commune, with their filer,
their events and their time limits, consistent with the workflow: old cases went
through letter handling and resolution (mostly on time, some late), recent ones are
still running with due dates computed by the real calendar and rules. Rows go in by
bulk insert (SQLite: executemany, PostgreSQL: COPY), 20,000 cases per transaction.
Generated cases share one access-key hash: nobody tracks them.
"""
from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from ..extensions import db
from ..models import AdminUnit, Agency, Case, CaseEvent, Deadline, Party, User, UserRole
from ..workflow.deadlines import BASELINE, DEFAULT_RULES, FILER_STEPS, Step, compute_due, rule_in_force, select_rule
from ..workflow.states import Event, Kind, Role, Status
from ..workflow.transitions import ALL, FIRST_TIME_EXPIRED, Transition, rows_for
from . import codes
from ..models.types import EncryptedText
from .calendar import get_calendar, get_rules
from .crypto import encrypt, id_digest
from .search import fold
from .units import load_units
from .workflow import CLOSING_STATUSES

KINDS = [("complaint", 35), ("denunciation", 12), ("petition", 45), ("voter_petition", 8)]
CLOSED_OUTCOMES = {
    "complaint": [("closed", 70), ("refused", 10), ("guided", 10), ("terminated", 5), ("archived", 5)],
    "denunciation": [("closed", 60), ("refused", 10), ("forwarded", 15), ("archived", 15)],
    "petition": [("closed", 75), ("forwarded", 15), ("archived", 10)],
    "voter_petition": [("closed", 90), ("carried_over", 10)],
}
RUNNING = {
    "complaint": [("received", 30), ("accepted", 25), ("under_verification", 35), ("in_dialogue", 10)],
    "denunciation": [("received", 30), ("accepted", 20), ("under_verification", 50)],
    "petition": [("received", 55), ("accepted", 45)],
    "voter_petition": [("received", 25), ("consolidated", 30), ("assigned", 45)],
}
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Hải", "Võ Thị Lan"]
TITLES = {
    "complaint": "Khiếu nại quyết định bồi thường, hỗ trợ khi thu hồi đất",
    "denunciation": "Tố cáo cán bộ vi phạm trong quản lý đất đai",
    "petition": "Kiến nghị sửa chữa đường giao thông nông thôn",
    "voter_petition": "Kiến nghị cử tri về nước sạch sinh hoạt",
}


#: the handling of a letter (days after receipt), the resolving act, the rest (days after the previous act)
HANDLING_EVENTS = {Event.ACCEPT, Event.REFUSE, Event.FORWARD, Event.GUIDE, Event.ARCHIVE, Event.ATTACH,
                   Event.SPLIT, Event.REFER, Event.CONSOLIDATE}
RESOLVING_EVENTS = {Event.DECIDE, Event.CONCLUDE, Event.ANSWER}


@lru_cache(maxsize=None)
def paths(kind: str) -> dict[str, tuple[Transition, ...]]:
    """For each status a first-time case of ``kind`` can reach, the shortest chain of status-changing rows
    of the transition table from ``received`` (resume returns to the earlier status: never needed; an
    escalation before the decision needs an expired limit: the generator escalates after notification)."""
    rows = [t for t in rows_for(Kind(kind), False)
            if t.target is not None and FIRST_TIME_EXPIRED not in t.guards]
    found: dict[str, tuple[Transition, ...]] = {Status.RECEIVED.value: ()}
    frontier = [Status.RECEIVED.value]
    while frontier:
        following = []
        for status in frontier:
            for t in rows:
                if status in t.sources and t.target.value not in found:
                    found[t.target.value] = found[status] + (t,)
                    following.append(t.target.value)
        frontier = following
    return found


#: letters received from this day on have every limit of the table (the newest rule's date)
NEWEST_RULES = max(r.effective_from for r in DEFAULT_RULES)


@lru_cache(maxsize=None)
def chain(kind: str, status: str, recent: bool = False) -> tuple[Transition, ...]:
    """The rows a case goes through to ``status``: its path, and after each step the acts that keep the
    status but discharge a notice the step started (a denunciation's acceptance, suspension or
    termination notice), as an officer would record them."""
    keep = [t for t in rows_for(Kind(kind), False)
            if t.target is None and not t.resumes and t.stops and t.stops != ALL
            and all(g.name == "notice_owed" for g in t.guards)]  # (owed: the notice it stops runs)
    running = set(_initial_steps(kind, "web"))
    out: list[Transition] = []
    for t in paths(kind)[status]:
        for row in (t, *(h for h in keep if t.target in h.sources)):
            if row is not t and not running & set(row.stops):
                continue
            running -= set(running) if row.stops == ALL else set(row.stops)
            running |= {st.step for st in row.starts
                        if rule_in_force(st.step, NEWEST_RULES if recent else BASELINE)}
            out.append(row)
    return tuple(out)


@lru_cache(maxsize=None)
def _weights(kind: str, old: bool) -> tuple[tuple[str, int], ...]:
    """Every reachable status gets a share: old cases are mostly closed (some stuck in a later stage),
    recent ones mostly running (some already refused, forwarded...)."""
    named = dict(CLOSED_OUTCOMES[kind] if old else RUNNING[kind])
    total = sum(named.values())
    out = []
    for status in paths(kind):
        if status in named:
            out.append((status, named[status]))
        elif status == Status.RECEIVED.value and old:
            continue  # an old letter is always handled
        elif Status(status) in CLOSING_STATUSES:  # each other outcome: a few percent
            out.append((status, total * (3 if old else 4) / 100))
        else:  # each other intermediate stage: old ones stuck there, a share of the recent ones
            out.append((status, total * (2 if old else 10) / 100))
    return tuple(out)


def _initial_steps(kind: str, channel: str) -> tuple[str, ...]:
    """The steps workflow.engine.initial_deadlines starts when a letter is registered."""
    steps = []
    if kind != Kind.VOTER_PETITION:
        steps.append(Step.LETTER_HANDLING)
    if channel == "desk":
        steps.append(Step.RECEPTION_REPLY)
    if kind == Kind.COMPLAINT:
        steps.append(Step.COMPLAINT_ACCEPTANCE)
    if kind == Kind.DENUNCIATION:
        steps.append(Step.DENUNCIATION_PROCESSING)
    return tuple(steps)


def _gap(rng: random.Random, event: str) -> int:
    if event in HANDLING_EVENTS:  # most letters handled on time, one in twelve late
        return rng.randint(1, 12) if rng.random() < 0.92 else rng.randint(15, 40)
    if event in RESOLVING_EVENTS:  # mostly within the limit, one in ten late
        return rng.randint(10, 50) if rng.random() < 0.9 else rng.randint(60, 120)
    if event == Event.TAKE_EFFECT:  # 30 days after the decision (45 in a remote area) at the earliest
        return rng.randint(46, 75)
    return rng.randint(2, 20)


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


@lru_cache(maxsize=None)
def _rule_of(step: str, received: date):
    """The rule in force on the receipt date (all ``received`` decides): one computation per step and start
    date per rule, not per letter."""
    return select_rule(step, received, get_rules())  # a frozen dataclass: compared by value


_DUE: dict[tuple, tuple[date, int, str, str]] = {}


def _due(step: str, start: date, received: date) -> tuple[date, int, str, str]:
    key = (step, start, _rule_of(step, received))
    found = _DUE.get(key)
    if found is None:
        d = compute_due(step, start, calendar=get_calendar(), rules=get_rules(), received_on=received)
        found = _DUE[key] = (d.due, d.limit_days, d.unit, d.rule.source)
    return found


def _ensure_officers() -> None:
    """One reception officer and one head per agency, so alerts have recipients."""
    if db.session.scalar(db.select(db.func.count()).select_from(User)) > 50:
        return
    import os
    import secrets
    # a benchmark or load test signs its officers in with the password it chose for the run
    # (SCALE_OFFICER_PASSWORD); otherwise they have none that can sign in
    chosen = os.environ.get("SCALE_OFFICER_PASSWORD")
    if chosen:
        from .accounts import hash_password
        chosen = hash_password(chosen)
    # an agency that has its own (demo) head keeps a single one: documents pre-fill the
    # signer only when the head is known; the placeholders' names say what they are
    have = set(db.session.execute(db.select(User.agency_id, UserRole.role).join(UserRole)).all())
    titles = {Role.RECEPTION: "Cán bộ tiếp công dân", Role.HEAD: "Thủ trưởng"}
    for agency in db.session.scalars(db.select(Agency)):
        for role in (Role.RECEPTION, Role.HEAD):
            if (agency.id, role.value) in have:
                continue
            # no password that can sign in (not an Argon2 hash: every check fails), to be
            # set by an administrator's reset, which also makes the officer choose their own
            user = User(username=f"{role.value}.{agency.code.lower()}", full_name=f"{titles[role]}, {agency.name}",
                        email=f"{role.value}.{agency.code.lower()}@example.invalid",
                        password_hash=chosen or "!no-sign-in:" + secrets.token_hex(16),
                        must_change_password=not chosen,
                        agency_id=agency.id)
            user.role_rows = [UserRole(role=role.value)]
            db.session.add(user)
    db.session.flush()


def seed_scale(n: int, *, seed: int = 7, years: int = 10, chunk: int = 20_000, today: date, progress=None,
               benchmark: bool = False) -> dict:
    from flask import current_app
    if current_app.config.get("ENV") == "production" and not benchmark:
        raise RuntimeError("scale data is never created in production (only in a benchmark database)")
    rng = random.Random(seed)
    _DUE.clear()  # the calendar and the rules are this application's
    _rule_of.cache_clear()
    load_units()
    _ensure_officers()
    db.session.commit()
    agencies = db.session.execute(db.select(Agency.id, Agency.admin_unit_id, Agency.level)).all()
    communes = {u.id for u in db.session.scalars(db.select(AdminUnit).where(AdminUnit.level == "commune"))}
    commune_agencies = [(a.id, a.admin_unit_id) for a in agencies if a.admin_unit_id in communes]
    province_agencies = [a.id for a in agencies if a.level == "province"]
    commune_ids = sorted(communes)
    key_hash = codes.hash_key("GENERATED")
    next_case = (db.session.scalar(db.select(db.func.max(Case.id))) or 0) + 1
    first_case = next_case
    next_deadline = (db.session.scalar(db.select(db.func.max(Deadline.id))) or 0) + 1
    next_event = (db.session.scalar(db.select(db.func.max(CaseEvent.id))) or 0) + 1
    started = time.perf_counter()
    totals = {"cases": 0, "parties": 0, "deadlines": 0, "events": 0}
    span = years * 365
    while totals["cases"] < n:
        size = min(chunk, n - totals["cases"])
        cases, parties, deadlines, events = [], [], [], []
        for _ in range(size):
            cid = next_case
            next_case += 1
            kind = _pick(rng, KINDS)
            # more letters recently (a growing system), some every day of ten years
            received = today - timedelta(days=min(int(rng.expovariate(1 / 900)), span))
            if rng.random() < 0.75:
                agency_id, commune_id = rng.choice(commune_agencies)
            else:
                agency_id, commune_id = rng.choice(province_agencies), rng.choice(commune_ids)
            age = (today - received).days
            closed = age > 150 or (age > 40 and rng.random() < 0.6)
            channel = "voter_meeting" if kind == "voter_petition" else rng.choice(("web", "desk", "post"))
            status = _pick(rng, _weights(kind, closed))
            at = datetime(received.year, received.month, received.day, 2, tzinfo=timezone.utc)
            events.append({"id": next_event, "case_id": cid, "recorded_at": at, "acted_on": received,
                           "actor_id": None, "event": "receive", "from_status": None, "to_status": "received",
                           "note": None, "is_public": True, "data": None})
            next_event += 1
            # the letter's time limits from registration, then the path the workflow takes to
            # ``status``: each row starts, stops, pauses and checks deadlines as apply_transition does
            running: dict[str, dict] = {}
            case_rows: list[dict] = []
            for step in _initial_steps(kind, channel):
                due, limit, unit, source = _due(step, received, received)
                row = {"id": 0, "case_id": cid, "step": step, "started_on": received, "due_on": due,
                       "limit_days": limit, "unit": unit, "source": source, "completed_on": None,
                       "paused_on": None, "extensions": 0, "explanation": None}
                running[step] = row
                case_rows.append(row)
            last, previous, handling_agency = received, "received", agency_id
            extra = {"decided_on": None, "dialogue_held": False, "status_before_suspension": None,
                     "suspended_since": None, "outcome": None}
            for t in chain(kind, status, received >= NEWEST_RULES):
                day = min(last + timedelta(days=_gap(rng, t.event.value)), today)
                stops = set(running) if t.stops == ALL else {x for x in t.stops if x in running}
                stops -= {st.step for st in t.starts}
                for step in stops:
                    running.pop(step)["completed_on"] = day
                for step in t.pauses:
                    if step in running:
                        running[step]["paused_on"] = day
                for step in t.checks:
                    due, limit, unit, source = _due(step, received, received)
                    case_rows.append({"id": 0, "case_id": cid, "step": step, "started_on": received,
                                      "due_on": due, "limit_days": limit, "unit": unit, "source": source,
                                      "completed_on": day, "paused_on": None, "extensions": 0,
                                      "explanation": None})
                for st in t.starts:
                    if st.step in running or not rule_in_force(st.step, received):
                        continue  # (a limit a later text added does not run for older letters)
                    begin = received if st.since == "received" else day
                    due, limit, unit, source = _due(st.step, begin, received)
                    row = {"id": 0, "case_id": cid, "step": st.step, "started_on": begin, "due_on": due,
                           "limit_days": limit, "unit": unit, "source": source, "completed_on": None,
                           "paused_on": None, "extensions": 0, "explanation": None}
                    running[st.step] = row
                    case_rows.append(row)
                if t.effect and t.effect[0] == "assign_to":  # the answering agency takes the case
                    handling_agency = rng.choice(province_agencies)
                for name, value in t.sets:
                    if name == "decided_on":
                        extra["decided_on"] = day
                    elif name == "dialogue_held":
                        extra["dialogue_held"] = True
                    elif name == "status_before_suspension":
                        extra["status_before_suspension"] = previous
                    elif name == "suspended_since":
                        extra["suspended_since"] = day
                for spec in t.fields:
                    if spec.type == "choice" and spec.name in ("outcome", "reason"):
                        # a withdrawal-based termination needs a recorded withdrawal: not generated
                        extra["outcome"] = rng.choice([c for c, _ in spec.choices if c != "withdrawn"])
                events.append({"id": next_event, "case_id": cid, "recorded_at": at, "acted_on": day,
                               "actor_id": None, "event": t.event.value, "from_status": previous,
                               "to_status": t.target.value if t.target else previous, "note": None,
                               "is_public": t.public, "data": None})
                next_event += 1
                previous, last = t.target.value if t.target else previous, day
            for row in case_rows:
                row["id"] = next_deadline
                next_deadline += 1
                deadlines.append(row)
            closed = status in CLOSING_STATUSES
            cases.append({
                "id": cid, "tracking_code": "".join(rng.choice(codes.ALPHABET) for _ in range(codes.CODE_LENGTH)),
                "access_key_hash": key_hash, "kind": kind,
                "channel": channel,
                "title": TITLES[kind], "content": TITLES[kind] + ". Nội dung chi tiết của đơn.", "respondent": None,
                "received_at": at, "received_on": received, "receiving_agency_id": agency_id, "agency_id": handling_agency,
                "commune_id": commune_id, "status": status, "handler_id": None,
                "is_mass": kind == "complaint" and rng.random() < 0.03, "is_anonymous": False,
                "confidential": kind == "denunciation",
                # an attached letter repeats an earlier case (the attach_to effect)
                "parent_id": rng.randint(first_case, cid - 1) if status == "attached" and cid > first_case else None,
                "link_type": "repeat_of" if status == "attached" and cid > first_case else None,
                "closed_on": last if closed else None, "version": 1, "second_time": False, "is_complex": False,
                "is_very_complex": False, "several_places": False, "extensions_used": 0,
                "status_before_suspension": extra["status_before_suspension"],
                "suspended_since": extra["suspended_since"], "suspensions": None,
                "dialogue_held": extra["dialogue_held"], "withdrawal_received": False,
                "decided_on": extra["decided_on"], "last_event_on": last,
                # as services/workflow._keep_next_due keeps it: the nearest running limit
                "next_due_on": min((r["due_on"] for r in case_rows if r["completed_on"] is None
                                    and r["paused_on"] is None and r["step"] not in FILER_STEPS), default=None),
                "voter_meeting_id": None,
                "voters_satisfied": None, "outcome": extra["outcome"],
            })
            # identity columns are encrypted on the way in (EncryptedText; _bulk for COPY), the
            # ID number is matched on its blind index, never copied into search_text
            id_number = "040" + "".join(rng.choice("0123456789") for _ in range(9))
            party = {"case_id": cid, "role": "petitioner", "position": 0, "full_name": rng.choice(NAMES),
                     "id_number": id_number, "id_number_digest": id_digest(id_number),
                     "phone": None, "email": None, "address": "Nghệ An"}
            parties.append(party)
            row = cases[-1]
            row["search_text"] = fold(" ".join([row["tracking_code"], row["title"], row["content"]] + (
                [] if row["confidential"] else [party["full_name"]])))
        _bulk(Case.__table__, cases)
        _bulk(Party.__table__, parties)
        _bulk(Deadline.__table__, deadlines)
        _bulk(CaseEvent.__table__, events)
        db.session.commit()
        totals["cases"] += len(cases)
        totals["parties"] += len(parties)
        totals["deadlines"] += len(deadlines)
        totals["events"] += len(events)
        if progress:
            progress(len(cases))
    # COPY bypasses the session listeners: the summary rows are recomputed once, set-based
    from .summaries import rebuild
    summary_started = time.perf_counter()
    totals["summary_rows"] = rebuild(db.session.connection())
    db.session.commit()
    totals["summary_seconds"] = round(time.perf_counter() - summary_started, 1)
    if db.engine.dialect.name == "postgresql":
        for table in ("cases", "parties", "deadlines", "case_events"):
            db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT max(id) FROM {table}))"))
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    # COPY bypasses the session listeners too: every officer's kept queue page is dropped
    from .pagecache import changed_everywhere
    changed_everywhere()
    totals["seconds"] = time.perf_counter() - started
    return totals


def _bulk(table, rows: list[dict]) -> None:
    if not rows:
        return
    if db.engine.dialect.name == "postgresql":
        import json
        columns = [c.name for c in table.columns if c.name in rows[0]]
        # COPY bypasses the column types: personal data is encrypted here (EncryptedText)
        sealed = {c.name for c in table.columns if isinstance(c.type, EncryptedText)}
        if sealed:
            rows = [{k: (encrypt(v) if k in sealed else v) for k, v in row.items()} for row in rows]
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cur:
            with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([json.dumps(row[c]) if isinstance(row[c], (dict, list)) else
                                    (row[c].astimezone(timezone.utc).replace(tzinfo=None)
                                     if isinstance(row[c], datetime) else row[c]) for c in columns])
    else:
        db.session.execute(table.insert(), rows)
