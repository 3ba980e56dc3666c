"""The one rule of confidentiality: a letter's family shares its denouncer's protection.

A case's filer identity is confidential (Law on Denunciations Art. 8, 47, 56) when the
case, or any case it was split from, forwarded from, attached to or linked with (its
*family*: every case reachable through ``Case.parent_id`` in either direction), is a
denunciation or holds the confidential mark. The letter a reception officer split into a
complaint and a denunciation is therefore as protected as its denunciation part, and so is
a complaint attached to a denunciation as a repeat.

The rule is applied when a family is formed or changes, never at each read: a
``before_flush`` listener (:func:`_keep_family_rule`) marks every member of a family
``confidential`` as soon as one of them is a denunciation, and :func:`apply_to_all` does the
same, set-based, for rows written without the ORM (the bulk generator, the migration that
introduced the rule). Every outlet then asks the same single question,
``case.identity_is_confidential`` (the kind, or the mark), or filters on
``Case.confidential`` in SQL. The mark is never taken away: once a letter has been known to
denounce, its filer stays protected.
"""
from __future__ import annotations

from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..models import Case
from ..workflow.states import Kind


def is_protected(case: Case) -> bool:
    """The case on its own: a denunciation, or already marked confidential."""
    return case.kind == Kind.DENUNCIATION or bool(case.confidential)


def family(session, case: Case) -> list[Case]:
    """Every case linked to ``case`` through parents and children, ``case`` included,
    including cases added in this session and not yet flushed."""
    pending = [o for o in session.new if isinstance(o, Case)]
    seen: dict[int, Case] = {}
    queue = [case]
    while queue:
        node = queue.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        parent = node.parent
        if parent is None and node.parent_id is not None:
            parent = session.get(Case, node.parent_id)
        if parent is not None:
            queue.append(parent)
        if node.id is not None:  # from the database: a collection loaded earlier may be stale
            queue += list(session.scalars(select(Case).where(Case.parent_id == node.id)))
        queue += [n for n in pending if n.parent is node or (node.id is not None and n.parent_id == node.id)]
    return list(seen.values())


def _changed(case: Case) -> bool:
    state = inspect(case)
    return any(state.attrs[name].history.has_changes() for name in ("parent_id", "parent", "kind", "confidential"))


@event.listens_for(Session, "before_flush")
def _keep_family_rule(session, flush_context, instances):
    """When a case is added, linked, re-linked or changes kind: if any case of its family
    is protected, mark the whole family (and drop the filers from the members' search text)."""
    touched = [o for o in session.new if isinstance(o, Case)]
    touched += [o for o in session.dirty if isinstance(o, Case) and _changed(o)]
    if not touched:
        return
    from .search import case_search_text
    done: set[int] = set()
    with session.no_autoflush:
        for case in touched:
            if id(case) in done:
                continue
            if case.parent_id is None and case.parent is None and case.id is None:
                done.add(id(case))  # a new letter on its own: its kind decides (no query)
                if case.kind == Kind.DENUNCIATION and not case.confidential:
                    case.confidential = True
                continue
            members = family(session, case)
            done.update(id(m) for m in members)
            if not any(is_protected(m) for m in members):
                continue
            for member in members:
                if member.confidential:
                    continue
                if member in session.new or session.is_modified(member, include_collections=False):
                    member.confidential = True
                    member.search_text = case_search_text(member)
                else:
                    # a derived mark, not an officer's edit: no version bump (an open form stays
                    # valid), a plain UPDATE, and the loaded case is told the new values
                    member_text = _text_when_confidential(member)
                    session.execute(Case.__table__.update().where(Case.id == member.id)
                                    .values(confidential=True, search_text=member_text))
                    set_committed_value(member, "confidential", True)
                    set_committed_value(member, "search_text", member_text)


def _text_when_confidential(case: Case) -> str:
    from .search import case_search_text
    set_committed_value(case, "confidential", True)
    return case_search_text(case)


def apply_to_all(connection) -> list[int]:
    """Set-based, for rows written without the ORM: mark every case whose family holds a
    denunciation or a confidential case. Returns the ids it marked (their search text
    still names the filer: :func:`refresh_search_text`)."""
    from sqlalchemy import select
    cases = Case.__table__
    protected = cases.alias("protected")
    open_ = or_(cases.c.confidential.is_(None), cases.c.confidential.is_(False))
    up = select(protected.c.parent_id).where(protected.c.confidential.is_(True), protected.c.parent_id.is_not(None))
    down = select(protected.c.id).where(protected.c.confidential.is_(True))
    marked: list[int] = []
    while True:
        ids = list(connection.execute(select(cases.c.id).where(
            open_, or_(cases.c.kind == Kind.DENUNCIATION.value, cases.c.id.in_(up), cases.c.parent_id.in_(down))
        )).scalars())
        if not ids:
            return marked
        for i in range(0, len(ids), 5000):
            connection.execute(cases.update().where(cases.c.id.in_(ids[i:i + 5000])).values(confidential=True))
        marked += ids


def refresh_search_text(session, ids: list[int], chunk: int = 500) -> None:
    """Rebuild the search text of these cases (after :func:`apply_to_all` marked them)."""
    from sqlalchemy import select

    from .search import case_search_text
    for i in range(0, len(ids), chunk):
        for case in session.scalars(select(Case).where(Case.id.in_(ids[i:i + chunk]))):
            session.execute(Case.__table__.update().where(Case.id == case.id)
                            .values(search_text=case_search_text(case)))
