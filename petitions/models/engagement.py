"""Meeting citizens: reception sessions, dialogues, voter meetings, satisfaction ratings."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import EncryptedText, UTCDateTime, utcnow


class ReceptionSession(db.Model):
    """A citizen reception session (tiếp công dân) chaired by an agency's head: regular
    (commune chairman weekly, heads of provincial bodies monthly) or ad hoc."""

    __tablename__ = "reception_sessions"
    __table_args__ = (
        CheckConstraint("kind IN ('regular', 'ad_hoc')", name="kind"),
        CheckConstraint("mode IN ('in_person', 'online')", name="mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # a deputy chairing on the head's authority (Law on Citizen Reception Art. 12, 15): the
    # head who authorised it, and the written authorisation; the session counts for that head
    authorised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    authorisation: Mapped[str | None] = mapped_column(String(300))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(10), default="regular")
    mode: Mapped[str] = mapped_column(String(10), default="in_person")
    place: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency = relationship("Agency")
    chair = relationship("User", foreign_keys=[chair_id])
    authorised_by = relationship("User", foreign_keys=[authorised_by_id])

    @property
    def duty_head_id(self) -> int:
        """The head whose reception duty this session fulfils."""
        return self.authorised_by_id or self.chair_id
    visits: Mapped[list[ReceptionVisit]] = relationship(back_populates="session", cascade="all, delete-orphan",
                                                        order_by="ReceptionVisit.id")
    conclusions: Mapped[list[Conclusion]] = relationship(back_populates="session", cascade="all, delete-orphan",
                                                         order_by="Conclusion.id")


class ReceptionVisit(db.Model):
    """A person (or group) received at a session, about a case or a new matter."""

    __tablename__ = "reception_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("reception_sessions.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # the visitor may be a denouncer: sealed like the parties' identity (models/types.py)
    visitor_name: Mapped[str] = mapped_column(EncryptedText)
    people: Mapped[int] = mapped_column(Integer, default=1)
    summary: Mapped[str] = mapped_column(Text)

    session: Mapped[ReceptionSession] = relationship(back_populates="visits")
    case = relationship("Case")


class Conclusion(db.Model):
    """A conclusion of the chair: a task with an owner and a due date, watched by the sweep."""

    __tablename__ = "conclusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("reception_sessions.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    done_note: Mapped[str | None] = mapped_column(Text)

    session: Mapped[ReceptionSession] = relationship(back_populates="conclusions")
    owner = relationship("User")


class Dialogue(db.Model):
    """A direct dialogue of an agency's head with citizens or businesses (target 7)."""

    __tablename__ = "dialogues"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    head_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    topic: Mapped[str] = mapped_column(String(300))
    participants: Mapped[str] = mapped_column(Text)
    issues: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency = relationship("Agency")
    head = relationship("User", foreign_keys=[head_id])
    commitments: Mapped[list[Commitment]] = relationship(back_populates="dialogue", cascade="all, delete-orphan",
                                                         order_by="Commitment.id")


class Commitment(db.Model):
    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogues.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    # the officer of the agency responsible for keeping it
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    # what was done, recorded with the date it was done
    result: Mapped[str | None] = mapped_column(Text)

    dialogue: Mapped[Dialogue] = relationship(back_populates="commitments")
    owner = relationship("User")


class VoterMeeting(db.Model):
    """A voter meeting held with the Fatherland Front, where voter petitions are collected."""

    __tablename__ = "voter_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"))
    deputies: Mapped[str] = mapped_column(Text)
    front_committee: Mapped[str] = mapped_column(String(200))
    council_session: Mapped[str] = mapped_column(String(200))  # e.g. "Kỳ họp thứ 5, HĐND tỉnh khóa XVIII"
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    commune = relationship("AdminUnit")


class Rating(db.Model):
    """The filer's rating of a closed case (target 3): the outcome and the service, 1 to 5."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("outcome_score BETWEEN 1 AND 5", name="outcome"),
        CheckConstraint("service_score BETWEEN 1 AND 5", name="service"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    outcome_score: Mapped[int] = mapped_column(Integer)
    service_score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    wants_review: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    review_due_on: Mapped[date | None] = mapped_column(Date)
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    review_answer: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case = relationship("Case")

    @property
    def satisfied(self) -> bool:
        return self.outcome_score >= 4 and self.service_score >= 4
