"""Official documents: generated from real cases walked through the workflow, numbered from
the agency's register without gaps even when issued at once, stored with their hash,
re-issued as new versions, pseudonymised for the accused, served only to who may see them."""
from __future__ import annotations

import hashlib
import io
import re
import threading
from datetime import date

import pytest
from docx import Document
from pypdf import PdfReader

from petitions.extensions import db
from petitions.models import (AuditLog, Case, CaseEvent, DocumentTemplate, IdentityAccess, IssuedDocument, User)
from petitions.services import documents as docs
from petitions.services.documents.dates import date_in_words, document_number, place_and_date
from petitions.services.documents.render import docx_text
from petitions.services.workflow import apply_transition

from .conftest import Client, valid_letter

NAME, ID_NO, PHONE = "Nguyễn Văn An", "040123456789", "0912345678"
ISSUED = date(2026, 2, 5)  # a day below 10 and a month below 3: both take a leading zero
ISSUED_WORDS = "ngày 05 tháng 02 năm 2026"


# -- the Vietnamese administrative date (pure) ----------------------------------------------

@pytest.mark.parametrize("day, words", [
    (date(2026, 11, 25), "ngày 25 tháng 11 năm 2026"),
    (date(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),
    (date(2026, 2, 10), "ngày 10 tháng 02 năm 2026"),
    (date(2026, 3, 9), "ngày 09 tháng 3 năm 2026"),   # months from 3 on: no leading zero
    (date(2026, 12, 31), "ngày 31 tháng 12 năm 2026"),
])
def test_date_in_words_follows_nd_30_2020(day, words):
    assert date_in_words(day) == words


def test_place_and_date_and_document_number():
    assert place_and_date("Nghệ An", date(2026, 11, 25)) == "Nghệ An, ngày 25 tháng 11 năm 2026"
    assert [document_number(n) for n in (1, 9, 10, 15, 120)] == ["01", "09", "10", "15", "120"]
    with pytest.raises(ValueError):
        document_number(0)


# -- helpers ---------------------------------------------------------------------------------

def _file(client, app, agencies, kind, day="2026-01-05", **extra) -> str:
    app.config["TODAY"] = date.fromisoformat(day)
    r = client.post("/api/v1/cases", json=valid_letter(kind, agencies["commune_a"], **extra))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["tracking_code"]


def _user(name) -> User:
    return db.session.scalar(db.select(User).where(User.username == name))


def _case(code) -> Case:
    return db.session.scalar(db.select(Case).where(Case.tracking_code == code))


def _act(code, event, day, user="chutich", **fields) -> CaseEvent:
    case = _case(code)
    record = apply_transition(case, event, _user(user), date.fromisoformat(day), fields, today=ISSUED)
    db.session.commit()
    return record


def _event(code, name) -> CaseEvent:
    case = _case(code)
    return [e for e in case.events if e.event == name][-1]


def _issue(code, event_name, kind, recipient="filer", text=None, user="chutich") -> IssuedDocument:
    doc = docs.issue_document(kind, case=_case(code), event=_event(code, event_name), recipient=recipient,
                              user=_user(user), today=ISSUED, signer_name="Trần Văn Chủ Tịch", text=text)
    db.session.commit()
    return doc


def _bytes(doc: IssuedDocument, pdf=False) -> bytes:
    return docs.read_document(doc.pdf_name if pdf else doc.docx_name)


def _words(data: bytes) -> str:
    """Every paragraph of a DOCX, tables included, as python-docx reads it."""
    d = Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def _edit_docx(data: bytes, old: str, new: str) -> bytes:
    """What an administrator does in Word: change a text of the document."""
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "word/document.xml":
                assert old.encode() in content
                content = content.replace(old.encode(), new.encode(), 1)
            dst.writestr(item, content)
    return out.getvalue()


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def officers(agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("thuly", ["handler"], agencies["agency_a"])
    make_officer("khac", ["head"], agencies["agency_b"])
    return agencies


# -- every document, for real cases -----------------------------------------------------------

def test_complaint_documents_carry_number_date_names_and_citation(client, app, officers):
    code = _file(client, app, officers, "complaint")
    with app.app_context():
        _act(code, "accept", "2026-01-06")
        _act(code, "start_verification", "2026-01-07")
        _act(code, "suspend", "2026-01-08", reason="Chờ kết quả giám định của cơ quan chuyên môn")
        _act(code, "resume", "2026-01-20")
        _act(code, "decide", "2026-02-02", outcome="amend", decision_no="12/QĐ-UBND")
        plan = [
            ("receive", "receipt", "GBN", None, "Thông tư số 05/2021/TT-TTCP"),
            ("receive", "accept_proposal", "PĐX", None, "Thông tư số 05/2021/TT-TTCP"),
            ("accept", "acceptance_notice", "TB", None, "Điều 16 Nghị định số 124/2020/NĐ-CP"),
            ("suspend", "suspension_decision", "QĐ", None, "Nghị định số 124/2020/NĐ-CP"),
            ("resume", "resumption_decision", "QĐ", None, "Nghị định số 124/2020/NĐ-CP"),
            ("decide", "decision_notice", "TB", "Sửa một phần Quyết định số 12.\n\nGiao phòng chuyên môn thực hiện.",
             "Điều 31 và Điều 32 Luật Khiếu nại"),
        ]
        issued = []
        for event_name, kind, abbr, text, citation in plan:
            recipient = "head" if kind == "accept_proposal" else "filer"
            doc = _issue(code, event_name, kind, recipient=recipient, text=text)
            issued.append(doc)
            words = _words(_bytes(doc))
            assert doc.symbol == f"{document_number(doc.number)}/{abbr}-UBND"
            assert f"Số: {doc.symbol}" in words, kind
            assert ISSUED_WORDS in words, kind
            assert NAME in words, kind
            assert citation in words, kind
            assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in words and "Độc lập - Tự do - Hạnh phúc" in words
            assert "ỦY BAN NHÂN DÂN" in words and "Nơi nhận:" in words
            assert doc.docx_sha256 == hashlib.sha256(_bytes(doc)).hexdigest()
            assert doc.event_id == _event(code, event_name).id and doc.variant == "full"
        # one register for the agency's year: 01, 02, 03 ... in issuing order
        assert [d.number for d in issued] == list(range(1, len(plan) + 1))
        assert issued[0].symbol == "01/GBN-UBND"
        # the notice of acceptance gives the resolution's time limit that acceptance started
        started = _event(code, "accept").data["deadlines"]["started"]
        due = date.fromisoformat(next(s["due"] for s in started if s["step"] == "complaint-resolution"))
        assert f"đến {date_in_words(due)}" in _words(_bytes(issued[2]))
        # Ông or Bà from the citizen ID number: its fourth digit, 1, is a woman born in the 1900s
        assert "Kính gửi: Bà Nguyễn Văn An." in _words(_bytes(issued[2]))
        words = _words(_bytes(issued[3]))
        assert "Chờ kết quả giám định của cơ quan chuyên môn" in words  # the recorded reason
        assert "ngày 08 tháng 01 năm 2026" in words                     # the act, in words
        decision = _words(_bytes(issued[5]))
        assert "Giao phòng chuyên môn thực hiện." in decision and "12/QĐ-UBND" in decision
        # the PDF is made from the same DOCX: same number, same date, the Vietnamese text intact
        assert docs.make_pdf(issued[2])
        db.session.commit()
        pdf = _pdf_text(_bytes(issued[2], pdf=True))
        assert issued[2].symbol in pdf and "thụ lý giải quyết khiếu nại" in pdf
        assert re.search(r"ngày\s+05\s+tháng\s+02\s+năm\s+2026", pdf)
        # the issuing is on the case's record and in the audit log
        assert db.session.scalar(db.select(db.func.count()).select_from(CaseEvent).where(
            CaseEvent.event == "issue_document")) == len(plan)
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditLog).where(
            AuditLog.action == "issue_document")) == len(plan)


def test_refusal_forwarding_guidance_and_extension_documents(client, app, officers):
    refused = _file(client, app, officers, "complaint")
    guided = _file(client, app, officers, "complaint")
    forwarded = _file(client, app, officers, "petition")
    denounced = _file(client, app, officers, "denunciation")
    with app.app_context():
        _act(refused, "refuse", "2026-01-06", reason="filing_period_passed")
        _act(guided, "guide", "2026-01-06", user="tiepdan", agency="SO-XD")
        _act(forwarded, "forward", "2026-01-06", user="tiepdan", agency="SO-TC")
        _act(denounced, "accept", "2026-01-06")
        _act(denounced, "start_verification", "2026-01-07")
        _act(denounced, "extend", "2026-02-02", complexity="complex", decision_no="3/QĐ-UBND")
        refusal = _words(_bytes(_issue(refused, "refuse", "refusal_notice")))
        with app.test_request_context():
            from flask_babel import force_locale
            from petitions import labels
            with force_locale("vi"):
                reason_vi = labels.tr("The 90-day filing period has passed without a valid reason")
        assert reason_vi in refusal and "Điều 11 Luật Khiếu nại" in refusal
        guidance = _words(_bytes(_issue(guided, "guide", "guidance")))
        assert "Sở Xây dựng" in guidance and "PHIẾU HƯỚNG DẪN" in guidance
        slip = _issue(forwarded, "forward", "forwarding_slip", recipient="competent_body")
        words = _words(_bytes(slip))
        assert "PHIẾU CHUYỂN ĐƠN" in words and "Sở Tài chính" in words and slip.symbol.endswith("/PC-UBND")
        ext = _issue(denounced, "extend", "extension_decision")
        words = _words(_bytes(ext))
        due = next(d.due_on for d in _case(denounced).deadlines
                   if d.step == "denunciation-resolution" and d.completed_on is None)
        assert date_in_words(due) in words and "Điều 30 Luật Tố cáo" in words and NAME in words
        # complaint events do not produce denunciation documents
        with pytest.raises(docs.DocumentError):
            _issue(refused, "refuse", "extension_decision")
        db.session.rollback()


def test_notice_to_the_accused_never_names_the_denouncer(client, app, officers):
    content = f"Tôi là {NAME}, số CCCD {ID_NO}, điện thoại {PHONE}, tố cáo cán bộ địa chính xã nhận tiền."
    code = _file(client, app, officers, "denunciation", content=content)
    with app.app_context():
        _act(code, "accept", "2026-01-06")
        accused = _issue(code, "accept", "acceptance_notice", recipient="accused_agency")
        filer = _issue(code, "accept", "acceptance_notice", recipient="filer")
        assert (accused.variant, filer.variant) == ("pseudonymised", "full")
        assert accused.number != filer.number  # two documents, each with its number
        secret = [NAME, ID_NO, PHONE, "Số 1 đường Lê Lợi", "an@example.org"]
        xml = docx_text(_bytes(accused))  # every part of the file: body, headers, properties
        assert not [s for s in secret if s.lower() in xml.lower()]
        assert _case(code).pseudonym in xml, _words(_bytes(accused))
        assert docs.make_pdf(accused)
        db.session.commit()
        pdf = _pdf_text(_bytes(accused, pdf=True))
        assert not [s for s in (NAME, ID_NO, PHONE) if s in pdf] and accused.symbol in pdf
        # the denouncer's own copy names them
        assert NAME in _words(_bytes(filer))
        # the same for the verification team's copy of a suspension
        _act(code, "start_verification", "2026-01-07")
        _act(code, "suspend", "2026-01-08", reason=f"Chờ {NAME} bổ sung tài liệu")
        team = _issue(code, "suspend", "suspension_decision", recipient="verification_team")
        assert team.variant == "pseudonymised"
        assert NAME.lower() not in docx_text(_bytes(team)).lower()


def test_published_conclusion_keeps_the_officers_text_without_the_denouncer(client, app, officers):
    code = _file(client, app, officers, "denunciation")
    with app.app_context():
        _act(code, "accept", "2026-01-06")
        _act(code, "start_verification", "2026-01-07")
        _act(code, "conclude", "2026-02-03", outcome="partly_correct", decision_no="7/KL-UBND")
        text = (f"Nội dung tố cáo của ông {NAME} về việc nhận tiền là đúng một phần.\n"
                "Kiến nghị xử lý kỷ luật cán bộ địa chính.")
        public = _issue(code, "conclude", "conclusion_notice", recipient="public", text=text)
        filer = _issue(code, "conclude", "conclusion_notice", recipient="filer", text=text)
        assert public.variant == "pseudonymised" and filer.variant == "full"
        words = _words(_bytes(public))
        assert "Kiến nghị xử lý kỷ luật cán bộ địa chính." in words and "7/KL-UBND" in words
        assert f"ông [{_case(code).pseudonym}] về việc" in words  # the name in the officer's text is replaced
        assert NAME.lower() not in docx_text(_bytes(public)).lower()
        assert f"ông {NAME} về việc" in _words(_bytes(filer))
        assert "Điều 35 và Điều 40 Luật Tố cáo" in words
        with pytest.raises(docs.DocumentError):  # the frame needs the officer's text
            _issue(code, "conclude", "conclusion_notice", recipient="public", text="  ")
        db.session.rollback()


def test_a_template_that_writes_the_identity_is_refused_for_the_accused(client, app, officers):
    code = _file(client, app, officers, "denunciation")
    with app.app_context():
        _act(code, "accept", "2026-01-06")
        # a template that hard-codes the name (e.g. an administrator pasted an old letter)
        from petitions.services.documents.render import builtin_template
        data = _edit_docx(builtin_template("acceptance_notice").read_bytes(), "Kính gửi", f"{NAME} Kính gửi")
        docs.upload_template("acceptance_notice", data, "x.docx", _user("chutich"))
        db.session.commit()
        with pytest.raises(docs.IdentityLeak):
            _issue(code, "accept", "acceptance_notice", recipient="accused_agency")
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count()).select_from(IssuedDocument)) == 0


# -- numbering ---------------------------------------------------------------------------------

def test_concurrent_issuing_gives_distinct_consecutive_numbers(client, app, officers):
    code = _file(client, app, officers, "complaint")
    with app.app_context():
        _act(code, "accept", "2026-01-06")
        case_id, event_id, user_id = _case(code).id, _event(code, "accept").id, _user("chutich").id
    threads, per_thread = 4, 3
    barrier, errors, numbers = threading.Barrier(threads), [], []

    def issue():
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(per_thread):
                    doc = docs.issue_document("acceptance_notice", case=db.session.get(Case, case_id),
                                              event=db.session.get(CaseEvent, event_id), recipient="filer",
                                              user=db.session.get(User, user_id), today=ISSUED)
                    db.session.commit()
                    numbers.append(doc.number)
        except Exception as error:  # reported below
            errors.append(repr(error))

    workers = [threading.Thread(target=issue) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    assert sorted(numbers) == list(range(1, threads * per_thread + 1))
    with app.app_context():
        stored = sorted(db.session.scalars(db.select(IssuedDocument.number)))
        assert stored == list(range(1, threads * per_thread + 1))


def test_a_failed_issue_leaves_no_gap(client, app, officers):
    code = _file(client, app, officers, "complaint")
    with app.app_context():
        _act(code, "accept", "2026-01-06")
        folder = docs.storage()
        before = {p.name for p in folder.glob("*.docx")}
        assert _issue(code, "accept", "acceptance_notice").number == 1
        # a stored template that no longer renders (written before checks, or the file damaged)
        (folder / "broken.docx").write_bytes(b"PK not a docx")
        db.session.add(DocumentTemplate(kind="acceptance_notice", version=1, stored_name="broken.docx",
                                        original_name="broken.docx", sha256="0" * 64,
                                        uploaded_by_id=_user("chutich").id, active=True))
        db.session.commit()
        with pytest.raises(docs.RenderError):
            _issue(code, "accept", "acceptance_notice")
        db.session.rollback()
        db.session.execute(db.update(DocumentTemplate).values(active=False))
        db.session.commit()
        assert _issue(code, "accept", "acceptance_notice").number == 2
        # no file was left behind by the failed issue
        files = {p.name for p in folder.glob("*.docx")} - before - {"broken.docx"}
        assert files == set(db.session.scalars(db.select(IssuedDocument.docx_name)))


def test_reissue_makes_a_new_version_and_keeps_the_old_file(client, app, officers):
    code = _file(client, app, officers, "complaint")
    with app.app_context():
        _act(code, "accept", "2026-01-06")
        first = _issue(code, "accept", "acceptance_notice")
        old_path, old_hash = docs.document_path(first.docx_name), first.docx_sha256
        old_raw = old_path.read_bytes()
        _case(code).title = "Đơn khiếu nại về bồi thường đất (đã sửa)"
        db.session.commit()
        second = docs.reissue_document(first, user=_user("chutich"), today=date(2026, 3, 1),
                                       signer_name="Lê Thị Phó", capacity="deputy")
        db.session.commit()
        assert (second.number, second.symbol, second.version, second.supersedes_id) == \
            (first.number, first.symbol, 2, first.id)
        assert second.docx_name != first.docx_name
        assert old_path.read_bytes() == old_raw  # untouched
        assert hashlib.sha256(docs.read_document(first.docx_name)).hexdigest() == old_hash
        words = _words(_bytes(second))
        assert "(đã sửa)" in words and "KT. CHỦ TỊCH" in words and "PHÓ CHỦ TỊCH" in words
        assert ISSUED_WORDS in words  # the document keeps its date
        assert "(đã sửa)" not in _words(docs.read_document(first.docx_name))
        with pytest.raises(RuntimeError):
            db.session.delete(first)
            db.session.flush()
        db.session.rollback()


# -- the pages -----------------------------------------------------------------------------------

def _login(app, username) -> Client:
    c = Client(app)
    assert c.login(username).status_code == 302
    return c


def test_officer_issues_from_the_case_page_and_downloads(client, app, officers):
    code = _file(client, app, officers, "denunciation")
    with app.app_context():
        _act(code, "accept", "2026-01-06")
        event_id = _event(code, "accept").id
    app.config["TODAY"] = ISSUED
    head = _login(app, "chutich")
    page = head.get(f"/officer/cases/{code}").get_data(as_text=True)
    assert 'data-testid="issue-acceptance_notice"' in page
    url = f"/officer/cases/{code}/events/{event_id}/documents/acceptance_notice"
    r = head.submit(url, {"recipient": "accused_agency", "signer_name": "Trần Văn Chủ Tịch", "capacity": "head"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    r = head.submit(url, {"recipient": "filer", "signer_name": "Trần Văn Chủ Tịch", "capacity": "head"})
    assert r.status_code == 302
    with app.app_context():
        accused, filer = db.session.scalars(db.select(IssuedDocument).order_by(IssuedDocument.id)).all()
        assert accused.pdf_name and accused.pdf_sha256 and accused.variant == "pseudonymised"
        ids = accused.id, filer.id
    page = head.get(f"/officer/cases/{code}").get_data(as_text=True)
    assert page.count('data-testid="document-link"') == 2  # the case's documents
    assert page.count('data-testid="event-document"') == 2  # linked from the step that produced them
    # the reception officer of the agency: the pseudonymised copy yes, the denouncer's copy no
    desk = _login(app, "tiepdan")
    token = desk.csrf(f"/officer/documents/{ids[0]}")
    r = desk.post(f"/officer/documents/{ids[0]}/download/docx", data={"csrf_token": token})
    assert r.status_code == 200 and NAME not in docx_text(r.data)
    assert desk.get(f"/officer/documents/{ids[1]}").status_code == 403
    assert desk.post(f"/officer/documents/{ids[1]}/download/docx", data={"csrf_token": token}).status_code == 403
    # another agency's head sees neither
    other = _login(app, "khac")
    assert other.get(f"/officer/documents/{ids[0]}").status_code == 403
    assert other.post(f"/officer/documents/{ids[0]}/download/docx",
                      data={"csrf_token": other.csrf("/officer/")}).status_code == 403
    # the head opens the denouncer's copy: it is recorded
    token = head.csrf(f"/officer/documents/{ids[1]}")
    r = head.post(f"/officer/documents/{ids[1]}/download/pdf", data={"csrf_token": token})
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    with app.app_context():
        log = db.session.scalars(db.select(IdentityAccess).where(IdentityAccess.context == "document")).all()
        assert [(a.user.username, a.reason) for a in log] == [("chutich", f"{filer.symbol} v1")]
    # issuing the denouncer's copy needs the right to see the identity
    r = desk.submit(url, {"recipient": "filer", "signer_name": "X", "capacity": "head"})
    assert r.status_code == 403


def test_pdf_failure_keeps_the_docx_and_can_be_retried(client, app, officers):
    code = _file(client, app, officers, "complaint")
    with app.app_context():
        _act(code, "accept", "2026-01-06")
        event_id = _event(code, "accept").id
    app.config["TODAY"] = ISSUED
    head = _login(app, "chutich")
    app.config["DOCUMENTS_SOFFICE"] = "/nonexistent/soffice"
    try:
        r = head.submit(f"/officer/cases/{code}/events/{event_id}/documents/acceptance_notice",
                        {"recipient": "filer", "signer_name": "A", "capacity": "head"}, follow_redirects=True)
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and "PDF" in html
        with app.app_context():
            doc = db.session.scalar(db.select(IssuedDocument))
            assert doc.docx_name and doc.pdf_name is None and "LibreOffice" in doc.pdf_error
            doc_id = doc.id
    finally:
        app.config["DOCUMENTS_SOFFICE"] = "soffice"
    r = head.post(f"/officer/documents/{doc_id}/make-pdf", data={"csrf_token": head.csrf(f"/officer/documents/{doc_id}")})
    assert r.status_code == 302
    with app.app_context():
        doc = db.session.get(IssuedDocument, doc_id)
        assert doc.pdf_name and doc.pdf_error is None


def test_urging_letter_from_the_inspectorate(client, app, officers, make_officer):
    from petitions.services.urgings import send_urging
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    code = _file(client, app, officers, "denunciation")
    with app.app_context():
        urging = send_urging(_user("thanhtra"), [_case(code)], "Đề nghị báo cáo tiến độ.", date(2026, 2, 20),
                             ISSUED)
        db.session.commit()
        urging_id = urging.id
    app.config["TODAY"] = ISSUED
    inspector = _login(app, "thanhtra")
    assert "issue_urging_document" not in inspector.get(f"/officer/urgings/{urging_id}").get_data(as_text=True)
    r = inspector.submit(f"/officer/urgings/{urging_id}/document",
                         {"recipient": "urged_agency", "signer_name": "Hồ Văn Thanh", "capacity": "deputy"})
    assert r.status_code == 302
    with app.app_context():
        doc = db.session.scalar(db.select(IssuedDocument))
        words = _words(_bytes(doc))
        assert doc.symbol == "01/TTr" and "KT. CHÁNH THANH TRA" in words
        assert "ngày 20 tháng 02 năm 2026" in words and "Đề nghị báo cáo tiến độ." in words
        assert NAME not in docx_text(_bytes(doc)) and doc.variant == "pseudonymised"
    # the case's agency may not issue the inspectorate's letter
    assert _login(app, "chutich").get(f"/officer/urgings/{urging_id}/document").status_code == 403


def test_administrator_uploads_a_template_checked_before_use(client, app, officers, make_officer):
    make_officer("quantri", ["admin"], "UBND-TINH")
    code = _file(client, app, officers, "complaint")
    with app.app_context():
        _act(code, "accept", "2026-01-06")
    admin = _login(app, "quantri")
    current = admin.get("/admin/documents/acceptance_notice/template.docx")
    assert current.status_code == 200 and "{{ number_symbol }}" in docx_text(current.data)
    token = admin.csrf("/admin/documents")
    broken = _edit_docx(current.data, "{{ case_title }}", "{{ case_titel }}")
    r = admin.post("/admin/documents/acceptance_notice/template", data={
        "csrf_token": token, "file": (io.BytesIO(broken), "sai.docx")}, content_type="multipart/form-data")
    assert r.status_code in (302, 303)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(DocumentTemplate)) == 0
    edited = _edit_docx(current.data, "Vậy thông báo", "Nay thông báo")
    assert edited != current.data
    r = admin.post("/admin/documents/acceptance_notice/template", data={
        "csrf_token": token, "file": (io.BytesIO(edited), "moi.docx")}, content_type="multipart/form-data")
    assert r.status_code == 302
    with app.app_context():
        row = db.session.scalar(db.select(DocumentTemplate))
        assert row.active and row.version == 1 and row.sha256 == hashlib.sha256(edited).hexdigest()
        assert db.session.scalar(db.select(AuditLog).where(AuditLog.action == "upload_document_template"))
        doc = _issue(code, "accept", "acceptance_notice")
        assert "Nay thông báo" in _words(_bytes(doc)) and doc.template_id == row.id
    assert _login(app, "chutich").get("/admin/documents").status_code == 403


def test_desk_officer_hands_over_the_receipt_of_a_denunciation_they_registered(client, app, officers,
                                                                                 make_officer):
    make_officer("tiepdan2", ["reception"], officers["agency_a"])
    app.config["TODAY"] = date(2026, 11, 27)
    desk = _login(app, "tiepdan")
    r = desk.submit("/officer/desk", {
        "kind": "denunciation", "channel": "desk", "received_on": "2026-11-27", "title": "Tố cáo tại quầy",
        "content": "Nội dung tố cáo đủ dài, nêu rõ hành vi vi phạm của cán bộ.", "respondent": "Cán bộ xã",
        "commune_code": officers["commune_a"], "petitioner-full_name": "Trần Thị Bình",
        "petitioner-id_number": "040987654321", "petitioner-address": "Xóm 2, xã Thử Nghiệm", "pledge": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        code, event_id = case.tracking_code, case.events[0].id
    url = f"/officer/cases/{code}/events/{event_id}/documents/receipt"
    # another reception officer may not issue the denouncer's receipt
    other = _login(app, "tiepdan2")
    assert other.submit(url, {"recipient": "filer", "signer_name": "X", "capacity": "head"}).status_code == 403
    r = desk.submit(url, {"recipient": "filer", "signer_name": "Tiepdan", "capacity": "head"})
    assert r.status_code == 302
    with app.app_context():
        doc = db.session.scalar(db.select(IssuedDocument))
        words = _words(_bytes(doc))
        assert doc.variant == "full" and "Trần Thị Bình" in words and "040987654321" in words
        assert "NGƯỜI TIẾP NHẬN" in words and "ngày 27 tháng 11 năm 2026" in words
        doc_id = doc.id
    r = desk.post(f"/officer/documents/{doc_id}/download/pdf", data={"csrf_token": desk.csrf(f"/officer/documents/{doc_id}")})
    assert r.status_code == 200 and "Trần Thị Bình" in _pdf_text(r.data)
    assert other.get(f"/officer/documents/{doc_id}").status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(IdentityAccess).where(
            IdentityAccess.context == "document")) == 1


# -- the same PDF on every machine (issue 15) ---------------------------------------------------

SAMPLE = "Nguyễn Thị Hằng, Phường Thành Vinh, Nghị định số 124/2020"
# every Vietnamese vowel with its six tones, lower then upper case, and đ Đ: 146 letters
LETTER_GROUPS = [
    "a à á ả ã ạ A À Á Ả Ã Ạ", "ă ằ ắ ẳ ẵ ặ Ă Ằ Ắ Ẳ Ẵ Ặ", "â ầ ấ ẩ ẫ ậ Â Ầ Ấ Ẩ Ẫ Ậ",
    "e è é ẻ ẽ ẹ E È É Ẻ Ẽ Ẹ", "ê ề ế ể ễ ệ Ê Ề Ế Ể Ễ Ệ", "i ì í ỉ ĩ ị I Ì Í Ỉ Ĩ Ị",
    "o ò ó ỏ õ ọ O Ò Ó Ỏ Õ Ọ", "ô ồ ố ổ ỗ ộ Ô Ồ Ố Ổ Ỗ Ộ", "ơ ờ ớ ở ỡ ợ Ơ Ờ Ớ Ở Ỡ Ợ",
    "u ù ú ủ ũ ụ U Ù Ú Ủ Ũ Ụ", "ư ừ ứ ử ữ ự Ư Ừ Ứ Ử Ữ Ự", "y ỳ ý ỷ ỹ ỵ Y Ỳ Ý Ỷ Ỹ Ỵ", "đ Đ",
]
# what a machine with only Debian's fonts-liberation 1.07 offers (Chromium brings it): it lacks 92
# of those letters, and LibreOffice laid them out glyph by glyph from another font
MACHINE_FONTS = """<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/liberation</dir><dir>/usr/share/fonts/truetype/dejavu</dir>
<include ignore_missing="yes">/etc/fonts/conf.d</include><cachedir>{cache}</cachedir></fontconfig>"""


def _flat(text: str) -> str:
    import unicodedata
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_issued_pdf_reads_back_every_vietnamese_letter_whatever_fonts_the_machine_has(
        client, app, officers, monkeypatch, tmp_path):
    conf = tmp_path / "fonts.conf"
    conf.write_text(MACHINE_FONTS.format(cache=tmp_path / "cache"))
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))  # the machine's fonts: not what the PDF is made with
    petitioner = {"full_name": "Nguyễn Thị Hằng", "id_number": ID_NO, "phone": PHONE,
                  "address": "Khối 5, Phường Thành Vinh"}
    code = _file(client, app, officers, "complaint", petitioner=petitioner)
    with app.app_context():
        _act(code, "accept", "2026-01-06")
        _act(code, "start_verification", "2026-01-07")
        _act(code, "decide", "2026-02-02", outcome="amend", decision_no="12/QĐ-UBND")
        doc = _issue(code, "decide", "decision_notice", text=f"{SAMPLE}.\n\n" + "\n".join(LETTER_GROUPS))
        assert docs.make_pdf(doc)
        db.session.commit()
        pdf = _bytes(doc, pdf=True)
    text = _flat(_pdf_text(pdf))
    # "Bà": the ID number's gender digit says so (issue 17)
    assert SAMPLE in text and "Kính gửi: Bà Nguyễn Thị Hằng." in text
    for group in LETTER_GROUPS:  # each letter, with its tone mark, in order
        assert group in text, group
    # laid out with the project's font only, the same on every machine
    from petitions.services.documents.check import pdf_fonts
    fonts = pdf_fonts(pdf)
    assert fonts and all(name.startswith("LiberationSerif") for name in fonts), fonts


def test_flask_documents_check_converts_a_sample_and_says_what_is_wrong(app, tmp_path):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["documents", "check"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("OK: LibreOffice") and "all 146 Vietnamese letters read back" in ok.output
    assert "LiberationSerif" in ok.output
    # converted with the fonts a bare machine has: the check fails and says why and what to do
    conf = tmp_path / "fonts.conf"
    conf.write_text(MACHINE_FONTS.format(cache=tmp_path / "cache"))
    bad = runner.invoke(args=["documents", "check", "--fontconfig", str(conf)])
    assert bad.exit_code == 1
    assert "NOT OK" in bad.output and "problem: The sample does not read back" in bad.output
    assert "fix: " in bad.output and "FONTCONFIG_FILE" in bad.output
    # no LibreOffice at all
    soffice, app.config["DOCUMENTS_SOFFICE"] = app.config["DOCUMENTS_SOFFICE"], str(tmp_path / "no-soffice")
    try:
        none = runner.invoke(args=["documents", "check"])
    finally:
        app.config["DOCUMENTS_SOFFICE"] = soffice
    assert none.exit_code == 1 and "apt-get install libreoffice-writer-nogui" in none.output
