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
    """Officers see their agency's cases; a head also those of the agencies under theirs."""
    if user.sees_all_agencies or case.agency_id == user.agency_id:
        return True
    if user.has_role(Role.HEAD):
        from .services.reports import agency_tree
        return case.agency_id in agency_tree(user.agency_id)
    return False


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


def can_monitor_province(user: User) -> bool:
    """The provincial inspectorate and administrators see every agency's figures and lists."""
    return user.has_role(Role.INSPECTOR, Role.ADMIN)


def report_agency_ids(user: User, requested_agency_id: int | None):
    """Which agencies' figures this officer may see: anything for the inspectorate, else
    their own agency and the agencies under it. Returns the scope's agency ids (None: the
    whole province) or raises PermissionError."""
    from .services.reports import agency_tree
    if can_monitor_province(user):
        return agency_tree(requested_agency_id) if requested_agency_id else None
    own = agency_tree(user.agency_id)
    if requested_agency_id is None:
        return own
    if requested_agency_id not in own:
        raise PermissionError("not your agency")
    return agency_tree(requested_agency_id)


def can_urge(user: User) -> bool:
    return user.has_role(Role.INSPECTOR)
