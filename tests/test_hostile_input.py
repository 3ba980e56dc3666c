"""Hostile input: Unicode oddities (NFC, control characters), HTML and script shown as
text, attachments judged by their content (a PDF named .jpg, an executable named .pdf, a
zip bomb, an empty file), safe download headers, and the security headers of every kind of
response; and, in a real Chromium, no Content-Security-Policy violation on the main pages."""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest

from petitions.extensions import db
from petitions.models import Case
from tests.conftest import form_fields, valid_letter

NFC_NAME = "Nguyễn Thị Hoà"
NFD_NAME = unicodedata.normalize("NFD", NFC_NAME)
TEMPLATES = Path(__file__).resolve().parent.parent / "petitions" / "templates"


def case_by_code(app, code):
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        return {"title": case.title, "content": case.content, "respondent": case.respondent,
                "names": [p.full_name for p in case.parties]}


def count_cases(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Case))


# --- Unicode -------------------------------------------------------------------------------

def test_decomposed_vietnamese_is_saved_precomposed_through_the_api(client, app, agencies):
    assert NFD_NAME != NFC_NAME
    body = valid_letter("complaint", agencies["commune_a"], title=f"Đơn của {NFD_NAME}",
                        content=unicodedata.normalize("NFD", "Nội dung khiếu nại về việc thu hồi đất ở xã."))
    body["petitioner"]["full_name"] = NFD_NAME
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.get_json()
    saved = case_by_code(app, r.get_json()["tracking_code"])
    assert saved["title"] == f"Đơn của {NFC_NAME}"
    assert saved["content"] == "Nội dung khiếu nại về việc thu hồi đất ở xã."
    assert NFC_NAME in saved["names"]


def test_decomposed_vietnamese_is_saved_precomposed_through_the_web_form(client, app, agencies):
    body = valid_letter("complaint", agencies["commune_a"], title=unicodedata.normalize("NFD", "Khiếu nại ở Nghệ An"))
    body["petitioner"]["full_name"] = NFD_NAME
    r = client.submit("/file/complaint", form_fields(body))
    assert r.status_code == 302
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        assert case.title == "Khiếu nại ở Nghệ An"
        assert NFC_NAME in [p.full_name for p in case.parties]
    # CRLF from a browser's text area is kept as plain new lines
    body = valid_letter("petition", agencies["commune_a"], content="Dòng một của đơn.\r\nDòng hai của đơn.\tHết.")
    r = client.post("/api/v1/cases", json=body)
    assert case_by_code(app, r.get_json()["tracking_code"])["content"] == "Dòng một của đơn.\nDòng hai của đơn.\tHết."


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\x07", "\u202e", "\x7f", "\x85"])
def test_control_characters_are_refused_with_a_clear_message(client, app, agencies, bad):
    body = valid_letter("complaint", agencies["commune_a"], title=f"Đơn{bad}khiếu nại")
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 422
    assert "ký tự điều khiển" in r.get_json()["errors"]["title"][0]
    body = valid_letter("complaint", agencies["commune_a"])
    body["petitioner"]["address"] = f"Xóm 3{bad}"
    r = client.submit("/file/complaint", form_fields(body))
    assert r.status_code == 422 and "ký tự điều khiển" in r.get_data(as_text=True)
    assert count_cases(app) == 0


def test_a_lone_surrogate_is_refused_with_a_clear_message_not_a_server_error(client, app, agencies):
    """JSON's "\\ud800" decodes to a lone surrogate, which no UTF-8 text can hold: storing it
    raised UnicodeEncodeError (a 500). It is refused like a control character, in the letter's
    fields and in a person's; a real pair ("\\ud83d\\ude00", an emoji) is a character and passes."""
    import json as _json
    for where in ("title", "petitioner.full_name"):
        body = valid_letter("complaint", agencies["commune_a"])
        if where == "title":
            body["title"] = "Đơn\ud800khiếu nại"
        else:
            body["petitioner"]["full_name"] = "Nguyễn\udfffAn"
        raw = _json.dumps(body)  # ASCII escapes: the surrogate travels as \ud800
        assert "\\ud800" in raw or "\\udfff" in raw
        r = client.post("/api/v1/cases", data=raw.encode(), content_type="application/json")
        assert r.status_code == 422, (where, r.status_code, r.get_data(as_text=True))
        assert "ký tự điều khiển" in str(r.get_json()["errors"]), r.get_json()
    # the same surrogate as raw bytes (ED A0 80, no backslash): json.loads takes them as one
    raw = _json.dumps(valid_letter("complaint", agencies["commune_a"], title="Đơn@@khiếu nại")).encode()
    r = client.post("/api/v1/cases", data=raw.replace(b"@@", b"\xed\xa0\x80"), content_type="application/json")
    assert r.status_code == 422, r.get_data(as_text=True)
    assert "ký tự điều khiển" in str(r.get_json()["errors"]), r.get_json()
    assert count_cases(app) == 0
    body = valid_letter("complaint", agencies["commune_a"], title="Đơn khiếu nại \U0001F600")
    r = client.post("/api/v1/cases", data=_json.dumps(body).encode(), content_type="application/json")
    assert r.status_code == 201, r.get_data(as_text=True)
    assert case_by_code(app, r.get_json()["tracking_code"])["title"] == "Đơn khiếu nại \U0001F600"


def test_control_characters_are_refused_in_officer_forms_too(client, app, agencies, make_officer):
    """The base form class is shared: the desk's form (a DeskForm) refuses them the same way."""
    from petitions.blueprints.reception.forms import DeskForm
    with app.test_request_context("/desk", method="POST", data={"title": "Đơn\x00"}):
        form = DeskForm(meta={"csrf": False})
        form.validate()
        assert any("ký tự điều khiển" in str(e) or "control" in str(e) for e in form.title.errors)


# --- HTML and script shown as text ---------------------------------------------------------

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_html_and_script_in_a_letter_are_shown_as_text(client, app, agencies, make_officer):
    body = valid_letter("complaint", agencies["commune_a"], title=f"Đơn {SCRIPT}",
                        content=f"Nội dung có mã độc {SCRIPT} cần hiện như chữ.")
    made = client.post("/api/v1/cases", json=body).get_json()
    r = client.submit("/track", {"code": made["tracking_code"], "key": made["access_key"]})
    html = r.get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html and "<script>alert" not in html
    assert "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    make_officer("reader", ["reception"], agencies["agency_a"])
    client.login("reader")
    html = client.get(f"/officer/cases/{made['tracking_code']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html and "<script>alert" not in html


def test_no_template_marks_content_safe_or_turns_autoescape_off():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\|\s*safe\b|autoescape\s+false", text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_no_inline_script_or_style_in_templates():
    """The CSP allows no inline script, event handler or style attribute."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)", r"\son(?:click|load|error|change|submit|input|focus|blur|mouse[a-z]+|key[a-z]+)\s*=", r"\sstyle\s*=", r"<style",
                        r"javascript:"):
            if re.search(pattern, text, re.I):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {pattern}")
    assert offenders == []


# --- attachments by content ------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"PE\x00\x00"


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>Đơn khiếu nại</w:document>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("name, data, words", [
    ("anh-chup.jpg", PDF, "không đúng với loại tệp"),
    ("quyet-dinh.pdf", EXE, "không phải"),
    ("trong.pdf", b"", "không có nội dung"),
    ("don.docx", docx({"word/bomb.xml": b"0" * (30 * 1024 * 1024)}), "giải nén"),
    ("hong.docx", b"PK\x03\x04" + b"\x00" * 100, "không phải"),
])
def test_attachments_are_judged_by_their_content(client, app, agencies, name, data, words):
    fields = form_fields(valid_letter("complaint", agencies["commune_a"]))
    fields["attachments"] = [(io.BytesIO(data), name)]
    r = client.submit("/file/complaint", fields, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and name in html and words in html, html[html.find("errors"):][:400]
    assert count_cases(app) == 0


def test_zip_bomb_is_judged_by_what_unpacks_even_when_the_directory_lies(app):
    from petitions.services.uploads import UploadError, check_upload
    bomb = docx({"word/bomb.xml": b"0" * (30 * 1024 * 1024)})
    assert len(bomb) < 100_000  # a small file...
    with app.app_context():
        with pytest.raises(UploadError):
            check_upload("don.docx", bomb, 10 * 1024 * 1024)  # ...that unpacks to 30 MB
        # a lying directory: declared sizes patched down to 1 byte
        lying = bytearray(bomb)
        for sig in (b"PK\x03\x04", b"PK\x01\x02"):
            start = 0
            while (i := lying.find(sig, start)) != -1:
                off = 22 if sig == b"PK\x03\x04" else 24
                name_len_off = 26 if sig == b"PK\x03\x04" else 28
                name_len = int.from_bytes(lying[i + name_len_off:i + name_len_off + 2], "little")
                name_at = i + (30 if sig == b"PK\x03\x04" else 46)
                if bytes(lying[name_at:name_at + name_len]) == b"word/bomb.xml":
                    lying[i + off:i + off + 4] = (1).to_bytes(4, "little")
                start = i + 4
        with pytest.raises(UploadError):
            check_upload("don.docx", bytes(lying), 10 * 1024 * 1024)
        ok = check_upload("don.docx", docx(), 10 * 1024 * 1024)
        assert ok.mime_type.endswith("wordprocessingml.document")


def test_downloads_are_served_as_attachments_with_safe_headers(client, app, agencies, make_officer):
    fields = form_fields(valid_letter("complaint", agencies["commune_a"]))
    fields["attachments"] = [(io.BytesIO(PDF), "Quyết định thu hồi.pdf")]
    assert client.submit("/file/complaint", fields, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        code, attachment_id = case.tracking_code, case.attachments[0].id
    make_officer("reader", ["reception"], agencies["agency_a"])
    client.login("reader")
    token = client.csrf(f"/officer/cases/{code}")
    r = client.post(f"/officer/attachments/{attachment_id}", data={"csrf_token": token})
    assert r.status_code == 200, r.status_code
    assert r.data == PDF
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Quy%E1%BA%BFt" in disposition
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    assert r.headers["Content-Type"].startswith("application/pdf")


# --- security headers on every kind of response ----------------------------------------------

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'self'; frame-ancestors 'none'; form-action 'self'")


def assert_headers(r, where):
    h = r.headers
    assert h.get("Content-Security-Policy") == CSP, (where, h.get("Content-Security-Policy"))
    assert h.get("X-Frame-Options") == "DENY", where
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert h.get("Referrer-Policy") == "same-origin", where
    assert "camera=()" in h.get("Permissions-Policy", ""), where
    assert "Strict-Transport-Security" not in h, f"{where}: no HSTS outside production"


def test_security_headers_on_every_kind_of_response(client, app, agencies, monkeypatch):
    made = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"]))
    assert_headers(made, "API 201")
    made = made.get_json()
    assert_headers(client.get("/"), "page")
    assert_headers(client.get("/file/complaint"), "form")
    assert_headers(client.get("/no-such-page"), "404 page")
    assert_headers(client.post("/file/complaint", data={}), "400 CSRF error")
    assert_headers(client.get("/lang/en"), "redirect")
    assert_headers(client.get("/static/app.css"), "static file")
    assert_headers(client.get("/api/v1/openapi.json"), "API document")
    assert_headers(client.post("/api/v1/cases", json={}), "API 422")
    lookup = client.get(f"/api/v1/cases/{made['tracking_code']}", headers={"X-Access-Key": made["access_key"]})
    assert_headers(lookup, "API 200")
    assert lookup.headers["Cache-Control"] == "no-store", "an answer read with an access key is never cached"
    assert_headers(client.get("/api/v1/cases/XXXXXXXXXX", headers={"X-Access-Key": "x"}), "API 404")
    assert_headers(client.get("/api/v1/officer/cases"), "API 401")
    monkeypatch.setitem(app.config, "RATELIMIT_LOOKUP", "1 per hour")
    assert_headers(client.get("/api/v1/cases/XXXXXXXXXX", headers={"X-Access-Key": "x"}), "API 429")
    assert_headers(client.submit("/track", {"code": "X", "key": "Y"}), "429 page")


def test_hsts_only_in_production(app):
    from petitions import create_app
    prod = create_app({"ENV": "production", "TRUSTED_PROXIES": 0, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "SECRET_KEY": "x" * 40, "REDIS_URL": app.config["REDIS_URL"],
                       "RATELIMIT_STORAGE_PREFIX": app.config["RATELIMIT_STORAGE_PREFIX"] + "-prod",
                       "IDENTITY_KEYS": app.config["IDENTITY_KEYS"],
                       "IDENTITY_INDEX_KEY": app.config["IDENTITY_INDEX_KEY"]})
    r = prod.test_client().get("/privacy")
    assert r.status_code == 200
    assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert r.headers["Content-Security-Policy"] == CSP


# --- a real browser with the CSP -------------------------------------------------------------

from tests.test_browser import page, server  # noqa: E402,F401  (the Playwright harness)


@pytest.mark.browser
def test_pages_raise_no_csp_violation_in_chromium(server, page, app, agencies, make_officer, tmp_path):  # noqa: F811
    messages = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    page.goto(server + "/")
    page.goto(server + "/file/complaint")
    box = page.locator("#website").bounding_box()
    assert box is None or box["x"] + box["width"] < 0, "the honeypot is moved out of sight by the style sheet"
    page.fill("#title", "Khiếu nại quyết định thu hồi đất")
    page.fill("#respondent", "Quyết định số 15/QĐ-UBND ngày 02/10/2026")
    page.fill("#content", "Gia đình tôi không đồng ý với mức bồi thường khi thu hồi đất nông nghiệp.")
    page.select_option("#commune_code", agencies["commune_a"])
    page.fill("#petitioner-full_name", "Nguyễn Thị Hoa")
    page.fill("#petitioner-id_number", "040123456789")
    page.fill("#petitioner-address", "Xóm 3")
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.wait_for_url("**/receipt")
    # the print button works through app.js (no inline handler)
    page.evaluate("window.__printed = 0; window.print = () => { window.__printed += 1; }; null")
    page.locator("[data-action='print']").click()
    assert page.evaluate("window.__printed") == 1
    code = page.get_by_test_id("tracking-code").inner_text().strip().replace("-", "")
    page.goto(server + "/privacy")
    make_officer("letan", ["reception"], agencies["agency_a"])
    page.goto(server + "/auth/login")
    page.fill("#username", "letan")
    page.fill("#password", "correct horse battery staple")
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    page.goto(server + "/officer/")
    assert code in page.content()
    page.goto(server + f"/officer/cases/{code}")
    assert "Khiếu nại quyết định thu hồi đất" in page.content()
    violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert violations == [], violations
    assert not [m for m in messages if m.startswith(("error", "pageerror"))], messages


# --- the API's query parameters on PostgreSQL too (the fuzz run uses SQLite) -----------------

def test_nul_and_control_characters_in_api_parameters_never_cause_a_server_error(client, app, agencies,
                                                                                   make_officer):
    from petitions.models import User
    from petitions.services.tokens import issue_token
    user_id = make_officer("thanhtra", ["inspector"], "TTR-TINH")
    with app.app_context():
        token = issue_token(db.session.get(User, user_id))
        db.session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    for bad in ("%00", "%1b", "%E2%80%AE", "%C0"):
        for url in (f"/api/v1/officer/cases?kind={bad}&status={bad}&commune={bad}",
                    f"/api/v1/officer/cases/{bad}", f"/api/v1/stats/target4?agency={bad}",
                    f"/api/v1/stats/target4?commune={bad}&kinds={bad}", f"/api/v1/cases/AB{bad}CD"):
            r = client.get(url, headers={**auth, "X-Access-Key": "x"})
            assert r.status_code < 500, (url, r.status_code)
    r = client.post("/api/v1/cases", data=b'{"title": "\\u0000"}', content_type="application/json")
    assert r.status_code == 422
    made = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()
    head_id = make_officer("truong", ["head"], agencies["agency_a"])
    with app.app_context():
        head = {"Authorization": f"Bearer {issue_token(db.session.get(User, head_id))}"}
        db.session.commit()
    r = client.post(f"/api/v1/cases/{made['tracking_code']}/events",
                    json={"event": "accept", "note": "ghi chú\x00"}, headers=head)
    assert r.status_code == 422 and "note" in r.get_json()["errors"], r.get_json()
    r = client.post(f"/api/v1/cases/{made['tracking_code']}/events", headers=head, content_type="application/json",
                    data='{"event": "accept", "note": "ghi chú@@"}'.encode().replace(b"@@", b"\xed\xa0\x80"))
    assert r.status_code == 422 and "note" in r.get_json()["errors"], r.get_json()  # a raw lone surrogate
    assert client.get("/officer/cases/AB%00CD").status_code in (302, 404)
    assert client.get("/track?code=%00").status_code == 400
    for page in ("9223372036854775807", "0", "-1", "x"):
        assert client.get(f"/api/v1/officer/cases?page={page}", headers=auth).status_code == 422, page
