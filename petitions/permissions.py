"""Who may see what: the named predicates every page, the API and the jobs use."""
from __future__ import annotations

from .models import Case, User
from .workflow.states import Role


def scope_cases(query, user: User):
    """Restrict a select of cases to those the officer may see."""
    if user.sees_all_agencies:
        return query
    return query.where(Case.agency_id == user.agency_id)


def can_view_case(user: User, case: Case) -> bool:
    return user.sees_all_agencies or case.agency_id == user.agency_id


def can_view_identity(user: User, case: Case) -> bool:
    """A denouncer's identity: only the handling officer and the head of the handling
    agency (Law on Denunciations Art. 8(3), 47, 56). Other filers' data: anyone who may
    see the case."""
    if not can_view_case(user, case):
        return False
    if not case.identity_is_confidential:
        return True
    if case.handler_id is not None and case.handler_id == user.id:
        return True
    return user.has_role(Role.HEAD) and user.agency_id == case.agency_id


def can_register_letters(user: User) -> bool:
    return user.has_role(Role.RECEPTION, Role.HEAD, Role.ADMIN)
