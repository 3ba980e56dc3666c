"""Fill Vietnamese msgstrs from JSON dicts {msgid: msgstr}.

    python scripts/po_fill.py FILE.json [FILE.json ...]          fill empty msgstrs only
    python scripts/po_fill.py --force FILE.json [FILE.json ...]  also replace existing ones

Every `translations/pending/*.json` is a list of the translations a change added or
corrected, kept so that the catalogue can be rebuilt after a merge:
`make update-translations && python scripts/po_fill.py --force translations/pending/*.json`.
"""
import json
import sys

from babel.messages.pofile import read_po, write_po

PATH = "translations/vi/LC_MESSAGES/messages.po"
args = sys.argv[1:]
force = "--force" in args
table = {}
for name in (a for a in args if a != "--force"):
    table.update(json.load(open(name, encoding="utf-8")))
with open(PATH, "rb") as fh:
    catalog = read_po(fh)
left = []
for m in catalog:
    if not m.id:
        continue
    key = m.id if isinstance(m.id, str) else m.id[0]
    current = m.string if isinstance(m.string, str) else m.string[0]
    if current and not (force and key in table):
        continue
    if key in table:
        m.string = table[key] if isinstance(m.id, str) else (table[key],) + tuple(m.string[1:] if not isinstance(m.string, str) else ())
        m.flags.discard("fuzzy")
    else:
        left.append(key)
with open(PATH, "wb") as fh:
    write_po(fh, catalog, width=76)
print("untranslated:", left)
