"""Accent-insensitive search: "nguyen van anh" finds "Nguyễn Văn Ánh".

Each case keeps ``search_text``: its code, subject, content, the decision or person
concerned and (except for confidential filers) the filer's name and phone, folded to
lower-case ASCII. PostgreSQL answers a search through a trigram index on that column
(pg_trgm); SQLite scans it, which is fine at the embedded scale.

The ID number is never copied there: parties are encrypted at rest, and a query that is a
citizen ID number (9 or 12 digits, spaces allowed) is matched on the blind index
``Party.id_number_digest`` instead. A denouncer is never found by name or ID number.
"""
from __future__ import annotations

import re
import unicodedata

from ..extensions import db
from ..models import Case, Party
from .crypto import id_digest, normalise_id

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower case, no diacritics (đ → d), single spaces."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", text.lower()).strip()


def case_search_text(case: Case) -> str:
    title, content = case.title, case.content
    if case.identity_is_confidential:
        # a denouncer who wrote their own name into the letter is not found by it either
        from .verification import redact
        title, content = redact(title, case, [])[0], redact(content, case, [])[0]
    parts = [case.tracking_code, title, content, case.respondent or ""]
    if not case.identity_is_confidential:
        for p in case.parties:
            parts += [p.full_name or "", p.phone or ""]
    return fold(" ".join(parts))


def refresh(case: Case) -> None:
    case.search_text = case_search_text(case)


_ID_NUMBER = re.compile(r"^[\d\s.]+$")


def matching(query: str):
    """A where-clause: every word of the query appears in the case's search text, or the
    query is the citizen ID number of a (non-confidential) filer of the case."""
    words = [w for w in fold(query).split(" ") if w]
    clause = db.and_(*[Case.search_text.like(f"%{w}%") for w in words]) if words else db.true()
    digits = normalise_id(query)
    if _ID_NUMBER.match(query.strip() or "x") and len(digits) in (9, 12):
        same_id = (db.select(Party.case_id).join(Case, Case.id == Party.case_id)
                   .where(Party.id_number_digest == id_digest(digits), Case.confidential.is_(False),
                          Case.kind != "denunciation"))
        clause = db.or_(clause, Case.id.in_(same_id))
    return clause
