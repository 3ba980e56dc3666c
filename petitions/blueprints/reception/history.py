"""What each step of a case's history did, for the officers who may see the case: the
answer's text, the decision's outcome, the body it went to, who withdrew. The texts are
shown through the case page's redaction (the ``shown`` filter): a denouncer's identity
stays blacked out for who may not see it."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from ... import labels
from ...extensions import db
from ...models import Agency, Case, CaseEvent, User
from ...services.codes import format_code
from ...workflow.transitions import TRANSITIONS

#: fields whose value is a citizen's or an officer's own words (shown through the redaction)
_SKIP = {"note"}


def _specs(kind: str, event: str) -> dict:
    out = {}
    for row in TRANSITIONS:
        if row.event.value == event and kind in {k.value for k in row.kinds}:
            for spec in row.fields:
                out.setdefault(spec.name, spec)
    return out


def _value(spec, value, case: Case, event: str, names: dict[int, str], show_identity: bool) -> str:
    if spec is None:
        return str(value)
    if spec.type == "choice":
        return labels.outcome_label(value, case.kind, event)
    if spec.type == "date":
        try:
            return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    if spec.type == "agency":
        return db.session.scalar(db.select(Agency.name).where(Agency.code == str(value))) or str(value)
    if spec.type == "user":
        return db.session.scalar(db.select(User.full_name).where(User.username == str(value))) or str(value)
    if spec.type == "case":
        return format_code(str(value))
    if spec.name == "representatives" and case.is_mass and all(p.isdigit() for p in str(value).split(",") if p):
        ids = [int(p) for p in str(value).split(",") if p]
        if not show_identity:
            return _("%(n)d representatives", n=len(ids))
        return ", ".join(names.get(i, "?") for i in ids)
    return str(value)


def event_details(event: CaseEvent, case: Case, show_identity: bool) -> list[tuple[str, str]]:
    """(label, text) lines of what this event recorded."""
    data = event.data or {}
    names = {p.id: p.full_name or "" for p in case.parties} if show_identity else {}
    out: list[tuple[str, str]] = []
    specs = _specs(case.kind, event.event)
    for name, value in (data.get("fields") or {}).items():
        if name in _SKIP or value in (None, ""):
            continue
        spec = specs.get(name)
        label = labels.tr(spec.label) if spec else name
        out.append((label, _value(spec, value, case, event.event, names, show_identity)))
    effects = data.get("effects") or {}
    for name, effect in effects.items():
        if not isinstance(effect, dict):
            continue
        if name in ("forward_to", "open_second_time") and effect.get("case"):
            out.append((_("Sent to"), f"{effect.get('agency', '')} ({format_code(effect['case'])})"))
        elif name in ("refer_to", "assign_to") and effect.get("agency"):
            out.append((_("Sent to"), effect["agency"]))
        elif name == "assign_handler" and effect.get("handler"):
            out.append((_("Handler"), effect["handler"]))
        elif name == "attach_to" and effect.get("case"):
            out.append((_("Attached to"), format_code(effect["case"])))
        elif name == "split_into" and effect.get("cases"):
            out.append((_("Split into"), ", ".join(format_code(c) for c in effect["cases"])))
    if event.event == "withdraw_signers":
        ids = data.get("parties") or []
        who = ", ".join(names.get(i, "?") for i in ids) if show_identity else \
            _("%(n)d signers", n=len(ids))
        out.append((_("Withdrew"), who))
        if "remaining" in data:
            out.append((_("Signers going on"), str(data["remaining"])))
    elif event.event == "answer_review" and data.get("answer"):
        out.append((_("Answer to the filer"), data["answer"]))
    elif event.event == "rate":
        out.append((_("Rating"), _("outcome %(o)s/5, service %(s)s/5", o=data.get("outcome"), s=data.get("service"))))
        if data.get("review"):
            out.append((_("Review"), _("asked of the head of the agency")))
    elif event.event == "recompute_deadline" and data.get("to"):
        out.append((_("Due date"), _("%(old)s → %(new)s", old=_dmy(data.get("from")), new=_dmy(data["to"]))))
    elif event.event == "receive" and data.get("from_case"):
        out.append((_("From"), f"{data.get('from_agency', '')} ({format_code(data['from_case'])})"))
    elif event.event == "collect":
        if data.get("topic"):
            out.append((_("Field or topic"), data["topic"]))
    return out


def _dmy(value) -> str:
    try:
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError:
        return str(value or "")
