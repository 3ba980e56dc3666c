"""The one redaction engine: finds a person's identity in any text, however it is written.

Every outlet that may show a letter's words to someone who may not know who sent it
(pages, the officers' API, the queue, the search index, exports, mails and digests, in-app
notifications, official documents, the verification copy, logs, administrators' error
displays) asks this module, so a variant taught here is taught everywhere.

Pure Python (no Flask, no database): :class:`Identity` is built from plain values
(``Identity.of_parties(case.parties)`` for a case), :meth:`Identity.spans` finds them,
:meth:`Identity.redact` blacks them out and :meth:`Identity.found` is the check run on a
finished document, page or file.

How a value is matched. The text is folded character by character (same length, so a
match's position is the original's): accents go (``đ`` too), upper case becomes lower,
and every character that is not a Latin letter or a digit counts as a separator. Then:

- **names**: the parts in any order, written apart (spaces, dots, dashes, line breaks,
  commas: up to :data:`PART_GAP` separators) or run together ("QuýtzyLòVăn"); a run of
  two or more of the name's parts that holds the given name ("Văn Quýtzy", "Quýtzy Lò");
  and the given name alone when it is written as a name (capitalised, or after a word such
  as "ông", "anh", "tên") and has three letters or more;
- **ID numbers**: the digits with any one or two separators between them
  ("038 095 001 234", "038.095.001.234"), never inside a longer number;
- **phones**: national ("0971 234 987") and international ("+84 971 234 987",
  "84971234987", "0084…") forms, and the subscriber number alone, with any separators;
- **e-mail addresses**: the address with its dots and "@" written any way between its
  parts, and the part before "@" alone when it is five characters or longer;
- **addresses**: the whole address with any punctuation between its words, its first
  part when it holds a house number ("Số 12, đường Lê Lợi"), and that part without its
  generic words ("12 Lê Lợi").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["Identity", "fold_text", "skeleton", "PART_GAP"]

PART_GAP = 8  # separators allowed between two parts of a value (", " + line break + indent)
DIGIT_GAP = 3  # between two digits of a number ("0971 - 234", "038.095")
GIVEN_MIN = 3  # a given name alone is matched from this length (never "An" in "Nghệ An")
EMAIL_LOCAL_MIN = 5
# words after which a lone given name is a person's name whatever its case ("anh quýtzy")
HONORIFICS = frozenset("ong ba anh chi em co chu bac chau cau di thim mo ten cu".split())
# generic words of a Vietnamese address, left out of the short form "12 Lê Lợi"
ADDRESS_WORDS = frozenset("so duong pho ngo ngach hem kiet thon xom ap to khoi ban phuong xa thi tran "
                          "quan huyen tp thanh tinh khu dan cu nha".split())

_SEP = " "
_GAP_PARTS = f"[^a-z0-9]{{0,{PART_GAP}}}"
_GAP_DIGITS = f"[^a-z0-9]{{0,{DIGIT_GAP}}}"


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
    if base[:1].isascii() and base[:1].isalnum():
        return base[0]
    return _SEP


def fold_text(text: str) -> str:
    """Accent-free lower case, one character for one character; every character that is
    not a Latin letter or a digit becomes a space. ``len(fold_text(t)) == len(t)`` for NFC
    text."""
    return "".join(_fold_char(c) for c in text)


def skeleton(text: str) -> str:
    """Letters and digits only, folded: what a separator-blind comparison compares."""
    return re.sub(r"[^a-z0-9]", "", fold_text(unicodedata.normalize("NFC", text or "")))


def _words(value: str) -> list[str]:
    return [w for w in fold_text(unicodedata.normalize("NFC", value)).split() if w]


def _digits(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", value) if c.isdigit())


def _number(digits: str) -> str:
    return _GAP_DIGITS.join(digits)


def _alt(options) -> str:
    options = sorted(set(options), key=len, reverse=True)
    return "(?:" + "|".join(options) + ")"


@dataclass
class _Name:
    pattern: re.Pattern   # a run of two or more of the name's parts (any order, run together)
    parts: tuple[str, ...]
    given: str
    full: frozenset
    single: re.Pattern | None  # the given name alone

    def spans(self, text: str, folded: str, loose: bool) -> list[tuple[int, int]]:
        out = []
        for m in self.pattern.finditer(folded):
            found = _PART_SPLIT[self.parts].findall(m.group(0).replace(" ", ""))
            if self.given in found and (len(set(found)) >= 2 or len(self.full) == 1):
                out.append(m.span())
        if self.single is not None:
            for m in self.single.finditer(folded):
                start = m.start()
                if len(self.full) == 1 or (loose and (text[start].isupper() or _after_honorific(folded, start))):
                    out.append(m.span())
        return out


_PART_SPLIT: dict[tuple[str, ...], re.Pattern] = {}


def _after_honorific(folded: str, start: int) -> bool:
    before = folded[max(0, start - 12):start].split()
    return bool(before) and before[-1] in HONORIFICS


def _name(value: str) -> _Name | None:
    parts = _words(value)
    if not parts or (len(parts) == 1 and len(parts[0]) < GIVEN_MIN):
        return None
    options = _alt(re.escape(p) for p in parts)
    given = parts[-1]
    _PART_SPLIT.setdefault(tuple(parts), re.compile(options))
    if len(parts) == 1:
        run = re.compile(rf"(?<![a-z0-9]){options}(?![a-z0-9])")
    else:
        run = re.compile(rf"(?<![a-z0-9]){options}(?:{_GAP_PARTS}{options})+(?![a-z0-9])")
    single = (re.compile(rf"(?<![a-z0-9]){re.escape(given)}(?![a-z0-9])")
              if len(given) >= GIVEN_MIN and len(parts) > 1 else None)
    return _Name(run, tuple(parts), given, frozenset(parts), single)


def _id_number(value: str) -> re.Pattern | None:
    digits = _digits(value)
    if len(digits) < 6:
        return None
    return re.compile(rf"(?<![0-9]){_number(digits)}(?![0-9])")


def phone_forms(value: str) -> list[str]:
    """The digit strings a phone number is written as: 0971234987, 84971234987,
    0084971234987, 840971234987 and the subscriber number 971234987."""
    digits = _digits(value)
    if digits.startswith("0084"):
        digits = digits[4:]
    elif digits.startswith("84") and len(digits) >= 11:
        digits = digits[2:]
    rest = digits[1:] if digits.startswith("0") else digits
    if len(rest) < 7:
        return [digits] if len(digits) >= 6 else []
    return ["0" + rest, "84" + rest, "0084" + rest, "840" + rest, rest]


def _phone(value: str) -> re.Pattern | None:
    forms = phone_forms(value)
    if not forms:
        return None
    return re.compile(rf"(?<![0-9]){_alt(_number(f) for f in forms)}(?![0-9])")


def _chunks(words: list[str]) -> str:
    return _GAP_PARTS.join(re.escape(w) for w in words)


def _email(value: str) -> re.Pattern | None:
    value = value.strip()
    if "@" not in value:
        return None
    local, _at, _domain = value.partition("@")
    whole = _words(value)
    if len("".join(whole)) < 5:
        return None
    options = [_chunks(whole)]
    local_words = _words(local)
    if len("".join(local_words)) >= EMAIL_LOCAL_MIN:
        options.append(_chunks(local_words))
    return re.compile(rf"(?<![a-z0-9]){_alt(options)}(?![a-z0-9])")


def _address(value: str) -> re.Pattern | None:
    whole = _words(value)
    if len("".join(whole)) < 8:
        return None
    options = [_chunks(whole)]
    # the house and street: the first part(s) up to one with a proper word ("Số 12, đường Lê Lợi")
    first: list[str] = []
    for segment in re.split(r"[,;\n]", value):
        first += _words(segment)
        if any(not w.isdigit() and w not in ADDRESS_WORDS for w in first):
            break
    short = [w for w in first if w not in ADDRESS_WORDS]
    if any(w.isdigit() for w in short) and any(not w.isdigit() for w in short) and first != whole:
        options += [_chunks(first), _chunks(short)]
    return re.compile(rf"(?<![a-z0-9]){_alt(options)}(?![a-z0-9])")


@dataclass
class Identity:
    """What names one or more people, compiled once for many texts."""

    names: list[_Name] = field(default_factory=list)
    patterns: list[re.Pattern] = field(default_factory=list)
    phones: list[re.Pattern] = field(default_factory=list)

    @classmethod
    def of(cls, *, names=(), id_numbers=(), phones=(), emails=(), addresses=()) -> Identity:
        out = cls()
        for value in names:
            if value and (n := _name(value)):
                out.names.append(n)
        for values, build in ((id_numbers, _id_number), (phones, _phone), (emails, _email),
                              (addresses, _address)):
            for value in values:
                if value and (p := build(value)):
                    out.patterns.append(p)
                    if build is _phone:
                        out.phones.append(p)
        return out

    @classmethod
    def of_parties(cls, parties) -> Identity:
        """Every filer, co-signer and representative of a case (their stored values)."""
        parties = list(parties)
        return cls.of(names=[p.full_name for p in parties], id_numbers=[p.id_number for p in parties],
                      phones=[p.phone for p in parties], emails=[p.email for p in parties],
                      addresses=[p.address for p in parties])

    def __bool__(self) -> bool:
        return bool(self.names or self.patterns)

    def spans(self, text: str, *, loose: bool = True) -> list[tuple[int, int]]:
        """Where the identity is in ``text`` (NFC), merged and sorted. ``loose`` also
        matches the given name alone where it is written as a name."""
        if not text or not self:
            return []
        folded = fold_text(text)
        found = []
        for name in self.names:
            found += name.spans(text, folded, loose)
        for pattern in self.patterns:
            for m in pattern.finditer(folded):
                start = m.start()
                while start > 0 and text[start - 1] in "+(" and pattern in self.phones:
                    start -= 1  # "+84", "(+84": the sign belongs to the number
                found.append((start, m.end()))
        return _merge(found)

    def redact(self, text: str | None, mark: str = "[…]") -> tuple[str, int]:
        """(the text with every match replaced by ``mark``, how many)."""
        if not text:
            return text or "", 0
        text = unicodedata.normalize("NFC", text)
        spans = self.spans(text)
        if not spans:
            return text, 0
        out, last = [], 0
        for start, end in spans:
            out += [text[last:start], mark]
            last = end
        out.append(text[last:])
        return "".join(out), len(spans)

    def found(self, text: str | None) -> bool:
        """Does a finished text (a document, a page, a file's properties) still name the
        person? Ignores case, accents and separators; the given name alone does not count
        (it is matched when blacking out, but alone it may be an ordinary word)."""
        if not text:
            return False
        return bool(self.spans(unicodedata.normalize("NFC", text), loose=False))

    def name_words(self) -> set[str]:
        """The folded given names (for the search index, which drops them whatever their case)."""
        return {n.given for n in self.names if len(n.given) >= GIVEN_MIN}


def _merge(spans) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def markup_text(xml: str) -> list[str]:
    """The readable text of an XML part (a DOCX's document, comments, properties) in the
    two ways a name split over runs could read: runs joined and runs apart."""
    import html
    joined = html.unescape(re.sub(r"<[^>]+>", "", xml))
    apart = html.unescape(re.sub(r"<[^>]+>", " ", xml))
    return [joined, apart]


def variants_of_name(value: str) -> list[str]:
    """Ways a person writes a name (the corpus tests and the property test use them)."""
    parts = unicodedata.normalize("NFC", value).split()
    out = [value, value.upper(), value.lower(), "-".join(parts), ".".join(parts), "".join(parts),
           "\n".join(parts), " ".join(reversed(parts)), "".join(parts[-1:] + parts[:-1])]
    bare = "".join(c for c in unicodedata.normalize("NFD", value) if not unicodedata.combining(c))
    out.append(bare.replace("đ", "d").replace("Đ", "D"))
    return out
