"""The official documents the workflow produces: what each is, which events produce it,
the annexed form it follows, its legal basis, and who receives it.

Each recipient says whether the copy going to it must never carry a denouncer's
identity (``protected``): the variant is chosen from the recipient, not by the officer.
The document's own words are Vietnamese (they are the State's documents); ``label``s
are English msgids for the pages.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

_LC = "Luật Khiếu nại số 02/2011/QH13"
_LD = "Luật Tố cáo số 25/2018/QH14"
_ND124 = "Nghị định số 124/2020/NĐ-CP (sửa đổi bởi Nghị định số 155/2026/NĐ-CP)"
_ND31 = "Nghị định số 31/2019/NĐ-CP"
_TT05 = "Thông tư số 05/2021/TT-TTCP"
_LTCD = "Luật Tiếp công dân số 42/2013/QH13"


@dataclass(frozen=True)
class Recipient:
    key: str
    label: object          # English msgid (lazy) for the pages
    doc_label: str         # the line in "Nơi nhận", in Vietnamese
    protected: bool = False  # never the denouncer's identity in the copy it receives


FILER = Recipient("filer", _l("The filer"), "Người gửi đơn")
HEAD = Recipient("head", _l("The head of the agency (internal)"), "Thủ trưởng cơ quan (để xem xét, quyết định)")
COMPETENT = Recipient("competent_body", _l("The competent body"), "Cơ quan có thẩm quyền giải quyết")
RESPONDENT = Recipient("respondent", _l("The person or body complained about"),
                       "Người bị khiếu nại")
ACCUSED = Recipient("accused_agency", _l("The accused, or the agency managing the accused"),
                    "Người bị tố cáo, cơ quan quản lý người bị tố cáo", protected=True)
TEAM = Recipient("verification_team", _l("The verification team"), "Tổ xác minh", protected=True)
PUBLIC = Recipient("public", _l("The public (published)"), "Cổng thông tin điện tử (công khai)", protected=True)
URGED = Recipient("urged_agency", _l("The urged agency"), "Cơ quan được đôn đốc", protected=True)


@dataclass(frozen=True)
class DocKind:
    key: str
    label: object                        # English msgid for the pages
    title: str                           # the document's title: "THÔNG BÁO"
    type_abbr: str                       # in the symbol: "TB" in "15/TB-UBND" (NĐ 30/2020 Phụ lục III)
    events: tuple[tuple[str, str], ...]  # (case kind, event) pairs that produce it; ("*", e) any kind
    form: dict                           # case kind (or "*") -> the annexed form it follows
    basis: dict                          # case kind (or "*") -> legal basis lines
    recipients: dict                     # case kind (or "*") -> recipients
    needs_text: bool = False             # the officer writes the body (a decision's text)

    def for_kind(self, table: dict, case_kind: str):
        return table.get(case_kind, table.get("*"))

    def produced_by(self, case_kind: str, event: str) -> bool:
        return (case_kind, event) in self.events or ("*", event) in self.events


KINDS: tuple[DocKind, ...] = (
    DocKind(
        "receipt", _l("Receipt of the letter and papers"), "GIẤY BIÊN NHẬN", "GBN",
        # a voter petition has no filer to give a receipt to (voters petition as a group)
        (("complaint", "receive"), ("denunciation", "receive"), ("petition", "receive")),
        {"*": f"{_TT05}, Phụ lục: mẫu Giấy biên nhận thông tin, tài liệu, bằng chứng"},
        {"*": [f"Căn cứ {_LTCD};", f"Căn cứ {_TT05} quy định quy trình tiếp công dân, xử lý đơn khiếu nại, "
                                    "đơn tố cáo, đơn kiến nghị, phản ánh;"]},
        {"*": (FILER,)},
    ),
    DocKind(
        "accept_proposal", _l("Proposal to accept (internal)"), "PHIẾU ĐỀ XUẤT THỤ LÝ", "PĐX",
        (("complaint", "receive"), ("denunciation", "receive"), ("complaint", "accept"), ("denunciation", "accept")),
        {"*": f"{_TT05}, Phụ lục: mẫu Phiếu đề xuất thụ lý đơn"},
        {"complaint": [f"Căn cứ {_LC};", f"Căn cứ {_ND124};", f"Căn cứ {_TT05};"],
         "denunciation": [f"Căn cứ {_LD};", f"Căn cứ {_ND31};", f"Căn cứ {_TT05};"]},
        {"*": (HEAD,)},
    ),
    DocKind(
        "acceptance_notice", _l("Notice of acceptance"), "THÔNG BÁO", "TB",
        (("complaint", "accept"), ("denunciation", "accept"), ("denunciation", "notify")),
        {"complaint": f"{_ND124}, Phụ lục: mẫu Thông báo về việc thụ lý giải quyết khiếu nại",
         "denunciation": f"{_ND31}, Phụ lục: mẫu Thông báo việc thụ lý tố cáo"},
        {"complaint": [f"Căn cứ Điều 27 và Điều 36 {_LC};", f"Căn cứ Điều 16 {_ND124};"],
         "denunciation": [f"Căn cứ Điều 29 {_LD};", f"Căn cứ {_ND31};"]},
        {"complaint": (FILER, RESPONDENT), "denunciation": (FILER, ACCUSED)},
    ),
    DocKind(
        "refusal_notice", _l("Notice of refusal"), "THÔNG BÁO", "TB",
        (("complaint", "refuse"), ("denunciation", "refuse")),
        {"complaint": f"{_ND124}, Phụ lục: mẫu Thông báo về việc không thụ lý giải quyết khiếu nại",
         "denunciation": f"{_ND31}, Phụ lục: mẫu Thông báo việc không thụ lý tố cáo"},
        {"complaint": [f"Căn cứ Điều 11 và Điều 27 {_LC};", f"Căn cứ Điều 16 {_ND124};"],
         "denunciation": [f"Căn cứ Điều 23 và Điều 29 {_LD};", f"Căn cứ {_ND31};"]},
        {"*": (FILER,)},
    ),
    DocKind(
        "forwarding_slip", _l("Forwarding slip"), "PHIẾU CHUYỂN ĐƠN", "PC",
        (("denunciation", "forward"), ("petition", "forward")),
        {"*": f"{_TT05}, Phụ lục: mẫu Phiếu chuyển đơn"},
        {"denunciation": [f"Căn cứ Điều 24 {_LD};", f"Căn cứ {_TT05};"],
         "petition": [f"Căn cứ {_LTCD};", f"Căn cứ {_TT05};"]},
        {"*": (COMPETENT, FILER)},
    ),
    DocKind(
        "guidance", _l("Guidance letter"), "PHIẾU HƯỚNG DẪN", "PHD",
        (("complaint", "guide"), ("petition", "guide")),
        {"*": f"{_TT05}, Phụ lục: mẫu Phiếu hướng dẫn"},
        {"*": [f"Căn cứ {_LTCD};", f"Căn cứ {_TT05};"]},
        {"*": (FILER,)},
    ),
    DocKind(
        "extension_decision", _l("Decision to extend the time limit"), "QUYẾT ĐỊNH", "QĐ",
        (("denunciation", "extend"),),
        {"*": f"{_ND31}, Phụ lục: mẫu Quyết định gia hạn giải quyết tố cáo"},
        {"*": [f"Căn cứ Điều 30 {_LD};", f"Căn cứ {_ND31};"]},
        {"*": (FILER, ACCUSED, TEAM)},
    ),
    DocKind(
        "suspension_decision", _l("Decision to suspend the resolution"), "QUYẾT ĐỊNH", "QĐ",
        (("complaint", "suspend"), ("denunciation", "suspend")),
        {"complaint": f"{_ND124}, Phụ lục: mẫu Quyết định tạm đình chỉ việc giải quyết khiếu nại",
         "denunciation": f"{_ND31}, Phụ lục: mẫu Quyết định tạm đình chỉ việc giải quyết tố cáo"},
        {"complaint": [f"Căn cứ {_LC};", f"Căn cứ {_ND124};"],
         "denunciation": [f"Căn cứ Điều 34 {_LD};", f"Căn cứ {_ND31};"]},
        {"complaint": (FILER, RESPONDENT), "denunciation": (FILER, ACCUSED, TEAM)},
    ),
    DocKind(
        "resumption_decision", _l("Decision to resume the resolution"), "QUYẾT ĐỊNH", "QĐ",
        (("complaint", "resume"), ("denunciation", "resume")),
        {"complaint": f"{_ND124}, Phụ lục: mẫu Quyết định tiếp tục giải quyết khiếu nại",
         "denunciation": f"{_ND31}, Phụ lục: mẫu Quyết định tiếp tục giải quyết tố cáo"},
        {"complaint": [f"Căn cứ {_LC};", f"Căn cứ {_ND124};"],
         "denunciation": [f"Căn cứ Điều 34 {_LD};", f"Căn cứ {_ND31};"]},
        {"complaint": (FILER, RESPONDENT), "denunciation": (FILER, ACCUSED, TEAM)},
    ),
    DocKind(
        "decision_notice", _l("Notice of the complaint decision"), "THÔNG BÁO", "TB",
        (("complaint", "decide"), ("complaint", "notify")),
        {"*": f"{_ND124}, Phụ lục: mẫu Quyết định giải quyết khiếu nại (nội dung do người giải quyết ban hành)"},
        {"*": [f"Căn cứ Điều 31 và Điều 32 {_LC};", f"Căn cứ {_ND124};"]},
        {"*": (FILER, RESPONDENT)},
        needs_text=True,
    ),
    DocKind(
        "conclusion_notice", _l("Notice of the denunciation conclusion"), "THÔNG BÁO", "TB",
        (("denunciation", "conclude"), ("denunciation", "publish")),
        {"*": f"{_ND31}, Phụ lục: mẫu Kết luận nội dung tố cáo"},
        {"*": [f"Căn cứ Điều 35 và Điều 40 {_LD};", f"Căn cứ {_ND31};"]},
        {"*": (FILER, ACCUSED, PUBLIC)},
        needs_text=True,
    ),
    DocKind(
        "urging_letter", _l("Urging letter of the inspectorate"), "CÔNG VĂN", "",
        (),
        {"*": f"{_TT05} (theo dõi, đôn đốc việc giải quyết); thể thức công văn theo Nghị định số 30/2020/NĐ-CP"},
        {"*": [f"Căn cứ {_LC};", f"Căn cứ {_LD};", f"Căn cứ {_TT05};"]},
        {"*": (URGED,)},
    ),
)

BY_KEY = {k.key: k for k in KINDS}


def kinds_for_event(case_kind: str, event: str) -> list[DocKind]:
    return [k for k in KINDS if k.produced_by(case_kind, event)]


def recipients_for(kind: DocKind, case_kind: str) -> tuple[Recipient, ...]:
    return kind.for_kind(kind.recipients, case_kind) or ()


def variant_for(recipient: Recipient, confidential: bool) -> str:
    """The copy a recipient gets: a denouncer's identity goes only to those who may hold it."""
    return "pseudonymised" if confidential and recipient.protected else "full"
