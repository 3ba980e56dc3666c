"""Tracking codes and access keys.

A tracking code is 10 characters of Crockford's base 32 (no I, L, O, U: nothing to
confuse over the phone), shown as two groups of five: 50 random bits, so codes
cannot be guessed or enumerated. The access key (8 characters, 40 bits) is given to
the filer once and only its salted hash is stored.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
KEY_LENGTH = 8
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_tracking_code() -> str:
    return _random(CODE_LENGTH)


def new_access_key() -> str:
    return _random(KEY_LENGTH)


def normalize(text: str | None) -> str:
    """What a person typed, read the way they meant it: case, spaces, dashes, O/0, I/1."""
    if not text:
        return ""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return cleaned.translate(_CONFUSABLE)


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


def format_key(key: str) -> str:
    return f"{key[:4]}-{key[4:]}" if len(key) == KEY_LENGTH else key


def hash_key(key: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256((salt + normalize(key)).encode()).hexdigest()
    return f"{salt}${digest}"


def check_key(stored: str, key: str) -> bool:
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(stored, hash_key(key, salt))
