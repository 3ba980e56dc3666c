"""The administrators' pages: thin views over services.calendar and services.workflow.

Every change goes through a service (which writes the AuditLog row) and is committed
here. A change of the calendar or of a setting never moves the due dates of running
cases by itself: the administrator recomputes them explicitly, with a reason.
"""
from __future__ import annotations

import json
from datetime import date, timedelta

import holidays
from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from ... import labels
from ...extensions import db
from ...models import Agency, AuditLog, CalendarOverride, DeadlineSetting, User
from ...services.calendar import (
    editable_steps, follows_unenacted, get_calendar, get_rules, remove_calendar_day, set_calendar_day,
    set_deadline_setting,
)
from ...workflow import calendar_decisions
from ...services.workflow import recompute_due_dates
from ...web import local_today
from ...workflow.calendar import SATURDAY, SUNDAY
from ...workflow.deadlines import BASELINE, DEFAULT_RULES, VARIANT_LABELS, DeadlineError, DeadlineRule, select_rule
from . import bp
from ...security import ascii_int
from .forms import FIRST_DAY, LAST_DAY, CalendarDayForm, DeadlineSettingForm, RecomputeForm, RemoveDayForm

AUDIT_ROWS = 200

STATUS_BADGES = {
    "law": _l("law"),
    "2026": _l("2025-2026 amendment"),
    "unread": _l("law, article not read"),
    "open": _l("provincial setting"),
}
STATUS_HELP = {
    "law": _l("Read in the law's text as enacted."),
    "2026": _l("From the 2025-2026 amendments, read in secondary copies: check against the official gazette."),
    "unread": _l("The period as reported: the article's text could not be read in this review; check it against the law."),
    "open": _l("Not set by law: a provincial setting an administrator may change."),
}
UNIT_NAMES = {"working": _l("working days"), "calendar": _l("calendar days")}
DAY_KIND_NAMES = {"day_off": _l("Day off"), "working_day": _l("Working day")}
from .audit_labels import ACTIONS, OBJECTS, detail_label, detail_value  # noqa: E402
NOT_MOVED = _l("The due dates of running cases have NOT moved by themselves: recompute them when you are ready.")


# -- shared helpers ----------------------------------------------------------------

def _render(template: str, status: int = 200, **context):
    return render_template(template, status_badges=STATUS_BADGES, status_help=STATUS_HELP,
                           unit_names=UNIT_NAMES, source_text=source_text, variants_text=variants_text,
                           **context), status


def source_text(rule: DeadlineRule) -> str:
    """The rule's citation in the user's language; a recorded setting shows its note."""
    if rule not in DEFAULT_RULES and rule.source.startswith("Provincial setting: "):
        return _("Provincial setting: %(note)s", note=rule.source.removeprefix("Provincial setting: "))
    return labels.tr(rule.source)


def variants_text(rule: DeadlineRule) -> str:
    parts = [f"{labels.tr(VARIANT_LABELS.get(name, name))}: {days}" for name, days in rule.variants]
    if rule.max_extensions:
        parts.append(_("up to %(n)d extension(s) of %(days)d days", n=rule.max_extensions,
                       days=rule.extension_days))
    return "; ".join(parts)


def _back(name: str | None) -> str:
    return name if name in ("calendar", "deadlines") else "calendar"


# -- overview ------------------------------------------------------------------------

def rules_in_force(today: date) -> list[dict]:
    """Each step once, with the rule in force for a letter received today."""
    rules, seen, out = get_rules(), set(), []
    for base in DEFAULT_RULES:
        if base.step in seen:
            continue
        seen.add(base.step)
        try:
            rule = select_rule(base.step, today, rules)
        except DeadlineError:
            continue
        out.append({"step": base.step, "label": labels.step_label(base.step), "rule": rule,
                    "changed": rule not in DEFAULT_RULES})
    return out


@bp.get("/")
def index():
    today = local_today()
    rows = rules_in_force(today)
    decisions = db.session.scalar(db.select(db.func.count(CalendarOverride.id)).where(
        CalendarOverride.day.between(date(today.year, 1, 1), date(today.year, 12, 31))))
    return _render("admin/index.html", settings=[r for r in rows if r["rule"].status == "open"],
                   law=[r for r in rows if r["rule"].status != "open"], decisions=decisions,
                   year=today.year)


# -- calendar ------------------------------------------------------------------------

def _holiday_names(year: int) -> dict[date, str]:
    """The holidays package's names, in the user's language where it has them."""
    language = "vi" if str(get_locale()).startswith("vi") else "en_US"
    try:
        from ...explain import spelled
        return {d: spelled(n) for d, n in holidays.country_holidays("VN", years=year, language=language).items()}
    except Exception:  # an unsupported language: the calendar's own (English) names
        return {}


def year_days(year: int) -> list[dict]:
    """The days of ``year`` that are not ordinary: every non-working day that is not a
    plain weekend day, every weekend day worked, and every recorded decision."""
    cal = get_calendar()
    first, last = date(year, 1, 1), date(year, 12, 31)
    decisions = {o.day: o for o in db.session.scalars(
        db.select(CalendarOverride).where(CalendarOverride.day.between(first, last)))}
    names = _holiday_names(year)
    rows, d = [], first
    while d <= last:
        reason = cal.non_working_reason(d)
        weekend = d.weekday() >= 5
        decision = decisions.get(d)
        holiday = reason is not None and reason not in (SATURDAY, SUNDAY)
        unenacted = calendar_decisions.unenacted_for(d)
        estimate = calendar_decisions.estimate_for(d)
        if decision or holiday or unenacted or (weekend and reason is None):
            rows.append({"day": d, "weekday": format_date(d, "EEEE"), "working": reason is None,
                         "weekend": weekend, "decision": decision, "unenacted": unenacted,
                         "estimate": estimate is not None and not decision,
                         "package": names.get(d) or (reason if holiday and not decision else None)})
        d += timedelta(days=1)
    return rows


def _year_arg() -> int | None:
    year = request.args.get("year", type=ascii_int)
    if year is None:
        return local_today().year
    return year if FIRST_DAY.year <= year <= LAST_DAY.year else None


def _render_calendar(year: int, *, day_form=None, recompute_form=None, error=None, status=200):
    if day_form is None:
        day_form = CalendarDayForm(formdata=None)
    return _render("admin/calendar.html", status, year=year, days=year_days(year), day_form=day_form,
                   recompute_form=recompute_form or RecomputeForm(formdata=None, back="calendar"),
                   error=error, day_kinds=DAY_KIND_NAMES, first_year=FIRST_DAY.year, last_year=LAST_DAY.year,
                   follows_unenacted=follows_unenacted(), data_version=calendar_decisions.DATA_VERSION,
                   note_text=_note_text)


def _note_text(note: str) -> str:
    """A shipped decision's note in the reader's language; an administrator's as written."""
    if str(get_locale()).startswith("vi"):
        return calendar_decisions.NOTES_VI.get(note, note)
    return note


@bp.get("/calendar")
def calendar():
    year = _year_arg()
    if year is None:
        return _render("error.html", 422, message=_("The year must be between %(first)d and %(last)d.",
                                                    first=FIRST_DAY.year, last=LAST_DAY.year))
    return _render_calendar(year)


@bp.post("/calendar")
def set_day():
    form = CalendarDayForm()
    if not form.validate_on_submit():
        year = form.day.data.year if form.day.data and not form.day.errors else (_year_arg() or local_today().year)
        return _render_calendar(year, day_form=form, status=422)
    day = form.day.data
    replaced = db.session.scalar(db.select(CalendarOverride.id).where(CalendarOverride.day == day)) is not None
    set_calendar_day(day, form.kind.data, form.note.data, current_user)
    db.session.commit()
    what = _("Decision replaced for %(day)s.", day=day.strftime("%d/%m/%Y")) if replaced else \
        _("Decision recorded for %(day)s.", day=day.strftime("%d/%m/%Y"))
    flash(what + " " + str(NOT_MOVED))
    return redirect(url_for(".calendar", year=day.year))


@bp.post("/calendar/remove")
def remove_day():
    form = RemoveDayForm()
    year = _year_arg() or local_today().year
    if not form.validate_on_submit():
        return _render_calendar(year, error=_("Choose the day whose decision to remove. Nothing was changed."),
                                status=422)
    day = form.day.data
    if db.session.scalar(db.select(CalendarOverride.id).where(CalendarOverride.day == day)) is None:
        return _render_calendar(day.year, error=_("No decision is recorded for %(day)s. Nothing was changed.",
                                                  day=day.strftime("%d/%m/%Y")), status=422)
    remove_calendar_day(day, current_user)
    db.session.commit()
    flash(_("Decision removed for %(day)s.", day=day.strftime("%d/%m/%Y")) + " " + str(NOT_MOVED))
    return redirect(url_for(".calendar", year=day.year))


@bp.post("/recompute")
def recompute():
    form = RecomputeForm()
    back = _back(form.back.data)
    error = None
    if form.validate_on_submit():
        try:
            moved = recompute_due_dates(current_user, form.reason.data, local_today())
        except DeadlineError as exc:
            db.session.rollback()
            error = _("The due dates could not be recomputed, nothing was changed: %(reason)s",
                      reason=labels.tr_message(str(exc)))
        else:
            db.session.commit()
            if moved:
                flash(ngettext("%(num)d running due date moved; each case concerned records it in its history.",
                               "%(num)d running due dates moved; each case concerned records it in its history.",
                               moved))
            else:
                flash(_("No running due date moved: they already follow the calendar and the settings."))
            return redirect(url_for(f".{back}"))
    if back == "deadlines":
        return _render_deadlines(recompute_form=form, error=error, status=422)
    return _render_calendar(_year_arg() or local_today().year, recompute_form=form, error=error, status=422)


# -- deadline settings -----------------------------------------------------------------

def _setting_form(*, empty: bool = False) -> DeadlineSettingForm:
    form = DeadlineSettingForm(formdata=None) if empty else DeadlineSettingForm()
    form.step.choices = [(r.step, labels.step_label(r.step)) for r in editable_steps()]
    return form


def _render_deadlines(*, setting_form=None, recompute_form=None, error=None, status=200):
    if setting_form is None:
        setting_form = _setting_form(empty=True)  # prefilled below
        step = request.args.get("step")
        rule = next((r for r in editable_steps() if r.step == step), editable_steps()[0])
        setting_form.step.data, setting_form.unit.data = rule.step, rule.unit
        setting_form.effective_from.data = local_today()
    settings = list(db.session.scalars(db.select(DeadlineSetting).order_by(
        DeadlineSetting.step, DeadlineSetting.effective_from)))
    users = {u.id: u for u in db.session.scalars(db.select(User).where(
        User.id.in_({s.created_by_id for s in settings if s.created_by_id})))} if settings else {}
    rows = []
    for r in DEFAULT_RULES:
        later = [o.effective_from for o in DEFAULT_RULES if o.step == r.step and o.effective_from > r.effective_from]
        rows.append({"rule": r, "label": labels.step_label(r.step), "editable": r.status == "open",
                     "since": None if r.effective_from == BASELINE else r.effective_from,
                     "until": min(later) - timedelta(days=1) if later else None})
    return _render("admin/deadlines.html", status, rows=rows, settings=settings, users=users,
                   setting_form=setting_form,
                   recompute_form=recompute_form or RecomputeForm(formdata=None, back="deadlines"),
                   error=error)


@bp.get("/deadlines")
def deadlines():
    return _render_deadlines()


@bp.post("/deadlines")
def set_setting():
    form = _setting_form()
    if not form.validate_on_submit():
        return _render_deadlines(setting_form=form, status=422)
    step = form.step.data
    try:
        set_deadline_setting(step, form.effective_from.data, form.limit_days.data, form.unit.data,
                             form.note.data, current_user)
    except ValueError:  # a step set by law (or no such step): the service refuses it
        db.session.rollback()
        base = next((r for r in DEFAULT_RULES if r.step == step), None)
        if base is None:
            form.step.errors = [_("There is no time limit called “%(step)s”. Nothing was saved.", step=step)]
        else:
            form.step.errors = [_("The time limit for “%(step)s” is set by law (%(source)s): it cannot be "
                                  "changed here. Only provincial settings can be changed. Nothing was saved.",
                                  step=labels.step_label(step), source=labels.tr(base.source))]
        return _render_deadlines(setting_form=form, status=422)
    db.session.commit()
    flash(_("Saved: %(step)s, %(limit)d %(unit)s for letters received from %(day)s.",
            step=labels.step_label(step), limit=form.limit_days.data, unit=UNIT_NAMES[form.unit.data],
            day=form.effective_from.data.strftime("%d/%m/%Y")) + " " + str(NOT_MOVED))
    return redirect(url_for(".deadlines"))


# -- audit log ---------------------------------------------------------------------------

def _value(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def _object(row: AuditLog) -> str:
    kind = str(OBJECTS.get(row.object_type, row.object_type))
    if row.object_type == "deadline_rule" and row.object_id:
        return f"{kind}: {labels.step_label(row.object_id)}"
    if row.object_id and len(row.object_id) == 10 and row.object_id[4] == "-":  # a day (calendar, digest)
        try:
            return f"{kind}: {date.fromisoformat(row.object_id).strftime('%d/%m/%Y')}"
        except ValueError:
            pass
    return f"{kind} {row.object_id}" if row.object_id else kind


@bp.get("/audit")
def audit():
    result = db.session.execute(
        db.select(AuditLog, User).outerjoin(User, User.id == AuditLog.user_id)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(AUDIT_ROWS))
    result = result.all()
    # agencies by their name, not their code (one query for the codes the rows name)
    codes = {v for row, _u in result for k, v in (row.details or {}).items() if k == "agency" and isinstance(v, str)}
    names = dict(db.session.execute(db.select(Agency.code, Agency.name).where(Agency.code.in_(codes))).all()) \
        if codes else {}
    rows = [{"row": row, "user": user, "action": str(ACTIONS.get(row.action, row.action)),
             "object": _object(row),
             "details": [(detail_label(k), names.get(v, v) if k == "agency" and isinstance(v, str)
                          else detail_value(k, v)) for k, v in (row.details or {}).items()]}
            for row, user in result]
    return _render("admin/audit.html", rows=rows, limit=AUDIT_ROWS)


@bp.route("/alerts", methods=["GET", "POST"])
def alerts():
    """Who is told what, whether the queue is up, and the mails that keep failing."""
    from flask import current_app

    from ...jobs import redis_ok
    from ...models import Notification
    from ...services.alerts import retry_failed
    from .forms import RetryForm

    form = RetryForm()
    if form.validate_on_submit():
        from flask import abort

        from ...security import strict_int
        ident = strict_int(form.notification_id.data, minimum=1, maximum=2**31 - 1)
        if ident is None:
            abort(404)
        retry_failed(ident, current_user)
        db.session.commit()
        flash(_("The message will be sent again."))
        return redirect(url_for("admin.alerts"))
    from ...services.outbox import dead_letters, figures
    failed = dead_letters()
    counts = figures()
    waiting = sum(n for (channel, status), n in counts.items() if status in ("pending", "failed", "sending"))
    cfg = current_app.config
    return render_template("admin/alerts.html", ladder=cfg["ALERT_LADDER"], failed=failed, waiting=waiting,
                           counts=counts, channels=("email", "sms", "zalo", "national"),
                           redis_up=redis_ok(max_age=0), form=form, cfg=cfg)


@bp.app_template_filter("delivery_error")
def delivery_error(text, note):
    """A mail server's error as the administrator sees it: no recipient address, no filer
    (services/alerts.error_text), also for rows written before errors were cleaned."""
    from ...services.alerts import error_text
    return error_text(text, note)
