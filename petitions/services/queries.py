"""Read-side queries shared by pages, exports and the API (no N+1: one query a page)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import AdminUnit, Case
from ..permissions import scope_cases


@dataclass
class CaseFilter:
    kind: str | None = None
    status: str | None = None
    commune: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    overdue_on: date | None = None  # only cases with a running step past due on this day
    sort: str = "urgency"


def next_due_column():
    """The nearest due date of a case's running limits, kept on the case (Case.next_due_on,
    services/workflow._keep_next_due): an indexed column, not a subquery per case."""
    return Case.next_due_on.label("next_due")


def case_list_query(user, f: CaseFilter, *, with_options: bool = True):
    next_due = next_due_column()
    query = scope_cases(db.select(Case, next_due), user)
    if f.kind:
        query = query.where(Case.kind == f.kind)
    if f.status:
        query = query.where(Case.status == f.status)
    if f.commune:
        query = query.join(AdminUnit, Case.commune_id == AdminUnit.id).where(AdminUnit.code == f.commune)
    if f.date_from:
        query = query.where(Case.received_on >= f.date_from)
    if f.date_to:
        query = query.where(Case.received_on <= f.date_to)
    if f.overdue_on:
        query = query.where(Case.next_due_on < f.overdue_on)
    if f.q:
        from .codes import normalize
        from .search import matching
        # a tracking code as typed (dashes, O/0), or words without accents
        query = query.where(matching(f.q) | (Case.tracking_code == normalize(f.q)))
    if not with_options:
        return query
    return query.options(selectinload(Case.parties), selectinload(Case.commune), selectinload(Case.agency))


def ordered(query, f: CaseFilter):
    """Urgency: the nearest (or most overdue) running time limit first; cases with none last."""
    if f.sort == "received":
        return query.order_by(Case.received_on.desc(), Case.id.desc())
    # the btree ix_cases_agency_next_due (agency_id, next_due_on, id) is ascending with NULLs
    # last on PostgreSQL: one agency's first page is read from it in order, then LIMIT
    return query.order_by(Case.next_due_on.asc().nulls_last(), Case.id)


def page_of_cases(user, f: CaseFilter, page: int, size: int):
    base = case_list_query(user, f)
    total = db.session.scalar(db.select(func.count()).select_from(base.order_by(None).subquery()))
    rows = db.session.execute(ordered(base, f).limit(size).offset((page - 1) * size)).all()
    return rows, total


def queue_page(user, f: CaseFilter, page: int, size: int, *, unread_of=None):
    """The officers' work queue (issue 18): the page in ONE statement, each row (case,
    next due date, the petitioner's name), the case's commune and agency joined in, its long
    texts (content, search text) left unread; the petitioner's name is one column (one
    decryption a row) instead of every party with all five sealed identity fields; plus the
    count. The officer API keeps :func:`page_of_cases`. With ``unread_of`` (a user), returns
    (rows, total, unread notifications of that user), the two counts in one statement."""
    from sqlalchemy import select
    from sqlalchemy.orm import defer, joinedload

    from ..models import Party
    base = case_list_query(user, f, with_options=False)
    count = db.select(func.count()).select_from(base.order_by(None).subquery())
    if unread_of is None:
        total = db.session.scalar(count)
    else:  # the officer's unread notifications counted in the same round trip (base.html's badge)
        from ..models import Notification
        unread = (db.select(func.count()).select_from(Notification)
                  .where(Notification.user_id == unread_of.id, Notification.read_at.is_(None)))
        total, unread = db.session.execute(db.select(count.scalar_subquery(), unread.scalar_subquery())).one()
    petitioner = (select(Party.full_name).where(Party.case_id == Case.id, Party.role == "petitioner")
                  .order_by(Party.position).limit(1).correlate(Case).scalar_subquery())
    query = (base.add_columns(petitioner.label("petitioner_name"))
             .options(defer(Case.content), defer(Case.search_text), joinedload(Case.commune),
                      joinedload(Case.agency)))
    rows = db.session.execute(ordered(query, f).limit(size).offset((page - 1) * size)).all()
    return (rows, total) if unread_of is None else (rows, total, unread or 0)
