"""Who may monitor, and which figures a request asks for (period, agency, commune, kinds)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...models import AdminUnit, Agency
from ...permissions import can_monitor_province, report_agency_ids
from ...services.reports import TARGET_KINDS, Scope, agency_tree
from ...services import collation
from ...services.collation import vi_key
from ...workflow.periods import KINDS as PERIOD_KINDS
from ...workflow.periods import Period, custom, period_of, reporting_period
from ...workflow.states import Role
from .forms import PERIOD_LABELS, REPORT_KINDS
from ...security import strict_int


def monitoring_user():
    """The inspectorate and administrators see the province; a head of agency sees their
    agency and the agencies under it; nobody else."""
    if can_monitor_province(current_user) or current_user.has_role(Role.HEAD):
        return current_user
    abort(403)


def agency_choices(user) -> list[tuple[str, str]]:
    """The agencies this officer may filter on: provincial bodies first, then communes."""
    query = db.select(Agency.code, Agency.name, Agency.level, Agency.parent_id)
    if not can_monitor_province(user):
        query = query.where(Agency.id.in_(agency_tree(user.agency_id)))
    rows = db.session.execute(query).all()
    rows.sort(key=lambda r: (r.level != "province", r.parent_id is not None, vi_key(r.name)))
    return [(r.code, r.name) for r in rows]


def commune_choices() -> list[tuple[str, str]]:
    return collation.commune_choices()


def period_label(period: Period) -> str:
    if period.kind == "custom":
        return f"{period.start:%d/%m/%Y} – {period.end:%d/%m/%Y}"
    return f"{PERIOD_LABELS[period.kind]} {period.year}"


@dataclass
class Selection:
    scope: Scope
    period: Period
    agency: Agency | None = None
    commune: AdminUnit | None = None
    only: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return period_label(self.period)

    @property
    def args(self) -> dict:
        """The query string that asks for these same figures (for every link on the page)."""
        if self.period.kind == "custom":
            out: dict = {"period": "custom", "date_from": self.period.start.isoformat(),
                         "date_to": self.period.end.isoformat()}
        else:
            out = {"period": self.period.kind, "year": self.period.year}
        if self.agency is not None:
            out["agency"] = self.agency.code
            if self.only:
                out["only"] = "y"
        if self.commune is not None:
            out["commune"] = self.commune.code
        out["kind"] = list(self.scope.kinds)
        return out


def find_agency(code: str | None) -> Agency | None:
    return db.session.scalar(db.select(Agency).where(Agency.code == code)) if code else None


def find_commune(code: str | None) -> AdminUnit | None:
    if not code:
        return None
    return db.session.scalar(db.select(AdminUnit).where(AdminUnit.code == code, AdminUnit.level == "commune"))


def allowed_agency_ids(user, agency: Agency | None, only: bool = False):
    """The scope's agencies (None: the whole province); 403 outside the officer's own."""
    try:
        ids = report_agency_ids(user, agency.id if agency is not None else None)
    except PermissionError:
        abort(403)
    return (agency.id,) if agency is not None and only else ids


def resolve(form, user, today: date) -> Selection:
    """Read the scope form; what cannot be read falls back to the current reporting year,
    with a message, and the form is set to what is shown."""
    errors: list[str] = []
    default = period_of(today, "year")
    period = default
    kind = form.period.data or "year"
    if kind == "custom":
        start, end = form.date_from.data, form.date_to.data
        if not start or not end:
            errors.append(_("For dates of your choice, give both the first and the last day."))
        elif end < start:
            errors.append(_("The period ends before it starts."))
        else:
            period = custom(start, end)
    elif kind in PERIOD_KINDS:
        year = strict_int(form.year.data, 0) if form.year.data else default.year
        if 2000 <= year <= 2100:
            period = reporting_period(kind, year)
        else:
            errors.append(_("Choose a report year."))
    else:
        errors.append(_("Choose a reporting period."))
    if errors:  # one message: what was wrong, and what is shown
        errors = [" ".join([*errors, _("Showing %(period)s instead.", period=period_label(default))])]

    agency = find_agency(form.agency.data)
    if form.agency.data and agency is None:
        errors.append(_("There is no agency with the code %(code)s: showing every agency you may see.",
                        code=form.agency.data))
    only = bool(form.only.data) and agency is not None
    agency_ids = allowed_agency_ids(user, agency, only)
    commune = find_commune(form.commune.data)
    if form.commune.data and commune is None:
        errors.append(_("There is no commune with the code %(code)s: showing every commune.",
                        code=form.commune.data))
    kinds = tuple(k for k in REPORT_KINDS if k in (form.kind.data or ())) or TARGET_KINDS

    # the form shows what the figures are for
    form.period.data = period.kind
    form.year.data = str(period.year)
    form.date_from.data, form.date_to.data = period.start, period.end
    form.agency.data = agency.code if agency else ""
    form.only.data = only
    form.commune.data = commune.code if commune else ""
    form.kind.data = list(kinds)
    scope = Scope(start=period.start, end=period.end, today=today, agency_ids=agency_ids, kinds=kinds,
                  commune_id=commune.id if commune else None)
    return Selection(scope=scope, period=period, agency=agency, commune=commune, only=only, errors=errors)
