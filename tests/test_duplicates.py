"""Repeat letters: suggested on the case page, attached without a new deadline."""
from __future__ import annotations

import re
from datetime import date

from petitions.extensions import db
from petitions.models import Case, Deadline

from .conftest import Client, valid_letter


def test_repeat_letter_is_suggested_then_attached_without_a_new_deadline(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    app.config["TODAY"] = date(2026, 8, 3)
    first = client.post("/api/v1/cases", json=valid_letter(
        "petition", agencies["commune_a"], title="Kiến nghị sửa đường liên xóm bị sạt lở",
        content="Tuyến đường liên xóm Đông bị sạt lở nặng sau mưa lũ, học sinh đi lại nguy hiểm.")).get_json()
    other_person = {"full_name": "Lê Thị Hoa", "id_number": "040999888777", "address": "Xóm Đông"}
    again = client.post("/api/v1/cases", json=valid_letter(
        "petition", agencies["commune_a"], petitioner=other_person, title="kien nghi sua duong lien xom sat lo",
        content="Duong lien xom Dong sat lo nang sau mua lu, hoc sinh di lai nguy hiem.")).get_json()
    third = {"full_name": "Phan Văn Tú", "id_number": "040777666555", "address": "Xóm Nam"}
    unrelated = client.post("/api/v1/cases", json=valid_letter(
        "petition", agencies["commune_a"], petitioner=third, title="Phản ánh tiếng ồn karaoke",
        content="Quán karaoke hát đến nửa đêm làm mất trật tự khu dân cư.")).get_json()
    desk = Client(app)
    desk.login("tiepdan")
    app.config["TODAY"] = date(2026, 8, 5)
    page = desk.get(f"/officer/cases/{again['tracking_code']}").get_data(as_text=True)
    box = page.split('data-testid="duplicates"')[1].split("</section>")[0]
    assert first["tracking_code"][:5] in box and unrelated["tracking_code"][:5] not in box
    link = re.search(r'href="([^"]*/actions/attach\?case=[^"]+)"', box).group(1).replace("&amp;", "&")
    form = desk.get(link).get_data(as_text=True)
    assert first["tracking_code"] in form  # the open case's code is filled in
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    r = desk.submit(link, {"act_date": "2026-08-05", "version": version, "f_case": first["tracking_code"]})
    assert r.status_code == 302
    with app.app_context():
        repeat = db.session.scalar(db.select(Case).where(Case.tracking_code == again["tracking_code"]))
        assert repeat.status == "attached" and repeat.parent.tracking_code == first["tracking_code"]
        running = db.session.scalars(db.select(Deadline).join(Case)
                                     .where(Deadline.completed_on.is_(None))).all()
        assert {d.case.tracking_code for d in running} == {first["tracking_code"], unrelated["tracking_code"]}


def test_same_filer_is_shown_and_a_skipped_level_is_flagged(client, app, agencies, make_officer):
    make_officer("tiepdan.tinh", ["reception"], "BTCD-TINH")
    app.config["TODAY"] = date(2026, 8, 3)
    client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"]))
    to_province = client.post("/api/v1/cases", json=valid_letter(
        "complaint", agencies["commune_a"], agency_code="BTCD-TINH", title="Khiếu nại quyết định của xã")).get_json()
    desk = Client(app)
    desk.login("tiepdan.tinh")
    page = desk.get(f"/officer/cases/{to_province['tracking_code']}").get_data(as_text=True)
    assert 'data-testid="skipped-level"' in page and agencies["agency_a"] in page
    assert "đã gửi 1 đơn khác" in page
