"""Issue 14: hardening found by attacking the running application. Templates that cannot
run code, sign-in that cannot be turned against officers, sessions that end on the server,
no demo data in production, no server errors on odd numbers or deep JSON, limits that
cannot be escaped, attachments encrypted at rest, identity searches kept out of URLs."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from petitions.extensions import db
from petitions.models import AuditLog, DocumentTemplate, User

from .conftest import Client, valid_letter


def _user(name) -> User:
    return db.session.scalar(db.select(User).where(User.username == name))


def _signed_in(app, username) -> Client:
    c = Client(app)
    assert c.login(username).status_code == 302
    return c


# -- 1. document templates run in a sandbox ------------------------------------------------

def _template_with(expression: str) -> bytes:
    """The built-in acceptance notice with ``expression`` typed into its text, as an
    administrator would do in Word."""
    from petitions.services.documents.render import builtin_template
    data = builtin_template("acceptance_notice").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "word/document.xml":
                content = content.replace(b"{{ number_symbol }}", b"{{ number_symbol }}" + expression.encode(), 1)
            dst.writestr(item, content)
    return out.getvalue()


ESCAPES = [
    "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "{{ lipsum.__globals__.os.system('touch MARKER') }}",
    "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ joiner.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ namespace.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == 'Popen' %}"
    "{{ c('touch MARKER', shell=True) }}{% endif %}{% endfor %}",
    "{{ number_symbol|attr('__class__')|attr('__mro__') }}",
    "{{ request.application.__globals__.__builtins__.__import__('os').popen('touch MARKER').read() }}",
    "{{ config.__class__.__init__.__globals__['os'].popen('touch MARKER').read() }}",
    "{{ self._TemplateReference__context }}",
    "{{ range.__self__ }}",
    "{{ recipients.append('x') }}",
    "{{ '{0.__class__}'.format(number_symbol) }}",
]


@pytest.mark.parametrize("expression", ESCAPES)
def test_an_uploaded_template_cannot_reach_outside_its_data(app, agencies, make_officer, tmp_path, expression):
    make_officer("quantri", ["admin"], "UBND-TINH")
    marker = tmp_path / "marker"
    admin = _signed_in(app, "quantri")
    token = admin.csrf("/admin/documents")
    data = _template_with(expression.replace("MARKER", str(marker)))
    r = admin.post("/admin/documents/acceptance_notice/template", data={
        "csrf_token": token, "file": (io.BytesIO(data), "mau.docx")}, content_type="multipart/form-data")
    assert r.status_code in (302, 303)
    page = admin.get("/admin/documents").get_data(as_text=True)
    assert "Mẫu bị từ chối" in page, page[:2000]
    assert not marker.exists()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(DocumentTemplate)) == 0
        refusal = db.session.scalar(db.select(AuditLog).where(AuditLog.action == "refuse_document_template"))
        assert refusal is not None and refusal.details["file"] == "mau.docx"


def test_shipped_templates_render_in_the_sandbox(app):
    from petitions.services.documents import KINDS
    from petitions.services.documents.context import sample_context
    from petitions.services.documents.render import builtin_template, docx_text, render_docx
    with app.test_request_context():
        for kind in KINDS:
            text = docx_text(render_docx(builtin_template(kind.key), sample_context()))
            assert "{{" not in text and "{%" not in text


# -- 5. no server errors: bounded JSON, strict numbers -------------------------------------

def _token(app, username) -> str:
    from petitions.services.tokens import issue_token
    with app.app_context():
        token = issue_token(_user(username))
        db.session.commit()
        return token


def _file(client, app, agencies, kind="complaint") -> str:
    from datetime import date
    app.config["TODAY"] = date(2026, 8, 3)
    r = client.post("/api/v1/cases", json=valid_letter(kind, agencies["commune_a"]))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["tracking_code"]


def test_deeply_nested_or_huge_json_is_refused_before_parsing(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = _file(client, app, agencies)
    token = _token(app, "chutich")
    deep = "[" * 1000 + "]" * 1000
    deep_object = '{"a":' * 1000 + "1" + "}" * 1000
    for body in (deep, deep_object, '{"title": ' + deep + "}"):
        r = client.post("/api/v1/cases", data=body, content_type="application/json")
        assert r.status_code == 400, r.data[:200]
        assert "16" in r.get_json()["errors"]["_"][0]
        r = client.post(f"/api/v1/cases/{code}/events", data=body, content_type="application/json",
                        headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 400
    # brackets inside strings are text, not nesting: a letter about "[[[[" is fine
    letter = valid_letter("complaint", agencies["commune_a"], content="Đơn " + "[{" * 400 + " hết.")
    assert client.post("/api/v1/cases", json=letter).status_code == 201
    huge = {"title": "x" * (600 * 1024)}
    r = client.post("/api/v1/cases", json=huge)
    assert r.status_code == 413 and r.get_json()["errors"]["_"]


def test_unicode_digits_are_not_numbers_and_never_cause_a_server_error(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = _file(client, app, agencies)
    head = _signed_in(app, "chutich")
    accept = f"/officer/cases/{code}/actions/accept"
    for version in ("²", "١", "1_0", "9" * 5000):
        r = head.submit(accept, {"act_date": "2026-08-03", "version": version})
        assert r.status_code in (200, 409, 422), (version, r.status_code)
        assert "Internal" not in r.get_data(as_text=True)
    for url in ("/exports/²", "/exports/²/download", "/exports/" + "9" * 5000, "/exports/99999999999999999999",
                "/exports/cases.csv?year=²", "/voters/meetings/²", "/admin/users/99999999999999999999"):
        r = head.get(url)
        assert r.status_code in (400, 403, 404, 422), (url, r.status_code)
    token = _token(app, "chutich")
    auth = {"Authorization": f"Bearer {token}"}
    for url, field in (("/api/v1/officer/cases?page=²", "page"), ("/api/v1/officer/cases?page=١", "page"),
                       ("/api/v1/stats/target4?year=²", "year"), ("/api/v1/stats/target4?year=٢٠٢٦", "year")):
        r = client.get(url, headers=auth)
        assert r.status_code == 422 and field in r.get_json()["errors"], (url, r.status_code)
    # the accepted spellings still work
    assert client.get("/api/v1/officer/cases?page=1", headers=auth).status_code == 200
    html = head.get(accept).get_data(as_text=True)
    import re
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    assert head.submit(accept, {"act_date": "2026-08-03", "version": version}).status_code == 302


# -- 8. officers' searches keep the term out of the URL --------------------------------------

def test_an_identity_search_never_puts_the_term_in_a_url(client, app, agencies, make_officer):
    import re
    from urllib.parse import unquote_plus
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = _file(client, app, agencies)  # valid_letter's petitioner
    with app.app_context():
        from petitions.models import Case
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        id_number = case.parties[0].id_number
    head = _signed_in(app, "chutich")
    page = head.get("/officer/").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/officer/"', page)
    spaced = f"{id_number[:3]} {id_number[3:6]} {id_number[6:9]} {id_number[9:]}"
    r = head.submit("/officer/", {"q": spaced, "kind": "complaint", "sort": "urgency"})
    assert r.status_code == 303
    location = unquote_plus(r.headers["Location"])
    assert id_number[:6] not in location.replace(" ", "") and "kind=complaint" in location and "s=" in location
    result = head.get(r.headers["Location"]).get_data(as_text=True)
    assert code[:5] in result  # the search found the case by its ID number
    for url in re.findall(r'href="([^"]+)"', result):
        assert id_number[:6] not in unquote_plus(url).replace(" ", ""), url
    # the export link carries the same token and finds the same case
    export = re.search(r'href="(/officer/export\.csv[^"]+)"', result).group(1).replace("&amp;", "&")
    assert code[:5] in head.get(export).get_data(as_text=True)
    other_number = head.submit("/officer/", {"q": "001099012345"})
    assert code[:5] not in head.get(other_number.headers["Location"]).get_data(as_text=True)
    # an address typed with the term is sent on without it
    r = head.get(f"/officer/?q={id_number}")
    assert r.status_code == 303 and id_number not in r.headers["Location"]
    # the token is worthless to another officer
    make_officer("khac", ["head"], agencies["agency_a"])
    other = _signed_in(app, "khac")
    assert spaced not in other.get(r.headers["Location"]).get_data(as_text=True)


# -- 2. sign-in: the same answers for every name, waits a stranger cannot impose ------------

def _answer(r) -> tuple[int, str]:
    """What the visitor sees of a refused sign-in, the moment in the message left out."""
    import re
    text = r.get_data(as_text=True)
    main = text.split("<main", 1)[-1].split("</main>", 1)[0]
    words = " ".join(re.sub(r"<[^>]+>", " ", main.split(">", 1)[-1]).split())  # the page's text, no attributes
    return r.status_code, re.sub(r"\d\d:\d\d:\d\d", "HH:MM:SS", words)


def test_existing_and_unknown_names_get_the_same_answers(app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    answers = {}
    for name in ("tiepdan", "khong.co.ai"):
        c = Client(app)
        answers[name] = [_answer(c.login(name, "sai mat khau roi")) for _ in range(7)]
    assert answers["tiepdan"] == answers["khong.co.ai"]
    codes = [status for status, _text in answers["tiepdan"]]
    assert codes == [401, 401, 401, 401, 429, 429, 429]
    assert "Vui lòng chờ đến HH:MM:SS" in answers["tiepdan"][4][1]
    assert "Sai tên đăng nhập hoặc mật khẩu" in answers["tiepdan"][0][1]
    with app.app_context():
        from petitions.models import SignInThrottle
        rows = list(db.session.scalars(db.select(SignInThrottle)))
        assert len(rows) == 2 and all(r.failures == 5 for r in rows)  # the waits checked no password
        assert all("tiepdan" not in r.key and "khong" not in r.key for r in rows)  # names kept as HMACs


def test_a_stranger_cannot_lock_an_officer_out_of_a_browser_they_used(app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    officer = Client(app)
    assert officer.login("tiepdan").status_code == 302
    officer.submit("/auth/account", {}) if False else officer.post(
        "/auth/logout", data={"csrf_token": officer.csrf("/auth/account")})
    stranger = Client(app)
    for _ in range(8):
        r = stranger.login("tiepdan", "doan mat khau")
    assert r.status_code == 429
    # the officer's own browser is counted apart: the right password works at once
    assert officer.login("tiepdan").status_code == 302
    assert officer.get("/officer/").status_code == 200
    # a browser without the officer's device cookie (a new one) waits like the stranger
    assert Client(app).login("tiepdan").status_code == 429
    # an administrator's unlock clears the wait for every browser
    with app.app_context():
        from petitions.services.accounts import unlock_user
        unlock_user(_user("tiepdan"), by=None)
        db.session.commit()
    assert Client(app).login("tiepdan").status_code == 302


def test_sign_in_attempts_are_limited_per_address(app, agencies, make_officer):
    for name in ("a.nguyen", "b.tran", "c.le", "d.pham"):
        make_officer(name, ["reception"], agencies["agency_a"])
    app.config["RATELIMIT_SIGN_IN"] = "3 per 10 minutes"
    try:
        c = Client(app)
        # one password sprayed over many names: the names' own counters never fill up
        answers = [c.login(name, "matkhau2026!!").status_code for name in ("a.nguyen", "b.tran", "c.le", "d.pham")]
        assert answers == [401, 401, 401, 429]
        r = c.login("d.pham")  # the right password too: the address has used its attempts
        assert r.status_code == 429 and "Có quá nhiều lần thử đăng nhập từ kết nối của bạn" in r.get_data(as_text=True)
        assert r.headers.get("Retry-After")
    finally:
        app.config["RATELIMIT_SIGN_IN"] = "10000 per hour"


def test_the_officer_is_told_of_repeated_failures(app, agencies, make_officer, smtp, run_worker):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    with app.app_context():
        _user("tiepdan").email = "tiepdan@nghean.gov.vn"
        db.session.commit()
    stranger = Client(app)
    for _ in range(7):
        stranger.login("tiepdan", "doan mat khau")
    run_worker()
    mails = [m for m in smtp.messages if m["to"] == ["tiepdan@nghean.gov.vn"]]
    assert len(mails) == 1  # once, not at every failure
    assert "tiepdan" in mails[0]["subject"] and "5 lần" in mails[0]["body"]
    # the in-app notification, once the officer signs in from their usual browser after the wait
    with app.app_context():
        from petitions.services.accounts import unlock_user
        unlock_user(_user("tiepdan"), by=None)
        db.session.commit()
    officer = _signed_in(app, "tiepdan")
    page = officer.get("/officer/notifications").get_data(as_text=True)
    assert "Đăng nhập không thành công" in page and "tiepdan" in page


# -- 3. sessions end on the server ------------------------------------------------------

def _cookie(c: Client) -> str:
    return c.http.get_cookie("session").value


def _with_cookie(app, value: str) -> Client:
    c = Client(app)
    c.http.set_cookie("session", value)
    return c


def test_a_cookie_saved_before_sign_out_opens_nothing(app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    c = _signed_in(app, "tiepdan")
    assert c.get("/officer/").status_code == 200
    saved = _cookie(c)
    assert _with_cookie(app, saved).get("/officer/").status_code == 200  # a copy works while signed in
    r = c.post("/auth/logout", data={"csrf_token": c.csrf("/auth/account")})
    assert r.status_code == 302
    replay = _with_cookie(app, saved).get("/officer/")
    assert replay.status_code == 302 and "/auth/login" in replay.headers["Location"]
    with app.app_context():
        from petitions.models import UserSession
        assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 0


def test_password_change_and_disabling_end_the_saved_sessions(app, agencies, make_officer):
    from .conftest import PASSWORD
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("quantri", ["admin"], "UBND-TINH")
    first, second = _signed_in(app, "tiepdan"), _signed_in(app, "tiepdan")
    saved = _cookie(second)
    r = first.submit("/auth/account/password", {"current": PASSWORD, "new": "hoa sen no tren mat ho mua he",
                                               "confirm": "hoa sen no tren mat ho mua he"})
    assert r.status_code == 302
    assert first.get("/officer/").status_code == 200  # this browser goes on
    assert _with_cookie(app, saved).get("/officer/").status_code == 302
    kept = _cookie(first)
    with app.app_context():
        from petitions.services.accounts import disable_user
        disable_user(_user("tiepdan"), by=None, reason="thử nghiệm")
        db.session.commit()
    assert _with_cookie(app, kept).get("/officer/").status_code == 302


# -- 4. demo data never reaches production ---------------------------------------------------

def test_demo_and_scale_data_are_refused_in_production(app):
    from petitions.models import Case
    runner = app.test_cli_runner()
    app.config["ENV"] = "production"
    try:
        for args in (["seed", "demo", "--cases", "3"], ["seed", "scale", "--cases", "10"]):
            result = runner.invoke(args=args)
            assert result.exit_code != 0 and "PETITIONS_ENV=production" in result.output, result.output
    finally:
        app.config["ENV"] = "development"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


def test_generated_officers_cannot_sign_in_and_published_credentials_fail_in_production(app):
    from petitions.services.demo import DEMO_PASSWORD, DEMO_TOTP_SECRETS
    result = app.test_cli_runner().invoke(args=["seed", "demo", "--cases", "3"])
    assert result.exit_code == 0 and DEMO_PASSWORD in result.output  # make run's demo, in development
    with app.app_context():
        generated = db.session.scalar(db.select(User).where(User.username.like("head.%")))
        assert generated.must_change_password and not generated.password_hash.startswith("$argon2")
        name = generated.username
    for password in ("scale-data-only", DEMO_PASSWORD, ""):
        assert Client(app).login(name, password or "x").status_code == 401
    assert Client(app).login("tiepdan", DEMO_PASSWORD).status_code == 302  # the printed demo sign-in works
    # a database seeded for a demo and then run in production: the published password and
    # two-factor secrets are refused
    app.config["ENV"] = "production"
    try:
        assert Client(app).login("tiepdan", DEMO_PASSWORD).status_code == 401
        with app.app_context():
            from petitions.services.accounts import set_password
            set_password(_user("admin"), "mot mat khau rieng that dai", by=None)
            db.session.commit()
        c = Client(app)
        r = c.login("admin", "mot mat khau rieng that dai", second_step=False)
        assert r.status_code == 302 and r.headers["Location"].endswith("/auth/two-factor")
        import pyotp
        r = c.submit("/auth/two-factor", {"code": pyotp.TOTP(DEMO_TOTP_SECRETS["admin"]).now()})
        assert r.status_code == 401
    finally:
        app.config["ENV"] = "development"


# -- 6. limits that cannot be escaped ----------------------------------------------------------

def test_head_look_ups_are_counted_and_officer_api_fields_are_bounded(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code = _file(client, app, agencies)
    app.config["RATELIMIT_LOOKUP"] = "3 per hour"
    try:
        answers = [client.head(f"/api/v1/cases/{code}", headers={"X-Access-Key": "sai"}).status_code
                   for _ in range(3)]
        assert answers == [404, 404, 404]
        assert client.head(f"/api/v1/cases/{code}").status_code == 429
        assert client.get(f"/api/v1/cases/{code}").status_code == 429  # GET and HEAD share the budget
    finally:
        app.config["RATELIMIT_LOOKUP"] = "10000 per hour"
    token = _token(app, "chutich")
    r = client.post(f"/api/v1/cases/{code}/events", headers={"Authorization": f"Bearer {token}"},
                    json={"event": "reject", "reason": "x" * 100_000})
    assert r.status_code == 422 and "5000" in r.get_json()["errors"]["reason"][0]


def test_trusted_proxies_default_to_none_and_production_needs_a_value(tmp_path, monkeypatch):
    from cryptography.fernet import Fernet

    from petitions.config import ConfigError, load_config
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("PETITIONS_ENV", raising=False)
    assert load_config(str(tmp_path))["TRUSTED_PROXIES"] == 0
    for name, value in {"PETITIONS_ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql://db/p",
                        "REDIS_URL": "redis://cache:6379/0", "IDENTITY_KEYS": Fernet.generate_key().decode(),
                        "IDENTITY_INDEX_KEY": "i" * 40}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_config(str(tmp_path))
    monkeypatch.setenv("TRUSTED_PROXIES", "0")
    assert load_config(str(tmp_path))["TRUSTED_PROXIES"] == 0
