"""Human labels for the workflow's values, through Babel (lazy: built at import time)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND = {
    "complaint": _l("Complaint"),
    "denunciation": _l("Denunciation"),
    "petition": _l("Petition or feedback"),
    "voter_petition": _l("Voter petition"),
}

KIND_HELP = {
    "complaint": _l(
        "You ask a public body to review an administrative decision or act that affects "
        "your own rights or interests, for example a land compensation decision."
    ),
    "denunciation": _l(
        "You report to the competent body a violation of the law by an official or any "
        "agency, organisation or person that harms the State, the public or anyone. "
        "Your name and address are required and are kept confidential by law."
    ),
    "petition": _l(
        "You give feedback or suggest an improvement on a policy, a regulation or a public "
        "service. You may send it without your name."
    ),
}

CHANNEL = {
    "web": _l("Public website"),
    "desk": _l("Reception desk"),
    "post": _l("Post"),
    "forwarded": _l("Forwarded by another body"),
    "voter_meeting": _l("Voter meeting"),
}

ROLE = {
    "reception": _l("Reception officer"),
    "handler": _l("Case handler"),
    "head": _l("Head of agency"),
    "inspector": _l("Inspector (provincial inspectorate)"),
    "admin": _l("Administrator"),
}

STATUS = {
    "received": _l("Received"),
}

EVENT = {
    "receive": _l("Letter received"),
}

STEP = {
    "letter-handling": _l("Letter handling (classify and decide)"),
    "denunciation-processing": _l("Initial processing of the denunciation"),
    "voter-petition-answer": _l("Answer to the voter petition"),
}


def label(table: dict, value: str | None) -> str:
    if value is None:
        return ""
    return str(table.get(value, value.replace("_", " ").replace("-", " ")))
