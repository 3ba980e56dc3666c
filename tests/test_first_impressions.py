"""What a new user stumbles on (issue 17): the receipt's wording, the catalogue's msgstrs
where their msgid says, reachable exports, long letters, phone numbers with spaces,
Vietnamese order, wording, raw codes, all form errors at once, the order of actions, the
demo accounts and the mail at filing. The browser's view of the same pages (widths, no
horizontal scroll, both languages) is tests/test_first_impressions_browser.py."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from babel.messages.pofile import read_po

from petitions.extensions import db
from petitions.models import Agency, AuditLog, Case, IssuedDocument, Notification, Party, User
from petitions.services import documents as docs
from petitions.services.collation import vi_key
from petitions.services.documents.context import honorific, signature_hint
from petitions.services.documents.render import docx_text
from petitions.services.workflow import apply_transition

from .conftest import Client, form_fields, valid_letter
from .test_public_abuse import human_check, limits, page_stamp, post_form  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[1]


def _options(html: str, select_id: str) -> list[tuple[str, str]]:
    block = re.search(rf'<select[^>]*id="{re.escape(select_id)}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(v, t.strip()) for v, t in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', block) if v]


def _officer(app, username) -> Client:
    c = Client(app)
    assert c.login(username).status_code == 302
    return c


def _case(code) -> Case:
    return db.session.scalar(db.select(Case).where(Case.tracking_code == code))


# -- 6. Vietnamese order --------------------------------------------------------------------

def test_vietnamese_order_is_the_alphabet_with_tones_second():
    names = ["Yên Xuân", "Bình Minh", "Đô Lương", "Bích Hào", "Diễn Châu", "Bạch Hà", "Bình Chuẩn", "Ân Thi",
             "Anh Sơn", "Ủy ban", "Uy", "Ưu", "Vinh", "Ê", "Ea", "á", "à", "a", "ạ", "ả", "ã"]
    assert sorted(names, key=vi_key) == [
        "a", "à", "ả", "ã", "á", "ạ", "Anh Sơn", "Ân Thi", "Bạch Hà", "Bích Hào", "Bình Chuẩn", "Bình Minh",
        "Diễn Châu", "Đô Lương", "Ea", "Ê", "Uy", "Ủy ban", "Ưu", "Vinh", "Yên Xuân"]


def test_communes_and_agencies_are_listed_in_vietnamese_order_on_every_form(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    html = client.get("/file/complaint").get_data(as_text=True)
    communes = [name for _c, name in _options(html, "commune_code")]
    assert len(communes) > 100 and communes == sorted(communes, key=vi_key)
    # every "Đ…" after every "D…" and before "E…"; "Bạch…" before "Bình…" (code points put them last)
    firsts = [n.split(" ", 1)[1][0] for n in communes]
    assert "Đ" in firsts and firsts.index("Đ") > max(i for i, f in enumerate(firsts) if f == "D")
    provincial = [name for _c, name in _options(html, "agency_code")]
    assert provincial == sorted(provincial, key=vi_key) and provincial[0].startswith("Ban Tiếp công dân")
    desk = _officer(app, "tiepdan")
    page = desk.get("/officer/desk").get_data(as_text=True)
    assert [n for _c, n in _options(page, "commune_code")] == communes
    page = desk.get("/officer/").get_data(as_text=True)
    assert [n for _c, n in _options(page, "commune")] == communes
    # the forward list: provincial bodies first, then the communes' committees, each in order
    app.config["TODAY"] = date(2026, 8, 3)
    code = client.post("/api/v1/cases", json=valid_letter("petition", agencies["commune_a"])).get_json()["tracking_code"]
    page = desk.get(f"/officer/cases/{code}/actions/forward").get_data(as_text=True)
    names = [n for _c, n in _options(page, "f_agency")]
    split = next(i for i, n in enumerate(names) if n.startswith("Ủy ban nhân dân ") and "tỉnh" not in n)
    assert names[:split] == sorted(names[:split], key=vi_key) and names[split:] == sorted(names[split:], key=vi_key)


# -- 5. phone numbers -----------------------------------------------------------------------

def test_phone_numbers_with_spaces_dots_dashes_or_plus_84_are_accepted_and_stored_plain(client, app, agencies,
                                                                                        make_officer):
    app.config["TODAY"] = date(2026, 8, 3)
    sent = {}
    for phone in ("+84 912 345 678", "0912.345.678", "(+84) 912-345-678"):
        body = valid_letter("petition", agencies["commune_a"])
        body["petitioner"] = {**body["petitioner"], "phone": phone, "email": ""}
        r = client.post("/api/v1/cases", json=body)
        assert r.status_code == 201, r.get_json()
        sent[r.get_json()["tracking_code"]] = phone
    fields = form_fields(valid_letter("complaint", agencies["commune_a"]))
    fields["petitioner-phone"], fields["petitioner-email"] = "0912 345 678", ""
    r = client.submit("/file/complaint", fields)
    assert r.status_code == 302
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    fields = {**form_fields(valid_letter("petition", agencies["commune_a"])), "channel": "desk",
              "received_on": "2026-08-03", "petitioner-phone": "0238 3844 123", "petitioner-email": ""}
    assert _officer(app, "tiepdan").submit("/officer/desk?kind=petition", fields).status_code == 302
    with app.app_context():
        phones = sorted(p.phone for p in db.session.scalars(db.select(Party)))
    assert phones == ["02383844123", "0912345678", "0912345678", "0912345678", "0912345678"]
    # a number that is not Vietnamese is still refused, with an example of what is taken
    body = valid_letter("petition", agencies["commune_a"])
    body["petitioner"]["phone"] = "12 34"
    r = client.post("/api/v1/cases", json=body)
    assert r.status_code == 422 and "+84 912 345 678" in r.get_json()["errors"]["petitioner.phone"][0]


# -- 4. long letters, 9. every error in one round ----------------------------------------------

def test_a_long_letter_is_never_cut_and_the_limits_are_named(client, app, agencies):
    html = client.get("/file/complaint").get_data(as_text=True)
    textarea = re.search(r'<textarea[^>]*id="content"[^>]*>', html).group(0)
    assert "maxlength" not in textarea and 'data-max="20000"' in textarea
    assert 'data-testid="content-counter"' in html and "app.js" in html
    assert "Từ 20 đến 20.000 ký tự" in html and "PDF hoặc Word" in html
    letter = ("Gia đình tôi đề nghị xem xét lại quyết định thu hồi đất. " * 760)[:43000]
    fields = form_fields(valid_letter("complaint", agencies["commune_a"], content=letter))
    r = client.submit("/file/complaint", fields)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    kept = re.search(r'<textarea[^>]*id="content"[^>]*>\s*(.*?)</textarea>', page, re.S).group(1)
    assert len(kept.strip()) == len(letter.strip())  # nothing cut, nothing lost
    assert "43.000 ký tự" in page and "tối đa 20.000" in page and "tệp PDF hay Word" in page
    # the API names the same limits
    r = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"], content=letter))
    assert "20.000" in r.get_json()["errors"]["content"][0]


def test_a_form_sent_too_fast_also_reports_its_other_mistakes(client, app, agencies, limits):  # noqa: F811
    human_check(limits)
    html = client.get("/file/complaint").get_data(as_text=True)
    fields = {**form_fields(valid_letter("complaint", agencies["commune_a"], title="")), "stamp": page_stamp(html)}
    fields["petitioner-phone"] = "12"
    r = post_form(client, "/file/complaint", fields)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary"[^>]*data-testid="refusal">(.*?)</div>', page, re.S).group(1)
    assert "quá nhanh" in summary  # the refusal, and in the same box the form's mistakes
    items = re.findall(r"<li>(.*?)</li>", summary, re.S)
    assert len(items) == 2 and "bắt buộc" in items[0] and "số điện thoại" in items[1]


# -- 1. the receipt, 13. the mail at filing -----------------------------------------------------

def test_receipt_says_han_xu_ly_and_the_filer_gets_it_by_mail_without_the_key(client, app, agencies, smtp,
                                                                              run_worker):
    app.config["TODAY"] = date(2026, 8, 3)
    r = client.submit("/file/complaint", form_fields(valid_letter("complaint", agencies["commune_a"])),
                      follow_redirects=True)
    page = r.get_data(as_text=True)
    assert re.search(r'data-testid="due-on-label">Hạn xử lý</dt><dd data-testid="due-on"><strong>12/08/2026<', page)
    assert "Cơ quan xử lý" not in page
    code = re.search(r'data-testid="tracking-code">([^<]+)<', page).group(1)
    key = re.search(r'data-testid="access-key">([^<]+)<', page).group(1)
    run_worker()
    (mail,) = smtp.messages
    assert mail["to"] == ["an@example.org"] and code in mail["subject"] and "đã được tiếp nhận" in mail["subject"]
    assert "Hạn xử lý: 12/08/2026" in mail["body"] and f"/track?code={code.replace('-', '')}" in mail["body"]
    assert key not in mail["body"] and key.replace("-", "") not in mail["body"]
    assert "040123456789" not in mail["body"]
    client.get("/lang/en")
    client.submit("/file/petition", form_fields(valid_letter("petition", agencies["commune_a"])))
    page = client.get("/receipt").get_data(as_text=True)
    assert 'data-testid="due-on-label">Handling due by</dt>' in page


def test_vietnamese_msgstrs_say_what_their_msgid_says():
    """The catalogue read against where each string is shown: labels that were wrong."""
    with open(ROOT / "translations/vi/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    vi = {m.id: m.string for m in catalog if m.id and isinstance(m.id, str)}
    assert vi["Handling due by"] == "Hạn xử lý"                # the receipt's due date, not the agency
    assert vi["Handled by"] == "Cơ quan xử lý"                  # the agency
    assert vi["To date"] == "Đến ngày" and vi["From date"] == "Từ ngày"  # the two dates of a period
    assert vi["Mailed to"] == "Người nhận"                      # a mail's recipient
    assert vi["No. %(symbol)s"] == "Số: %(symbol)s"             # a document's number, not a row number
    assert vi["No."] == "STT"                                   # a table's row number
    assert "dưới" not in vi["of %(what)s"] and "trên dưới" not in "".join(vi.values())
    assert "ít hơn %(n)s" in vi[next(k for k in vi if k.startswith("In alphabetical order: agencies"))]
    assert "trả lại" not in vi[next(k for k in vi if k.startswith("Handled (accepted, refused"))]
    # the desk form speaks to the officer: no "your letter" there
    assert "Đơn chưa được gửi" not in vi[next(k for k in vi if k.startswith("Some information is missing"))]


# -- 7. wording in pages and documents --------------------------------------------------------

def test_commune_committees_are_named_with_the_unit_in_lower_case(app):
    with app.app_context():
        names = list(db.session.scalars(db.select(Agency.name).where(Agency.level == "commune")))
    assert len(names) > 100
    assert all(re.match(r"Ủy ban nhân dân (xã|phường|đặc khu) [A-ZĐÂĂÊÔƠƯ]", n) for n in names), names[:3]


def test_documents_use_what_the_data_knows(client, app, agencies, make_officer):
    assert honorific("040123456789") == "Bà" and honorific("040223456789") == "Ông" and honorific("") == "Ông/Bà"
    assert signature_hint("", internal=False) == "(Ký, ghi rõ họ tên, đóng dấu)" and signature_hint("A", False) == ""
    make_officer("chutich", ["head"], agencies["agency_a"])
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    app.config["TODAY"] = date(2026, 8, 3)
    body = valid_letter("complaint", agencies["commune_a"])
    body["petitioner"]["id_number"] = "040078123456"  # fourth digit 0: a man born in the 1900s
    code = client.post("/api/v1/cases", json=body).get_json()["tracking_code"]
    head = _officer(app, "chutich")
    with app.app_context():
        case = _case(code)
        event = apply_transition(case, "accept", db.session.scalar(db.select(User).where(User.username == "chutich")),
                                 date(2026, 8, 4), {}, today=date(2026, 8, 4))
        db.session.commit()
        event_id = event.id
        receive_id = next(e.id for e in case.events if e.event == "receive")
    # the head opens the form: their own name is the pre-filled signer
    form = head.get(f"/officer/cases/{code}/events/{event_id}/documents/acceptance_notice").get_data(as_text=True)
    assert re.search(r'id="signer_name"[^>]*value="[^"]+"', form)
    app.config["TODAY"] = date(2026, 8, 4)
    r = head.submit(f"/officer/cases/{code}/events/{event_id}/documents/acceptance_notice",
                    {"recipient": "filer", "signer_name": "Phạm Văn Chủ", "capacity": "head"})
    assert r.status_code == 302
    with app.app_context():
        doc = db.session.scalar(db.select(IssuedDocument))
        text = docx_text(docs.read_document(doc.docx_name))
        doc_id = doc.id
        unsigned = docs.issue_document("receipt", case=_case(code), event=db.session.get(type(event), receive_id),
                                       recipient="filer", user=db.session.scalar(db.select(User).where(
                                           User.username == "tiepdan")), today=date(2026, 8, 4), signer_name="")
        db.session.commit()
        receipt_text = docx_text(docs.read_document(unsigned.docx_name))
    assert "Kính gửi: Ông Nguyễn Văn An" in text and "Ông/Bà" not in text
    assert "Ủy ban nhân dân phường" in text or "Ủy ban nhân dân xã" in text
    assert "(Ký, ghi rõ" not in text and "Phạm Văn Chủ" in text  # the name is known: no instruction
    assert "(Ký, ghi rõ họ tên)" in receipt_text                  # not known: the form's instruction
    page = head.get(f"/officer/documents/{doc_id}").get_data(as_text=True)
    assert re.search(r"<h1>Thông báo thụ lý — Số: \d+/TB-UBND</h1>", page) and "STT" not in page


def test_the_desk_form_speaks_to_the_officer(app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    desk = _officer(app, "tiepdan")
    page = desk.get("/officer/desk?kind=denunciation").get_data(as_text=True)
    assert "Đơn của bạn" not in page and "Thông tin về bạn" not in page and "bạn tố cáo" not in page
    assert "<legend>Người gửi đơn</legend>" in page and "người gửi đơn đề nghị" in page
    r = desk.submit("/officer/desk?kind=denunciation", {"channel": "desk", "received_on": "2026-08-03"})
    assert r.status_code == 422 and "Đơn chưa được gửi" not in r.get_data(as_text=True)


# -- 8. no raw codes ----------------------------------------------------------------------------

def test_every_audited_action_has_a_name_and_the_audit_page_shows_no_code(app, agencies, make_officer):
    from petitions.blueprints.admin.audit_labels import ACTIONS
    source = "\n".join(p.read_text() for p in (ROOT / "petitions").rglob("*.py"))
    written = set(re.findall(r'action="([a-z_]+)"', source)) | set(re.findall(r'_audit\([^,()]*, "([a-z_]+)"', source)) \
        | set(re.findall(r'_audit\("([a-z_]+)"', source)) | set(re.findall(r'"((?:issue|reissue)_document)"', source))
    assert len(written) > 30 and written <= set(ACTIONS), sorted(written - set(ACTIONS))
    make_officer("admin", ["admin"], "UBND-TINH")
    admin = _officer(app, "admin")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "inspector,admin" not in page and "Thanh tra viên (Thanh tra tỉnh), Quản trị viên" in page
    with app.app_context():
        db.session.add(AuditLog(action="send_digests", object_type="digest", object_id="2026-08-03",
                                details={"mails": 3}))
        db.session.add(AuditLog(action="create_user", object_type="user", object_id="7",
                                details={"username": "thuly", "roles": ["handler"]}))
        db.session.commit()
    page = admin.get("/admin/audit").get_data(as_text=True)
    cells = re.sub(r'data-action="[^"]*"', "", page)
    assert "send_digests" not in cells and "create_user" not in cells and '["handler"]' not in cells
    assert "Đã gửi thư tổng hợp cảnh báo hằng ngày" in page and "Cán bộ thụ lý" in page and "<dt>Vai trò</dt>" in page


def test_an_alert_does_not_repeat_its_level(app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "tiepdan"))
        db.session.add(Notification(user_id=user.id, email=user.email, kind="overdue", status="sent", attempts=1,
                                    subject="[Quá hạn] ABCDE-12345: Xử lý đơn — hạn 12/08/2026", body=""))
        db.session.commit()
    page = _officer(app, "tiepdan").get("/officer/notifications").get_data(as_text=True)
    row = re.search(r"<tr class=\"strong\">(.*?)</tr>", page, re.S).group(1)
    assert row.count("Quá hạn") == 1 and "[Quá hạn]" not in row and "ABCDE-12345: Xử lý đơn" in row


# -- 3. exports where their data is shown -------------------------------------------------------

def test_exports_are_linked_from_the_menu_the_dashboard_the_figure_lists_and_the_overdue_list(
        client, app, agencies, make_officer):
    make_officer("thanhtra", ["inspector"], "TTR-TINH")
    app.config["TODAY"] = date(2026, 8, 3)
    for _ in range(2):
        client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"]))
    app.config["TODAY"] = date(2026, 11, 27)
    inspector = _officer(app, "thanhtra")
    page = inspector.get("/inspect/").get_data(as_text=True)
    assert 'data-testid="exports-link" ' in page or 'data-testid="exports-link">' in page

    def href(html, testid):
        return re.search(rf'href="([^"]+)" data-testid="{testid}"', html).group(1).replace("&amp;", "&")
    assert inspector.get(href(page, "export-report")).status_code == 200
    r = inspector.get(href(page, "export-xlsx"))
    assert r.status_code == 200 and r.data[:2] == b"PK"
    figure = inspector.get(re.search(r'href="([^"]+)"[^>]*data-figure="letters_open_overdue"|'
                                     r'data-figure="letters_open_overdue" href="([^"]+)"', page).group(2)
                           .replace("&amp;", "&")).get_data(as_text=True)
    r = inspector.get(href(figure, "export-csv"))
    assert r.status_code == 200 and r.get_data(as_text=True).count("\n") >= 3  # heading + the 2 letters
    overdue = inspector.get("/inspect/overdue?kind=complaint").get_data(as_text=True)
    r = inspector.get(href(overdue, "export-csv"))
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert r.status_code == 200 and r.mimetype == "text/csv" and len(rows) == 3
    assert rows[0][0] == "Mã theo dõi" and rows[1][1] == "Khiếu nại" and int(rows[1][-1]) < 0
    assert "Nguyễn Văn An" not in r.get_data(as_text=True)


# -- 12. actions in the order the law expects, demo accounts ------------------------------------

def test_actions_are_ordered_by_what_the_law_expects(client, app, agencies, make_officer):
    make_officer("tiepdan", ["reception"], agencies["agency_a"])
    make_officer("chutich", ["head"], agencies["agency_a"])
    app.config["TODAY"] = date(2026, 8, 3)
    code = client.post("/api/v1/cases", json=valid_letter("complaint", agencies["commune_a"])).get_json()["tracking_code"]
    page = _officer(app, "tiepdan").get(f"/officer/cases/{code}").get_data(as_text=True)
    buttons = re.findall(r'<a class="btn small ?(secondary)?" href="[^"]*" data-event="([a-z_]+)"', page)
    assert buttons and all(cls == "secondary" for cls, _e in buttons)  # guiding is not what comes next
    assert 'data-testid="next-step-note"' in page
    page = _officer(app, "chutich").get(f"/officer/cases/{code}").get_data(as_text=True)
    buttons = re.findall(r'<a class="btn small ?(secondary)?" href="[^"]*" data-event="([a-z_]+)"', page)
    events = [e for _c, e in buttons]
    assert buttons[0] == ("", "accept") and events.index("refuse") < events.index("guide") < events.index("archive")
    assert [e for c, e in buttons if c != "secondary"] == ["accept"]


def test_demo_accounts_are_printed_with_what_each_does(app):
    from petitions.cli import seed_demo
    runner = app.test_cli_runner()
    result = runner.invoke(seed_demo, ["--cases", "0"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for username, words in (("chutich", "accepts or refuses"), ("thuly", "assigned"), ("tiepdan", "forward")):
        at = next(i for i, line in enumerate(lines) if line.strip().startswith(username + " "))
        assert words in lines[at + 1], lines[at:at + 2]
    readme = (ROOT / "README.md").read_text()
    assert "| `chutich` |" in readme and "accepts or refuses new complaints" in readme
    with app.app_context():  # one head at the demo ward: documents can name the signer
        ward = db.session.scalar(db.select(User).where(User.username == "chutich")).agency_id
        assert docs.default_signer(ward) == "Phạm Văn Chủ"
