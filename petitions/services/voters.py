"""Voter petitions (kiến nghị cử tri): voter meetings, their petitions entered in bulk,
their way through the workflow, and the report per People's Council session.

LEGAL.md: a voter petition is collected at a voter meeting held with the Fatherland
Front, consolidated by the People's Council standing committee, assigned to agencies,
answered, reported back to voters, monitored, then closed or carried over to the next
session. The steps are the ``VOTER_PETITION`` rows of ``workflow/transitions.py``; every
change of status here goes through :func:`services.workflow.apply_transition`.

Where the petitions are registered
----------------------------------
Each petition becomes a case held by the agency of the People's Council standing
committee. The agency data has no People's Council body: ``services/units.py`` loads the
provincial People's Committee (``UBND-TINH``), the inspectorate, the reception board, the
departments and the communes' People's Committees, and the ``agencies.category`` CHECK
constraint has no category for a council. The standing committee's consolidated list is
sent to the provincial People's Committee, which has it answered by its departments and
the communes (the agencies under ``UBND-TINH`` in the data). So the petitions are
registered at ``UBND-TINH`` (:data:`COUNCIL_AGENCY_CODE`): received and first held there;
consolidating and assigning are acts of its head (the table's ``head`` role, same
agency), and assigning moves the case to the answering agency (the ``assign_to`` effect)
and starts the answer deadline (``voter-petition-answer``, 60 days by default, a
provincial setting). When a council body is added to the data, change the constant.

What is stored where (the models are used as they are)
------------------------------------------------------
- the meeting: :class:`VoterMeeting`; the session it reports to is free text, stored
  with its spaces collapsed, and the report groups meetings by it;
- each petition: a :class:`Case` of kind ``voter_petition``, channel ``voter_meeting``,
  with ``voter_meeting_id``, ``received_on`` = the meeting's date, the row's commune (the
  meeting's when the row names none), anonymous (voters petition as a group: no named
  filer, no party row). Its subject is the field or topic and the start of the content;
- the field or topic, the agency proposed to answer and the row it came from: the data
  of a ``collect`` event written right after the ``receive`` event. It changes no status
  (``from_status`` = ``to_status``), is not public, and is how the bulk assignment finds
  the proposed agency;
- whether voters were satisfied: ``Case.voters_satisfied``, set by
  :func:`report_petition` together with the ``report`` event;
- the answer: the ``answer`` event's ``data["fields"]["answer"]``.

Entering petitions in bulk
--------------------------
The form of several rows and the file import (.xlsx or UTF-8 .csv, the first row holding
the headings of :func:`template_csv`) share one check, :func:`check_rows`: every row is
checked, every problem is reported with its row number, column and message, and when any
row is wrong nothing is written (the check runs before the first write; the view commits
once, or rolls back). Bulk workflow actions are all-or-nothing too: every selected case is
checked first, then one ``apply_transition`` per case; a refusal rolls the whole batch back.

Who may do what (the rule for meetings)
---------------------------------------
- Every signed-in officer may see the meetings, their petitions (content, status, agency,
  due date; a voter petition names no one) and the session reports. Each case page stays
  under ``can_view_case``.
- Recording a meeting: officers of the council's agency (``UBND-TINH``) who may register
  letters (reception officer, head, administrator): :func:`can_create_meetings`.
- A meeting belongs to the agency of the officer who recorded it. Only officers of that
  agency, with one of those roles, may change it: enter or import petitions, run the bulk
  consolidation and assignment (:func:`can_manage_meeting`). The workflow table then
  decides the rest: consolidating and assigning are for the head of the agency holding the
  case; answering and reporting for the answering agency (its head, or the handler it
  assigned); monitoring for the inspectorate or a head.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from .. import labels
from ..extensions import db
from ..models import AdminUnit, Agency, Case, CaseEvent, User, VoterMeeting
from ..workflow.deadlines import Step
from ..workflow.engine import TransitionError, decide, find_transition
from ..workflow.states import Channel, Event, Kind, Role
from .calendar import get_calendar, get_rules
from .collation import agency_choices, commune_choices
from .intake import Submission, submit_case
from .codes import format_code
from .search import fold
from .workflow import AGENCY_INVALID, CONFLICT, ConflictError, actor_for, apply_transition, snapshot

#: the agency where voter petitions are registered (see the module docstring)
COUNCIL_AGENCY_CODE = "UBND-TINH"
#: the event recording a petition's provenance (no status change, not public)
COLLECT_EVENT = "collect"
#: at most this many petitions in one form or file
MAX_ROWS = 500
MAX_CONTENT = 10000
MAX_TOPIC = 120
TITLE_LENGTH = 200

#: the columns of a petition row, in the template's order
COLUMNS = ("content", "commune", "topic", "agency")
REQUIRED_COLUMNS = ("content",)
COLUMN_LABELS = {
    "content": _l("Content of the petition"),
    "commune": _l("Commune or ward (code or name)"),
    "topic": _l("Field or topic"),
    "agency": _l("Agency proposed to answer (code or name)"),
}
#: headings a spreadsheet may carry for the row number: ignored on import
NUMBER_HEADINGS = frozenset({"stt", "tt", "so tt", "so thu tu", "#", "no", "no."})
#: the events of the bulk actions on a meeting's page
BULK_EVENTS = (Event.CONSOLIDATE.value, Event.ASSIGN.value)
#: the assignment goes to each petition's proposed agency
PROPOSED = "__proposed__"


# -- errors -------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem of an import: ``row`` is the row number (the form's row, or the file's
    row with the headings as row 1; None for the whole file), ``column`` a key of
    :data:`COLUMNS` (None for the whole row or file), ``message`` a sentence."""

    row: int | None
    column: str | None
    message: str

    @property
    def column_label(self) -> str:
        return str(COLUMN_LABELS[self.column]) if self.column in COLUMN_LABELS else (self.column or "")


class ImportRejected(ValueError):
    """Nothing was stored: ``errors`` lists every problem found."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


@dataclass(frozen=True)
class CaseProblem:
    code: str
    message: str


class BulkRejected(ValueError):
    """A bulk action was refused for these cases; nothing was changed."""

    def __init__(self, problems: list[CaseProblem]):
        super().__init__(f"{len(problems)} case(s) refused")
        self.problems = problems


# -- who may do what ----------------------------------------------------------------

MANAGING_ROLES = (Role.RECEPTION, Role.HEAD, Role.ADMIN, Role.COUNCIL)


def council_agency() -> Agency:
    agency = db.session.scalar(db.select(Agency).where(Agency.code == COUNCIL_AGENCY_CODE))
    if agency is None:
        raise LookupError(f"agency {COUNCIL_AGENCY_CODE} is not loaded (flask units load)")
    return agency


def can_create_meetings(user: User) -> bool:
    """Officers of the council's agency who register letters record voter meetings."""
    return user.has_role(*MANAGING_ROLES) and user.agency is not None \
        and user.agency.code == COUNCIL_AGENCY_CODE


def meeting_agency_id(meeting: VoterMeeting) -> int | None:
    """The agency a meeting belongs to: that of the officer who recorded it."""
    return db.session.scalar(db.select(User.agency_id).where(User.id == meeting.created_by_id))


def can_manage_meeting(user: User, meeting: VoterMeeting) -> bool:
    """Enter petitions and run the bulk actions: officers of the meeting's agency."""
    return user.has_role(*MANAGING_ROLES) and user.agency_id == meeting_agency_id(meeting)


# -- meetings -----------------------------------------------------------------------


def clean_session(text: str | None) -> str:
    """A session's name as stored and compared: single spaces, NFC."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _session_key(text: str | None) -> str:
    return clean_session(text).casefold()


@dataclass
class MeetingData:
    held_on: date
    place: str
    deputies: str
    front_committee: str
    council_session: str
    commune: AdminUnit | None = None


def create_meeting(data: MeetingData, actor: User) -> VoterMeeting:
    meeting = VoterMeeting(
        held_on=data.held_on, place=data.place.strip(), commune_id=data.commune.id if data.commune else None,
        deputies=data.deputies.strip(), front_committee=data.front_committee.strip(),
        council_session=clean_session(data.council_session), created_by_id=actor.id,
    )
    db.session.add(meeting)
    db.session.flush()
    return meeting


def known_sessions() -> list[str]:
    """The sessions meetings report to, the latest first."""
    rows = db.session.execute(
        db.select(VoterMeeting.council_session, func.max(VoterMeeting.held_on))
        .group_by(VoterMeeting.council_session).order_by(func.max(VoterMeeting.held_on).desc())).all()
    return [r[0] for r in rows]


def list_meetings() -> list[tuple[VoterMeeting, int]]:
    """Every meeting with its number of petitions, the latest first."""
    count = (db.select(func.count(Case.id)).where(Case.voter_meeting_id == VoterMeeting.id)
             .correlate(VoterMeeting).scalar_subquery())
    rows = db.session.execute(db.select(VoterMeeting, count).options(selectinload(VoterMeeting.commune))
                              .order_by(VoterMeeting.held_on.desc(), VoterMeeting.id.desc()))
    return [(m, n) for m, n in rows]


def session_summaries() -> list[dict]:
    """Each session: its meetings, its petitions, the latest meeting's date."""
    rows = db.session.execute(
        db.select(VoterMeeting.council_session, func.count(func.distinct(VoterMeeting.id)), func.count(Case.id),
                  func.max(VoterMeeting.held_on))
        .outerjoin(Case, Case.voter_meeting_id == VoterMeeting.id)
        .group_by(VoterMeeting.council_session).order_by(func.max(VoterMeeting.held_on).desc())).all()
    return [{"session": s, "meetings": m, "petitions": p, "last": last} for s, m, p, last in rows]


# -- reading rows: the form and the files --------------------------------------------


@dataclass(frozen=True)
class RawRow:
    """A row as entered: ``number`` for the report, ``values`` by column key."""

    number: int
    values: Mapping[str, Any]

    def is_blank(self) -> bool:
        return all(_text(self.values.get(c)) == "" for c in COLUMNS)


@dataclass(frozen=True)
class PetitionRow:
    number: int
    content: str
    commune: AdminUnit | None
    topic: str
    agency: Agency | None


def _text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def _heading_key(text: str) -> str:
    """A heading as compared: folded, without a trailing "(...)" or "*"."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", fold(text).rstrip(" *")).strip()


def _heading_names() -> dict[str, str]:
    """Heading -> column key: the keys and the labels in every language, with or
    without their "(code or name)"."""
    names = {}
    for lang in current_app.config.get("LANGUAGES", {"vi": ""}):
        with force_locale(lang):
            for key, text in COLUMN_LABELS.items():
                names[fold(str(text))] = key
                names[_heading_key(str(text))] = key
    names.update({key: key for key in COLUMNS})
    return names


def _rows_from_table(table: Iterable[Sequence[Any]]) -> list[RawRow]:
    """Rows of a sheet or CSV whose first row holds the headings; blank rows skipped."""
    it = iter(table)
    heading = next(it, None)
    if heading is None or all(_text(v) == "" for v in heading):
        raise ImportRejected([RowError(1, None, _("The first row must hold the headings of the template."))])
    names = _heading_names()
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for i, value in enumerate(heading):
        text = _text(value)
        if not text:
            continue
        if _heading_key(text) in NUMBER_HEADINGS:
            continue
        key = names.get(fold(text)) or names.get(_heading_key(text))
        if key is None:
            errors.append(RowError(1, None, _("Unknown column “%(heading)s”: use the headings of the template.",
                                              heading=text)))
        elif key in positions:
            errors.append(RowError(1, key, _("This column appears twice.")))
        else:
            positions[key] = i
    for key in REQUIRED_COLUMNS:
        if key not in positions:
            errors.append(RowError(1, key, _("This column is missing: use the headings of the template.")))
    if errors:
        raise ImportRejected(errors)
    rows = []
    for number, cells in enumerate(it, start=2):
        cells = list(cells)
        values = {key: (cells[i] if i < len(cells) else None) for key, i in positions.items()}
        row = RawRow(number, values)
        if not row.is_blank():
            rows.append(row)
        if len(rows) > MAX_ROWS:
            raise ImportRejected([RowError(number, None, _(
                "At most %(max)d petitions can be entered at once: split the file.", max=MAX_ROWS))])
    return rows


def read_csv(data: bytes) -> list[RawRow]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected([RowError(None, None, _(
            "The CSV file is not in UTF-8: save it again as “CSV UTF-8”."))]) from None
    # the headings row says which separator (Excel in a Vietnamese locale writes ";")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    try:
        return _rows_from_table(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise ImportRejected([RowError(None, None, _("The CSV file cannot be read."))]) from None


def read_workbook(data: bytes) -> list[RawRow]:
    """The first sheet of an .xlsx workbook (the template's other sheets are lists)."""
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportRejected([RowError(None, None, _("The file cannot be read as an Excel workbook (.xlsx)."))]) \
            from None
    try:
        return _rows_from_table(wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()


def read_upload(filename: str | None, data: bytes) -> list[RawRow]:
    """The rows of an uploaded .xlsx or .csv file, or ImportRejected."""
    name = (filename or "").lower()
    if not data:
        raise ImportRejected([RowError(None, None, _("Choose a file to import."))])
    if name.endswith(".xlsx"):
        return read_workbook(data)
    if name.endswith(".csv"):
        return read_csv(data)
    raise ImportRejected([RowError(None, None, _(
        "The file must be an Excel workbook (.xlsx) or a CSV file (.csv) made from the template."))])


# -- checking rows ------------------------------------------------------------------


class _Lookup:
    """The province's communes (by code, name, or name without "Xã"/"Phường") and agencies."""

    def __init__(self):
        self.communes: dict[str, AdminUnit] = {}
        short: dict[str, list[AdminUnit]] = {}
        for unit in db.session.scalars(db.select(AdminUnit).where(AdminUnit.level == "commune")):
            self.communes[unit.code] = unit
            self.communes[fold(unit.name)] = unit
            prefix = fold(unit.division_type)
            name = fold(unit.name)
            if prefix and name.startswith(prefix + " "):
                short.setdefault(name[len(prefix) + 1:], []).append(unit)
        for name, units in short.items():
            if len(units) == 1:
                self.communes.setdefault(name, units[0])
        self.agencies: dict[str, Agency] = {}
        for agency in db.session.scalars(db.select(Agency)):
            self.agencies[agency.code.upper()] = agency
            self.agencies[fold(agency.name)] = agency

    def commune(self, text: str) -> AdminUnit | None:
        return self.communes.get(text) or self.communes.get(fold(text))

    def agency(self, text: str) -> Agency | None:
        return self.agencies.get(text.upper()) or self.agencies.get(fold(text))


def check_rows(rows: Sequence[RawRow]) -> list[PetitionRow]:
    """Every row checked; ImportRejected listing every problem, or the petitions."""
    rows = [r for r in rows if not r.is_blank()]
    if not rows:
        raise ImportRejected([RowError(None, None, _("There is no petition to enter."))])
    if len(rows) > MAX_ROWS:
        raise ImportRejected([RowError(None, None, _(
            "At most %(max)d petitions can be entered at once: split the file.", max=MAX_ROWS))])
    lookup = _Lookup()
    council = council_agency()
    errors: list[RowError] = []
    out: list[PetitionRow] = []
    for row in rows:
        content = _text(row.values.get("content"))
        commune_text = _text(row.values.get("commune"))
        topic = " ".join(_text(row.values.get("topic")).split())
        agency_text = _text(row.values.get("agency"))
        problems: list[RowError] = []
        if not content:
            problems.append(RowError(row.number, "content", _("Enter the content of the petition.")))
        elif len(content) > MAX_CONTENT:
            problems.append(RowError(row.number, "content", _(
                "The content is too long: at most %(max)d characters.", max=MAX_CONTENT)))
        commune = None
        if commune_text:
            commune = lookup.commune(commune_text)
            if commune is None:
                problems.append(RowError(row.number, "commune", _(
                    "No commune or ward of the province has the code or name “%(value)s”.", value=commune_text)))
        if len(topic) > MAX_TOPIC:
            problems.append(RowError(row.number, "topic", _(
                "At most %(max)d characters.", max=MAX_TOPIC)))
        agency = None
        if agency_text:
            agency = lookup.agency(agency_text)
            if agency is None:
                problems.append(RowError(row.number, "agency", _(
                    "No agency has the code “%(value)s”: see the list of agencies in the template.",
                    value=agency_text)))
            elif agency.id == council.id:
                problems.append(RowError(row.number, "agency", _(
                    "The petitions are registered at %(agency)s: propose the agency that answers.",
                    agency=council.name)))
        if problems:
            errors.extend(problems)
        else:
            out.append(PetitionRow(row.number, content, commune, topic, agency))
    if errors:
        raise ImportRejected(errors)
    return out


def _title(topic: str, content: str) -> str:
    text = " ".join(content.split())
    title = f"{topic}: {text}" if topic else text
    return title if len(title) <= TITLE_LENGTH else title[:TITLE_LENGTH - 1].rstrip() + "…"


def add_petitions(meeting: VoterMeeting, rows: Sequence[RawRow], actor: User, *, source: str = "form") -> list[Case]:
    """Register the petitions of a meeting, all of them or none (ImportRejected).

    Every row is checked before the first write; the caller commits once."""
    petitions = check_rows(rows)
    council = council_agency()
    cases = []
    for p in petitions:
        case, _key = submit_case(Submission(
            kind=Kind.VOTER_PETITION, title=_title(p.topic, p.content), content=p.content,
            channel=Channel.VOTER_MEETING, received_on=meeting.held_on, agency=council,
            commune=p.commune or meeting.commune, is_anonymous=True,
        ), actor=actor)
        case.voter_meeting_id = meeting.id
        db.session.add(CaseEvent(
            case_id=case.id, acted_on=meeting.held_on, actor_id=actor.id, event=COLLECT_EVENT,
            from_status=case.status, to_status=case.status, is_public=False,
            data={"meeting": meeting.id, "source": source, "row": p.number, "topic": p.topic or None,
                  "proposed_agency": p.agency.code if p.agency else None},
        ))
        cases.append(case)
    db.session.flush()
    return cases


def import_petitions(meeting: VoterMeeting, filename: str | None, data: bytes, actor: User) -> list[Case]:
    """An uploaded .xlsx or .csv file: every petition stored, or none (ImportRejected)."""
    kind = "xlsx" if (filename or "").lower().endswith(".xlsx") else "csv"
    return add_petitions(meeting, read_upload(filename, data), actor, source=kind)


# -- templates ----------------------------------------------------------------------


def template_headings() -> list[str]:
    with force_locale("vi"):
        return [str(COLUMN_LABELS[c]) for c in COLUMNS]


def template_csv() -> bytes:
    """The CSV template: the headings, UTF-8 with a byte order mark (Excel reads it so)."""
    out = io.StringIO()
    csv.writer(out).writerow(template_headings())
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(text: str | None) -> str:
    """Text in a spreadsheet cell, never read as a formula."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _sheet_title(text: str) -> str:
    return "".join(ch for ch in text if ch not in "[]:*?/\\")[:31]


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    thin = Side(style="thin", color="808080")
    return {"bold": Font(bold=True), "title": Font(bold=True, size=13),
            "head": Alignment(horizontal="center", vertical="center", wrap_text=True),
            "wrap": Alignment(vertical="top", wrap_text=True),
            "border": Border(left=thin, right=thin, top=thin, bottom=thin),
            "fill": PatternFill("solid", fgColor="EEF1F4")}


def template_workbook() -> bytes:
    """The Excel template: the petitions sheet (headings only), then the lists of
    communes and agencies with their codes. Only the first sheet is imported."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    st = _styles()
    wb = Workbook()
    with force_locale("vi"):
        ws = wb.active
        ws.title = _sheet_title(_("Voter petitions"))
        for i, (text, width) in enumerate(zip(template_headings(), (70, 24, 24, 28)), start=1):
            cell = ws.cell(row=1, column=i, value=text)
            cell.font, cell.fill, cell.alignment, cell.border = st["bold"], st["fill"], st["head"], st["border"]
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        communes = wb.create_sheet(_sheet_title(_("Communes and wards")))
        communes.append([_("Code"), _("Name")])
        for code, name in commune_choices():
            communes.append([code, name])
        agencies = wb.create_sheet(_sheet_title(_("Agencies")))
        agencies.append([_("Code"), _("Name")])
        council = council_agency()
        for code, name in agency_choices(Agency.id != council.id):
            agencies.append([code, name])
        for sheet in (communes, agencies):
            sheet.column_dimensions["A"].width = 16
            sheet.column_dimensions["B"].width = 50
            for cell in sheet[1]:
                cell.font = st["bold"]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- the petitions of a meeting and what became of them -------------------------------


@dataclass
class PetitionInfo:
    """What the pages and the report show of a petition, read from its events."""

    case: Case
    topic: str = ""
    proposed_agency: Agency | None = None
    assigned: bool = False
    answer: str | None = None
    answered_on: date | None = None
    due: Any = None  # the latest voter-petition-answer Deadline
    carried_over_to: str | None = None

    @property
    def satisfied(self) -> bool | None:
        return self.case.voters_satisfied

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.due.completed_on is None and self.due.due_on < today


def petition_info(cases: Sequence[Case]) -> dict[int, PetitionInfo]:
    """By case id: the topic and proposed agency (``collect``), the answer, the due date."""
    codes = {e.data.get("proposed_agency") for c in cases for e in c.events
             if e.event == COLLECT_EVENT and e.data and e.data.get("proposed_agency")}
    agencies = {a.code: a for a in db.session.scalars(db.select(Agency).where(Agency.code.in_(codes)))} \
        if codes else {}
    out = {}
    for case in cases:
        info = PetitionInfo(case)
        for e in case.events:
            data = e.data or {}
            fields = data.get("fields") or {}
            if e.event == COLLECT_EVENT:
                info.topic = data.get("topic") or ""
                info.proposed_agency = agencies.get(data.get("proposed_agency"))
            elif e.event == Event.ASSIGN.value:
                info.assigned, info.carried_over_to = True, None
            elif e.event == Event.ANSWER.value:
                info.answer, info.answered_on = fields.get("answer"), e.acted_on
            elif e.event == Event.CARRY_OVER.value:
                info.carried_over_to = clean_session(fields.get("session"))
        steps = [d for d in case.deadlines if d.step == Step.VOTER_PETITION_ANSWER]
        info.due = max(steps, key=lambda d: d.id) if steps else None
        out[case.id] = info
    return out


def _with_details(query):
    return query.options(selectinload(Case.events), selectinload(Case.deadlines), selectinload(Case.agency),
                         selectinload(Case.commune))


def meeting_petitions(meeting: VoterMeeting) -> list[Case]:
    return list(db.session.scalars(_with_details(db.select(Case).where(Case.voter_meeting_id == meeting.id))
                                   .order_by(Case.id)))


# -- the workflow: consolidate, assign, answer, report ---------------------------------


class _NoProposal(ValueError):
    """An assignment to the proposed agency, for a petition that proposed none."""


def _precheck(case: Case, event: str, actor: User, act_date: date, fields: dict, today: date) -> None:
    """Everything apply_transition would refuse, without writing: the engine's decision
    on the case as it is, and the agency named."""
    if case.kind != Kind.VOTER_PETITION.value:
        raise TransitionError(_("This case is not a voter petition."))
    row = find_transition(snapshot(case), event)
    for spec in row.fields:
        if spec.type == "agency" and fields.get(spec.name):
            agency = db.session.scalar(db.select(Agency).where(Agency.code == str(fields[spec.name])))
            if agency is None or agency.id == case.agency_id:
                raise TransitionError(AGENCY_INVALID.format(label=spec.label))
    decide(snapshot(case), event, actor_for(actor, case), act_date, fields, today, get_calendar(), get_rules())


def act_on_petitions(cases: Sequence[Case], event: str, actor: User, act_date: date,
                     fields: Mapping[str, Any] | Callable[[Case], dict], *, today: date,
                     versions: Mapping[str, int] | None = None) -> list[CaseEvent]:
    """One ``apply_transition`` per case, all or none: every case is checked first and
    BulkRejected lists each refusal (translated); a refusal while applying (another
    officer acting at the same moment) rolls the whole batch back."""
    if not cases:
        raise BulkRejected([CaseProblem("", _("Select at least one petition."))])
    planned, problems = [], []
    for case in cases:
        expected = (versions or {}).get(case.tracking_code)
        try:
            values = fields(case) if callable(fields) else dict(fields)
            values = {k: v for k, v in values.items() if v not in (None, "")}
            if expected is not None and expected != case.version:
                raise ConflictError(CONFLICT)
            _precheck(case, event, actor, act_date, values, today)
        except (TransitionError, _NoProposal) as error:
            problems.append(CaseProblem(case.tracking_code, labels.tr_message(str(error))))
        else:
            planned.append((case, values, expected))
    if problems:
        raise BulkRejected(problems)
    records = []
    for case, values, expected in planned:
        try:
            records.append(apply_transition(case, event, actor, act_date, values, today=today,
                                            expected_version=expected))
        except TransitionError as error:
            db.session.rollback()
            raise BulkRejected([CaseProblem(case.tracking_code, labels.tr_message(str(error)))]) from None
    return records


def consolidate_petitions(cases: Sequence[Case], actor: User, act_date: date, session: str, *, note: str | None = None,
                          today: date, versions: Mapping[str, int] | None = None) -> list[CaseEvent]:
    """The standing committee consolidates the petitions for ``session``."""
    return act_on_petitions(cases, Event.CONSOLIDATE.value, actor, act_date,
                            {"session": clean_session(session), "note": note}, today=today, versions=versions)


def assign_petitions(cases: Sequence[Case], actor: User, act_date: date, agency_code: str | None, *,
                     note: str | None = None, today: date,
                     versions: Mapping[str, int] | None = None) -> list[CaseEvent]:
    """Assign to ``agency_code``, or (None or :data:`PROPOSED`) to each petition's proposed
    agency. Starts the answer deadline."""
    proposed = None
    if agency_code in (None, "", PROPOSED):
        infos = petition_info(cases)
        proposed = {c.id: infos[c.id].proposed_agency for c in cases}

    def values(case: Case) -> dict:
        code = agency_code
        if proposed is not None:
            agency = proposed.get(case.id)
            if agency is None:
                raise _NoProposal(_("No agency was proposed for this petition: choose the agency."))
            code = agency.code
        return {"agency": code, "note": note}

    return act_on_petitions(cases, Event.ASSIGN.value, actor, act_date, values, today=today, versions=versions)


def answer_petition(case: Case, actor: User, act_date: date, answer: str, *, today: date,
                    expected_version: int | None = None) -> CaseEvent:
    """The answering agency's answer (it stops the answer deadline)."""
    return apply_transition(case, Event.ANSWER.value, actor, act_date, {"answer": answer}, today=today,
                            expected_version=expected_version)


def report_petition(case: Case, actor: User, act_date: date, *, satisfied: bool, note: str | None = None,
                    today: date, expected_version: int | None = None) -> CaseEvent:
    """The answer reported back to voters, with whether they were satisfied
    (``Case.voters_satisfied``; reporting again after a carry-over overwrites it)."""
    record = apply_transition(case, Event.REPORT.value, actor, act_date, {"note": note}, today=today,
                              expected_version=expected_version)
    case.voters_satisfied = bool(satisfied)
    db.session.flush()
    return record


# -- the report per session -----------------------------------------------------------


@dataclass
class SessionReport:
    session: str
    meetings: list[VoterMeeting]
    rows: list[tuple[PetitionInfo, VoterMeeting]]
    #: petitions of earlier sessions carried over to this one
    carried_in: list[tuple[PetitionInfo, VoterMeeting]]

    @property
    def all_rows(self) -> list[tuple[PetitionInfo, VoterMeeting, bool]]:
        """(petition, its meeting, carried over from an earlier session?)"""
        return [(i, m, False) for i, m in self.rows] + [(i, m, True) for i, m in self.carried_in]

    def count(self, test: Callable[[PetitionInfo], bool]) -> int:
        return sum(1 for info, _m, _c in self.all_rows if test(info))

    @property
    def totals(self) -> dict[str, Any]:
        reported = self.count(lambda i: i.satisfied is not None)
        satisfied = self.count(lambda i: i.satisfied is True)
        return {"petitions": len(self.all_rows), "answered": self.count(lambda i: i.answer is not None),
                "reported": reported, "satisfied": satisfied,
                "satisfied_rate": satisfied / reported if reported else None}


def session_report(session: str) -> SessionReport:
    """Every petition of the meetings reporting to ``session``, and those carried over to it."""
    session = clean_session(session)
    meetings = list(db.session.scalars(db.select(VoterMeeting).where(VoterMeeting.council_session == session)
                                       .order_by(VoterMeeting.held_on, VoterMeeting.id)))
    by_id = {m.id: m for m in meetings}
    cases = list(db.session.scalars(_with_details(db.select(Case).where(Case.voter_meeting_id.in_(by_id)))
                                    .order_by(Case.voter_meeting_id, Case.id))) if by_id else []
    listed = {c.id for c in cases}
    carried_ids = [cid for cid, data in db.session.execute(
        db.select(CaseEvent.case_id, CaseEvent.data).join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.event == Event.CARRY_OVER.value, Case.kind == Kind.VOTER_PETITION.value))
        if _session_key(((data or {}).get("fields") or {}).get("session")) == _session_key(session)
        and cid not in listed]
    carried = list(db.session.scalars(_with_details(db.select(Case).where(Case.id.in_(set(carried_ids))))
                                      .order_by(Case.id))) if carried_ids else []
    infos = petition_info(cases + carried)
    others = {m.id: m for m in db.session.scalars(db.select(VoterMeeting).where(
        VoterMeeting.id.in_({c.voter_meeting_id for c in carried})))} if carried else {}
    return SessionReport(
        session=session, meetings=meetings,
        rows=[(infos[c.id], by_id[c.voter_meeting_id]) for c in cases],
        carried_in=[(infos[c.id], others[c.voter_meeting_id]) for c in carried if c.voter_meeting_id in others],
    )


def satisfied_label(value: bool | None) -> str:
    if value is None:
        return _("Not reported yet")
    return _("Satisfied") if value else _("Not satisfied")


def report_headings() -> list[str]:
    return [_("No."), _("Tracking code"), _("Voter meeting"), _("Commune"), _("Field or topic"),
            _("Content of the petition"), _("Agency answering"), _("Answer"), _("Date answered"),
            _("Voters satisfied"), _("Status"), _("Answer due")]


def _meeting_label(meeting: VoterMeeting) -> str:
    return f"{meeting.held_on.strftime('%d/%m/%Y')}, {meeting.place}"


def session_workbook(report: SessionReport) -> bytes:
    """The session's report as an Excel workbook, headed in Vietnamese."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    st = _styles()
    wb = Workbook()
    with force_locale("vi"):
        ws = wb.active
        ws.title = _sheet_title(_("Voter petitions"))
        headings = report_headings()
        ws.cell(row=1, column=1, value=_cell(_("Voter petitions reported to %(session)s", session=report.session)))\
            .font = st["title"]
        totals = report.totals
        ws.cell(row=2, column=1, value=_(
            "Petitions: %(petitions)d · meetings: %(meetings)d · answered: %(answered)d · "
            "voters satisfied: %(satisfied)d of %(reported)d reported back.",
            petitions=totals["petitions"], meetings=len(report.meetings), answered=totals["answered"],
            satisfied=totals["satisfied"], reported=totals["reported"]))
        for i, (text, width) in enumerate(zip(headings, (6, 14, 26, 22, 18, 60, 28, 60, 12, 16, 22, 12)), start=1):
            cell = ws.cell(row=4, column=i, value=text)
            cell.font, cell.fill, cell.alignment, cell.border = st["bold"], st["fill"], st["head"], st["border"]
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A5"
        r = 5
        for n, (info, meeting, carried) in enumerate(report.all_rows, start=1):
            case = info.case
            status = labels.label(labels.STATUS, case.status)
            if carried:
                status = _("%(status)s (carried over from %(session)s)", status=status,
                           session=meeting.council_session)
            values = [n, format_code(case.tracking_code), _cell(_meeting_label(meeting)),
                      case.commune.name if case.commune else "", _cell(info.topic), _cell(case.content),
                      case.agency.name if info.assigned else "", _cell(info.answer), info.answered_on,
                      satisfied_label(info.satisfied), status, info.due.due_on if info.due else None]
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=col, value=value)
                cell.alignment, cell.border = st["wrap"], st["border"]
                if isinstance(value, date):
                    cell.number_format = "DD/MM/YYYY"
            r += 1
        _agency_summary_sheet(wb.create_sheet(), report, st)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def agency_summary(report: SessionReport) -> list[dict]:
    """Per agency answering (petitions not yet assigned under the council's office): how
    many petitions, answered, reported back, voters satisfied, overdue."""
    rows: dict[str, dict] = {}
    today = None
    for info, _meeting, _carried in report.all_rows:
        case = info.case
        name = case.agency.name if info.assigned else _("Not assigned yet")
        row = rows.setdefault(name, {"agency": name, "petitions": 0, "answered": 0, "reported": 0,
                                     "satisfied": 0, "overdue": 0})
        row["petitions"] += 1
        row["answered"] += info.answer is not None
        row["reported"] += info.satisfied is not None
        row["satisfied"] += info.satisfied is True
        if today is None:
            from ..web import local_today
            today = local_today()
        row["overdue"] += info.overdue(today)
    return sorted(rows.values(), key=lambda r: fold(r["agency"]))


def _agency_summary_sheet(ws, report: SessionReport, st) -> None:
    from openpyxl.utils import get_column_letter
    ws.title = _sheet_title(_("By agency"))
    ws.cell(row=1, column=1, value=_cell(_("Voter petitions reported to %(session)s, by agency answering",
                                           session=report.session))).font = st["title"]
    headings = [_("Agency answering"), _("Petitions"), _("Answered"), _("Reported back to voters"),
                _("Voters satisfied"), _("Answer overdue")]
    for i, (text, width) in enumerate(zip(headings, (48, 12, 12, 16, 14, 14)), start=1):
        cell = ws.cell(row=3, column=i, value=text)
        cell.font, cell.fill, cell.alignment, cell.border = st["bold"], st["fill"], st["head"], st["border"]
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A4"
    r = 4
    totals = [0, 0, 0, 0, 0]
    for row in agency_summary(report):
        values = [_cell(row["agency"]), row["petitions"], row["answered"], row["reported"], row["satisfied"],
                  row["overdue"]]
        for col, value in enumerate(values, start=1):
            ws.cell(row=r, column=col, value=value).border = st["border"]
        totals = [t + v for t, v in zip(totals, values[1:])]
        r += 1
    for col, value in enumerate([_("Total")] + totals, start=1):
        cell = ws.cell(row=r, column=col, value=value)
        cell.font, cell.border = st["bold"], st["border"]


def report_filename(session: str, fmt: str) -> str:
    slug = "-".join(w for w in "".join(ch if ch.isalnum() else " " for ch in fold(session)).split())
    return f"kien-nghi-cu-tri_{slug or 'ky-hop'}.{fmt}"

