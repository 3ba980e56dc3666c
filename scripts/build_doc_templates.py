"""Build the official documents' DOCX templates (docxtpl) into petitions/documents/templates/.

    .venv/bin/python scripts/build_doc_templates.py

Layout per NĐ 30/2020/NĐ-CP (Phụ lục I, thể thức văn bản hành chính): A4, margins
top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 13-14 pt; a two-column
header (the issuing body left, the national motto right, each with a line under it);
the number and symbol left, the place and date right in italics; the title bold and
centred; the content justified; "Nơi nhận" bottom left in 12/11 pt, the signature
block bottom right. The wording of each document is modelled on the annexed forms
of NĐ 124/2020/NĐ-CP (complaints), NĐ 31/2019/NĐ-CP (denunciations) and
TT 05/2021/TT-TTCP (letter handling); an administrator may replace any of them.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

OUT = Path(__file__).resolve().parents[1] / "petitions" / "documents" / "templates"
FONT = "Times New Roman"
C, J, L, R = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT


def _font(run, size=None, bold=None, italic=None):
    run.font.name = FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic


def para(container, text="", align=J, size=13, bold=False, italic=False, indent=False, after=6, before=0):
    p = container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_after, fmt.space_before, fmt.line_spacing = Pt(after), Pt(before), 1.1
    if indent:
        fmt.first_line_indent = Cm(1)
    if text:
        _font(p.add_run(text), size, bold, italic)
    return p


def rule(container, width_cm, cell_width_cm):
    """A short centred line under a heading (a bottom border on an indented empty paragraph)."""
    p = container.add_paragraph()
    side = max((cell_width_cm - width_cm) / 2, 0)
    p.paragraph_format.left_indent = Cm(side)
    p.paragraph_format.right_indent = Cm(side)
    p.paragraph_format.space_after = Pt(4)
    p.paragraph_format.line_spacing = Pt(2)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    ppr.append(border)
    return p


def _no_borders(table):
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _cell(cell):
    """An empty cell to write into (python-docx starts each cell with one paragraph)."""
    cell._tc.remove(cell.paragraphs[0]._p)
    return cell


def table(doc, widths_cm):
    t = doc.add_table(rows=1, cols=len(widths_cm))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    _no_borders(t)
    for cell, w in zip(t.rows[0].cells, widths_cm):
        cell.width = Cm(w)
    # LibreOffice and Word lay out by the grid: give it the widths too
    for col, w in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm):
        col.set(qn("w:w"), str(int(Cm(w).twips)))
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    t._tbl.tblPr.append(layout)
    return t


def new_document():
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    style.element.get_or_add_rPr()
    fonts = style.element.rPr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        style.element.rPr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    doc.core_properties.author = "petitions"
    doc.core_properties.title = ""
    doc.core_properties.comments = ""
    return doc


LEFT_W, RIGHT_W = 6.4, 10.1  # 165 mm of text width


def header(doc, with_subject_left=False):
    para(doc, "{{ form_ref }}", R, size=9, italic=True, after=2)
    t = table(doc, [LEFT_W, RIGHT_W])
    left, right = (_cell(c) for c in t.rows[0].cells)
    para(left, "{{ header_superior }}", C, size=13, after=0)
    para(left, "{{ header_agency }}", C, size=13, bold=True, after=0)
    rule(left, 2.2, LEFT_W)
    para(left, "{{ number_symbol }}", C, size=13, after=0, before=4)
    if with_subject_left:
        para(left, "{{ doc_subject }}", C, size=12, after=0)
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", C, size=12, bold=True, after=0)
    para(right, "Độc lập - Tự do - Hạnh phúc", C, size=13, bold=True, after=0)
    rule(right, 6.0, RIGHT_W)
    para(right, "{{ place_date }}", C, size=13, italic=True, after=0, before=4)


def title(doc, decision=False):
    para(doc, "{{ doc_title }}", C, size=14, bold=True, after=0, before=12)
    para(doc, "{{ doc_subject }}", C, size=14, bold=True, after=0)
    rule(doc, 3.0, 16.5)
    if decision:
        para(doc, "{{ authority }}", C, size=14, bold=True, after=6, before=6)


def basis(doc):
    para(doc, "{%p for line in legal_basis %}", after=0)
    para(doc, "{{ line }}", J, italic=True, indent=True, after=2)
    para(doc, "{%p endfor %}", after=0)


def loop(doc, items, line, **kw):
    para(doc, "{%p for x in " + items + " %}", after=0)
    para(doc, line, J, indent=True, after=3, **kw)
    para(doc, "{%p endfor %}", after=0)


def cond(doc, test, text, **kw):
    para(doc, "{%p if " + test + " %}", after=0)
    para(doc, text, J, indent=True, **kw)
    para(doc, "{%p endif %}", after=0)


def footer(doc):
    t = table(doc, [8.0, 8.5])
    left, right = (_cell(c) for c in t.rows[0].cells)
    para(left, "Nơi nhận:", L, size=12, bold=True, italic=True, after=0, before=12)
    para(left, "{%p for r in recipients %}", L, size=11, after=0)
    para(left, "{{ r }}", L, size=11, after=0)
    para(left, "{%p endfor %}", L, size=11, after=0)
    para(right, "{%p for s in signer_lines %}", C, after=0)
    para(right, "{{ s }}", C, size=13, bold=True, after=0)
    para(right, "{%p endfor %}", C, after=0)
    # the instruction only while the signer's name is unknown (context.signature_hint)
    para(right, "{{ signature_hint }}", C, size=12, italic=True, after=60)
    para(right, "{{ signer_name }}", C, size=13, bold=True, after=0)


RECEIVED = ("Ngày {{ received_on }}, {{ agency_name }} nhận được đơn {{ case_kind }} của {{ filer_name }}"
            "{% if filer_address %}, địa chỉ: {{ filer_address }}{% endif %}, mã hồ sơ {{ case_code }}, "
            "về việc: {{ case_title }}.")
KINH_GUI = "Kính gửi: {{ addressee }}."


def body_receipt(doc):
    basis(doc)
    para(doc, "{{ agency_name }} đã tiếp nhận đơn {{ case_kind }} của {{ filer_name }}"
              "{% if filer_id_number %}, số định danh cá nhân: {{ filer_id_number }}{% endif %}"
              "{% if filer_address %}; địa chỉ: {{ filer_address }}{% endif %}"
              "{% if filer_phone %}; điện thoại: {{ filer_phone }}{% endif %}.", indent=True)
    para(doc, "Ngày nhận đơn: {{ received_on_words }}; hình thức: {{ channel }}; mã hồ sơ: {{ case_code }}.",
         indent=True)
    para(doc, "Về việc: {{ case_title }}.", indent=True)
    para(doc, "Thông tin, tài liệu, bằng chứng kèm theo: {{ papers_count }} tài liệu"
              "{% if papers %}, gồm:{% else %}.{% endif %}", indent=True)
    loop(doc, "papers", "- {{ x }};")
    para(doc, "Người gửi đơn theo dõi kết quả xử lý đơn trên Hệ thống bằng mã hồ sơ và mã truy cập đã được cấp. "
              "Giấy biên nhận được lập thành 02 bản, người gửi đơn giữ 01 bản, cơ quan tiếp nhận giữ 01 bản.",
         indent=True)


def body_proposal(doc):
    para(doc, KINH_GUI, C, bold=False, after=6)
    basis(doc)
    para(doc, RECEIVED, indent=True)
    para(doc, "Nội dung đơn: {{ case_content }}", indent=True)
    cond(doc, "respondent", "Người (cơ quan) bị {{ case_kind }}: {{ respondent }}.")
    para(doc, "Qua xem xét, đơn đủ điều kiện thụ lý theo quy định của pháp luật. Đề xuất Thủ trưởng cơ quan "
              "thụ lý giải quyết {{ case_kind }}{% if due_on_words %} (thời hạn thụ lý: đến {{ due_on_words }})"
              "{% endif %}.", indent=True)
    cond(doc, "note", "Ý kiến khác: {{ note }}")


def body_acceptance(doc):
    para(doc, KINH_GUI, C, after=6)
    basis(doc)
    para(doc, RECEIVED, indent=True)
    para(doc, "Sau khi xem xét nội dung đơn và các điều kiện thụ lý theo quy định của pháp luật, "
              "{{ agency_name }} đã thụ lý giải quyết {{ case_kind }} kể từ {{ act_on_words }}.", indent=True)
    cond(doc, "due_on_words", "Thời hạn giải quyết theo quy định: đến {{ due_on_words }} (không kể thời gian "
                              "tạm đình chỉ, nếu có).")
    cond(doc, "confidential_note", "Thông tin về người tố cáo {{ confidential_note }}.")
    para(doc, "Vậy thông báo để {{ addressee }} được biết.", indent=True)


def body_refusal(doc):
    para(doc, KINH_GUI, C, after=6)
    basis(doc)
    para(doc, RECEIVED, indent=True)
    para(doc, "Sau khi xem xét, {{ agency_name }} không thụ lý giải quyết {{ case_kind }} vì lý do: {{ reason }} "
              "(theo quy định tại {% if case_kind == 'khiếu nại' %}Điều 11 Luật Khiếu nại{% else %}Điều 29 "
              "Luật Tố cáo{% endif %}).", indent=True)
    cond(doc, "note", "{{ note }}")
    para(doc, "Vậy thông báo để {{ addressee }} được biết.", indent=True)


def body_forwarding(doc):
    para(doc, KINH_GUI, C, after=6)
    basis(doc)
    para(doc, RECEIVED, indent=True)
    para(doc, "Căn cứ quy định của pháp luật, nội dung đơn thuộc thẩm quyền giải quyết của {{ target_agency }}. "
              "{{ agency_name }} chuyển đơn (kèm theo {{ papers_count }} tài liệu) đến {{ target_agency }} để xem "
              "xét, giải quyết theo thẩm quyền{% if case_kind == 'tố cáo' %}, đồng thời giữ bí mật thông tin "
              "người tố cáo theo quy định{% endif %}.", indent=True)
    cond(doc, "note", "{{ note }}")
    para(doc, "Đề nghị {{ target_agency }} thông báo kết quả giải quyết cho người gửi đơn và {{ agency_name }} "
              "theo quy định.", indent=True)


def body_guidance(doc):
    para(doc, KINH_GUI, C, after=6)
    basis(doc)
    para(doc, RECEIVED, indent=True)
    para(doc, "Sau khi nghiên cứu nội dung đơn, {{ agency_name }} hướng dẫn {{ filer_role }} gửi đơn đến "
              "{{ target_agency }} để được xem xét, giải quyết theo thẩm quyền.", indent=True)
    cond(doc, "note", "{{ note }}")
    para(doc, "Đơn đã được hướng dẫn một lần; trường hợp tiếp tục gửi đơn có cùng nội dung đến {{ agency_name }} "
              "thì đơn được lưu theo quy định.", indent=True)


def _decision(doc, article1, extra=None):
    basis(doc)
    para(doc, "QUYẾT ĐỊNH:", C, size=14, bold=True, before=6)
    para(doc, article1, indent=True)
    if extra:
        extra(doc)
    para(doc, "Điều 2. Người được giao xác minh, {{ filer_role }} và các cơ quan, tổ chức, cá nhân có liên quan "
              "chịu trách nhiệm thi hành Quyết định này./.", indent=True)


def body_extension(doc):
    _decision(doc, "Điều 1. Gia hạn thời hạn giải quyết tố cáo đối với đơn tố cáo của {{ filer_name }}, mã hồ sơ "
                   "{{ case_code }}, tiếp nhận ngày {{ received_on }}, về việc: {{ case_title }}"
                   "{% if complexity %} (vụ việc: {{ complexity }}){% endif %}. Thời hạn giải quyết được gia hạn "
                   "đến {{ new_due_on_words }}.")


def body_suspension(doc):
    _decision(doc, "Điều 1. Tạm đình chỉ việc giải quyết {{ case_kind }} đối với đơn của {{ filer_name }}, mã hồ sơ "
                   "{{ case_code }}, về việc: {{ case_title }}, kể từ {{ act_on_words }}. Lý do: {{ reason }}.",
              lambda d: para(d, "Thời gian tạm đình chỉ không tính vào thời hạn giải quyết; việc giải quyết được "
                                "tiếp tục khi lý do tạm đình chỉ không còn.", indent=True))


def body_resumption(doc):
    _decision(doc, "Điều 1. Tiếp tục giải quyết {{ case_kind }} đối với đơn của {{ filer_name }}, mã hồ sơ "
                   "{{ case_code }}, về việc: {{ case_title }}, kể từ {{ act_on_words }}"
                   "{% if new_due_on_words %}; thời hạn giải quyết còn lại được tính đến {{ new_due_on_words }}"
                   "{% endif %}.",
              lambda d: cond(d, "note", "{{ note }}"))


def body_decision_notice(doc):
    para(doc, KINH_GUI, C, after=6)
    basis(doc)
    para(doc, "Ngày {{ act_on }}, {{ agency_name }} đã ban hành Quyết định giải quyết khiếu nại"
              "{% if decision_no %} số {{ decision_no }}{% endif %} đối với khiếu nại của {{ filer_name }}, mã hồ sơ "
              "{{ case_code }}, về việc: {{ case_title }}. Kết quả giải quyết: {{ outcome }}.", indent=True)
    para(doc, "Nội dung quyết định như sau:", indent=True)
    loop(doc, "body", "{{ x }}")
    para(doc, "Trong thời hạn 30 ngày (vùng sâu, vùng xa đi lại khó khăn: 45 ngày) kể từ ngày nhận được quyết "
              "định, nếu không đồng ý, {{ filer_role }} có quyền khiếu nại đến người có thẩm quyền giải quyết "
              "khiếu nại lần hai hoặc khởi kiện vụ án hành chính tại Tòa án theo quy định của pháp luật.",
         indent=True)


def body_conclusion(doc):
    para(doc, KINH_GUI, C, after=6)
    basis(doc)
    para(doc, "Ngày {{ act_on }}, {{ agency_name }} đã ban hành Kết luận nội dung tố cáo"
              "{% if decision_no %} số {{ decision_no }}{% endif %} đối với đơn tố cáo mã hồ sơ {{ case_code }}, "
              "về việc: {{ case_title }}. Kết luận: {{ outcome }}.", indent=True)
    para(doc, "Nội dung kết luận như sau:", indent=True)
    loop(doc, "body", "{{ x }}")
    cond(doc, "confidential_note", "Thông tin về người tố cáo {{ confidential_note }}.")


def body_urging(doc):
    para(doc, KINH_GUI, C, after=6)
    para(doc, "Qua theo dõi việc tiếp nhận, xử lý và giải quyết đơn khiếu nại, tố cáo, {{ agency_name }} đề nghị "
              "{{ urged_agency }} khẩn trương giải quyết các hồ sơ sau đây:", indent=True)
    loop(doc, "cases", "- {{ x }};")
    loop(doc, "body", "{{ x }}")
    para(doc, "Đề nghị {{ urged_agency }} chỉ đạo giải quyết dứt điểm theo quy định và báo cáo kết quả về "
              "{{ agency_name }} trước {{ reply_due_on_words }}.", indent=True)


BODIES = {
    "receipt": (body_receipt, False), "accept_proposal": (body_proposal, False),
    "acceptance_notice": (body_acceptance, False), "refusal_notice": (body_refusal, False),
    "forwarding_slip": (body_forwarding, False), "guidance": (body_guidance, False),
    "extension_decision": (body_extension, True), "suspension_decision": (body_suspension, True),
    "resumption_decision": (body_resumption, True), "decision_notice": (body_decision_notice, False),
    "conclusion_notice": (body_conclusion, False), "urging_letter": (body_urging, False),
}


def build(kind: str) -> Document:
    doc = new_document()
    body, decision = BODIES[kind]
    header(doc, with_subject_left=kind == "urging_letter")
    if kind != "urging_letter":
        title(doc, decision=decision)
    else:
        para(doc, "", after=6)
    body(doc)
    footer(doc)
    return doc


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for kind in BODIES:
        build(kind).save(out / f"{kind}.docx")
        print(out / f"{kind}.docx")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
