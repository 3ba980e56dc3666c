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
    """What a search reads. For a confidential filer (the family rule,
    services/confidentiality.py) the letter's words pass through the redaction engine and
    the given names are dropped whatever their case, so no part of a denouncer's name
    ("Quýtzy") finds the case for anyone."""
    title, content, respondent = case.title, case.content, case.respondent or ""
    if case.identity_is_confidential:
        from ..redaction import Identity
        who = Identity.of_parties(case.parties)
        title, content, respondent = (who.redact(t, " ")[0] for t in (title, content, respondent))
        given = who.name_words()
        text = fold(" ".join([case.tracking_code, title, content, respondent]))
        return " ".join(w for w in text.split(" ") if not _names_a_filer(w, given))
    parts = [case.tracking_code, title, content, respondent]
    for p in case.parties:
        parts += [p.full_name or "", p.phone or ""]
    return fold(" ".join(parts))


def _names_a_filer(word: str, given: set[str]) -> bool:
    """A word of the search text that holds a given name ("quytzy,", "quytzylovan")."""
    return any(g == chunk or (len(g) >= 4 and g in chunk) for chunk in re.findall(r"[a-z0-9]+", word)
               for g in given)


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
