"""Human labels for the workflow's values, through Babel (lazy: built at import time)."""
from __future__ import annotations

import re
from functools import lru_cache

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
    "council": _l("People's Council office (voter meetings)"),
}

STATUS = {
    "received": _l("Received"),
    "accepted": _l("Accepted"),
    "refused": _l("Not accepted"),
    "forwarded": _l("Forwarded to the competent body"),
    "guided": _l("Filer guided to the competent body"),
    "archived": _l("Archived"),
    "attached": _l("Attached to an open case"),
    "split": _l("Split into separate letters"),
    "referred": _l("Referred to inspection as information"),
    "under_verification": _l("Under verification"),
    "in_dialogue": _l("Dialogue held"),
    "decided": _l("Decided"),
    "notified": _l("Decision sent"),
    "in_effect": _l("Decision in legal effect"),
    "enforced": _l("Decision enforced"),
    "escalated": _l("Second-time complaint filed"),
    "concluded": _l("Concluded"),
    "conclusion_handled": _l("Conclusion handled"),
    "published": _l("Conclusion made public"),
    "suspended": _l("Suspended"),
    "terminated": _l("Terminated"),
    "in_court": _l("Taken to court"),
    "answered": _l("Answered"),
    "consolidated": _l("Consolidated"),
    "assigned": _l("Assigned to an agency"),
    "reported": _l("Answer reported to voters"),
    "monitored": _l("Monitored"),
    "carried_over": _l("Carried over to the next session"),
    "closed": _l("Closed"),
}

EVENT = {
    "receive": _l("Letter received"),
    "recompute_deadline": _l("Time limit recomputed"),
    "issue_document": _l("Document issued"),
    "reissue_document": _l("Document re-issued"),
    "accept": _l("Accepted for resolution"),
    "refuse": _l("Not accepted"),
    "forward": _l("Forwarded"),
    "guide": _l("Guided"),
    "archive": _l("Archived"),
    "attach": _l("Attached to an open case"),
    "split": _l("Split"),
    "refer": _l("Referred"),
    "assign": _l("Handler assigned"),
    "start_verification": _l("Verification started"),
    "hold_dialogue": _l("Dialogue held"),
    "extend": _l("Time limit extended"),
    "determine_complexity": _l("Complexity determined in writing"),
    "record_receipt": _l("Day of receipt of the decision recorded"),
    "suspend": _l("Suspended"),
    "resume": _l("Resumed"),
    "decide": _l("Decision made"),
    "conclude": _l("Conclusion made"),
    "notify": _l("Notice sent"),
    "take_effect": _l("Decision took legal effect"),
    "enforce": _l("Decision enforced"),
    "handle_conclusion": _l("Conclusion handled"),
    "publish": _l("Made public"),
    "withdraw": _l("Withdrawal received"),
    "terminate": _l("Terminated"),
    "take_to_court": _l("Taken to court"),
    "escalate": _l("Second-time complaint filed"),
    "answer": _l("Answered"),
    "consolidate": _l("Consolidated"),
    "report": _l("Reported to voters"),
    "monitor": _l("Monitored"),
    "carry_over": _l("Carried over"),
    "close": _l("Closed"),
    "withdraw_signers": _l("Co-signers withdrew"),
    "rate": _l("Rated by the filer"),
    "collect": _l("Collected at a voter meeting"),
    "answer_review": _l("Review answered"),
}


#: the voter-petition process has its own words (NQLT 72/2025): no filer, no handler
VOTER_EVENT = {
    "receive": _l("Registered from the voter meeting"),
    "collect": _l("Collected at a voter meeting"),
    "consolidate": _l("Consolidated by the People's Council standing committee"),
    "assign": _l("Sent to the agency that must answer"),
    "answer": _l("Answered by the agency"),
    "report": _l("Answer reported back to voters"),
    "monitor": _l("Answer monitored by the People's Council"),
    "carry_over": _l("Carried over to the next session"),
    "close": _l("Closed"),
    "attach": _l("Merged with the same petition raised at another meeting"),
}

VOTER_STATUS = {
    "attached": _l("Merged with the same petition of another meeting"),
}


def event_label(event: str | None, kind: str | None = None) -> str:
    """An event's name, in the words of the case's own process."""
    if kind == "voter_petition" and event in VOTER_EVENT:
        return str(VOTER_EVENT[event])
    return label(EVENT, event)


def status_label(status: str | None, kind: str | None = None) -> str:
    if kind == "voter_petition" and status in VOTER_STATUS:
        return str(VOTER_STATUS[status])
    return label(STATUS, status)


def step_label(step: str) -> str:
    from .workflow.deadlines import rules_for
    try:
        return tr(rules_for(step)[0].label)
    except Exception:  # an unknown step name stays as it is
        return step


def explain(explanation, public: bool = False) -> list[str]:
    """A stored due date's explanation in the reader's language (see petitions/explain.py)."""
    from .explain import explanation_lines
    return explanation_lines(explanation, public=public)


def label(table: dict, value: str | None) -> str:
    if value is None:
        return ""
    return str(table.get(value, value.replace("_", " ").replace("-", " ")))


class Memo(dict):
    """``label(table, value)`` remembered for one page: a list translates each kind or
    status once, not once per cell."""

    def __init__(self, table: dict):
        super().__init__()
        self.table = table

    def __missing__(self, value):
        text = self[value] = label(self.table, value)
        return text


def tr(text: str | None) -> str:
    """A string of the workflow package in the user's language."""
    from .workflow_strings import STRINGS
    if not text:
        return ""
    return str(STRINGS[text]) if text in STRINGS else text


@lru_cache(maxsize=1)
def _patterns():
    from .workflow_strings import STRINGS
    out = []
    for template in STRINGS:
        if "{" not in template:
            continue
        parts = re.split(r"(\{\w+(?:![rs])?\})", template)
        regex = "".join(f"(?P<{p[1:-1].split('!')[0]}>.+?)" if p.startswith("{") else re.escape(p) for p in parts)
        try:
            out.append((re.compile(f"^{regex}$", re.S), template))
        except re.error:  # a name used twice
            continue
    return out


def tr_message(message: str) -> str:
    """A sentence the workflow formatted in English, in the user's language: matched
    against the workflow's templates, its pieces translated too where they are known."""
    if not message:
        return ""
    message = str(message)
    from .workflow_strings import STRINGS
    if message in STRINGS:
        return str(STRINGS[message])
    for regex, template in _patterns():
        match = regex.match(message)
        if match:
            values = {k: _piece(v) for k, v in match.groupdict().items()}
            translated = str(STRINGS[template])
            return re.sub(r"\{(\w+)(?:![rs])?\}", lambda m: values.get(m.group(1), m.group(0)), translated)
    return message


def outcome_label(value: str | None, kind: str | None = None, event: str | None = None) -> str:
    """A recorded choice (refusal reason, decision, verdict) as its label in the table:
    the rows of this kind and event first, since the same value means different things
    ("withdrawn" by a complainant or by a denouncer)."""
    from .workflow.transitions import TRANSITIONS
    rows = sorted(TRANSITIONS, key=lambda r: (kind not in [k.value for k in r.kinds],
                                              event is not None and r.event.value != event))
    for row in rows:
        for spec in row.fields:
            for choice, text in spec.choices:
                if choice == value:
                    return tr(text)
    return value or ""


def _piece(value: str) -> str:
    """A value the workflow put into a sentence: a known string, a status, a role, a kind."""
    from .workflow_strings import STRINGS
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):  # a date the workflow wrote in ISO form
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    quoted = len(value) > 1 and value[0] == value[-1] == "'"
    inner = value[1:-1] if quoted else value
    key = inner.replace(" ", "_")
    if inner in STRINGS:
        text = str(STRINGS[inner])
    elif key in STATUS:
        text = str(STATUS[key])
    elif key in KIND:
        text = str(KIND[key]).lower()
    elif key in EVENT:  # an event's code ('consolidate') is never shown as such
        text = str(EVENT[key]).lower()
    elif "," in inner and all(r.strip() in ROLE for r in inner.split(",")):
        text = ", ".join(str(ROLE[r.strip()]) for r in inner.split(","))
    elif inner in ROLE:
        text = str(ROLE[inner])
    else:
        return value
    return f"“{text}”" if quoted else text
