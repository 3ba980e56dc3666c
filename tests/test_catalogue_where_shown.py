"""Every msgstr is used where its msgid says (issue 17): the Vietnamese catalogue read against
the places its strings are shown.

- the receipt: each label of the receipt's list is the msgstr of the msgid the template
  names at that place (the due date's label was once the agency's: "Cơ quan xử lý");
- the deadline explanations: every line of every step's explanation, written for a
  Vietnamese reader, is the msgstr of the line's own template filled with its values
  (not another string, not the English), and every template has a Vietnamese msgstr;
- the documents: the name a page gives a document kind or a recipient (the catalogue's
  msgstr) is the name the printed document uses (its title, its "Nơi nhận" line).
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from .conftest import form_fields, valid_letter

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def vi() -> dict[str, str]:
    with open(ROOT / "translations/vi/LC_MESSAGES/messages.po", "rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id and isinstance(m.id, str)}


def test_receipt_labels_are_the_msgstrs_of_their_msgids(client, app, agencies, vi):
    template = (ROOT / "petitions/templates/public/receipt.html").read_text()
    msgids = re.findall(r'<dt[^>]*>\{\{ _\("([^"]+)"\) \}\}</dt>', template)
    assert "Handling due by" in msgids and len(msgids) >= 5
    app.config["TODAY"] = date(2026, 8, 3)
    app.config["FORM_MIN_SECONDS"], saved = 0, app.config["FORM_MIN_SECONDS"]
    try:
        for lang, expected in (("vi", [vi[m] for m in msgids]), ("en", msgids)):
            client.get(f"/lang/{lang}")
            page = client.submit("/file/complaint", form_fields(valid_letter("complaint", agencies["commune_a"])),
                                 follow_redirects=True).get_data(as_text=True)
            shown = [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<dt[^>]*>(.*?)</dt>", page, re.S)]
            assert shown == expected, lang
    finally:
        app.config["FORM_MIN_SECONDS"] = saved
    assert vi["Handling due by"] == "Hạn xử lý"


def test_deadline_explanations_are_written_with_their_own_msgstrs(app, vi):
    from flask_babel import force_locale

    from petitions.explain import day_reason, render_line, vn_day
    from petitions.services.calendar import compute_due
    from petitions.workflow.deadlines import Line, Msg, Step

    def po(text: str) -> str:
        assert vi.get(text), f"no Vietnamese msgstr for the explanation's template {text!r}"
        assert vi[text] != text or not re.search(r"[A-Za-z]{3}", re.sub(r"\{[a-z_]+\}", "", text)), text
        return vi[text]

    templates = set()
    with app.test_request_context(), force_locale("vi"):
        for step in Step:
            for kwargs in ({}, {"complex": True}, {"remote": True}):
                try:
                    due = compute_due(step.value, date(2027, 1, 28), received_on=date(2027, 1, 28), **kwargs)
                except Exception:  # noqa: BLE001 - a variant this step does not have
                    continue
                for line in due.lines():
                    templates.add(line.template)
                    templates.update(v.text for _k, v in line.values if isinstance(v, Msg))
                    templates.update(v.template for _k, v in line.values if isinstance(v, Line))
                    shown = render_line(line)
                    assert shown == line.render(tr=po, day=vn_day, reason=day_reason), line.template
                    assert not re.search(r"\d{4}-\d\d-\d\d", shown) and "{" not in shown, shown
    assert len(templates) >= 10
    # a step across the Lunar New Year names its days off in Vietnamese
    with app.test_request_context(), force_locale("vi"):
        due = compute_due("letter-handling", date(2027, 2, 1), received_on=date(2027, 2, 1))
        text = " ".join(render_line(line) for line in due.lines())
    assert "05/02/2027 (Giao thừa Tết Nguyên đán)" in text and "Lunar" not in text


def test_documents_print_what_the_pages_call_them(vi):
    from petitions.services.documents import kinds

    def msgid(lazy) -> str:
        return lazy._args[0]

    for kind in kinds.KINDS:
        name = vi[msgid(kind.label)]
        assert name.upper().startswith(kind.title), (kind.key, name, kind.title)
    recipients = [v for v in vars(kinds).values() if isinstance(v, kinds.Recipient)]
    assert len(recipients) >= 6
    for r in recipients:
        # the page's name, without its note in brackets, is the start or the core of the printed line
        name = re.sub(r"\s*\(.*\)$", "", vi[msgid(r.label)]).replace(" hoặc ", ", ").lower()
        assert name in r.doc_label.lower(), (r.key, name, r.doc_label)
    assert vi["No. %(symbol)s"] == "Số: %(symbol)s"  # a document's number on its page
