"""Joint letters entered in the browser's forms (without JavaScript: the test client posts
what a browser posts): signers in rows, a pasted list, a sheet; representatives limited."""
from __future__ import annotations

import io
import re
from datetime import date

from petitions.extensions import db
from petitions.models import Case

from .conftest import valid_letter, form_fields


def _signers_text(n: int, representatives: int = 0) -> str:
    return "\n".join(f"Người ký {i:02d}; 0401234567{i:02d}; Xóm {i}, xã Hưng Lộc" + ("; x" if i < representatives else "")
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
    assert 'value="Người ký 05"' in html and 'value="040123456705"' in html
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
