"""Cases, the people who filed them, their events, deadlines and attachments."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, event, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..workflow.states import Channel, Kind
from .types import EncryptedText, UTCDateTime, utcnow
from .units import AdminUnit, Agency
from .users import User


def _in(values) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class Case(db.Model):
    """One letter and the case it becomes.

    ``status`` is written only by the transition service. Overdue is never stored:
    it is derived from the running deadlines.
    """

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(Kind)})", name="kind"),
        CheckConstraint(f"channel IN ({_in(Channel)})", name="channel"),
        Index("ix_cases_agency_received", "agency_id", "received_on"),
        Index("ix_cases_agency_status", "agency_id", "status"),
        # the officer queue: an agency's cases, most urgent first (next_due_on ASC NULLS LAST, id)
        Index("ix_cases_agency_next_due", "agency_id", "next_due_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    access_key_hash: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    # the decision or act complained about, or the person/body denounced
    respondent: Mapped[str | None] = mapped_column(String(500))
    # when the letter was registered in the system, and the legal day it was received
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_on: Mapped[date] = mapped_column(Date)
    receiving_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))  # the agency holding it
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    status: Mapped[str] = mapped_column(String(40))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    is_mass: Mapped[bool] = mapped_column(Boolean, default=False)
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # the filer's identity is protected by law: every denunciation, and any part split
    # from a letter that denounces (Law on Denunciations Art. 8, 47, 56)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    link_type: Mapped[str | None] = mapped_column(String(20))
    closed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # --- what the workflow engine needs to know (see workflow.engine.CaseSnapshot) ---
    second_time: Mapped[bool] = mapped_column(Boolean, default=False)
    is_complex: Mapped[bool] = mapped_column(Boolean, default=False)
    is_very_complex: Mapped[bool] = mapped_column(Boolean, default=False)
    several_places: Mapped[bool] = mapped_column(Boolean, default=False)
    extensions_used: Mapped[int] = mapped_column(Integer, default=0)
    # the length decided for each extension, in days (Law on Denunciations Art. 30: at most 30)
    extension_lengths: Mapped[list | None] = mapped_column(JSON)
    # the initial processing's length decided when checking at several places (Art. 24(1): at most 10)
    several_places_days: Mapped[int | None] = mapped_column(Integer)
    # a complexity determined in writing during the case: {"day", "document", "ground"} (NĐ 155/2026)
    complexity_basis: Mapped[dict | None] = mapped_column(JSON)
    # the day the complainant received the first-time decision (Law on Complaints Art. 33)
    decision_received_on: Mapped[date | None] = mapped_column(Date)
    status_before_suspension: Mapped[str | None] = mapped_column(String(40))
    suspended_since: Mapped[date | None] = mapped_column(Date)
    suspensions: Mapped[list | None] = mapped_column(JSON)  # [[from, to], ...] ISO dates
    dialogue_held: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawal_received: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_on: Mapped[date | None] = mapped_column(Date)
    last_event_on: Mapped[date | None] = mapped_column(Date)
    # the nearest due date of the running (not completed, not paused, not the filer's)
    # limits, NULL when none: kept by services/workflow._keep_next_due on every flush
    next_due_on: Mapped[date | None] = mapped_column(Date)
    # the recorded outcome: a refusal reason, a decision (uphold/amend/annul), a verdict
    outcome: Mapped[str | None] = mapped_column(String(40))
    # voter petitions: the meeting they were collected at, and whether voters were satisfied
    voter_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("voter_meetings.id"), index=True)
    voters_satisfied: Mapped[bool | None] = mapped_column(Boolean)
    # accent-free lower-case text of the case for search ("khieu nai dat dai" finds
    # "khiếu nại đất đai"); a denouncer's name and ID number are never in it
    search_text: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"version_id_col": version}

    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id])
    receiving_agency: Mapped[Agency] = relationship(foreign_keys=[receiving_agency_id])
    commune: Mapped[AdminUnit | None] = relationship()
    handler: Mapped[User | None] = relationship()
    # a forwarded copy, a second-time complaint, a repeat, a split part: linked to where it came from
    parent: Mapped[Case | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Case]] = relationship(back_populates="parent", order_by="Case.id")
    parties: Mapped[list[Party]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Party.position"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id"
    )
    deadlines: Mapped[list[Deadline]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Deadline.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    @property
    def petitioner(self) -> Party | None:
        return next((p for p in self.parties if p.role == "petitioner"), None)

    @property
    def identity_is_confidential(self) -> bool:
        """A denouncer's identity is protected by law (Law on Denunciations Art. 8, 47, 56)."""
        return self.kind == Kind.DENUNCIATION or bool(self.confidential)

    @property
    def running_deadlines(self) -> list[Deadline]:
        return [d for d in self.deadlines if d.completed_on is None]

    @property
    def running_deadline(self) -> Deadline | None:
        """The most urgent time limit that is counting now (paused ones are not)."""
        running = [d for d in self.running_deadlines if d.paused_on is None and not d.for_filer]
        return min(running, key=lambda d: d.due_on) if running else None


    @property
    def pseudonym(self) -> str:
        return f"#{self.tracking_code[:4]}"

    def __repr__(self) -> str:
        return f"<Case {self.tracking_code} {self.kind} {self.status}>"


class Party(db.Model):
    """A person who filed the letter, signed it with others, or represents them.

    Kept apart from the case. For denunciations it is confidential: only the handling
    officer and the head of the handling agency may see it, and each view is logged.
    Every party's identity is encrypted at rest (services/crypto.py, Law 91/2025): the
    columns hold Fernet tokens; ``id_number_digest`` is the blind index (HMAC of the ID
    number's digits) that duplicates and look-ups by citizen ID match on.
    """

    __tablename__ = "parties"
    __table_args__ = (
        CheckConstraint("role IN ('petitioner', 'co_signer', 'representative')", name="role"),
        CheckConstraint("notify_channel IN ('email', 'sms', 'zalo', 'none')", name="notify_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="petitioner")
    position: Mapped[int] = mapped_column(Integer, default=0)
    full_name: Mapped[str | None] = mapped_column(EncryptedText)
    id_number: Mapped[str | None] = mapped_column(EncryptedText)
    id_number_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    email: Mapped[str | None] = mapped_column(EncryptedText)
    address: Mapped[str | None] = mapped_column(EncryptedText)
    # a signer of a joint complaint (the first filer too) who withdrew; the case goes on for the others
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    # appointed in writing to represent the signers of a joint letter (any signer, the first
    # filer included): ticked at filing, chosen again at acceptance (services/intake.py)
    representative: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # how the filer chose to be told of each step (issue 19): e-mail, SMS or Zalo to their phone,
    # or not at all; None: by e-mail if they gave an address (as before). SMS and Zalo only with
    # consent, recorded with its moment (the form's check box, or the choice on the status page)
    notify_channel: Mapped[str | None] = mapped_column(String(10))
    notify_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the name and ID number were not typed but vouched for by the identity provider (issue 19):
    # 'vneid' when a citizen signed in with VNeID filed the letter; None when typed or told at the desk
    verified_by: Mapped[str | None] = mapped_column(String(20))

    case: Mapped[Case] = relationship(back_populates="parties")

    @validates("id_number")
    def _index_id_number(self, _key, value):
        from ..services.crypto import id_digest
        self.id_number_digest = id_digest(value)
        return value


class CaseEvent(db.Model):
    """Append-only log of everything that happens to a case."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acted_on: Mapped[date] = mapped_column(Date)  # the date of the act, may precede the entry
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(40))
    to_status: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict | None] = mapped_column(JSON)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Deadline(db.Model):
    """A legal time limit running on a step of a case. Overdue = open and past due."""

    __tablename__ = "deadlines"
    __table_args__ = (
        # the sweep and the overdue counts read only running limits, in (due date, id) order
        # one running row per step and case
        Index("uq_deadlines_running_step", "case_id", "step", unique=True,
              sqlite_where=text("completed_on IS NULL"), postgresql_where=text("completed_on IS NULL")),
        Index(
            "ix_deadlines_open_due", "due_on", "id",
            sqlite_where=text("completed_on IS NULL"),
            postgresql_where=text("completed_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    started_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    limit_days: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(300))
    completed_on: Mapped[date | None] = mapped_column(Date)
    # a suspension freezes the count (workflow: suspended time is not counted)
    paused_on: Mapped[date | None] = mapped_column(Date)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    # how the due date was computed: DueDate.to_data() (older rows: English lines), written on display
    explanation: Mapped[dict | list | None] = mapped_column(JSON)

    case: Mapped[Case] = relationship(back_populates="deadlines")

    @property
    def for_filer(self) -> bool:
        """A limit that runs for the filer (e.g. to file a second-time complaint), not the agency."""
        from ..workflow.deadlines import FILER_STEPS
        return self.step in FILER_STEPS

    @property
    def on_time(self) -> bool | None:
        """Met within the limit? None while it runs, and for the filer's own limits."""
        if self.completed_on is None or self.for_filer:
            return None
        return self.completed_on <= self.due_on


class Attachment(db.Model):
    """A file stored outside the web root under a random name."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    mime_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="attachments")


class IdentityAccess(db.Model):
    """Every time an officer is shown a confidential filer identity."""

    __tablename__ = "identity_accesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    context: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()


@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
@event.listens_for(IdentityAccess, "before_update")
@event.listens_for(IdentityAccess, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError(f"{type(target).__name__} rows are append-only")
