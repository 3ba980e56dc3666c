"""Repeat letters: likely duplicates of a new letter, the filer's other letters, and
letters that may have skipped a level. Suggestions only: the officer decides (attach the
letter to the open case, or archive it as already finally decided)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..extensions import db
from ..models import Agency, Case, Party
from .search import fold

# words that say nothing about the matter
STOP = set("""don de nghi kien khieu nai to cao phan anh ve viec cua toi chung gia dinh xa phuong thon xom
ubnd uy ban nhan dan va la co khong duoc da cho cac mot nhung nay trong tren voi tai theo
nam ngay thang so quyet dinh""".split())


def _words(text: str) -> set[str]:
    return {w for w in fold(text).split() if len(w) > 2 and w not in STOP}


#: statuses in which a case's decision is in force: a complaint decision that took legal
#: effect (then enforced, then closed), a denunciation's conclusion (handled, made public,
#: closed), a petition's answer (then closed)
DECISION_IN_FORCE = {
    "complaint": {"in_effect", "enforced", "closed"},
    "denunciation": {"concluded", "conclusion_handled", "published", "closed"},
    "petition": {"answered", "closed"},
    "voter_petition": {"answered", "reported", "monitored", "closed"},
}


def decision_in_force(case: Case) -> bool:
    """Whether the earlier case ended with a decision in force: only then may a new letter
    about the same matter be archived as "already finally decided" (a letter attached to an
    open case, refused, forwarded or archived was never decided)."""
    if case.status not in DECISION_IN_FORCE.get(case.kind, set()):
        return False
    if case.kind in ("complaint", "denunciation"):
        return case.decided_on is not None
    return True


@dataclass(frozen=True)
class Match:
    case: Case
    why: str          # "same_person" or "similar"
    score: float

    @property
    def finally_decided(self) -> bool:
        return decision_in_force(self.case)


def likely_duplicates(case: Case, *, limit: int = 5, window_days: int = 730) -> list[Match]:
    """Letters about the same matter: the same filer's ID number (its blind index; never
    for a confidential filer), or much the same words about the same commune within two years."""
    since = case.received_on - timedelta(days=window_days)
    related = {c.id for c in case.children} | ({case.parent_id} if case.parent_id else set())
    found: dict[int, Match] = {}
    ids = _digests(case)
    if ids and not case.identity_is_confidential:
        same = db.session.scalars(
            db.select(Case).join(Party).where(Party.id_number_digest.in_(ids), Case.id != case.id,
                                              Case.confidential.is_(False), Case.received_on >= since)
            .order_by(Case.received_on.desc()).limit(20))
        for other in same:
            if other.id not in related:
                found[other.id] = Match(other, "same_person", 1.0)
    if case.commune_id:
        mine = _words(f"{case.title} {case.content} {case.respondent or ''}")
        candidates = db.session.scalars(
            db.select(Case).where(Case.commune_id == case.commune_id, Case.id != case.id, Case.kind == case.kind,
                                  Case.received_on >= since).order_by(Case.received_on.desc()).limit(300))
        for other in candidates:
            if other.id in found or other.id in related or not mine:
                continue
            theirs = _words(f"{other.title} {other.content} {other.respondent or ''}")
            score = len(mine & theirs) / len(mine | theirs) if theirs else 0.0
            if score >= 0.5:
                found[other.id] = Match(other, "similar", score)
    return sorted(found.values(), key=lambda m: (-m.score, -m.case.received_on.toordinal()))[:limit]


def other_letters_of_filer(case: Case) -> tuple[int, int]:
    """(letters, of which closed) from the same ID number; (0, 0) for a confidential filer."""
    ids = _digests(case)
    if not ids or case.identity_is_confidential:
        return 0, 0
    rows = db.session.execute(
        db.select(Case.id, Case.closed_on).join(Party)
        .where(Party.id_number_digest.in_(ids), Case.id != case.id, Case.confidential.is_(False)).distinct()).all()
    return len(rows), sum(1 for _, closed in rows if closed)


def _digests(case: Case) -> list[str]:
    """The blind index of the filers' ID numbers: the numbers themselves are encrypted."""
    return sorted({p.id_number_digest for p in case.parties if p.id_number_digest})


def commune_committee_for(case: Case) -> Agency | None:
    """A first-time complaint lodged with a provincial body about a commune may have skipped
    the commune chairman, who resolves first-time complaints against the commune's acts
    (NĐ 124/2020 Art. 8 as amended by NĐ 155/2026): the body to guide the filer to."""
    if case.kind != "complaint" or case.second_time or case.channel == "forwarded" or case.commune_id is None:
        return None
    if case.agency.level != "province":
        return None
    return db.session.scalar(db.select(Agency).where(Agency.admin_unit_id == case.commune_id,
                                                     Agency.category == "people_committee"))
