"""Personal data duties (Law 91/2025 on personal data protection, Decree 13/2023):
retention periods per kind of record, the anonymisation of what has expired, and a
filer's data export on request.

Retention periods are settings (``RetentionSetting``), defaults below. The archive
periods of citizen-reception and complaint/denunciation files are set by the Ministry of
Home Affairs' list of retention periods (Thông tư 10/2022/TT-BNV) and by each agency's own
list; the province sets them here to match its archive decisions (a provincial setting,
not fixed in the code). The paper file and the official archive copy are not touched:
this is the working copy of the application.

What anonymising a closed case does (once: ``CaseAnonymisation`` marks it):
- every party: the name becomes "[đã ẩn danh]", ID number, phone, e-mail and address are
  cleared (through the ORM, so the encrypted columns and the blind index follow);
- the letter's content and the respondent are replaced by a placeholder, the accent-free
  search text is cleared; the kind, dates, status, outcome and agency stay (the
  statistics and the history of the case survive);
- attachments: the files are deleted, the rows stay with a note in the name;
- a filer's rating comment is replaced by the placeholder.
Case events are append-only and stay as they are (officers' notes record acts, not the
filer's data). Notifications older than their period are deleted; identity access and
audit records older than theirs too (10 years by default).

Services flush, never commit.
"""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (AuditLog, Case, CaseAnonymisation, IdentityAccess, Notification, Party,
                      RetentionSetting, User)

PLACEHOLDER = "[đã ẩn danh]"
CONTENT_PLACEHOLDER = "[đã ẩn danh: nội dung đơn đã hết thời hạn lưu trữ dữ liệu cá nhân]"
FILE_NOTE = "[đã xoá tệp: hết thời hạn lưu trữ] "


@dataclass(frozen=True)
class Kind:
    key: str
    default_years: int
    label: object
    help: object


KINDS: dict[str, Kind] = {k.key: k for k in (
    Kind("case_personal_data", 5, _l("Personal data of closed cases"),
         _l("Years after a case is closed before its filers' data, content and attachment files are "
            "anonymised. Match the agency's archive list (Circular 10/2022/TT-BNV): a provincial setting.")),
    Kind("notifications", 1, _l("Notifications and alert mails"),
         _l("Years after a notification was created before it is deleted.")),
    Kind("identity_access_log", 10, _l("Identity access log"),
         _l("Years the record of who was shown a denouncer's identity is kept.")),
    Kind("audit_log", 10, _l("Audit log"),
         _l("Years the record of changes to settings, accounts and data is kept.")),
)}


class RetentionError(ValueError):
    pass


def periods() -> dict[str, int]:
    """Years per kind of record: the settings, else the defaults."""
    out = {k: kind.default_years for k, kind in KINDS.items()}
    for row in db.session.scalars(db.select(RetentionSetting)):
        if row.kind in out:
            out[row.kind] = row.years
    return out


def setting_rows() -> dict[str, RetentionSetting]:
    return {r.kind: r for r in db.session.scalars(db.select(RetentionSetting))}


def set_period(kind: str, years: int, by: User, note: str) -> RetentionSetting:
    """Change a retention period; the change is audited with the old and new value."""
    if kind not in KINDS:
        raise RetentionError("unknown kind of record")
    if not isinstance(years, int) or not 1 <= years <= 100:
        raise RetentionError("between 1 and 100 years")
    note = (note or "").strip()
    if not note:
        raise RetentionError("give the decision or reason")
    row = db.session.scalar(db.select(RetentionSetting).where(RetentionSetting.kind == kind))
    old = row.years if row else KINDS[kind].default_years
    if row is None:
        row = RetentionSetting(kind=kind, years=years, note=note[:300], updated_by_id=by.id)
        db.session.add(row)
    else:
        row.years, row.note, row.updated_by_id = years, note[:300], by.id
        row.updated_at = datetime.now(timezone.utc)
    db.session.add(AuditLog(user_id=by.id, action="set_retention", object_type="retention", object_id=kind,
                            details={"from_years": old, "to_years": years, "note": note[:300]}))
    db.session.flush()
    return row


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _instant(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


# -- anonymisation ----------------------------------------------------------------------


@dataclass
class AnonymiseResult:
    dry_run: bool
    cases: int = 0
    parties: int = 0
    attachments: int = 0
    files_deleted: int = 0
    ratings: int = 0
    notifications: int = 0
    identity_accesses: int = 0
    audit_rows: int = 0
    case_ids: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"cases": self.cases, "parties": self.parties, "attachments": self.attachments,
                "files_deleted": self.files_deleted, "ratings": self.ratings,
                "notifications": self.notifications, "identity_accesses": self.identity_accesses,
                "audit_rows": self.audit_rows}


def expired_cases_query(today: date):
    """Closed cases past their retention period and not anonymised yet."""
    until = years_before(today, periods()["case_personal_data"])
    done = db.select(CaseAnonymisation.case_id)
    return (db.select(Case).where(Case.closed_on.is_not(None), Case.closed_on <= until,
                                  Case.id.not_in(done)).order_by(Case.id))


def _anonymise_case(case: Case, today: date, result: AnonymiseResult, dry_run: bool) -> None:
    from ..models import Rating
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    result.cases += 1
    result.case_ids.append(case.id)
    result.parties += len(case.parties)
    result.attachments += len(case.attachments)
    rating = db.session.scalar(db.select(Rating).where(Rating.case_id == case.id))
    if rating is not None and rating.comment:
        result.ratings += 1
    files = sum(1 for a in case.attachments if (folder / a.stored_name).exists())
    result.files_deleted += files
    if dry_run:
        return
    for party in case.parties:
        party.full_name = PLACEHOLDER
        party.id_number = None
        party.phone = party.email = party.address = None
    for att in case.attachments:
        (folder / att.stored_name).unlink(missing_ok=True)
        att.original_name = FILE_NOTE.strip()  # the file's name may itself name the filer
    if rating is not None and rating.comment:
        rating.comment = PLACEHOLDER
    case.content = CONTENT_PLACEHOLDER
    if case.respondent:
        case.respondent = PLACEHOLDER
    case.search_text = None
    db.session.add(CaseAnonymisation(case_id=case.id, anonymised_on=today,
                                     details={"parties": len(case.parties), "attachments": len(case.attachments),
                                              "files_deleted": files}))


def anonymise_expired(today: date, *, dry_run: bool = False, by: User | None = None,
                      batch: int = 200) -> AnonymiseResult:
    """Anonymise or delete every record past its retention period. Idempotent: an
    anonymised case is marked and never counted again. A dry run changes nothing and
    writes nothing (it only counts). A real run writes one audit record with the counts."""
    result = AnonymiseResult(dry_run=dry_run)
    years = periods()
    last_id = 0
    while True:
        cases = db.session.scalars(expired_cases_query(today).where(Case.id > last_id).limit(batch)).all()
        if not cases:
            break
        for case in cases:
            _anonymise_case(case, today, result, dry_run)
        last_id = cases[-1].id
        if not dry_run:
            db.session.flush()

    def old(model, column, kind, *extra):
        cutoff = _instant(years_before(today, years[kind]))
        where = (column < cutoff, *extra)
        count = db.session.scalar(db.select(db.func.count()).select_from(model).where(*where)) or 0
        if count and not dry_run:
            # a bulk DELETE: the append-only guard of the ORM applies to the application's
            # own changes; the end of the retention period is the one exception
            db.session.execute(db.delete(model).where(*where).execution_options(synchronize_session=False))
        return count

    result.notifications = old(Notification, Notification.created_at, "notifications",
                               Notification.status.in_(("sent", "dead", "none")))
    result.identity_accesses = old(IdentityAccess, IdentityAccess.at, "identity_access_log")
    result.audit_rows = old(AuditLog, AuditLog.at, "audit_log")
    if not dry_run:
        db.session.add(AuditLog(user_id=by.id if by else None, action="privacy_anonymise",
                                object_type="retention", object_id=None,
                                details={**result.counts(), "today": today.isoformat(), "periods": years}))
        db.session.flush()
    return result


# -- a filer's data, on request (Law 91/2025: the data subject's right of access) ----------


def _digits(id_number: str) -> str:
    return "".join(ch for ch in (id_number or "") if ch in "0123456789")


def parties_of(id_number: str) -> list[Party]:
    """Every party record with this citizen ID number (the blind index when the identity
    is encrypted; the plain column otherwise)."""
    digits = _digits(id_number)
    if len(digits) not in (9, 12):
        raise RetentionError("a citizen ID number has 9 or 12 digits")
    if hasattr(Party, "id_number_digest"):
        from .crypto import id_digest
        query = db.select(Party).where(Party.id_number_digest == id_digest(digits))
    else:  # before the blind index: compare in Python
        query = db.select(Party).where(Party.id_number.is_not(None))
        return [p for p in db.session.scalars(query) if _digits(p.id_number) == digits]
    return [p for p in db.session.scalars(query.order_by(Party.case_id, Party.id))
            if _digits(p.id_number) == digits]


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def filer_data(id_number: str) -> dict:
    """Everything the system holds about the person with this ID number: their own
    party records, each case they filed or signed (what the filer may see of it: the
    letter, its status, the public events, the list of attachments). Nothing of other
    filers (co-signers' data is theirs)."""
    from .codes import format_code
    parties = parties_of(id_number)
    by_case: dict[int, list[Party]] = {}
    for p in parties:
        by_case.setdefault(p.case_id, []).append(p)
    cases = []
    for case_id, mine in by_case.items():
        case = db.session.get(Case, case_id)
        cases.append({
            "tracking_code": format_code(case.tracking_code), "kind": case.kind, "channel": case.channel,
            "title": case.title, "content": case.content, "respondent": case.respondent,
            "received_on": _iso(case.received_on), "status": case.status, "outcome": case.outcome,
            "closed_on": _iso(case.closed_on), "agency": case.agency.name,
            "commune": case.commune.name if case.commune else None,
            "anonymised": db.session.get(CaseAnonymisation, case.id) is not None,
            "parties": [{"role": p.role, "full_name": p.full_name, "id_number": p.id_number, "phone": p.phone,
                         "email": p.email, "address": p.address, "withdrawn_on": _iso(p.withdrawn_on)}
                        for p in mine],
            "events": [{"date": _iso(e.acted_on), "event": e.event, "status": e.to_status}
                       for e in case.events if e.is_public],
            "attachments": [{"name": a.original_name, "size": a.size, "type": a.mime_type,
                             "uploaded_at": _iso(a.uploaded_at)} for a in case.attachments],
        })
    return {"subject": {"id_number": _digits(id_number)}, "cases": cases}


def record_lookup(id_number: str, by: User, reference: str) -> None:
    """An administrator saw whose letters these are: audited (without the ID number), and
    each confidential case among them written to the identity-access log with the reason."""
    reference = (reference or "").strip()
    if not reference:
        raise RetentionError("give the request's reference")
    codes = []
    for case_id in sorted({p.case_id for p in parties_of(id_number)}):
        case = db.session.get(Case, case_id)
        codes.append(case.tracking_code)
        if case.identity_is_confidential:
            db.session.add(IdentityAccess(case_id=case.id, user_id=by.id, context="filer_lookup",
                                          reason=reference[:300]))
    db.session.add(AuditLog(user_id=by.id, action="privacy_lookup", object_type="filer", object_id=None,
                            details={"cases": codes, "request": reference[:200]}))
    db.session.flush()


def export_filer_data(id_number: str, by: User, reference: str, today: date) -> tuple[bytes, dict]:
    """The ZIP handed to the filer (data.json, and a readable summary), recorded in the
    audit log without the ID number; a denunciation among the cases is an access to a
    denouncer's identity and is written to the identity access log as well."""
    reference = (reference or "").strip()
    if not reference:
        raise RetentionError("give the request's reference")
    data = filer_data(id_number)
    data["exported_on"] = today.isoformat()
    data["request"] = reference[:200]
    codes = [c["tracking_code"] for c in data["cases"]]
    for case_id in {p.case_id for p in parties_of(id_number)}:
        case = db.session.get(Case, case_id)
        if case.identity_is_confidential:
            db.session.add(IdentityAccess(case_id=case.id, user_id=by.id, context="data_export",
                                          reason=reference[:300]))
    db.session.add(AuditLog(user_id=by.id, action="privacy_export", object_type="filer", object_id=None,
                            details={"cases": codes, "request": reference[:200]}))
    db.session.flush()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        zf.writestr("README.txt", _summary(data))
    return buf.getvalue(), data


def _summary(data: dict) -> str:
    lines = ["Dữ liệu cá nhân của người gửi đơn (trích xuất theo yêu cầu)",
             f"Ngày trích xuất: {data['exported_on']}", f"Yêu cầu: {data['request']}",
             f"Số đơn: {len(data['cases'])}", ""]
    for c in data["cases"]:
        lines.append(f"- {c['tracking_code']}: {c['title']} (nhận ngày {c['received_on']}, {c['status']})")
    lines += ["", "Chi tiết đầy đủ trong tệp data.json (UTF-8)."]
    return "\n".join(lines) + "\n"
