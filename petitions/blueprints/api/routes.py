"""JSON API v1: the same validation as the forms, errors as {"errors": {field: [messages]}}."""
from __future__ import annotations

from datetime import date

from flask import jsonify, request
from flask_babel import gettext as _

from ... import security
from ...extensions import db
from ...services.intake import find_public_case, submit_case, with_code_retry
from ...web import local_today
from ...workflow.states import Channel
from ..public.forms import ApiCaseForm, CaseForm, flat_errors, to_submission
from ..public.status import _step, public_view
from . import bp
from .openapi import openapi_document

TOP_FIELDS = {"kind", "title", "content", "commune_code", "agency_code", "petitioner", "respondent",
              "co_signers", "anonymous", "pledge"}
PARTY_KEYS = {"full_name", "id_number", "phone", "email", "address"}
# the maxLength of the OpenAPI document, counted as sent: the forms count after normalising
# (CRLF as LF, NFC), which would let a text longer than documented through
MAX_CHARS = {"title": 200, "content": 20000, "respondent": 500}
PARTY_MAX_CHARS = {"full_name": 120, "address": 300, "email": 200}


def _too_long(key: str, count: int) -> str:
    """The form's message (the count, the limit, the attachment route for a letter), so that
    the API names the same real limits (issue 17)."""
    from flask import current_app
    from flask_babel import format_number
    if key != "content":
        return _("At most %(n)d characters.", n=MAX_CHARS[key])
    cfg = current_app.config
    return _("Your text has %(count)s characters; this box takes at most %(max)s. Nothing was cut: "
             "shorten it, or attach the full letter as a PDF or Word file (up to %(n)d files of "
             "%(mb)d MB each) and write a summary here.", count=format_number(count),
             max=format_number(MAX_CHARS[key]), n=cfg["MAX_ATTACHMENTS"], mb=cfg["MAX_ATTACHMENT_BYTES"] // 1048576)


def _json_dates(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_dates(v) for v in value]
    return value


def _shape_errors(body) -> dict[str, list[str]]:
    """Type errors the form cannot see: unknown fields, objects where strings belong."""
    errors: dict[str, list[str]] = {}
    if not isinstance(body, dict):
        return {"_": [_("Send a JSON object.")]}
    for key in body:
        if key not in TOP_FIELDS:
            errors[key] = [_("Unknown field.")]
    # null is refused like any other wrong type: leave a field out to leave it empty
    for key in ("kind", "title", "content", "commune_code", "agency_code", "respondent"):
        if key in body and not isinstance(body[key], str):
            errors[key] = [_("Must be a string.")]
        elif key in MAX_CHARS and len(body.get(key) or "") > MAX_CHARS[key]:
            errors[key] = [_too_long(key, len(body[key]))]
    for key in ("anonymous", "pledge"):
        if key in body and not isinstance(body[key], bool):
            errors[key] = [_("Must be true or false.")]
    people = [("petitioner", body.get("petitioner"))]
    signers = body.get("co_signers")
    if "co_signers" in body and not isinstance(signers, list):
        errors["co_signers"] = [_("Must be a list of people.")]
    elif signers and len(signers) > 200:
        errors["co_signers"] = [_("At most %(n)d people can sign one letter here; send a longer list as an "
                                  "attached paper.", n=200)]
    elif signers:
        people += [(f"co_signers.{i}", p) for i, p in enumerate(signers)]
    for name, person in people:
        if person is None and name == "petitioner" and "petitioner" not in body:
            continue
        if not isinstance(person, dict):
            errors[name] = [_("Must be an object.")]
            continue
        for key, value in person.items():
            if key == "representative" and name != "petitioner":
                if not isinstance(value, bool):
                    errors[f"{name}.{key}"] = [_("Must be true or false.")]
            elif key not in PARTY_KEYS:
                errors[f"{name}.{key}"] = [_("Unknown field.")]
            elif not isinstance(value, str):
                errors[f"{name}.{key}"] = [_("Must be a string.")]
            elif key in PARTY_MAX_CHARS and len(value) > PARTY_MAX_CHARS[key]:
                errors[f"{name}.{key}"] = [_("At most %(n)d characters.", n=PARTY_MAX_CHARS[key])]
    return errors


@bp.post("/cases")
def create_case():
    body = request.get_json(silent=True)
    errors = _shape_errors(body)
    if errors:
        return jsonify({"errors": errors}), 422
    data = dict(body)
    data["co_signers"] = data.get("co_signers") or []
    data["petitioner"] = data.get("petitioner") or {}
    form = ApiCaseForm(formdata=None, data=data, meta={"csrf": False})
    if not form.validate():
        return jsonify({"errors": flat_errors(form.errors)}), 422
    return jsonify(with_code_retry(lambda: _file(form))), 201


def _file(form: CaseForm) -> dict:
    case, key = submit_case(to_submission(form, channel=Channel.WEB, received_on=local_today()),
                            code_checked=False, direct=True, alone=True)
    # the answer is built before the commit: once the letter is stored, nothing but sending
    # the receipt is left (a database outage right after the commit would otherwise answer
    # 503 for a stored letter and the citizen would file it twice). A new letter has no
    # rating, no linked case and no paused limit: its running steps are the limits just
    # registered (public_view would read the rating and the linked cases again)
    steps = [_step(d) for d in case.running_deadlines if d.paused_on is None]
    handling = next(s for s in steps if s["step"] == "letter-handling")
    body = {
        "tracking_code": case.tracking_code,
        "access_key": key,
        "status": case.status,
        "received_at": case.received_at.isoformat(),
        "received_on": case.received_on.isoformat(),
        "handling_due_on": handling["due_on"].isoformat(),
        "running_steps": _json_dates(steps),
    }
    db.session.commit()
    return body


@bp.get("/cases/<code>")
def get_case(code: str):
    security.check_failed_lookups()  # 429 once this address has failed too often
    case = find_public_case(code, request.headers.get("X-Access-Key", ""))
    if case is None:
        security.record_failed_lookup()
        return jsonify({"errors": {"_": [_("No letter matches this tracking code and access key.")]}}), 404
    # the rating block is the status page's (the OpenAPI document describes the rest)
    return jsonify(_json_dates({k: v for k, v in public_view(case).items() if k != "rating"}))


@bp.get("/openapi.json")
def openapi():
    from ...models import AdminUnit, Agency
    communes = list(db.session.scalars(db.select(AdminUnit.code).where(AdminUnit.level == "commune")
                                       .order_by(AdminUnit.code)))
    agencies = list(db.session.scalars(db.select(Agency.code).where(Agency.level == "province")
                                       .order_by(Agency.code)))
    from ...services.exports import REPORT_KINDS
    all_agencies = list(db.session.scalars(db.select(Agency.code).order_by(Agency.code)))
    return jsonify(openapi_document(communes=communes, agencies=agencies, all_agencies=all_agencies,
                                    report_kinds=list(REPORT_KINDS)))
