"""Who may do what: ONE table (role × action × scope) that the pages, the API and the
jobs all read, the table of every route's rule, and the named predicates built on them.

- ``PERMISSIONS[action][role]`` is the widest scope in which a role may do the action:
  ``OWN`` (the officer's own agency), ``SUBTREE`` (their agency and the agencies under
  it), ``PROVINCE`` (every agency). A role that is not listed may not do it at all.
- ``ROUTES[endpoint]`` is the rule of every endpoint of the application: ``PUBLIC``,
  ``SIGNED_IN`` (any signed-in officer), an action of the table (a signed-in officer
  whose roles grant it), or ``api_token:<action>`` (the officers' JSON API: a bearer
  token whose officer is granted the action). One ``before_request`` hook
  (:func:`register_route_guard`) enforces it; an endpoint missing here is refused
  (fail closed), and ``tests/test_route_permissions.py`` names it.
- Object-level rules (this case belongs to my agency, I am its handler) stay in the
  views and services, through the same predicates (:func:`can_view_case`, ...).

``python -m petitions.permissions > docs/permissions.md`` prints the matrix; a test fails
when the page drifts from this table.
"""
from __future__ import annotations

from enum import IntEnum

from .workflow.states import Role


class Scope(IntEnum):
    """How far a permission reaches, narrowest first (so ``max`` is the widest)."""

    NONE = 0
    OWN = 1       # the officer's own agency
    SUBTREE = 2   # the own agency and the agencies under it
    PROVINCE = 3  # every agency of the province


R, S = Role, Scope
_EVERY_AGENCY_OFFICER = {R.RECEPTION: S.OWN, R.HANDLER: S.OWN, R.HEAD: S.OWN}
_PROVINCE = {R.INSPECTOR: S.PROVINCE, R.ADMIN: S.PROVINCE}

# action -> {role: widest scope}; (action, description) in ACTIONS below, same order
PERMISSIONS: dict[str, dict[Role, Scope]] = {
    # the work queue, search, the queue export and the API list: one's own agency's cases
    "case.list": {**_EVERY_AGENCY_OFFICER, **_PROVINCE},
    # open one case: a head also those of the agencies under theirs
    "case.view": {R.RECEPTION: S.OWN, R.HANDLER: S.OWN, R.HEAD: S.SUBTREE, **_PROVINCE},
    # the workflow actions (which ones: the transition table, by role and assignment)
    "case.act": dict(_EVERY_AGENCY_OFFICER),
    # a denouncer's identity (Law on Denunciations Art. 8(3), 47, 56): the head of the
    # handling agency, and the officer assigned to handle the case (ASSIGNED_ONLY)
    "case.identity": {R.HANDLER: S.OWN, R.HEAD: S.OWN},
    # co-signers who withdraw from a joint complaint (the desk, or the assigned handler)
    "case.withdrawals": {**_EVERY_AGENCY_OFFICER, R.ADMIN: S.OWN},
    # the head answers a filer's request for review after a low rating
    "case.review": {R.HEAD: S.OWN},
    # register letters at the desk (with the real date received)
    "letters.register": {R.RECEPTION: S.OWN, R.HEAD: S.OWN, R.ADMIN: S.OWN},
    # target 4 figures of one's own agency and those under it (the officers' API)
    "reports.figures": {R.RECEPTION: S.SUBTREE, R.HANDLER: S.SUBTREE, R.HEAD: S.SUBTREE, **_PROVINCE},
    # the monitoring pages: dashboard, the cases behind a figure, the overdue list
    "reports.view": {R.HEAD: S.SUBTREE, **_PROVINCE},
    # the province as a whole: every agency's lists, the reception duty of all agencies
    "province.monitor": dict(_PROVINCE),
    # report and case-list downloads, background exports
    "exports.run": {R.HEAD: S.SUBTREE, **_PROVINCE},
    # official documents (notices, decisions, the urging letter) produced from templates
    # (issue a case's documents: case.act; reissue: these; the urging letter: urging.send)
    "documents.issue": {**_EVERY_AGENCY_OFFICER, R.INSPECTOR: S.PROVINCE},
    # urgings: the inspectorate sends them; the agency reads them and its head replies
    "urging.send": {R.INSPECTOR: S.PROVINCE},
    "urging.view": {**_EVERY_AGENCY_OFFICER, **_PROVINCE},
    "urging.reply": {R.HEAD: S.OWN},
    # citizen reception sessions, the duty calendar, dialogues
    "engage.view": {R.RECEPTION: S.OWN, R.HANDLER: S.OWN, R.HEAD: S.SUBTREE, **_PROVINCE},
    "engage.record": {R.RECEPTION: S.OWN, R.HEAD: S.OWN},
    # voter petitions: meetings, session reports (read), entering and acting on them
    # (the People's Council office's liaison records the meetings held with the Fatherland
    # Front and enters the petitions collected there: the role that does it in real life)
    "voters.view": {**_EVERY_AGENCY_OFFICER, R.COUNCIL: S.OWN, **_PROVINCE},
    "voters.manage": {R.RECEPTION: S.OWN, R.HEAD: S.OWN, R.ADMIN: S.OWN, R.COUNCIL: S.OWN},
    # administration
    "admin.settings": {R.ADMIN: S.PROVINCE},
    "admin.calendar": {R.ADMIN: S.PROVINCE},
    "admin.audit": {R.ADMIN: S.PROVINCE},
    "admin.alerts": {R.ADMIN: S.PROVINCE},
    "admin.users": {R.ADMIN: S.PROVINCE},
    "admin.templates": {R.ADMIN: S.PROVINCE},
    # personal data: retention settings, a filer's data export on request
    "admin.privacy": {R.ADMIN: S.PROVINCE},
    # the identity access log (who was shown a denouncer's identity): the inspectorate audits it
    "identity.audit": {R.INSPECTOR: S.PROVINCE, R.ADMIN: S.PROVINCE},
}
del R, S

# roles whose grant of the action holds only on the cases they are assigned to handle
ASSIGNED_ONLY: dict[str, frozenset[Role]] = {"case.identity": frozenset({Role.HANDLER})}

ACTIONS: dict[str, str] = {
    "case.list": "Work queue, search, queue export, API case list",
    "case.view": "Open a case",
    "case.act": "Workflow actions on a case (the transition table says which)",
    "case.identity": "A denouncer's identity (logged); handler: only when assigned",
    "case.withdrawals": "Record co-signers' withdrawals",
    "case.review": "Answer a filer's request for review",
    "letters.register": "Register letters at the desk",
    "reports.figures": "Target 4 figures (API)",
    "reports.view": "Monitoring pages: dashboard, figure lists, overdue",
    "province.monitor": "The whole province: every agency, reception duty",
    "exports.run": "Report and case-list downloads, background exports",
    "documents.issue": "Reissue official documents (a case's: its agency; urging letters: the inspectorate)",
    "urging.send": "Send urgings",
    "urging.view": "Read urgings",
    "urging.reply": "Reply to an urging",
    "engage.view": "Reception sessions, duty calendar, dialogues",
    "engage.record": "Record sessions, visits, conclusions, dialogues",
    "voters.view": "Voter meetings and session reports",
    "voters.manage": "Create meetings, enter and act on voter petitions",
    "admin.settings": "Deadline settings",
    "admin.calendar": "Official calendar, recompute due dates",
    "admin.audit": "Audit log",
    "admin.alerts": "Failed alert mails",
    "admin.users": "Officers' accounts",
    "admin.templates": "Document templates",
    "admin.privacy": "Retention periods, anonymisation, a filer's data export",
    "identity.audit": "The identity access log",
}

PUBLIC = "public"
SIGNED_IN = "signed_in"
API_TOKEN = "api_token:"

# endpoint -> PUBLIC | SIGNED_IN | action | "api_token:<action>"; every endpoint of the app
ROUTES: dict[str, str] = {
    "static": PUBLIC,
    # the public site
    "public.index": PUBLIC,
    "public.file_case": PUBLIC,
    "public.receipt": PUBLIC,
    "public.track": PUBLIC,
    "public.rate": PUBLIC,
    "public.choose_notices": PUBLIC,
    "public.set_language": PUBLIC,
    "public.statistics": PUBLIC,
    "public.deadline_calculator": PUBLIC,
    "public.privacy": PUBLIC,
    # citizens signed in with VNeID: no officer right; the view checks the citizen's own session
    # (services/citizens.py) and shows only the letters filed under their verified ID number
    "citizen.sign_in": PUBLIC,
    "citizen.callback": PUBLIC,
    "citizen.letters": PUBLIC,
    "citizen.letter": PUBLIC,
    "citizen.choose_notices": PUBLIC,
    "citizen.sign_out": PUBLIC,
    "citizen.signed_out": PUBLIC,
    # operations: the load balancer's health check; metrics check their own rule
    # (loopback only, or the METRICS_TOKEN bearer token: see blueprints/ops)
    "ops.healthz": PUBLIC,
    "ops.metrics": PUBLIC,
    # signing in and out
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.two_factor": PUBLIC,  # the second step: only with a pending password step in the session
    "auth.account": SIGNED_IN,  # one's own account
    "auth.change_password": SIGNED_IN,
    "auth.sign_out_everywhere": SIGNED_IN,
    "auth.setup_two_factor": SIGNED_IN,
    "auth.disable_two_factor": SIGNED_IN,
    "auth.new_recovery_codes": SIGNED_IN,
    # the public API (a filer's access key), its document, and the officers' token API
    "api.create_case": PUBLIC,
    "api.get_case": PUBLIC,
    "api.openapi": PUBLIC,
    "api.list_cases": API_TOKEN + "case.list",
    "api.read_case": API_TOKEN + "case.view",
    "api.post_event": API_TOKEN + "case.act",
    "api.target4_stats": API_TOKEN + "reports.figures",
    # the officers' pages
    "reception.queue": "case.list",
    "reception.export_cases": "case.list",
    "reception.show_case": "case.view",
    "reception.act": "case.act",
    "reception.reveal_identity": "case.identity",
    "reception.download_attachment": "case.view",  # + can_view_identity on the case
    "reception.desk": "letters.register",
    "reception.record_signer_withdrawals": "case.withdrawals",
    "reception.answer_rating_review": "case.review",
    "reception.notifications": SIGNED_IN,          # one's own notifications
    "reception.open_notification": SIGNED_IN,
    "reception.read_all": SIGNED_IN,
    "reception.set_digest": SIGNED_IN,
    "reception.urgings": "urging.view",
    "reception.show_urging": "urging.view",        # POST (reply): + urging.reply on its agency
    "reception.new_urging": "urging.send",
    # the pseudonymised copy for the verification team: preparing it needs the identity
    # (can_view_identity in the view); the prepared copies: anyone who may see the case
    "reception.verification": "case.view",
    "reception.add_redaction": "case.view",
    "reception.remove_redaction": "case.view",
    "reception.choose_attachments": "case.view",
    "reception.prepare_copy": "case.view",
    "reception.download_copy": "case.view",
    # official documents: issued by the agency's officers (+ the identity for a full copy)
    "reception.issue_document": "case.act",       # a case's documents: its agency's officers
    "reception.reissue_document": "documents.issue",
    "reception.issue_urging_document": "urging.send",
    "reception.show_document": "case.view",       # + the case (or the urging) is in scope
    "reception.download_document": "case.view",
    "reception.retry_pdf": "case.view",
    # monitoring
    "inspect.dashboard": "reports.view",
    "inspect.figure_cases": "reports.view",
    "inspect.overdue": "reports.view",
    "inspect.overdue_csv": "reports.view",
    "inspect.reception_duty": "province.monitor",
    "inspect.identity_log": "identity.audit",
    "inspect.identity_log_csv": "identity.audit",
    # exports
    "exports.index": "exports.run",
    "exports.report_csv": "exports.run",
    "exports.report_xlsx": "exports.run",
    "exports.cases_csv": "exports.run",
    "exports.cases_xlsx": "exports.run",
    "exports.show_export": "exports.run",          # + the export is one's own (or admin)
    "exports.download_export": "exports.run",
    # reception sessions and dialogues
    "engage.index": "engage.view",
    "engage.show_agency": "engage.view",
    "engage.duty": "engage.view",
    "engage.show_session": "engage.view",
    "engage.show_dialogue": "engage.view",
    "engage.complete_session_conclusion": "engage.view",  # + the conclusion is one's own task
    "engage.new_session": "engage.record",
    "engage.add_session_visit": "engage.record",
    "engage.add_session_conclusion": "engage.record",
    "engage.show_receipt": "engage.record",
    "engage.cancel_reception": "engage.record",
    "engage.new_dialogue": "engage.record",
    "engage.add_dialogue_commitment": "engage.record",
    "engage.complete_dialogue_commitment": "engage.record",
    # voter petitions
    "voters.list_meetings": "voters.view",
    "voters.show_meeting": "voters.view",
    "voters.list_sessions": "voters.view",
    "voters.show_session_report": "voters.view",
    "voters.download_session_report": "voters.view",
    "voters.download_template": "voters.view",
    "voters.new_meeting": "voters.manage",
    "voters.enter_petitions": "voters.manage",
    "voters.import_petitions": "voters.manage",
    "voters.act_on_petitions": "voters.manage",
    "voters.report_petition": "case.act",
    # administration
    "admin.index": "admin.settings",
    "admin.deadlines": "admin.settings",
    "admin.set_setting": "admin.settings",
    "admin.calendar": "admin.calendar",
    "admin.set_day": "admin.calendar",
    "admin.remove_day": "admin.calendar",
    "admin.recompute": "admin.calendar",
    "admin.audit": "admin.audit",
    "admin.alerts": "admin.alerts",
    "admin.users": "admin.users",
    "admin.user_detail": "admin.users",
    "admin.new_user": "admin.users",
    "admin.disable_user": "admin.users",
    "admin.enable_user": "admin.users",
    "admin.unlock_user": "admin.users",
    "admin.reset_password": "admin.users",
    "admin.reset_two_factor": "admin.users",
    "admin.document_templates": "admin.templates",
    "admin.download_template": "admin.templates",
    "admin.upload_template": "admin.templates",
    "admin.revert_template": "admin.templates",
    "admin.privacy": "admin.privacy",
    "admin.set_retention": "admin.privacy",
    "admin.filer_data": "admin.privacy",
    "admin.filer_export": "admin.privacy",
}


# -- the table's questions ------------------------------------------------------------


def _subtree(agency_id: int) -> tuple[int, ...]:
    """The agency and those under it, computed once per request or job (app context)."""
    from flask import g, has_app_context

    from .services.reports import agency_tree
    if not has_app_context():
        return agency_tree(agency_id)
    cache = g.setdefault("_agency_trees", {})
    if agency_id not in cache:
        cache[agency_id] = agency_tree(agency_id)
    return cache[agency_id]


def _roles(user) -> frozenset[Role]:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return frozenset()
    return user.roles


def scope_for(user, action: str) -> Scope:
    """The widest scope any of the officer's roles grants for the action (NONE: not at all)."""
    grants = PERMISSIONS[action]  # an unknown action is a programming error: KeyError
    return max((grants.get(role, Scope.NONE) for role in _roles(user)), default=Scope.NONE)


def _reaches(user, scope: Scope, agency_id: int | None) -> bool:
    if scope is Scope.NONE:
        return False
    if agency_id is None or scope is Scope.PROVINCE:
        return True
    if scope is Scope.OWN:
        return agency_id == user.agency_id
    return agency_id in _subtree(user.agency_id)


def allowed(user, action: str, agency_id: int | None = None) -> bool:
    """May this officer do the action (on a record of this agency, when one is named)?
    Without an agency: does any of their roles grant the action at all."""
    return _reaches(user, scope_for(user, action), agency_id)


def allowed_as(user, role: Role, action: str, agency_id: int | None = None) -> bool:
    """The same question for one of the officer's roles only."""
    if role not in _roles(user):
        return False
    return _reaches(user, PERMISSIONS[action].get(role, Scope.NONE), agency_id)


def agency_scope(user, action: str) -> tuple[int, ...] | None:
    """The agencies the officer may do the action on: None for the whole province, else
    a tuple of agency ids (empty: none)."""
    scope = scope_for(user, action)
    if scope is Scope.PROVINCE:
        return None
    if scope is Scope.SUBTREE:
        return _subtree(user.agency_id)
    if scope is Scope.OWN:
        return (user.agency_id,)
    return ()


# -- the named predicates (their names and signatures are used everywhere) -------------


def scope_cases(query, user):
    """Restrict a select of cases to those the officer may list (own agency; the
    inspectorate and administrators: all)."""
    from .models import Case
    ids = agency_scope(user, "case.list")
    if ids is None:
        return query
    return query.where(Case.agency_id.in_(ids)) if len(ids) != 1 else query.where(Case.agency_id == ids[0])


def can_view_case(user, case) -> bool:
    """Officers see their agency's cases; a head also those of the agencies under theirs;
    the inspectorate and administrators every case."""
    return allowed(user, "case.view", case.agency_id)


def can_view_identity(user, case) -> bool:
    """A denouncer's identity: only the handling officer and the head of the handling
    agency (Law on Denunciations Art. 8(3), 47, 56). Other filers' data: anyone who may
    see the case."""
    if not can_view_case(user, case):
        return False
    if not case.identity_is_confidential:
        return True
    assigned = case.handler_id is not None and case.handler_id == getattr(user, "id", None)
    limited = ASSIGNED_ONLY.get("case.identity", frozenset())
    for role in _roles(user):
        if allowed_as(user, role, "case.identity", case.agency_id) and (role not in limited or assigned):
            return True
    return False


def can_register_letters(user) -> bool:
    return allowed(user, "letters.register")


def can_monitor_province(user) -> bool:
    """The provincial inspectorate and administrators see every agency's figures and lists."""
    return scope_for(user, "province.monitor") is Scope.PROVINCE


def report_agency_ids(user, requested_agency_id: int | None):
    """Which agencies' figures this officer may see: anything for the inspectorate, else
    their own agency and the agencies under it. Returns the scope's agency ids (None: the
    whole province) or raises PermissionError."""
    from .services.reports import agency_tree
    scope = scope_for(user, "reports.figures")
    if scope is Scope.NONE:
        raise PermissionError("no figures for this role")
    if scope is Scope.PROVINCE:
        return agency_tree(requested_agency_id) if requested_agency_id else None
    own = agency_scope(user, "reports.figures")
    if requested_agency_id is None:
        return own
    if requested_agency_id not in own:
        raise PermissionError("not your agency")
    return agency_tree(requested_agency_id) if scope is Scope.SUBTREE else (requested_agency_id,)


def can_urge(user) -> bool:
    return allowed(user, "urging.send")


def can_reply_urging(user, urging) -> bool:
    return allowed(user, "urging.reply", urging.agency_id)


def can_export(user) -> bool:
    return allowed(user, "exports.run")


# -- every route, enforced in one place -------------------------------------------------


def route_rule(endpoint: str | None) -> str | None:
    return ROUTES.get(endpoint) if endpoint else None


def check_request():
    """The ``before_request`` hook: the rule of the endpoint, or the refusal."""
    from flask import abort, current_app, g, jsonify, request
    from flask_babel import gettext as _
    from flask_login import current_user

    endpoint = request.endpoint
    if endpoint is None:  # no such URL (404) or method (405): Flask answers
        return None
    rule = ROUTES.get(endpoint)
    api = request.path.startswith("/api/")
    g.route_rule = rule
    g.route_refused = True  # until the rule lets the request through
    if rule is None:
        # fail closed: a route nobody gave a rule is refused (the route-map test names it)
        current_app.logger.error("route %s has no permission rule (petitions/permissions.py ROUTES)", endpoint)
        if api:
            return jsonify({"errors": {"_": [_("You may not do this.")]}}), 403
        abort(403)
    if rule == PUBLIC:
        g.route_refused = False
        return None
    if rule.startswith(API_TOKEN):
        from .services.tokens import user_for_token
        header = request.headers.get("Authorization", "")
        user = user_for_token(header[7:].strip() if header.lower().startswith("bearer ") else None)
        if user is None:
            return jsonify({"errors": {"_": [_("Send a valid officer token: Authorization: Bearer <token>.")]}}), 401
        g.api_user = user
        if not allowed(user, rule[len(API_TOKEN):]):
            return jsonify({"errors": {"_": [_("Your role may not do this.")]}}), 403
        g.route_refused = False
        return None
    if not current_user.is_authenticated:
        if api:
            return jsonify({"errors": {"_": [_("Sign in first.")]}}), 401
        return current_app.login_manager.unauthorized()
    if rule != SIGNED_IN and not allowed(current_user, rule):
        abort(403)
    g.route_refused = False
    return None


def register_route_guard(app) -> None:
    """Enforce ROUTES on every request (called from ``register_blueprints``)."""
    app.before_request(check_request)


# -- the documentation page --------------------------------------------------------------

_SCOPE_TEXT = {Scope.OWN: "own agency", Scope.SUBTREE: "own + subordinate agencies",
               Scope.PROVINCE: "province", Scope.NONE: "—"}


def render_docs() -> str:
    """docs/permissions.md: the role × action matrix and the rule of every route."""
    roles = list(Role)
    lines = [
        "# Permissions",
        "",
        "Generated from `petitions/permissions.py` by `python -m petitions.permissions > docs/permissions.md`;",
        "`tests/test_route_permissions.py` fails when this page drifts from the code, when an",
        "endpoint has no rule, and when a role reaches a route the table does not give it.",
        "",
        "Scopes: **own agency**; **own + subordinate agencies**; **province** (every agency).",
        "Object-level rules (the case is in my scope, I am its assigned handler, the export is",
        "mine) are checked by the views through the same predicates.",
        "",
        "## Role × action",
        "",
        "| action | what | " + " | ".join(r.value for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for action, grants in PERMISSIONS.items():
        cells = []
        for role in roles:
            text = _SCOPE_TEXT[grants.get(role, Scope.NONE)]
            if role in ASSIGNED_ONLY.get(action, ()) and role in grants:
                text += " (assigned cases)"
            cells.append(text)
        lines.append(f"| `{action}` | {ACTIONS[action]} | " + " | ".join(cells) + " |")
    lines += ["", "## Routes", "", "| endpoint | rule |", "|---|---|"]
    for endpoint in sorted(ROUTES):
        rule = ROUTES[endpoint]
        if rule.startswith(API_TOKEN):
            text = f"officer API token + `{rule[len(API_TOKEN):]}`"
        elif rule in (PUBLIC, SIGNED_IN):
            text = "anyone" if rule == PUBLIC else "any signed-in officer"
        else:
            text = f"`{rule}`"
        lines.append(f"| `{endpoint}` | {text} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    import sys

    from petitions import create_app
    create_app()  # the blueprints load: any rule they add to ROUTES is printed too
    from petitions.permissions import render_docs as render  # the module the app uses
    sys.stdout.write(render())
