"""What a filer is told, and how: e-mail, SMS or Zalo, as they chose (``Party.notify_channel``).

Every notice is an outbox row (services/outbox.py) written in the transaction of the step it
tells about. A notice names the letter's tracking code, its new status and the date, and
the address of the status page: never the access key, never the letter's title or text, never
the agency or anything else of a denunciation (the SMS and Zalo texts are built from those
three values only, and the e-mail's words about a confidential case go through the
redaction engine). SMS and Zalo go only to a filer who consented (``notify_consent_at``),
and only when the gateway is configured; otherwise the filer is told by e-mail if they gave
an address, as before.

SMS length: one message. With ``SMS_UNICODE`` the accented text is sent when it fits in 70
UCS-2 characters; otherwise (and always without ``SMS_UNICODE``) the unaccented text, in the
GSM-7 alphabet, within 160 characters; the link is dropped before anything else.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import labels
from ..models import Case, Party
from .codes import format_code

SMS_GSM7_LIMIT = 160
SMS_UCS2_LIMIT = 70
ZALO_PARAM_LIMIT = 30  # a ZNS template parameter of the "code" and "status" types
CHANNELS = ("email", "sms", "zalo", "none")
# the GSM 03.38 basic alphabet, ASCII part (the extension table's characters count double:
# they are replaced)
_GSM7 = set("@$\n\r _!\"#%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def unaccented(text: str) -> str:
    """Vietnamese without its marks, in the GSM-7 alphabet: "Đã thụ lý" -> "Da thu ly"."""
    text = text.replace("Đ", "D").replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = text.replace("“", '"').replace("”", '"').replace("–", "-").replace("—", "-")
    return "".join(c if c in _GSM7 else "?" for c in text)


def sms_text(template: str, **values) -> tuple[str, bool]:
    """(text, unicode) of one SMS, within one message's length."""
    link = values.pop("link", "")
    unicode_ok = current_app.config["SMS_UNICODE"]
    for with_link in (True, False):
        full = template % {**values, "link": link} if with_link else _drop_link(template) % values
        if unicode_ok and len(full) <= SMS_UCS2_LIMIT:
            return full, True
        plain = unaccented(full)
        if len(plain) <= SMS_GSM7_LIMIT:
            return plain, False
    return unaccented(_drop_link(template) % values)[:SMS_GSM7_LIMIT], False


def _drop_link(template: str) -> str:
    """The template's sentence with the link, removed ("... Theo doi tai %(link)s")."""
    return re.sub(r"\s*[^.]*%\(link\)s\.?", "", template)


def phone_84(phone: str | None) -> str | None:
    """A Vietnamese mobile number as the gateways want it (84 and nine digits), or None."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("84") and len(digits) == 11:
        return digits
    if digits.startswith("0") and len(digits) == 10:
        return "84" + digits[1:]
    return None


def ready(channel: str) -> bool:
    """Is the channel's gateway configured?"""
    cfg = current_app.config
    if channel == "sms":
        return bool(cfg.get("SMS_URL") and cfg.get("SMS_API_KEY"))
    if channel == "zalo":
        return bool(cfg.get("ZALO_URL") and cfg.get("ZALO_ACCESS_TOKEN") and cfg.get("ZALO_TEMPLATE_UPDATE"))
    return channel == "email"


def channel_for(filer: Party | None) -> tuple[str, str] | None:
    """(channel, address) the filer is told by, or None."""
    if filer is None:
        return None
    chosen = filer.notify_channel
    if chosen == "none":
        return None
    if chosen in ("sms", "zalo") and filer.notify_consent_at is not None and ready(chosen):
        phone = phone_84(filer.phone)
        if phone:
            return chosen, phone
    if filer.email:
        return "email", filer.email
    return None


class NoticeError(ValueError):
    pass


def choose_notices(case: Case, channel: str, *, consent: bool) -> None:
    """The filer's choice on their status page, on the record (the audit names no person:
    the filer is not an account; it names the case and the channel)."""
    from flask_babel import lazy_gettext as _l

    from ..extensions import db
    from ..models import AuditLog
    filer = case.petitioner
    if channel in ("sms", "zalo"):
        if not consent:
            raise NoticeError(_l("Tick the box to agree to notices by SMS or Zalo, or choose e-mail."))
        if phone_84(filer.phone) is None:
            raise NoticeError(_l("Your letter gives no mobile phone number: choose e-mail, or file with one."))
    record_choice(filer, channel, consent=consent)
    db.session.add(AuditLog(action="choose_notices", object_type="case", object_id=case.tracking_code,
                            details={"channel": channel}))
    db.session.flush()


def record_choice(party: Party, channel: str, *, consent: bool) -> None:
    """The filer's choice; SMS and Zalo need their consent, recorded with its moment."""
    from ..models.types import utcnow
    if channel not in CHANNELS:
        raise ValueError(channel)
    if channel in ("sms", "zalo"):
        if not consent:
            raise ValueError("consent")
        party.notify_consent_at = utcnow()
    party.notify_channel = channel


def _mail_title(case: Case) -> str | None:
    """The letter's title as a mail to its filer quotes it: the filer's own identity blacked
    out whatever the kind. A mail crosses other servers and may be read by others, and a
    letter registered as a complaint can turn out to denounce someone (split later)."""
    if not case.title:
        return case.title
    from .verification import redact
    return redact(case.title, case, [])[0]


def _link() -> str:
    return current_app.config["BASE_URL"].rstrip("/") + "/track"


def _fields(case: Case, how: tuple[str, str], key: str, *, subject: str, body: str, values: dict,
            template: str, zalo_template: str) -> dict:
    """The outbox row of one notice to the filer, as :func:`outbox.write`'s arguments."""
    from .alerts import outgoing_text
    channel, address = how
    if channel == "email":
        return dict(channel="email", key=f"{key}:email", kind="case_update", case_id=case.id, email=address,
                    subject=outgoing_text(subject, case), body=outgoing_text(body, case),
                    data={"event": values["event"]})
    if channel == "sms":
        text, is_unicode = sms_text(template, code=values["code"], status=values["status"], date=values["date"],
                                    link=_link())
        return dict(channel="sms", key=f"{key}:sms", kind="case_update", case_id=case.id, address=address,
                    subject=values["code"], body=outgoing_text(text, case),
                    data={"event": values["event"], "unicode": is_unicode})
    cfg = current_app.config
    params = {"ma_don": values["code"][:ZALO_PARAM_LIMIT], "trang_thai": values["status"][:ZALO_PARAM_LIMIT],
              "ngay": values["date"]}
    return dict(channel="zalo", key=f"{key}:zalo", kind="case_update", case_id=case.id, address=address,
                subject=values["code"], body=" · ".join(params.values()),
                data={"event": values["event"], "template_id": cfg[zalo_template] or cfg["ZALO_TEMPLATE_UPDATE"],
                      "template_data": params})


def _write(case: Case, how: tuple[str, str], key: str, *, fresh: bool = False, **words) -> None:
    from .outbox import write
    fields = _fields(case, how, key, **words)
    write(fields.pop("channel"), fresh=fresh, **fields)


def _receipt_key(case: Case) -> str:
    # the tracking code, not the id: a letter written in one statement (services/newcase.py)
    # has no id before its rows are sent, and a code names one letter for good
    return f"case:{case.tracking_code}:receipt"


def _receipt_words(case: Case, due_on: date | None) -> dict:
    from .alerts import _render
    with force_locale("vi"):
        subject, body = _render("mail/receipt.txt", code=format_code(case.tracking_code), title=_mail_title(case),
                                agency=case.agency.name, received_on=case.received_on, due_on=due_on,
                                link=f"{_link()}?code={case.tracking_code}")
        template = _("Letter %(code)s received on %(date)s. Follow it at %(link)s")
        values = {"event": "receive", "code": format_code(case.tracking_code),
                  "status": str(labels.label(labels.STATUS, case.status)),
                  "date": case.received_on.strftime("%d/%m/%Y")}
    return dict(subject=subject, body=body, values=values, template=template, zalo_template="ZALO_TEMPLATE_RECEIPT")


def notify_receipt(case: Case, *, fresh: bool = False) -> None:
    """The receipt at filing (services/intake; ``fresh``: the case was created in this
    transaction, so its receipt cannot have been written: no look-up, no flush of its own)."""
    how = channel_for(case.petitioner)
    if how is None:
        return
    running = case.running_deadline
    _write(case, how, _receipt_key(case), fresh=fresh,
           **_receipt_words(case, running.due_on if running is not None else None))


def receipt_row(case: Case):
    """The receipt of a letter written in one statement (services/newcase.py), as an outbox
    row whose words are made by its sender (:func:`render_receipt`), not by the filing
    request (issue 18: 1 ms of a filing's CPU). The row holds who is told, how, and the
    handling due date at the receipt's moment; None when the filer is not told."""
    from ..models import Notification
    how = channel_for(case.petitioner)
    if how is None:
        return None
    channel, address = how
    running = case.running_deadline
    return Notification(channel=channel, idempotency_key=f"{_receipt_key(case)}:{channel}", kind="case_update",
                        email=address if channel == "email" else None,
                        address=None if channel == "email" else address, subject="", body="", status="pending",
                        attempts=0, data={"event": "receive", "words": "receipt",
                                          "due_on": running.due_on.isoformat() if running is not None else None})


def render_receipt(note) -> None:
    """The words of a :func:`receipt_row`, made when it is sent: the same subject, body and
    channel data as :func:`notify_receipt` writes at once, from the letter and the due date
    at the receipt's moment."""
    from ..extensions import db
    case = db.session.get(Case, note.case_id)
    due_on = (note.data or {}).get("due_on")
    fields = _fields(case, (note.channel, note.email if note.channel == "email" else note.address),
                     _receipt_key(case), **_receipt_words(case, date.fromisoformat(due_on) if due_on else None))
    note.subject, note.body, note.data = fields["subject"][:300], fields["body"], fields["data"]


def notify_case_update(case: Case, event: str, acted_on: date, event_id: int | None) -> None:
    from .alerts import _render
    how = channel_for(case.petitioner)
    if how is None:
        return
    with force_locale("vi"):
        status = str(labels.label(labels.STATUS, case.status))
        subject, body = _render("mail/case_update.txt", code=format_code(case.tracking_code), title=_mail_title(case),
                                status=status, event=event, on=acted_on, agency=case.agency.name,
                                link=f"{_link()}?code={case.tracking_code}")
        template = _("Letter %(code)s: %(status)s (%(date)s). Follow it at %(link)s")
    values = {"event": event, "code": format_code(case.tracking_code), "status": status,
              "date": acted_on.strftime("%d/%m/%Y")}
    which = event_id if event_id is not None else f"{event}:{acted_on.isoformat()}:{case.version}"
    _write(case, how, f"case:{case.id}:event:{which}", subject=subject, body=body, values=values,
           template=template, zalo_template="ZALO_TEMPLATE_UPDATE")
