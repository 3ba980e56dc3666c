"""Filing each kind of letter on the public pages and reading its status back."""
from __future__ import annotations

import io
import re

import pytest

from petitions.extensions import db
from petitions.models import Attachment, Case, CaseEvent, Deadline, Party

from .conftest import form_fields, valid_letter

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def receipt_codes(html: str) -> tuple[str, str]:
    code = re.search(r'data-testid="tracking-code">([^<]+)<', html).group(1)
    key = re.search(r'data-testid="access-key">([^<]+)<', html).group(1)
    return code, key


@pytest.mark.parametrize("kind", ["complaint", "denunciation", "petition"])
def test_file_case_each_kind_gives_receipt_and_status(client, app, agencies, kind):
    body = form_fields(valid_letter(kind, agencies["commune_a"]))
    body["attachments"] = (io.BytesIO(PDF), "giay-to.pdf")
    r = client.submit(f"/file/{kind}", body, content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200, r.get_data(as_text=True)[:2000]
    html = r.get_data(as_text=True)
    code, key = receipt_codes(html)
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", code)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", key)
    assert 'data-testid="due-on"' in html

    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.tracking_code == code.replace("-", "")))
        assert case.kind == kind and case.status == "received" and case.channel == "web"
        assert case.agency.code == agencies["agency_a"]
        assert case.petitioner.id_number == "040123456789"
        assert [a.mime_type for a in case.attachments] == ["application/pdf"]
        assert len(case.attachments[0].sha256) == 64
        assert [e.event for e in case.events] == ["receive"]
        steps = {"complaint": {"letter-handling", "complaint-acceptance"},
                 "denunciation": {"letter-handling", "denunciation-processing"},
                 "petition": {"letter-handling"}}[kind]
        assert {d.step for d in case.deadlines} == steps
        assert all(d.due_on > case.received_on and d.completed_on is None for d in case.deadlines)

    # the receipt is shown once: the key does not stay in the session cookie
    again = client.get("/receipt")
    assert again.status_code == 302 and again.headers["Location"].endswith("/track")
    # the status page with code and key shows the public history
    r = client.submit("/track", {"code": code.lower(), "key": key})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Đơn thử nghiệm" in page
    assert "040123456789" not in page and "Nguyễn Văn An" not in page


def test_receipt_not_shown_to_another_browser(client, app, agencies):
    client.submit("/file/petition", form_fields(valid_letter("petition", agencies["commune_a"])))
    other = type(client)(app)
    r = other.get("/receipt")
    assert r.status_code == 302 and r.headers["Location"].endswith("/track")


@pytest.mark.parametrize("change, field, message", [
    ({"petitioner-full_name": ""}, "petitioner-full_name", "Trường này là bắt buộc"),
    ({"petitioner-id_number": "04012345678"}, "petitioner-id_number", "12 chữ số"),
    ({"respondent": ""}, "respondent", "quyết định hoặc hành vi"),
    ({"commune_code": "99999"}, "commune_code", "Không có xã"),
])
def test_file_case_bad_input_is_explained_and_stores_nothing(client, app, agencies, change, field, message):
    body = form_fields(valid_letter("complaint", agencies["commune_a"]))
    body.update(change)
    r = client.submit("/file/complaint", body)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in html, html[:3000]
    # what the citizen typed is still in the form
    assert "Nội dung đơn đủ dài" in html
    assert count(app, Case) == 0 and count(app, Party) == 0


def test_anonymous_only_for_petitions(client, app, agencies):
    body = form_fields(valid_letter("denunciation", agencies["commune_a"], anonymous=True))
    r = client.submit("/file/denunciation", body)
    assert r.status_code == 422
    assert "Chỉ kiến nghị, phản ánh mới được gửi không ghi tên" in r.get_data(as_text=True)
    body = {k: v for k, v in form_fields(valid_letter("petition", agencies["commune_a"], anonymous=True)).items()
            if not k.startswith("petitioner-")}
    r = client.submit("/file/petition", body)
    assert r.status_code == 302
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        assert case.is_anonymous and case.parties == []


def test_denunciation_requires_pledge(client, app, agencies):
    body = form_fields(valid_letter("denunciation", agencies["commune_a"]))
    del body["pledge"]
    r = client.submit("/file/denunciation", body)
    assert r.status_code == 422 and count(app, Case) == 0


def test_disguised_executable_is_refused(client, app, agencies):
    body = form_fields(valid_letter("complaint", agencies["commune_a"]))
    body["attachments"] = (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 2000), "quyet-dinh.pdf")
    r = client.submit("/file/complaint", body, content_type="multipart/form-data")
    assert r.status_code == 422
    assert "không phải là tệp PDF" in r.get_data(as_text=True)
    assert count(app, Case) == 0 and count(app, Attachment) == 0


def test_renamed_file_is_refused(client, app, agencies):
    body = form_fields(valid_letter("complaint", agencies["commune_a"]))
    body["attachments"] = (io.BytesIO(PDF), "anh.jpg")
    r = client.submit("/file/complaint", body, content_type="multipart/form-data")
    assert r.status_code == 422 and count(app, Case) == 0


def test_30_mb_attachment_is_refused_with_a_clear_message(client, app, agencies):
    body = form_fields(valid_letter("complaint", agencies["commune_a"]))
    body["attachments"] = (io.BytesIO(PDF + b"0" * (30 * 1024 * 1024)), "ho-so.pdf")
    r = client.submit("/file/complaint", body, content_type="multipart/form-data")
    assert r.status_code == 413
    assert "Không có gì được lưu" in r.get_data(as_text=True)
    assert count(app, Case) == 0 and count(app, Attachment) == 0


def test_file_over_per_file_limit_is_refused(client, app, agencies):
    body = form_fields(valid_letter("complaint", agencies["commune_a"]))
    body["attachments"] = (io.BytesIO(PDF + b"0" * (11 * 1024 * 1024)), "ho-so.pdf")
    r = client.submit("/file/complaint", body, content_type="multipart/form-data")
    assert r.status_code == 422 and "lớn hơn 10 MB" in r.get_data(as_text=True)
    assert count(app, Case) == 0


def test_missing_csrf_token_is_refused(client, app, agencies):
    body = form_fields(valid_letter("complaint", agencies["commune_a"]))
    r = client.post("/file/complaint", data=body)
    assert r.status_code == 400
    assert "Không có gì được lưu" in r.get_data(as_text=True)
    assert count(app, Case) == 0


def test_wrong_access_key_shows_nothing(client, app, agencies):
    r = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"]))
    code = r.get_json()["tracking_code"]
    r = client.submit("/track", {"code": code, "key": "AAAA-AAAA"})
    assert r.status_code == 404
    page = r.get_data(as_text=True)
    assert "Đơn thử nghiệm" not in page and "Không tìm thấy" in page


def test_landing_page_is_vietnamese_and_explains_the_kinds(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in html
    for text in ("Khiếu nại", "Tố cáo", "Kiến nghị, phản ánh"):
        assert text in html
    assert "/file/complaint" in html and "/file/denunciation" in html and "/file/petition" in html


def test_language_switch_to_english(client):
    r = client.get("/lang/en", headers={"Referer": "http://localhost/"})
    assert r.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Complaint" in html


def test_case_event_log_is_append_only(app, client, agencies):
    client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"]))
    with app.app_context():
        event = db.session.scalar(db.select(CaseEvent))
        event.note = "changed"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        assert count(app, Deadline) == 1
