"""Official documents: generated from the case, numbered, stored with their hash, printable.

``issue_document`` takes the number and stores the DOCX in one transaction (the caller
commits); ``make_pdf`` converts it after the commit (a slow LibreOffice run must not
hold the register's lock), and a failed conversion leaves the DOCX issued with the
reason on the row, to be retried. Functions flush, never commit.

Every file here (the DOCX, the PDF, an uploaded template) is sealed at rest with the identity
keys and created 0600 (services/sealed.py): a document names the filer. :func:`read_document`
is the one way to read one; the PDF is converted from a plain copy of the DOCX in a private
temporary folder (render.docx_to_pdf), then sealed into place.
"""
from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from ...extensions import db
from ...models import AuditLog, Case, CaseEvent, DocumentTemplate, IssuedDocument, User
from ...workflow.states import Role
from . import context as ctx_mod
from .kinds import BY_KEY, KINDS, DocKind, kinds_for_event, recipients_for, variant_for
from .. import sealed
from ..filemeta import clean_docx, clean_pdf
from .numbering import take_number
from .render import PdfError, RenderError, TemplateRefused, builtin_template, docx_text, docx_to_pdf, render_docx, sha256

__all__ = ["BY_KEY", "KINDS", "DocumentError", "IdentityLeak", "RenderError", "TemplateRefused", "issue_document",
           "reissue_document", "make_pdf", "offered_for_event", "upload_template", "document_path", "read_document",
           "kinds_for_event", "recipients_for", "default_signer"]

FOLDER = "documents"


class DocumentError(ValueError):
    """The document cannot be issued as asked (wrong event, recipient, missing text)."""


class IdentityLeak(RuntimeError):
    """A pseudonymised copy would still carry the denouncer's identity: not issued."""


# the reasons given to the officer (lazy: translated when the page shows them)
NOT_FOR_EVENT = _l("This document is not produced by this step.")
NO_RECIPIENT = _l("Choose who receives the document.")
TEXT_REQUIRED = _l("Write the text of the decision or conclusion: it is the body of the document.")
MESSAGES = (NOT_FOR_EVENT, NO_RECIPIENT, TEXT_REQUIRED)


def storage() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def document_path(name: str) -> Path:
    """Where a document's file is: sealed, so read it with :func:`read_document`."""
    return storage() / name


def read_document(name: str) -> bytes:
    """A stored document's (or template's) own bytes, unsealed: every reader goes through here.
    Raises FileNotFoundError when the file is gone."""
    return sealed.read(document_path(name))


def _store(data: bytes, suffix: str) -> str:
    name = secrets.token_hex(16) + suffix
    path = storage() / name
    sealed.write(path, data)  # mode 0600, sealed with the identity keys
    # removed again if the transaction rolls back (see services/workflow.py's listeners)
    db.session.info.setdefault("petitions_new_files", []).append(path)
    return name


def active_template(kind: str) -> tuple[bytes | Path, DocumentTemplate | None]:
    """The active uploaded template's bytes, or the path of the built-in one."""
    row = db.session.scalar(db.select(DocumentTemplate).where(DocumentTemplate.kind == kind,
                                                              DocumentTemplate.active.is_(True))
                            .order_by(DocumentTemplate.version.desc()))
    if row is None:
        return builtin_template(kind), None
    return read_document(row.stored_name), row


def default_signer(agency_id: int, user: User | None = None) -> str:
    """Who signs, pre-filled: the officer issuing it when they are a head of the agency,
    else the agency's head if there is exactly one; else the officer fills it in."""
    from ...models import UserRole
    heads = list(db.session.execute(db.select(User.id, User.full_name).join(UserRole)
                                    .where(User.agency_id == agency_id, User.active.is_(True),
                                           UserRole.role == Role.HEAD.value)))
    if user is not None and any(uid == user.id for uid, _name in heads):
        return user.full_name
    return heads[0][1] if len(heads) == 1 else ""


#: notices sent with the ``notify`` event that are not the documents ``notify`` produces (the
#: decision, the acceptance notice): a suspension/termination notice, a conclusion sent (issue 16)
_OTHER_NOTICES = {"complaint-procedure-notice", "denunciation-conclusion-notice"}


def offered_for_event(case: Case, event: CaseEvent) -> list[DocKind]:
    stopped = set(((event.data or {}).get("deadlines") or {}).get("stopped") or ())
    if event.event == "notify" and stopped & _OTHER_NOTICES:
        return []
    return kinds_for_event(case.kind, event.event)


def _render(kind: DocKind, *, case: Case | None, event: CaseEvent | None, urging, recipient, variant: str,
            agency, number: int, symbol: str, dated_on: date, signer_name: str, capacity: str,
            text: str | None) -> tuple[bytes, DocumentTemplate | None]:
    ctx = ctx_mod.base_context(kind, case.kind if case else "*", agency, number=number, symbol=symbol,
                               dated_on=dated_on, recipient=recipient, signer_name=signer_name, capacity=capacity,
                               text=text)
    if urging is not None:
        ctx = ctx_mod.urging_context(ctx, urging)
    else:
        ctx = ctx_mod.case_context(ctx, kind, case, event, recipient)
        if variant == "pseudonymised":
            ctx = ctx_mod.pseudonymise(ctx, case)
    template, row = active_template(kind.key)
    # no author, comment, revision or property of the template or its editor goes out
    data = clean_docx(render_docx(template, ctx))
    if case is not None and variant == "pseudonymised" and _names_denouncer(docx_text(data), case):
        # a template that writes the identity some other way: refuse, never send
        raise IdentityLeak("the pseudonymised copy still names the denouncer")
    return data, row


def _names_denouncer(xml: str, case: Case) -> bool:
    """The post-render check, with the redaction engine: accent-, case- and separator-blind,
    on the text with the XML tags taken out (a name split over runs joined up again)."""
    from ...redaction import Identity, markup_text
    who = Identity.of_parties(case.parties)
    return any(who.found(text) for text in markup_text(xml))


def _recipient(kind: DocKind, case_kind: str, key: str):
    for r in recipients_for(kind, case_kind):
        if r.key == key:
            return r
    raise DocumentError(NO_RECIPIENT)


def issue_document(kind_key: str, *, user: User, today: date, recipient: str, case: Case | None = None,
                   event: CaseEvent | None = None, urging=None, signer_name: str = "", capacity: str = "head",
                   text: str | None = None) -> IssuedDocument:
    """Number, render and store a new document. Flushes; the caller commits, then calls make_pdf."""
    kind = BY_KEY.get(kind_key)
    if kind is None:
        raise DocumentError(NOT_FOR_EVENT)
    if urging is not None:
        if kind.key != "urging_letter":
            raise DocumentError(NOT_FOR_EVENT)
        agency, case_kind, confidential = urging.created_by.agency, "*", any(
            c.identity_is_confidential for c in urging.cases)
    else:
        if event is None or event.case_id != case.id or not kind.produced_by(case.kind, event.event):
            raise DocumentError(NOT_FOR_EVENT)
        agency, case_kind, confidential = case.agency, case.kind, case.identity_is_confidential
    rec = _recipient(kind, case_kind, recipient)
    if kind.needs_text and not (text or "").strip():
        raise DocumentError(TEXT_REQUIRED)
    variant = "pseudonymised" if urging is not None and confidential else variant_for(rec, confidential)
    number, prefix = take_number(agency.id, today.year, ctx_mod.symbol_prefix_of(agency))
    symbol = ctx_mod.symbol_for(number, kind.type_abbr, prefix)
    data, template = _render(kind, case=case, event=event, urging=urging, recipient=rec, variant=variant,
                             agency=agency, number=number, symbol=symbol, dated_on=today,
                             signer_name=signer_name, capacity=capacity, text=text)
    doc = IssuedDocument(
        case_id=case.id if case else None, event_id=event.id if event else None,
        urging_id=urging.id if urging is not None else None, agency_id=agency.id, kind=kind.key, number=number,
        year=today.year, dated_on=today, symbol=symbol, version=1, recipient=rec.key,
        recipient_label=rec.doc_label, variant=variant, docx_name=_store(data, ".docx"), docx_sha256=sha256(data),
        template_id=template.id if template else None, issued_by_id=user.id,
    )
    db.session.add(doc)
    db.session.flush()
    _record(doc, user, today, "issue_document")
    return doc


def reissue_document(old: IssuedDocument, *, user: User, today: date, signer_name: str = "",
                     capacity: str = "head", text: str | None = None) -> IssuedDocument:
    """A new version under the same number, from the case's data and template as they are now.
    The old version and its file stay."""
    kind = BY_KEY[old.kind]
    case = db.session.get(Case, old.case_id) if old.case_id else None
    event = db.session.get(CaseEvent, old.event_id) if old.event_id else None
    urging = None
    if old.urging_id:
        from ...models import Urging
        urging = db.session.get(Urging, old.urging_id)
    if kind.needs_text and not (text or "").strip():
        raise DocumentError(TEXT_REQUIRED)
    rec = _recipient(kind, case.kind if case else "*", old.recipient)
    data, template = _render(kind, case=case, event=event, urging=urging, recipient=rec, variant=old.variant,
                             agency=old.agency, number=old.number, symbol=old.symbol, dated_on=old.dated_on,
                             signer_name=signer_name, capacity=capacity, text=text)
    version = db.session.scalar(db.select(func.max(IssuedDocument.version)).where(
        IssuedDocument.agency_id == old.agency_id, IssuedDocument.year == old.year,
        IssuedDocument.number == old.number)) + 1
    doc = IssuedDocument(
        case_id=old.case_id, event_id=old.event_id, urging_id=old.urging_id, agency_id=old.agency_id,
        kind=old.kind, number=old.number, year=old.year, dated_on=old.dated_on, symbol=old.symbol,
        version=version, supersedes_id=old.id, recipient=old.recipient, recipient_label=old.recipient_label,
        variant=old.variant, docx_name=_store(data, ".docx"), docx_sha256=sha256(data),
        template_id=template.id if template else None, issued_by_id=user.id,
    )
    db.session.add(doc)
    db.session.flush()
    _record(doc, user, today, "reissue_document")
    return doc


def _record(doc: IssuedDocument, user: User, today: date, action: str) -> None:
    details = {"document": doc.id, "kind": doc.kind, "symbol": doc.symbol, "version": doc.version,
               "variant": doc.variant, "recipient": doc.recipient, "sha256": doc.docx_sha256}
    if doc.case_id:
        case = db.session.get(Case, doc.case_id)
        db.session.add(CaseEvent(case_id=doc.case_id, acted_on=today, actor_id=user.id, event=action,
                                 from_status=case.status, to_status=case.status, is_public=False, data=details))
    db.session.add(AuditLog(user_id=user.id, action=action, object_type="issued_document", object_id=str(doc.id),
                            details=details))


def make_pdf(doc: IssuedDocument) -> bool:
    """Convert the stored DOCX to PDF (after the issuing commit): unsealed into a private
    temporary folder for LibreOffice, the PDF sealed into place. Flushes; True if made."""
    data = read_document(doc.docx_name)
    try:
        pdf = docx_to_pdf(data, current_app.config.get("DOCUMENTS_SOFFICE", "soffice"))
    except PdfError as error:
        doc.pdf_error = str(error)[:300]
        db.session.flush()
        return False
    pdf = clean_pdf(pdf)  # LibreOffice's producer, the title and XMP: gone
    case = db.session.get(Case, doc.case_id) if doc.case_id else None
    if case is not None and doc.variant == "pseudonymised" and _pdf_names_denouncer(pdf, case):
        doc.pdf_error = "the PDF still names the denouncer: not kept"
        db.session.flush()
        return False
    doc.pdf_name, doc.pdf_sha256, doc.pdf_error = _store(pdf, ".pdf"), sha256(pdf), None
    db.session.flush()
    return True


def _pdf_names_denouncer(pdf: bytes, case: Case) -> bool:
    import io

    from pypdf import PdfReader

    from ...redaction import Identity
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return Identity.of_parties(case.parties).found(text)


def upload_template(kind_key: str, data: bytes, filename: str, user: User) -> DocumentTemplate:
    """Store an administrator's template, after checking it renders with a sample case; activate it."""
    if kind_key not in BY_KEY:
        raise DocumentError(NOT_FOR_EVENT)
    render_docx(data, ctx_mod.sample_context())  # raises RenderError
    version = (db.session.scalar(db.select(func.max(DocumentTemplate.version))
                                 .where(DocumentTemplate.kind == kind_key)) or 0) + 1
    for row in db.session.scalars(db.select(DocumentTemplate).where(DocumentTemplate.kind == kind_key,
                                                                     DocumentTemplate.active.is_(True))):
        row.active = False
    row = DocumentTemplate(kind=kind_key, version=version, stored_name=_store(data, ".docx"),
                           original_name=filename[:255], sha256=sha256(data), uploaded_by_id=user.id, active=True)
    db.session.add(row)
    db.session.flush()
    db.session.add(AuditLog(user_id=user.id, action="upload_document_template", object_type="document_template",
                            object_id=str(row.id), details={"kind": kind_key, "version": version,
                                                            "sha256": row.sha256, "file": filename[:255]}))
    return row


def record_refused_template(kind_key: str, user: User | None, error: Exception, filename: str | None = None) -> None:
    """Audit a template refused by the sandbox (after the caller's rollback; the caller commits)."""
    db.session.add(AuditLog(user_id=user.id if user else None, action="refuse_document_template",
                            object_type="document_template", object_id=None,
                            details={"kind": kind_key, "file": (filename or "")[:255], "error": str(error)[:300]}))


def revert_template(kind_key: str, user: User) -> None:
    """Back to the built-in template: every uploaded one for the kind is deactivated (kept)."""
    for row in db.session.scalars(db.select(DocumentTemplate).where(DocumentTemplate.kind == kind_key,
                                                                     DocumentTemplate.active.is_(True))):
        row.active = False
    db.session.add(AuditLog(user_id=user.id, action="revert_document_template", object_type="document_template",
                            object_id=None, details={"kind": kind_key}))
    db.session.flush()
