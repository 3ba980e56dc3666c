"""Vietnamese alphabetical order, the same on SQLite and PostgreSQL (sorted in Python).

The Vietnamese alphabet is a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y:
"Bạch Hà" < "Bích Hào" < "Bình Chuẩn" < "Bình Minh", and every "Đ…" comes after every
"D…" and before "E…" (code points put "Đ" after "Y" and "Bạ" after "Bì"). The tone marks
are secondary: they decide only between names spelled alike otherwise, in the dictionary
order ngang, huyền, hỏi, ngã, sắc, nặng (a, à, ả, ã, á, ạ); capitals last.

``vi_key`` is the one sort key; ``sort_by_name`` sorts (code, name) rows or objects with a
``name``. Every list of communes or agencies shown to a person goes through them: a
cached option list (per process) keeps the order it was built in.
"""
from __future__ import annotations

import unicodedata
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")

# Latin letters not in the Vietnamese alphabet (f, j, w, z) keep their Latin place
_ALPHABET = ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "ô",
             "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z"]
_LETTER = {letter: 100 + i for i, letter in enumerate(_ALPHABET)}
# marks that make a letter of their own (ă â ê ô ơ ư); the others are tones
_SHAPES = {"\u0306": "\u0306", "\u0302": "\u0302", "\u031b": "\u031b"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng


def _letters(text: str):
    """(letter, tone, capital) for each character of ``text``, letters precomposed."""
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out:
            letter, tone, capital = out[-1]
            if ch in _SHAPES:
                out[-1] = (unicodedata.normalize("NFC", letter + ch), tone, capital)
            elif ch in _TONES:
                out[-1] = (letter, _TONES[ch], capital)
            continue
        lower = ch.lower()
        out.append((lower, 0, ch != lower))
    return out


def vi_key(text: str | None) -> tuple:
    """Sort key of ``text`` in Vietnamese alphabetical order (see the module's note)."""
    letters = _letters(text or "")
    primary = []
    for letter, _tone, _capital in letters:
        if letter in _LETTER:
            primary.append(_LETTER[letter])
        elif letter.isspace():
            primary.append(1)  # "Bình Minh" before "Bìnhx": a word ends before it goes on
        elif letter.isdigit():
            primary.append(10 + int(letter) if letter in "0123456789" else 50)
        else:
            primary.append(1000 + ord(letter))
    return (tuple(primary), tuple(t for _l, t, _c in letters), tuple(c for _l, _t, c in letters), text or "")


def sort_by_name(rows: Iterable[T], name: Callable[[T], str] | None = None) -> list[T]:
    """``rows`` in Vietnamese order of their name: (code, name) pairs, or objects with ``.name``."""
    if name is None:
        def name(row):
            return row[1] if isinstance(row, tuple) or hasattr(row, "_fields") else row.name
    return sorted(rows, key=lambda row: vi_key(name(row)))


def commune_choices() -> list[tuple[str, str]]:
    """(code, name) of every commune and ward of the province, in Vietnamese order (kept per
    process until the reference data change: services/refdata.py)."""
    from . import refdata
    return refdata.commune_choices()


def agency_choices(*conditions) -> list[tuple[str, str]]:
    """(code, name) of the agencies matching ``conditions``: provincial bodies first, then
    the communes' People's Committees, each in Vietnamese order."""
    from ..extensions import db
    from ..models import Agency
    rows = db.session.execute(db.select(Agency.code, Agency.name, Agency.level).where(*conditions)).all()
    rows.sort(key=lambda r: (r.level != "province", vi_key(r.name)))
    return [(r.code, r.name) for r in rows]


def agency_order(agency) -> tuple:
    """Sort key of an Agency object in the same order as ``agency_choices``."""
    return (agency.level != "province", vi_key(agency.name))
