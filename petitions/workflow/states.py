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


class Status(StrEnum):
    """Stored statuses. Overdue is never a status: it is derived from due dates."""

    # every letter starts here (tiếp nhận, vào sổ)
    RECEIVED = "received"


#: the status every new letter is stored with
INITIAL_STATUS = Status.RECEIVED
