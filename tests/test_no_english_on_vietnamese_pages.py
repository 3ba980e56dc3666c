"""No English sentence reaches a Vietnamese page (issue 17).

Every page of the route walk (the pages tests/test_accessibility.py opens: every GET route
answering an HTML page, by anonymous when public, else by the first role the permission
table lets in), plus the states a page takes after an action (a form with its errors, a
receipt, a look-up's result, a failed sign-in), is fetched in Vietnamese; its visible text
(and what assistive technology reads: ``title``, ``aria-label``, ``placeholder``, ``alt``)
is scanned for common English words. Data the test itself typed is Vietnamese, so any
English word found was written by the application and missed the catalogue.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from .conftest import Client, valid_letter, form_fields
from .test_accessibility import _candidates
from .test_route_permissions import _build_world, _sign_in

# common English words that no Vietnamese sentence contains, matched as whole words. Words that are
# also Vietnamese without their marks are left out: "an" (an ninh), "in" (in trang này), "to", "no", "do".
ENGLISH = re.compile(
    r"\b(?:the|The|and|of|with|for|your|Your|this|This|is|are|was|were|has|have|been|from|by|or|not|Not|"
    r"on|at|will|must|may|can|should|Please|please|Submit|Send|Save|Cancel|Back|Next|Delete|"
    r"Edit|Search|Filter|Download|Sign|Source|Date|Name|Status|Yes|None|True|False|days?|working|due|"
    r"agency|case|cases|letter|letters|complaint|denunciation|petition|officer|report|total|none|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|June|July|"
    r"August|September|October|November|December|Year's|Day|Eve|"
    # WTForms' own label of a field given none (its name, title-cased): shown in the error summary
    r"Respondent|Petitioner|Signers)\b")
# words that are not English sentences on a Vietnamese page, each with its reason
ALLOWED = {
    # file formats and standards, written the same in Vietnamese
    "CSV", "PDF", "Word", "Excel", "XLSX", "DOCX", "OpenAPI", "API", "JSON", "TOTP", "QR", "SMTP", "Redis",
    "PostgreSQL", "ICU", "URL", "HTML", "WCAG", "ID",
}
SKIP_TAGS = {"script", "style", "template", "code", "pre", "kbd", "samp"}
READ_ATTRS = ("title", "aria-label", "placeholder", "alt")


class _Text(HTMLParser):
    """The text a reader sees or hears; <code>, <kbd> (codes, commands) are left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self._skip += 1
        values = dict(attrs)
        if not self._skip:
            self.parts.extend(v for k in READ_ATTRS if (v := values.get(k)))
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def english_in(html: str) -> list[str]:
    """The text pieces of ``html`` holding an English word, each with the words found."""
    parser = _Text()
    parser.feed(html)
    found = []
    for part in parser.parts:
        words = [w for w in ENGLISH.findall(part) if w not in ALLOWED]
        if words:
            found.append(f"{part[:120]!r} {sorted(set(words))}")
    return found


def _hidden(html: str) -> dict:
    """The form's hidden fields (its page stamp), as the browser sends them."""
    out = {}
    for tag in re.findall(r'<input[^>]*type="hidden"[^>]*>', html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrf_token":
            out[name.group(1)] = value.group(1) if value else ""
    return out


@pytest.fixture(scope="module")
def pages(app):
    """[(label, html)]: every page of the walk and the states after an action, in Vietnamese."""
    from petitions.extensions import db
    from petitions.models import AdminUnit
    from petitions.web import local_today
    with app.app_context():
        communes = list(db.session.scalars(db.select(AdminUnit).where(AdminUnit.level == "commune")
                                           .order_by(AdminUnit.code).limit(2)))
    agencies = {"commune_a": communes[0].code, "commune_b": communes[1].code,
                "agency_a": f"UBND-{communes[0].code}", "agency_b": f"UBND-{communes[1].code}"}
    anon = Client(app)
    world = _build_world(app, anon, agencies)
    clients = {"anonymous": anon}
    out = []
    for endpoint, tries in _candidates(app, world):
        for who, url in tries:
            if who not in clients:
                clients[who] = Client(app)
                _sign_in(clients[who], who)
            r = clients[who].http.get(url)
            if r.status_code == 200 and r.mimetype == "text/html":
                out.append((f"{url} ({endpoint}, {who})", r.get_data(as_text=True)))
                break
    # the states after an action
    saved = app.config["FORM_MIN_SECONDS"]
    app.config["FORM_MIN_SECONDS"] = 0
    try:
        for kind in ("complaint", "denunciation", "petition"):
            r = anon.submit(f"/file/{kind}", _hidden(anon.http.get(f"/file/{kind}").get_data(as_text=True)))
            out.append((f"/file/{kind} sent empty", r.get_data(as_text=True)))
        r = anon.submit("/file/complaint", {"kind": "petition"})  # a request the page cannot read: Werkzeug's 400
        assert r.status_code == 400
        out.append(("a request the page cannot read (400)", r.get_data(as_text=True)))
        letter = form_fields(valid_letter("complaint", agencies["commune_a"]))
        stamp = _hidden(anon.http.get("/file/complaint").get_data(as_text=True))
        r = anon.submit("/file/complaint", {**letter, **stamp, "petitioner-phone": "12", "content": "x" * 30000})
        out.append(("/file/complaint with a wrong phone and a long letter", r.get_data(as_text=True)))
        r = anon.submit("/file/complaint", {**letter, **stamp}, follow_redirects=True)
        out.append(("receipt", r.get_data(as_text=True)))
        filed = anon.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()
        r = anon.submit("/track", {"code": filed["tracking_code"], "key": filed["access_key"]}, follow_redirects=True)
        out.append(("/track result", r.get_data(as_text=True)))
        r = anon.submit("/track", {"code": filed["tracking_code"], "key": "AAAA-AAAA"}, follow_redirects=True)
        out.append(("/track failed", r.get_data(as_text=True)))
        r = Client(app).submit("/auth/login", {"username": "rp_head", "password": "wrong"}, follow_redirects=True)
        out.append(("sign-in failed", r.get_data(as_text=True)))
        # the desk's form sent without the matter complained about: the error summary names
        # the field as the page does (a field without a label was named "Respondent")
        desk = clients.get("reception")
        if desk is None:
            desk = clients["reception"] = Client(app)
            _sign_in(desk, "reception")
        r = desk.submit("/officer/desk", {**letter, "channel": "post", "received_on": local_today().isoformat(),
                                           "respondent": ""})
        assert r.status_code in (200, 422) and 'data-testid="error-summary"' in r.get_data(as_text=True)
        out.append(("/officer/desk sent without the matter complained about", r.get_data(as_text=True)))
        head = clients.get("head")
        r = head.submit(f"/officer/cases/{world['complaint']}/actions/accept", {"act_date": "2099-01-01"},
                        follow_redirects=True)
        out.append(("action with errors", r.get_data(as_text=True)))
        # a due date computed across the Lunar New Year: the explanation, the days not counted
        out.append(("deadline computed", anon.get("/deadline?step=complaint-resolution&start=2027-01-20&complex=y")
                    .get_data(as_text=True)))
    finally:
        app.config["FORM_MIN_SECONDS"] = saved
    return out


def test_the_walk_reaches_every_page_in_vietnamese(pages):
    assert len(pages) >= 60
    assert [label for label, html in pages if '<html lang="vi"' not in html] == []


def test_no_english_word_on_a_vietnamese_page(pages):
    leaks = {label: found for label, html in pages if (found := english_in(html))}
    assert not leaks, "\n".join(f"{label}:\n    " + "\n    ".join(found[:8]) for label, found in leaks.items())

