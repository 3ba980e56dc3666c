"""Citizens signing in with VNeID (issue 19 part 3), against a real OpenID Connect provider
started on loopback (tests/oidc_provider.py): the sign-in, the ID tokens refused (tampered,
expired, for another audience), the provider down, the sign-out at both ends, "my letters"
matched by the blind index of the verified ID number (never by name, never someone else's
letter, never a letter that names the citizen as the accused), filing without retyping, and
the choice of notices."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from petitions.extensions import db
from petitions.models import AuditLog, Case, CitizenSession, Party

from .conftest import Client, form_fields, valid_letter
from .oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

HOA = "040190001234"      # the citizen the provider signs in by default
OTHER = "040190005678"    # another citizen
ACCUSED = "040111222333"  # a person denounced by someone else


@pytest.fixture(scope="module")
def provider():
    p = Provider().start()
    yield p
    p.stop()


@pytest.fixture
def vneid(app, provider):
    """The app pointed at the local provider; VNeID off again afterwards."""
    provider.mode = "ok"
    provider.citizen = {"sub": "vneid-0001", "citizen_id": HOA, "name": "Nguyễn Thị Hoa"}
    provider.ended.clear()
    app.config.update(VNEID_ISSUER=provider.issuer, VNEID_CLIENT_ID=CLIENT_ID, VNEID_CLIENT_SECRET=CLIENT_SECRET,
                      VNEID_ID_CLAIM="citizen_id", VNEID_NAME_CLAIM="name")
    yield provider
    app.config.update(VNEID_ISSUER="", VNEID_CLIENT_ID="", VNEID_CLIENT_SECRET="")


def sign_in(client, provider=None):
    """The browser's round trip: to the provider's authorization endpoint, which approves
    the citizen and sends them back with a code; the callback's answer is returned."""
    r = client.get("/citizen/sign-in")
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    authorize = r.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"][0] and query["nonce"][0]
    back = requests.get(authorize, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    target = urlsplit(back.headers["Location"])
    return client.get(f"{target.path}?{target.query}")


def file_on_the_web(client, agencies, kind="complaint", **petitioner):
    body = valid_letter(kind, agencies["commune_a"])
    body["petitioner"] = {**body["petitioner"], **petitioner}
    r = client.submit(f"/file/{kind}", form_fields(body), follow_redirects=True)
    assert r.status_code == 200, r.get_data(as_text=True)[:1500]
    return re.search(r'data-testid="tracking-code">([^<]+)<', r.get_data(as_text=True)).group(1).replace("-", "")


def file_at_the_desk(app, agencies, make_officer, id_number, phone=""):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    officer = Client(app)
    officer.login("tiepdan")
    data = {"kind": "petition", "channel": "desk", "received_on": "2026-11-02", "title": "Kiến nghị sửa đường",
            "content": "Đường liên xóm hư hỏng nặng, đề nghị xã sửa chữa trước mùa mưa.",
            "commune_code": agencies["commune_a"], "petitioner-full_name": "Nguyễn Thị Hoa",
            "petitioner-id_number": id_number, "petitioner-address": "Xóm 3", "petitioner-phone": phone}
    r = officer.submit("/officer/desk", data, follow_redirects=True)
    assert r.status_code == 200, r.get_data(as_text=True)[:1500]
    return re.search(r'data-testid="tracking-code">([^<]+)<', r.get_data(as_text=True)).group(1).replace("-", "")


def letter_codes(html: str) -> set[str]:
    return {c.replace("-", "") for c in re.findall(r'/citizen/letters/([0-9A-Z]+)"', html)}


def sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(CitizenSession))


# -- configuration ---------------------------------------------------------------------------

def test_vneid_off_shows_no_button_and_code_and_key_still_work(client, app, agencies):
    assert not app.config["VNEID_ISSUER"]
    home = client.get("/").get_data(as_text=True)
    assert "VNeID" not in home
    assert client.get("/citizen/sign-in").status_code == 404
    assert client.get("/citizen/").status_code == 404
    assert "Mã theo dõi" in client.get("/track").get_data(as_text=True)


def test_vneid_on_shows_the_sign_in_button(client, vneid):
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="vneid-sign-in"' in home and "Đăng nhập bằng VNeID" in home


# -- the sign-in -----------------------------------------------------------------------------

def test_citizen_sign_in_lists_letters_filed_under_their_id_number_on_the_web_and_at_the_desk(
        client, app, agencies, make_officer, vneid):
    web = file_on_the_web(client, agencies, id_number=HOA, full_name="Nguyễn Thị Hoa")
    desk = file_at_the_desk(app, agencies, make_officer, HOA)
    other = file_on_the_web(Client(app), agencies, id_number=OTHER, full_name="Nguyễn Thị Hoa")  # same name
    r = sign_in(client)
    assert r.status_code == 302 and r.headers["Location"].endswith("/citizen/")
    page = client.get("/citizen/").get_data(as_text=True)
    assert "Đơn của tôi" in page and "Nguyễn Thị Hoa" in page
    assert letter_codes(page) == {web, desk}  # never by name: the namesake's letter is not there
    assert other not in page
    # a letter opens without its access key, and the view is on the record
    r = client.get(f"/citizen/letters/{desk}")
    assert r.status_code == 200 and "Kiến nghị sửa đường" in r.get_data(as_text=True)
    assert client.get(f"/citizen/letters/{other}").status_code == 404
    with app.app_context():
        views = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "citizen_view_case")).all()
        assert [v.object_id for v in views] == [desk]
        row = db.session.scalar(db.select(CitizenSession))
        assert row.id_number == HOA and HOA not in (row.id_number_digest or "")
        signins = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "citizen_sign_in")).all()
        assert len(signins) == 1 and HOA not in str(signins[0].details) + str(signins[0].object_id)


def test_citizen_session_gives_no_officer_right(client, app, vneid):
    sign_in(client)
    with client.session_transaction() as s:
        assert "_user_id" not in s and "sid" not in s and s.get("citizen_sid")
    r = client.get("/officer/")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    assert client.get("/admin/").status_code in (302, 403)


@pytest.mark.parametrize("mode, message", [
    ("tampered", "chữ ký không hợp lệ"),
    ("expired", "đã hết hạn"),
    ("wrong_audience", "không được cấp cho dịch vụ này"),
])
def test_a_bad_id_token_is_refused_with_a_clear_message_and_no_session(client, app, vneid, mode, message):
    vneid.mode = mode
    r = sign_in(client)
    html = r.get_data(as_text=True)
    assert r.status_code == 401
    assert message in html and 'data-testid="vneid-failed"' in html
    assert 'href="/track"' in html  # the code + key route is offered
    assert sessions(app) == 0
    with client.session_transaction() as s:
        assert "citizen_sid" not in s
    assert client.get("/citizen/").status_code == 302  # sent to sign in, nothing shown


def test_a_callback_without_its_sign_in_is_refused(client, app, vneid):
    r = client.get("/citizen/callback?code=made-up&state=made-up")
    assert r.status_code == 401 and "Vui lòng đăng nhập lại" in r.get_data(as_text=True)
    assert sessions(app) == 0


def test_provider_down_tells_the_citizen_and_offers_code_and_key(client, app, vneid):
    app.config["VNEID_ISSUER"] = "http://127.0.0.1:9/vneid"  # nothing listens there
    app.config["VNEID_TIMEOUT"] = 2
    r = client.get("/citizen/sign-in")
    html = r.get_data(as_text=True)
    assert r.status_code == 503
    assert "Không kết nối được với VNeID" in html and 'href="/track"' in html
    assert sessions(app) == 0


def test_sign_out_ends_the_session_here_and_at_the_provider(client, app, vneid):
    sign_in(client)
    page = client.get("/citizen/")
    assert page.status_code == 200
    # the sign-out form may be redirected to the provider (form-action), and only there
    origin = vneid.issuer.rsplit("/vneid", 1)[0]
    assert f"form-action 'self' {origin};" in page.headers["Content-Security-Policy"] + ";"
    saved = client.get_cookie("session").value
    r = client.post("/citizen/sign-out", data={"csrf_token": client.csrf("/citizen/")})
    assert r.status_code == 302
    end = urlsplit(r.headers["Location"])
    assert end.path == "/vneid/end_session"
    assert sessions(app) == 0
    back = requests.get(r.headers["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302 and urlsplit(back.headers["Location"]).path == "/citizen/signed-out"
    assert len(vneid.ended) == 1
    hint = vneid.ended[0]["id_token_hint"]
    assert hint.count(".") == 2 and vneid.ended[0]["client_id"] == CLIENT_ID
    assert "Bạn đã đăng xuất" in client.get("/citizen/signed-out").get_data(as_text=True)
    # the cookie kept from before the sign-out opens nothing
    client.set_cookie("session", saved)
    r = client.get("/citizen/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/citizen/sign-in")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "citizen_sign_out")) == 1


# -- secrecy: only the citizen's own letters -----------------------------------------------

def test_another_citizen_and_the_accused_see_none_of_the_letters(client, app, agencies, make_officer, vneid):
    mine = file_on_the_web(client, agencies, id_number=HOA, full_name="Nguyễn Thị Hoa")
    body = valid_letter("denunciation", agencies["commune_a"])
    body["petitioner"].update(id_number=HOA, full_name="Nguyễn Thị Hoa")
    body["respondent"] = f"Ông Trần Văn Bị, cán bộ địa chính, CCCD {ACCUSED}"
    denunciation = file_on_the_web(Client(app), agencies, kind="denunciation", id_number=HOA,
                                   full_name="Nguyễn Thị Hoa")
    with app.app_context():  # the accused named in the denunciation, with their ID number
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == denunciation))
        case.respondent = f"Ông Trần Văn Bị, cán bộ địa chính, CCCD {ACCUSED}"
        db.session.commit()
    # the denouncer sees their own denunciation
    sign_in(client)
    assert letter_codes(client.get("/citizen/").get_data(as_text=True)) == {mine, denunciation}
    for who, number, name in ((OTHER, OTHER, "Lê Văn Khác"), ("accused", ACCUSED, "Trần Văn Bị")):
        vneid.citizen = {"sub": f"vneid-{who}", "citizen_id": number, "name": name}
        stranger = Client(app)
        sign_in(stranger)
        page = stranger.get("/citizen/").get_data(as_text=True)
        assert letter_codes(page) == set() and 'data-testid="no-letters"' in page
        assert "Nguyễn Thị Hoa" not in page and mine not in page and denunciation not in page
        for code in (mine, denunciation):
            assert stranger.get(f"/citizen/letters/{code}").status_code == 404


# -- filing while signed in ---------------------------------------------------------------

def test_filing_while_signed_in_takes_the_verified_name_and_number(client, app, agencies, vneid):
    sign_in(client)
    form = client.get("/file/complaint").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="petitioner-id_number"[^>]*>', form).group(0)
    assert f'value="{HOA}"' in field and "readonly" in field
    assert "Đã xác thực qua VNeID" in form
    # whatever the request sends in their place, the verified identity is filed
    code = file_on_the_web(client, agencies, id_number="040000000001", full_name="Người Khác")
    with app.app_context():
        filer = db.session.scalar(db.select(Case).where(Case.tracking_code == code)).petitioner
        assert filer.id_number == HOA and filer.full_name == "Nguyễn Thị Hoa" and filer.verified_by == "vneid"
    assert code in letter_codes(client.get("/citizen/").get_data(as_text=True))


# -- notices ------------------------------------------------------------------------------

def test_citizen_chooses_sms_for_their_letters_with_consent(client, app, agencies, make_officer, vneid):
    web = file_on_the_web(client, agencies, id_number=HOA, full_name="Nguyễn Thị Hoa", phone="0912345678")
    desk = file_at_the_desk(app, agencies, make_officer, HOA)  # no phone given at the desk
    sign_in(client)
    token = client.csrf("/citizen/")
    r = client.post("/citizen/notices", data={"csrf_token": token, "notify_channel": "sms"})
    assert r.status_code == 422 and "Đánh dấu vào ô để đồng ý" in r.get_data(as_text=True)
    r = client.post("/citizen/notices", data={"csrf_token": token, "notify_channel": "sms", "notify_consent": "y"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-testid="notices-saved"' in html
    assert desk[:5] in html  # told: the desk letter has no mobile number and keeps its notices
    with app.app_context():
        parties = {p.case.tracking_code: p for p in db.session.scalars(db.select(Party))}
        assert parties[web].notify_channel == "sms" and parties[web].notify_consent_at is not None
        assert parties[desk].notify_channel != "sms"
        audit = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "choose_notices")).all()
        assert [(a.object_id, a.details) for a in audit] == [(web, {"channel": "sms", "by": "vneid"})]


def test_a_token_without_the_id_number_claim_opens_no_session(client, app, vneid):
    vneid.citizen = {"sub": "vneid-0002", "name": "Nguyễn Thị Hoa"}  # no citizen_id
    r = sign_in(client)
    assert r.status_code == 401 and "VNeID không cung cấp số định danh cá nhân" in r.get_data(as_text=True)
    assert sessions(app) == 0


def test_a_citizen_session_past_its_end_opens_nothing(client, app, vneid):
    from datetime import timedelta

    from petitions.models.types import utcnow
    sign_in(client)
    assert client.get("/citizen/").status_code == 200
    with app.app_context():
        row = db.session.scalar(db.select(CitizenSession))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    r = client.get("/citizen/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/citizen/sign-in")
    assert "Đơn của tôi" not in client.get("/").get_data(as_text=True)  # the header offers the sign-in again


def test_the_officer_reads_that_the_filer_was_verified_by_vneid(client, app, agencies, make_officer, vneid):
    sign_in(client)
    code = file_on_the_web(client, agencies, id_number=HOA)
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    officer = Client(app)
    officer.login("tiepdan")
    page = officer.get(f"/officer/cases/{code}").get_data(as_text=True)
    assert 'data-testid="verified-vneid"' in page and "đã xác thực qua VNeID" in page


def test_an_officer_signing_in_in_the_same_browser_ends_the_citizen_session(client, app, agencies, make_officer,
                                                                            vneid):
    sign_in(client)
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    client.login("tiepdan")
    assert sessions(app) == 0
    with client.session_transaction() as s:
        assert "citizen_sid" not in s
    assert "Đơn của tôi" not in client.get("/officer/").get_data(as_text=True)
