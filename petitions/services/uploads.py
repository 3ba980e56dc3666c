"""Attachments: type checked from the content, stored outside the web root."""
from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

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
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return None


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
    ext = os.path.splitext(base)[1].lower()
    if ext not in ALLOWED[mime]:
        raise UploadError(
            _l("The file %(name)s does not contain what its name says; rename it or choose another file.", name=base)
        )
    return CheckedFile(base[:255], data, mime, hashlib.sha256(data).hexdigest())


def store(folder: str, checked: CheckedFile) -> str:
    """Write the file under a random name; returns that name."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(20)
    path = Path(folder) / stored
    with open(path, "xb") as fh:
        fh.write(checked.data)
    return stored
