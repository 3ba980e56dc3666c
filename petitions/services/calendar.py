"""The working-day calendar and the deadline rules in force: the law's defaults plus
what an administrator recorded (official calendar decisions, provincial settings)."""
from __future__ import annotations

import dataclasses
from datetime import date

from flask import current_app, has_app_context

from ..extensions import db
from ..models import AuditLog, CalendarOverride, DeadlineSetting
from ..workflow import calendar_decisions
from ..workflow.calendar import DayOverride, WorkingCalendar
from ..workflow.deadlines import DEFAULT_RULES, DeadlineRule, DueDate, merge_rules, rules_for
from ..workflow.deadlines import compute_due as _compute_due


def _cached(name: str, build):
    """Per process until an administrator changes the calendar or a setting (services/refdata.py)."""
    from .refdata import cached
    return cached(name, build)


def follows_unenacted() -> bool:
    """Whether the province counts the days without an enacted legal basis (24/11, Vietnam
    Culture Day) as days off, as the holidays package does: ``CALENDAR_FOLLOW_UNENACTED``."""
    return not has_app_context() or bool(current_app.config.get("CALENDAR_FOLLOW_UNENACTED", True))


def get_calendar() -> WorkingCalendar:
    def build():
        rows = db.session.scalars(db.select(CalendarOverride).order_by(CalendarOverride.day))
        overrides = {r.day: DayOverride(r.day, r.kind, r.note) for r in rows}
        if not follows_unenacted():  # an administrator's own decision for the day still wins
            for day in calendar_decisions.UNENACTED:
                overrides.setdefault(day.day, DayOverride(day.day, "working_day", day.note))
        return WorkingCalendar(overrides.values())
    # the setting is part of the key: changing it (in the config, or a test) needs no restart
    return _cached(f"_petitions_calendar:{follows_unenacted()}", build)


def load_calendar_decisions() -> int:
    """Record the official decisions shipped with the application (workflow/calendar_decisions.py)
    for the days nobody decided yet; a shipped row of an older data version is brought up to
    date, an administrator's row is never touched. Returns how many rows were written."""
    existing = {r.day: r for r in db.session.scalars(db.select(CalendarOverride).where(
        CalendarOverride.day.in_([d.day for d in calendar_decisions.DECISIONS])))}
    written = 0
    for d in calendar_decisions.DECISIONS:
        row = existing.get(d.day)
        if row is None:
            db.session.add(CalendarOverride(day=d.day, kind=d.kind, note=d.note, source=d.source,
                                            data_version=calendar_decisions.DATA_VERSION))
        elif row.data_version is not None and row.data_version != calendar_decisions.DATA_VERSION:
            row.kind, row.note, row.source = d.kind, d.note, d.source
            row.data_version = calendar_decisions.DATA_VERSION
        else:
            continue
        written += 1
    db.session.flush()
    if has_app_context():
        _forget()
    return written


def setting_rule(row: DeadlineSetting) -> DeadlineRule:
    base = rules_for(row.step)[0]
    return dataclasses.replace(
        base, limit=row.limit_days, unit=row.unit, effective_from=row.effective_from,
        source=f"Provincial setting: {row.note}", status="open", variants=(),
    )


def get_rules() -> tuple[DeadlineRule, ...]:
    def build():
        rows = db.session.scalars(db.select(DeadlineSetting))
        return merge_rules([setting_rule(r) for r in rows], DEFAULT_RULES)
    return _cached("_petitions_rules", build)


def editable_steps() -> list[DeadlineRule]:
    """Rules an administrator may change: settings, never law."""
    return [r for r in DEFAULT_RULES if r.status == "open"]


def compute_due(step: str, start: date, **kwargs) -> DueDate:
    kwargs.setdefault("calendar", get_calendar())
    kwargs.setdefault("rules", get_rules())
    return _compute_due(step, start, **kwargs)


def _forget():
    from . import refdata
    refdata.changed()
    refdata.forget_request()


def set_calendar_day(day: date, kind: str, note: str, by) -> CalendarOverride:
    """Record an official decision for one day. Running due dates do not move: see
    :func:`petitions.services.workflow.recompute_due_dates`."""
    row = db.session.scalar(db.select(CalendarOverride).where(CalendarOverride.day == day))
    before = None if row is None else {"kind": row.kind, "note": row.note}
    if row is None:
        row = CalendarOverride(day=day, kind=kind, note=note, created_by_id=by.id)
        db.session.add(row)
    else:  # now the administrator's decision: a later data version leaves it alone
        row.kind, row.note, row.source, row.data_version = kind, note, None, None
    db.session.add(AuditLog(user_id=by.id, action="set_calendar_day", object_type="calendar",
                            object_id=day.isoformat(), details={"before": before, "kind": kind, "note": note}))
    db.session.flush()
    _forget()
    return row


def remove_calendar_day(day: date, by) -> None:
    row = db.session.scalar(db.select(CalendarOverride).where(CalendarOverride.day == day))
    if row is None:
        return
    db.session.add(AuditLog(user_id=by.id, action="remove_calendar_day", object_type="calendar",
                            object_id=day.isoformat(), details={"kind": row.kind, "note": row.note}))
    db.session.delete(row)
    db.session.flush()
    _forget()


def set_deadline_setting(step: str, effective_from: date, limit_days: int, unit: str, note: str, by):
    if step not in {r.step for r in editable_steps()}:
        raise ValueError("only provincial settings can be changed; the law's limits cannot")
    row = db.session.scalar(db.select(DeadlineSetting).where(
        DeadlineSetting.step == step, DeadlineSetting.effective_from == effective_from))
    if row is None:
        row = DeadlineSetting(step=step, effective_from=effective_from, created_by_id=by.id,
                              limit_days=limit_days, unit=unit, note=note)
        db.session.add(row)
    else:
        row.limit_days, row.unit, row.note = limit_days, unit, note
    db.session.add(AuditLog(user_id=by.id, action="set_deadline_setting", object_type="deadline_rule",
                            object_id=step, details={"from": effective_from.isoformat(), "limit": limit_days,
                                                     "unit": unit, "note": note}))
    db.session.flush()
    _forget()
    return row
