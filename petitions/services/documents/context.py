"""What goes into a document: the case's data, laid out as NĐ 30/2020/NĐ-CP wants it.

Every template gets the same keys (missing ones are empty), so an administrator's
template can use any of them, and a typo in an uploaded template is caught at upload
(rendering is strict). A pseudonymised context never holds a denouncer's name, ID
number, address, phone or e-mail: they are replaced by the case's pseudonym, and every
other text of the context (the letter, the officer's text) is scrubbed of them too.
"""
from __future__ import annotations

import re
from datetime import date

from flask_babel import force_locale

from ... import labels
from ..codes import format_code
from .dates import date_in_words, document_number, place_and_date, short_date
from .kinds import DocKind, Recipient

KIND_VI = {"complaint": "khiếu nại", "denunciation": "tố cáo", "petition": "kiến nghị, phản ánh",
           "voter_petition": "kiến nghị cử tri"}
FILER_VI = {"complaint": "người khiếu nại", "denunciation": "người tố cáo", "petition": "người kiến nghị, phản ánh",
            "voter_petition": "cử tri"}
HEAD_TITLE = {"people_committee": "CHỦ TỊCH", "inspectorate": "CHÁNH THANH TRA", "department": "GIÁM ĐỐC",
              "reception_board": "TRƯỞNG BAN"}
SYMBOL_PREFIX = {"people_committee": "UBND", "inspectorate": "TTr", "reception_board": "BTCD"}
INTERNAL_SIGNER = {"receipt": ["NGƯỜI TIẾP NHẬN"], "accept_proposal": ["NGƯỜI ĐỀ XUẤT"]}
_DIVISIONS = ("Thành phố ", "Tỉnh ", "Xã ", "Phường ", "Đặc khu ", "Thị trấn ")
_UBND = "Ủy ban nhân dân"
CONFIDENTIAL_NOTE = "(được giữ bí mật theo Điều 8 và Điều 47 Luật Tố cáo)"


def _locality(name: str) -> str:
    for prefix in _DIVISIONS:
        if name.startswith(prefix) or name.lower().startswith(prefix.lower()):
            return name[len(prefix):]
    return name


def place_of(agency) -> str:
    """The official name of the unit where the agency sits, without "xã"/"tỉnh" (NĐ 30/2020)."""
    unit = agency.admin_unit
    return _locality(unit.name) if unit else "Nghệ An"


def header_of(agency) -> tuple[str, str]:
    """(the superior body, the agency) in capitals, as in the top-left of every document."""
    name = agency.name
    if agency.category == "people_committee" and name.lower().startswith(_UBND.lower()):
        return "ỦY BAN NHÂN DÂN", name[len(_UBND):].strip().upper()
    parent = agency.parent
    if parent is None:
        return "", name.upper()
    if parent.category == "people_committee" and parent.name.lower().startswith(_UBND.lower()):
        return "UBND " + parent.name[len(_UBND):].strip().upper(), name.upper()
    return parent.name.upper(), name.upper()


def symbol_prefix_of(agency) -> str:
    """The issuing body's abbreviation in the symbol (NĐ 30/2020 Phụ lục III)."""
    if agency.category in SYMBOL_PREFIX:
        return SYMBOL_PREFIX[agency.category]
    if agency.code.startswith("SO-"):
        return "S" + agency.code[3:]
    return agency.code[:20]


def symbol_for(number: int, type_abbr: str, prefix: str) -> str:
    return f"{document_number(number)}/{type_abbr}-{prefix}" if type_abbr else f"{document_number(number)}/{prefix}"


def signer_lines(agency, capacity: str) -> list[str]:
    title = HEAD_TITLE.get(agency.category, "THỦ TRƯỞNG")
    if capacity == "deputy":
        return [f"KT. {title}", f"PHÓ {title}"]
    return [title]


def _paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\r?\n", text or "") if p.strip()]


def _vi(label) -> str:
    with force_locale("vi"):
        return labels.tr(str(label)) if label else ""


def _choice_label(case_kind: str, event_name: str, field: str, value: str | None) -> str:
    """The Vietnamese label of a choice recorded with the event (a refusal reason...)."""
    if not value:
        return ""
    from ...workflow.transitions import TRANSITIONS
    for row in TRANSITIONS:
        if row.event == event_name and case_kind in row.kinds:
            spec = next((f for f in row.fields if f.name == field), None)
            if spec and spec.choices:
                for v, text in spec.choices:
                    if v == value:
                        with force_locale("vi"):
                            return labels.tr(text)
    return value


def _source_of(case_kind: str, event_name: str, field: str) -> str:
    from ...workflow.transitions import TRANSITIONS
    for row in TRANSITIONS:
        if row.event == event_name and case_kind in row.kinds:
            spec = next((f for f in row.fields if f.name == field), None)
            if spec:
                return spec.source or row.source or ""
    return ""


def _agency_name(code: str | None) -> str:
    if not code:
        return ""
    from ...extensions import db
    from ...models import Agency
    agency = db.session.scalar(db.select(Agency).where(Agency.code == code))
    return agency.name if agency else code


EMPTY_KEYS = (
    "case_code", "case_kind", "filer_role", "filer_name", "filer_address", "filer_id_number", "filer_phone",
    "received_on", "received_on_words", "channel", "case_title", "case_content", "respondent", "papers_count",
    "act_on", "act_on_words", "reason", "reason_source", "note", "target_agency", "decision_no", "outcome",
    "complexity", "due_on_words", "new_due_on_words", "urged_agency", "reply_due_on_words", "handler_name",
    "pseudonym", "confidential_note", "addressee", "signature_hint",
)


def signature_hint(signer_name: str, internal: bool) -> str:
    """The line under the signer's title: an instruction only when the name is not known
    yet (the form's own words, NĐ 30/2020); with the name printed, the space is left for the
    signature and the seal."""
    if signer_name:
        return ""
    return "(Ký, ghi rõ họ tên)" if internal else "(Ký, ghi rõ họ tên, đóng dấu)"


def honorific(id_number: str | None) -> str:
    """"Ông" or "Bà" from the citizen ID number, whose fourth digit codes sex and century
    (TT 59/2021/TT-BCA, Art. 7: even for a man, odd for a woman); "Ông/Bà" when unknown."""
    digits = (id_number or "").strip()
    if len(digits) == 12 and digits.isdigit():
        return "Bà" if int(digits[3]) % 2 else "Ông"
    return "Ông/Bà"


def base_context(kind: DocKind, case_kind: str, agency, *, number: int, symbol: str, dated_on: date,
                 recipient: Recipient, signer_name: str, capacity: str, text: str | None) -> dict:
    superior, own = header_of(agency)
    ctx = {k: "" for k in EMPTY_KEYS}
    ctx.update({
        "header_superior": superior, "header_agency": own, "agency_name": agency.name,
        "number": document_number(number), "symbol": symbol, "number_symbol": f"Số: {symbol}",
        "place_date": place_and_date(place_of(agency), dated_on), "dated_on": short_date(dated_on),
        "doc_title": kind.title, "doc_subject": "", "form_ref": kind.for_kind(kind.form, case_kind) or "",
        "legal_basis": list(kind.for_kind(kind.basis, case_kind) or []),
        "recipient_label": recipient.doc_label,
        "recipients": [f"- {recipient.doc_label};", "- Lưu: VT, hồ sơ."],
        "signer_lines": INTERNAL_SIGNER.get(kind.key) or signer_lines(agency, capacity),
        "signature_hint": signature_hint(signer_name, kind.key in INTERNAL_SIGNER),
        "authority": f"{HEAD_TITLE.get(agency.category, 'THỦ TRƯỞNG')} {agency.name.upper()}",
        "signer_name": signer_name or "", "body": _paragraphs(text), "papers": [], "cases": [],
    })
    return ctx


SUBJECTS = {
    "receipt": "Về việc tiếp nhận đơn và thông tin, tài liệu, bằng chứng",
    "accept_proposal": "Về việc thụ lý đơn {kind}",
    "acceptance_notice": "Về việc thụ lý giải quyết {kind}",
    "refusal_notice": "Về việc không thụ lý giải quyết {kind}",
    "forwarding_slip": "Về việc chuyển đơn {kind}",
    "guidance": "Về việc hướng dẫn gửi đơn {kind} đến cơ quan có thẩm quyền",
    "extension_decision": "Về việc gia hạn thời hạn giải quyết tố cáo",
    "suspension_decision": "Về việc tạm đình chỉ việc giải quyết {kind}",
    "resumption_decision": "Về việc tiếp tục giải quyết {kind}",
    "decision_notice": "Về kết quả giải quyết khiếu nại",
    "conclusion_notice": "Về kết luận nội dung tố cáo",
    "urging_letter": "V/v đôn đốc giải quyết đơn khiếu nại, tố cáo",
}


def case_context(ctx: dict, kind: DocKind, case, event, recipient: Recipient, handler_name: str = "") -> dict:
    """Fill ``ctx`` from the case and the event that produced the document."""
    ck = case.kind
    ctx["doc_subject"] = SUBJECTS[kind.key].format(kind=KIND_VI.get(ck, ""))
    p = case.petitioner
    active = [x for x in case.parties if x.withdrawn_on is None]
    name = (p.full_name if p else "") or ""
    if case.is_anonymous or not name:
        name = "Người gửi đơn không ghi tên"
    elif len(active) > 1:
        name = f"{name} và {len(active) - 1} người khác"
    ctx.update({
        "case_code": format_code(case.tracking_code), "case_kind": KIND_VI.get(ck, ck),
        "filer_role": FILER_VI.get(ck, "người gửi đơn"), "filer_name": name,
        "filer_address": (p.address if p else "") or "", "filer_id_number": (p.id_number if p else "") or "",
        "filer_phone": (p.phone if p else "") or "",
        "received_on": short_date(case.received_on), "received_on_words": date_in_words(case.received_on),
        "channel": _vi(labels.CHANNEL.get(case.channel, case.channel)),
        "case_title": case.title, "case_content": case.content[:1500], "respondent": case.respondent or "",
        "papers_count": str(len(case.attachments)), "papers": [a.original_name for a in case.attachments],
        "handler_name": handler_name or (case.handler.full_name if case.handler else ""),
        "pseudonym": case.pseudonym,
    })
    recipients = [f"- {recipient.doc_label}" + (f" ({name});" if recipient.key == "filer" else ";")]
    if event is not None:
        fields = (event.data or {}).get("fields", {})
        effects = (event.data or {}).get("effects", {})
        recomputed = (event.data or {}).get("deadlines", {}).get("recomputed", [])
        ctx.update({
            "act_on": short_date(event.acted_on), "act_on_words": date_in_words(event.acted_on),
            "reason": _choice_label(ck, event.event, "reason", fields.get("reason")) or
            (fields.get("reason") or ""),
            "reason_source": _source_of(ck, event.event, "reason"),
            "note": event.note or "",
            "target_agency": (effects.get("forward_to") or effects.get("refer_to") or {}).get("agency")
            or _agency_name(fields.get("agency")),
            "decision_no": fields.get("decision_no") or "",
            "outcome": _choice_label(ck, event.event, "outcome", fields.get("outcome")),
            "complexity": _choice_label(ck, event.event, "complexity", fields.get("complexity")),
        })
        if recomputed:
            ctx["new_due_on_words"] = date_in_words(date.fromisoformat(recomputed[-1]["to"]))
            ctx["due_on_words"] = date_in_words(date.fromisoformat(recomputed[-1]["from"]))
        if recipient.key == "competent_body" and ctx["target_agency"]:
            recipients = [f"- {ctx['target_agency']};"]
    if not ctx["new_due_on_words"]:
        due = _resolution_due(case, event)
        ctx["due_on_words"] = date_in_words(due) if due else ""
    ctx["recipients"] = recipients + ["- Lưu: VT, hồ sơ."]
    ctx["addressee"] = (name if case.is_anonymous or not p or not p.full_name
                        else f"{honorific(p.id_number) if len(active) <= 1 else 'Ông/Bà'} {name}") \
        if recipient.key == "filer" else \
        (ctx["target_agency"] if recipient.key == "competent_body" and ctx["target_agency"] else recipient.doc_label)
    if recipient.key == "head":
        ctx["addressee"] = f"Thủ trưởng {case.agency.name}"
    return ctx


def _resolution_due(case, event):
    """The time limit the document speaks of: the one the event started (acceptance starts
    the resolution), else the case's running resolution or acceptance limit."""
    started = ((event.data or {}).get("deadlines", {}).get("started", []) if event is not None else [])
    for item in started:
        if item.get("step", "").endswith("resolution"):
            return date.fromisoformat(item["due"])
    running = [d for d in case.running_deadlines if not d.for_filer]
    for suffix in ("resolution", "acceptance", "answer", "handling"):
        rows = [d for d in running if d.step.endswith(suffix)]
        if rows:
            return min(d.due_on for d in rows)
    return None


def urging_context(ctx: dict, urging) -> dict:
    ctx["doc_subject"] = SUBJECTS["urging_letter"]
    ctx.update({
        "urged_agency": urging.agency.name, "addressee": urging.agency.name, "reply_due_on_words": date_in_words(urging.reply_due_on),
        "act_on_words": date_in_words(urging.sent_on), "body": _paragraphs(urging.message),
        # only codes, kinds, dates and subjects: never a filer's identity
        "cases": [f"Hồ sơ {format_code(c.tracking_code)} ({KIND_VI.get(c.kind, c.kind)}, tiếp nhận ngày "
                  f"{short_date(c.received_on)})" + ("" if c.identity_is_confidential else f": {c.title}")
                  for c in urging.cases],
        "recipients": [f"- {urging.agency.name};", "- Lưu: VT, hồ sơ."],
    })
    return ctx


def identity_values(case) -> list[str]:
    """Everything that would identify the filers of a case."""
    values = []
    for party in case.parties:
        # a short address ("Vinh", "Nghệ An") would match the agency's own name: only a full one
        for v, shortest in ((party.full_name, 5), (party.id_number, 6), (party.phone, 6), (party.email, 5),
                            (party.address, 12)):
            if v and len(v.strip()) >= shortest:
                values.append(v.strip())
    return sorted(set(values), key=len, reverse=True)


def pseudonymise(ctx: dict, case) -> dict:
    """The context for a copy that must not identify the denouncer."""
    from ...redaction import Identity
    label = f"{FILER_VI.get(case.kind, 'người gửi đơn').capitalize()} (mã {case.pseudonym})"
    ctx = dict(ctx)
    ctx.update({"filer_name": label, "filer_address": CONFIDENTIAL_NOTE, "filer_id_number": "", "filer_phone": "",
                "confidential_note": CONFIDENTIAL_NOTE,
                "papers": [f"Tài liệu kèm theo số {i + 1}" for i in range(len(case.attachments))]})
    ctx["recipients"] = [r if not r.startswith("- Người gửi đơn") else "- Người gửi đơn;" for r in ctx["recipients"]]
    return scrub(ctx, Identity.of_parties(case.parties), case.pseudonym)


def scrub(value, identity, pseudonym: str):
    """Replace the identity (the redaction engine: any accents, case, separators, order)
    anywhere in ``value``."""
    if isinstance(value, str):
        return identity.redact(value, f"[{pseudonym}]")[0]
    if isinstance(value, dict):
        return {k: scrub(v, identity, pseudonym) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, identity, pseudonym) for v in value]
    return value


def sample_context() -> dict:
    """A full context with made-up values: an uploaded template must render with it."""
    ctx = {k: "Mẫu" for k in EMPTY_KEYS}
    ctx.update({
        "header_superior": "UBND TỈNH NGHỆ AN", "header_agency": "SỞ XÂY DỰNG", "agency_name": "Sở Xây dựng",
        "number": "01", "symbol": "01/TB-SXD", "number_symbol": "Số: 01/TB-SXD",
        "place_date": "Nghệ An, ngày 01 tháng 01 năm 2026", "dated_on": "01/01/2026", "doc_title": "THÔNG BÁO",
        "doc_subject": "Mẫu", "form_ref": "Mẫu", "legal_basis": ["Căn cứ Mẫu;"], "recipient_label": "Mẫu",
        "recipients": ["- Mẫu;", "- Lưu: VT."], "authority": "GIÁM ĐỐC SỞ XÂY DỰNG", "signer_lines": ["GIÁM ĐỐC"], "signer_name": "Nguyễn Văn Mẫu",
        "body": ["Đoạn văn mẫu."], "papers": ["Tài liệu mẫu"], "cases": ["Hồ sơ mẫu"], "signature_hint": "",
    })
    return ctx
