"""A citizen files a complaint in a real browser (Debian's Chromium through Playwright)."""
from __future__ import annotations

import os
import re
import threading

import pytest
from werkzeug.serving import make_server

from petitions.extensions import db
from petitions.models import Case

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def server(app):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")  # a phone
        yield context.new_page()
        context.close()
        browser.close()


def test_citizen_files_a_complaint_on_a_phone_and_follows_it(server, page, app, agencies, tmp_path):
    page.goto(server + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_role("link", name=re.compile("Gửi đơn khiếu nại", re.I)).click()
    page.fill("#title", "Khiếu nại quyết định thu hồi đất")
    page.fill("#respondent", "Quyết định số 15/QĐ-UBND ngày 02/10/2026")
    page.fill("#content", "Gia đình tôi không đồng ý với mức bồi thường khi thu hồi đất nông nghiệp.")
    page.select_option("#commune_code", agencies["commune_a"])
    page.fill("#petitioner-full_name", "Nguyễn Thị Hoa")
    page.fill("#petitioner-id_number", "04012345678")  # 11 digits: refused, nothing lost
    page.fill("#petitioner-address", "Xóm 3")
    page.get_by_role("button", name="Gửi", exact=True).click()
    assert "12 chữ số" in page.content()
    assert page.input_value("#content").startswith("Gia đình tôi")
    page.fill("#petitioner-id_number", "040123456789")
    pdf = tmp_path / "quyet-dinh.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.set_input_files("#attachments", str(pdf))
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.wait_for_url("**/receipt")
    page.screenshot(path=str(tmp_path / "receipt.png"), full_page=True)
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    key = page.get_by_test_id("access-key").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", code) and re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", key)
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", page.get_by_test_id("due-on").inner_text().strip())
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code.replace("-", "")))
        assert case.title == "Khiếu nại quyết định thu hồi đất" and len(case.attachments) == 1
        assert page.get_by_test_id("received-on").inner_text().strip() == case.received_on.strftime("%d/%m/%Y")

    page.get_by_role("link", name="Theo dõi đơn của tôi").last.click()
    page.fill("#key", key)
    page.get_by_role("button", name="Xem").click()
    assert "Khiếu nại quyết định thu hồi đất" in page.content()
    assert "Nguyễn Thị Hoa" not in page.content()


def test_inspector_reads_the_dashboard_and_anyone_the_statistics(server, page, app, client, agencies,
                                                                 make_officer, tmp_path):
    from datetime import date

    from .conftest import PASSWORD, valid_letter
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    app.config["TODAY"] = date(2026, 8, 3)
    for _ in range(3):
        client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"]))
    app.config["TODAY"] = date(2026, 11, 27)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server + "/statistics")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Nguyễn Văn An" not in page.content()
    page.goto(server + "/auth/login")
    page.fill("#username", "thanhtra")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    from .conftest import browser_second_step
    browser_second_step(page, app, "thanhtra")  # an inspector types the code of the authenticator app
    page.goto(server + "/inspect/")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    received = page.locator('a.figure[data-figure="letters_received"]').inner_text().strip()
    overdue = page.locator('a.figure[data-figure="letters_open_overdue"]').inner_text().strip()
    assert (received, overdue) == ("3", "3")
    assert page.locator("svg").count() >= 3  # the charts, drawn by the server
    page.locator('a.figure[data-figure="letters_open_overdue"]').click()
    assert page.locator("table.list tbody tr").count() == 3
