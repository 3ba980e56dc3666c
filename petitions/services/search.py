"""Accent-insensitive search: "nguyen van anh" finds "Nguyễn Văn Ánh".

Each case keeps ``search_text``: its code, subject, content, the decision or person
concerned and (except for confidential filers) the filer's name, ID number and phone,
folded to lower-case ASCII. PostgreSQL answers a search through a trigram index on that
column (pg_trgm); SQLite scans it, which is fine at the embedded scale.
"""
from __future__ import annotations

import re
import unicodedata

from ..extensions import db
from ..models import Case

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower case, no diacritics (đ → d), single spaces."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", text.lower()).strip()


def case_search_text(case: Case) -> str:
    parts = [case.tracking_code, case.title, case.content, case.respondent or ""]
    if not case.identity_is_confidential:
        for p in case.parties:
            parts += [p.full_name or "", p.id_number or "", p.phone or ""]
    return fold(" ".join(parts))


def refresh(case: Case) -> None:
    case.search_text = case_search_text(case)


def matching(query: str):
    """A where-clause: every word of the query appears in the case's search text."""
    words = [w for w in fold(query).split(" ") if w]
    return db.and_(*[Case.search_text.like(f"%{w}%") for w in words]) if words else db.true()
