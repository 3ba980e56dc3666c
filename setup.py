"""The package build (metadata in setup.cfg).

Built for an install (``pip install .``, a wheel), the package also carries what the application
reads at run time from outside ``petitions/`` in a source checkout:

- the translation catalogues, compiled (``translations/*/LC_MESSAGES/*.po`` ->
  ``petitions/translations/…/*.mo``; ``*.mo`` files are not committed), so every install speaks
  Vietnamese without ``make``;
- the database migrations (``migrations/`` -> ``petitions/migrations/``), for ``flask db upgrade``.

An editable install (``make install``) reads both from the source tree instead, and the application
compiles a catalogue that is missing or older than its ``.po`` when it starts.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def compile_catalogues(source: Path, target: Path) -> list[Path]:
    """Every ``<lang>/LC_MESSAGES/<domain>.po`` under source, compiled to the same place under target."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    made = []
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as fh:
            catalogue = read_po(fh, locale=po.parts[-3])
        with mo.open("wb") as fh:
            write_mo(fh, catalogue)  # fuzzy entries left out, as `pybabel compile` does
        made.append(mo)
    if not any(m.parts[-3] == "vi" for m in made):
        raise SystemExit(f"no Vietnamese catalogue under {source}: the package would serve English")
    return made


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the source tree is used as it is
        package = Path(self.build_lib) / "petitions"
        for mo in compile_catalogues(HERE / "translations", package / "translations"):
            print(f"compiled {mo.relative_to(self.build_lib)}")
        shutil.copytree(HERE / "migrations", package / "migrations", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithData})
