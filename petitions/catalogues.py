"""The translation catalogues the application speaks with (Flask-Babel reads compiled ``*.mo``).

Where they are:
- in a source checkout, ``translations/`` beside the package: ``*.po`` committed, ``*.mo`` not;
  a catalogue missing or older than its ``.po`` is compiled here when the application starts
  (``make translations`` does the same);
- in an installed package (``pip install .``, a wheel), ``petitions/translations/``: compiled when
  the package was built (setup.py).

Without the Vietnamese catalogue every page would be served in English: production refuses to
start, and ``/healthz`` reports it.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SOURCE = PACKAGE.parent / "translations"   # a source checkout (setup.cfg beside it)
BUILT = PACKAGE / "translations"           # an installed package
REQUIRED = "vi"

log = logging.getLogger(__name__)


def default_directories() -> list[Path]:
    source_tree = (PACKAGE.parent / "setup.cfg").is_file()
    return [d for d in ((SOURCE,) if source_tree else ()) + (BUILT,) if d.is_dir()]


def compile_stale(directory: Path) -> tuple[list[Path], list[str]]:
    """Compile every ``.po`` under directory whose ``.mo`` is missing or older; (compiled, errors)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    compiled, errors = [], []
    for po in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        try:
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as fh:
                catalogue = read_po(fh, locale=po.parts[-3])
            # written aside, then renamed: two processes starting at once never read half a file
            fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".messages-", suffix=".mo")
            try:
                with os.fdopen(fd, "wb") as fh:
                    write_mo(fh, catalogue)
                os.replace(tmp, mo)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            compiled.append(mo)
        except Exception as error:  # unreadable .po, read-only tree: reported, the start goes on
            errors.append(f"{po}: {type(error).__name__}: {error}")
    return compiled, errors


def catalogue_path(directories: list[Path], locale: str = REQUIRED) -> Path | None:
    for d in directories:
        mo = d / locale / "LC_MESSAGES" / "messages.mo"
        if mo.is_file() and mo.stat().st_size > 0:
            return mo
    return None


def directories_of(app) -> list[Path]:
    value = app.config.get("BABEL_TRANSLATION_DIRECTORIES") or ""
    return [Path(p) for p in value.split(";") if p]


def prepare(app) -> None:
    """At start: compile stale catalogues, then refuse production without the Vietnamese one."""
    if not app.config.get("BABEL_TRANSLATION_DIRECTORIES"):
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in default_directories())
    directories = directories_of(app)
    for d in directories:
        compiled, errors = compile_stale(d)
        for mo in compiled:
            log.info("compiled the catalogue %s", mo)
        for error in errors:
            log.warning("could not compile a catalogue: %s", error)
    if catalogue_path(directories) is None:
        message = (f"the Vietnamese catalogue (vi/LC_MESSAGES/messages.mo) is in none of "
                   f"{[str(d) for d in directories] or 'no translation directory'}: every page would be in "
                   "English. Install the package built with `pip install .` (it compiles the catalogues), "
                   "or run `pybabel compile -d translations` in a source checkout.")
        if app.config.get("ENV") == "production":
            from .config import ConfigError
            raise ConfigError("refusing to start in production: " + message)
        log.warning(message)


def health(app) -> tuple[bool, str]:
    """For /healthz: is the Vietnamese catalogue there."""
    mo = catalogue_path(directories_of(app))
    return (True, "ok") if mo else (False, "Vietnamese catalogue missing")
