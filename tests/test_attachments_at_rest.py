"""Issue 14, item 7: attachments (and the pseudonymised copies made from them) are sealed at
rest with the identity keys and created 0600; every reader opens them through one function;
files stored before are sealed by `flask attachments seal`; `flask identity rotate` moves
them to the newest key, after which the old key can go."""
from __future__ import annotations

import io
import os
import stat
import zipfile
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from petitions.extensions import db
from petitions.models import Attachment, Case
from petitions.models.privacy import PseudonymisedCopy
from petitions.services import crypto
from petitions.services.sealed import MAGIC

from .conftest import Client
from .test_identity_privacy import _route_rules, case_of, file_denunciation, pdf, post  # noqa: F401

SECRET_LINE = "Bang ke chi tiet: 48 ho nhan tien ho tro khong dung"
PAPER = pdf([SECRET_LINE, "Trang hai cua ho so"])


def _on_disk(app, att_id: int) -> Path:
    with app.app_context():
        return Path(app.config["UPLOAD_FOLDER"]) / db.session.get(Attachment, att_id).stored_name


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _download(http: Client, code: str, att_id: int):
    return http.post(f"/officer/attachments/{att_id}", data={"csrf_token": http.csrf(f"/officer/cases/{code}")})


def _filed(client, app, agencies) -> tuple[str, int]:
    app.config["TODAY"] = date(2026, 8, 3)
    code = file_denunciation(client, agencies, attachment=PAPER)
    with app.app_context():
        return code, case_of(code).attachments[0].id


def test_attachment_is_sealed_0600_on_disk_and_downloads_as_sent(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    old_umask = os.umask(0o022)  # the usual umask, under which the old code made 0644 files
    try:
        code, att_id = _filed(client, app, agencies)
    finally:
        os.umask(old_umask)
    path = _on_disk(app, att_id)
    raw = path.read_bytes()
    assert raw.startswith(MAGIC) and b"%PDF" not in raw and SECRET_LINE.encode() not in raw
    assert b"Bang ke" not in raw and len(raw) > len(PAPER)
    assert _mode(path) == 0o600
    head = Client(app)
    head.login("chutich")
    r = _download(head, code, att_id)
    assert r.status_code == 200 and r.data == PAPER
    assert SECRET_LINE in PdfReader(io.BytesIO(r.data)).pages[0].extract_text()


def test_pseudonymised_copy_reads_the_sealed_file_and_is_sealed_itself(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code, att_id = _filed(client, app, agencies)
    head = Client(app)
    head.login("chutich")
    url = f"/officer/cases/{code}/verification"
    page = head.get(url).get_data(as_text=True)
    assert "2" in page  # the page count, read from the sealed PDF
    assert post(head, f"{url}/files", {f"file-{att_id}": "include"}).status_code == 302
    assert post(head, f"{url}/prepare", {}).status_code == 302
    with app.app_context():
        row = db.session.scalar(db.select(PseudonymisedCopy))
        stored = Path(app.config["UPLOAD_FOLDER"]) / "pseudonymised" / row.stored_name
        copy_id = row.id
    raw = stored.read_bytes()
    assert raw.startswith(MAGIC) and b"PK\x03\x04" not in raw and _mode(stored) == 0o600
    r = head.get(f"{url}/copies/{copy_id}")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    kept = PdfReader(io.BytesIO(archive.read("tep-1.pdf")))
    assert len(kept.pages) == 2 and SECRET_LINE in kept.pages[0].extract_text()


def test_split_letter_copies_the_sealed_files_0600(client, app, agencies, make_officer):
    from .test_officer_api import event, token_for
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("chutich", ["head"], agencies["agency_a"])
    code, att_id = _filed(client, app, agencies)
    app.config["TODAY"] = date(2026, 8, 10)
    event(client, token_for(app, "tiepdan"), code, "split", "2026-08-04", kinds="complaint, denunciation")
    with app.app_context():
        parts = db.session.scalars(db.select(Case).where(Case.parent_id == case_of(code).id)).all()
        copies = [(c.tracking_code, c.attachments[0].id) for c in parts]
    assert len(copies) == 2
    head = Client(app)
    head.login("chutich")
    for part_code, part_att in copies:
        path = _on_disk(app, part_att)
        assert path.read_bytes().startswith(MAGIC) and _mode(path) == 0o600
        assert _download(head, part_code, part_att).data == PAPER


def test_files_stored_before_sealing_are_sealed_in_place_by_the_cli(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    code, att_id = _filed(client, app, agencies)
    path = _on_disk(app, att_id)
    path.write_bytes(PAPER)  # as the code before issue 14 left it: plain, 0644
    path.chmod(0o644)
    head = Client(app)
    head.login("chutich")
    assert _download(head, code, att_id).data == PAPER  # a plain file still reads meanwhile
    runner = app.test_cli_runner()
    check = runner.invoke(args=["identity", "check"])
    assert "1 files: 0 do not open, 0 under older keys, 1 not sealed, 1 readable by others" in check.output

    dry = runner.invoke(args=["attachments", "seal", "--dry-run"])
    assert dry.exit_code == 0 and "1 plain files sealed" in dry.output, dry.output
    assert path.read_bytes() == PAPER and _mode(path) == 0o644

    out = runner.invoke(args=["attachments", "seal"])
    assert out.exit_code == 0, out.output
    assert "1 files: 0 re-sealed with the first key, 1 plain files sealed, 0 already current" in out.output
    raw = path.read_bytes()
    assert raw.startswith(MAGIC) and SECRET_LINE.encode() not in raw and _mode(path) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert _download(head, code, att_id).data == PAPER

    again = runner.invoke(args=["attachments", "seal"])  # idempotent: nothing left to do
    assert "0 plain files sealed, 1 already current" in again.output and path.read_bytes() == raw


def test_rotation_reseals_files_then_the_old_key_can_go(client, app, agencies, make_officer):
    make_officer("chutich", ["head"], agencies["agency_a"])
    original = app.config["IDENTITY_KEYS"]
    key_a, key_b = crypto.new_key(), crypto.new_key()
    runner = app.test_cli_runner()
    try:
        app.config["IDENTITY_KEYS"] = key_a
        code, att_id = _filed(client, app, agencies)
        path = _on_disk(app, att_id)
        under_a = path.read_bytes()

        app.config["IDENTITY_KEYS"] = f"{key_b},{key_a}"
        before = runner.invoke(args=["identity", "check"])
        assert before.exit_code == 0 and "1 files: 0 do not open, 1 under older keys" in before.output, before.output
        out = runner.invoke(args=["identity", "rotate"])
        assert out.exit_code == 0, out.output
        assert "1 files: 1 re-sealed with the first key, 0 plain files sealed" in out.output
        assert path.read_bytes() != under_a and _mode(path) == 0o600
        after = runner.invoke(args=["identity", "check"])
        assert after.exit_code == 0 and "1 files: 0 do not open, 0 under older keys" in after.output

        app.config["IDENTITY_KEYS"] = key_b  # the old key is gone: the file still opens
        head = Client(app)
        head.login("chutich")
        assert _download(head, code, att_id).data == PAPER
        app.config["IDENTITY_KEYS"] = key_a  # and the old key alone no longer opens it
        failed = runner.invoke(args=["identity", "check"])
        assert failed.exit_code == 1 and "1 files: 1 do not open" in failed.output
    finally:
        app.config["IDENTITY_KEYS"] = original
