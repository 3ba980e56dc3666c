"""The signers of a joint letter entered in bulk: a pasted list or a spreadsheet.

A desk officer (or a citizen group on the website) has the signatures on paper or in a
sheet: name, citizen ID number and address of each signer. Each line of a pasted list is
``name; ID number; address`` (a semicolon or a tab between the columns: a range copied
from a spreadsheet comes with tabs), with an optional fourth column that marks a
representative ("x", "đại diện", "có", "yes", "1"). A sheet (.xlsx or UTF-8 .csv) has the
same columns; a first row of headings is recognised and skipped. The rows only fill the
form's table: the form checks them as if typed (services never trust a parsed row).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .search import fold

#: at most this many signers in one letter entered through the forms
MAX_SIGNERS = 500

_MARKS = {"x", "dai dien", "co", "yes", "y", "1", "true", "representative", "dd"}
_HEADINGS = {"ho ten", "ho va ten", "ten", "full name", "name", "stt", "tt", "so cccd", "cccd", "dia chi",
             "address", "id number"}


@dataclass(frozen=True)
class SignerRow:
    full_name: str
    id_number: str
    address: str
    representative: bool

    def as_data(self) -> dict:
        return {"full_name": self.full_name, "id_number": self.id_number, "address": self.address,
                "representative": self.representative}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def _id_number(text: str) -> str:
    """An ID number as typed or pasted: spaces, dots and dashes between the digits go
    (a sheet may also have dropped the leading zero of a number column: put it back)."""
    digits = re.sub(r"[\s.\-]", "", text)
    if digits.isdigit() and len(digits) == 11:
        digits = "0" + digits
    return digits


def _row(cells: list) -> SignerRow | None:
    cells = [_cell(c) for c in cells]
    # a leading row number column ("1", "2." …) is not a name
    if len(cells) >= 4 and re.fullmatch(r"\d{1,4}\.?", cells[0] or "") and not re.fullmatch(r"\d{9,12}", cells[0]):
        cells = cells[1:]
    while cells and not cells[-1]:
        cells.pop()
    if not cells:
        return None
    name = cells[0]
    id_number = _id_number(cells[1]) if len(cells) > 1 else ""
    address = cells[2] if len(cells) > 2 else ""
    if len(cells) == 2 and not re.fullmatch(r"[\d\s.\-]+", cells[1]):
        id_number, address = "", cells[1]  # "name; address"
    mark = fold(cells[3]).strip() if len(cells) > 3 else ""
    return SignerRow(name, id_number, address, mark in _MARKS)


def _is_heading(row: SignerRow) -> bool:
    return fold(row.full_name).strip() in _HEADINGS or fold(row.address).strip() in _HEADINGS


def _rows(table) -> list[SignerRow]:
    out = []
    for cells in table:
        row = _row(list(cells))
        if row is None:
            continue
        if not out and _is_heading(row):
            continue
        out.append(row)
    return out


def parse_pasted(text: str) -> list[SignerRow]:
    """The rows of a pasted list, one signer a line."""
    table = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        sep = "\t" if "\t" in line else (";" if ";" in line else ("|" if "|" in line else None))
        table.append(line.split(sep) if sep else [line])
    return _rows(table)


class SheetError(ValueError):
    pass


def parse_sheet(filename: str, data: bytes) -> list[SignerRow]:
    """The rows of an .xlsx workbook's first sheet or of a UTF-8 .csv file."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable workbook gets the same message
            raise SheetError(_l("The file is not a readable Excel workbook (.xlsx).")) from None
        try:
            ws = wb.worksheets[0]
            return _rows(list(r)[:5] for r in ws.iter_rows(values_only=True, max_row=MAX_SIGNERS + 2))
        finally:
            wb.close()
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SheetError(_l("Save the CSV file as UTF-8.")) from None
        dialect = ";" if text.count(";") > text.count(",") else ","
        return _rows(csv.reader(io.StringIO(text), delimiter=dialect))
    raise SheetError(_l("Import an Excel workbook (.xlsx) or a CSV file (.csv)."))

