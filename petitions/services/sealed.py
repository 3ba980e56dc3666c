"""Files sealed at rest: citizens' attachments, the pseudonymised copies made from them, the
official documents generated from a case (DOCX and PDF, and the administrators' templates
beside them) and the background exports: every file the application keeps under
``UPLOAD_FOLDER``.

A sealed file is ``MAGIC`` followed by a Fernet token of the file's bytes, made with the
identity keys (``IDENTITY_KEYS``, services/crypto.py): the first key seals, every key opens,
so the files rotate with the identities (``flask identity rotate``) and the server's
backups are useless without the keys (docs/operations.md). Files are created with mode
0600, whatever the process's umask.

Fernet seals a whole message, so a file is read whole: an attachment is at most
``MAX_ATTACHMENT_BYTES`` (10 MB), and every reader already held the whole file in memory
(type sniffing, PDF page counts, the copies' ZIP).

A file without ``MAGIC`` is a file stored before sealing existed: it still reads, and
``flask attachments seal`` (or ``flask identity rotate``) seals it in place. An uploaded
file never starts with ``MAGIC`` (uploads.sniff accepts PDF, images and Word files only), so
the two cannot be confused.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from . import crypto

MAGIC = b"PETITIONS-SEALED-1\n"
MODE = 0o600

__all__ = ["MAGIC", "MODE", "InvalidToken", "is_sealed", "open_bytes", "read", "reseal", "seal", "write",
           "write_raw"]


def seal(data: bytes, app=None) -> bytes:
    return MAGIC + crypto.keyring(app).encrypt(data)


def is_sealed(raw: bytes) -> bool:
    return raw.startswith(MAGIC)


def open_bytes(raw: bytes, app=None) -> bytes:
    """The file's own bytes from what is on disk (a legacy plain file as it is)."""
    if not is_sealed(raw):
        return raw
    return crypto.keyring(app).decrypt(raw[len(MAGIC):])


def read(path: str | os.PathLike, app=None) -> bytes:
    """The one way a sealed file is read. Raises FileNotFoundError when it is gone."""
    return open_bytes(Path(path).read_bytes(), app)


def write_raw(path: str | os.PathLike, raw: bytes, *, replace: bool = False) -> None:
    """Write ``raw`` as it is, mode 0600, flushed to disk. A new file refuses to overwrite
    one; ``replace`` writes beside it and renames over it (a crash leaves old or new, whole)."""
    path = Path(path)
    target = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp") if replace else path
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    try:
        os.fchmod(fd, MODE)  # os.open's mode passes through the umask; the file is 0600 regardless
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if replace:
        os.replace(target, path)


def write(path: str | os.PathLike, data: bytes, app=None) -> None:
    """Seal ``data`` into a new file at ``path`` (mode 0600)."""
    write_raw(path, seal(data, app))


@dataclass
class ResealResult:
    files: int = 0
    sealed: int = 0        # were plain: sealed now
    rotated: int = 0       # were under an older key: under the first key now
    current: int = 0       # already under the first key
    failures: list[str] = field(default_factory=list)  # do not open with the configured keys
    loose_modes: int = 0   # were readable by others: now 0600
    kinds: dict[str, int] = field(default_factory=dict)  # files walked, by kind (attachments, documents...)

    @property
    def by_kind(self) -> str:
        return ", ".join(f"{n} {kind}" for kind, n in self.kinds.items() if n) or "none"

    @property
    def ok(self) -> bool:
        return not self.failures


def _first_key(app=None) -> Fernet:
    from flask import current_app
    return Fernet(crypto.parse_keys((app or current_app).config["IDENTITY_KEYS"])[0].encode())


def reseal(path: Path, result: ResealResult, *, dry_run: bool = False, app=None) -> None:
    """Bring one file to the first key, mode 0600; idempotent (a current file is left alone)."""
    result.files += 1
    if path.stat().st_mode & 0o077:
        result.loose_modes += 1
        if not dry_run:
            path.chmod(MODE)
    raw = path.read_bytes()
    ring = crypto.keyring(app)
    if not is_sealed(raw):
        result.sealed += 1
        if not dry_run:
            write_raw(path, seal(raw, app), replace=True)
        return
    token = raw[len(MAGIC):]
    try:
        _first_key(app).decrypt(token)
        result.current += 1
        return
    except InvalidToken:
        pass
    try:
        rotated = ring.rotate(token)
    except InvalidToken:
        result.failures.append(str(path))
        return
    result.rotated += 1
    if not dry_run:
        write_raw(path, MAGIC + rotated, replace=True)


def stored_kinds():
    """Each kind of sealed file: (label, model, the columns naming its files, its folder)."""
    from flask import current_app

    from ..models import Attachment, DocumentTemplate, ExportJob, IssuedDocument, PseudonymisedCopy
    from .documents import FOLDER as DOCUMENT_FOLDER
    from .exports import FOLDER as EXPORT_FOLDER
    from .verification import COPY_FOLDER
    root = Path(current_app.config["UPLOAD_FOLDER"])
    return (("attachments", Attachment, ("stored_name",), root),
            ("copies", PseudonymisedCopy, ("stored_name",), root / COPY_FOLDER),
            ("documents", IssuedDocument, ("docx_name", "pdf_name"), root / DOCUMENT_FOLDER),
            ("templates", DocumentTemplate, ("stored_name",), root / DOCUMENT_FOLDER),
            ("exports", ExportJob, ("stored_name",), root / EXPORT_FOLDER))


def stored_files(batch: int = 1000):
    """(kind, path) of every sealed file a row points to: the attachments, the pseudonymised
    copies, the issued documents' DOCX and PDF, the uploaded templates and the exports, walked
    by id (files of other installations or tests sharing the folder, and files already deleted
    at the end of the retention period, are not ours to touch)."""
    from ..extensions import db
    for label, model, columns, folder in stored_kinds():
        last = 0
        while True:
            rows = db.session.execute(db.select(model.id, *(getattr(model, c) for c in columns))
                                      .where(model.id > last).order_by(model.id).limit(batch)).all()
            if not rows:
                break
            last = rows[-1].id
            for row in rows:
                for name in row[1:]:
                    if name:
                        yield label, folder / name


def reseal_all(*, dry_run: bool = False, app=None) -> ResealResult:
    """Every stored file (attachments, copies, documents, templates, exports) under the first
    key, mode 0600 (``flask attachments seal``, ``flask identity rotate``); with ``dry_run``
    only counts (``flask identity check``)."""
    result = ResealResult()
    for kind, path in stored_files():
        if path.is_file():
            result.kinds[kind] = result.kinds.get(kind, 0) + 1
            reseal(path, result, dry_run=dry_run, app=app)
    return result
