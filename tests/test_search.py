"""Accent-insensitive search over cases, on both databases."""
from __future__ import annotations

from datetime import date

from petitions.services.search import fold

from .conftest import Client, valid_letter


def test_fold_removes_vietnamese_accents():
    assert fold("Nguyễn Văn Ánh  ĐỖ Thị Đào") == "nguyen van anh do thi dao"
    assert fold("khiếu nại đất đai") == "khieu nai dat dai"


def test_officer_finds_cases_without_typing_accents(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    app.config["TODAY"] = date(2026, 8, 3)
    petitioner = {"full_name": "Nguyễn Văn Ánh", "id_number": "040111222333", "address": "Xóm 1"}
    anh = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"], petitioner=petitioner,
                                                          title="Khiếu nại đất đai ở xóm Đông")).get_json()
    other = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()
    secret = client.post("/api/v1/cases", json=valid_letter("denunciation", agencies["commune_a"],
                                                            petitioner=petitioner)).get_json()
    desk = Client(app)
    desk.login("tiepdan")

    def found(q):
        page = desk.get("/officer/", query_string={"q": q}, follow_redirects=True).get_data(as_text=True)
        return {c["tracking_code"] for c in (anh, other, secret) if c["tracking_code"][:5] in page}

    assert found("nguyen van anh") == {anh["tracking_code"]}
    assert found("NGUYỄN văn ánh") == {anh["tracking_code"]}
    assert found("khieu nai dat dai") == {anh["tracking_code"]}
    assert found("040111222333") == {anh["tracking_code"]}  # a denouncer is never found by name or ID
    code = other["tracking_code"]
    assert found(f"{code[:5].lower()}-{code[5:]}") == {code}
