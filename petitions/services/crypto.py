"""Filers' identity encrypted at rest (Law on Denunciations Art. 8, 47, 56; Law 91/2025 on
personal data).

Every party's name, ID number, phone, e-mail and address is stored as a Fernet token
(AES-128-CBC + HMAC-SHA256, random IV: the same name encrypts differently each time).

- ``IDENTITY_KEYS``: comma-separated Fernet keys. The first encrypts; all of them decrypt
  (``MultiFernet``), so a new key is put first, ``flask identity rotate`` re-encrypts every
  row with it, and then the old key is removed.
- ``IDENTITY_INDEX_KEY``: the key of the blind index. A token cannot be compared, so each
  party also keeps ``id_number_digest`` = HMAC-SHA256(index key, the ID number's digits),
  which the duplicate finder and the look-ups by citizen ID match on. It is a separate
  secret, not derived from the encryption keys (rotating them must not change the digests,
  else every look-up would break between two rotations) nor from ``SECRET_KEY`` (rotating
  the session secret, e.g. after an officer's laptop is lost, must not touch the data).
  Changing it is possible too: ``flask identity rotate`` recomputes every digest from the
  decrypted ID number in the same pass.

In development both are generated once under ``instance/`` (config.py); production refuses
to start without them.
"""
from __future__ import annotations

import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

__all__ = ["InvalidToken", "decrypt", "encrypt", "id_digest", "keyring", "new_key", "normalise_id",
           "parse_keys"]

_NOT_DIGIT = re.compile(r"\D")


def parse_keys(value) -> list[str]:
    """``"k1, k2"`` or ``["k1", "k2"]`` -> ``["k1", "k2"]`` (order kept: the first encrypts)."""
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [k.strip() for k in items if k and k.strip()]


def new_key() -> str:
    return Fernet.generate_key().decode()


def keyring(app=None) -> MultiFernet:
    """The app's MultiFernet, rebuilt when ``IDENTITY_KEYS`` changes (tests, rotation)."""
    app = app or current_app
    keys = tuple(parse_keys(app.config.get("IDENTITY_KEYS")))
    if not keys:
        raise RuntimeError("IDENTITY_KEYS is not set: filers' identity cannot be read or stored")
    cached = app.extensions.get("petitions_identity_keyring")
    if cached and cached[0] == keys:
        return cached[1]
    ring = MultiFernet([Fernet(k.encode()) for k in keys])
    app.extensions["petitions_identity_keyring"] = (keys, ring)
    return ring


def encrypt(text: str | None, app=None) -> str | None:
    if text is None:
        return None
    return keyring(app).encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str | None, app=None) -> str | None:
    if token is None:
        return None
    return keyring(app).decrypt(token.encode("ascii")).decode("utf-8")


def normalise_id(id_number: str | None) -> str:
    """The digits of a citizen ID number: ``"040 123 456 789"`` and ``"040123456789"`` match."""
    return _NOT_DIGIT.sub("", id_number or "")


def id_digest(id_number: str | None, app=None) -> str | None:
    """The blind index of an ID number (hex HMAC-SHA256), None when there is no number."""
    digits = normalise_id(id_number)
    if not digits:
        return None
    app = app or current_app
    key = app.config.get("IDENTITY_INDEX_KEY")
    if not key:
        raise RuntimeError("IDENTITY_INDEX_KEY is not set")
    return hmac.new(key.encode("utf-8"), digits.encode("ascii"), hashlib.sha256).hexdigest()
