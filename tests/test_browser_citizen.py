"""A citizen signs in with VNeID in a real browser (Chromium through Playwright), against the
local OpenID Connect provider of the tests: they see the two letters filed earlier under their
ID number, one with the public form and one at a reception desk by an officer, open one
without its access key, choose SMS for their notices, and sign out at both ends."""
from __future__ import annotations

import re

import pytest

from petitions.extensions import db
from petitions.models import AuditLog, CitizenSession, Party

from .oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from .test_browser import page, server  # noqa: F401  (the browser and the live server)
from .test_browser_people import _sign_in, _sign_out

pytestmark = pytest.mark.browser
HOA = "040190001234"


def test_citizen_signs_in_with_vneid_sees_both_letters_and_chooses_sms(server, page, app, agencies,  # noqa: F811
                                                                       make_officer):
    provider = Provider().start()
    provider.citizen = {"sub": "vneid-0001", "citizen_id": HOA, "name": "Nguyễn Thị Hoa"}
    app.config.update(VNEID_ISSUER=provider.issuer, VNEID_CLIENT_ID=CLIENT_ID, VNEID_CLIENT_SECRET=CLIENT_SECRET)
    try:
        # -- earlier: a complaint by the public form, typed by hand ----------------------------
        page.goto(server + "/file/complaint")
        page.fill("#title", "Khiếu nại quyết định thu hồi đất")
        page.fill("#respondent", "Quyết định số 15/QĐ-UBND ngày 02/10/2026")
        page.fill("#content", "Gia đình tôi không đồng ý với mức bồi thường khi thu hồi đất nông nghiệp.")
        page.select_option("#commune_code", agencies["commune_a"])
        page.fill("#petitioner-full_name", "Nguyễn Thị Hoa")
        page.fill("#petitioner-id_number", HOA)
        page.fill("#petitioner-phone", "0912345678")
        page.fill("#petitioner-address", "Xóm 3")
        page.get_by_role("button", name="Gửi", exact=True).click()
        page.wait_for_url("**/receipt")
        web = page.get_by_test_id("tracking-code").inner_text().strip()

        # -- earlier: a petition registered at the desk by a reception officer -----------------
        make_officer("tiepdan", ["reception"], agencies["agency_a"])
        _sign_in(page, server, "tiepdan")
        page.goto(server + "/officer/desk?kind=petition")
        page.fill("#title", "Kiến nghị sửa đường liên xóm")
        page.fill("#content", "Đường liên xóm hư hỏng nặng, đề nghị xã sửa chữa trước mùa mưa.")
        page.fill("#petitioner-full_name", "Nguyễn Thị Hoa")
        page.fill("#petitioner-id_number", HOA)
        page.fill("#petitioner-phone", "0912345678")
        page.fill("#petitioner-address", "Xóm 3")
        page.get_by_role("button", name="Vào sổ", exact=True).click()
        page.wait_for_url("**/receipt")
        desk = page.get_by_test_id("tracking-code").inner_text().strip()
        _sign_out(page)

        # -- the citizen signs in with VNeID ---------------------------------------------------
        page.goto(server + "/")
        page.get_by_test_id("vneid-sign-in").click()
        page.wait_for_url("**/citizen/")
        assert "Nguyễn Thị Hoa" in page.get_by_test_id("citizen-name").inner_text()
        rows = page.get_by_test_id("my-letter")
        assert rows.count() == 2
        listed = page.get_by_test_id("my-letters").inner_text()
        assert web in listed and desk in listed
        assert "Kiến nghị sửa đường liên xóm" in listed and "Khiếu nại quyết định thu hồi đất" in listed

        # one letter opened without its key
        page.get_by_role("link", name=desk).click()
        page.wait_for_url(f"**/citizen/letters/{desk.replace('-', '')}")
        assert page.get_by_test_id("status").is_visible()
        assert "Kiến nghị sửa đường liên xóm" in page.content()
        page.get_by_role("link", name="Quay lại danh sách đơn của tôi").click()

        # SMS chosen: refused without consent, recorded with it
        notices = page.get_by_test_id("notices")
        notices.get_by_label("Qua tin nhắn SMS", exact=True).check()
        notices.get_by_role("button", name="Lưu lựa chọn").click()
        assert "Đánh dấu vào ô để đồng ý" in page.content()
        notices = page.get_by_test_id("notices")
        notices.get_by_label("Qua tin nhắn SMS", exact=True).check()
        notices.get_by_label(re.compile("Tôi đồng ý nhận tin ngắn")).check()
        notices.get_by_role("button", name="Lưu lựa chọn").click()
        assert "Đã ghi nhận lựa chọn của bạn cho 2 đơn." in page.get_by_test_id("notices-saved").inner_text()
        with app.app_context():
            filers = db.session.scalars(db.select(Party).where(Party.role == "petitioner")).all()
            assert {p.notify_channel for p in filers} == {"sms"} and all(p.notify_consent_at for p in filers)
            assert db.session.scalar(db.select(db.func.count()).select_from(AuditLog)
                                     .where(AuditLog.action == "choose_notices")) == 2

        # -- sign-out: here and at the provider ---------------------------------------------------
        page.get_by_role("button", name="Đăng xuất khỏi VNeID").click()
        page.wait_for_url("**/citizen/signed-out*")
        assert page.get_by_test_id("citizen-signed-out").is_visible()
        assert len(provider.ended) == 1 and provider.ended[0]["id_token_hint"]
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(CitizenSession)) == 0
    finally:
        app.config.update(VNEID_ISSUER="", VNEID_CLIENT_ID="", VNEID_CLIENT_SECRET="")
        provider.stop()
