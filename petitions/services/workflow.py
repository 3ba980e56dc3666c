"""The transition service: the only writer of a case's status.

It reads the case into a snapshot, asks the pure engine, applies the decision
(status, flags, deadlines, effects such as forwarding), writes the event row, and
relies on the case's version column so that two officers acting at once cannot
both win. It flushes; the caller commits.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import Agency, Attachment, AuditLog, Case, CaseEvent, Deadline, Party, User
from ..workflow.engine import (
    Actor, CaseSnapshot, Decision, FieldError, TransitionError, available_events, decide, initial_deadlines,
)
from ..workflow.states import Channel, Kind, Role, Status
from ..workflow.transitions import Transition
from . import codes, uploads
from . import summaries  # noqa: F401  (its session listeners keep report_days current)
from .calendar import get_calendar, get_rules

CONFLICT = "Someone else changed this case while you were working on it. Nothing was saved: " \
           "reload the case, check what changed and try again."
AGENCY_INVALID = "The field {label!r} must be another agency of the province."
CASE_INVALID = "The field {label!r} must be the tracking code of another open case of this agency."
HANDLER_INVALID = "The field {label!r} must be a handler of this agency."
SPLIT_INVALID = "List two or more different kinds found in the letter: complaint, denunciation, petition."
WITHDRAWAL_DATE = "The date of the withdrawal cannot be in the future nor before the letter was received."
NO_SIGNER = "Choose the signers who withdrew."
NO_REPRESENTATIVE = "Choose the representatives among the signers of the letter."
NOT_A_SIGNER = "{name!r} is not among the signers who have not withdrawn: choose the representatives among them."
TOO_MANY_REPRESENTATIVES = "A joint letter of {n} signers appoints at most {max} representatives."
#: for translation (see petitions/workflow_strings.py)
MESSAGES = (CONFLICT, AGENCY_INVALID, CASE_INVALID, HANDLER_INVALID, SPLIT_INVALID, WITHDRAWAL_DATE, NO_SIGNER,
            NO_REPRESENTATIVE, NOT_A_SIGNER, TOO_MANY_REPRESENTATIVES)


#: statuses that end the case at this agency (the letter is done here)
CLOSING_STATUSES = frozenset({
    Status.CLOSED, Status.REFUSED, Status.FORWARDED, Status.GUIDED, Status.ARCHIVED, Status.ATTACHED,
    Status.SPLIT, Status.REFERRED, Status.TERMINATED, Status.IN_COURT, Status.ESCALATED,
})


class ConflictError(TransitionError):
    """Another officer changed the case first (optimistic locking)."""


def snapshot(case: Case) -> CaseSnapshot:
    running = {d.step: (d.started_on, d.due_on) for d in case.deadlines if d.completed_on is None}
    return CaseSnapshot(
        kind=Kind(case.kind), status=Status(case.status), received_on=case.received_on,
        second_time=case.second_time, complex=case.is_complex, very_complex=case.is_very_complex,
        remote=bool(case.commune and case.commune.is_remote), several_places=case.several_places,
        mass=case.is_mass, anonymous=case.is_anonymous, extensions_used=case.extensions_used,
        extension_lengths=tuple(case.extension_lengths or ()), several_places_days=case.several_places_days,
        complexity_basis=tuple(sorted((case.complexity_basis or {}).items())),
        decision_received_on=case.decision_received_on,
        status_before_suspension=Status(case.status_before_suspension) if case.status_before_suspension else None,
        suspended_since=case.suspended_since,
        suspensions=tuple((date.fromisoformat(a), date.fromisoformat(b)) for a, b in (case.suspensions or [])),
        dialogue_held=case.dialogue_held, withdrawal_received=case.withdrawal_received,
        decided_on=case.decided_on, last_event_on=case.last_event_on or case.received_on,
        deadlines=MappingProxyType(running),
    )


def actor_for(user: User, case: Case) -> Actor:
    return Actor(roles=user.roles, same_agency=user.agency_id == case.agency_id,
                 is_assigned_handler=case.handler_id is not None and case.handler_id == user.id)


def available_actions(case: Case, user: User) -> list[Transition]:
    """The actions to offer this officer on this case (the same table enforces them)."""
    seen, rows = set(), []
    for row in available_events(snapshot(case), actor_for(user, case)):
        if row.event not in seen:
            seen.add(row.event)
            rows.append(row)
    return rows


# what the law expects of a letter at the agency that received it is to handle it there
# (accept it, or forward a letter that belongs elsewhere) and then resolve it: the ways
# out that the law keeps for exceptions come after, and are never the highlighted one
EXCEPTIONAL = ("guide", "refer", "attach", "split", "archive", "withdraw", "suspend", "terminate",
               "take_to_court", "escalate", "carry_over")


def ordered_actions(rows: list[Transition], guide_first: bool = False) -> tuple[list[Transition], str | None]:
    """``rows`` in the order the law expects them, and the event to highlight (None when
    every action left to this officer is an exception: the expected one is someone
    else's, e.g. a complaint's acceptance is the head's). ``guide_first``: the letter
    belongs to another body (a first-time complaint lodged a level too high)."""
    def rank(row):
        event = row.event.value
        if guide_first and event == "guide":
            return (-1, 0)
        return (1, EXCEPTIONAL.index(event)) if event in EXCEPTIONAL else (0, 0)
    ordered = sorted(rows, key=rank)  # stable: the table's own order within each group
    primary = next((r.event.value for r in ordered if rank(r)[0] < 1), None)
    return ordered, primary


def find_action(case: Case, event: str) -> Transition | None:
    from ..workflow.engine import find_transition
    try:
        return find_transition(snapshot(case), event)
    except TransitionError:
        return None


# -- field values that name things in the database --------------------------------

def _resolve(case: Case, row: Transition, fields: dict[str, Any]) -> dict[str, Any]:
    """Agency codes, tracking codes and user names as ids the effects can use."""
    out = dict(fields)
    for spec in row.fields:
        value = out.get(spec.name)
        if value in (None, ""):
            continue
        if spec.type == "agency":
            agency = db.session.scalar(db.select(Agency).where(Agency.code == str(value)))
            if agency is None or agency.id == case.agency_id:
                raise FieldError(AGENCY_INVALID.format(label=spec.label), spec.name)
            out[spec.name] = agency.code
        elif spec.type == "case":
            other = db.session.scalar(db.select(Case).where(Case.tracking_code == codes.normalize(str(value))))
            if other is None or other.id == case.id or other.closed_on is not None \
                    or other.agency_id != case.agency_id:
                raise FieldError(CASE_INVALID.format(label=spec.label), spec.name)
            out[spec.name] = other.tracking_code
        elif spec.type == "user":
            user = db.session.scalar(db.select(User).where(User.username == str(value).strip().lower(),
                                                           User.agency_id == case.agency_id))
            if user is None or not user.active or not user.has_role(Role.HANDLER, Role.HEAD):
                raise FieldError(HANDLER_INVALID.format(label=spec.label), spec.name)
            out[spec.name] = user.username
        elif spec.name == "representatives" and case.is_mass:
            out[spec.name] = ",".join(str(p.id) for p in _chosen_representatives(case, value))
        elif spec.name == "kinds" and row.effect and row.effect[0] == "split_into":
            allowed = [k.value for k in Kind if k != Kind.VOTER_PETITION]
            kinds = [k.strip().lower() for k in str(value).replace(";", ",").split(",") if k.strip()]
            if len(set(kinds)) < 2 or any(k not in allowed for k in kinds) or len(kinds) != len(set(kinds)):
                raise FieldError(SPLIT_INVALID, "kinds")
            out[spec.name] = ",".join(kinds)
    return out


def _chosen_representatives(case: Case, value) -> list[Party]:
    """The representatives chosen at acceptance: party ids (the case page's check boxes) or
    the signers' names (the API: a list, or a text with commas or semicolons), each among the
    signers who have not withdrawn, no more than the law allows for their number."""
    from .intake import representatives_allowed
    from .search import fold
    signers = [p for p in case.parties if p.withdrawn_on is None]
    tokens = value if isinstance(value, (list, tuple)) else str(value).replace(";", ",").split(",")
    tokens = [str(t).strip() for t in tokens if str(t).strip()]
    if not tokens:
        raise FieldError(NO_REPRESENTATIVE, "representatives")
    by_id = {str(p.id): p for p in signers}
    by_name = {fold(p.full_name or "").strip(): p for p in signers if p.full_name}
    chosen: list[Party] = []
    for token in tokens:
        party = by_id.get(token) or by_name.get(fold(token).strip())
        if party is None:
            raise FieldError(NOT_A_SIGNER.format(name=token), "representatives")
        if party not in chosen:
            chosen.append(party)
    allowed = representatives_allowed(len(signers))
    if len(chosen) > allowed:
        raise FieldError(TOO_MANY_REPRESENTATIVES.format(n=len(signers), max=allowed), "representatives")
    return chosen


def _appoint_representatives(case: Case, ids: str) -> None:
    """The representatives recorded at acceptance replace those ticked at filing."""
    chosen = {int(i) for i in ids.split(",") if i}
    for party in case.parties:
        party.representative = party.id in chosen
        if party.role != "petitioner":
            party.role = "representative" if party.representative else "co_signer"


# -- applying a decision ----------------------------------------------------------

def _deadline_row(step: str, due) -> Deadline:
    return Deadline(step=step, started_on=due.start, due_on=due.due, limit_days=due.limit_days, unit=due.unit,
                    source=due.rule.source[:300], extensions=due.extensions, explanation=due.to_data())


def _json(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


_CHANGE_COLUMNS = {
    "complex": "is_complex", "very_complex": "is_very_complex", "several_places": "several_places",
    "extensions_used": "extensions_used", "suspended_since": "suspended_since", "dialogue_held": "dialogue_held",
    "withdrawal_received": "withdrawal_received", "decided_on": "decided_on", "last_event_on": "last_event_on",
    "second_time": "second_time", "several_places_days": "several_places_days",
    "decision_received_on": "decision_received_on",
}


def _apply_changes(case: Case, decision: Decision) -> None:
    for name, value in decision.changes.items():
        if name == "status_before_suspension":
            case.status_before_suspension = value.value if value is not None else None
        elif name == "suspensions":
            case.suspensions = [[a.isoformat(), b.isoformat()] for a, b in value]
        elif name == "extension_lengths":
            case.extension_lengths = list(value)  # None: an extension recorded without a length (30 days)
        elif name == "complexity_basis":
            case.complexity_basis = dict(value)
        elif name in _CHANGE_COLUMNS:
            setattr(case, _CHANGE_COLUMNS[name], value)
    for name in ("outcome", "verdict", "reason"):
        spec = next((f for f in decision.transition.fields if f.name == name and f.type == "choice"), None)
        if spec and decision.fields.get(name):
            case.outcome = decision.fields[name]


def _apply_deadlines(case: Case, decision: Decision) -> dict:
    running = {d.step: d for d in case.deadlines if d.completed_on is None}
    log: dict[str, list] = {}
    for step in decision.stop_deadlines:
        if step in running:
            running[step].completed_on = decision.act_date
            log.setdefault("stopped", []).append(step)
    for step in decision.paused_deadlines:
        running[step].paused_on = decision.act_date
        log.setdefault("paused", []).append(step)
    for step, due in decision.recomputed_deadlines:
        row = running[step]
        log.setdefault("recomputed", []).append({"step": step, "from": row.due_on.isoformat(), "to": due.due.isoformat()})
        row.due_on, row.limit_days, row.extensions, row.paused_on = due.due, due.limit_days, due.extensions, None
        row.started_on = due.start  # a restart (the day of receipt recorded) moves the start too
        row.explanation = due.to_data()
    for step, due, _on_time in decision.checked_deadlines:
        row = _deadline_row(step, due)
        row.completed_on = decision.act_date
        case.deadlines.append(row)
        log.setdefault("checked", []).append(step)
    for step, due in decision.start_deadlines:
        if step in running and running[step].completed_on is None:
            continue  # already owed (e.g. a second suspension before the first notice): one row
        case.deadlines.append(_deadline_row(step, due))
        log.setdefault("started", []).append({"step": step, "due": due.due.isoformat()})
    return log


def _copy_case(case: Case, *, agency: Agency, kind: str, received_on: date, link_type: str, actor: User,
               second_time: bool = False, channel: Channel = Channel.FORWARDED) -> Case:
    """A new case at ``agency`` linked to ``case``: same letter, same filer, same papers.
    The filer's access key opens it too."""
    copy = Case(
        tracking_code=unique_code(), access_key_hash=case.access_key_hash, kind=kind, channel=channel.value,
        title=case.title, content=case.content, respondent=case.respondent, received_on=received_on,
        receiving_agency_id=agency.id, agency_id=agency.id, commune_id=case.commune_id, status=Status.RECEIVED.value,
        is_mass=case.is_mass, is_anonymous=case.is_anonymous, parent_id=case.id, link_type=link_type,
        second_time=second_time, last_event_on=received_on,
        # a part of a letter that denounces keeps the denouncer's protection
        confidential=case.identity_is_confidential,
    )
    for p in case.parties:
        copy.parties.append(Party(role=p.role, position=p.position, full_name=p.full_name, id_number=p.id_number,
                                  phone=p.phone, email=p.email, address=p.address))
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    for a in case.attachments:
        stored = codes.new_tracking_code().lower() + a.stored_name[10:]
        # the file as stored (sealed, 0600): removed again if this transaction rolls back
        db.session.info.setdefault("petitions_new_files", []).append(uploads.copy_stored(folder, a.stored_name, stored))
        copy.attachments.append(Attachment(original_name=a.original_name, stored_name=stored, size=a.size,
                                           mime_type=a.mime_type, sha256=a.sha256, uploaded_by_id=actor.id))
    from .search import refresh
    refresh(copy)
    db.session.add(copy)
    db.session.flush()
    register_deadlines(copy, channel)
    db.session.add(CaseEvent(case_id=copy.id, acted_on=received_on, actor_id=actor.id, event="receive",
                             from_status=None, to_status=copy.status, is_public=True,
                             data={"channel": channel.value, "from_case": case.tracking_code,
                                   "from_agency": case.agency.name, "link": link_type}))
    return copy


def unique_code() -> str:
    while True:
        code = codes.new_tracking_code()
        if db.session.scalar(db.select(Case.id).where(Case.tracking_code == code)) is None:
            return code


def register_deadlines(case: Case, channel: Channel) -> None:
    """The time limits that start when a letter is registered. The due dates of a letter
    received today are computed once per kind and channel and kept with the reference data
    (calendar and settings: the same stamp, services/refdata.py): every filing of the day has
    the same ones (issue 18)."""
    def compute():
        return initial_deadlines(Kind(case.kind), case.received_on, get_calendar(), channel=channel,
                                 rules=get_rules())
    from ..web import local_today
    if case.received_on == local_today():
        from .calendar import follows_unenacted
        from .refdata import cached
        dues = cached(f"initial-deadlines:{case.kind}:{channel.value}:{case.received_on.isoformat()}:"
                      f"{follows_unenacted()}", compute)
    else:  # a letter registered with an earlier date at the desk
        dues = compute()
    for step, due in dues:
        case.deadlines.append(_deadline_row(step, due))


def _apply_effects(case: Case, decision: Decision, actor: User) -> dict:
    done: dict[str, Any] = {}
    for name, value in decision.effects.items():
        if name in ("forward_to", "open_second_time"):
            agency = db.session.scalar(db.select(Agency).where(Agency.code == value))
            copy = _copy_case(case, agency=agency, kind=case.kind, received_on=decision.act_date,
                              link_type="second_time_of" if name == "open_second_time" else "forwarded_from",
                              actor=actor, second_time=name == "open_second_time")
            done[name] = {"agency": agency.name, "case": copy.tracking_code}
        elif name == "attach_to":
            other = db.session.scalar(db.select(Case).where(Case.tracking_code == value))
            case.parent_id, case.link_type = other.id, "repeat_of"
            done[name] = {"case": other.tracking_code}
        elif name == "split_into":
            parts = []
            for kind in str(value).split(","):  # checked and normalised by _resolve
                copy = _copy_case(case, agency=case.agency, kind=kind, received_on=case.received_on,
                                  link_type="split_from", actor=actor, channel=Channel(case.channel))
                parts.append(copy.tracking_code)
            done[name] = {"cases": parts}
        elif name in ("refer_to", "assign_to"):
            agency = db.session.scalar(db.select(Agency).where(Agency.code == value))
            if name == "assign_to":
                case.agency_id = agency.id
            done[name] = {"agency": agency.name}
        elif name == "assign_handler":
            user = db.session.scalar(db.select(User).where(User.username == value, User.agency_id == case.agency_id))
            case.handler_id = user.id
            done[name] = {"handler": user.full_name}
    return done


def apply_transition(case: Case, event: str, user: User, act_date: date, fields: dict[str, Any], *,
                     today: date, expected_version: int | None = None) -> CaseEvent:
    """Fire ``event`` on ``case`` as ``user``. Raises TransitionError (or ConflictError)."""
    if expected_version is not None and expected_version != case.version:
        raise ConflictError(CONFLICT)
    from ..workflow.engine import find_transition
    row = find_transition(snapshot(case), event)
    fields = _resolve(case, row, {k: v for k, v in fields.items() if v not in (None, "")})
    decision = decide(snapshot(case), event, actor_for(user, case), act_date, fields, today,
                      get_calendar(), get_rules())
    old_status = case.status
    try:
        case.status = decision.to_status.value
        _apply_changes(case, decision)
        case.last_event_on = decision.act_date
        if decision.to_status in CLOSING_STATUSES:
            case.closed_on = decision.act_date
        elif case.closed_on is not None:  # back to a running status (e.g. carried over, reassigned)
            case.closed_on = None
        # every event writes the case row, so the version check always applies
        flag_modified(case, "status")
        db.session.flush()
        deadlines = _apply_deadlines(case, decision)
        effects = _apply_effects(case, decision, user)
        if case.is_mass and decision.fields.get("representatives") and \
                any(f.name == "representatives" for f in decision.transition.fields):
            _appoint_representatives(case, decision.fields["representatives"])
        record = CaseEvent(
            case_id=case.id, acted_on=decision.act_date, actor_id=user.id, event=decision.event.value,
            from_status=old_status, to_status=case.status, note=decision.fields.get("note"),
            is_public=decision.public,
            data={"fields": {k: _json(v) for k, v in decision.fields.items() if k != "note"},
                  "deadlines": deadlines, "effects": effects},
        )
        db.session.add(record)
        db.session.flush()
    except (StaleDataError, OperationalError) as error:
        # another transaction changed the row first (PostgreSQL, SQLite), or SQLite
        # cannot upgrade this transaction's now stale snapshot: the same conflict
        if isinstance(error, OperationalError) and "locked" not in str(error).lower():
            raise
        db.session.rollback()
        raise ConflictError(CONFLICT) from None
    except TransitionError:
        db.session.rollback()
        raise
    from .alerts import notify_filer
    notify_filer(case, decision.event.value, decision.act_date, record.id)
    from .national import record_event
    record_event(case, record)  # the national database, through the outbox (issue 19)
    return record


def record_withdrawals(case: Case, party_ids: list[int], user: User, on: date, *, today: date) -> CaseEvent:
    """Some co-signers of a joint complaint withdraw in writing: recorded on the record,
    the case goes on for the others (LEGAL: if some withdraw, the case continues)."""
    if not (case.received_on <= on <= today):
        raise FieldError(WITHDRAWAL_DATE, "date")
    chosen = [p for p in case.parties if p.id in set(party_ids) and p.withdrawn_on is None]
    if not chosen:
        raise FieldError(NO_SIGNER, "parties")
    for party in chosen:
        party.withdrawn_on = on
    flag_modified(case, "status")  # the version moves: another officer's stale page is refused
    record = CaseEvent(case_id=case.id, acted_on=on, actor_id=user.id, event="withdraw_signers",
                       from_status=case.status, to_status=case.status, is_public=False,
                       data={"parties": [p.id for p in chosen],
                             "remaining": sum(1 for p in case.parties if p.withdrawn_on is None)})
    db.session.add(record)
    db.session.flush()
    return record


def recompute_due_dates(by: User, reason: str, today: date) -> int:
    """After a calendar or settings change: recompute the due dates of running steps,
    explicitly and on the record. Returns how many moved."""
    moved = 0
    from sqlalchemy.orm import selectinload
    running = db.session.scalars(
        db.select(Deadline).where(Deadline.completed_on.is_(None), Deadline.paused_on.is_(None))
        .options(selectinload(Deadline.case).selectinload(Case.deadlines),
                 selectinload(Deadline.case).selectinload(Case.commune)))
    from dataclasses import replace

    from ..workflow.deadlines import PAUSABLE_STEPS
    from ..workflow.engine import _due
    for row in running:
        case = row.case
        snap = snapshot(case)
        if row.step not in PAUSABLE_STEPS:
            snap = replace(snap, suspensions=())
        basis = row.explanation.get("start_basis") if isinstance(row.explanation, dict) else None
        try:
            due = _due(row.step, row.started_on, snap, get_calendar(), get_rules(), start_basis=basis)
        except TransitionError as error:  # the rule's own problem (a DeadlineError), for the caller
            raise error.__cause__ or error
        if due.due != row.due_on:
            db.session.add(CaseEvent(case_id=case.id, acted_on=today, actor_id=by.id, event="recompute_deadline",
                                     from_status=case.status, to_status=case.status, is_public=False, note=reason,
                                     data={"step": row.step, "from": row.due_on.isoformat(),
                                           "to": due.due.isoformat()}))
            row.due_on, row.explanation = due.due, due.to_data()
            row.limit_days, row.unit, row.source = due.limit_days, due.unit, due.rule.source[:300]
            moved += 1
    db.session.add(AuditLog(user_id=by.id, action="recompute_due_dates", object_type="deadline", object_id=None,
                            details={"moved": moved, "reason": reason}))
    db.session.flush()
    return moved


def next_due_of(case: Case, *, gone=()) -> date | None:
    """The nearest due date of the case's running limits (not completed, not paused, not the
    filer's): what ``Case.next_due_on`` holds and the officer queue sorts on."""
    dues = [d.due_on for d in case.deadlines
            if d not in gone and d.completed_on is None and d.paused_on is None and not d.for_filer]
    return min(dues) if dues else None


@event.listens_for(Session, "before_flush")
def _keep_next_due(session, flush_context, instances):
    """The one place ``Case.next_due_on`` is kept: every flush that adds, changes or deletes
    a time limit recomputes its case's value from the case's limits."""
    touched = [o for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, Deadline)]
    if not touched:
        return
    gone = {o for o in session.deleted if isinstance(o, Deadline)}
    with session.no_autoflush:
        cases = {}
        for row in touched:
            case = row.case if row.case is not None or row.case_id is None else session.get(Case, row.case_id)
            if case is not None and case not in session.deleted:
                cases[id(case)] = case
        for case in cases.values():
            value = next_due_of(case, gone=gone)
            if case.next_due_on == value:
                continue
            if case in session.new or session.is_modified(case, include_collections=False):
                case.next_due_on = value  # written with the case's own INSERT/UPDATE
            else:
                # a derived value, not an edit of the case: no version bump (an officer's open
                # form stays valid), so a plain UPDATE, and the loaded case is told the new value
                # its agency's queue shows the new due date (services/pagecache.py): said here,
                # so that the statement does not move every agency's stamp
                session.execute(db.update(Case).where(Case.id == case.id).values(next_due_on=value)
                                .execution_options(synchronize_session=False,
                                                   petitions_queue_agencies=(case.agency_id,)))
                set_committed_value(case, "next_due_on", value)


@event.listens_for(Session, "after_rollback")
def _remove_copied_files(session):
    """Files copied for a transaction that did not commit are removed with it."""
    for path in session.info.pop("petitions_new_files", []):
        Path(path).unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _keep_copied_files(session):
    session.info.pop("petitions_new_files", None)
