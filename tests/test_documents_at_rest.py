"""Issue 14, item 7, for the generated documents: an issued document's DOCX and PDF name the
filer, so they are sealed at rest with the identity keys and created 0600 like the
attachments (services/sealed.py); the officer downloads them as they were made; documents
stored before are sealed by `flask attachments seal`; `flask identity rotate` moves them to
the newest key, after which the old key can go."""
from __future__ import annotations

import io
import os
import stat
from pathlib import Path

from petitions.extensions import db
from petitions.models import DocumentTemplate, IssuedDocument
from petitions.services import crypto
from petitions.services import documents as docs
from petitions.services.documents.render import docx_text
from petitions.services.sealed import MAGIC

from .test_documents import (ISSUED, NAME, _act, _edit_docx, _event, _file, _flat, _login, _pdf_text, _words,  # noqa: F401
                             officers)

ADDRESSED = f"Người gửi đơn ({NAME})"  # the "Nơi nhận" line


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _issue_for_the_filer(client, app, agencies) -> tuple[int, Path, Path]:
    """A complaint accepted, its acceptance notice issued to the filer from the case page
    (the DOCX, then the PDF by LibreOffice), under the usual umask."""
    code = _file(client, app, agencies, "complaint")
    with app.app_context():
        _act(code, "accept", "2026-01-06")
        event_id = _event(code, "accept").id
    app.config["TODAY"] = ISSUED
    head = _login(app, "chutich")
    old_umask = os.umask(0o022)  # under which the code before sealing made 0644 files
    try:
        r = head.submit(f"/officer/cases/{code}/events/{event_id}/documents/acceptance_notice",
                        {"recipient": "filer", "signer_name": "Trần Văn Chủ Tịch", "capacity": "head"})
    finally:
        os.umask(old_umask)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    with app.app_context():
        doc = db.session.scalar(db.select(IssuedDocument))
        assert doc.pdf_name, doc.pdf_error
        return doc.id, docs.document_path(doc.docx_name), docs.document_path(doc.pdf_name)


def _download(http, doc_id: int, fmt: str):
    return http.post(f"/officer/documents/{doc_id}/download/{fmt}",
                     data={"csrf_token": http.csrf(f"/officer/documents/{doc_id}")})


def _reads_back(app, doc_id: int) -> None:
    """Through the real routes: the DOCX names the filer, the PDF reads back in Vietnamese."""
    head = _login(app, "chutich")
    docx = _download(head, doc_id, "docx")
    assert docx.status_code == 200 and docx.data.startswith(b"PK\x03\x04")
    assert ADDRESSED in _words(docx.data)
    pdf = _download(head, doc_id, "pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    text = _flat(_pdf_text(pdf.data))
    assert ADDRESSED in text and "THÔNG BÁO" in text.upper() and "Cộng hòa xã hội chủ nghĩa Việt Nam".upper() in text


def test_issued_docx_and_pdf_are_sealed_0600_and_download_as_made(client, app, officers):
    doc_id, docx_path, pdf_path = _issue_for_the_filer(client, app, officers)
    for path in (docx_path, pdf_path):
        raw = path.read_bytes()
        assert raw.startswith(MAGIC), path
        assert _mode(path) == 0o600, oct(_mode(path))
        # neither the zip's XML nor the PDF: no name, no container's signature
        assert NAME.encode() not in raw and b"PK\x03\x04" not in raw and b"%PDF" not in raw
    with app.app_context():
        doc = db.session.get(IssuedDocument, doc_id)
        assert docs.read_document(doc.docx_name).startswith(b"PK\x03\x04")  # the one read function
    _reads_back(app, doc_id)
    # LibreOffice's private folder is gone with the plain copy it was given
    assert not [p for p in docx_path.parent.iterdir() if p.name.endswith(".tmp")]


def test_documents_stored_before_sealing_are_sealed_in_place_by_the_cli(client, app, officers):
    doc_id, docx_path, pdf_path = _issue_for_the_filer(client, app, officers)
    with app.app_context():
        doc = db.session.get(IssuedDocument, doc_id)
        plain = {docx_path: docs.read_document(doc.docx_name), pdf_path: docs.read_document(doc.pdf_name)}
    for path, data in plain.items():  # as the code before issue 14 left them: plain, 0644
        path.write_bytes(data)
        path.chmod(0o644)
    _reads_back(app, doc_id)  # a plain document still reads meanwhile
    runner = app.test_cli_runner()
    check = runner.invoke(args=["identity", "check"])
    assert "2 files: 0 do not open, 0 under older keys, 2 not sealed, 2 readable by others (2 documents)" \
        in check.output, check.output

    out = runner.invoke(args=["attachments", "seal"])
    assert out.exit_code == 0, out.output
    assert "2 files: 0 re-sealed with the first key, 2 plain files sealed, 0 already current" in out.output
    for path in plain:
        raw = path.read_bytes()
        assert raw.startswith(MAGIC) and NAME.encode() not in raw and _mode(path) == 0o600
    assert not [p for p in docx_path.parent.iterdir() if p.name.endswith(".tmp")]
    _reads_back(app, doc_id)

    again = runner.invoke(args=["attachments", "seal"])  # idempotent
    assert "0 plain files sealed, 2 already current" in again.output, again.output


def test_rotation_reseals_documents_then_the_old_key_can_go(client, app, officers):
    original = app.config["IDENTITY_KEYS"]
    key_a, key_b = crypto.new_key(), crypto.new_key()
    runner = app.test_cli_runner()
    try:
        app.config["IDENTITY_KEYS"] = key_a
        doc_id, docx_path, pdf_path = _issue_for_the_filer(client, app, officers)
        under_a = docx_path.read_bytes(), pdf_path.read_bytes()

        app.config["IDENTITY_KEYS"] = f"{key_b},{key_a}"
        before = runner.invoke(args=["identity", "check"])
        assert before.exit_code == 0 and "2 files: 0 do not open, 2 under older keys" in before.output, before.output
        out = runner.invoke(args=["identity", "rotate"])
        assert out.exit_code == 0, out.output
        assert "2 files: 2 re-sealed with the first key, 0 plain files sealed" in out.output
        assert (docx_path.read_bytes(), pdf_path.read_bytes()) != under_a
        assert _mode(docx_path) == _mode(pdf_path) == 0o600

        app.config["IDENTITY_KEYS"] = key_b  # the old key is gone: both still open
        _reads_back(app, doc_id)
        app.config["IDENTITY_KEYS"] = key_a  # and the old key alone opens neither
        failed = runner.invoke(args=["identity", "check"])
        assert failed.exit_code == 1 and "2 files: 2 do not open" in failed.output, failed.output
    finally:
        app.config["IDENTITY_KEYS"] = original


def test_an_uploaded_template_is_sealed_and_still_used(client, app, officers, make_officer):
    make_officer("quantri", ["admin"], "UBND-TINH")
    admin = _login(app, "quantri")
    current = admin.get("/admin/documents/acceptance_notice/template.docx").data
    edited = _edit_docx(current, "Vậy thông báo", "Nay thông báo")
    r = admin.post("/admin/documents/acceptance_notice/template", data={
        "csrf_token": admin.csrf("/admin/documents"), "file": (io.BytesIO(edited), "moi.docx")},
        content_type="multipart/form-data")
    assert r.status_code == 302
    with app.app_context():
        path = docs.document_path(db.session.scalar(db.select(DocumentTemplate)).stored_name)
    assert path.read_bytes().startswith(MAGIC) and _mode(path) == 0o600
    assert admin.get("/admin/documents/acceptance_notice/template.docx").data == edited
    doc_id, _docx, _pdf = _issue_for_the_filer(client, app, officers)
    head = _login(app, "chutich")
    assert "Nay thông báo" in _words(_download(head, doc_id, "docx").data)
