"""(d) The attachment disk is full: filing with attachments answers a clear "nothing was
saved, try later" page, and nothing is stored half: no case without its files, no file
without its case (the file written before the one that failed is removed on rollback)."""
from __future__ import annotations

import io
import os
import re
import subprocess

import pytest
from sqlalchemy import text

from .conftest import first_commune, report


def pdf(size: int) -> bytes:
    return b"%PDF-1.4\n" + os.urandom(size - 9)


@pytest.fixture
def tiny_disk(tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a 64 KB tmpfs (run make faults as root): {done.stderr.strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def file_with(client, commune: str, files: list[tuple[bytes, str]]):
    page = client.get("/file/petition").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"csrf_token": token, "kind": "petition", "title": "Kiến nghị sửa đường giao thông",
            "content": "Đề nghị sửa chữa đoạn đường liên xóm bị hư hỏng nặng, đi lại rất khó khăn.",
            "commune_code": commune, "petitioner-full_name": "Nguyễn Văn An",
            "petitioner-id_number": "040123456789", "petitioner-phone": "0912345678",
            "petitioner-address": "Xóm 3", "attachments": [(io.BytesIO(b), n) for b, n in files]}
    return client.post("/file/petition", data=data, content_type="multipart/form-data")


def test_attachment_disk_full(make_app, tiny_disk):
    from petitions.extensions import db
    app = make_app("faults_disk", UPLOAD_FOLDER=str(tiny_disk))
    commune = first_commune(app)
    client = app.test_client()
    client.get("/lang/en")

    def state():
        with app.app_context():
            return {"cases": db.session.scalar(text("SELECT count(*) FROM cases")),
                    "attachments": db.session.scalar(text("SELECT count(*) FROM attachments")),
                    "files": sorted(p.name for p in tiny_disk.iterdir())}

    # one file too large for the disk
    r1 = file_with(client, commune, [(pdf(100_000), "ban-do.pdf")])
    after_one = state()
    # a small file that fits, then one that does not: the first must go too
    r2 = file_with(client, commune, [(pdf(20_000), "don.pdf"), (pdf(100_000), "ban-do.pdf")])
    after_two = state()
    # the disk has room for a small letter: it is stored whole
    r3 = file_with(client, commune, [(pdf(8_000), "don.pdf")])
    after_three = state()
    report("attachment disk full (64 KB tmpfs)", {
        "one large file": f"{r1.status_code}, then {after_one}",
        "small file + large file": f"{r2.status_code}, then {after_two}",
        "one small file": f"{r3.status_code}, then cases {after_three['cases']}, files {len(after_three['files'])}"})
    for r in (r1, r2):
        assert r.status_code == 503
        page = r.get_data(as_text=True)
        assert "storage is full" in page and "Nothing was saved" in page
    assert after_one == after_two == {"cases": 0, "attachments": 0, "files": []}
    assert r3.status_code == 302, r3.get_data(as_text=True)[:500]
    assert after_three["cases"] == after_three["attachments"] == len(after_three["files"]) == 1


def test_vietnamese_message_is_the_default(make_app, tiny_disk):
    """Without choosing a language the page is in the default language (Vietnamese once the
    lead merges /tmp/po/h6-scale.json; the English text until then)."""
    app = make_app("faults_disk_vi", UPLOAD_FOLDER=str(tiny_disk))
    r = file_with(app.test_client(), first_commune(app), [(pdf(100_000), "ban-do.pdf")])
    assert r.status_code == 503
    assert '<html lang="vi"' in r.get_data(as_text=True)
