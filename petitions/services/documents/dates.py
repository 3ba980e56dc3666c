"""Dates and numbers written the Vietnamese administrative way (NĐ 30/2020/NĐ-CP, Phụ lục I).

Pure: standard library only.

- "ngày 05 tháng 01 năm 2026": a day below 10 and a month below 3 take a leading
  zero ("ngày dưới 10 và tháng dưới 3 thì phải ghi thêm số 0 phía trước"); months 3 to
  12 are written as they are ("ngày 25 tháng 11 năm 2026").
- a document number below 10 takes a leading zero ("Số: 05/TB-UBND").
"""
from __future__ import annotations

from datetime import date


def day_month(on: date) -> tuple[str, str]:
    """The day and the month as written in a document's date line."""
    day = f"{on.day:02d}" if on.day < 10 else str(on.day)
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return day, month


def date_in_words(on: date) -> str:
    """``ngày 05 tháng 3 năm 2026``."""
    day, month = day_month(on)
    return f"ngày {day} tháng {month} năm {on.year}"


def place_and_date(place: str, on: date) -> str:
    """``Nghệ An, ngày 25 tháng 11 năm 2026``: the line under the national motto."""
    return f"{place}, {date_in_words(on)}"


def document_number(number: int) -> str:
    """``05``, ``15``, ``120``: numbers below 10 take a leading zero."""
    if number < 1:
        raise ValueError("document numbers start at 1")
    return f"{number:02d}"


def short_date(on: date | None) -> str:
    """``05/8/2026``-style short form used inside a document's text: dd/mm/yyyy."""
    return on.strftime("%d/%m/%Y") if on else ""
