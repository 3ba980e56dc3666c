"""Fill empty Vietnamese msgstrs from a JSON dict {msgid: msgstr}: python scripts/po_fill.py FILE.json"""
import json
import sys

from babel.messages.pofile import read_po, write_po

PATH = "translations/vi/LC_MESSAGES/messages.po"
table = json.load(open(sys.argv[1], encoding="utf-8"))
with open(PATH, "rb") as fh:
    catalog = read_po(fh)
left = []
for m in catalog:
    if not m.id:
        continue
    key = m.id if isinstance(m.id, str) else m.id[0]
    current = m.string if isinstance(m.string, str) else m.string[0]
    if current:
        continue
    if key in table:
        m.string = table[key] if isinstance(m.id, str) else (table[key],)
    else:
        left.append(key)
with open(PATH, "wb") as fh:
    write_po(fh, catalog, width=76)
print("untranslated:", left)
