"""Case kinds, statuses, channels and roles: the vocabulary of the workflow."""
from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    COMPLAINT = "complaint"            # khiếu nại
    DENUNCIATION = "denunciation"      # tố cáo
    PETITION = "petition"              # kiến nghị, phản ánh
    VOTER_PETITION = "voter_petition"  # kiến nghị cử tri


#: the kinds a citizen may file on the public form and the public API
PUBLIC_KINDS: tuple[Kind, ...] = (Kind.COMPLAINT, Kind.DENUNCIATION, Kind.PETITION)


class Channel(StrEnum):
    WEB = "web"                      # public web form or API
    DESK = "desk"                    # handed in at the reception desk
    POST = "post"                    # received by post
    FORWARDED = "forwarded"          # forwarded by another body
    VOTER_MEETING = "voter_meeting"  # collected at a voter meeting


class Role(StrEnum):
    RECEPTION = "reception"   # reception officer (cán bộ tiếp công dân / xử lý đơn)
    HANDLER = "handler"       # case handler (cán bộ thụ lý, xác minh)
    HEAD = "head"             # head of agency (thủ trưởng)
    INSPECTOR = "inspector"   # provincial inspectorate (Thanh tra tỉnh)
    ADMIN = "admin"           # administrator
    # the People's Council office / Fatherland Front liaison (Văn phòng HĐND, Ban dân nguyện):
    # records voter meetings and enters the petitions collected there
    COUNCIL = "council"


class Status(StrEnum):
    """Stored statuses. Overdue is never a status: it is derived from due dates."""

    # every letter starts here (tiếp nhận, vào sổ)
    RECEIVED = "received"

    # outcomes of letter handling (xử lý đơn)
    ACCEPTED = "accepted"              # thụ lý / accepted for answer
    REFUSED = "refused"                # không thụ lý, with a reason
    FORWARDED = "forwarded"            # chuyển đơn to the competent body
    GUIDED = "guided"                  # hướng dẫn: the filer is told where to go
    ARCHIVED = "archived"              # lưu đơn: ineligible, or not processed
    ATTACHED = "attached"              # repeats an open case: attached to it
    SPLIT = "split"                    # mixed kinds: split into new letters
    REFERRED = "referred"              # anonymous denunciation: to inspection as information

    # resolution (complaints, denunciations)
    UNDER_VERIFICATION = "under_verification"  # xác minh
    IN_DIALOGUE = "in_dialogue"        # đối thoại held
    DECIDED = "decided"                # quyết định giải quyết khiếu nại
    NOTIFIED = "notified"              # decision sent
    IN_EFFECT = "in_effect"            # decision has legal effect
    ENFORCED = "enforced"              # decision enforced
    ESCALATED = "escalated"            # a second-time complaint was filed
    CONCLUDED = "concluded"            # kết luận nội dung tố cáo
    CONCLUSION_HANDLED = "conclusion_handled"  # xử lý kết luận
    PUBLISHED = "published"            # công khai kết luận
    SUSPENDED = "suspended"            # tạm đình chỉ
    TERMINATED = "terminated"          # đình chỉ
    IN_COURT = "in_court"              # taken to court: the administrative route ends

    # petitions and voter petitions
    ANSWERED = "answered"
    CONSOLIDATED = "consolidated"      # tổng hợp by the People's Council standing committee
    ASSIGNED = "assigned"              # assigned to an agency to answer
    REPORTED = "reported"              # answer reported back to voters
    MONITORED = "monitored"            # giám sát
    CARRIED_OVER = "carried_over"      # to the next session

    CLOSED = "closed"


#: the status every new letter is stored with
INITIAL_STATUS = Status.RECEIVED


class Event(StrEnum):
    """What an officer does to a case: verbs. The transition table says where each leads."""

    # letter handling
    ACCEPT = "accept"
    REFUSE = "refuse"
    FORWARD = "forward"
    GUIDE = "guide"
    ARCHIVE = "archive"
    ATTACH = "attach"
    SPLIT = "split"
    REFER = "refer"
    # resolution
    ASSIGN = "assign"
    START_VERIFICATION = "start_verification"
    HOLD_DIALOGUE = "hold_dialogue"
    EXTEND = "extend"
    DETERMINE_COMPLEXITY = "determine_complexity"
    SUSPEND = "suspend"
    RESUME = "resume"
    DECIDE = "decide"
    CONCLUDE = "conclude"
    NOTIFY = "notify"
    RECORD_RECEIPT = "record_receipt"
    TAKE_EFFECT = "take_effect"
    ENFORCE = "enforce"
    HANDLE_CONCLUSION = "handle_conclusion"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"
    TERMINATE = "terminate"
    TAKE_TO_COURT = "take_to_court"
    ESCALATE = "escalate"
    # petitions and voter petitions
    ANSWER = "answer"
    CONSOLIDATE = "consolidate"
    REPORT = "report"
    MONITOR = "monitor"
    CARRY_OVER = "carry_over"
    CLOSE = "close"
