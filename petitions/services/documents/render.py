"""DOCX from a docxtpl template, PDF from that very DOCX with LibreOffice.

Why LibreOffice headless: the PDF is made from the same file as the DOCX, so the two
never disagree; it lays out Vietnamese text with the document's font (Times New Roman, laid out
with the metric-compatible Liberation Serif 2.x that comes with the project); and it needs no
browser engine. LibreOffice sees only the project's fonts (``petitions/documents/fonts``, through
their own fontconfig file in ``FONTCONFIG_FILE``), never the machine's: Debian's fonts-liberation
1.07, which Chromium brings, lacks most precomposed Vietnamese letters, and a PDF laid out with it
reads "Ngh  đ nh" instead of "Nghị định".
Each conversion runs with its own private profile (``-env:UserInstallation``), so two
conversions at once do not clash over LibreOffice's lock on a shared profile.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from datetime import date, datetime
from decimal import Decimal

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

BUILTIN = Path(__file__).resolve().parents[2] / "documents" / "templates"
FONTS_CONF = Path(__file__).resolve().parents[2] / "documents" / "fonts" / "fonts.conf"


class RenderError(ValueError):
    """The template does not render (a syntax error, an unknown name)."""


class TemplateRefused(RenderError):
    """The template tries to reach something outside the document's data (Jinja's globals,
    an object's attributes, Python internals): refused, whoever uploaded it."""


# Jinja's default globals (range, lipsum, dict, cycler, joiner, namespace) are all
# removed: a template sees only the context's plain values. These names are refused
# outright with the clear message, even before rendering.
_OUTSIDE_NAMES = ("lipsum", "cycler", "joiner", "namespace", "range", "dict", "request", "config",
                  "session", "g", "url_for", "self", "os", "sys", "builtins")


def _plain(value):
    """The context as plain values only: text, numbers, dates, lists and dicts of them.
    Anything else (an ORM object, a function, a class) becomes its text."""
    if value is None or isinstance(value, (str, bool, int, float, Decimal, date, datetime)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return str(value)


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox (no attribute starting with "_", no unsafe callables, no mutation of
    lists and dicts) with no globals at all, and no attribute of anything but a dict's keys
    and the plain values' own harmless methods (``upper``, ``strftime``...)."""

    def __init__(self):
        super().__init__(undefined=StrictUndefined, autoescape=True)
        self.globals.clear()

    def is_safe_attribute(self, obj, attr, value):
        if attr.startswith("_") or attr in ("format", "format_map", "mro"):
            return False
        return super().is_safe_attribute(obj, attr, value)


def sandbox_environment() -> _Sandbox:
    return _Sandbox()


def builtin_template(kind: str) -> Path:
    return BUILTIN / f"{kind}.docx"


def _outside_name(error: UndefinedError) -> str | None:
    message = str(error)
    if "attribute '_" in message or "is unsafe" in message:
        return "attribute"
    for name in _OUTSIDE_NAMES:
        if f"'{name}' is undefined" in message:
            return name
    return None


def render_docx(template: Path | bytes, context: dict) -> bytes:
    """Render in Jinja's sandbox with only the context's plain values reachable (every
    template, shipped or uploaded). Raises :class:`TemplateRefused` when the template
    reaches outside the context, :class:`RenderError` for any other failure."""
    source = io.BytesIO(template) if isinstance(template, bytes) else str(template)
    try:
        doc = DocxTemplate(source)
        doc.render(_plain(context), jinja_env=sandbox_environment())
    except SecurityError as error:
        raise TemplateRefused(f"SecurityError: {error}") from error
    except UndefinedError as error:
        if _outside_name(error):
            raise TemplateRefused(f"UndefinedError: {error}") from error
        raise RenderError(f"UndefinedError: {error}") from error
    except TemplateSyntaxError as error:
        raise RenderError(f"TemplateSyntaxError: {error}") from error
    except Exception as error:  # docxtpl raises zip errors, XML errors
        raise RenderError(f"{type(error).__name__}: {error}") from error
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_text(data: bytes) -> str:
    """The XML of every part of a DOCX, joined: what a search for a name must not find."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                         if n.endswith((".xml", ".rels")))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PdfError(RuntimeError):
    pass


def docx_to_pdf(data: bytes, soffice: str = "soffice", timeout: int = 120,
                fontconfig: str | os.PathLike | None = None) -> bytes:
    """Convert with LibreOffice headless in a private profile, with the project's fonts only
    (``fontconfig``: another fontconfig file, for ``flask documents check``); raises PdfError.

    LibreOffice needs a plain file: the DOCX is written, and the PDF made, in a temporary
    folder of mode 0700 that only this process's user can enter, removed when done (the
    stored copies stay sealed, services/sealed.py); the PDF is returned as bytes."""
    binary = shutil.which(soffice) or soffice
    env = dict(os.environ, FONTCONFIG_FILE=str(fontconfig or FONTS_CONF))
    with tempfile.TemporaryDirectory(prefix="petitions-pdf-") as tmp:
        os.chmod(tmp, 0o700)  # mkdtemp's own mode; said here, whatever the platform
        src = Path(tmp) / "document.docx"
        fd = os.open(src, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        cmd = [binary, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", tmp, str(src)]
        try:
            run = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False, env=env)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PdfError(f"LibreOffice could not run: {error}") from error
        out = Path(tmp) / "document.pdf"
        if run.returncode != 0 or not out.exists():
            raise PdfError(f"LibreOffice failed (exit {run.returncode}): "
                           f"{run.stderr.decode('utf-8', 'replace')[-200:]}")
        return out.read_bytes()
