"""scripts/backup.sh and scripts/restore.sh: back up a database with letters and their
attachments, restore into a new database and folder, and compare row counts, file hashes,
and that a citizen's code and key still open the letter."""
from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess

from sqlalchemy import create_engine, text

from .conftest import ROOT, first_commune, report


def sha(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def test_backup_then_restore_into_a_new_database(make_app, private_pg, tmp_path):
    from petitions.extensions import db
    from petitions.services.intake import find_public_case
    app = make_app("faults_backup", UPLOAD_FOLDER=str(tmp_path / "uploads"))
    commune = first_commune(app)
    client = app.test_client()
    receipts = []
    for i in range(3):
        page = client.get("/file/petition").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        r = client.post("/file/petition", content_type="multipart/form-data", data={
            "csrf_token": token, "kind": "petition", "title": f"Kiến nghị số {i}",
            "content": "Đề nghị sửa chữa đoạn đường liên xóm bị hư hỏng nặng, đi lại rất khó khăn.",
            "commune_code": commune, "petitioner-full_name": "Trần Thị Bình",
            "petitioner-id_number": f"04019{i:07d}", "petitioner-address": "Xóm 1",
            "attachments": [(io.BytesIO(b"%PDF-1.4\n" + os.urandom(3000)), f"don-{i}.pdf")]})
        assert r.status_code == 302
        receipt = client.get(r.headers["Location"]).get_data(as_text=True)
        code = re.search(r'data-testid="tracking-code">([^<]+)<', receipt).group(1).replace("-", "")
        key = re.search(r'data-testid="access-key">([^<]+)<', receipt).group(1)
        receipts.append((code, key))
    src_url = app.config["SQLALCHEMY_DATABASE_URI"].replace("+psycopg", "")
    target_url = src_url.rsplit("/", 1)[0] + "/faults_restored"
    with create_engine(private_pg.url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "faults_restored" WITH (FORCE)'))
    env = dict(os.environ, DATABASE_URL=src_url, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    backup = subprocess.run(["bash", str(ROOT / "scripts/backup.sh"), str(tmp_path / "backups")], env=env,
                            check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    restored = subprocess.run(["bash", str(ROOT / "scripts/restore.sh"), backup, target_url,
                               str(tmp_path / "restored")], check=True, capture_output=True, text=True).stdout
    again = subprocess.run(["bash", str(ROOT / "scripts/restore.sh"), backup, target_url, str(tmp_path / "other")],
                           capture_output=True, text=True)

    def counts(url):
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:
            tables = [t for (t,) in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                                      "ORDER BY 1"))]
            out = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables}
        engine.dispose()
        return out
    before, after = counts(src_url), counts(target_url)
    report("backup and restore", {"backup": backup, "restore": restored.strip(),
                                  "tables": len(before), "cases": after.get("cases"),
                                  "files": len(sha(tmp_path / "restored")),
                                  "restore over existing data": f"exit {again.returncode}: {again.stderr.strip()}"})
    assert before == after and after["cases"] == 3 and after["attachments"] == 3
    assert sha(tmp_path / "uploads") == sha(tmp_path / "restored") and len(sha(tmp_path / "restored")) == 3
    assert again.returncode != 0 and "refusing" in again.stderr
    app.config["SQLALCHEMY_DATABASE_URI"] = target_url
    from petitions import create_app
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": target_url.replace("postgresql://",
                                                                                       "postgresql+psycopg://"),
                        "SECRET_KEY": "faults-secret", "UPLOAD_FOLDER": str(tmp_path / "restored"),
                        "REDIS_URL": app.config["REDIS_URL"]})
    with other.app_context():
        for code, key in receipts:
            case = find_public_case(code, key)
            assert case is not None and case.attachments
            assert (tmp_path / "restored" / case.attachments[0].stored_name).exists()
        db.engine.dispose()
