"""What a new user stumbles on (issue 17), seen in a real browser: one test per item of the
issue, each at 390 px (a phone) and 1366 px (a desktop), in Vietnamese and in English,
asserting the fixed text and the layout (element widths, no sideways scroll, the labels).

One Chromium and one live server for the module (the fixtures of tests/test_accessibility.py);
each test opens a fresh context at its width, switches the language with the page's own
VI/EN link target (/lang/<code>), and builds its few letters through the API. The server
side of the same items is tests/test_first_impressions.py.

Screenshots: with ``SCREENSHOTS=<folder>`` set, each page visited is saved there as
``issue17-<page>-<lang>-<width>.png`` (the viewport, not the whole page).
``python scripts/screenshots.py`` runs this module with SCREENSHOTS=docs/screenshots;
a plain test run writes nothing.
"""
from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from petitions.extensions import db
from petitions.models import AdminUnit, AuditLog, Case, Notification, User

from .conftest import Client, valid_letter
from .test_accessibility import _sign_in_browser, browser, server  # noqa: F401  (one browser, one server)

pytestmark = pytest.mark.browser
VIEWS = [("vi", 390), ("vi", 1366), ("en", 390), ("en", 1366)]
HEIGHT = {390: 844, 1366: 900}
SHOTS = os.environ.get("SCREENSHOTS")
DMY = re.compile(r"\d\d/\d\d/\d{4}")


class View:
    """A browser tab at one width in one language."""

    def __init__(self, page, server, lang, width):
        self.page, self.server, self.lang, self.width = page, server, lang, width

    def t(self, vi: str, en: str) -> str:
        return vi if self.lang == "vi" else en

    def go(self, path: str):
        self.page.goto(self.server + path)
        return self.page

    def fits(self) -> None:
        """No sideways scroll of the page itself."""
        sizes = self.page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
        assert sizes[0] <= sizes[1], f"{self.page.url} is {sizes[0]} px wide at {sizes[1]} px"

    def inside(self, locator) -> None:
        """The element is shown and lies within the screen's width."""
        box = locator.bounding_box()
        assert box and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= self.width + 0.5, \
            (locator, box, self.width)

    def one_line(self, locator) -> None:
        lines = locator.evaluate("e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)")
        assert lines < 1.5, f"{locator} takes {lines:.1f} lines at {self.width} px"

    def text(self) -> str:
        return self.page.locator("main").inner_text()

    def shot(self, name: str) -> None:
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(SHOTS) / f"issue17-{name}-{self.lang}-{self.width}.png"))


@pytest.fixture(params=VIEWS, ids=[f"{lang}-{w}" for lang, w in VIEWS])
def view(request, browser, server, app):  # noqa: F811
    lang, width = request.param
    saved, human = app.config["FORM_MIN_SECONDS"], app.config["HUMAN_CHECK"]
    app.config["FORM_MIN_SECONDS"] = 0  # the test fills forms faster than a person (item 9 sets its own)
    app.config["TODAY"] = date(2026, 8, 3)
    context = browser.new_context(viewport={"width": width, "height": HEIGHT[width]}, locale="vi-VN")
    page = context.new_page()
    v = View(page, server, lang, width)
    v.session = Client(app)
    v.session.get(f"/lang/{lang}")  # the language link's own route, followed in-process
    _carry_session(v)
    yield v
    context.close()
    app.config.update(FORM_MIN_SECONDS=saved, HUMAN_CHECK=human)


def _ward(app) -> AdminUnit:
    with app.app_context():
        return db.session.scalars(db.select(AdminUnit).where(AdminUnit.level == "commune",
                                                             AdminUnit.name.like("Phường %"))
                                  .order_by(AdminUnit.code)).first()


def _file_petition(v: View, commune: str, phone: str = "", email: str = "") -> None:
    """A citizen fills the petition form and sends it: the receipt is shown."""
    page = v.go("/file/petition")
    page.fill("#title", "Đề nghị sửa đường liên xóm")
    page.fill("#content", "Đường liên xóm hỏng nặng sau mưa lũ, đề nghị xã sửa sớm.")
    page.select_option("#commune_code", commune)
    page.fill("#petitioner-full_name", "Trần Thị Bình")
    page.fill("#petitioner-address", "Xóm 2")
    if phone:
        page.fill("#petitioner-phone", phone)
    if email:
        page.fill("#petitioner-email", email)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/receipt")


def _carry_session(v: View) -> None:
    """The session cookie of ``v.session`` (a Flask client on the same app) into the browser."""
    cookie = v.session.http.get_cookie("session")
    v.page.context.clear_cookies()
    v.page.context.add_cookies([{"name": "session", "value": cookie.value, "url": v.server}])


def _officer(v: View, app, make_officer, username, roles, agency) -> None:
    """Signed in, with the second step when the role has one. The browser's sign-in form is
    tested by tests/test_accessibility.py and test_browser_people.py; here the session is made
    by the same routes in-process (a second the test, each time) and carried into the browser."""
    make_officer(username, roles, agency)
    assert v.session.login(username).status_code == 302
    _carry_session(v)


# -- 1. the receipt labels the due date "Hạn xử lý" ---------------------------------------------

def test_1_receipt_names_the_due_date(view, app, agencies):
    _file_petition(view, agencies["commune_a"])
    page = view.page
    label, due = page.get_by_test_id("due-on-label"), page.get_by_test_id("due-on")
    assert label.inner_text() == view.t("Hạn xử lý", "Handling due by")
    assert DMY.fullmatch(due.inner_text().strip())
    assert abs(label.bounding_box()["y"] - due.bounding_box()["y"]) < 4  # beside it, on the same line
    assert view.t("Cơ quan xử lý: " + due.inner_text().strip(), "Handled by: ") not in view.text()
    view.inside(due)
    view.one_line(page.get_by_test_id("tracking-code"))
    view.fits()
    view.shot("receipt")


# -- 2. "how this date was computed" in the reader's language --------------------------------------

def test_2_deadline_explanation_in_the_readers_language(view, app, client, agencies, make_officer):
    page = view.go("/deadline?step=complaint-acceptance&start=2027-02-01")
    result = page.get_by_test_id("deadline-result").inner_text()
    skipped = page.get_by_test_id("skipped-days").inner_text()
    assert DMY.fullmatch(page.get_by_test_id("due-date").inner_text().strip())
    assert not re.search(r"\d{4}-\d\d-\d\d", result)  # no ISO date
    if view.lang == "vi":
        assert "Giao thừa Tết Nguyên đán" in skipped and "Mùng ba Tết Nguyên đán" in skipped
        for english in ("Not counted", "Source:", "Lunar New Year", "working days", "Sunday", "Letter handling"):
            assert english not in result, english
        assert "Căn cứ" in result and "ngày làm việc" in result
    else:
        assert "Lunar New Year's Eve" in skipped and "Không tính" not in result
    unofficial = view.t("bản sao không chính thức", "unofficial copy")
    assert view.text().count(unofficial) <= 1  # said once, in the note of what is read from which text
    assert page.get_by_test_id("texts-note").is_visible()
    view.inside(page.get_by_test_id("explanation"))
    view.fits()
    view.shot("deadline")
    # the officer's case page: the same explanation, written when shown
    code = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()[
        "tracking_code"]
    _officer(view, app, make_officer, "chutich", ["head"], agencies["agency_a"])
    page = view.go(f"/officer/cases/{code}")
    details = page.locator("details", has_text=view.t("Cách tính hạn này", "How this date was computed")).first
    details.locator("summary").click()
    text = details.inner_text()
    assert DMY.search(text) and not re.search(r"\d{4}-\d\d-\d\d", text)
    if view.lang == "vi":
        assert "Căn cứ:" in text and "Source:" not in text and "working days" not in text
    view.fits()
    view.shot("case-deadline")


# -- 3. exports reachable where their data is shown -------------------------------------------------

def test_3_exports_are_linked_from_the_dashboard_and_the_overdue_list(view, app, agencies, make_officer):
    _officer(view, app, make_officer, "thanhtra", ["inspector"], "TTR-TINH")
    page = view.go("/inspect/")
    for testid, vi, en in (("export-report", "Báo cáo", "Report"), ("export-xlsx", "Excel", "Excel")):
        link = page.get_by_test_id(testid)
        assert view.t(vi, en).lower() in link.inner_text().lower()
        view.inside(link)
    assert page.get_by_test_id("exports-link").count() == 1  # in the menu
    view.fits()
    view.shot("dashboard-exports")
    page = view.go("/inspect/overdue")
    link = page.get_by_test_id("export-csv")
    assert "CSV" in link.inner_text()
    view.inside(link)
    view.fits()
    view.shot("overdue")


# -- 4. a long letter: a counter, the limit named, nothing cut -------------------------------------

def test_4_long_letter_shows_a_counter_and_names_the_limit(view, app):
    page = view.go("/file/complaint")
    hint = page.locator("#content-hint").inner_text()
    assert view.t("20.000 ký tự", "20,000 characters") in hint and "PDF" in hint
    letter = ("Gia đình tôi đề nghị xem xét lại quyết định thu hồi đất. " * 400)[:20100]
    page.fill("#content", letter)
    counter = page.get_by_test_id("content-counter")
    assert counter.is_visible()
    said = counter.inner_text()
    assert view.t("20.100/20.000 ký tự", "20,100 of 20,000 characters") in said
    assert view.t("quá dài", "too long") in said
    assert page.input_value("#content") == letter  # no maxlength: nothing cut
    view.inside(counter)
    view.inside(page.locator("#content"))
    view.fits()
    counter.scroll_into_view_if_needed()
    view.shot("long-letter")


# -- 5. phone numbers with spaces ------------------------------------------------------------------

def test_5_phone_number_with_spaces_is_accepted(view, app, agencies):
    phone = "0912 345 678" if view.width == 390 else "+84 912 345 678"
    _file_petition(view, agencies["commune_a"], phone=phone)
    code = view.page.get_by_test_id("tracking-code").inner_text().strip().replace("-", "")
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code))
        assert case.parties[0].phone == "0912345678"
    view.fits()


# -- 6. Vietnamese order in the commune list --------------------------------------------------------

def test_6_communes_are_in_vietnamese_order(view, app):
    page = view.go("/file/complaint")
    names = page.eval_on_selector_all("#commune_code option", "os => os.filter(o => o.value).map(o => o.textContent.trim())")
    bare = [n.split(" ", 1)[1] for n in names]  # "Xã Bạch Hà" -> "Bạch Hà"
    assert bare.index("Bạch Hà") < bare.index("Bích Hào") < min(i for i, n in enumerate(bare) if n.startswith("Bình"))
    firsts = [n[0] for n in bare]
    last_d, last_dd = (max(i for i, f in enumerate(firsts) if f == letter) for letter in ("D", "Đ"))
    assert last_d < firsts.index("Đ") and firsts[last_dd + 1] not in "ABCDĐ"  # "Đ…" after "D…", before what follows
    view.inside(page.locator("#commune_code"))
    view.fits()
    page.locator("#commune_code").scroll_into_view_if_needed()
    view.shot("communes")


# -- 7. "Ủy ban nhân dân phường ..." ----------------------------------------------------------------

def test_7_commune_committee_named_in_lower_case(view, app, agencies):
    ward = _ward(app)
    _file_petition(view, ward.code)
    received_by = view.page.locator("dl.facts dd", has_text="Ủy ban nhân dân").first.inner_text()
    assert re.fullmatch(r"Ủy ban nhân dân phường [A-ZĐÂĂÊÔƠƯ]\S*( \S+)*", received_by.strip()), received_by
    assert "Ủy ban nhân dân Phường" not in view.text()
    view.fits()
    view.shot("receipt-ward")


# -- 8. no raw codes on screen -----------------------------------------------------------------------

def test_8_no_raw_codes_in_administration_audit_and_alerts(view, app, agencies, make_officer):
    make_officer("thanhtra", ["inspector", "admin"], "TTR-TINH")
    _officer(view, app, make_officer, "quantri", ["admin"], "UBND-TINH")
    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.username == "quantri"))
        db.session.add(AuditLog(action="send_digests", object_type="digest", object_id="2026-08-03",
                                details={"mails": 3}))
        db.session.add(AuditLog(user_id=admin.id, action="create_user", object_type="user", object_id="7",
                                details={"username": "thuly", "roles": ["handler"]}))
        db.session.add(Notification(user_id=admin.id, email="a@example.org", kind="overdue", status="sent",
                                    attempts=1, subject="[Quá hạn] ABCDE-12345: Xử lý đơn — hạn 12/08/2026", body=""))
        db.session.commit()
    page = view.go("/admin/users")
    text = view.text()
    assert "inspector,admin" not in text and "inspector, admin" not in text
    assert view.t("Thanh tra viên (Thanh tra tỉnh), Quản trị viên", "Inspector") in text
    view.fits()
    view.shot("admin-users")
    page = view.go("/admin/audit")
    text = view.text()
    for code in ("send_digests", "create_user", '["handler"]', "issue_document"):
        assert code not in text, code
    assert view.t("Cán bộ thụ lý", "Case handler") in text
    view.fits()
    view.shot("audit")
    page = view.go("/officer/notifications")
    row = page.locator("tr", has_text="ABCDE-12345").first.inner_text()
    assert "[Quá hạn]" not in row and row.count("Quá hạn") + row.count("Overdue") == 1
    view.fits()


# -- 9. every error in one round ----------------------------------------------------------------------

def test_9_sent_too_fast_reports_every_error_at_once(view, app, agencies):
    app.config.update(FORM_MIN_SECONDS=60, HUMAN_CHECK=True)  # whoever sends within a minute is "too fast"
    page = view.go("/file/complaint")
    page.fill("#respondent", "Quyết định số 15/QĐ-UBND")
    page.fill("#content", "Gia đình tôi không đồng ý với mức bồi thường khi thu hồi đất nông nghiệp.")
    page.select_option("#commune_code", agencies["commune_a"])
    page.fill("#petitioner-full_name", "Nguyễn Thị Hoa")
    page.fill("#petitioner-id_number", "040123456789")
    page.fill("#petitioner-address", "Xóm 3")
    page.fill("#petitioner-phone", "12")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.count() == 1
    text = summary.inner_text()
    assert view.t("quá nhanh", "too quickly") in text
    links = summary.locator("a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == ["#title", "#petitioner-phone"]
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.input_value("#content").startswith("Gia đình tôi")
    view.inside(summary)
    view.fits()
    view.shot("errors")


# -- 10. the public statistics on a phone --------------------------------------------------------------

def test_10_statistics_page_is_short_and_searchable(view, app, client, agencies):
    for commune in (agencies["commune_a"], agencies["commune_b"], agencies["commune_a"]):
        assert client.post("/api/v1/cases", json=valid_letter("complaint", commune)).status_code == 201
    page = view.go("/statistics?year=2026")
    height = page.evaluate("document.scrollingElement.scrollHeight")
    assert height < (4000 if view.width == 390 else 2500), height
    assert page.locator(".stat-bar").first.is_visible()  # the province's charts
    assert view.t("Đơn", "Letters") in page.get_by_test_id("province").inner_text()
    view.inside(page.get_by_test_id("province"))
    view.fits()
    view.shot("statistics")
    with app.app_context():
        name = db.session.scalar(db.select(AdminUnit.name).where(AdminUnit.code == agencies["commune_a"]))
    page.fill("#q", name.split(" ", 1)[1])
    page.locator("form.stat-filters button[type=submit]").click()
    page.wait_for_load_state()
    shown = page.get_by_test_id("agencies").locator("h3").all_inner_texts()
    assert shown and all(name.split(" ", 1)[1] in h for h in shown)
    page.fill("#q", "không có cơ quan này")
    page.locator("form.stat-filters button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("no-agency").is_visible()
    view.fits()


# -- 11. the dashboard's first screen ------------------------------------------------------------------

def test_11_dashboard_code_on_one_line_and_no_stretched_card(view, app, client, agencies, make_officer):
    client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"]))
    _officer(view, app, make_officer, "chutich", ["head"], agencies["agency_a"])
    page = view.go("/officer/")
    code = page.locator("td.code a").first
    view.one_line(code)
    view.fits()
    code.scroll_into_view_if_needed()
    view.shot("queue")
    page = view.go("/inspect/")
    card = page.get_by_test_id("satisfaction")
    assert card.bounding_box()["height"] < 140  # a line of its own, not a box stretched beside another
    view.inside(card)
    view.fits()
    view.shot("dashboard")


# -- 12. who does what: the next step named, the expected action first ----------------------------------

def test_12_actions_in_the_order_the_law_expects(view, app, client, agencies, make_officer):
    code = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()[
        "tracking_code"]
    make_officer("chutich", ["head"], agencies["agency_a"])
    _officer(view, app, make_officer, "tiepdan", ["reception"], agencies["agency_a"])
    page = view.go(f"/officer/cases/{code}")
    note = page.get_by_test_id("next-step-note")
    assert view.t("Thủ trưởng cơ quan", "The head of the agency") in note.inner_text()
    assert page.locator("a.btn[data-event]:not(.secondary)").count() == 0  # guiding is not what comes next
    view.inside(note)
    view.fits()
    view.shot("case-reception")
    page.locator("header form button[type=submit]").click()
    _sign_in_browser(page, view.server, app, "chutich")
    page = view.go(f"/officer/cases/{code}")
    buttons = page.locator("a.btn[data-event]")
    assert buttons.first.get_attribute("data-event") == "accept" and "secondary" not in buttons.first.get_attribute("class")
    assert view.t("Thụ lý", "Accept") in buttons.first.inner_text()
    view.inside(buttons.first)
    view.fits()


# -- 13. a mail at filing ---------------------------------------------------------------------------------

def test_13_filer_gets_the_receipt_by_mail_at_once(view, app, agencies, smtp, run_worker):
    _file_petition(view, agencies["commune_a"], email="binh@example.org")
    code = view.page.get_by_test_id("tracking-code").inner_text().strip()
    key = view.page.get_by_test_id("access-key").inner_text().strip()
    due = view.page.get_by_test_id("due-on").inner_text().strip()
    run_worker()
    (mail,) = smtp.messages
    assert mail["to"] == ["binh@example.org"] and code in mail["subject"]
    assert due in mail["body"] and key not in mail["body"] and key.replace("-", "") not in mail["body"]
    view.fits()
