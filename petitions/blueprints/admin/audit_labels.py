"""The audit log read by a person: every recorded action, object and detail by its name,
never the code the application stores (``issue_document``, ``["handler"]``)."""
from __future__ import annotations

import json
import re

from flask_babel import lazy_gettext as _l

from ... import labels

ACTIONS = {
    "set_calendar_day": _l("Calendar decision recorded"),
    "remove_calendar_day": _l("Calendar decision removed"),
    "set_deadline_setting": _l("Deadline setting changed"),
    "recompute_due_dates": _l("Due dates recomputed"),
    "create_user": _l("Account created"),
    "lock_account": _l("Account locked"),
    "unlock_account": _l("Account unlocked"),
    "disable_user": _l("Account disabled"),
    "enable_user": _l("Account enabled again"),
    "reset_password": _l("Temporary password set"),
    "change_password": _l("Password changed"),
    "sign_out_everywhere": _l("Signed out on every device"),
    "enable_totp": _l("Two-factor sign-in turned on"),
    "disable_totp": _l("Two-factor sign-in turned off"),
    "reset_totp": _l("Two-factor sign-in reset"),
    "new_recovery_codes": _l("New recovery codes made"),
    "use_recovery_code": _l("Recovery code used"),
    "issue_api_token": _l("API token issued"),
    "set_alert_digest": _l("Daily digest chosen or dropped"),
    "send_digests": _l("Daily alert digests sent"),
    "retry_notification": _l("Message sent again"),
    "choose_notices": _l("Filer chose how to be told"),
    "citizen_sign_in": _l("Citizen signed in with VNeID"),
    "citizen_sign_out": _l("Citizen signed out"),
    "citizen_view_case": _l("Citizen opened their letter from their VNeID page"),
    "send_urging": _l("Urging sent"),
    "reply_urging": _l("Urging answered"),
    "answer_review": _l("Review request answered"),
    "issue_document": _l("Document issued"),
    "reissue_document": _l("Document re-issued"),
    "upload_document_template": _l("Document template uploaded"),
    "revert_document_template": _l("Built-in document template restored"),
    "add_redaction": _l("Passage blacked out"),
    "remove_redaction": _l("Blacked-out passage removed"),
    "set_attachment_redaction": _l("Attachments chosen for the pseudonymised copy"),
    "prepare_pseudonymised_copy": _l("Pseudonymised copy prepared"),
    "download_pseudonymised_copy": _l("Pseudonymised copy downloaded"),
    "schedule_reception": _l("Reception session recorded"),
    "cancel_reception": _l("Reception session cancelled"),
    "add_reception_visit": _l("Person received recorded"),
    "add_reception_conclusion": _l("Reception conclusion recorded"),
    "complete_reception_conclusion": _l("Reception conclusion done"),
    "record_dialogue": _l("Dialogue recorded"),
    "add_dialogue_commitment": _l("Dialogue commitment added"),
    "complete_dialogue_commitment": _l("Dialogue commitment done"),
    "set_retention": _l("Retention period changed"),
    "privacy_anonymise": _l("Expired personal data anonymised"),
    "privacy_export": _l("A filer's data exported on request"),
    "privacy_lookup": _l("A filer's letters looked up on request"),
    "refuse_document_template": _l("Document template refused"),
    "sign_in_failures": _l("Many failed sign-ins"),
    "sign_in_wait": _l("Sign-in slowed after failures"),
}

OBJECTS = {
    "calendar": _l("Calendar day"),
    "deadline_rule": _l("Time limit"),
    "deadline": _l("Running due dates"),
    "user": _l("Account"),
    "case": _l("Case"),
    "urging": _l("Urging"),
    "rating": _l("Rating"),
    "notification": _l("Mail"),
    "digest": _l("Daily digest"),
    "issued_document": _l("Document"),
    "document_template": _l("Document template"),
    "reception_session": _l("Reception session"),
    "conclusion": _l("Conclusion"),
    "dialogue": _l("Dialogue"),
    "retention": _l("Retention period"),
    "filer": _l("Filer"),
    "citizen_session": _l("Citizen's session (VNeID)"),
}

DETAILS = {
    "username": _l("User name"), "roles": _l("Roles"), "role": _l("Role"), "reason": _l("Reason"),
    "note": _l("Note"), "agency": _l("Agency"), "kind": _l("Kind"), "symbol": _l("Number and symbol"),
    "version": _l("Version"), "variant": _l("Copy"), "recipient": _l("Recipient"), "document": _l("Document"),
    "sha256": "SHA-256", "day": _l("Day"), "decision": _l("Decision"), "step": _l("Step"), "limit": _l("Time limit"),
    "unit": _l("Counted in"), "effective_from": _l("For letters received from"), "moved": _l("Due dates moved"),
    "cases": _l("Cases"), "mails": _l("Mails"), "digest": _l("Daily digest"), "attempts": _l("Attempts"),
    "years": _l("Years"), "from_years": _l("Before (years)"), "to_years": _l("After (years)"), "request": _l("Request reference"),
    "today": _l("Date"), "late": _l("Late"), "seconds": _l("Seconds"), "periods": _l("Periods"), "before": _l("Before"),
    "email": _l("E-mail"), "full_name": _l("Full name"), "chair": _l("Chaired by"), "head": _l("Head of agency"),
    "owner": _l("Owner"), "session": _l("Reception session"), "visit": _l("Person received"),
    "commitment": _l("Commitment"), "copy": _l("Pseudonymised copy"), "case": _l("Case"),
    "file": _l("File"), "template": _l("Document template"), "due_on": _l("Due on"), "date": _l("Date"),
    "reply_due_on": _l("Reply due on"), "failures": _l("Failed attempts"), "parties": _l("People"),
    "from": _l("From date"), "to": _l("To date"), "attachment": _l("Attached file"), "choice": _l("What is hidden"),
    "pages": _l("Pages"), "redaction": _l("Hidden passage"), "passages": _l("Passages hidden by hand"),
    "auto": _l("Passages hidden automatically"), "files": _l("Files"), "account": _l("Account"),
    "channel": _l("Notified by"), "by": _l("Chosen through"), "vneid_session": _l("Citizen's session (VNeID)"),
}
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _piece(key: str, value) -> str:
    if key in ("roles", "role") and isinstance(value, str):
        return labels.label(labels.ROLE, value)
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, str) and (m := ISO_DATE.match(value)):  # dates as the reader writes them
        return f"{m.group(3)}/{m.group(2)}/{m.group(1)}"
    return "" if value is None else str(value)


def detail_value(key: str, value) -> str:
    """A detail as text: lists joined, roles by their name, nested data as plain JSON."""
    if isinstance(value, (list, tuple)):
        return ", ".join(_piece(key, v) if not isinstance(v, (dict, list)) else json.dumps(v, ensure_ascii=False)
                         for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return _piece(key, value)


def detail_label(key: str) -> str:
    return str(DETAILS.get(key, key.replace("_", " ")))
