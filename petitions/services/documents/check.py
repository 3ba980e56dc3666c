"""Is the document service able to make official documents whose Vietnamese text is intact?

``flask documents check`` converts a sample with every Vietnamese letter (each vowel with each
tone mark, upper and lower case, and đ/Đ) in Times New Roman, the way an issued document is
converted, reads the PDF's text back and says what is wrong and how to fix it. ``ready`` is the
cheap part of it (no conversion) for ``/healthz``.
"""
from __future__ import annotations

import io
import shutil
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .render import FONTS_CONF, PdfError, docx_to_pdf

SAMPLE = "Nguyễn Thị Hằng, Phường Thành Vinh, Nghị định số 124/2020"
VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # ngang, huyền, sắc, hỏi, ngã, nặng
FONT = "Times New Roman"


def letter_groups() -> list[str]:
    """One group per vowel: its six tones in lower case, then in upper case; then đ Đ."""
    groups = []
    for vowel in VOWELS:
        lower = [unicodedata.normalize("NFC", vowel + tone) for tone in TONES]
        groups.append(" ".join(lower + [letter.upper() for letter in lower]))
    groups.append("đ Đ")
    return groups


def letters() -> list[str]:
    return [letter for group in letter_groups() for letter in group.split()]


def flatten(text: str) -> str:
    """PDF text as one line: NFC, runs of white space as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def project_fonts() -> list[Path]:
    return sorted(FONTS_CONF.parent.glob("*.ttf"))


def ready(soffice: str = "soffice") -> tuple[bool, str]:
    """Cheap: LibreOffice is there and so are the project's fonts (no conversion)."""
    if not shutil.which(soffice):
        return False, f"LibreOffice not found ({soffice})"
    if not FONTS_CONF.is_file() or not project_fonts():
        return False, f"the project's fonts are missing ({FONTS_CONF.parent})"
    return True, "ok"


def sample_docx() -> bytes:
    """A Word file laid out as the templates are: Times New Roman on every run."""
    from docx import Document
    from docx.oxml.ns import qn
    doc = Document()
    for text, bold in [(SAMPLE, True)] + [(group, False) for group in letter_groups()]:
        run = doc.add_paragraph().add_run(text)
        run.bold = bold
        run.font.name = FONT
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pdf_fonts(pdf: bytes) -> list[str]:
    """The fonts the PDF embeds, without the subset prefix (ABCDEF+LiberationSerif -> LiberationSerif)."""
    from pypdf import PdfReader
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            base = str(ref.get_object().get("/BaseFont", ""))
            names.add(base.lstrip("/").split("+", 1)[-1])
    return sorted(names)


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


@dataclass
class Result:
    ok: bool
    seconds: float = 0.0
    fonts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)


def check(soffice: str = "soffice", fontconfig: str | Path | None = None, timeout: int = 120) -> Result:
    conf = Path(fontconfig) if fontconfig else FONTS_CONF
    result = Result(ok=False)
    if not shutil.which(soffice):
        result.problems.append(f"LibreOffice is not installed, or not as '{soffice}': documents are issued "
                               "as Word files only, their PDF fails.")
        result.fixes.append("Install Debian's LibreOffice Writer without a screen: "
                            "apt-get install libreoffice-writer-nogui (or set DOCUMENTS_SOFFICE to its path).")
        return result
    if not conf.is_file() or (conf == FONTS_CONF and not project_fonts()):
        result.problems.append(f"The project's fonts are missing: {conf} (Liberation Serif 2.x beside it).")
        result.fixes.append("Reinstall the package from a complete build (pip install .); in a source checkout, "
                            "git checkout petitions/documents/fonts.")
        return result
    started = time.perf_counter()
    try:
        pdf = docx_to_pdf(sample_docx(), soffice, timeout=timeout, fontconfig=conf)
    except PdfError as error:
        result.seconds = time.perf_counter() - started
        result.problems.append(f"LibreOffice could not convert the sample: {error}")
        result.fixes.append("Run the conversion by hand to see LibreOffice's message: soffice --headless "
                            "--convert-to pdf FILE.docx; a broken install is repaired with "
                            "apt-get install --reinstall libreoffice-writer-nogui.")
        return result
    result.seconds = time.perf_counter() - started
    result.fonts = pdf_fonts(pdf)
    text = flatten(pdf_text(pdf))
    lost = [letter for letter in letters() if letter not in text]
    if SAMPLE not in text:
        result.problems.append(f"The sample does not read back from the PDF: expected '{SAMPLE}', "
                               f"read '{text[:len(SAMPLE) + 20]}'.")
    if lost:
        result.problems.append(f"{len(lost)} of {len(letters())} Vietnamese letters do not read back: "
                               f"{''.join(lost)} (fonts in the PDF: {', '.join(result.fonts) or 'none'}).")
    missing_groups = [group for group in letter_groups() if group not in text]
    if missing_groups and not lost:
        result.problems.append(f"{len(missing_groups)} of {len(letter_groups())} groups of letters do not read back "
                               "in order (letters drawn from a fallback font come out of place): "
                               + "; ".join(missing_groups))
    others = [name for name in result.fonts if not name.startswith("LiberationSerif")]
    if others:
        result.problems.append(f"The PDF uses other fonts than the project's Liberation Serif: {', '.join(others)}.")
    if result.problems:
        if conf != FONTS_CONF:
            result.fixes.append(f"{conf} offers LibreOffice other fonts than the project's: the application "
                                f"converts with {FONTS_CONF}; check without --fontconfig.")
        result.fixes.append(f"LibreOffice must see only the project's fonts: {FONTS_CONF} lists the folder it is "
                            "in and is passed as FONTCONFIG_FILE. Check that the folder holds the four "
                            f"LiberationSerif-*.ttf files (FONTCONFIG_FILE={FONTS_CONF} fc-list shows them) and "
                            "that nothing in LibreOffice's configuration replaces Times New Roman.")
    result.ok = not result.problems
    return result
