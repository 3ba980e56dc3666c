"""Receiving a letter: from the public form, the API or the reception desk."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable, TypeVar

from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import AdminUnit, Agency, Attachment, Case, CaseEvent, Deadline, Notification, Party
from ..workflow.states import INITIAL_STATUS, Channel, Kind
from . import codes, uploads
from .workflow import register_deadlines, unique_code

T = TypeVar("T")

PARTY_FIELDS = ("full_name", "id_number", "phone", "email", "address")

#: a letter signed by this many people or more is a joint letter (LEGAL.md, "Joint complaints")
MASS_SIGNERS = 5


def representatives_allowed(signers: int) -> int:
    """How many representatives the signers of a joint letter may appoint: 5 to 10 signers
    at most 2, more than 10 at most 5 (NĐ 124/2020/NĐ-CP, Art. 7; LEGAL.md). The one rule
    used at filing (forms, API) and at acceptance (services/workflow.py)."""
    return 2 if signers <= 10 else 5


@dataclass
class Submission:
    kind: Kind
    title: str
    content: str
    channel: Channel
    received_on: date
    agency: Agency
    commune: AdminUnit | None = None
    respondent: str | None = None
    petitioner: dict = field(default_factory=dict)
    co_signers: list[dict] = field(default_factory=list)
    is_anonymous: bool = False
    files: list[uploads.CheckedFile] = field(default_factory=list)


def default_agency_for(commune: AdminUnit | None) -> Agency | None:
    """A letter about a commune goes to that commune's People's Committee by default."""
    from .refdata import committee_of
    return committee_of(commune)


def submit_case(sub: Submission, actor=None, *, code_checked: bool = True, direct: bool = False,
                alone: bool = False, prepare: Callable[[Case], None] | None = None) -> tuple[Case, str]:
    """Register a letter; returns the case and the access key (shown once, never stored).

    ``code_checked=False`` (the filing views, inside :func:`with_code_retry`): the tracking
    code is not looked up first; the unique index refuses the rare collision and the whole
    filing is tried again with a new code. Callers inside a larger transaction (demo data,
    voter meetings, reception sessions) keep the look-up: a retry would roll their work back.

    ``direct=True`` (the public filings, issue 18): the rows are written by
    :mod:`services.newcase` in one statement and the case stays out of the session (the
    caller reads what it holds: code, dates, limits, agency); the receipt's words are made by
    its sender. ``prepare(case)`` runs on the built case before anything is written.

    ``alone=True`` (with ``direct``): the caller commits right after and writes nothing
    else in this transaction; on PostgreSQL the letter's one statement then commits by
    itself (services/newcase.py), without the BEGIN and COMMIT round trips."""
    key = codes.new_access_key()
    case = Case(
        tracking_code=unique_code() if code_checked else codes.new_tracking_code(),
        access_key_hash=codes.hash_key(key),
        kind=sub.kind.value,
        channel=sub.channel.value,
        title=sub.title.strip(),
        content=sub.content.strip(),
        respondent=(sub.respondent or "").strip() or None,
        received_on=sub.received_on,
        receiving_agency_id=sub.agency.id,
        agency_id=sub.agency.id,
        agency=sub.agency,  # the receipt mail names it before the flush (a pending case loads nothing)
        # and so do the national record of a letter written in one statement (a case outside
        # the session loads no relationship: services/newcase.py)
        receiving_agency=sub.agency, commune=sub.commune,
        commune_id=sub.commune.id if sub.commune else None,
        status=INITIAL_STATUS.value,
        is_anonymous=sub.is_anonymous,
        confidential=sub.kind == Kind.DENUNCIATION,
        # a joint letter of five people or more (they appoint representatives in writing)
        is_mass=len(sub.co_signers) + (0 if sub.is_anonymous else 1) >= MASS_SIGNERS,
    )
    if not sub.is_anonymous:
        filer = Party(role="petitioner", position=0, representative=bool(sub.petitioner.get("representative")),
                      **_party(sub.petitioner))
        if sub.petitioner.get("notify_channel"):
            from .notices import record_choice  # how the filer is told, with their consent (issue 19)
            channel = sub.petitioner["notify_channel"]
            consent = bool(sub.petitioner.get("notify_consent"))
            record_choice(filer, channel if consent or channel not in ("sms", "zalo") else "email", consent=consent)
        case.parties.append(filer)
    for i, signer in enumerate(sub.co_signers, start=1):
        role = signer.get("role") or ("representative" if signer.get("representative") else "co_signer")
        case.parties.append(Party(role=role, position=i, representative=role == "representative",
                                  **_party(signer)))
    folder = current_app.config["UPLOAD_FOLDER"]
    for checked in sub.files:
        case.attachments.append(Attachment(
            original_name=checked.original_name, stored_name=uploads.store(folder, checked),
            size=checked.size, mime_type=checked.mime_type, sha256=checked.sha256,
            uploaded_by_id=actor.id if actor else None,
        ))
    from .search import refresh
    refresh(case)
    # everything hangs on the new case before the one flush: setting last_event_on and
    # adding the deadlines after a first flush cost an UPDATE of the case (version bump)
    # and a SELECT of its (empty) deadlines on every filing
    case.last_event_on = sub.received_on
    register_deadlines(case, sub.channel)
    case.events.append(CaseEvent(
        acted_on=sub.received_on, actor_id=actor.id if actor else None,
        event="receive", from_status=None, to_status=case.status, is_public=True,
        data={"channel": sub.channel.value, "attachments": len(sub.files)},
    ))
    if prepare is not None:
        prepare(case)
    if direct:
        _write_direct(case, alone)
        return case, key
    db.session.add(case)
    db.session.flush()  # the filing's one flush: case, parties, limits, event (and the summary rows)
    from .national import record_event
    record_event(case, case.events[-1])  # the reception, for the national database (issue 19)
    if (sub.petitioner or {}).get("email") or (sub.petitioner or {}).get("notify_channel") in ("sms", "zalo"):
        from .alerts import mail_receipt
        # the receipt at once, by e-mail, SMS or Zalo as the filer chose; a new case has no
        # receipt yet: its outbox row goes with the commit, no look-up of its key
        mail_receipt(case, fresh=True)
    return case, key


def _write_direct(case: Case, alone: bool = False) -> None:
    """The new letter's rows in one statement (services/newcase.py), then what a flush of
    them would have set off: the national record of its reception, the receipt's delivery.
    ``alone``: nothing else is written before the commit (see :func:`submit_case`)."""
    from . import newcase
    from .national import enabled as national_enabled
    from .notices import receipt_row
    from .outbox import kick_after_commit
    receipt = receipt_row(case)
    national = national_enabled()
    newcase.write(case, [(Party, list(case.parties)), (Deadline, list(case.deadlines)),
                         (CaseEvent, list(case.events)), (Attachment, list(case.attachments)),
                         (Notification, [receipt] if receipt is not None else [])],
                  alone=alone and not national)
    if receipt is not None:
        kick_after_commit(db.session)  # one delivery job for the receipts of many filings
    if national:
        from .national import record_event
        record_event(case, case.events[-1])  # the reception, for the national database (issue 19)


def is_code_collision(error: IntegrityError) -> bool:
    """Did the unique index on the tracking code refuse this INSERT (SQLite and PostgreSQL)?"""
    text = str(getattr(error, "orig", error))
    return "tracking_code" in text


def with_code_retry(attempt: Callable[[], T], tries: int = 3) -> T:
    """``attempt()`` files one letter (``submit_case(..., code_checked=False)``) and commits.
    When the random tracking code was already taken (50 random bits: about one filing in a
    thousand million at a million letters) the transaction is rolled back and the whole
    filing is made again with a new code; any other integrity error is raised as before."""
    for left in range(tries - 1, -1, -1):
        try:
            return attempt()
        except IntegrityError as error:
            db.session.rollback()
            if not left or not is_code_collision(error):
                raise
    raise AssertionError("unreachable")


def _party(values: dict) -> dict:
    return {k: ((values.get(k) or "").strip() or None) for k in PARTY_FIELDS}


def find_public_case(code: str, key: str) -> Case | None:
    """The case behind a tracking code and access key; None for a wrong code or key alike."""
    code = codes.normalize(code)
    if len(code) != codes.CODE_LENGTH or not key:
        return None
    case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
    if case is None or not codes.check_key(case.access_key_hash, key):
        return None
    return case
