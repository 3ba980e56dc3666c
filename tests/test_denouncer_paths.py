"""Issue 13: the nine paths along which a denouncer's identity still reached a role that may
not see it, each tried as an attacker would. Every test here failed on the code before the
family rule (services/confidentiality.py), the redaction engine (petitions/redaction.py) and
the metadata stripping (services/filemeta.py)."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date

import pytest
from docx import Document
from pypdf import PdfReader

from petitions.extensions import db
from petitions.models import AuditLog, Case, IdentityAccess, Notification, User
from petitions.services import documents as docs
from petitions.services.workflow import apply_transition

from .conftest import Client, valid_letter
from .test_identity_privacy import _route_rules, case_of, post  # noqa: F401 (fixture)
from .test_officer_api import event, token_for

# the attacker's test person: a made-up given name nobody else has
NAME = "Lò Văn Quýtzy"
ID_NUMBER = "038095001234"
PHONE = "0971234987"
EMAIL = "quytzy.lo@example.org"
ADDRESS = "Số 12, đường Lê Lợi, phường Hưng Bình"
PERSON = {"full_name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "email": EMAIL, "address": ADDRESS}


def skeleton(text: str) -> str:
    """Accent-free, lower case, letters and digits only (independent of the engine under test)."""
    import unicodedata
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return "".join(c for c in text if c.isascii() and c.isalnum())


def leaks(text: str) -> list[str]:
    """What of the person this output gives away, searched accent-folded and separator-stripped."""
    s = skeleton(text)
    found = []
    if any(v in s for v in ("lovanquytzy", "quytzylovan", "vanquytzy", "quytzylo", "quytzy")):
        found.append("name")
    if ID_NUMBER in s:
        found.append("id_number")
    if any(v in s for v in ("0971234987", "84971234987")):
        found.append("phone")
    if "quytzylo" in s or skeleton(EMAIL) in s:
        found.append("email")
    if skeleton(ADDRESS) in s or "12duongleloi" in s:
        found.append("address")
    return found


@pytest.fixture
def people(agencies, make_officer, app):
    made = {"tiepdan.a": (["reception"], agencies["agency_a"]), "chutich.a": (["head"], agencies["agency_a"]),
            "thuly.a": (["handler"], agencies["agency_a"]), "thuly2.a": (["handler"], agencies["agency_a"]),
            "chutich.b": (["head"], agencies["agency_b"]), "thanhtra": (["inspector"], "TTR-TINH"),
            "quantri": (["admin"], "UBND-TINH")}
    for username, (roles, agency) in made.items():
        make_officer(username, roles, agency)
    return made


def _file_api(client, app, agencies, kind, day="2026-08-03", **extra) -> str:
    app.config["TODAY"] = date.fromisoformat(day)
    body = valid_letter(kind, agencies["commune_a"], petitioner=PERSON, **extra)
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.get_json()
    from datetime import timedelta
    app.config["TODAY"] = date.fromisoformat(day) + timedelta(days=7)  # the officers act in the week after
    return r.get_json()["tracking_code"]


# 1 -------------------------------------------------------------------------------------------------

def test_path1_a_split_letter_is_confidential_as_a_whole_family(client, app, agencies, people):
    original = _file_api(client, app, agencies, "complaint",
                         title=f"Đơn khiếu nại và tố cáo của {NAME}",
                         content=f"Tôi là {NAME}, CCCD {ID_NUMBER}, khiếu nại quyết định và tố cáo cán bộ.")
    event(client, token_for(app, "tiepdan.a"), original, "split", "2026-08-04", kinds="complaint,denunciation")
    with app.app_context():
        case = case_of(original)
        parts = {c.kind: c for c in case.children}
        assert set(parts) == {"complaint", "denunciation"}
        # the letter and both its parts share the denunciation part's protection
        assert case.identity_is_confidential and all(c.identity_is_confidential for c in parts.values())
        codes = [original] + [c.tracking_code for c in parts.values()]
        assert NAME.split()[-1].lower() not in (case.search_text or "")
    for username in ("thuly2.a", "thanhtra", "quantri", "chutich.b"):
        http = Client(app)
        assert http.login(username).status_code == 302
        for c in codes:
            page = http.get(f"/officer/cases/{c}")
            assert page.status_code in (200, 403, 404)
            assert leaks(page.get_data(as_text=True)) == [], (username, c)
        queue = http.get("/officer/").get_data(as_text=True)
        assert leaks(queue) == [], username
        headers = token_for(app, username)
        for c in codes:
            r = client.get(f"/api/v1/officer/cases/{c}", headers=headers)
            body = r.get_json() or {}
            assert "parties" not in body and leaks(json.dumps(body, ensure_ascii=False)) == [], (username, c)
    # a case attached later to a denunciation joins the family too
    other = _file_api(client, app, agencies, "complaint", day="2026-08-05")
    event(client, token_for(app, "tiepdan.a"), other, "attach", "2026-08-05", case=codes[2])
    with app.app_context():
        assert case_of(other).identity_is_confidential


# 2 -------------------------------------------------------------------------------------------------

def test_path2_documents_for_the_accused_black_out_the_name_typed_without_accents(client, app, agencies, people):
    code = _file_api(client, app, agencies, "denunciation", title="Đơn tố cáo của Lo Van Quytzy",
                     content="Tôi, LÒ VĂN QUÝTZY (ĐT +84 971 234 987, CCCD 038.095.001.234) tố cáo cán bộ xã.")
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "chutich.a"))
        case = case_of(code)
        apply_transition(case, "accept", user, date(2026, 8, 4), {}, today=date(2026, 8, 5))
        db.session.commit()
        accept = [e for e in case_of(code).events if e.event == "accept"][-1]
        doc = docs.issue_document("acceptance_notice", case=case_of(code), event=accept,
                                  recipient="accused_agency", user=user, today=date(2026, 8, 5),
                                  signer_name="Trần Văn Chủ Tịch")
        db.session.commit()
        assert doc.variant == "pseudonymised"
        data = docs.read_document(doc.docx_name)
        words = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
        assert case_of(code).pseudonym in words
        from petitions.services.documents.render import docx_text
        assert leaks(docx_text(data)) == [], leaks(docx_text(data))
        assert docs.make_pdf(doc), doc.pdf_error
        db.session.commit()
        pdf = docs.read_document(doc.pdf_name)
        reader = PdfReader(io.BytesIO(pdf))
        text = "\n".join(p.extract_text() for p in reader.pages)
        assert doc.symbol in text and leaks(text) == []
        # no producer, author or title of the template or of LibreOffice
        assert set(reader.metadata or {}) <= {"/Producer"} and "/Metadata" not in reader.trailer["/Root"]
        core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode()
        assert "<dc:creator>" not in core and "<dc:title>" not in core


# 3 -------------------------------------------------------------------------------------------------

def test_path3_the_administrators_filer_lookup_needs_a_reason_and_is_logged(client, app, agencies, people):
    code = _file_api(client, app, agencies, "denunciation")
    admin = Client(app)
    admin.login("quantri")
    token = admin.csrf("/admin/privacy")
    refused = admin.post("/admin/privacy/filer", data={"csrf_token": token, "id_number": ID_NUMBER})
    assert refused.status_code == 422 and code[:4] not in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(IdentityAccess)) == 0
    found = admin.post("/admin/privacy/filer", data={"csrf_token": token, "id_number": ID_NUMBER,
                                                     "reference": "Đơn yêu cầu số 5 ngày 03/08/2026"})
    assert found.status_code == 200
    with app.app_context():
        row = db.session.scalar(db.select(IdentityAccess))
        assert row.context == "filer_lookup" and row.reason == "Đơn yêu cầu số 5 ngày 03/08/2026"
        assert row.case_id == case_of(code).id and row.user.username == "quantri"
        audit = db.session.scalar(db.select(AuditLog).where(AuditLog.action == "privacy_lookup"))
        assert ID_NUMBER not in json.dumps(audit.details)
    inspector = Client(app)
    inspector.login("thanhtra")
    log = inspector.get("/inspect/identity-log").get_data(as_text=True)
    assert "Đơn yêu cầu số 5" in log


# 4 -------------------------------------------------------------------------------------------------

def test_path4_alert_mails_and_digests_carry_no_name_from_the_title(client, app, agencies, people, smtp, run_worker):
    for username in ("chutich.a", "tiepdan.a", "thuly2.a"):
        with app.app_context():
            user = db.session.scalar(db.select(User).where(User.username == username))
            user.email = f"{username}@nghean.gov.vn"
            user.alert_digest = username == "thuly2.a"
            db.session.commit()
    _file_api(client, app, agencies, "denunciation", title=f"Tố cáo của {NAME} về cán bộ xã")
    app.config["TODAY"] = date(2026, 9, 30)
    from petitions.jobs import get_queue
    with app.app_context():
        get_queue().enqueue("petitions.jobs.tasks.sweep_deadlines")
    run_worker()
    with app.app_context():
        from petitions.services.alerts import send_digests
        send_digests(date(2026, 9, 30))
    assert smtp.messages
    for m in smtp.messages:
        assert leaks(m["subject"] + "\n" + m["body"]) == [], (m["to"], m["subject"])
    assert any("về cán bộ xã" in m["body"] for m in smtp.messages)  # the rest of the title is there
    http = Client(app)
    http.login("tiepdan.a")
    assert leaks(http.get("/officer/notifications").get_data(as_text=True)) == []


# 5 -------------------------------------------------------------------------------------------------

def test_path5_the_verification_copy_loses_annotations_revisions_and_photo_metadata(client, app, agencies, people):
    from .test_redaction import annotated_pdf, heic_with_exif, tracked_docx
    from petitions.services import verification as svc
    code = _file_api(client, app, agencies, "denunciation")
    with app.app_context():
        case = case_of(code)
        handler = db.session.scalar(db.select(User).where(User.username == "chutich.a"))
        from petitions.services.uploads import check_upload, store
        from petitions.models import Attachment
        for name, data in (("scan.pdf", annotated_pdf()), ("thu.docx", tracked_docx()), ("anh.heic", heic_with_exif())):
            checked = check_upload(name, data, 10 << 20)
            stored = store(app.config["UPLOAD_FOLDER"], checked)
            case.attachments.append(Attachment(original_name=name, stored_name=stored, size=checked.size,
                                               mime_type=checked.mime_type, sha256=checked.sha256))
        db.session.flush()
        for att in case.attachments:
            svc.set_attachment_choice(case, handler, att, "include", None)
        built = svc.build_copy(case)
        db.session.rollback()
    archive = zipfile.ZipFile(io.BytesIO(built.data))
    names = archive.namelist()
    assert {"tep-1.pdf", "tep-2.docx", "tep-3.heic"} <= set(names)
    everything = ""
    for name in names:
        data = archive.read(name)
        everything += data.decode("latin-1") + data.decode("utf-8", "replace")
        if name.endswith(".docx"):
            inner = zipfile.ZipFile(io.BytesIO(data))
            everything += "\n".join(inner.read(n).decode("utf-8", "replace") for n in inner.namelist()
                                    if n.endswith((".xml", ".rels")))
            assert not [n for n in inner.namelist() if "comments" in n or n == "docProps/custom.xml"]
            assert "w:author" not in inner.read("word/document.xml").decode()
            assert "thêm đoạn này" in "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert leaks(everything) == [], leaks(everything)
    reader = PdfReader(io.BytesIO(archive.read("tep-1.pdf")))
    assert "/Annots" not in reader.pages[0] and "/AcroForm" not in reader.trailer["/Root"]
    assert set(reader.metadata or {}) <= {"/Producer"}
    import pillow_heif
    photo = pillow_heif.open_heif(archive.read("tep-3.heic"))
    assert not photo.info.get("exif") and not photo.info.get("xmp") and photo.size == (64, 48)


# 6 -------------------------------------------------------------------------------------------------

def test_path6_the_identity_log_never_shows_a_file_name(client, app, agencies, people):
    from .test_identity_privacy import pdf as make_pdf
    code = _file_api(client, app, agencies, "denunciation")
    with app.app_context():
        from petitions.models import Attachment
        from petitions.services.uploads import check_upload, store
        checked = check_upload("Lo-Van-Quytzy_CCCD.pdf", make_pdf(["Giay to"]), 10 << 20)
        case = case_of(code)
        case.attachments.append(Attachment(
            original_name="Lo-Van-Quytzy_CCCD.pdf", stored_name=store(app.config["UPLOAD_FOLDER"], checked),
            size=checked.size, mime_type=checked.mime_type, sha256=checked.sha256))
        db.session.commit()
        att_id = case_of(code).attachments[0].id
    head = Client(app)
    head.login("chutich.a")
    assert post(head, f"/officer/attachments/{att_id}").status_code == 200
    inspector = Client(app)
    inspector.login("thanhtra")
    page = inspector.get("/inspect/identity-log").get_data(as_text=True)
    export = inspector.get("/inspect/identity-log.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(export.lstrip("\ufeff"))))
    assert len(rows) == 2 and 'data-testid="access-row"' in page
    assert leaks(page) == [] and leaks(export) == [], (leaks(page), leaks(export))


# 7 -------------------------------------------------------------------------------------------------

VARIANTS = ["+84 971 234 987", "Lò-Văn-Quýtzy", "QuýtzyLòVăn", "Lò Văn\nQuýtzy", "LÒ VĂN QUÝTZY",
            "038.095.001.234", "038 095 001 234", "lo van quytzy", "84-971-234-987", "0971.234.987"]


def test_path7_variants_are_blacked_out_and_a_part_of_the_name_finds_nothing(client, app, agencies, people):
    content = "Tố cáo cán bộ địa chính. " + " ; ".join(f"({v})" for v in VARIANTS) + " ; ông Quýtzy nói."
    code = _file_api(client, app, agencies, "denunciation", content=content, title="Tố cáo của quytzy lo van")
    for username in ("tiepdan.a", "thanhtra"):
        http = Client(app)
        http.login(username)
        text = http.get(f"/officer/cases/{code}").get_data(as_text=True)
        assert "Tố cáo cán bộ địa chính" in text and leaks(text) == [], (username, leaks(text))
        for query in ("Quýtzy", "quytzy", "Lò Văn Quýtzy", "0971234987", "971 234 987"):
            found = http.get("/officer/", query_string={"q": query}, follow_redirects=True).get_data(as_text=True)
            assert code[:5] not in found, (username, query)
        assert code[:5] in http.get("/officer/", query_string={"q": "địa chính"},
                                    follow_redirects=True).get_data(as_text=True)
        api = client.get(f"/api/v1/officer/cases/{code}", headers=token_for(app, username)).get_json()
        assert leaks(json.dumps(api, ensure_ascii=False)) == []


# 8 -------------------------------------------------------------------------------------------------

class Bouncing:
    """A real SMTP server (aiosmtpd) that refuses every recipient, quoting the address as
    mail servers do."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


@pytest.fixture
def bouncing(app):
    import socket

    from aiosmtpd.controller import Controller
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Bouncing(), hostname="127.0.0.1", port=port)
    controller.start()
    app.config["MAIL_PORT"] = port
    yield
    controller.stop()
    app.config["MAIL_PORT"] = 1


def test_path8_a_bounced_mail_to_the_filer_shows_no_address(client, app, agencies, people, bouncing):
    code = _file_api(client, app, agencies, "denunciation")
    with app.app_context():
        case = case_of(code)
        note = Notification(case_id=case.id, email=EMAIL, kind="case_update", subject="Thư", body="x",
                            status="pending", attempts=0)
        db.session.add(note)
        # a row written by the old code: the raw error as the mail server put it
        db.session.add(Notification(case_id=case.id, email=EMAIL, kind="case_update", subject="Thư cũ", body="x",
                                    status="dead", attempts=5,
                                    last_error=f"SMTPRecipientsRefused: {{'{EMAIL}': (550, b'5.1.1 <{EMAIL}>')}}"))
        db.session.commit()
        nid = note.id
        from petitions.services import alerts
        assert alerts.send_notification(nid) == "failed"
        stored = db.session.get(Notification, nid).last_error
        assert "550" in stored and leaks(stored) == [], stored
    admin = Client(app)
    admin.login("quantri")
    page = admin.get("/admin/alerts").get_data(as_text=True)
    assert "550" in page and leaks(page) == [], leaks(page)


# 9 -------------------------------------------------------------------------------------------------

def test_path9_the_filers_address_is_sealed_in_notifications(client, app, agencies, people, smtp, run_worker):
    code = _file_api(client, app, agencies, "denunciation")
    event(client, token_for(app, "chutich.a"), code, "accept", "2026-08-04")
    run_worker()
    assert any(m["to"][0] == EMAIL for m in smtp.messages)  # the filer was told
    with app.app_context():
        raw = json.dumps([list(map(str, r)) for r in db.session.execute(
            db.text("SELECT email, subject, body, last_error FROM notifications"))], ensure_ascii=False)
        assert EMAIL not in raw and skeleton(EMAIL) not in skeleton(raw)
        assert db.session.scalar(db.select(Notification.email).where(Notification.case_id == case_of(code).id)) == EMAIL
