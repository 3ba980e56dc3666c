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
from ..workflow.deadlines import compute_due
from ..workflow.states import Role
from . import codes
from ..models.types import EncryptedText
from .calendar import get_calendar, get_rules
from .crypto import encrypt, id_digest
from .search import fold
from .units import load_units

KINDS = [("complaint", 35), ("denunciation", 12), ("petition", 48), ("voter_petition", 5)]
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
    "voter_petition": [("consolidated", 30), ("assigned", 70)],
}
RESOLUTION = {"complaint": "complaint-resolution", "denunciation": "denunciation-resolution",
              "petition": "petition-answer", "voter_petition": "voter-petition-answer"}
FIRST = {"complaint": "letter-handling", "denunciation": "denunciation-processing",
         "petition": "letter-handling", "voter_petition": None}
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Hải", "Võ Thị Lan"]
TITLES = {
    "complaint": "Khiếu nại quyết định bồi thường, hỗ trợ khi thu hồi đất",
    "denunciation": "Tố cáo cán bộ vi phạm trong quản lý đất đai",
    "petition": "Kiến nghị sửa chữa đường giao thông nông thôn",
    "voter_petition": "Kiến nghị cử tri về nước sạch sinh hoạt",
}


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


@lru_cache(maxsize=None)
def _due(step: str, start: date, received: date) -> tuple[date, int, str, str]:
    d = compute_due(step, start, calendar=get_calendar(), rules=get_rules(), received_on=received)
    return d.due, d.limit_days, d.unit, d.rule.source


def _ensure_officers() -> None:
    """One reception officer and one head per agency, so alerts have recipients."""
    if db.session.scalar(db.select(db.func.count()).select_from(User)) > 50:
        return
    from .accounts import hash_password
    shared = hash_password("scale-data-only")
    for agency in db.session.scalars(db.select(Agency)):
        for role in (Role.RECEPTION, Role.HEAD):
            user = User(username=f"{role.value}.{agency.code.lower()}", full_name=f"{role.value} {agency.code}",
                        email=f"{role.value}.{agency.code.lower()}@example.invalid", password_hash=shared,
                        agency_id=agency.id)
            user.role_rows = [UserRole(role=role.value)]
            db.session.add(user)
    db.session.flush()


def seed_scale(n: int, *, seed: int = 7, years: int = 10, chunk: int = 20_000, today: date, progress=None) -> dict:
    rng = random.Random(seed)
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
            status = _pick(rng, CLOSED_OUTCOMES[kind]) if closed else _pick(rng, RUNNING[kind])
            at = datetime(received.year, received.month, received.day, 2, tzinfo=timezone.utc)
            last = received
            first = FIRST[kind]
            rows = []
            handled = None
            if first:
                due, limit, unit, source = _due(first, received, received)
                if status not in ("received",):
                    # most letters handled on time, one in twelve late
                    handled = received + timedelta(days=rng.randint(1, 12) if rng.random() < 0.92
                                                   else rng.randint(15, 40))
                    handled = min(handled, today)
                    last = handled
                rows.append((first, received, due, limit, unit, source, handled))
            if status in ("accepted", "under_verification", "in_dialogue", "closed", "assigned", "terminated") \
                    and kind != "voter_petition" or (kind == "voter_petition" and status in ("assigned", "closed")):
                start = last
                step = RESOLUTION[kind]
                due, limit, unit, source = _due(step, start, received)
                done = None
                if closed:
                    done = min(start + timedelta(days=rng.randint(5, limit + 10) if rng.random() < 0.9
                                                 else rng.randint(limit + 5, limit + 90)), today)
                    last = done
                rows.append((step, start, due, limit, unit, source, done))
            for step, start, due, limit, unit, source, done in rows:
                deadlines.append({"id": next_deadline, "case_id": cid, "step": step, "started_on": start,
                                  "due_on": due, "limit_days": limit, "unit": unit, "source": source,
                                  "completed_on": done, "paused_on": None, "extensions": 0, "explanation": None})
                next_deadline += 1
            events.append({"id": next_event, "case_id": cid, "recorded_at": at, "acted_on": received,
                           "actor_id": None, "event": "receive", "from_status": None, "to_status": "received",
                           "note": None, "is_public": True, "data": None})
            next_event += 1
            handled_on = handled or last
            trail = []  # (event, date, status after): the steps the workflow would have logged
            if status != "received":
                first_event = {"refused": "refuse", "guided": "guide", "forwarded": "forward",
                               "archived": "archive"}.get(status, "consolidate" if kind == "voter_petition"
                                                          else "accept")
                trail.append((first_event, handled_on, status if first_event != "accept" else "accepted"))
            if closed and status == "closed":
                resolving = {"complaint": "decide", "denunciation": "conclude"}.get(kind, "answer")
                trail += [(resolving, last, "decided" if resolving == "decide" else
                           "concluded" if resolving == "conclude" else "answered"), ("close", last, "closed")]
            elif closed and status in ("terminated", "carried_over"):
                trail.append(("terminate" if status == "terminated" else "carry_over", last, status))
            previous = "received"
            for name, day, after in trail:
                events.append({"id": next_event, "case_id": cid, "recorded_at": at, "acted_on": day,
                               "actor_id": None, "event": name, "from_status": previous, "to_status": after,
                               "note": None, "is_public": True, "data": None})
                previous = after
                next_event += 1
            cases.append({
                "id": cid, "tracking_code": "".join(rng.choice(codes.ALPHABET) for _ in range(codes.CODE_LENGTH)),
                "access_key_hash": key_hash, "kind": kind,
                "channel": "voter_meeting" if kind == "voter_petition" else rng.choice(("web", "desk", "post")),
                "title": TITLES[kind], "content": TITLES[kind] + ". Nội dung chi tiết của đơn.", "respondent": None,
                "received_at": at, "received_on": received, "receiving_agency_id": agency_id, "agency_id": agency_id,
                "commune_id": commune_id, "status": status, "handler_id": None,
                "is_mass": kind == "complaint" and rng.random() < 0.03, "is_anonymous": False,
                "confidential": kind == "denunciation", "parent_id": None, "link_type": None,
                "closed_on": last if closed else None, "version": 1, "second_time": False, "is_complex": False,
                "is_very_complex": False, "several_places": False, "extensions_used": 0,
                "status_before_suspension": None, "suspended_since": None, "suspensions": None,
                "dialogue_held": status == "in_dialogue", "withdrawal_received": False,
                "decided_on": None, "last_event_on": last, "voter_meeting_id": None, "voters_satisfied": None,
                "outcome": rng.choice(("correct", "partly_correct", "wrong")) if closed and status == "closed"
                and kind in ("complaint", "denunciation") else None,
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
    if db.engine.dialect.name == "postgresql":
        for table in ("cases", "parties", "deadlines", "case_events"):
            db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT max(id) FROM {table}))"))
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
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
