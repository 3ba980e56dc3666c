"""Every route × every role, generated from ``app.url_map`` and the permission table.

For each endpoint and each of: anonymous, a reception officer, a handler, a head of
agency, an inspector, an administrator (all of agency A or provincial bodies) and the
head of another agency (B), one request is made against real objects (a mass complaint
and a denunciation of agency A with an attachment, an urging, a reception session with
conclusions, a dialogue, a voter meeting, an export per officer, a notification per
officer, an API token per officer). The expectation comes from the table
(``permissions.PERMISSIONS`` and ``permissions.ROUTES``), role by role:

- allowed: the central hook lets the request through, and the answer is neither 401, nor
  the sign-in page, nor a server error; a 403 is only acceptable when it is an object-level
  rule of the view named in OBJECT_LEVEL (or for the officer of agency B on agency A's
  objects);
- not allowed: the hook refuses it: 403 for a signed-in officer, the sign-in page (pages)
  or 401 (API) for anonymous.

The world is built and every request made once per test module (signing in is Argon2:
slow); each (endpoint, role) is then its own test id asserting on its own answer.
A new route without a rule fails ``test_every_endpoint_has_a_rule``, naming it.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import flask
import pytest

from petitions.permissions import (API_TOKEN, PERMISSIONS, PUBLIC, ROUTES, SIGNED_IN, ACTIONS, Scope,
                                   allowed, can_view_case, can_view_identity, check_request, render_docs,
                                   report_agency_ids, scope_for)
from petitions.workflow.states import Role

from .conftest import PASSWORD, valid_letter

ROOT = Path(__file__).resolve().parent.parent

# who is who: role name -> (roles, agency: "A", "B" or an agency code)
OFFICERS = {
    "reception": (["reception"], "A"),
    "handler": (["handler"], "A"),
    "head": (["head"], "A"),
    "inspector": (["inspector"], "TTR-TINH"),
    "admin": (["admin"], "UBND-TINH"),
    "other": (["head"], "B"),  # the head of another agency
}
WHO = ["anonymous", *OFFICERS]

# allowed by the table, refused by an object-level rule of the view on these fixtures
OBJECT_LEVEL = {
    ("voters.new_meeting", "reception"): "only officers of the council's agency (UBND-TINH) record voter meetings",
    ("voters.new_meeting", "head"): "only officers of the council's agency (UBND-TINH) record voter meetings",
    ("voters.enter_petitions", "admin"): "the meeting belongs to agency A",
    ("voters.import_petitions", "admin"): "the meeting belongs to agency A",
    ("voters.act_on_petitions", "admin"): "the meeting belongs to agency A",
    ("voters.new_meeting", "other"): "only officers of the council's agency (UBND-TINH) record voter meetings",
    ("voters.enter_petitions", "other"): "the meeting belongs to agency A",
    ("voters.import_petitions", "other"): "the meeting belongs to agency A",
    ("voters.act_on_petitions", "other"): "the meeting belongs to agency A",
    ("reception.act", "handler"): "no transition of the table is open to a handler on these letters "
                                  "(received, at the desk): the table names the head and the desk",
}
# routes whose answer is the sign-in page by design: signing out (its success), and the
# second sign-in step asked for without a pending first step
SIGN_OUT = {"auth.logout", "auth.sign_out_everywhere", "auth.two_factor"}
# URL arguments that name an object of agency A: the officer of agency B is refused by the
# view (voter meetings are read by every officer: the council's, not an agency's)
AGENCY_A_ARGS = {"code", "attachment_id", "urging_id", "session_id", "dialogue_id", "conclusion_id",
                 "commitment_id"}


def endpoints(app) -> list[str]:
    return sorted({r.endpoint for r in app.url_map.iter_rules()})


def table_allows(endpoint: str, who: str) -> bool:
    """The expectation, read from the tables alone (each officer here holds one role)."""
    rule = ROUTES[endpoint]
    if rule == PUBLIC:
        return True
    if who == "anonymous":
        return False
    if rule == SIGNED_IN:
        return True
    action = rule[len(API_TOKEN):] if rule.startswith(API_TOKEN) else rule
    role = Role(OFFICERS[who][0][0])
    return PERMISSIONS[action].get(role, Scope.NONE) is not Scope.NONE


# -- the world -------------------------------------------------------------------------------


def _agency_code(key: str, agencies: dict) -> str:
    return {"A": agencies["agency_a"], "B": agencies["agency_b"]}.get(key, key)


def _build_world(app, client, agencies) -> dict:
    from petitions.extensions import db
    from petitions.models import (Agency, Attachment, Case, Commitment, Conclusion, Dialogue, ExportJob,
                                  Notification, ReceptionSession, User, VoterMeeting)
    from petitions.services import exports
    from petitions.services.accounts import create_user
    from petitions.services.tokens import issue_token
    from petitions.services.urgings import send_urging
    from petitions.services.workflow import available_actions
    from petitions.web import local_today

    complaint = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()
    denunciation = client.post("/api/v1/cases", json=valid_letter("denunciation", agencies["commune_a"])).get_json()
    world = {"complaint": complaint["tracking_code"], "denunciation": denunciation["tracking_code"],
             "agency_a": agencies["agency_a"], "users": {}, "tokens": {}, "events": {}}
    with app.app_context():
        today = local_today()
        users = {}
        for who, (roles, where) in OFFICERS.items():
            agency = db.session.scalar(db.select(Agency).where(Agency.code == _agency_code(where, agencies)))
            users[who] = create_user(f"rp_{who}", PASSWORD, full_name=f"Cán bộ {who}", agency=agency, roles=roles)
            if hasattr(User, "totp_secret") and ({"inspector", "admin"} & set(roles)):
                import pyotp  # the roles that must sign in with a second factor are enrolled
                from petitions.models.types import utcnow
                users[who].totp_secret, users[who].totp_enabled_at = pyotp.random_base32(), utcnow()
        db.session.flush()
        # the account the administrator's pages and actions (disable, unlock, ...) are aimed at:
        # nobody the walk signs in as
        world["account"] = create_user("rp_account", PASSWORD, full_name="Tài khoản thử", roles=["reception"],
                                       agency=users["reception"].agency).id
        for who, user in users.items():
            world["users"][who] = user.id
            world["tokens"][who] = issue_token(user)
        c = db.session.scalar(db.select(Case).where(Case.tracking_code == world["complaint"]))
        d = db.session.scalar(db.select(Case).where(Case.tracking_code == world["denunciation"]))
        assert c.agency.code == agencies["agency_a"] and d.agency.code == agencies["agency_a"]
        c.is_mass, c.handler_id, d.handler_id = True, users["handler"].id, users["handler"].id
        # an attachment, its file on disk
        body = b"%PDF-1.4 route permissions\n"
        stored = "rp-" + hashlib.sha256(body).hexdigest()[:20] + ".pdf"
        (Path(app.config["UPLOAD_FOLDER"]) / stored).write_bytes(body)
        att = Attachment(case_id=c.id, original_name="don.pdf", stored_name=stored, size=len(body),
                         mime_type="application/pdf", sha256=hashlib.sha256(body).hexdigest())
        db.session.add(att)
        urging = send_urging(users["inspector"], [c], "Đề nghị báo cáo tiến độ.", today + timedelta(days=10), today)
        session = ReceptionSession(agency_id=c.agency_id, chair_id=users["head"].id, held_on=today,
                                   created_by_id=users["reception"].id, place="Trụ sở")
        dialogue = Dialogue(agency_id=c.agency_id, head_id=users["head"].id, held_on=today, topic="Đất đai",
                            participants="Ông A", issues="Ranh giới", created_by_id=users["reception"].id)
        meeting = VoterMeeting(held_on=today, place="Nhà văn hóa", deputies="Đại biểu", front_committee="MTTQ",
                               council_session="Kỳ họp thứ 5", created_by_id=users["reception"].id)
        db.session.add_all([session, dialogue, meeting])
        db.session.flush()
        commitment = Commitment(dialogue_id=dialogue.id, text="Trả lời", due_on=today + timedelta(days=30))
        db.session.add(commitment)
        params = exports.parse_report_args({}, users["inspector"], today)
        world["conclusions"], world["exports"], world["notifications"] = {}, {}, {}
        for who, user in users.items():
            con = Conclusion(session_id=session.id, text="Việc cần làm", owner_id=user.id,
                             due_on=today + timedelta(days=15))
            job = ExportJob(user_id=user.id, kind="cases_csv", status="failed", progress=0, error="test",
                            params={**params.to_json(), "figure": "letters_received", "format": "csv"})
            note = Notification(user_id=user.id, case_id=c.id, kind="due_soon", subject="Sắp đến hạn",
                                body="Sắp đến hạn", status="none")
            db.session.add_all([con, job, note])
            db.session.flush()
            world["conclusions"][who], world["exports"][who], world["notifications"][who] = con.id, job.id, note.id
        db.session.commit()
        world.update(attachment=att.id, urging=urging.id, session=session.id, dialogue=dialogue.id,
                     commitment=commitment.id, meeting=meeting.id)
        # an action of the transition table each officer may take on the cases (None: none)
        for who in OFFICERS:
            user = db.session.get(User, world["users"][who])
            for case in (c, d):
                rows = available_actions(case, user)
                if rows:
                    world["events"][who] = (case.tracking_code, rows[0].event.value)
                    break
    return world


def _args(app, endpoint: str, rule, who: str, world: dict) -> dict:
    own = who if who in OFFICERS else "reception"
    per_endpoint = {
        "engage.show_agency": {"code": world["agency_a"]},
        "engage.duty": {"code": world["agency_a"]},
        "public.set_language": {"code": "vi"},
        "public.file_case": {"kind": "complaint"},
        "reception.reveal_identity": {"code": world["denunciation"]},
        "voters.download_template": {"fmt": "csv"},
        "static": {"filename": "app.css"},
    }.get(endpoint, {})
    by_name = {
        "code": world["complaint"], "attachment_id": world["attachment"], "urging_id": world["urging"],
        "session_id": world["session"], "dialogue_id": world["dialogue"], "commitment_id": world["commitment"],
        "meeting_id": world["meeting"], "conclusion_id": world["conclusions"][own],
        "export_id": world["exports"][own], "notification_id": world["notifications"][own], "event": "accept",
        # a real account: id 1 exists only in a fresh database (the accessibility walk skipped
        # the account page as a 404 once earlier tests of its process had made accounts)
        "user_id": world["account"],
    }
    if endpoint == "reception.act" and who in world["events"]:
        code, event = world["events"][who]
        per_endpoint = {"code": code, "event": event}
    out = {}
    for name in rule.arguments:
        if name in per_endpoint:
            out[name] = per_endpoint[name]
        elif name in by_name:
            out[name] = by_name[name]
        else:  # a route whose objects these fixtures do not make: the hook decides before the view
            out[name] = 1 if rule._converters[name].__class__.__name__ == "IntegerConverter" else "1"
    return out


def _request(app, client, endpoint: str, who: str, world: dict, csrf: str | None) -> dict:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    args = _args(app, endpoint, rule, who, world)
    with app.test_request_context():
        url = flask.url_for(endpoint, **args)
    methods = rule.methods - {"HEAD", "OPTIONS"}
    method = "GET" if "GET" in methods else sorted(methods)[0]
    kwargs = {}
    if url.startswith("/api/"):
        if who in world["tokens"]:
            kwargs["headers"] = {"Authorization": f"Bearer {world['tokens'][who]}"}
        if method != "GET":
            kwargs["json"] = {}
    elif method != "GET":
        kwargs["data"] = {"csrf_token": csrf} if csrf else {}
    with client.http:
        r = client.http.open(url, method=method, **kwargs)
        refused = flask.g.get("route_refused")
    return {"url": url, "method": method, "status": r.status_code, "refused": refused,
            "location": r.headers.get("Location", ""), "args": set(args)}


@pytest.fixture(scope="module")
def results(app):
    """{(endpoint, who): answer}, every request made once."""
    from .conftest import Client
    from petitions.extensions import db
    from petitions.models import AdminUnit, Agency
    with app.app_context():
        communes = list(db.session.scalars(db.select(AdminUnit).where(AdminUnit.level == "commune")
                                           .order_by(AdminUnit.code).limit(2)))
        agencies = {"commune_a": communes[0].code, "commune_b": communes[1].code,
                    "agency_a": f"UBND-{communes[0].code}", "agency_b": f"UBND-{communes[1].code}"}
        assert db.session.scalar(db.select(Agency).where(Agency.code == agencies["agency_b"])) is not None
    anon = Client(app)
    world = _build_world(app, anon, agencies)
    out = {}
    # signing out (and any sign-out-everywhere) last: it ends the session
    names = sorted(endpoints(app), key=lambda e: (e.startswith("auth."), e))
    for who in WHO:
        client = Client(app)
        if who == "anonymous":
            csrf = client.csrf("/auth/login")
        else:
            csrf = _sign_in(client, who)
        for endpoint in names:
            if endpoint not in ROUTES:
                continue
            if endpoint.startswith("auth.") and who != "anonymous":
                client = Client(app)  # the account pages may end the session: a fresh one each
                csrf = _sign_in(client, who)
            out[(endpoint, who)] = _request(app, client, endpoint, who, world, csrf)
    return out


def _sign_in(client, who: str) -> str:
    r = client.login(f"rp_{who}")
    assert r.status_code in (302, 303), f"rp_{who} could not sign in ({r.status_code})"
    page = client.http.get("/officer/notifications")
    assert page.status_code == 200, (who, page.status_code, page.headers.get("Location"))
    return client.csrf("/officer/notifications")


def _ids():
    from petitions import permissions
    return [f"{e}-{w}" for e in sorted(permissions.ROUTES) for w in WHO]


@pytest.mark.parametrize("endpoint,who", [(e, w) for e in sorted(ROUTES) for w in WHO], ids=_ids())
def test_route_obeys_the_table(app, results, endpoint, who):
    if endpoint not in endpoints(app):
        pytest.fail(f"{endpoint} is in ROUTES but not a route of the application")
    got = results[(endpoint, who)]
    where = f"{got['method']} {got['url']} as {who}: {got['status']} {got['location']}"
    if table_allows(endpoint, who):
        assert got["refused"] is False, f"the hook refused an allowed request: {where}"
        assert got["status"] != 401, where
        if endpoint not in SIGN_OUT:  # signing out ends on the sign-in page: that is its success
            assert "/auth/login" not in got["location"], where
        assert got["status"] < 500, where
        if got["status"] == 403:
            agency_b_on_a = who == "other" and got["args"] & AGENCY_A_ARGS
            assert (endpoint, who) in OBJECT_LEVEL or agency_b_on_a, f"403 from the view: {where}"
        elif who == "other" and got["args"] & AGENCY_A_ARGS and ROUTES[endpoint] != PUBLIC:
            # the head of agency B never reaches agency A's objects
            assert got["status"] in (403, 404), f"agency B reached agency A's object: {where}"
    else:
        assert got["refused"] is True, f"not refused by the hook: {where}"
        if who == "anonymous":
            if got["url"].startswith("/api/"):
                assert got["status"] == 401, where
            else:
                assert got["status"] == 302 and "/auth/login" in got["location"], where
        else:
            assert got["status"] == 403, where


def test_object_level_exceptions_are_still_needed(app, results):
    """Each listed object-level refusal really is one (so the list cannot hide a table bug)."""
    for (endpoint, who), reason in OBJECT_LEVEL.items():
        assert table_allows(endpoint, who), (endpoint, who, "the table refuses it already")
        got = results[(endpoint, who)]
        assert got["refused"] is False and got["status"] == 403, (endpoint, who, reason, got["status"])


def test_every_endpoint_has_a_rule(app):
    """A new route without a rule in petitions/permissions.py ROUTES fails here, by name."""
    missing = [e for e in endpoints(app) if e not in ROUTES]
    assert not missing, f"add these endpoints to petitions.permissions.ROUTES: {missing}"


def test_every_rule_is_a_route(app):
    assert not sorted(set(ROUTES) - set(endpoints(app)))


def test_table_names_only_known_roles_actions_and_scopes():
    assert set(PERMISSIONS) == set(ACTIONS)
    for action, grants in PERMISSIONS.items():
        assert grants, action
        for role, scope in grants.items():
            assert isinstance(role, Role) and isinstance(scope, Scope) and scope is not Scope.NONE, (action, role)
    for endpoint, rule in ROUTES.items():
        if rule not in (PUBLIC, SIGNED_IN):
            action = rule[len(API_TOKEN):] if rule.startswith(API_TOKEN) else rule
            assert action in PERMISSIONS, (endpoint, rule)
    with pytest.raises(KeyError):
        scope_for(None, "no.such.action")


def test_docs_permissions_page_matches_the_table():
    committed = (ROOT / "docs" / "permissions.md").read_text(encoding="utf-8")
    assert committed == render_docs(), "regenerate: python -m petitions.permissions > docs/permissions.md"


def test_a_route_without_a_rule_is_refused(app):
    """Fail closed: an endpoint nobody gave a rule is refused even to an administrator."""
    from werkzeug.exceptions import Forbidden
    from werkzeug.routing import Rule
    with app.test_request_context("/nobody/new-page"):
        flask.request.url_rule = Rule("/nobody/new-page", endpoint="nobody.new_page")
        with pytest.raises(Forbidden):
            check_request()
        assert flask.g.route_refused is True
    with app.test_request_context("/api/v1/nobody"):
        flask.request.url_rule = Rule("/api/v1/nobody", endpoint="api.nobody")
        response, status = check_request()
        assert status == 403 and response.get_json()["errors"]


# -- the predicates on the table -------------------------------------------------------------


def _officer(app, make_officer, name, roles, code):
    from petitions.extensions import db
    from petitions.models import User
    uid = make_officer(name, roles, code)
    return db.session.get(User, uid)


def test_scopes_own_subordinates_province(app, agencies, make_officer):
    from petitions.extensions import db
    with app.app_context():
        a, b, top = agencies[agencies["agency_a"]], agencies[agencies["agency_b"]], agencies["UBND-TINH"]
        reception = _officer(app, make_officer, "p_tiepdan", ["reception"], agencies["agency_a"])
        head_top = _officer(app, make_officer, "p_chutich", ["head"], "UBND-TINH")
        inspector = _officer(app, make_officer, "p_thanhtra", ["inspector"], "TTR-TINH")
        assert scope_for(reception, "case.view") is Scope.OWN
        assert allowed(reception, "case.view", a) and not allowed(reception, "case.view", b)
        assert allowed(head_top, "case.view", a) and allowed(head_top, "case.view", b)  # the communes are under it
        assert not allowed(head_top, "case.act", a) and allowed(head_top, "case.act", top)
        assert allowed(inspector, "province.monitor", b) and not allowed(reception, "province.monitor")
        assert report_agency_ids(reception, None) == (a,)
        with pytest.raises(PermissionError):
            report_agency_ids(reception, b)
        assert report_agency_ids(inspector, None) is None
        reception.active = False  # a disabled account may do nothing, even in a job
        assert not allowed(reception, "case.view", a)
        db.session.rollback()


def test_identity_only_for_assigned_handler_and_head_of_handling_agency(app, client, agencies, make_officer):
    from petitions.extensions import db
    from petitions.models import Case
    code = client.post("/api/v1/cases", json=valid_letter("denunciation", agencies["commune_a"])).get_json()[
        "tracking_code"]
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        handler = _officer(app, make_officer, "i_thuly", ["handler"], agencies["agency_a"])
        other_handler = _officer(app, make_officer, "i_thuly2", ["handler"], agencies["agency_a"])
        head = _officer(app, make_officer, "i_chutich", ["head"], agencies["agency_a"])
        head_top = _officer(app, make_officer, "i_chutich_tinh", ["head"], "UBND-TINH")
        reception = _officer(app, make_officer, "i_tiepdan", ["reception"], agencies["agency_a"])
        admin = _officer(app, make_officer, "i_admin", ["admin"], "UBND-TINH")
        inspector = _officer(app, make_officer, "i_thanhtra", ["inspector"], "TTR-TINH")
        case.handler_id = handler.id
        db.session.flush()
        assert can_view_identity(handler, case) and can_view_identity(head, case)
        for nobody in (other_handler, head_top, reception, admin, inspector):
            assert can_view_case(nobody, case), nobody.username  # the case, not the denouncer
            assert not can_view_identity(nobody, case), nobody.username
        db.session.rollback()


def test_alert_ladder_names_only_officers_the_table_allows(app, agencies, make_officer):
    """The job uses the same table: a handler moved to another agency is no longer told."""
    from types import SimpleNamespace

    from petitions.extensions import db
    from petitions.services.alerts import Directory, recipients
    with app.app_context():
        moved = _officer(app, make_officer, "j_thuly", ["handler"], agencies["agency_b"])
        desk = _officer(app, make_officer, "j_tiepdan", ["reception"], agencies["agency_a"])
        head = _officer(app, make_officer, "j_chutich", ["head"], agencies["agency_a"])
        directory = Directory()
        row = SimpleNamespace(id=0, agency_id=agencies[agencies["agency_a"]], handler_id=moved.id,
                              kind="complaint", is_mass=False)
        assert moved.id not in recipients(row, "due_today", directory, {})
        assert head.id in recipients(row, "due_today", directory, {})
        row.handler_id = None  # before assignment: the desk of the agency
        assert desk.id in recipients(row, "due_soon", directory, {})


def test_export_job_stops_when_the_officer_may_no_longer_export(app, agencies, make_officer):
    from petitions.extensions import db
    from petitions.jobs.tasks import build_export
    from petitions.models import ExportJob, UserRole
    from petitions.services import exports
    from petitions.web import local_today
    with app.app_context():
        head = _officer(app, make_officer, "x_chutich", ["head"], agencies["agency_a"])
        params = exports.parse_report_args({}, head, local_today())
        job = ExportJob(user_id=head.id, kind="cases_csv", status="queued", progress=0,
                        params={**params.to_json(), "figure": "letters_received", "format": "csv"})
        db.session.add(job)
        db.session.commit()
        db.session.execute(db.delete(UserRole).where(UserRole.user_id == head.id))  # no longer a head
        db.session.commit()
        db.session.expire_all()
        assert build_export(job.id) == "refused"
        job = db.session.get(ExportJob, job.id)
        assert job.status == "failed" and job.stored_name is None


def test_service_predicates_agree_with_the_table(app, agencies, make_officer):
    """The predicates that still live in services (engagement, voters, exports) say what
    the table says, for every role, on the own agency, a subordinate one and another one."""
    from petitions.services.engagement import can_record_engagement, can_see_engagement
    from petitions.services.exports import can_export
    from petitions.services.voters import MANAGING_ROLES
    with app.app_context():
        places = [agencies["UBND-TINH"], agencies[agencies["agency_a"]], agencies[agencies["agency_b"]]]
        checked = 0
        for role in Role:
            for code in ("UBND-TINH", agencies["agency_a"]):
                user = _officer(app, make_officer, f"s_{role.value}_{code}".lower(), [role.value], code)
                for agency_id in places:
                    assert can_see_engagement(user, agency_id) == allowed(user, "engage.view", agency_id)
                    assert can_record_engagement(user, agency_id) == allowed(user, "engage.record", agency_id)
                    checked += 1
                assert can_export(user) == allowed(user, "exports.run")
                assert (role in MANAGING_ROLES) == (role in PERMISSIONS["voters.manage"])
        assert checked == len(Role) * 2 * 3
