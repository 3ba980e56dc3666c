"""Joint letters entered in the browser's forms (without JavaScript: the test client posts
what a browser posts): signers in rows, a pasted list, a sheet; representatives limited."""
from __future__ import annotations

import io
import re
import re
from datetime import date

from petitions.extensions import db
from petitions.models import Case

from .conftest import valid_letter, form_fields


def _signers_text(n: int, representatives: int = 0) -> str:
    return "\n".join(f"Người ký {i:02d}; 0401{i:08d}; Xóm {i}, xã Hưng Lộc" + ("; x" if i < representatives else "")
                     for i in range(n))


def _case(app, code):
    with app.app_context():
        return db.session.scalar(db.select(Case).where(Case.tracking_code == code))


def test_public_form_takes_a_pasted_list_then_files_the_joint_complaint(client, app, agencies):
    body = form_fields(valid_letter("complaint", agencies["commune_a"]))
    token = client.csrf("/file/complaint")
    page = client.post("/file/complaint", data={**body, "csrf_token": token,
                                                "signers_paste": _signers_text(6, 1), "signers_load": "1"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('data-testid="signer-row"') == 6
    assert 'value="Người ký 05"' in html and 'value="040100000005"' in html
    # the rows come back as fields: send them with the letter
    rows = {}
    for i in range(6):
        rows[f"co_signers-{i}-full_name"] = f"Người ký {i:02d}"
        rows[f"co_signers-{i}-id_number"] = f"0401234567{i:02d}"
        rows[f"co_signers-{i}-address"] = f"Xóm {i}"
    rows["co_signers-0-representative"] = "y"
    rows["co_signers-1-representative"] = "y"
    rows["co_signers-2-representative"] = "y"
    page = client.post("/file/complaint", data={**body, **rows, "csrf_token": token})
    assert page.status_code == 422
    assert "Đơn có 7 người cùng ký chỉ được cử tối đa 2 người đại diện." in page.get_data(as_text=True)
    del rows["co_signers-2-representative"]
    page = client.post("/file/complaint", data={**body, **rows, "csrf_token": token})
    assert page.status_code == 302, page.get_data(as_text=True)[:3000]


def test_desk_imports_a_sheet_adds_rows_and_drops_the_blank_ones(client, app, agencies, make_officer):
    from openpyxl import Workbook
    from .conftest import Client
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    desk = Client(app)
    desk.login("tiepdan")
    body = form_fields(valid_letter("complaint", agencies["commune_a"]))
    body.update({"channel": "desk", "received_on": date.today().isoformat()})
    token = desk.csrf("/officer/desk")
    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Số CCCD", "Địa chỉ", "Đại diện"])
    for i in range(1, 5):
        ws.append([i, f"Trần Thị {i}", 40123456780 + i, f"Xóm {i}", "x" if i == 1 else None])  # a number column
    out = io.BytesIO()
    wb.save(out)
    page = desk.post("/officer/desk", data={**body, "csrf_token": token, "signers_load": "1",
                                            "signers_file": (io.BytesIO(out.getvalue()), "nguoi-ky.xlsx")},
                     content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert html.count('data-testid="signer-row"') == 4
    assert 'value="Trần Thị 4"' in html and 'value="040123456784"' in html  # the lost leading zero back
    page = desk.post("/officer/desk", data={**body, "csrf_token": token, "signers_more": "1",
                                            "co_signers-0-full_name": "Trần Thị 1"}, content_type="multipart/form-data")
    assert page.get_data(as_text=True).count('data-testid="signer-row"') == 6  # the row typed and 5 empty
    bad = desk.post("/officer/desk", data={**body, "csrf_token": token, "signers_load": "1",
                                           "signers_file": (io.BytesIO(b"x"), "nguoi-ky.pdf")},
                    content_type="multipart/form-data")
    assert "Hãy nhập bảng tính Excel (.xlsx) hoặc tệp CSV (.csv)." in bad.get_data(as_text=True)
    # registered: the empty rows are not signers; each signer needs an ID number and an address
    rows = {"co_signers-0-full_name": "Trần Thị 1", "co_signers-0-id_number": "040123456781",
            "co_signers-0-address": "Xóm 1", "co_signers-1-full_name": "", "co_signers-2-full_name": "Lê Văn 2"}
    page = desk.post("/officer/desk", data={**body, **rows, "csrf_token": token}, content_type="multipart/form-data")
    assert page.status_code == 422, re.findall(r"<ul class=\"errors\".*?</ul>|alert bad[^<]*<", page.get_data(as_text=True))
    assert page.get_data(as_text=True).count("Trường này là bắt buộc.") >= 2
    rows.update({"co_signers-2-id_number": "040123456782", "co_signers-2-address": "Xóm 2"})
    page = desk.post("/officer/desk", data={**body, **rows, "csrf_token": token}, content_type="multipart/form-data")
    assert page.status_code == 302
    with app.app_context():
        case = db.session.scalars(db.select(Case).order_by(Case.id.desc())).first()
        assert [p.full_name for p in case.parties] == ["Nguyễn Văn An", "Trần Thị 1", "Lê Văn 2"]
        assert not case.is_mass


def test_a_joint_complaint_of_300_signers_is_filed_from_a_pasted_list(client, app, agencies):
    import time
    body = form_fields(valid_letter("complaint", agencies["commune_a"]))
    token = client.csrf("/file/complaint")
    started = time.perf_counter()
    page = client.post("/file/complaint", data={**body, "csrf_token": token,
                                                "signers_paste": _signers_text(299, 5), "signers_load": "1"})
    html = page.get_data(as_text=True)
    assert html.count('data-testid="signer-row"') == 299 and "300 người ký" in html
    rows = dict(re.findall(r'name="(co_signers-\d+-(?:full_name|id_number|address))"[^>]*value="([^"]*)"', html))
    ticked = [re.search(r'name="([^"]+)"', tag).group(1) for tag in re.findall(r'<input[^>]*\bchecked\b[^>]*>', html)]
    ticked = [name for name in ticked if name.endswith("-representative")]  # not the notices' choice
    assert len(ticked) == 5  # the x of the pasted list
    rows.update({name: "y" for name in ticked})
    page = client.post("/file/complaint", data={**body, **rows, "csrf_token": token})
    elapsed = time.perf_counter() - started
    assert page.status_code == 302, re.findall(r'class="errors"><li>([^<]*)', page.get_data(as_text=True))[:3]
    with app.app_context():
        case = db.session.scalars(db.select(Case).order_by(Case.id.desc())).first()
        assert case.is_mass and len(case.parties) == 300
        assert sum(p.representative for p in case.parties) == 5
    assert elapsed < 30  # both requests, 300 signers encrypted (0.3 s on this machine)
