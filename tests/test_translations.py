"""User-visible text goes through Babel and the Vietnamese catalogue is complete."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_workflow_strings_file_is_current():
    sys.path.insert(0, str(ROOT / "scripts"))
    import gen_workflow_strings
    assert (ROOT / "petitions" / "workflow_strings.py").read_text() == gen_workflow_strings.render(), \
        "run: python scripts/gen_workflow_strings.py && make update-translations"


def test_vietnamese_catalogue_is_complete_and_placeholders_match(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as fh:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with open(ROOT / "translations/vi/LC_MESSAGES/messages.po", "rb") as fh:
        catalogue = read_po(fh)
    translated = {}
    for m in catalogue:
        if not m.id:
            continue
        key = m.id if isinstance(m.id, str) else m.id[0]
        translated[key] = m.string if isinstance(m.string, str) else m.string[0]
    missing = sorted(i for i in extracted if not translated.get(i))
    assert not missing, f"{len(missing)} messages without Vietnamese, e.g. {missing[:5]}"
    for msgid, text in translated.items():
        for pattern in (r"%\(\w+\)[sd]", r"\{\w+(?:![rs])?\}"):
            assert sorted(re.findall(pattern, msgid)) == sorted(re.findall(pattern, text)), msgid
