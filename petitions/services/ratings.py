"""Citizens rate a closed case (target 3: satisfaction above 90%).

The filer rates the outcome and the service from 1 to 5 with an optional comment. A
poor rating (2 or less) or an explicit request asks for a review, which the agency's
head must answer within ``REVIEW_DAYS`` working days. *Satisfied* means 4 or 5 on both.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from ..extensions import db
from ..models import AuditLog, Case, CaseEvent, Rating, User
from .calendar import get_calendar
from .urgings import _heads


class RatingError(ValueError):
    pass


NOT_CLOSED = _l("A case can be rated once it is closed.")
ALREADY = _l("This case has already been rated. Thank you.")


def may_rate(case: Case) -> bool:
    return case.closed_on is not None and db.session.scalar(
        select(Rating.id).where(Rating.case_id == case.id)) is None


def rate_case(case: Case, outcome: int, service: int, comment: str | None, wants_review: bool,
              today: date) -> Rating:
    if case.closed_on is None:
        raise RatingError(NOT_CLOSED)
    if not may_rate(case):
        raise RatingError(ALREADY)
    review = wants_review or min(outcome, service) <= 2
    rating = Rating(case_id=case.id, outcome_score=outcome, service_score=service,
                    comment=(comment or "").strip() or None, wants_review=review,
                    review_due_on=get_calendar().add_working_days(today, current_app.config["REVIEW_DAYS"])
                    if review else None)
    db.session.add(rating)
    db.session.add(CaseEvent(case_id=case.id, acted_on=today, actor_id=None, event="rate",
                             from_status=case.status, to_status=case.status, is_public=True,
                             data={"outcome": outcome, "service": service, "review": review}))
    db.session.flush()
    if review:
        _ask_review(case, rating)
    return rating


def _ask_review(case: Case, rating: Rating) -> None:
    from ..jobs import enqueue_after_commit
    from ..models import Notification
    from flask_babel import force_locale

    from .alerts import SEND_JOB, _render
    from .codes import format_code
    base = current_app.config["BASE_URL"].rstrip("/")
    with force_locale("vi"):
        from .verification import outgoing_text
        subject, body = _render("mail/review.txt", code=format_code(case.tracking_code),
                                title=outgoing_text(case.title, case),
                                rating=rating, link=f"{base}/officer/cases/{case.tracking_code}")
    for head in _heads(case.agency_id):
        note = Notification(user_id=head.id, case_id=case.id, email=head.email, kind="review_request",
                            subject=subject, body=body, attempts=0, data={"rating": rating.id},
                            status="none" if not head.email else ("digest" if head.alert_digest else "pending"))
        db.session.add(note)
        db.session.flush()
        if note.status == "pending":
            enqueue_after_commit(db.session, SEND_JOB, note.id)


def answer_review(rating: Rating, by: User, text: str, today: date) -> None:
    rating.review_answer, rating.reviewed_on, rating.reviewed_by_id = text.strip(), today, by.id
    db.session.add(AuditLog(user_id=by.id, action="answer_review", object_type="rating", object_id=str(rating.id),
                            details={"late": bool(rating.review_due_on and rating.review_due_on < today)}))
    db.session.add(CaseEvent(case_id=rating.case_id, acted_on=today, actor_id=by.id, event="answer_review",
                             from_status=rating.case.status, to_status=rating.case.status, is_public=True,
                             data={"answer": text.strip()}))


@dataclass(frozen=True)
class Satisfaction:
    ratings: int
    satisfied: int

    @property
    def rate(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None


def satisfaction(start: date, end: date, agency_ids=None) -> Satisfaction:
    """Ratings of cases closed in the period (in the agencies given; all if None)."""
    good = and_(Rating.outcome_score >= 4, Rating.service_score >= 4)
    query = select(func.count(Rating.id), func.coalesce(func.sum(case((good, 1), else_=0)), 0)) \
        .join(Case, Case.id == Rating.case_id).where(Case.closed_on.between(start, end))
    if agency_ids is not None:
        query = query.where(Case.agency_id.in_(agency_ids))
    n, ok = db.session.execute(query).one()
    return Satisfaction(int(n), int(ok))


def satisfaction_by_agency(start: date, end: date) -> dict[int, Satisfaction]:
    good = and_(Rating.outcome_score >= 4, Rating.service_score >= 4)
    rows = db.session.execute(
        select(Case.agency_id, func.count(Rating.id), func.coalesce(func.sum(case((good, 1), else_=0)), 0))
        .join(Case, Case.id == Rating.case_id).where(Case.closed_on.between(start, end)).group_by(Case.agency_id))
    return {aid: Satisfaction(int(n), int(ok)) for aid, n, ok in rows}
