"""The people features in a real browser (Chromium through Playwright), one session for all:
a desk officer registers a joint complaint of 12 signers by pasting a list, accepts it
choosing the representatives, records a withdrawal, and reads what each step did in the
history; a citizen rates a closed case on a phone and reads the head's answer to the review;
a voter petition shows its meetings; repeat letters; a session chaired on authority booked
on the duty calendar; the head's satisfaction rate; wide tables at 1280 px."""
from __future__ import annotations

import re
from datetime import date

from petitions.extensions import db
from petitions.models import Case, User

from .conftest import PASSWORD, valid_letter
from .test_browser import page, server  # noqa: F401  (the browser and the live server)

import pytest

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _sign_in(page, server, username):
    page.goto(server + "/auth/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r".*/(officer|voters)/.*"))


def _sign_out(page):
    page.locator("header form button[type=submit]").click()


def _user(username):
    return db.session.scalar(db.select(User).where(User.username == username))


def _case(code):
    return db.session.scalar(db.select(Case).where(Case.tracking_code == code.replace("-", "")))


def _walk(app, code, username, events, **fields):
    from petitions.services.workflow import apply_transition
    with app.app_context():
        for event in events:
            case = _case(code)
            apply_transition(case, event, _user(username), app.config["TODAY"], fields.get(event, {}),
                             today=app.config["TODAY"])
        db.session.commit()


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _tables_fit(page) -> list:
    """The tables wider than the box they are in (cut off, to be scrolled sideways)."""
    return page.evaluate("Array.from(document.querySelectorAll('table')).filter(t => t.scrollWidth > "
                         "(t.closest('.overflow') || t.parentElement).clientWidth + 1)"
                         ".map(t => t.getAttribute('data-testid') || t.className)")


def test_people_features_in_the_browser(server, page, app, client, agencies, make_officer):  # noqa: F811
    make_officer("chutich", ["reception", "head"], agencies["agency_a"])
    make_officer("thuly", ["handler"], agencies["agency_a"])
    make_officer("chutich.tinh", ["head"], "UBND-TINH")
    app.config["TODAY"] = date(2026, 8, 3)
    page.set_viewport_size(DESKTOP)

    # -- 1. a joint complaint of 12 signers, 5 representatives, entered by pasting a list --------
    _sign_in(page, server, "chutich")
    page.goto(server + "/officer/desk?kind=complaint")
    page.fill("#title", "Khiếu nại quyết định thu hồi đất của 12 hộ")
    page.fill("#respondent", "Quyết định số 15/QĐ-UBND ngày 02/7/2026")
    page.fill("#content", "Các hộ chúng tôi không đồng ý với mức bồi thường khi thu hồi đất nông nghiệp.")
    page.fill("#petitioner-full_name", "Nguyễn Văn Đầu")
    page.fill("#petitioner-id_number", "040123456700")
    page.fill("#petitioner-address", "Xóm 1, xã Hưng Lộc")
    page.locator("details.signers > summary").click()
    page.check("#petitioner_representative")
    # "Add 5 rows" works in the page (signers.js; without the script the server adds them)
    url = page.url
    page.get_by_role("button", name="Thêm 5 dòng").click()
    assert page.get_by_test_id("signer-row").count() == 5 and page.url == url
    page.fill("#co_signers-0-full_name", "Người ký 01")
    page.fill("#co_signers-0-id_number", "040123456701")
    page.fill("#co_signers-0-address", "Xóm 1, xã Hưng Lộc")
    page.check("#co_signers-0-representative")
    pasted = "\n".join(f"Người ký {i:02d}\t0401 2345 67{i:02d}\tXóm {i}, xã Hưng Lộc" + ("\tx" if i <= 4 else "")
                       for i in range(2, 12))
    page.fill("#signers_paste", pasted)
    page.get_by_role("button", name="Đưa danh sách vào bảng").click()
    rows = page.get_by_test_id("signer-row")
    assert rows.count() == 11
    assert "12 người ký" in page.locator("details.signers > summary").inner_text()
    assert rows.last.locator("input").nth(1).input_value() == "040123456711"  # spaces gone
    page.get_by_role("button", name="Vào sổ", exact=True).click()
    page.wait_for_url("**/receipt")
    code = page.get_by_test_id("tracking-code").inner_text().strip().replace("-", "")

    # -- 2. accepted, the representatives chosen among the signers, within the limit ----------
    page.goto(server + f"/officer/cases/{code}")
    assert "12 người ký, 12 người chưa rút đơn; 5 người đại diện." in page.get_by_test_id("signers-summary").inner_text()
    page.goto(server + f"/officer/cases/{code}/actions/accept")
    assert "12 người ký: được cử tối đa 5 người đại diện." in page.content()
    page.check("input[name=f_representatives] >> nth=5")  # a sixth one: over the limit
    page.select_option("#f_all_signed", "yes")
    page.get_by_role("button", name="Xác nhận").click()
    assert "Đơn có 12 người cùng ký chỉ được cử tối đa 5 người đại diện." in page.content()
    boxes = page.locator("input[name=f_representatives]")
    for i in range(boxes.count()):
        boxes.nth(i).set_checked(i in (0, 2, 4, 6, 8))  # the filer, Người ký 02, 04, 06, 08
    page.select_option("#f_all_signed", "yes")
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(f"**/officer/cases/{code}")
    assert "5 người đại diện" in page.get_by_test_id("signers-summary").inner_text()
    accept = page.get_by_test_id("event-detail").last.inner_text()
    assert "Nguyễn Văn Đầu, Người ký 02, Người ký 04, Người ký 06, Người ký 08" in accept

    # -- 3. the first filer and one co-signer withdraw: one table, one line a signer ------------
    table = page.get_by_test_id("withdrawals")
    assert table.get_by_test_id("signer").count() == 12
    table.get_by_label("Nguyễn Văn Đầu đã rút đơn").check()
    table.get_by_label("Người ký 05 đã rút đơn").check()
    page.fill("#withdrawn_on", "2026-08-03")
    page.get_by_role("button", name="Ghi nhận việc rút đơn của những người đã đánh dấu").click()
    page.wait_for_url(f"**/officer/cases/{code}")
    assert "12 người ký, 10 người chưa rút đơn; 4 người đại diện." in page.get_by_test_id("signers-summary").inner_text()
    history = page.locator("ol.timeline").inner_text()
    assert "Nguyễn Văn Đầu, Người ký 05" in history and "Số người ký còn lại" in history

    # -- 5. the history says what each step did: the answer's text, the body forwarded to ------
    petition = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()
    _walk(app, petition["tracking_code"], "chutich", ["accept", "answer", "close"],
          answer={"answer": "Xã đã lắp 12 bóng đèn trên tuyến đường."})
    page.goto(server + f"/officer/cases/{petition['tracking_code']}")
    history = page.locator("ol.timeline").inner_text()
    assert "Xã đã lắp 12 bóng đèn trên tuyến đường." in history
    assert "Đã trả lời → Đã trả lời" not in history

    # -- 7. repeat letters: archiving as "already finally decided" only against a decision in force
    again = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()
    page.goto(server + f"/officer/cases/{again['tracking_code']}")
    decided = page.locator(f'[data-testid=duplicate][data-code="{petition["tracking_code"]}"]')
    assert "Lưu đơn: đã giải quyết có hiệu lực, không có nội dung mới" in decided.inner_text()
    other = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()
    _walk(app, other["tracking_code"], "chutich", ["attach"], attach={"case": again["tracking_code"]})
    page.goto(server + f"/officer/cases/{client.post('/api/v1/cases', json=valid_letter('petition', agencies['commune_a'])).get_json()['tracking_code']}")
    attached = page.locator(f'[data-testid=duplicate][data-code="{other["tracking_code"]}"]')
    assert attached.count() == 1 and attached.get_by_test_id("archive-decided").count() == 0

    # -- 8. a session chaired by a deputy on the head's authority, booked on the duty calendar --
    page.goto(server + "/engage/sessions/new")
    page.select_option("#chair", label="Thuly (theo ủy quyền)")
    page.select_option("#authorised_by", label="Chutich")
    page.fill("#authorisation", "Giấy ủy quyền số 07/GUQ ngày 01/8/2026")
    page.fill("#held_on", "2026-08-06")
    page.get_by_role("button", name="Lưu phiên tiếp").click()
    assert "theo ủy quyền của Chutich (Giấy ủy quyền số 07/GUQ ngày 01/8/2026)" in page.get_by_test_id("chair").inner_text()
    page.goto(server + f"/engage/agencies/{agencies['agency_a']}/duty?year=2026&month=8")
    head = page.locator('[data-testid=duty-head][data-head="chutich"]')
    assert "đã đặt lịch 06/08/2026" in head.inner_text()

    # -- 4. the citizen rates on a phone, then reads the head's answer to the review ------------
    _sign_out(page)
    page.set_viewport_size(PHONE)
    page.goto(server + f"/track?code={petition['tracking_code']}")
    page.fill("#key", petition["access_key"])
    page.get_by_role("button", name="Xem").click()
    page.check("input[name=outcome][value='2']")
    page.check("input[name=service][value='3']")
    page.get_by_role("button", name="Gửi đánh giá").click()
    mine = page.get_by_test_id("my-rating").inner_text()
    assert "Kết quả 2/5, thái độ phục vụ 3/5" in mine
    assert "Hạn trả lời: 17/08/2026." in page.get_by_test_id("review-pending").inner_text()
    # the head answers on the case page
    page.set_viewport_size(DESKTOP)
    _sign_in(page, server, "chutich")
    page.goto(server + f"/officer/cases/{petition['tracking_code']}")
    page.fill("#answer", "Đã kiểm tra lại: xã lắp thêm 3 bóng đèn ở đoạn gần trường học.")
    page.get_by_role("button", name="Gửi trả lời").click()
    # 9. the head's dashboard writes the satisfaction rate with a comma, like every other rate
    page.goto(server + "/inspect/")
    assert page.get_by_test_id("satisfaction-rate").inner_text().strip() == "0,0%"
    # 9. wide tables fit at 1280 px
    page.set_viewport_size({"width": 1280, "height": 900})
    for url in ("/officer/", f"/officer/cases/{code}", f"/engage/agencies/{agencies['agency_a']}/duty?year=2026"):
        page.goto(server + url)
        assert _no_horizontal_scroll(page), url
        assert _tables_fit(page) == [], url
    _sign_out(page)
    page.set_viewport_size(PHONE)
    page.goto(server + f"/track?code={petition['tracking_code']}")
    page.fill("#key", petition["access_key"])
    page.get_by_role("button", name="Xem").click()
    assert page.get_by_test_id("review-answer").inner_text() == \
        "Đã kiểm tra lại: xã lắp thêm 3 bóng đèn ở đoạn gần trường học."
    assert "Đã kiểm tra lại: xã lắp thêm 3 bóng đèn" in page.locator("ol.timeline").inner_text()

    # -- 6. a voter petition shows its meetings, the deputies and the Front; no receipt ---------
    from petitions.services import voters
    with app.app_context():
        tinh = _user("chutich.tinh")
        codes = []
        for place in ("Nhà văn hóa khối 3, phường Vinh Tân", "Hội trường xã Hưng Lộc"):
            meeting = voters.create_meeting(voters.MeetingData(
                held_on=date(2026, 7, 20), place=place, deputies="Tổ đại biểu HĐND tỉnh số 4: Lê Văn Cử",
                front_committee="Ủy ban MTTQ phường Vinh Tân", council_session="Kỳ họp thứ 5, HĐND tỉnh khóa XVIII"),
                tinh)
            cases = voters.add_petitions(meeting, [voters.RawRow(1, {
                "content": "Đề nghị sửa chữa tuyến đường liên xã bị xuống cấp nghiêm trọng.", "topic": "Giao thông"})],
                tinh)
            codes.append(cases[0].tracking_code)
        db.session.commit()
    app.config["TODAY"] = date(2026, 8, 4)
    _walk(app, codes[1], "chutich.tinh", ["attach"], attach={"case": codes[0]})
    _sign_in(page, server, "chutich.tinh")
    page.set_viewport_size(DESKTOP)
    page.goto(server + f"/officer/cases/{codes[0]}")
    source = page.get_by_test_id("voter-source").inner_text()
    assert "Nguồn: kiến nghị của cử tri" in source and "Tổ đại biểu HĐND tỉnh số 4: Lê Văn Cử" in source
    assert "Ủy ban MTTQ phường Vinh Tân" in source and "Hội trường xã Hưng Lộc" in source
    assert "Kiến nghị này được nêu tại 2 buổi tiếp xúc." in source
    assert "Gửi không ghi tên" not in page.content() and page.get_by_test_id("issue-receipt").count() == 0
    assert "Vào sổ từ buổi tiếp xúc cử tri" in page.locator("ol.timeline").inner_text()
    # 9. the voter pages' wide tables fit at 1280 px too
    page.set_viewport_size({"width": 1280, "height": 900})
    from urllib.parse import quote
    with app.app_context():
        meeting_id = _case(codes[0]).voter_meeting_id
    for url in (f"/voters/meetings/{meeting_id}", "/voters/sessions/report?session=" + quote("Kỳ họp thứ 5, HĐND tỉnh khóa XVIII"),
                "/voters/", "/inspect/", "/inspect/overdue", f"/engage/agencies/UBND-TINH"):
        page.goto(server + url)
        assert _no_horizontal_scroll(page), url
        assert _tables_fit(page) == [], url
