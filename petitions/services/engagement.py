"""Meeting citizens: reception sessions (tiếp công dân) and dialogues (đối thoại).

An agency's officer records a session chaired by one of the agency's heads, the people
received there (about an existing case, or a new matter registered from the desk), and
the chair's conclusions: each a task with an owner and a due date. A dialogue of a head
with citizens or businesses carries commitments with due dates. Nothing "overdue" is
stored: it is derived from the due dates, and the sweep (:func:`remind_engagements`)
tells the people concerned once per level, like the urging reminders.

The reception duty calendar compares the sessions each head chaired with the frequency
the law sets (LEGAL.md, "Reception duty"): a commune chairman at least one day a week,
the provincial chairman and the heads of provincial agencies at least one day a month.
"""
from __future__ import annotations

import calendar as _months
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .collation import agency_order, vi_key
from ..jobs import enqueue_after_commit
from ..models import (AdminUnit, Agency, AuditLog, Case, Commitment, Conclusion, Dialogue, Notification,
                      ReceptionSession, ReceptionVisit, User, UserRole)
from ..permissions import allowed
from ..workflow.states import PUBLIC_KINDS, Channel, Kind, Role
from .alerts import SEND_JOB, _render
from .calendar import get_calendar
from .intake import Submission, submit_case
from ..security import strict_int

#: online reception is allowed from this day (LEGAL.md, "Reception duty" [2026])
ONLINE_FROM = date(2026, 7, 1)

SESSION_KINDS = {"regular": _l("Regular"), "ad_hoc": _l("Ad hoc")}
SESSION_MODES = {"in_person": _l("In person"), "online": _l("Online")}

WEEKLY, MONTHLY = "week", "month"
FREQUENCY_LABELS = {
    WEEKLY: _l("At least one day a week (commune People's Committee chairman)"),
    MONTHLY: _l("At least one day a month (provincial chairman and heads of provincial agencies)"),
}

ONLINE_NOT_YET = _l("Online citizen reception is allowed only from 01/07/2026, when the amendments to the "
                    "Law on Citizen Reception take effect. Hold this session in person, or date it from "
                    "01/07/2026.")
NOT_A_HEAD = _l("The chair must be a head of this agency.")
UNKNOWN_VALUE = _l("Choose one of the values offered.")
OWNER_NOT_OFFICER = _l("The owner must be an officer of this agency.")
DUE_IN_PAST = _l("The due date cannot be before today.")
CASE_NOT_IN_SESSION = _l("Choose a case of a person received at this session.")
NOT_OWNER = _l("Only the owner of this task can mark it done.")
ALREADY_DONE = _l("This is already marked done.")
CANNOT_CANCEL = _l("A session that has people received or conclusions cannot be cancelled.")
NEEDS_AUTHORITY = _l("Only a head of the agency chairs on their own authority: for a deputy, choose the head "
                     "who authorised them and give the written authorisation.")
AUTHORISATION_MISSING = _l("Give the written authorisation (its number and date).")
CHAIR_NOT_OFFICER = _l("The chair must be an officer of this agency.")
OWNER_NOT_IN_AGENCY = _l("The person responsible must be an officer of this agency.")
RESULT_MISSING = _l("Say what was done.")
DONE_IN_FUTURE = _l("The date it was done cannot be after today.")
DIALOGUE_IN_FUTURE = _l("A dialogue is recorded once it has been held: its date cannot be after today.")
COMMITMENT_BEFORE_DIALOGUE = _l("A commitment cannot fall due before the dialogue.")


class EngagementError(ValueError):
    """A request the rules refuse. ``field`` names the form field it belongs to, if any."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- who -----------------------------------------------------------------------------

def heads_of(agency_id: int) -> list[User]:
    return list(db.session.scalars(
        db.select(User).join(UserRole).where(User.agency_id == agency_id, User.active.is_(True),
                                             UserRole.role == Role.HEAD.value).order_by(User.full_name)))


def officers_of(agency_id: int) -> list[User]:
    return list(db.session.scalars(db.select(User).where(User.agency_id == agency_id, User.active.is_(True))
                                   .order_by(User.full_name)))


def can_see_engagement(user: User, agency_id: int) -> bool:
    """An agency's sessions and dialogues: its reception officers and handlers, the heads of
    the agencies above it (as for cases), and the provincial inspectorate and administrators.
    The permission table (``engage.view``) is the one source; this names it for services."""
    return allowed(user, "engage.view", agency_id)


def can_record_engagement(user: User, agency_id: int) -> bool:
    """Only the agency's own reception officers and heads record its sessions and dialogues."""
    return allowed(user, "engage.record", agency_id)


def _is_head_of(user: User | None, agency_id: int) -> bool:
    return user is not None and user.active and user.agency_id == agency_id and user.has_role(Role.HEAD)


def _audit(by: User, action: str, object_type: str, object_id: int, **details) -> None:
    db.session.add(AuditLog(user_id=by.id, action=action, object_type=object_type, object_id=str(object_id),
                            details=details or None))


# --- reception sessions ----------------------------------------------------------------

def schedule_session(by: User, agency: Agency, *, chair: User | None, held_on: date, kind: str, mode: str,
                     place: str | None = None, notes: str | None = None, authorised_by: User | None = None,
                     authorisation: str | None = None) -> ReceptionSession:
    """Schedule a session (or record one already held) chaired by a head of the agency, or
    by a deputy on a head's written authority (Law on Citizen Reception Art. 12, 15): the
    session then counts for the reception duty of the head who authorised it."""
    if kind not in SESSION_KINDS:
        raise EngagementError(UNKNOWN_VALUE, "kind")
    if mode not in SESSION_MODES:
        raise EngagementError(UNKNOWN_VALUE, "mode")
    if chair is None or not chair.active or chair.agency_id != agency.id:
        raise EngagementError(CHAIR_NOT_OFFICER, "chair")
    authorisation = (authorisation or "").strip() or None
    if authorised_by is not None and authorised_by.id == chair.id:
        authorised_by = None  # a head chairing in person needs no authority
    if authorised_by is None:
        if not _is_head_of(chair, agency.id):
            raise EngagementError(NEEDS_AUTHORITY, "authorised_by")
        authorisation = None
    else:
        if not _is_head_of(authorised_by, agency.id):
            raise EngagementError(NOT_A_HEAD, "authorised_by")
        if not authorisation:
            raise EngagementError(AUTHORISATION_MISSING, "authorisation")
    if mode == "online" and held_on < ONLINE_FROM:
        raise EngagementError(ONLINE_NOT_YET, "mode")
    session = ReceptionSession(agency_id=agency.id, chair_id=chair.id, held_on=held_on, kind=kind, mode=mode,
                               place=(place or "").strip() or None, notes=(notes or "").strip() or None,
                               authorised_by_id=authorised_by.id if authorised_by else None,
                               authorisation=authorisation, created_by_id=by.id)
    db.session.add(session)
    db.session.flush()
    _audit(by, "schedule_reception", "reception_session", session.id, agency=agency.id, chair=chair.id,
           held_on=held_on.isoformat(), kind=kind, mode=mode,
           authorised_by=authorised_by.id if authorised_by else None)
    return session


def cancel_session(session: ReceptionSession, by: User) -> None:
    """A session that did not take place: only while nothing was recorded in it."""
    if session.visits or session.conclusions:
        raise EngagementError(CANNOT_CANCEL)
    _audit(by, "cancel_reception", "reception_session", session.id, agency=session.agency_id,
           chair=session.chair_id, held_on=session.held_on.isoformat())
    db.session.delete(session)
    db.session.flush()


def _held(session: ReceptionSession, today: date) -> None:
    if session.held_on > today:
        raise EngagementError(_l("This session is dated %(day)s: record the people received and the conclusions "
                                 "once it has been held.", day=session.held_on.strftime("%d/%m/%Y")))


def add_visit(session: ReceptionSession, by: User, *, visitor_name: str, people: int, summary: str,
              case: Case | None, today: date) -> ReceptionVisit:
    """A person (or a group) received at the session, about an existing case or none."""
    _held(session, today)
    visit = ReceptionVisit(session_id=session.id, case_id=case.id if case else None,
                           visitor_name=visitor_name.strip(), people=max(strict_int(people or 1, 1, maximum=100_000), 1),
                           summary=summary.strip())
    session.visits.append(visit)
    db.session.flush()
    _audit(by, "add_reception_visit", "reception_session", session.id, visit=visit.id,
           case=case.tracking_code if case else None, people=visit.people)
    return visit


def receive_new_matter(session: ReceptionSession, by: User, *, visitor_name: str, people: int, summary: str,
                       kind: str, title: str, content: str, commune: AdminUnit,
                       id_number: str | None = None, address: str | None = None,
                       today: date) -> tuple[ReceptionVisit, Case, str]:
    """A visitor with a new matter: a letter registered at this agency's desk (channel
    'desk', received on the session's day) with the visitor as petitioner, and the visit
    linked to it. Returns the visit, the case and its access key (shown once)."""
    _held(session, today)
    if kind not in {k.value for k in PUBLIC_KINDS}:
        raise EngagementError(UNKNOWN_VALUE, "kind")
    sub = Submission(kind=Kind(kind), title=title, content=content, channel=Channel.DESK,
                     received_on=session.held_on, agency=session.agency, commune=commune,
                     petitioner={"full_name": visitor_name, "id_number": id_number, "address": address})
    case, key = submit_case(sub, actor=by)
    visit = add_visit(session, by, visitor_name=visitor_name, people=people, summary=summary or title,
                      case=case, today=today)
    return visit, case, key


def session_cases(session: ReceptionSession) -> list[Case]:
    seen, out = set(), []
    for visit in session.visits:
        if visit.case is not None and visit.case_id not in seen:
            seen.add(visit.case_id)
            out.append(visit.case)
    return out


def add_conclusion(session: ReceptionSession, by: User, *, text: str, owner: User | None, due_on: date,
                   case: Case | None = None, today: date) -> Conclusion:
    """A conclusion of the chair: a task for an officer of the agency, due on a date. The
    owner is told at once; the sweep reminds them when it falls due and when overdue."""
    _held(session, today)
    if owner is None or not owner.active or owner.agency_id != session.agency_id:
        raise EngagementError(OWNER_NOT_OFFICER, "owner")
    if due_on < today:
        raise EngagementError(DUE_IN_PAST, "due_on")
    if case is not None and case.id not in {c.id for c in session_cases(session)}:
        raise EngagementError(CASE_NOT_IN_SESSION, "case")
    conclusion = Conclusion(session_id=session.id, case_id=case.id if case else None, text=text.strip(),
                            owner_id=owner.id, due_on=due_on)
    session.conclusions.append(conclusion)
    db.session.flush()
    _audit(by, "add_reception_conclusion", "conclusion", conclusion.id, session=session.id, owner=owner.id,
           due_on=due_on.isoformat())
    with force_locale("vi"):
        _notify_conclusion(conclusion, "conclusion", [owner])
    return conclusion


def complete_conclusion(conclusion: Conclusion, by: User, note: str, today: date) -> None:
    if conclusion.done_on is not None:
        raise EngagementError(ALREADY_DONE)
    if by.id != conclusion.owner_id:
        raise EngagementError(NOT_OWNER)
    conclusion.done_on, conclusion.done_note = today, note.strip()
    _audit(by, "complete_reception_conclusion", "conclusion", conclusion.id, session=conclusion.session_id,
           late=conclusion.due_on < today)


# --- dialogues ---------------------------------------------------------------------------

def _check_owner(owner: User | None, agency_id: int, field: str) -> None:
    if owner is None or not owner.active or owner.agency_id != agency_id:
        raise EngagementError(OWNER_NOT_IN_AGENCY, field)


def record_dialogue(by: User, agency: Agency, *, head: User | None, held_on: date, topic: str,
                    participants: str, issues: str, commitments: list[tuple],
                    today: date) -> Dialogue:
    """``commitments``: (text, due date, officer responsible) each."""
    """A direct dialogue of a head of the agency with citizens or businesses (target 7)."""
    if not _is_head_of(head, agency.id):
        raise EngagementError(NOT_A_HEAD, "head")
    if held_on > today:
        raise EngagementError(DIALOGUE_IN_FUTURE, "held_on")
    dialogue = Dialogue(agency_id=agency.id, head_id=head.id, held_on=held_on, topic=topic.strip(),
                        participants=participants.strip(), issues=issues.strip(), created_by_id=by.id)
    for text, due_on, owner in commitments:
        if due_on < held_on:
            raise EngagementError(COMMITMENT_BEFORE_DIALOGUE)
        _check_owner(owner, agency.id, "commitments")
        dialogue.commitments.append(Commitment(text=text.strip(), due_on=due_on, owner_id=owner.id))
    db.session.add(dialogue)
    db.session.flush()
    _audit(by, "record_dialogue", "dialogue", dialogue.id, agency=agency.id, head=head.id,
           held_on=held_on.isoformat(), commitments=len(commitments))
    return dialogue


def add_commitment(dialogue: Dialogue, by: User, text: str, due_on: date, owner: User | None) -> Commitment:
    if due_on < dialogue.held_on:
        raise EngagementError(COMMITMENT_BEFORE_DIALOGUE, "commitment_due_on")
    _check_owner(owner, dialogue.agency_id, "commitment_owner")
    commitment = Commitment(text=text.strip(), due_on=due_on, owner_id=owner.id)
    dialogue.commitments.append(commitment)
    db.session.flush()
    _audit(by, "add_dialogue_commitment", "dialogue", dialogue.id, commitment=commitment.id,
           due_on=due_on.isoformat())
    return commitment


def complete_commitment(commitment: Commitment, by: User, today: date, *, result: str,
                        done_on: date | None = None) -> None:
    """A commitment kept: what was done (the result) and the day it was done."""
    if commitment.done_on is not None:
        raise EngagementError(ALREADY_DONE)
    result = (result or "").strip()
    if not result:
        raise EngagementError(RESULT_MISSING, "result")
    done_on = done_on or today
    if done_on > today:
        raise EngagementError(DONE_IN_FUTURE, "done_on")
    if done_on < commitment.dialogue.held_on:
        raise EngagementError(COMMITMENT_BEFORE_DIALOGUE, "done_on")
    commitment.done_on, commitment.result = done_on, result
    _audit(by, "complete_dialogue_commitment", "dialogue", commitment.dialogue_id, commitment=commitment.id,
           late=commitment.due_on < done_on)


def dialogue_counts(year: int, agency_ids=None) -> dict[int, int]:
    """Dialogues held in the calendar year, per agency (only agencies that held one)."""
    query = (db.select(Dialogue.agency_id, db.func.count())
             .where(Dialogue.held_on >= date(year, 1, 1), Dialogue.held_on <= date(year, 12, 31))
             .group_by(Dialogue.agency_id))
    if agency_ids is not None:
        query = query.where(Dialogue.agency_id.in_(list(agency_ids)))
    return {agency_id: n for agency_id, n in db.session.execute(query)}


def heads_without_dialogue(year: int) -> list[User]:
    """Active heads of agencies who held no dialogue in the calendar year."""
    held = (db.select(Dialogue.id).where(Dialogue.head_id == User.id, Dialogue.held_on >= date(year, 1, 1),
                                         Dialogue.held_on <= date(year, 12, 31)).exists())
    rows = db.session.execute(
        db.select(User, Agency).join(UserRole).join(Agency, Agency.id == User.agency_id)
        .where(User.active.is_(True), UserRole.role == Role.HEAD.value, ~held)).all()
    return [u for u, _a in sorted(rows, key=lambda r: (agency_order(r[1]), vi_key(r[0].full_name)))]


# --- reminders (the sweep) -------------------------------------------------------------

def _notify(kind: str, users: list[User], *, subject: str, body: str, case_id: int | None, data: dict) -> None:
    seen = set()
    for user in users:
        if user.id in seen:
            continue
        seen.add(user.id)
        note = Notification(user_id=user.id, case_id=case_id, email=user.email, kind=kind, subject=subject,
                            body=body, attempts=0, data=data,
                            status="none" if not user.email else ("digest" if user.alert_digest else "pending"))
        db.session.add(note)
        db.session.flush()
        if note.status == "pending":
            enqueue_after_commit(db.session, SEND_JOB, note.id)


def _link(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def _notify_conclusion(conclusion: Conclusion, kind: str, users: list[User]) -> None:
    session = conclusion.session
    subject, body = _render("mail/engage.txt", kind=kind, agency=session.agency, session=session, dialogue=None,
                            text=conclusion.text, owner=conclusion.owner, due_on=conclusion.due_on,
                            link=_link(f"/engage/sessions/{session.id}"))
    _notify(kind, users, subject=subject, body=body, case_id=conclusion.case_id,
            data={"conclusion": conclusion.id, "session": session.id})


def _notify_commitment(commitment: Commitment, kind: str, users: list[User]) -> None:
    dialogue = commitment.dialogue
    subject, body = _render("mail/engage.txt", kind=kind, agency=dialogue.agency, session=None, dialogue=dialogue,
                            text=commitment.text, owner=commitment.owner, due_on=commitment.due_on,
                            link=_link(f"/engage/dialogues/{dialogue.id}"))
    _notify(kind, users, subject=subject, body=body, case_id=None,
            data={"commitment": commitment.id, "dialogue": dialogue.id})


def _already(kind: str, key: str, object_id: int) -> bool:
    return db.session.scalar(db.select(Notification.id).where(
        Notification.kind == kind, Notification.data[key].as_integer() == object_id).limit(1)) is not None


def remind_engagements(today: date) -> dict[str, int]:
    """Called by the sweep. A conclusion not done: its owner is reminded once on the due
    day, and once overdue together with the agency's heads. A dialogue commitment not done
    and overdue: the agency's heads are told once. Returns how many items were reminded."""
    out = {"conclusions": 0, "commitments": 0}
    conclusions = db.session.scalars(db.select(Conclusion).where(Conclusion.done_on.is_(None),
                                                                 Conclusion.due_on <= today)
                                     .order_by(Conclusion.id)).all()
    commitments = db.session.scalars(db.select(Commitment).where(Commitment.done_on.is_(None),
                                                                 Commitment.due_on < today)
                                     .order_by(Commitment.id)).all()
    if not conclusions and not commitments:
        return out
    heads: dict[int, list[User]] = {}
    with force_locale("vi"):  # once per sweep: switching the locale reloads the catalogue
        for conclusion in conclusions:
            kind = "conclusion_overdue" if conclusion.due_on < today else "conclusion_due"
            if _already(kind, "conclusion", conclusion.id):
                continue
            users = [conclusion.owner]
            if kind == "conclusion_overdue":
                agency_id = conclusion.session.agency_id
                users += heads.setdefault(agency_id, heads_of(agency_id))
            _notify_conclusion(conclusion, kind, users)
            out["conclusions"] += 1
        for commitment in commitments:
            if _already("commitment_overdue", "commitment", commitment.id):
                continue
            agency_id = commitment.dialogue.agency_id
            owner = [commitment.owner] if commitment.owner is not None else []
            _notify_commitment(commitment, "commitment_overdue", owner + heads.setdefault(agency_id, heads_of(agency_id)))
            out["commitments"] += 1
    return out


# --- the reception duty calendar ------------------------------------------------------

def duty_frequency(agency: Agency) -> str:
    """Commune People's Committees: weekly; the province's bodies: monthly."""
    return WEEKLY if agency.level == "commune" else MONTHLY


@dataclass(frozen=True)
class DutyPeriod:
    frequency: str
    year: int
    number: int   # ISO week number, or month
    start: date
    end: date

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.number:02d}" if self.frequency == WEEKLY else f"{self.year}-{self.number:02d}"


def duty_periods(frequency: str, year: int, month: int | None = None) -> list[DutyPeriod]:
    """The weeks (ISO, Monday to Sunday; a week belongs to the month and year of its
    Thursday) or the months of a year, or of one month of it."""
    if frequency == MONTHLY:
        months = [month] if month else range(1, 13)
        return [DutyPeriod(MONTHLY, year, m, date(year, m, 1), date(year, m, _months.monthrange(year, m)[1]))
                for m in months]
    out = []
    monday = date.fromisocalendar(year, 1, 1)
    while (monday + timedelta(days=3)).year == year:
        thursday = monday + timedelta(days=3)
        if month is None or thursday.month == month:
            out.append(DutyPeriod(WEEKLY, year, monday.isocalendar()[1], monday, monday + timedelta(days=6)))
        monday += timedelta(days=7)
    return out


# what each period shows: met (a regular session held), missed (ended with none),
# running (not ended yet), future, no_working_day (holidays only, e.g. Tết),
# not_tracked (before the head's account existed), booked (a regular session scheduled
# in the period, not held yet)
MET, MISSED, RUNNING, FUTURE, NO_WORKING_DAY, NOT_TRACKED, BOOKED = (
    "met", "missed", "running", "future", "no_working_day", "not_tracked", "booked")


@dataclass(frozen=True)
class PeriodDuty:
    period: DutyPeriod
    regular: int
    ad_hoc: int
    state: str
    #: the days of the sessions booked in the period (after today)
    booked: tuple = ()
    #: how many of the held regular sessions a deputy chaired on the head's authority
    by_deputy: int = 0


@dataclass
class HeadDuty:
    head: User
    agency: Agency
    frequency: str
    periods: list[PeriodDuty] = field(default_factory=list)

    @property
    def missed(self) -> list[PeriodDuty]:
        return [p for p in self.periods if p.state == MISSED]

    @property
    def met(self) -> list[PeriodDuty]:
        return [p for p in self.periods if p.state == MET]

    @property
    def regular(self) -> int:
        return sum(p.regular for p in self.periods)

    @property
    def ad_hoc(self) -> int:
        return sum(p.ad_hoc for p in self.periods)


def _local_day(moment) -> date:
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def duty_calendar(year: int, month: int | None, today: date, agency_ids=None) -> list[HeadDuty]:
    """Per active head of agency (of the given agencies, or all): the regular sessions
    they chaired for their agency in each week or month, and whether the duty was met.
    Ad hoc sessions are shown but do not stand in for the regular duty. One query for
    the heads, one for the sessions."""
    query = (db.select(User, Agency).join(UserRole).join(Agency, Agency.id == User.agency_id)
             .where(User.active.is_(True), UserRole.role == Role.HEAD.value))
    if agency_ids is not None:
        query = query.where(User.agency_id.in_(list(agency_ids)))
    heads = sorted(db.session.execute(query).all(), key=lambda r: (agency_order(r[1]), vi_key(r[0].full_name)))
    if not heads:
        return []
    periods = {f: duty_periods(f, year, month) for f in (WEEKLY, MONTHLY)}
    first = min(p[0].start for p in periods.values())
    # booked sessions (after today) are read too: they show on the calendar, not as met
    last = max(p[-1].end for p in periods.values())
    held: dict[int, list[tuple[date, str, bool]]] = defaultdict(list)
    head_ids = [u.id for u, _a in heads]
    duty_head = db.func.coalesce(ReceptionSession.authorised_by_id, ReceptionSession.chair_id)
    rows = db.session.execute(
        db.select(duty_head, ReceptionSession.agency_id, ReceptionSession.held_on, ReceptionSession.kind,
                  ReceptionSession.authorised_by_id.is_not(None))
        .where(ReceptionSession.held_on >= first, ReceptionSession.held_on <= last,
               db.or_(ReceptionSession.chair_id.in_(head_ids), ReceptionSession.authorised_by_id.in_(head_ids))))
    agency_of = {u.id: a.id for u, a in heads}
    for head_id, agency_id, held_on, kind, deputy in rows:
        if agency_of.get(head_id) == agency_id:
            held[head_id].append((held_on, kind, bool(deputy)))
    cal = get_calendar()
    working: dict[str, bool] = {}

    def has_working_day(p: DutyPeriod) -> bool:
        if p.key not in working:
            working[p.key] = any(cal.is_working_day(p.start + timedelta(days=i))
                                 for i in range((p.end - p.start).days + 1))
        return working[p.key]

    out = []
    for head, agency in heads:
        frequency = duty_frequency(agency)
        tracked_from = _local_day(head.created_at) if head.created_at else first
        duty = HeadDuty(head, agency, frequency)
        sessions = held.get(head.id, [])
        for p in periods[frequency]:
            past = [(d, k, dep) for d, k, dep in sessions if p.start <= d <= min(p.end, today)]
            regular = sum(1 for _d, k, _dep in past if k == "regular")
            ad_hoc = sum(1 for _d, k, _dep in past if k != "regular")
            by_deputy = sum(1 for _d, k, dep in past if k == "regular" and dep)
            booked = tuple(sorted(d for d, k, _dep in sessions if p.start <= d <= p.end and d > today))
            if regular:
                state = MET
            elif booked:
                state = BOOKED
            elif p.start > today:
                state = FUTURE
            elif p.end >= today:
                state = RUNNING
            elif p.start < tracked_from:
                state = NOT_TRACKED
            elif not has_working_day(p):
                state = NO_WORKING_DAY
            else:
                state = MISSED
            duty.periods.append(PeriodDuty(p, regular, ad_hoc, state, booked, by_deputy))
        out.append(duty)
    return out


def missed_reception_duty(year: int, month: int | None, today: date) -> list[HeadDuty]:
    """The heads who missed their reception duty in the period, the most missed first."""
    rows = [d for d in duty_calendar(year, month, today) if d.missed]
    rows.sort(key=lambda d: (-len(d.missed), d.agency.name, d.head.full_name))
    return rows
