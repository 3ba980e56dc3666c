"""The province's overdue and due-soon cases, in one statement per page.

A case is listed by its most urgent running time limit (the one the agency must meet
next; the filer's own limits and suspended ones do not count), as in the agency queues.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func

from ...extensions import db
from ...models import AdminUnit, Agency, Case, Deadline
from ...workflow.calendar import WorkingCalendar
from ...workflow.deadlines import FILER_STEPS
from .data import months_before
from .forms import OVERDUE_BANDS

_ONE = timedelta(days=1)


@dataclass
class OverdueFilter:
    agency_ids: tuple[int, ...] | None = None
    commune_id: int | None = None
    kind: str | None = None
    band: str = ""
    mass: bool = False
    long_running: bool = False
    skipped_level: bool = False


def soon_limit(calendar: WorkingCalendar, today: date, working_days: int) -> date:
    """The last day that is at most ``working_days`` working days after today."""
    day = today
    while calendar.working_days_between(today, day + _ONE) <= working_days:
        day += _ONE
    return day


def due_window(band: str, calendar: WorkingCalendar, today: date, soon_days: int) -> tuple[date | None, date]:
    """The due dates (first, last) of a band; working days overdue as the queues count them
    (``working_days_between(due, today)``: 1 the working day after the due date)."""
    soon = soon_limit(calendar, today, soon_days)
    if not band:
        return None, soon
    if band == "soon":
        return today, soon
    low, high = OVERDUE_BANDS[band]
    # the latest due date overdue by at least `low` working days (and before today)
    last = today - _ONE
    while low > 1 and calendar.working_days_between(last, today) < low:
        last -= _ONE
    if high is None:
        return None, last
    # the earliest due date overdue by at most `high` working days
    first = last
    while calendar.working_days_between(first - _ONE, today) <= high:
        first -= _ONE
    return first, last


def skipped_level_condition():
    """Approximation: a first-time complaint lodged directly (not forwarded) with a
    provincial body, so the commune's People's Committee never had it."""
    return and_(Agency.level == "province", Case.channel != "forwarded", Case.kind == "complaint",
                Case.second_time.is_(False))


def overdue_query(f: OverdueFilter, today: date, first_due: date | None, last_due: date):
    """Rows of (case columns, agency, commune, step, due date, skipped level, total) in due order."""
    running = [Deadline.completed_on.is_(None), Deadline.paused_on.is_(None),
               Deadline.step.not_in(sorted(FILER_STEPS)), Deadline.due_on <= last_due]
    urgent = db.select(
        Deadline.case_id, Deadline.step, Deadline.due_on,
        func.row_number().over(partition_by=Deadline.case_id, order_by=(Deadline.due_on, Deadline.id)).label("rn"),
    ).where(*running).subquery("urgent")
    skipped = skipped_level_condition()
    query = (
        db.select(Case.id, Case.tracking_code, Case.kind, Case.is_mass, Case.received_on, Case.status,
                  Agency.name.label("agency"), AdminUnit.name.label("commune"), urgent.c.step, urgent.c.due_on,
                  skipped.label("skipped_level"), func.count().over().label("total"))
        .join(urgent, and_(urgent.c.case_id == Case.id, urgent.c.rn == 1))
        .join(Agency, Agency.id == Case.agency_id)
        .outerjoin(AdminUnit, AdminUnit.id == Case.commune_id)
        .where(Case.closed_on.is_(None))
    )
    if first_due is not None:
        query = query.where(urgent.c.due_on >= first_due)
    if f.agency_ids is not None:
        query = query.where(Case.agency_id.in_(f.agency_ids))
    if f.commune_id is not None:
        query = query.where(Case.commune_id == f.commune_id)
    if f.kind:
        query = query.where(Case.kind == f.kind)
    if f.mass:
        query = query.where(Case.is_mass.is_(True))
    if f.long_running:
        query = query.where(Case.received_on < months_before(today, 12))
    if f.skipped_level:
        query = query.where(skipped)
    return query.order_by(urgent.c.due_on, Case.id)


def page_of_overdue(f: OverdueFilter, today: date, calendar: WorkingCalendar, soon_days: int,
                    page: int, size: int):
    first, last = due_window(f.band, calendar, today, soon_days)
    query = overdue_query(f, today, first, last)
    rows = db.session.execute(query.limit(size).offset((page - 1) * size)).all()
    if rows:
        return rows, rows[0].total
    if page == 1:
        return rows, 0
    # past the last page: count, so the pager can lead back
    count = db.select(func.count()).select_from(query.order_by(None).subquery())
    return rows, db.session.scalar(count)
