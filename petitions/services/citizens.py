"""Citizens signed in with VNeID (issue 19): their sessions, their letters, their notices.

- A session is a row of ``citizen_sessions`` (models/citizens.py) found by the SHA-256 of
  the cookie's token, under its own session key: it gives no officer right, and signing out
  deletes it (a cookie kept from before opens nothing).
- "My letters" are the cases where a party's ``id_number_digest`` is the blind index of the
  verified ID number: never a match by name. A person named as the accused, or in the text
  of someone else's letter, is not a party of it and sees nothing of it. Every letter a
  citizen opens from their page is on the record (``citizen_view_case``).
- Their choice of notices applies to every letter they filed first (the one the notices go
  to, ``Case.petitioner``), with the same consent rule and audit action as the status page.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from ..extensions import db
from ..models import AuditLog, Case, CitizenSession, Party
from ..models.types import utcnow
from .crypto import id_digest
from .notices import NoticeError

#: the session key of the citizen's token in the signed cookie (officers: "sid" and "_user_id")
SESSION_KEY = "citizen_sid"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _audit(action: str, *, on: str, ident: str | None, **details) -> None:
    db.session.add(AuditLog(action=action, object_type=on, object_id=ident, details=details or None))


def start_session(id_number: str, full_name: str | None, id_token: str | None, *, lifetime: float) -> str:
    """A new citizen session; returns the token for the cookie (only its hash is kept).
    Sessions past their end are removed on the way. The audit names the session, never
    the person (their ID number stays out of the log)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(db.delete(CitizenSession).where(CitizenSession.expires_at < now))
    row = CitizenSession(id=_hash(token), id_number_digest=id_digest(id_number), id_number=id_number,
                         full_name=full_name, id_token=id_token, created_at=now, seen_at=now,
                         expires_at=now + timedelta(seconds=lifetime))
    db.session.add(row)
    _audit("citizen_sign_in", on="citizen_session", ident=row.id[:12])
    db.session.flush()
    return token


def current(token) -> CitizenSession | None:
    """The open session of this cookie's token, or None (unknown, signed out or past its end)."""
    if not token or not isinstance(token, str):
        return None
    row = db.session.get(CitizenSession, _hash(token))
    if row is None or row.expires_at <= utcnow():
        return None
    return row


def end_session(token) -> CitizenSession | None:
    """Sign out on the server; returns the row that was ended (its ID token is needed for
    the provider's end_session_endpoint), or None."""
    row = current(token)
    if token and isinstance(token, str):
        db.session.execute(db.delete(CitizenSession).where(CitizenSession.id == _hash(token)))
    if row is not None:
        _audit("citizen_sign_out", on="citizen_session", ident=row.id[:12])
    return row


def _mine(citizen: CitizenSession):
    """The ids of the cases where the citizen is a party (filer, co-signer, representative)."""
    return db.select(Party.case_id).where(Party.id_number_digest == citizen.id_number_digest)


def my_letters(citizen: CitizenSession) -> list[Case]:
    """Every letter filed under the citizen's verified ID number, newest first."""
    return list(db.session.scalars(db.select(Case).where(Case.id.in_(_mine(citizen)))
                                   .order_by(Case.received_on.desc(), Case.id.desc())))


def my_letter(citizen: CitizenSession, code: str) -> Case | None:
    """One of the citizen's letters by its tracking code; None for anyone else's."""
    from .codes import normalize
    return db.session.scalar(db.select(Case).where(Case.tracking_code == normalize(code),
                                                   Case.id.in_(_mine(citizen))))


def record_view(citizen: CitizenSession, case: Case) -> None:
    """A letter opened from the citizen's page without its access key: on the record."""
    _audit("citizen_view_case", on="case", ident=case.tracking_code, vneid_session=citizen.id[:12])
    db.session.flush()


def filed_first(citizen: CitizenSession) -> list[Party]:
    """The citizen's party rows as the first filer: the ones notices go to."""
    return list(db.session.scalars(db.select(Party).where(
        Party.id_number_digest == citizen.id_number_digest, Party.role == "petitioner")
        .order_by(Party.case_id)))


def current_choice(citizen: CitizenSession) -> str:
    """The channel of the citizen's latest letter (what the form starts from)."""
    parties = filed_first(citizen)
    return (parties[-1].notify_channel if parties else None) or "email"


class NoPhone(NoticeError):
    pass


def choose_notices(citizen: CitizenSession, channel: str, *, consent: bool) -> tuple[list[Case], list[Case]]:
    """The citizen's choice for every letter they filed first: (letters changed, letters
    left as they were because they give no mobile number for SMS or Zalo). Each change is
    audited as on the status page (``choose_notices``), with ``by: vneid``."""
    from .notices import phone_84, record_choice
    from flask_babel import lazy_gettext as _l
    if channel in ("sms", "zalo") and not consent:
        raise NoticeError(_l("Tick the box to agree to notices by SMS or Zalo, or choose e-mail."))
    changed, skipped = [], []
    for party in filed_first(citizen):
        case = party.case
        if channel in ("sms", "zalo") and phone_84(party.phone) is None:
            skipped.append(case)
            continue
        record_choice(party, channel, consent=consent)
        _audit("choose_notices", on="case", ident=case.tracking_code, channel=channel, by="vneid")
        changed.append(case)
    if channel in ("sms", "zalo") and not changed and skipped:
        raise NoPhone(_l("None of your letters gives a mobile phone number: choose e-mail."))
    db.session.flush()
    return changed, skipped


def verify_filer(case: Case, citizen: CitizenSession) -> None:
    """The first filer of a letter filed while signed in: vouched for by the provider."""
    filer = case.petitioner
    if filer is not None and filer.id_number_digest == citizen.id_number_digest:
        filer.verified_by = "vneid"
