"""Accounts (issue 8, part 3): password rules, lock-out, two-factor sign-in (TOTP) required
for inspectors and administrators, one-time codes, sessions that expire, sign-out
everywhere, disabling an account at once, the officer's account page, the admin pages.
Every sign-in here is a real one (CSRF, password, the code computed from the stored secret)."""
from __future__ import annotations

import re
import time

import pyotp
import pytest

from petitions.extensions import db
from petitions.models import AuditLog, User
from petitions.models.users import LoginEvent, RecoveryCode
from petitions.services.accounts import current_step, password_problems
from petitions.services.tokens import issue_token

from .conftest import PASSWORD, Client

STRONG = "lúa chín vàng trên đồng quê"


def tr(app, msgid: str, **kwargs) -> str:
    """The message as the (Vietnamese) page shows it, translated or not yet."""
    from flask_babel import gettext
    with app.test_request_context():
        return gettext(msgid, **kwargs)


def html(r) -> str:
    from html import unescape
    return unescape(r.get_data(as_text=True))


def user(app, username) -> User:
    with app.app_context():
        u = db.session.scalar(db.select(User).where(User.username == username))
        u.roles, u.recovery_codes  # load
        db.session.expunge(u)
        return u


def audit_actions(app, username=None) -> list[str]:
    with app.app_context():
        q = db.select(AuditLog).where(AuditLog.object_type == "user").order_by(AuditLog.id)
        return [a.action for a in db.session.scalars(q)
                if username is None or (a.details or {}).get("username") == username]


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


# -- password rules ------------------------------------------------------------------

@pytest.mark.parametrize("password, reason", [
    ("ngan-qua", "Use at least %(n)d characters."),
    ("aaaaaaaaaaaaaab", "The password is mostly one character or a short repeated pattern."),
    ("abcabcabcabcabc", "The password is mostly one character or a short repeated pattern."),
    ("qwertyuiopasdf", "The password is a simple sequence of keys or numbers."),
    ("040123456789", "Do not use only digits"),
    ("Matkhau@2026!!", "This password is among the most used ones"),
    ("123456789@abc", "This password is among the most used ones"),
    ("Anhyeuem123456", "This password is among the most used ones"),
    ("iloveyou-2026!", "This password is among the most used ones"),
    ("nva.tiepdan.2026", "The password must not contain your user name."),
    ("NguyenVanAn-1990", "The password must not contain your name."),
    ("nguyễn rất thích đọc", "The password must not contain your name."),
])
def test_password_rules_refuse_weak_passwords(password, reason):
    problems = [str(p) for p in password_problems(password, username="nva.tiepdan", full_name="Nguyễn Văn An")]
    assert any(p.startswith(reason.split("%")[0]) for p in problems), problems


@pytest.mark.parametrize("password", [STRONG, PASSWORD, "Đêm trăng sáng bên sông Lam", "k7#Rq9!vLm2@xT"])
def test_password_rules_accept_passphrases_and_random_passwords(password):
    assert password_problems(password, username="nva.tiepdan", full_name="Nguyễn Văn An") == []


def test_cli_create_applies_the_password_rules(app, agencies):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "canbo", "--full-name", "Cán Bộ", "--agency", agencies["agency_a"],
                               "--role", "handler", "--password", "matkhau123456"])
    assert weak.exit_code != 0
    assert tr(app, "This password is among the most used ones and is tried first by attackers. "
                   "Choose another, for example a phrase of several words.") in weak.output
    ok = runner.invoke(args=["users", "create", "canbo", "--full-name", "Cán Bộ", "--agency", agencies["agency_a"],
                             "--role", "handler", "--password", STRONG])
    assert ok.exit_code == 0, ok.output
    assert Client(app).login("canbo", STRONG).status_code == 302


# -- changing one's password, the administrator's reset -------------------------------

def test_change_password_needs_the_current_one_obeys_the_rules_and_ends_other_sessions(app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    here, elsewhere = Client(app), Client(app)
    here.login("tiepdan")
    elsewhere.login("tiepdan")
    url = "/auth/account/password"
    r = here.submit(url, {"current": "not my password", "new": STRONG, "confirm": STRONG})
    assert r.status_code == 422 and tr(app, "The current password is wrong.") in html(r)
    r = here.submit(url, {"current": PASSWORD, "new": "matkhau2026!", "confirm": "matkhau2026!"})
    assert r.status_code == 422 and tr(app, "This password is among the most used ones and is tried first by "
                                            "attackers. Choose another, for example a phrase of several words.") in html(r)
    r = here.submit(url, {"current": PASSWORD, "new": STRONG, "confirm": STRONG})
    assert r.status_code == 302
    assert here.get("/officer/").status_code == 200          # this session goes on
    r = elsewhere.get("/officer/")                           # the other one is over
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    assert Client(app).login("tiepdan").status_code == 401   # the old password no longer works
    assert Client(app).login("tiepdan", STRONG).status_code == 302
    assert "change_password" in audit_actions(app, "tiepdan")


def test_admin_reset_password_forces_a_change_at_next_sign_in(app, agencies, make_officer):
    uid = make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("admin", ["admin"], "UBND-TINH")
    officer, admin = Client(app), Client(app)
    officer.login("tiepdan")
    admin.login("admin")
    r = admin.http.post(f"/admin/users/{uid}/password",
                        data={"csrf_token": admin.csrf(f"/admin/users/{uid}"), "pw-password": "123456789012"})
    assert r.status_code == 422 and tr(app, "Do not use only digits: phone numbers, ID numbers and dates are easy "
                                            "to guess.") in html(r)
    temporary = "tạm thời đổi ngay nhé"
    r = admin.http.post(f"/admin/users/{uid}/password",
                        data={"csrf_token": admin.csrf(f"/admin/users/{uid}"), "pw-password": temporary})
    assert r.status_code == 302
    assert officer.get("/officer/").status_code == 302      # the open session ended
    r = officer.login("tiepdan", temporary)
    assert r.headers["Location"].endswith("/auth/account/password")
    r = officer.get("/officer/")                              # nothing else until the password is changed
    assert r.status_code == 302 and r.headers["Location"].endswith("/auth/account/password")
    r = officer.submit("/auth/account/password", {"current": temporary, "new": STRONG, "confirm": STRONG})
    assert r.status_code == 302
    assert officer.get("/officer/").status_code == 200
    assert user(app, "tiepdan").must_change_password is False
    assert "reset_password" in audit_actions(app, "tiepdan")


# -- lock-out ---------------------------------------------------------------------------

def test_wrong_passwords_and_wrong_codes_add_up_to_the_wait(app, agencies, make_officer):
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    c = Client(app)
    assert c.login("thanhtra", "wrong").status_code == 401
    assert c.login("thanhtra", "wrong").status_code == 401
    # password right, then wrong codes: the failures go on counting
    for _ in range(2):
        assert c.login("thanhtra", second_step=False).headers["Location"].endswith("/auth/two-factor")
        r = c.submit("/auth/two-factor", {"code": "000000"})
        assert r.status_code == 401
    c.login("thanhtra", second_step=False)
    r = c.submit("/auth/two-factor", {"code": "000000"})
    assert r.status_code == 429
    assert "Vui lòng chờ đến" in html(r) or "Wait until" in html(r)
    # the right password and the right code now wait for the wait's end
    assert c.login("thanhtra").status_code == 429
    assert "sign_in_wait" in [a for a in audit_actions(app)]
    with app.app_context():
        outcomes = [e.outcome for e in db.session.scalars(db.select(LoginEvent).order_by(LoginEvent.id))]
    assert outcomes.count("password") == 2 and "wrong_code" in outcomes and outcomes[-1] == "throttled"


# -- two-factor sign-in ---------------------------------------------------------------

def test_inspector_must_enrol_before_reaching_anything(app, agencies, make_officer):
    make_officer("thanhtra", ["inspector"], "TTR-TINH", totp=False)
    c = Client(app)
    r = c.login("thanhtra")
    assert r.status_code == 302 and r.headers["Location"].endswith("/auth/account/two-factor/setup")
    for url in ("/inspect/", "/officer/", "/auth/account"):
        r = c.get(url)
        assert r.status_code == 302 and r.headers["Location"].endswith("/auth/account/two-factor/setup"), url
    page = c.get("/auth/account/two-factor/setup")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in text and "<script>" not in text and "onload" not in text
    secret = user(app, "thanhtra").totp_secret
    shown = re.search(r'data-testid="totp-secret">([^<]+)<', text).group(1)
    assert shown.replace(" ", "") == secret and len(secret) == 32
    with app.app_context():  # encrypted at rest: the column does not hold the secret
        raw = db.session.execute(db.text("SELECT totp_secret FROM users WHERE username = 'thanhtra'")).scalar()
    assert secret not in raw
    r = c.submit("/auth/account/two-factor/setup", {"code": "123456" if code_at(secret, current_step()) != "123456"
                                                    else "654321"})
    assert r.status_code == 422 and c.get("/inspect/").status_code == 302
    r = c.submit("/auth/account/two-factor/setup", {"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", r.get_data(as_text=True))
    assert len(set(codes)) == 8
    assert c.get("/inspect/").status_code == 200
    # the secret is never shown again
    r = c.get("/auth/account/two-factor/setup")
    assert r.status_code == 302 and secret not in html(c.get("/auth/account"))
    with app.app_context():
        hashes = [rc.code_hash for rc in db.session.scalars(db.select(RecoveryCode))]
    assert len(hashes) == 8 and not any(code.replace("-", "") in h for code in codes for h in hashes)
    assert "enable_totp" in audit_actions(app, "thanhtra")


def test_totp_required_roles_is_a_setting(app, agencies, make_officer):
    app.config["TOTP_REQUIRED_ROLES"] = "inspector,admin,head"
    try:
        make_officer("chutich", ["head"], agencies["agency_a"], totp=False)
        r = Client(app).login("chutich")
        assert r.headers["Location"].endswith("/auth/account/two-factor/setup")
    finally:
        app.config["TOTP_REQUIRED_ROLES"] = "inspector,admin"


def test_a_code_is_refused_the_second_time_and_out_of_its_window(app, agencies, make_officer):
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    secret = user(app, "thanhtra").totp_secret
    step = current_step()
    first, second = Client(app), Client(app)
    first.login("thanhtra", second_step=False)
    r = first.submit("/auth/two-factor", {"code": code_at(secret, step)})
    assert r.status_code == 302 and first.get("/inspect/").status_code == 200
    second.login("thanhtra", second_step=False)
    r = second.submit("/auth/two-factor", {"code": code_at(secret, step)})       # the same code again
    assert r.status_code == 401
    assert tr(app, "This code has already been used. Wait for the next code in the app "
                   "(a new one every 30 seconds).") in html(r)
    r = second.submit("/auth/two-factor", {"code": code_at(secret, step - 3)})   # 90 seconds old
    assert r.status_code == 401
    r = second.submit("/auth/two-factor", {"code": code_at(secret, step + 1)})   # the next step: a slow clock
    assert r.status_code == 302 and second.get("/inspect/").status_code == 200
    assert user(app, "thanhtra").totp_last_step == step + 1


def test_a_recovery_code_works_once(app, agencies, make_officer):
    make_officer("thanhtra", ["inspector"], "TTR-TINH", totp=False)
    c = Client(app)
    c.login("thanhtra")
    c.get("/auth/account/two-factor/setup")
    secret = user(app, "thanhtra").totp_secret
    r = c.submit("/auth/account/two-factor/setup", {"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", r.get_data(as_text=True))
    c.post("/auth/logout", data={"csrf_token": c.csrf("/auth/account")})
    phone_lost = Client(app)
    phone_lost.login("thanhtra", second_step=False)
    r = phone_lost.submit("/auth/two-factor", {"code": codes[0].upper()})
    assert r.status_code == 302 and phone_lost.get("/inspect/").status_code == 200
    again = Client(app)
    again.login("thanhtra", second_step=False)
    assert again.submit("/auth/two-factor", {"code": codes[0]}).status_code == 401
    assert again.submit("/auth/two-factor", {"code": codes[1]}).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(RecoveryCode)
                                 .where(RecoveryCode.used_at.is_(None))) == 6
    assert audit_actions(app, "thanhtra").count("use_recovery_code") == 2


def test_the_code_step_expires_and_needs_the_password_first(app, agencies, make_officer):
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    secret = user(app, "thanhtra").totp_secret
    c = Client(app)
    r = c.get("/auth/two-factor")   # no password given
    assert r.status_code == 302 and r.headers["Location"].endswith("/auth/login")
    c.login("thanhtra", second_step=False)
    with c.http.session_transaction() as s:
        pending = dict(s["pending_2fa"])
        pending["at"] -= app.config["TOTP_PENDING_SECONDS"] + 1
        s["pending_2fa"] = pending
    token = c.csrf("/auth/login")
    r = c.http.post("/auth/two-factor", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert r.status_code == 302 and r.headers["Location"].endswith("/auth/login")
    assert c.get("/inspect/").status_code == 302
    assert user(app, "thanhtra").totp_last_step is None   # the code was not even looked at


def test_any_officer_may_turn_two_factor_on_and_off_but_not_a_required_role(app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    c = Client(app)
    assert c.login("tiepdan").headers["Location"].endswith("/officer/")   # optional: not asked
    c.get("/auth/account/two-factor/setup")
    secret = user(app, "tiepdan").totp_secret
    assert c.submit("/auth/account/two-factor/setup", {"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert user(app, "tiepdan").totp_enabled
    second = Client(app)
    assert second.login("tiepdan", second_step=False).headers["Location"].endswith("/auth/two-factor")
    r = c.http.post("/auth/account/two-factor/disable",
                    data={"csrf_token": c.csrf("/auth/account"), "password": PASSWORD})
    assert r.status_code == 302 and not user(app, "tiepdan").totp_enabled
    assert audit_actions(app, "tiepdan")[-1] == "disable_totp"
    # an inspector cannot turn it off
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    i = Client(app)
    i.login("thanhtra")
    assert tr(app, "Your role requires two-factor sign-in: it cannot be turned off.") in html(i.get("/auth/account"))
    i.http.post("/auth/account/two-factor/disable", data={"csrf_token": i.csrf("/auth/account"), "password": PASSWORD})
    assert user(app, "thanhtra").totp_enabled


def test_admin_resets_someones_two_factor_with_a_reason(app, agencies, make_officer):
    uid = make_officer("thanhtra", ["inspector"], "TTR-TINH")
    make_officer("admin", ["admin"], "UBND-TINH")
    inspector, admin = Client(app), Client(app)
    inspector.login("thanhtra")
    admin.login("admin")
    url = f"/admin/users/{uid}/two-factor/reset"
    r = admin.http.post(url, data={"csrf_token": admin.csrf(f"/admin/users/{uid}"), "totp-reason": ""})
    assert r.status_code == 422 and user(app, "thanhtra").totp_enabled
    r = admin.http.post(url, data={"csrf_token": admin.csrf(f"/admin/users/{uid}"),
                                   "totp-reason": "Mất điện thoại, đã xác minh CCCD"})
    assert r.status_code == 302
    u = user(app, "thanhtra")
    assert not u.totp_enabled and u.totp_secret is None
    assert inspector.get("/inspect/").status_code == 302            # signed out
    r = inspector.login("thanhtra")
    assert r.headers["Location"].endswith("/auth/account/two-factor/setup")   # enrols again
    with app.app_context():
        row = db.session.scalar(db.select(AuditLog).where(AuditLog.action == "reset_totp"))
        assert row.details["reason"] == "Mất điện thoại, đã xác minh CCCD" and row.user_id != uid


# -- sessions ----------------------------------------------------------------------------

def test_an_idle_session_expires_with_a_message(app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    c = Client(app)
    c.login("tiepdan")
    assert c.get("/officer/").status_code == 200
    with c.http.session_transaction() as s:
        s["seen_at"] -= (app.config["SESSION_IDLE_MINUTES"] - 1) * 60   # 29 minutes: still on
    assert c.get("/officer/").status_code == 200
    with c.http.session_transaction() as s:
        s["seen_at"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    r = c.get("/officer/?status=received")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"] and "next=" in r.headers["Location"]
    page = html(c.get(r.headers["Location"]))
    assert tr(app, "Your session expired after %(minutes)d minutes without activity. Please sign in again.",
              minutes=30) in page
    assert c.get("/officer/").status_code == 302


def test_a_session_ends_after_its_absolute_lifetime(app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    c = Client(app)
    c.login("tiepdan")
    with c.http.session_transaction() as s:
        s["signed_in_at"] -= 8 * 3600 + 1   # active all day, but 8 hours have passed
    r = c.get("/officer/")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    assert tr(app, "Your session expired: a sign-in lasts at most %(hours)d hours. Please sign in again.",
              hours=8) in html(c.get("/auth/login"))


def test_session_cookie_settings(app, agencies, make_officer, tmp_path, monkeypatch):
    from petitions.config import load_config
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    c = Client(app)
    r = c.login("tiepdan")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "remember_token" not in " ".join(r.headers.getlist("Set-Cookie"))
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "IDENTITY_KEYS", "IDENTITY_INDEX_KEY"):
        monkeypatch.setenv(name, "x")
    from cryptography.fernet import Fernet
    monkeypatch.setenv("IDENTITY_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("IDENTITY_INDEX_KEY", Fernet.generate_key().decode())
    cfg = load_config(str(tmp_path), {"ENV": "production", "TRUSTED_PROXIES": 0})
    assert cfg["SESSION_COOKIE_NAME"].startswith("__Host-") and cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True and cfg["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_sign_out_everywhere_ends_the_other_sessions(app, agencies, make_officer):
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    laptop, phone = Client(app), Client(app)
    laptop.login("thanhtra")
    phone.login("thanhtra")
    assert phone.get("/inspect/").status_code == 200
    r = laptop.http.post("/auth/account/sign-out-everywhere", data={"csrf_token": laptop.csrf("/auth/account")})
    assert r.status_code == 302
    r = phone.get("/inspect/")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    assert tr(app, "You have been signed out: your password was changed, your account was signed out on all "
                   "devices or disabled. Please sign in again.") in html(phone.get("/auth/login"))
    assert laptop.get("/inspect/").status_code == 302
    assert phone.login("thanhtra").status_code == 302 and phone.get("/inspect/").status_code == 200
    assert "sign_out_everywhere" in audit_actions(app, "thanhtra")


def test_a_disabled_officers_session_and_api_token_stop_at_once(app, agencies, make_officer):
    uid = make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("admin", ["admin"], "UBND-TINH")
    with app.app_context():
        token = issue_token(db.session.get(User, uid))
        db.session.commit()
    api = {"Authorization": f"Bearer {token}"}
    officer, admin = Client(app), Client(app)
    officer.login("chutich")
    assert officer.get("/officer/").status_code == 200
    assert officer.get("/api/v1/officer/cases", headers=api).status_code == 200
    listing = html(admin.get("/admin/users")) if admin.login("admin") else ""
    assert 'data-user="chutich"' in listing
    r = admin.http.post(f"/admin/users/{uid}/disable", data={"csrf_token": admin.csrf(f"/admin/users/{uid}"),
                                                            "disable-reason": "Nghỉ việc từ 27/11/2026"})
    assert r.status_code == 302
    assert officer.get("/officer/").status_code == 302
    assert officer.get("/api/v1/officer/cases", headers=api).status_code == 401
    assert Client(app).login("chutich").status_code == 401
    assert tr(app, "Disabled") in html(admin.get("/admin/users"))
    r = admin.http.post(f"/admin/users/{uid}/enable", data={"csrf_token": admin.csrf(f"/admin/users/{uid}"),
                                                           "enable-reason": ""})
    assert r.status_code == 302
    assert Client(app).login("chutich").status_code == 302
    with app.app_context():
        row = db.session.scalar(db.select(AuditLog).where(AuditLog.action == "disable_user"))
        assert row.details["reason"] == "Nghỉ việc từ 27/11/2026"
    assert audit_actions(app, "chutich")[-2:] == ["disable_user", "enable_user"]


def test_an_administrator_cannot_disable_their_own_account(app, agencies, make_officer):
    uid = make_officer("admin", ["admin"], "UBND-TINH")
    c = Client(app)
    c.login("admin")
    c.http.post(f"/admin/users/{uid}/disable", data={"csrf_token": c.csrf(f"/admin/users/{uid}"),
                                                    "disable-reason": "test"})
    assert user(app, "admin").active


def test_admin_creates_an_account_with_a_temporary_password(app, agencies, make_officer):
    make_officer("admin", ["admin"], "UBND-TINH")
    c = Client(app)
    c.login("admin")
    with app.app_context():
        from petitions.models import Agency
        agency_id = db.session.scalar(db.select(Agency.id).where(Agency.code == agencies["agency_a"]))
    data = {"username": "canbo.moi", "full_name": "Trần Thị Mới", "email": "", "agency": str(agency_id),
            "roles": ["handler"], "password": "canbo.moi-2026"}
    r = c.submit("/admin/users/new", data)
    assert r.status_code == 422 and user_count(app, "canbo.moi") == 0
    r = c.submit("/admin/users/new", {**data, "password": STRONG})
    assert r.status_code == 302 and user_count(app, "canbo.moi") == 1
    assert user(app, "canbo.moi").must_change_password
    assert Client(app).login("canbo.moi", STRONG).headers["Location"].endswith("/auth/account/password")


def user_count(app, username) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(User).where(User.username == username))


def test_account_page_lists_recent_sign_ins(app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    Client(app).login("tiepdan", "wrong")
    c = Client(app)
    c.login("tiepdan")
    page = html(c.get("/auth/account", headers={"User-Agent": "Firefox/140"}))
    rows = re.search(r'data-testid="recent-logins">(.*?)</table>', page, re.S).group(1)
    assert rows.count("<tr>") == 3  # the heading, the success, the wrong password
    assert tr(app, "Signed in") in rows and tr(app, "Wrong password") in rows
    assert "127.0.0.1" in rows


def test_users_otp_prints_the_code_outside_production_only(app, agencies, make_officer):
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    secret = user(app, "thanhtra").totp_secret
    runner = app.test_cli_runner()
    before = pyotp.TOTP(secret).now()
    out = runner.invoke(args=["users", "otp", "thanhtra"])
    assert out.exit_code == 0 and out.output.strip() in (before, pyotp.TOTP(secret).now())
    app.config["ENV"] = "production"
    try:
        refused = runner.invoke(args=["users", "otp", "thanhtra"])
        assert refused.exit_code != 0 and "production" in refused.output
    finally:
        app.config["ENV"] = "development"


def test_cli_disable_enable_and_reset_password(app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    runner = app.test_cli_runner()
    c = Client(app)
    c.login("tiepdan")
    assert runner.invoke(args=["users", "disable", "tiepdan", "--reason", "điều chuyển"]).exit_code == 0
    assert c.get("/officer/").status_code == 302
    assert runner.invoke(args=["users", "enable", "tiepdan"]).exit_code == 0
    bad = runner.invoke(args=["users", "reset-password", "tiepdan", "--password", "tiepdan12345678"])
    assert bad.exit_code != 0
    assert runner.invoke(args=["users", "reset-password", "tiepdan", "--password", STRONG]).exit_code == 0
    assert Client(app).login("tiepdan", STRONG).headers["Location"].endswith("/auth/account/password")


def test_new_recovery_codes_replace_the_old_ones(app, agencies, make_officer):
    make_officer("thanhtra", ["inspector"], "TTR-TINH", totp=False)
    c = Client(app)
    c.login("thanhtra")
    c.get("/auth/account/two-factor/setup")
    secret = user(app, "thanhtra").totp_secret
    old = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>",
                     c.submit("/auth/account/two-factor/setup", {"code": pyotp.TOTP(secret).now()}).get_data(as_text=True))
    r = c.http.post("/auth/account/two-factor/recovery-codes", data={"csrf_token": c.csrf("/auth/account"),
                                                                     "password": "wrong"})
    assert r.status_code == 302
    r = c.http.post("/auth/account/two-factor/recovery-codes", data={"csrf_token": c.csrf("/auth/account"),
                                                                     "password": PASSWORD})
    new = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", r.get_data(as_text=True))
    assert len(new) == 8 and not set(new) & set(old)
    assert audit_actions(app, "thanhtra").count("new_recovery_codes") == 1
    other = Client(app)
    other.login("thanhtra", second_step=False)
    assert other.submit("/auth/two-factor", {"code": old[0]}).status_code == 401
    assert other.submit("/auth/two-factor", {"code": new[0]}).status_code == 302
