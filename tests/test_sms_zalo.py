"""SMS and Zalo notices (issue 19): the filer chooses and consents (public form, status page);
templates in Vietnamese within one SMS; the gateways are local HTTP servers speaking eSMS's
and ZNS's APIs, with errors, slow answers and rate limits: nothing lost, nothing doubled;
no access key, no identity, no denunciation detail in any message."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from petitions.extensions import db
from petitions.models import AuditLog, Case, Notification, User
from petitions.models.types import utcnow
from petitions.services import outbox
from petitions.services.workflow import apply_transition

from .conftest import form_fields, valid_letter
from .gateway_servers import SmsServer, ZaloServer
from .test_public import receipt_codes

PHONE = "0912345678"


@pytest.fixture
def sms(app):
    server = SmsServer().start()
    app.config.update(SMS_URL=server.url, SMS_API_KEY="test-api-key", SMS_SECRET_KEY="test-secret-key",
                      SMS_BRANDNAME="UBND NGHEAN", SMS_TIMEOUT=1.0)
    yield server
    server.stop()
    app.config.update(SMS_URL="", SMS_API_KEY="", SMS_SECRET_KEY="", SMS_UNICODE=False, SMS_TIMEOUT=10.0)


@pytest.fixture
def zalo(app):
    server = ZaloServer().start()
    app.config.update(ZALO_URL=server.url, ZALO_ACCESS_TOKEN="test-zalo-token", ZALO_TEMPLATE_UPDATE="301234",
                      ZALO_TEMPLATE_RECEIPT="301233", ZALO_TIMEOUT=1.0)
    yield server
    server.stop()
    app.config.update(ZALO_ACCESS_TOKEN="", ZALO_TEMPLATE_UPDATE="", ZALO_TEMPLATE_RECEIPT="", ZALO_TIMEOUT=10.0)


def file_on_form(client, agencies, kind="complaint", channel="sms", consent=True, **petitioner):
    client.app.config["TODAY"] = date(2026, 8, 3)
    body = form_fields(valid_letter(kind, agencies["commune_a"]))
    body.pop("petitioner-email", None)
    body.update({f"petitioner-{k}": v for k, v in petitioner.items()})
    body["notify_channel"] = channel
    if consent:
        body["notify_consent"] = "y"
    r = client.submit(f"/file/{kind}", body, follow_redirects=True)
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    return receipt_codes(r.get_data(as_text=True))


def the_case(code: str) -> Case:
    return db.session.scalar(db.select(Case).where(Case.tracking_code == code.replace("-", "")))


def accept(app, code: str, make_officer, agencies, on=date(2026, 8, 4)):
    make_officer("chutich", ["head"], agencies["agency_a"])
    with app.app_context():
        case = the_case(code)
        head = db.session.scalar(db.select(User).where(User.username == "chutich"))
        apply_transition(case, "accept", head, on, {}, today=on)
        db.session.commit()


def test_sms_texts_fit_one_message_for_every_status(app):
    from petitions import labels
    from petitions.services.notices import _GSM7, SMS_GSM7_LIMIT, SMS_UCS2_LIMIT, sms_text, unaccented
    from flask_babel import force_locale, gettext
    with app.test_request_context(), force_locale("vi"):
        template = gettext("Letter %(code)s: %(status)s (%(date)s). Follow it at %(link)s")
        assert template.startswith("Đơn ")  # Vietnamese
        for unicode_ok in (False, True):
            app.config["SMS_UNICODE"] = unicode_ok
            for status in labels.STATUS:
                label = str(labels.label(labels.STATUS, status))
                text, is_unicode = sms_text(template, code="7K3MQ-9XP2D", status=label, date="05/12/2026",
                                            link="https://dichvucong.nghean.gov.vn/track")
                if is_unicode:
                    assert len(text) <= SMS_UCS2_LIMIT and unicode_ok
                else:
                    assert len(text) <= SMS_GSM7_LIMIT and set(text) <= _GSM7, text
                    assert "7K3MQ-9XP2D" in text and unaccented(label)[:20] in text
        app.config["SMS_UNICODE"] = False
    assert unaccented("Đã thụ lý, chuyển đơn đến Ủy ban") == "Da thu ly, chuyen don den Uy ban"


def test_public_form_records_consent_and_the_receipt_goes_by_sms(client, app, agencies, sms, run_worker):
    code, key = file_on_form(client, agencies, phone=PHONE)
    with app.app_context():
        filer = the_case(code).petitioner
        assert filer.notify_channel == "sms" and filer.notify_consent_at is not None
    run_worker()
    (sent,) = sms.delivered
    assert sent["Phone"] == "84912345678" and sent["Brandname"] == "UBND NGHEAN" and sent["SmsType"] == "2"
    assert sent["IsUnicode"] == "0" and len(sent["Content"]) <= 160
    assert code in sent["Content"] and "tiep nhan" in sent["Content"]
    assert key not in sent["Content"] and key.replace("-", "") not in sent["Content"]
    assert "Đơn thử nghiệm" not in sent["Content"] and "Don thu nghiem" not in sent["Content"]  # no title
    with app.app_context():
        (row,) = db.session.scalars(db.select(Notification)).all()
        assert (row.channel, row.status, row.gateway_ref) == ("sms", "sent", "sms-1")
        assert row.idempotency_key.endswith(":receipt:sms")


def test_sms_without_consent_or_phone_is_refused_and_nothing_is_lost(client, app, agencies, sms):
    body = form_fields(valid_letter("complaint", agencies["commune_a"]))
    body["notify_channel"] = "sms"
    r = client.submit("/file/complaint", body)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Đánh dấu vào ô để đồng ý" in page and "Đơn thử nghiệm" in page  # the text is kept
    body["notify_consent"] = "y"
    body["petitioner-phone"] = ""
    r = client.submit("/file/complaint", body)
    assert r.status_code == 422 and "Cho biết số điện thoại" in r.get_data(as_text=True)


def test_sms_gateway_errors_slow_answers_and_rate_limits_lose_nothing_and_double_nothing(client, app, agencies,
                                                                                          sms):
    """Five receipts; the gateway answers 500, then too slowly (it had accepted the message), then
    429 with Retry-After, then refuses one for good. Each message reaches the phone once, the
    refused one is on the dead-letter list."""
    codes = [file_on_form(client, agencies, phone=f"09123456{i:02d}")[0] for i in range(5)]
    sms.script = [("http", 500), ("slow", 2.5), ("http", 429, {"Retry-After": "7"}), ("code", "104")]
    with app.app_context():
        ids = sorted(db.session.scalars(db.select(Notification.id)))
        first = outbox.deliver(ids)
        assert first == {"failed": 3, "dead": 1, "sent": 1}, first
        rows = {r.id: r for r in db.session.scalars(db.select(Notification))}
        limited = [r for r in rows.values() if r.last_error and "429" in r.last_error]
        assert len(limited) == 1 and limited[0].attempts == 0  # a rate limit is not a failed try
        assert timedelta(seconds=5) < limited[0].next_attempt_at - utcnow() <= timedelta(seconds=7)
        dead = [r for r in rows.values() if r.status == "dead"]
        assert len(dead) == 1 and "104" in dead[0].last_error and "test-api-key" not in dead[0].last_error
        refused_phone = dead[0].address
        for r in rows.values():  # time passes: the back-offs run out
            if r.status == "failed":
                r.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert outbox.deliver(ids) == {"sent": 3, "skipped": 2}
        assert outbox.deliver(ids) == {"skipped": 5}
        assert outbox.due(utcnow() + timedelta(days=1)) == []
    # the slow one was accepted the first time: the resend carried the same request id
    request_ids = [r["body"]["RequestId"] for r in sms.requests]
    assert len(sms.requests) == 8 and len(set(request_ids)) == 5  # 5, then the 3 retried
    assert len(sms.delivered) == 4 and len({d["RequestId"] for d in sms.delivered}) == 4
    assert sorted(d["Phone"] for d in sms.delivered) == sorted(
        f"849123456{i:02d}" for i in range(5) if f"849123456{i:02d}" != refused_phone)


def test_status_page_choice_then_a_step_goes_by_zalo(client, app, agencies, make_officer, zalo, run_worker):
    code, key = file_on_form(client, agencies, channel="email", consent=False, phone=PHONE,
                             email="an@example.org")
    page = client.submit("/track", {"code": code, "key": key}).get_data(as_text=True)
    assert 'data-testid="notices"' in page
    r = client.submit("/track", {"code": code, "key": key})
    token = r.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    r = client.post("/track/notices", data={"csrf_token": token, "code": code.replace("-", ""), "key": key,
                                            "notify_channel": "zalo"})
    assert r.status_code == 422 and "Đánh dấu vào ô để đồng ý" in r.get_data(as_text=True)
    r = client.post("/track/notices", data={"csrf_token": token, "code": code.replace("-", ""), "key": key,
                                            "notify_channel": "zalo", "notify_consent": "y"})
    assert r.status_code == 200 and 'data-testid="notices-saved"' in r.get_data(as_text=True)
    with app.app_context():
        filer = the_case(code).petitioner
        assert filer.notify_channel == "zalo" and filer.notify_consent_at is not None
        audit = db.session.scalar(db.select(AuditLog).where(AuditLog.action == "choose_notices"))
        assert audit.details == {"channel": "zalo"} and audit.object_id == code.replace("-", "")
        db.session.execute(db.delete(Notification))  # the receipt mail (no SMTP server here)
        db.session.commit()
    accept(app, code, make_officer, agencies)
    run_worker()
    (sent,) = zalo.delivered
    assert sent["phone"] == "84912345678" and sent["template_id"] == "301234"
    assert sent["template_data"] == {"ma_don": code, "trang_thai": "Đã thụ lý", "ngay": "04/08/2026"}
    assert {k.lower(): v for k, v in zalo.requests[0]["headers"].items()}["access_token"] == "test-zalo-token"
    with app.app_context():
        (row,) = db.session.scalars(db.select(Notification)).all()
        assert (row.channel, row.status, row.gateway_ref) == ("zalo", "sent", "zns-1")


def test_zalo_errors_and_rate_limits_lose_nothing_and_double_nothing(client, app, agencies, zalo):
    for i in range(3):
        file_on_form(client, agencies, channel="zalo", phone=f"09123456{i:02d}")
    zalo.script = [("http", 429, {"Retry-After": "3"}), ("slow", 2.5), ("error", -118)]
    with app.app_context():
        ids = sorted(db.session.scalars(db.select(Notification.id)))
        assert outbox.deliver(ids) == {"failed": 2, "dead": 1}
        for r in db.session.scalars(db.select(Notification).where(Notification.status == "failed")):
            r.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert outbox.deliver(ids) == {"sent": 2, "skipped": 1}
    assert len(zalo.delivered) == 2 and len({d["tracking_id"] for d in zalo.delivered}) == 2


def test_a_denunciation_notice_carries_no_identity_and_no_detail(client, app, agencies, make_officer, sms, zalo,
                                                                   run_worker):
    name, id_number, address = "Trần Thị Bích Ngọc", "040198765432", "Số 9 ngõ 4 đường Phan Đình Phùng"
    body_extra = {"title": f"Tố cáo cán bộ địa chính xã, tôi là {name}",
                  "content": f"Tôi là {name}, CCCD {id_number}, ở {address}, tố cáo cán bộ địa chính nhận tiền."}
    codes = []
    for channel, phone in (("sms", "0987654321"), ("zalo", "0987654322")):
        body = form_fields(valid_letter("denunciation", agencies["commune_a"], **body_extra))
        body.update({"petitioner-full_name": name, "petitioner-id_number": id_number, "petitioner-phone": phone,
                     "petitioner-address": address, "notify_channel": channel, "notify_consent": "y"})
        body.pop("petitioner-email", None)
        app.config["TODAY"] = date(2026, 8, 3)
        r = client.submit("/file/denunciation", body, follow_redirects=True)
        assert r.status_code == 200, r.get_data(as_text=True)[:2000]
        codes.append(receipt_codes(r.get_data(as_text=True)))
    run_worker()
    for code, _key in codes:
        accept(app, code, make_officer, agencies) if code == codes[0][0] else None
    run_worker()
    sent = [d["Content"] for d in sms.delivered] + [str(d["template_data"]) for d in zalo.delivered]
    assert len(sms.delivered) == 2 and len(zalo.delivered) == 1
    from petitions.services.notices import unaccented
    for text in sent:
        folded = unaccented(text).lower()
        for secret in (name, id_number, address, "địa chính", "nhận tiền", "Tố cáo"):
            assert unaccented(secret).lower() not in folded, (secret, text)
        for _code, key in codes:
            assert key not in text and key.replace("-", "") not in text
