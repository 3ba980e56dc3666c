"""Attachments: type checked from the content, stored outside the web root, sealed at rest
(services/sealed.py: encrypted with the identity keys, mode 0600). Every reader goes through
:func:`read_bytes`."""
from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from . import sealed

# What a citizen may attach: scans and photos of papers, and office documents.
ALLOWED = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/heic": (".heic", ".heif"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/msword": (".doc",),
}


class UploadError(ValueError):
    pass


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    data: bytes
    mime_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def sniff(data: bytes) -> str | None:
    """The file's real type, read from its first bytes; None if not an allowed type."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
            return None
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return None


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _zip_limits() -> tuple[int, int]:
    from flask import current_app, has_app_context
    if has_app_context():
        return current_app.config.get("MAX_UNZIPPED_BYTES", 100 << 20), current_app.config.get("MAX_ZIP_RATIO", 100)
    return 100 << 20, 100


def _check_unzipped(base: str, data: bytes) -> None:
    """A Word document is a zip: refuse one that unpacks to too much (a "zip bomb"),
    judged from the sizes its directory declares and then from what really unpacks."""
    max_total, max_ratio = _zip_limits()
    refused = UploadError(_l("The file %(name)s unpacks to far more than its size, as a harmful file "
                             "does; it was not accepted. Save the document again or send it as PDF.",
                             name=base))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
        declared = sum(i.file_size for i in entries)
        if len(entries) > 10000 or declared > max_total or declared > max_ratio * max(len(data), 1):
            raise refused
        # the declared sizes may lie: unpack in chunks and stop at the limit
        budget = min(max_total, max_ratio * max(len(data), 1))
        for info in entries:
            with archive.open(info) as member:
                while chunk := member.read(1 << 16):
                    budget -= len(chunk)
                    if budget < 0:
                        raise refused
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, NotImplementedError, OSError, RuntimeError) as error:
        if isinstance(error, UploadError):
            raise
        raise UploadError(_l("The file %(name)s is damaged and cannot be opened.", name=base)) from None


def check_upload(name: str, data: bytes, max_bytes: int) -> CheckedFile:
    base = os.path.basename(name or "").strip() or "file"
    if not data:
        raise UploadError(_l("The file %(name)s is empty.", name=base))
    if len(data) > max_bytes:
        raise UploadError(
            _l("The file %(name)s is larger than %(mb)s MB.", name=base, mb=max_bytes // (1024 * 1024))
        )
    mime = sniff(data)
    if mime is None:
        raise UploadError(
            _l("The file %(name)s is not a PDF, a photo (JPEG, PNG, HEIC) or a Word document.", name=base)
        )
    if mime == DOCX:
        _check_unzipped(base, data)
    ext = os.path.splitext(base)[1].lower()
    if ext not in ALLOWED[mime]:
        raise UploadError(
            _l("The file %(name)s does not contain what its name says; rename it or choose another file.", name=base)
        )
    return CheckedFile(base[:255], data, mime, hashlib.sha256(data).hexdigest())


def store(folder: str, checked: CheckedFile) -> str:
    """Write the file under a random name; returns that name.

    A file is kept only if the transaction that stored it commits: a write that fails (the
    disk is full) removes what it wrote, and a rollback (a later file failed, the database
    went away) removes the files the transaction had written, so no file is left without
    its case and no case without its files."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(20)
    path = Path(folder) / stored
    sealed.write(path, checked.data)  # removes what it wrote if the write fails
    _written_in_transaction().append(path)
    return stored


def attachment_path(att) -> Path:
    from flask import current_app
    return Path(current_app.config["UPLOAD_FOLDER"]) / att.stored_name


def read_bytes(att) -> bytes:
    """The attachment's bytes as the citizen sent them: the one reader of attachment files
    (the download, the pseudonymised copy, page counts). FileNotFoundError when the file is
    gone (deleted at the end of the retention period)."""
    return sealed.read(attachment_path(att))


def copy_stored(folder: str | os.PathLike, stored: str, new_stored: str) -> Path:
    """Copy a stored file under a new name as it is on disk (still sealed, mode 0600);
    the caller records the new path for removal if its transaction rolls back."""
    path = Path(folder) / new_stored
    sealed.write_raw(path, (Path(folder) / stored).read_bytes())
    return path


def _written_in_transaction() -> list:
    from ..extensions import db
    return db.session().info.setdefault("petitions_stored_files", [])


def _forget_files(session) -> None:
    session.info.pop("petitions_stored_files", None)


def _remove_uncommitted_files(session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    for path in session.info.pop("petitions_stored_files", None) or []:
        path.unlink(missing_ok=True)


def _listen() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    if not event.contains(Session, "after_commit", _forget_files):
        event.listen(Session, "after_commit", _forget_files)
        event.listen(Session, "after_transaction_end", _remove_uncommitted_files)


_listen()
