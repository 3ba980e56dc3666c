"""The pseudonymised copy ("hồ sơ bút danh") of a letter for the verification team.

The identity fields are left out, every occurrence of the filers' names, ID numbers,
phones, e-mails and addresses in the letter's text is blacked out (accent- and
case-insensitive for words, any spacing for numbers), and so are the passages an
officer marked. Attachments: withheld whole, or (PDF) with pages withheld; kept PDF pages
are read back and a page that still names the filer stops the preparation, telling the
officer which page to withhold. Photos lose their metadata (EXIF, comments); Word files
and photos cannot be read by the system, so they are withheld unless the officer chooses
to include them after looking.

Functions flush, never commit; each preparation writes an audit record.
"""
from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import labels
from ..extensions import db
from ..models import Attachment, AuditLog, Case, User
from ..models.privacy import PseudonymisedCopy, Redaction
from . import filemeta, sealed
from .codes import format_code
from ..redaction import Identity
from .search import fold

COPY_FOLDER = "pseudonymised"
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/heic": ".heic",
              "application/msword": ".doc",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx"}
# what the system can read back and check for the filer's identity
CHECKED = {"application/pdf"}
PASSAGE_MAX = 2000

IDENTITY_LEFT_IN_PAGE = _l("File %(n)d, page %(page)d still names the filer: withhold that page.")
IDENTITY_LEFT_IN_FILE = _l("File %(n)d still names the filer (in its text or properties): withhold it.")
BAD_PAGES = _l("Pages of file %(n)d: give page numbers between 1 and %(count)d, e.g. 2, 4-5.")
PDF_UNREADABLE = _l("File %(n)d cannot be read as a PDF: withhold it or include it whole.")


class VerificationError(ValueError):
    pass


# --- what to hide -------------------------------------------------------------------------

def _fold_char(ch: str) -> str:
    out = fold(ch) if not ch.isspace() else " "
    return out if len(out) == 1 else (ch.lower()[:1] or " ")


def _folded(text: str) -> str:
    """Accent-free lower case, one character for one character (positions match ``text``)."""
    return "".join(_fold_char(c) for c in text)


def identity_terms(case: Case) -> list[str]:
    """Everything that names a filer of this case, as stored."""
    terms = []
    for p in case.parties:
        terms += [t for t in (p.full_name, p.id_number, p.phone, p.email, p.address) if t and t.strip()]
    return terms


def identity_of(case: Case) -> Identity:
    """The filers of this case, for the redaction engine (petitions/redaction.py)."""
    return Identity.of_parties(case.parties)


def _spans_for_words(text: str, folded: str, term: str) -> list[tuple[int, int]]:
    words = fold(term).split()
    if not words:
        return []
    pattern = re.compile(r"(?<![0-9a-z])" + r"\s+".join(re.escape(w) for w in words) + r"(?![0-9a-z])")
    return [m.span() for m in pattern.finditer(folded)]


def _spans(text: str, case: Case, passages: list[str]) -> tuple[list[tuple[int, int]], int, int]:
    manual = []
    if passages:
        folded = _folded(text)
        for passage in passages:
            manual += _spans_for_words(text, folded, passage)
            start = 0
            while (i := text.find(passage, start)) >= 0:  # exactly as marked, punctuation and all
                manual.append((i, i + len(passage)))
                start = i + 1
    auto = identity_of(case).spans(text)
    return manual + auto, len(manual), len(auto)


def redact(text: str | None, case: Case, passages: list[str]) -> tuple[str, int, int]:
    """The text with the marked passages and the filers' identity (in any form the
    redaction engine knows) blacked out; the counts of manual and automatic hits."""
    if not text:
        return text or "", 0, 0
    text = unicodedata.normalize("NFC", text)
    spans, n_manual, n_auto = _spans(text, case, passages)
    if not spans:
        return text, 0, 0
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    mark = _("[redacted]")
    out, last = [], 0
    for start, end in merged:
        out += [text[last:start], mark]
        last = end
    out.append(text[last:])
    return "".join(out), n_manual, n_auto


def names_filer(text: str, case: Case) -> bool:
    """Does this text (a page, a file's properties) still contain a filer's identity?
    Accent-, case- and separator-blind (the redaction engine's check)."""
    return identity_of(case).found(text)


# --- the officer's choices ------------------------------------------------------------------

def passages_of(case: Case) -> list[Redaction]:
    return list(db.session.scalars(db.select(Redaction).where(Redaction.case_id == case.id,
                                                             Redaction.attachment_id.is_(None))
                                   .order_by(Redaction.id)))


def attachment_choices(case: Case) -> dict[int, Redaction | None]:
    """attachment id -> its Redaction row (withheld whole, or pages), or None (included)."""
    rows = db.session.scalars(db.select(Redaction).where(Redaction.case_id == case.id,
                                                        Redaction.attachment_id.is_not(None)))
    by_id = {r.attachment_id: r for r in rows}
    return {a.id: by_id.get(a.id) for a in case.attachments}


def default_withheld(att: Attachment) -> bool:
    """Files the system cannot read back start withheld: the officer looks, then includes."""
    return att.mime_type not in CHECKED


def add_passage(case: Case, user: User, passage: str) -> Redaction:
    row = Redaction(case_id=case.id, passage=unicodedata.normalize("NFC", passage.strip())[:PASSAGE_MAX],
                    created_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    _audit(user, "add_redaction", case, redaction=row.id)
    return row


def remove_passage(case: Case, user: User, redaction_id: int) -> None:
    row = db.session.get(Redaction, redaction_id)
    if row is None or row.case_id != case.id or row.attachment_id is not None:
        raise LookupError(redaction_id)
    db.session.delete(row)
    db.session.flush()
    _audit(user, "remove_redaction", case, redaction=redaction_id)


def parse_pages(spec: str, count: int, n: int) -> list[int]:
    """ "2, 4-5" -> [2, 4, 5], checked against the PDF's page count."""
    pages: set[int] = set()
    for part in (spec or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                pages.update(range(a, b + 1))
            else:
                pages.add(int(part))
        except ValueError:
            raise VerificationError(str(BAD_PAGES % {"n": n, "count": count})) from None
    if not pages or min(pages) < 1 or max(pages) > count:
        raise VerificationError(str(BAD_PAGES % {"n": n, "count": count}))
    return sorted(pages)


def set_attachment_choice(case: Case, user: User, att: Attachment, choice: str, pages: list[int] | None) -> None:
    """choice: 'include', 'withhold' (whole) or 'pages' (PDF pages listed in ``pages``)."""
    db.session.execute(db.delete(Redaction).where(Redaction.case_id == case.id, Redaction.attachment_id == att.id))
    if choice == "withhold" or (choice == "pages" and pages):
        db.session.add(Redaction(case_id=case.id, attachment_id=att.id, created_by_id=user.id,
                                 pages=pages if choice == "pages" else None))
    elif choice == "include" and default_withheld(att):
        # an unreadable file the officer chose to include: remember that it was looked at
        db.session.add(Redaction(case_id=case.id, attachment_id=att.id, created_by_id=user.id, pages=[]))
    db.session.flush()
    _audit(user, "set_attachment_redaction", case, attachment=att.id, choice=choice, pages=pages or [])


def effective_choice(att: Attachment, row: Redaction | None) -> tuple[str, list[int]]:
    """('include'|'withhold'|'pages', pages) as the copy will apply it."""
    if row is None:
        return ("withhold", []) if default_withheld(att) else ("include", [])
    if row.pages is None:
        return "withhold", []
    if row.pages == []:
        return "include", []
    return "pages", list(row.pages)


def pdf_page_count(att: Attachment) -> int | None:
    if att.mime_type != "application/pdf":
        return None
    try:
        from pypdf import PdfReader
        return len(PdfReader(io.BytesIO(_read(att))).pages)
    except Exception:  # a damaged PDF: the officer withholds it or includes it whole
        return None


# --- building the copy -----------------------------------------------------------------------

@dataclass
class Built:
    data: bytes
    summary: dict


def _read(att: Attachment) -> bytes:
    """The attachment's bytes (sealed at rest: services/uploads.read_bytes opens them)."""
    from . import uploads
    return uploads.read_bytes(att)


def _kept_pdf(att: Attachment, withheld: list[int], n: int, case: Case) -> tuple[bytes, int]:
    from pypdf import PdfReader
    try:
        reader = PdfReader(io.BytesIO(_read(att)))
        pages = list(reader.pages)
    except Exception:
        raise VerificationError(str(PDF_UNREADABLE % {"n": n})) from None
    keep = []
    for number, page in enumerate(pages, start=1):
        if number in withheld:
            continue
        try:
            text = page.extract_text() or ""
        except Exception:
            text = ""
        if names_filer(text, case):
            raise VerificationError(str(IDENTITY_LEFT_IN_PAGE % {"n": n, "page": number}))
        keep.append(number)
    # a new document of the kept pages' content only: no properties, XMP, annotations
    # (comments and their authors) or form fields (services/filemeta.py)
    return filemeta.clean_pdf(reader=reader, keep=set(keep)), len(keep)


def _without_photo_metadata(data: bytes, mime: str) -> bytes:
    """Photos without EXIF/XMP/comments, HEIC included; Word files without properties,
    comments, revisions and authors (services/filemeta.py)."""
    if mime == filemeta.DOCX:
        try:
            return filemeta.clean_docx(data)
        except Exception:  # a Word file the system cannot rewrite is not sent as it is
            raise VerificationError(str(IDENTITY_LEFT_IN_FILE % {"n": 0})) from None
    try:
        return filemeta.clean_image(data, mime)
    except Exception:  # a photo that cannot be decoded cannot be cleaned: never sent as it is
        raise VerificationError(str(IDENTITY_LEFT_IN_FILE % {"n": 0})) from None


def _letter_text(case: Case, passages: list[str]) -> tuple[str, int, int]:
    title, m1, a1 = redact(case.title, case, passages)
    content, m2, a2 = redact(case.content, case, passages)
    respondent, m3, a3 = redact(case.respondent or "", case, passages)
    filer = _("Filer") if not case.identity_is_confidential else _("Denouncer")
    lines = [
        _("PSEUDONYMISED COPY FOR VERIFICATION"),
        _("The filer's identity has been removed (Law on Denunciations, Art. 47; Law 91/2025 on personal data)."),
        "",
        f"{_('Case')}: {format_code(case.tracking_code)}",
        f"{_('Kind')}: {labels.label(labels.KIND, case.kind)}",
        f"{_('Date received')}: {case.received_on.strftime('%d/%m/%Y')}",
        f"{_('Agency')}: {case.agency.name}",
        f"{_('Commune')}: {case.commune.name if case.commune else ''}",
        f"{filer}: {case.pseudonym}",
        f"{_('Subject')}: {title}",
    ]
    if respondent:
        lines.append(f"{_('Decision, act or person concerned')}: {respondent}")
    lines += ["", f"{_('Content')}:", content, ""]
    # never true (redact() hides every term): a guard against a regression in the matching
    if names_filer("\n".join([title, content, respondent]), case):
        raise VerificationError(str(IDENTITY_LEFT_IN_FILE % {"n": 0}))
    return "\n".join(lines), m1 + m2 + m3, a1 + a2 + a3


def build_copy(case: Case) -> Built:
    """The ZIP: the redacted letter, the kept attachments, and a list of what was left out."""
    passages = [r.passage for r in passages_of(case) if r.passage]
    letter, n_manual, n_auto = _letter_text(case, passages)
    choices = attachment_choices(case)
    files, manifest = [], []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, att in enumerate(case.attachments, start=1):
            choice, pages = effective_choice(att, choices[att.id])
            name = f"tep-{n}{EXTENSIONS.get(att.mime_type, '')}"
            if choice == "withhold":
                manifest.append(_("File %(n)d: withheld.", n=n))
                files.append({"n": n, "withheld": True})
                continue
            if att.mime_type == "application/pdf":
                data, kept = _kept_pdf(att, pages, n, case)
                if pages:
                    manifest.append(_("File %(n)d: pages withheld: %(pages)s.", n=n,
                                      pages=", ".join(map(str, pages))))
                else:
                    manifest.append(_("File %(n)d: included.", n=n))
                files.append({"n": n, "pages_withheld": pages, "pages_kept": kept})
            else:
                data = _without_photo_metadata(_read(att), att.mime_type)
                if att.mime_type.startswith("application/vnd.openxmlformats") and names_filer(
                        _docx_text(data), case):
                    raise VerificationError(str(IDENTITY_LEFT_IN_FILE % {"n": n}))
                manifest.append(_("File %(n)d: included whole, checked by the officer.", n=n))
                files.append({"n": n, "included": True})
            zf.writestr(name, data)
        zf.writestr("thu.txt", letter)
        zf.writestr("danh-muc.txt", "\n".join([_("What was left out of this copy"), "",
                                                _("Passages blacked out in the text: %(n)d", n=n_manual + n_auto)]
                                               + manifest) + "\n")
    return Built(buffer.getvalue(), {"passages": n_manual, "auto": n_auto, "files": files})


def _docx_text(data: bytes) -> str:
    """The words of a Word file and its properties (author, title…)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        parts = [n for n in zf.namelist() if n.startswith(("word/", "docProps/")) and n.endswith(".xml")]
        from ..redaction import markup_text
        return "\n".join(t for n in parts for t in markup_text(zf.read(n).decode("utf-8", "replace")))
    except (zipfile.BadZipFile, KeyError):
        return ""


def prepare_copy(case: Case, user: User) -> PseudonymisedCopy:
    """Build the copy, keep it under UPLOAD_FOLDER/pseudonymised, record who prepared it."""
    built = build_copy(case)
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / COPY_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(20)
    sealed.write(folder / stored, built.data)  # it holds the letter and the kept papers: sealed, 0600
    db.session.info.setdefault("petitions_new_files", []).append(folder / stored)
    row = PseudonymisedCopy(case_id=case.id, stored_name=stored, size=len(built.data),
                            sha256=hashlib.sha256(built.data).hexdigest(), summary=built.summary,
                            prepared_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    _audit(user, "prepare_pseudonymised_copy", case, copy=row.id, sha256=row.sha256, **built.summary)
    return row


def copy_path(row: PseudonymisedCopy) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / COPY_FOLDER / row.stored_name


def copy_bytes(row: PseudonymisedCopy) -> bytes:
    """The ZIP as it was released (sealed at rest)."""
    return sealed.read(copy_path(row))


def record_download(row: PseudonymisedCopy, case: Case, user: User) -> None:
    _audit(user, "download_pseudonymised_copy", case, copy=row.id)


def _audit(user: User, action: str, case: Case, **details) -> None:
    """Audit details never hold the hidden text or the identity: ids and counts only."""
    db.session.add(AuditLog(user_id=user.id, action=action, object_type="case", object_id=case.tracking_code,
                            details=details))


def shown_text(text: str | None, case: Case, user) -> str | None:
    """A letter's own words (title, content) as this user may see them: unchanged when the
    filer's identity is not confidential or the user may see it, otherwise with the
    denouncer's name, ID number, phone, e-mail and address blacked out. Lists should call
    :func:`load_filers` first, so the parties are read in one statement."""
    from ..permissions import can_view_identity
    if not text or not case.identity_is_confidential or can_view_identity(user, case):
        return text
    return redact(text, case, [])[0]


def outgoing_text(text: str | None, case: Case) -> str | None:
    """A letter's words leaving the application (mails to officers, digests, in-app
    notifications, logs): blacked out whenever the filer is confidential, whoever receives
    it, since no reason is asked and no access is logged outside the case page."""
    if not text or not case.identity_is_confidential:
        return text
    return redact(text, case, [])[0]


def load_filers(cases, user, chunk: int = 500) -> None:
    """Read, in one statement per ``chunk`` cases, the parties of the listed cases whose
    text :func:`shown_text` will black out for this user (confidential cases only)."""
    from collections import defaultdict

    from sqlalchemy.orm.attributes import set_committed_value

    from ..models import Party
    from ..permissions import can_view_identity
    need = [c for c in cases if c.identity_is_confidential and "parties" not in c.__dict__
            and not can_view_identity(user, c)]
    for i in range(0, len(need), chunk):
        part = need[i:i + chunk]
        by_case = defaultdict(list)
        for p in db.session.scalars(db.select(Party).where(Party.case_id.in_([c.id for c in part]))
                                    .order_by(Party.case_id, Party.position)):
            by_case[p.case_id].append(p)
        for c in part:
            set_committed_value(c, "parties", by_case[c.id])
