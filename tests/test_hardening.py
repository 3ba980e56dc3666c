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
