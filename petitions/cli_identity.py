"""``flask identity``: the keys of filers' identity (services/crypto.py).

Rotating a key, step by step (nothing stops; old and new keys both read meanwhile):

1. ``flask identity new-key`` prints a fresh key;
2. put it FIRST in ``IDENTITY_KEYS`` (``new,old``) and restart the web and worker processes;
3. ``flask identity rotate`` re-encrypts every encrypted value (parties' identity, marked
   passages of pseudonymised copies) with the new key, in batches, and
   recomputes every ID number's blind index (so a new ``IDENTITY_INDEX_KEY`` is taken
   into account in the same pass);
   and every sealed file (attachments, pseudonymised copies, issued documents and templates,
   exports: services/sealed.py);
4. ``flask identity check`` must say 0 rows and 0 files under older keys and 0 failures;
5. remove the old key from ``IDENTITY_KEYS`` and restart.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import click
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Text, type_coerce

from .extensions import db
from .models.types import EncryptedText
from .services import crypto, sealed

identity_cli = click.Group("identity", help="Keys of filers' identity: new-key, rotate, check.")


def sealed_tables() -> dict:
    """Every table with encrypted columns -> those columns (parties first)."""
    out = {}
    for table in db.metadata.sorted_tables:
        cols = [c.name for c in table.columns if isinstance(c.type, EncryptedText)]
        if cols:
            out[table] = cols
    return dict(sorted(out.items(), key=lambda kv: kv[0].name != "parties"))


def _raw_batches(table, cols: list[str], batch: int):
    """Rows as stored (tokens, not plain text), by id, ``batch`` rows at a time."""
    extra = [table.c.id_number_digest] if table.name == "parties" else []
    last = None  # ids are integers in most tables, strings in some (citizen_sessions): no literal start
    while True:
        query = db.select(table.c.id, *extra, *[type_coerce(table.c[n], Text).label(n) for n in cols])
        if last is not None:
            query = query.where(table.c.id > last)
        rows = db.session.execute(query.order_by(table.c.id).limit(batch)).mappings().all()
        if not rows:
            return
        last = rows[-1]["id"]
        yield rows


@dataclass
class RotateResult:
    rows: int = 0
    values: int = 0
    digests_changed: int = 0
    batches: int = 0
    tables: dict = field(default_factory=dict)


def rotate_parties(batch: int = 1000, echo=None) -> RotateResult:
    """Re-encrypt every encrypted value (the parties' identity, the marked passages…) with the
    first key and recompute the ID numbers' blind index. Commits each batch: an interrupted
    run is simply run again."""
    ring = crypto.keyring()
    result = RotateResult()
    for table, cols in sealed_tables().items():
        parties = table.name == "parties"
        sets = ", ".join(f"{c} = :{c}" for c in cols) + (", id_number_digest = :id_number_digest" if parties else "")
        update = db.text(f"UPDATE {table.name} SET {sets} WHERE id = :id")
        for rows in _raw_batches(table, cols, batch):
            params = []
            for row in rows:
                values = {"id": row["id"]}
                for c in cols:
                    token = row[c]
                    values[c] = ring.rotate(token.encode("ascii")).decode("ascii") if token is not None else None
                    result.values += token is not None
                if parties:
                    plain_id = ring.decrypt(row["id_number"].encode("ascii")).decode() if row["id_number"] else None
                    values["id_number_digest"] = crypto.id_digest(plain_id)
                    result.digests_changed += values["id_number_digest"] != row["id_number_digest"]
                params.append(values)
            db.session.execute(update, params)
            db.session.commit()
            result.rows += len(rows)
            result.tables[table.name] = result.tables.get(table.name, 0) + len(rows)
            result.batches += 1
            if echo:
                echo(result)
    return result


@dataclass
class CheckResult:
    rows: int = 0
    values: int = 0
    under_older_keys: int = 0
    failures: list[str] = field(default_factory=list)
    wrong_digests: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.wrong_digests


def check_parties(batch: int = 1000) -> CheckResult:
    """Every stored value decrypts with the configured keys; every blind index matches."""
    ring = crypto.keyring()
    first = Fernet(crypto.parse_keys(current_app.config["IDENTITY_KEYS"])[0].encode())
    result = CheckResult()
    for table, cols in sealed_tables().items():
        parties = table.name == "parties"
        for rows in _raw_batches(table, cols, batch):
            for row in rows:
                result.rows += 1
                older = False
                try:
                    for c in cols:
                        if row[c] is None:
                            continue
                        result.values += 1
                        ring.decrypt(row[c].encode("ascii"))
                        try:
                            first.decrypt(row[c].encode("ascii"))
                        except InvalidToken:
                            older = True
                    if parties:
                        plain_id = ring.decrypt(row["id_number"].encode("ascii")).decode() if row["id_number"] else None
                except (InvalidToken, UnicodeEncodeError):
                    result.failures.append(f"{table.name} {row['id']}")
                    continue
                result.under_older_keys += older
                if parties and crypto.id_digest(plain_id) != row["id_number_digest"]:
                    result.wrong_digests.append(row["id"])
            db.session.rollback()  # nothing to keep; frees the read snapshot between batches
    return result


@identity_cli.command("new-key")
@click.option("--index", is_flag=True, help="A key for IDENTITY_INDEX_KEY instead of IDENTITY_KEYS.")
def new_key_cmd(index: bool):
    """Print a fresh key (nothing is stored)."""
    import secrets
    click.echo(secrets.token_urlsafe(48) if index else crypto.new_key())


@identity_cli.command("rotate")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@with_appcontext
def rotate_cmd(batch: int):
    """Re-encrypt every encrypted value with the first key of IDENTITY_KEYS; recompute the ID index."""
    def progress(r: RotateResult):
        click.echo(f"batch {r.batches}: {r.rows} rows so far")
    r = rotate_parties(batch, echo=progress)
    per_table = ", ".join(f"{n} {name}" for name, n in r.tables.items()) or "nothing"
    click.echo(f"{r.rows} rows re-encrypted with the first key ({per_table}; {r.values} values, "
               f"{r.batches} batches); {r.digests_changed} ID-number digests recomputed")
    files = sealed.reseal_all()
    click.echo(_files_line(files, "re-sealed with the first key"))
    if not files.ok:
        raise SystemExit(1)


def _files_line(r: "sealed.ResealResult", verb: str) -> str:
    line = (f"{r.files} files: {r.rotated} {verb}, {r.sealed} plain files sealed, {r.current} already current, "
            f"{len(r.failures)} do not open ({r.by_kind})")
    if r.failures:
        line += "\nnot opening: " + ", ".join(r.failures[:50])
    return line


@identity_cli.command("check")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@with_appcontext
def check_cmd(batch: int):
    """Verify that every encrypted value decrypts and every ID-number digest matches; exit 1 if not."""
    r = check_parties(batch)
    click.echo(f"{r.rows} rows, {r.values} values: {len(r.failures)} do not decrypt, "
               f"{len(r.wrong_digests)} wrong ID-number digests, {r.under_older_keys} under older keys")
    if r.failures:
        click.echo("not decrypting (table id): " + ", ".join(r.failures[:50]))
    if r.wrong_digests:
        click.echo("wrong digests (party ids): " + ", ".join(map(str, r.wrong_digests[:50]))
                   + " — run flask identity rotate")
    files = sealed.reseal_all(dry_run=True)
    click.echo(f"{files.files} files: {len(files.failures)} do not open, {files.rotated} under older keys, "
               f"{files.sealed} not sealed, {files.loose_modes} readable by others ({files.by_kind})")
    if files.failures:
        click.echo("not opening: " + ", ".join(files.failures[:50]))
    if not r.ok or not files.ok:
        raise SystemExit(1)


attachments_cli = click.Group("attachments", help="Files sealed at rest (attachments, pseudonymised copies, "
                                                 "issued documents and templates, exports): seal.")


@attachments_cli.command("seal")
@click.option("--dry-run", is_flag=True, help="Count only; change nothing.")
@with_appcontext
def seal_cmd(dry_run: bool):
    """Seal the files stored before sealing: attachments, pseudonymised copies, issued documents
    (DOCX, PDF), uploaded templates and exports (and bring every file to the first key, mode 0600).
    Idempotent: a second run finds every file current."""
    r = sealed.reseal_all(dry_run=dry_run)
    click.echo(("(dry run) " if dry_run else "") + _files_line(r, "re-sealed with the first key")
               + f"; {r.loose_modes} were readable by others")
    if not r.ok:
        raise SystemExit(1)
